/** Aider, run headless on a prompt file (`--message-file`); it takes no messages while running. */
import type { LaunchContext, LaunchPlan, ProviderDefinition } from './types';

const MODES = ['ask', 'yes-always'] as const;

export const aiderProvider: ProviderDefinition = {
  id: 'aider',
  label: 'Aider',
  installHint: 'python -m pip install aider-install && aider-install',
  signIn: 'Set the API key of the model you use (e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY) in your environment or aop.providers.aider.env.',
  transports: ['plain'],
  defaultTransport: 'plain',
  envKeys: ['AIDER_*', 'OPENAI_API_KEY', 'OPENAI_API_BASE', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'DEEPSEEK_API_KEY', 'OPENROUTER_API_KEY'],
  stateDirs: ['.aider'],
  approvalModes: () => MODES,
  launch(ctx: LaunchContext): LaunchPlan {
    const { config } = ctx;
    const mode = config.approvalMode ?? 'ask';
    return {
      command: config.command ?? 'aider',
      args: [
        '--message-file',
        ctx.promptFile,
        '--no-pretty',
        '--no-fancy-input',
        ...(mode === 'yes-always' ? ['--yes-always'] : []),
        ...(config.model ? ['--model', config.model] : []),
        ...config.args,
      ],
      transport: 'plain',
      promptVia: 'file',
      messageChannel: 'none',
      approval: mode === 'yes-always' ? '--yes-always' : 'asks (answers no when nobody replies)',
      probe: { helpArgs: ['--help'], detect: (help) => ({ resumeSession: help.includes('--restore-chat-history') }) },
    };
  },
};
