/**
 * The launch of one agent, assembled from settled inputs: its environment, the command line
 * (wrapped in bubblewrap when sandboxed) and what the event log records about it. No I/O here:
 * the session finds the executable, detects the sandbox and creates the folders, then asks.
 */
import * as path from 'node:path';
import { AopError } from '../util/errors';
import type { ProviderConfig } from './config';
import { buildAgentEnv, envGet } from './env';
import type { LaunchPlan, ProviderDefinition } from './providers';
import type { ResolvedCommand } from './resolveCommand';
import { PACKAGE_CACHES, sandboxArgs, stateDirs } from './sandbox';
import type { GitSandbox } from './sandboxGit';
import type { LaunchSpec } from './supervisor';

/** The agent's environment: the allowlisted parent, the user's settings, then the provider's own. */
export function agentEnvironment(provider: Pick<ProviderDefinition, 'envKeys'>, config: ProviderConfig, parentEnv: NodeJS.ProcessEnv, plan: LaunchPlan): Record<string, string> {
  const base = buildAgentEnv({ parent: parentEnv, providerKeys: provider.envKeys, passEnv: config.passEnv, set: config.env });
  return { ...base, ...plan.env };
}

/** The transport the settings ask for (or the provider's default); refuses one it lacks, or an approval mode it has not. */
export function chooseTransport(provider: ProviderDefinition, config: ProviderConfig): 'acp' | 'plain' {
  const transport = config.transport ?? provider.defaultTransport;
  if (!provider.transports.includes(transport)) {
    throw new AopError('INVALID_INPUT', `${provider.label} cannot run with transport "${transport}"; use ${provider.transports.join(' or ')}.`);
  }
  const modes = provider.approvalModes(transport);
  if (config.approvalMode !== undefined && modes && !modes.includes(config.approvalMode)) {
    throw new AopError('INVALID_INPUT', `${provider.label} has no approval mode "${config.approvalMode}"; choose one of: ${modes.join(', ')}.`);
  }
  return transport;
}

/** 'required': the start fails without the sandbox; 'auto': sandboxed where it works; 'off'. */
export type SandboxMode = 'required' | 'auto' | 'off';

export function sandboxMode(config: ProviderConfig): SandboxMode {
  if (config.sandbox === false) return 'off';
  if (config.sandbox === 'auto') return 'auto';
  return 'required';
}

export interface LaunchSpecInput {
  provider: Pick<ProviderDefinition, 'stateDirs'>;
  config: ProviderConfig;
  worktree: string;
  plan: LaunchPlan;
  executable: ResolvedCommand;
  /** From `agentEnvironment`. */
  env: Record<string, string>;
  /** Sandboxed runs: bubblewrap, the session's private temp folder (it exists), the feature's git state. */
  sandbox?: { bwrap: string; tmp: string; git?: Pick<GitSandbox, 'writable' | 'overlays' | 'readOnly'> };
  /** Whether a path exists (bubblewrap can only bind what does). */
  exists(p: string): boolean;
}

export function buildLaunchSpec(i: LaunchSpecInput): LaunchSpec {
  const spec: LaunchSpec = { command: i.executable.path, args: i.plan.args, cwd: i.worktree, env: i.env, shim: i.executable.shim, captureStdout: i.plan.transport === 'plain' };
  if (!i.sandbox) return spec;
  const { bwrap, tmp, git } = i.sandbox;
  const extra = typeof i.config.sandbox === 'object' ? i.config.sandbox.writable.map((p) => path.resolve(i.worktree, p)) : [];
  const home = envGet(i.env, 'HOME');
  const writable = [i.worktree, tmp, ...(git?.writable ?? []), ...stateDirs(home, i.provider.stateDirs, i.exists), ...stateDirs(home, PACKAGE_CACHES, i.exists), ...extra];
  return {
    ...spec,
    command: bwrap,
    args: sandboxArgs({ cwd: i.worktree, writable, overlays: git?.overlays, readOnly: git?.readOnly }, i.executable.path, i.plan.args, i.exists),
    env: { ...i.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
    shim: false,
  };
}

/** What the event log keeps about a launch: names of variables only, since values may be secrets. */
export function launchRecord(provider: Pick<ProviderDefinition, 'id'>, plan: LaunchPlan, executable: ResolvedCommand, spec: LaunchSpec, sandboxed: boolean): Record<string, unknown> {
  return {
    provider: provider.id,
    transport: plan.transport,
    command: executable.path,
    args: plan.args,
    approval: plan.approval,
    promptVia: plan.promptVia,
    sandbox: sandboxed,
    env: Object.keys(spec.env).sort(),
  };
}
