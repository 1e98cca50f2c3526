/**
 * The built-in scripted agent: node running our own entry (bundled out/scripted-agent.js, or the
 * TypeScript source through tsx in development and tests), over ACP or as a plain CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AopError } from '../../util/errors';
import type { LaunchContext, LaunchPlan, ProviderDefinition } from './types';
import { jsonMessageLine, parseAckLine } from './types';

/** The node arguments that start the scripted agent, wherever this code runs from. */
export function scriptedEntryArgs(): string[] {
  const bundled = path.join(__dirname, 'scripted-agent.js');
  if (fs.existsSync(bundled)) return [bundled];
  const source = path.resolve(__dirname, '../scripted/main.ts');
  if (fs.existsSync(source)) {
    // Resolve tsx from here, not from the worktree the agent runs in.
    return ['--import', pathToFileURL(require.resolve('tsx')).href, source];
  }
  throw new AopError('AGENT_NOT_FOUND', `The scripted agent is missing (looked for ${bundled}); rebuild the extension with "npm run build".`);
}

export const scriptedProvider: ProviderDefinition = {
  id: 'scripted',
  label: 'Scripted agent',
  installHint: 'it is built in; rebuild the extension',
  signIn: 'Nothing to sign in to: it is built in.',
  transports: ['acp', 'plain'],
  defaultTransport: 'acp',
  envKeys: [],
  stateDirs: [],
  approvalModes: () => undefined,
  launch(ctx: LaunchContext, transport): LaunchPlan {
    const { config } = ctx;
    if (!config.script) throw new AopError('INVALID_INPUT', 'The scripted agent needs a script: set the provider\'s "script" to a YAML file of steps.');
    const script = path.resolve(config.script);
    // Checked here, not by the agent: its own error would be a bare ENOENT in a terminal.
    if (!fs.existsSync(script)) {
      throw new AopError(
        'INVALID_INPUT',
        `The scripted agent replays a script of steps, and there is none at ${script}. It is for demos and tests: write one (see the demo feature's agent.yaml) or start the feature with another agent ("Start Agent With…").`,
        { details: { file: script } },
      );
    }
    // Inside VS Code process.execPath is Electron, which runs as plain node only when told so.
    const env = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : undefined;
    const base = {
      command: config.command ?? process.execPath,
      approval: 'none (replays its script)',
      ...(env ? { env } : {}),
    };
    if (transport === 'acp') {
      return { ...base, args: [...scriptedEntryArgs(), '--acp', '--script', script, ...config.args], transport, promptVia: 'acp', messageChannel: 'acp' };
    }
    return {
      ...base,
      args: [...scriptedEntryArgs(), '--script', script, '--prompt-file', ctx.promptFile, ...config.args],
      transport,
      promptVia: 'file',
      messageChannel: 'stdin',
      formatMessage: jsonMessageLine,
      parseLine: parseAckLine,
      versionArgs: [...scriptedEntryArgs(), '--version'],
    };
  },
};
