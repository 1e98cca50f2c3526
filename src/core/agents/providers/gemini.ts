/** Gemini CLI, which speaks ACP natively (`gemini --acp`), with its approval mode passed explicitly. */
import type { LaunchContext, LaunchPlan, ProviderDefinition } from './types';

const MODES = ['default', 'auto_edit', 'yolo', 'plan'] as const;

export const geminiProvider: ProviderDefinition = {
  id: 'gemini',
  label: 'Gemini CLI',
  installHint: 'npm install -g @google/gemini-cli',
  transports: ['acp'],
  defaultTransport: 'acp',
  envKeys: ['GEMINI_*', 'GOOGLE_*'],
  stateDirs: ['.gemini'],
  approvalModes: () => MODES,
  launch(ctx: LaunchContext): LaunchPlan {
    const { config } = ctx;
    const mode = config.approvalMode ?? 'default';
    return {
      command: config.command ?? 'gemini',
      args: ['--acp', '--approval-mode', mode, ...(config.model ? ['--model', config.model] : []), ...config.args],
      transport: 'acp',
      promptVia: 'acp',
      messageChannel: 'acp',
      approval: `--approval-mode ${mode}`,
    };
  },
};
