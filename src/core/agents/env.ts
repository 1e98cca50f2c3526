/**
 * The environment an agent runs with: an allowlist of ordinary variables plus the provider's
 * own keys, never the editor's whole environment (which holds every token the user ever
 * exported). Patterns ending in `*` match a prefix (`LC_*`, `GOOGLE_*`).
 */

/** Variables every agent gets when the parent has them. */
export const BASE_ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'SHELL',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  // Network plumbing agents need to reach their APIs from behind a corporate proxy.
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // Windows basics: without these many programs cannot even start.
  'SystemRoot',
  'SystemDrive',
  'windir',
  'ComSpec',
  'PATHEXT',
  'USERPROFILE',
  'USERNAME',
  'USERDOMAIN',
  'HOMEDRIVE',
  'HOMEPATH',
  'APPDATA',
  'LOCALAPPDATA',
  'ProgramData',
  'ProgramFiles',
  'ProgramFiles(x86)',
  'CommonProgramFiles',
  'OS',
  'NUMBER_OF_PROCESSORS',
  'PROCESSOR_ARCHITECTURE',
];

export interface AgentEnvOptions {
  /** The parent's environment (process.env). */
  parent: NodeJS.ProcessEnv;
  /** The provider's own variables (API keys, config dirs), same pattern syntax. */
  providerKeys?: readonly string[];
  /** Extra names the user chose to pass through (setting `passEnv`). */
  passEnv?: readonly string[];
  /** Explicit values from the provider config; they win over inherited ones. */
  set?: Record<string, string>;
  platform?: NodeJS.Platform;
}

/** Builds the agent's environment; only allowlisted names survive. */
export function buildAgentEnv(opts: AgentEnvOptions): Record<string, string> {
  const patterns = [...BASE_ENV_ALLOWLIST, ...(opts.providerKeys ?? []), ...(opts.passEnv ?? [])];
  // Windows variable names are case-insensitive (Path vs PATH); POSIX ones are not.
  const fold = (opts.platform ?? process.platform) === 'win32';
  const norm = (s: string) => (fold ? s.toUpperCase() : s);
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('*')) prefixes.push(norm(p.slice(0, -1)));
    else exact.add(norm(p));
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.parent)) {
    if (value === undefined) continue;
    const n = norm(name);
    if (exact.has(n) || prefixes.some((p) => n.startsWith(p))) out[name] = value;
  }
  for (const [name, value] of Object.entries(opts.set ?? {})) out[name] = value;
  return out;
}

/** Looks a variable up the way the platform does (case-insensitively on Windows). */
export function envGet(env: Record<string, string | undefined>, name: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}
