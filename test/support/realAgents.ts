/**
 * The real agent CLIs (dev dependencies, in node_modules/.bin) pointed at a model double, each
 * with a fresh home of its own, configured the way a user configures them: provider settings
 * (`env`, `model`, `approvalMode`) and the CLI's own files in its home. The product launches
 * them through its provider definitions like any user's CLI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProviderConfigInput } from '../../src/core/agents/config';
import type { ModelDouble } from './modelDouble';

export type RealProvider = 'claude' | 'codex' | 'gemini';
export type Transport = 'acp' | 'plain';

export interface RealAgent {
  provider: RealProvider;
  transport: Transport;
}

/** The six: three CLIs, each over ACP (Gemini natively, the others through their adapters) and plain. */
export const REAL_AGENTS: readonly RealAgent[] = [
  { provider: 'claude', transport: 'acp' },
  { provider: 'claude', transport: 'plain' },
  { provider: 'codex', transport: 'acp' },
  { provider: 'codex', transport: 'plain' },
  { provider: 'gemini', transport: 'acp' },
  { provider: 'gemini', transport: 'plain' },
];

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const AGENT_BIN = path.join(REPO_ROOT, 'node_modules', '.bin');

/** The executable each (provider, transport) runs, as the provider names it. */
export const EXECUTABLES: Record<RealProvider, Record<Transport, string>> = {
  claude: { acp: 'claude-agent-acp', plain: 'claude' },
  codex: { acp: 'codex-acp', plain: 'codex' },
  gemini: { acp: 'gemini', plain: 'gemini' },
};

export function label(a: RealAgent): string {
  return `${a.provider} ${a.transport === 'acp' ? 'over ACP' : 'plain'}`;
}

/** The model each CLI is told to use: one it knows (Codex offers apply_patch only to known ones). */
const MODELS: Record<RealProvider, string> = { claude: 'claude-sonnet-4-5', codex: 'gpt-5.5', gemini: 'gemini-2.5-flash' };

const homes: string[] = [];

/**
 * A fresh home folder. Codex refuses to set up its sandbox helper under the temp folder
 * ("Refusing to create helper binaries under temporary dir"), so on Linux homes go under
 * /var/tmp when it is writable.
 */
export function freshHome(): string {
  const base = process.platform === 'linux' && isWritable('/var/tmp') ? '/var/tmp' : os.tmpdir();
  const home = fs.realpathSync(fs.mkdtempSync(path.join(base, 'aop-agent-home-')));
  homes.push(home);
  return home;
}

export function removeHomes(): void {
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

function isWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The provider settings for `agent` talking to `double`, with its home prepared (Gemini's auth
 * choice, Codex's model provider). `extra` overrides (approval mode, start-up timeout...);
 * `bin` is where the CLIs are (bundled test code passes the extension's own node_modules/.bin).
 */
export function realAgentConfig(agent: RealAgent, double: ModelDouble | undefined, home: string, extra: Partial<ProviderConfigInput> = {}, bin = AGENT_BIN): ProviderConfigInput {
  const env: Record<string, string> = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, HOME: home, LANG: 'C.UTF-8' };
  // As root Claude Code refuses its permission-skipping paths unless told it is sandboxed; the
  // adapter needs it to start at all (session/new fails with "exited with code 1").
  if (process.getuid?.() === 0) env.IS_SANDBOX = '1';
  const model: Partial<ProviderConfigInput> = {};
  if (agent.provider === 'claude') {
    Object.assign(env, { DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' });
    if (double) Object.assign(env, { ANTHROPIC_BASE_URL: double.url, ANTHROPIC_API_KEY: 'sk-ant-test-double' });
  }
  if (agent.provider === 'gemini') {
    model.model = MODELS.gemini; // without one it first asks a routing model
    if (double) {
      Object.assign(env, { GOOGLE_GEMINI_BASE_URL: double.url, GEMINI_API_KEY: 'test-double-key' });
      writeFile(home, '.gemini/settings.json', JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
    }
  }
  if (agent.provider === 'codex') {
    env.CODEX_HOME = path.join(home, '.codex');
    fs.mkdirSync(env.CODEX_HOME, { recursive: true });
    if (double) {
      // Only a custom provider reaches a local server (OPENAI_BASE_URL is ignored); no env_key: no auth.
      writeFile(
        home,
        '.codex/config.toml',
        [
          `model = "${MODELS.codex}"`,
          'model_provider = "double"',
          '[model_providers.double]',
          'name = "double"',
          `base_url = "${double.url}/v1"`,
          'wire_api = "responses"',
          '[analytics]',
          'enabled = false',
          '',
        ].join('\n'),
      );
    }
  }
  return { provider: agent.provider, transport: agent.transport, env, ...model, ...extra } as ProviderConfigInput;
}

function writeFile(home: string, rel: string, content: string): void {
  const file = path.join(home, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}
