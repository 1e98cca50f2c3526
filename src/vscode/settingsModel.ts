/**
 * Reads the `aop.*` settings into OrchestratorSettings, validating each value and saying which
 * setting is wrong. No `vscode` import: the extension passes a getter, tests a plain object.
 */
import { PROVIDER_IDS, providerConfigSchema, type ProviderConfigInput, type ProviderId } from '../core/agents';
import { DEFAULT_SETTINGS, type OrchestratorSettings } from '../core/orchestrator';
import { budgetSchema, type PlanBudget } from '../core/plan';
import { WATCHER_SETTINGS, type WatcherSetting } from '../core/watch';
import { URGENT_KINDS, type NeedsYouKind } from '../shared/needsYou';
import { SETTINGS, fullSettingKey, type SettingKey } from './ids';

export interface ReadSettings {
  settings: OrchestratorSettings;
  /** The agent a new feature uses, when the setting names one; undefined for "auto" (see agentChoice.ts). */
  defaultProvider: ProviderId | undefined;
  /** One line per rejected value: `aop.key: problem (using default)`. */
  problems: string[];
  /** "Needs you" kinds that raise no notification. */
  mutedKinds: NeedsYouKind[];
}

/** The fields of a provider that settings may set (the rest is chosen per feature); the custom agent's command line too. */
const providerSettingsSchema = providerConfigSchema.omit({ provider: true, template: true, script: true }).partial();
const customSettingsSchema = providerConfigSchema.omit({ provider: true, script: true }).partial();

