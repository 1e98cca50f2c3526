/**
 * Entry point of the built-in scripted agent (bundled to out/scripted-agent.js; in tests run
 * with `node --import tsx src/core/agents/scripted/main.ts`).
 *
 *   scripted-agent --script <file> [--acp] [--prompt-file <file>]
 *
 * The script format is documented in ./schema.ts.
 */
import { readFile } from 'node:fs/promises';
import { runAcp } from './acpAgent';
import { runPlain } from './plainAgent';
import { SCRIPTED_AGENT_VERSION, loadScript } from './schema';

async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--version')) {
    process.stdout.write(`aop-scripted-agent ${SCRIPTED_AGENT_VERSION}\n`);
    return 0;
  }
  const scriptFile = arg('--script');
  if (!scriptFile) {
    process.stderr.write('usage: scripted-agent --script <file> [--acp] [--prompt-file <file>]\n');
    return 2;
  }
  const script = await loadScript(scriptFile);
  if (argv.includes('--acp')) {
    await runAcp(script, { cwd: process.cwd(), version: SCRIPTED_AGENT_VERSION });
    return 0;
  }
  const promptFile = arg('--prompt-file');
  const prompt = promptFile ? await readFile(promptFile, 'utf8') : undefined;
  return runPlain(script, { cwd: process.cwd(), prompt });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`scripted agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
