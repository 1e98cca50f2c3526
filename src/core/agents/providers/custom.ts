/**
 * Any CLI, from a command template in settings: `mytool --input {promptFile} --cwd {worktree}`.
 * The template is split into arguments without a shell, and placeholders are filled per
 * argument, so a path with spaces stays one argument and nothing is ever interpreted by a shell.
 */
import { AopError } from '../../util/errors';
import type { LaunchContext, LaunchPlan, ProviderDefinition } from './types';
import { jsonMessageLine, parseAckLine } from './types';

export const customProvider: ProviderDefinition = {
  id: 'custom',
  label: 'Custom command',
  installHint: 'install the tool your command line names',
  signIn: 'See the documentation of the tool your command line runs.',
  transports: ['plain'],
  defaultTransport: 'plain',
  envKeys: [],
  stateDirs: [],
  approvalModes: () => undefined,
  launch(ctx: LaunchContext): LaunchPlan {
    const { config } = ctx;
    if (!config.template) {
      throw new AopError(
        'INVALID_INPUT',
        'The custom agent has no command line. Start the feature from the Features view to be asked for one, or set "aop.providers.custom.template", e.g. "mytool --prompt-file {promptFile}".',
        { details: { setting: 'aop.providers.custom.template' } },
      );
    }
    const words = splitCommandLine(config.template);
    const usesFile = words.some((w) => w.includes('{promptFile}'));
    if (config.stdinMessages && !usesFile) {
      throw new AopError('INVALID_INPUT', 'A custom agent that reads messages on stdin must take its prompt from {promptFile}: add it to its command line.');
    }
    const fill = (w: string) => w.replaceAll('{promptFile}', ctx.promptFile).replaceAll('{worktree}', ctx.worktree).replaceAll('{featureId}', ctx.featureId);
    const [first, ...rest] = words.map(fill);
    return {
      command: config.command ?? first,
      args: [...(config.command ? [first] : []), ...rest, ...config.args],
      transport: 'plain',
      promptVia: usesFile ? 'file' : 'stdin',
      messageChannel: config.stdinMessages ? 'stdin' : 'none',
      formatMessage: jsonMessageLine,
      parseLine: parseAckLine,
      approval: 'as set in the template',
      // An unknown tool may not understand --version and start working instead.
      versionArgs: null,
    };
  },
};

/** Splits a command line into words: whitespace separates, '…' and "…" group, \ escapes in "…" and bare words. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      if (c === '\\' && i + 1 < line.length && /[\s"'\\]/.test(line[i + 1])) cur += line[++i];
      else cur += c;
      inWord = true;
    }
  }
  if (quote) throw new AopError('INVALID_INPUT', `The command line has an unclosed ${quote} quote: ${line}`);
  if (inWord) words.push(cur);
  if (words.length === 0) throw new AopError('INVALID_INPUT', 'The command line is empty: give the command that runs your agent.');
  return words;
}
