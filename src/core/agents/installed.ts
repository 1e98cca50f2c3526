/**
 * Which agents can run here, without running any: for each provider, the executable its settings
 * would launch and whether it is on the agent's PATH (and where). Only file-system lookups, no
 * process: cheap enough for a quick pick. `probe.ts` goes further (version, ACP `initialize`).
 */
import { parseProviderConfig, PROVIDER_IDS, type ProviderConfigInput, type ProviderId } from './config';
import { PROVIDERS } from './providers';
import { resolveCommand } from './resolveCommand';
import { splitCommandLine } from './providers/custom';

export interface ProviderAvailability {
  id: ProviderId;
  label: string;
  /**
   * installed: its executable was found; missing: not on PATH; setup: it needs something from
   * the user first (a command line for `custom`, a script for `scripted`).
   */
  status: 'installed' | 'missing' | 'setup';
  /** The transport the found executable speaks (a CLI with two may have only one installed). */
  transport?: 'acp' | 'plain';
  /** The executable looked up, and where it was found. */
  command?: string;
  path?: string;
  /** One line for a person: where it is, or what it needs. */
  note: string;
}

export interface DetectOptions {
  /** `aop.providers` settings, per provider. */
  settings?: Partial<Record<ProviderId, Partial<ProviderConfigInput>>>;
  /** The feature's own choice for a provider, when it has one (e.g. its custom command line). */
  feature?: ProviderConfigInput;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Whether the feature has a script for the scripted agent. */
  hasScript?: boolean;
  /** The feature asked about, to name its files in the notes. */
  featureId?: string;
}

const CLI_ORDER: readonly ProviderId[] = ['claude', 'codex', 'gemini', 'aider'];

export function detectProviders(o: DetectOptions = {}): ProviderAvailability[] {
  const env = o.env ?? process.env;
  const find = (command: string) => resolveCommand(command, { pathEnv: env.PATH ?? env.Path, pathExt: env.PATHEXT, ...(o.cwd ? { cwd: o.cwd } : {}) });
  return PROVIDER_IDS.map((id): ProviderAvailability => {
    const def = PROVIDERS[id];
    const input = { ...(o.settings?.[id] ?? {}), ...(o.feature?.provider === id ? o.feature : {}), provider: id } as ProviderConfigInput;
    if (id === 'scripted') {
      return o.hasScript
        ? { id, label: def.label, status: 'installed', note: "built in: replays this feature's agent.yaml" }
        : { id, label: def.label, status: 'setup', note: `built in, for demos: needs .aop/features/${o.featureId ?? '<id>'}/agent.yaml` };
    }
    if (id === 'custom') {
      const line = input.template;
      if (!line) return { id, label: def.label, status: 'setup', note: 'asks for its command line' };
      let first: string;
      try {
        first = input.command ?? splitCommandLine(line)[0]!;
      } catch {
        return { id, label: def.label, status: 'setup', note: 'its command line does not parse; set it again' };
      }
      const hit = find(first);
      return hit
        ? { id, label: def.label, status: 'installed', transport: 'plain', command: first, path: hit.path, note: hit.path }
        : { id, label: def.label, status: 'missing', command: first, note: `"${first}" not found on PATH` };
    }
    let config;
    try {
      config = parseProviderConfig(input);
    } catch {
      return { id, label: def.label, status: 'setup', note: `its aop.providers.${id} settings are invalid` };
    }
    // The configured (or default) transport first, then the other one the CLI speaks.
    const transports = [config.transport ?? def.defaultTransport, ...def.transports.filter((t) => t !== (config.transport ?? def.defaultTransport))];
    const tried: string[] = [];
    for (const transport of config.transport ? [config.transport] : transports) {
      const command = def.launch({ featureId: 'detect', worktree: o.cwd ?? '.', config, promptFile: 'prompt.md' }, transport).command;
      const hit = find(command);
      if (hit) return { id, label: def.label, status: 'installed', transport, command, path: hit.path, note: `${hit.path}${def.transports.length > 1 ? ` (${transport === 'acp' ? 'ACP' : 'plain CLI'})` : ''}` };
      tried.push(command);
    }
    return { id, label: def.label, status: 'missing', command: tried[0], note: `not installed (looked for ${tried.map((c) => `"${c}"`).join(' and ')}; ${def.installHint})` };
  });
}

/**
 * The agent a feature starts with when nobody chose one: the setting when set; the scripted
 * agent when the feature has a script (the demo); else the first agent CLI found here; else the
 * custom command, which asks for its command line. Never one that fails at once.
 */
export function defaultProvider(available: readonly ProviderAvailability[], explicit?: ProviderId): ProviderId {
  if (explicit) return explicit;
  const by = new Map(available.map((a) => [a.id, a]));
  if (by.get('scripted')?.status === 'installed') return 'scripted';
  return CLI_ORDER.find((id) => by.get(id)?.status === 'installed') ?? 'custom';
}