export function parseSettings(get: (key: SettingKey) => unknown): ReadSettings {
  const problems: string[] = [];
  const bad = (key: SettingKey, why: string) => problems.push(`${fullSettingKey(key)}: ${why} (using the default)`);

  const int = (key: SettingKey, dflt: number, min: number, max: number): number => {
    const v = get(key);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return dflt;
    }
    return v;
  };

  let watcherBackend: WatcherSetting = DEFAULT_SETTINGS.watcherBackend;
  const wb = get(SETTINGS.watcherBackend);
  if (wb !== undefined && wb !== null) {
    if (typeof wb === 'string' && (WATCHER_SETTINGS as readonly string[]).includes(wb)) watcherBackend = wb as WatcherSetting;
    else bad(SETTINGS.watcherBackend, `expected one of ${WATCHER_SETTINGS.join(', ')}, got ${JSON.stringify(wb)}`);
  }

  let worktreesRoot: string | undefined;
  const wr = get(SETTINGS.worktreesRoot);
  if (typeof wr === 'string' && wr.trim() !== '') {
    if (wr.startsWith('/') || /^[A-Za-z]:[\\/]/.test(wr)) worktreesRoot = wr;
    else bad(SETTINGS.worktreesRoot, `expected an absolute folder path, got ${JSON.stringify(wr)}`);
  } else if (wr !== undefined && wr !== null && wr !== '') bad(SETTINGS.worktreesRoot, 'expected a folder path');

  const wmc = get(SETTINGS.watchMainCheckout);
  const watchMainCheckout = typeof wmc === 'boolean' ? wmc : DEFAULT_SETTINGS.watchMainCheckout;

  const providers: OrchestratorSettings['providers'] = {};
  const raw = get(SETTINGS.providers);
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) bad(SETTINGS.providers, 'expected an object keyed by provider id');
    else {
      for (const [id, value] of Object.entries(raw as Record<string, unknown>)) {
        if (!(PROVIDER_IDS as readonly string[]).includes(id)) {
          problems.push(`${fullSettingKey(SETTINGS.providers)}.${id}: unknown provider (use one of ${PROVIDER_IDS.join(', ')})`);
          continue;
        }
        const r = (id === 'custom' ? customSettingsSchema : providerSettingsSchema).safeParse(value ?? {});
        if (!r.success) {
          const issue = r.error.issues[0]!;
          problems.push(`${fullSettingKey(SETTINGS.providers)}.${id}${issue.path.length ? '.' + issue.path.map(String).join('.') : ''}: ${issue.message} (ignoring this provider's settings)`);
          continue;
        }
        // Only what the user wrote: zod's defaults would otherwise override a feature's own choices.
        const given = value as Record<string, unknown>;
        providers[id] = Object.fromEntries(Object.entries(r.data).filter(([k]) => k in given)) as Partial<ProviderConfigInput>;
      }
    }
  }

  let defaultProvider: ProviderId | undefined;
  const dp = get(SETTINGS.defaultProvider);
  if (dp !== undefined && dp !== null && dp !== '' && dp !== 'auto') {
    if (typeof dp === 'string' && (PROVIDER_IDS as readonly string[]).includes(dp)) defaultProvider = dp as ProviderId;
    else bad(SETTINGS.defaultProvider, `expected auto or one of ${PROVIDER_IDS.join(', ')}`);
  }

  let budgets: PlanBudget = DEFAULT_SETTINGS.budgets;
  const rawBudgets = get(SETTINGS.budgets);
  if (rawBudgets !== undefined && rawBudgets !== null) {
    const r = budgetSchema.safeParse(rawBudgets);
    if (r.success) budgets = r.data;
    else bad(SETTINGS.budgets, r.error.issues[0]!.message);
  }

  let diskQuotaBytes = DEFAULT_SETTINGS.diskQuotaBytes;
  const quota = get(SETTINGS.diskQuotaGB);
  if (quota !== undefined && quota !== null) {
    if (typeof quota === 'number' && Number.isFinite(quota) && quota >= 0) diskQuotaBytes = Math.round(quota * 1024 ** 3);
    else bad(SETTINGS.diskQuotaGB, `expected 0 or more gigabytes, got ${JSON.stringify(quota)}`);
  }

  let setupCommand = DEFAULT_SETTINGS.setupCommand;
  const setup = get(SETTINGS.setupCommand);
  if (typeof setup === 'string') setupCommand = setup.trim();
  else if (setup !== undefined && setup !== null) bad(SETTINGS.setupCommand, 'expected a command line');

  const mutedKinds: NeedsYouKind[] = [];
  const mute = get(SETTINGS.notificationsMute);
  if (Array.isArray(mute)) {
    for (const k of mute) {
      if ((URGENT_KINDS as readonly unknown[]).includes(k)) mutedKinds.push(k as NeedsYouKind);
      else problems.push(`${fullSettingKey(SETTINGS.notificationsMute)}: ${JSON.stringify(k)} is not a kind that notifies (${URGENT_KINDS.join(', ')}); ignored`);
    }
  } else if (mute !== undefined && mute !== null) bad(SETTINGS.notificationsMute, 'expected a list of kinds');

  return {
    mutedKinds,
    settings: {
      ...DEFAULT_SETTINGS,
      budgets,
      diskQuotaBytes,
      setupCommand,
      setupTimeoutMs: int(SETTINGS.setupTimeoutSec, DEFAULT_SETTINGS.setupTimeoutMs / 1000, 1, 86_400) * 1000,
      watcherBackend,
      debounceMs: int(SETTINGS.debounceMs, DEFAULT_SETTINGS.debounceMs, 10, 10_000),
      maxWaitMs: int(SETTINGS.maxWaitMs, DEFAULT_SETTINGS.maxWaitMs, 50, 60_000),
      reconcileIntervalMs: int(SETTINGS.reconcileIntervalMs, DEFAULT_SETTINGS.reconcileIntervalMs, 0, 24 * 3_600_000),
      maxRunningAgents: int(SETTINGS.maxRunningAgents, DEFAULT_SETTINGS.maxRunningAgents, 1, 64),
      checkpointBudgetMs: int(SETTINGS.checkpointBudgetMs, DEFAULT_SETTINGS.checkpointBudgetMs, 10, 60_000),
      retainCheckpoints: int(SETTINGS.retainCheckpoints, DEFAULT_SETTINGS.retainCheckpoints, 0, 1_000_000),
      worktreesRoot,
      watchMainCheckout,
      providers,
    },
    defaultProvider,
    problems,
  };
}
