/**
 * Capability detection at start, never a hard-coded list: is the binary there (PATH, PATHEXT,
 * Windows shims), what version does it say it is, what does its help offer (plain CLIs), and
 * what does it answer to ACP `initialize` (ACP agents). Results of the process probes are cached
 * per executable and modification time, so a CLI upgrade is noticed.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { InitializeResponse } from '@agentclientprotocol/sdk';
import { AopError } from '../util/errors';
import { commandSetting } from './config';
import type { ProviderId } from './config';
import { envGet } from './env';
import { groupSignalsSupported } from './processGroup';
import type { LaunchPlan } from './providers/types';
import { cmdShimArgs, resolveCommand } from './resolveCommand';
import type { ResolvedCommand } from './resolveCommand';
import type { AgentCapabilities } from './types';

/** Finds the executable or throws AGENT_NOT_FOUND naming the setting to change. */
export function findExecutable(id: ProviderId, label: string, installHint: string, command: string, env: Record<string, string>, cwd: string): ResolvedCommand {
  const found = resolveCommand(command, { pathEnv: envGet(env, 'PATH'), pathExt: envGet(env, 'PATHEXT'), cwd });
  if (!found) {
    throw new AopError(
      'AGENT_NOT_FOUND',
      `${label} ("${command}") was not found on the agent's PATH. Install it (${installHint}) or set "${commandSetting(id)}" to the full path of the executable.`,
      { details: { provider: id, command, setting: commandSetting(id) } },
    );
  }
  return found;
}

interface ProbeResult {
  ok: boolean;
  output: string;
}
const probeCache = new Map<string, Promise<ProbeResult>>();

/** Runs `exe args` once per executable version (no stdin, bounded time and output). */
export function probe(exe: ResolvedCommand, args: string[], env: Record<string, string>, timeoutMs = 10_000): Promise<ProbeResult> {
  let stamp = '';
  try {
    const st = fs.statSync(exe.path);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    // Gone since it was resolved: the probe fails below.
  }
  const key = `${exe.path}\0${stamp}\0${args.join('\0')}`;
  let hit = probeCache.get(key);
  if (!hit) {
    const [cmd, argv] = exe.shim ? [envGet(env, 'ComSpec') ?? 'cmd.exe', cmdShimArgs(exe.path, args)] : [exe.path, args];
    hit = new Promise<ProbeResult>((resolve) => {
      execFile(cmd, argv, { env, timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true, windowsVerbatimArguments: exe.shim }, (err, stdout, stderr) => {
        // Failures (a timeout on a busy machine) are not remembered: the next start asks again.
        if (err) probeCache.delete(key);
        resolve({ ok: !err, output: `${stdout}\n${stderr}` });
      }).stdin?.end();
    });
    probeCache.set(key, hit);
  }
  return hit;
}

/** The first version-looking thing a CLI prints for `--version`, if anything. */
export async function probeVersion(exe: ResolvedCommand, env: Record<string, string>, args: string[] = ['--version']): Promise<string | undefined> {
  const r = await probe(exe, args, env);
  if (!r.ok) return undefined;
  const m = /\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(r.output);
  return m ? m[0] : r.output.trim().split('\n')[0]?.slice(0, 80) || undefined;
}

/** Capabilities of a plain CLI: from its help text (when the provider knows how to read it). */
export async function plainCapabilities(plan: LaunchPlan, exe: ResolvedCommand, env: Record<string, string>, sandboxed: boolean): Promise<AgentCapabilities> {
  const version = plan.versionArgs === null ? undefined : await probeVersion(exe, env, plan.versionArgs);
  let fromHelp: Partial<AgentCapabilities> = {};
  if (plan.probe) {
    const help = await probe(exe, plan.probe.helpArgs, env);
    if (help.ok) fromHelp = plan.probe.detect(help.output);
  }
  // A stdin channel is only real when this version's help confirms it (where we can check).
  const messages = plan.messageChannel === 'stdin' && (plan.probe ? fromHelp.messages !== false : true);
  return {
    acp: false,
    pause: groupSignalsSupported(),
    messages,
    messageChannel: messages ? 'stdin' : 'none',
    resumeSession: fromHelp.resumeSession ?? false,
    structuredOutput: fromHelp.structuredOutput ?? false,
    clientWrites: false,
    sandboxed,
    ...(version ? { version } : {}),
  };
}

/** Capabilities of an ACP agent, from its `initialize` answer. */
export function acpCapabilities(init: InitializeResponse, offeredFs: boolean, sandboxed: boolean): AgentCapabilities {
  const caps = init.agentCapabilities;
  const version = init.agentInfo?.version;
  return {
    acp: true,
    pause: groupSignalsSupported(),
    messages: true,
    messageChannel: 'acp',
    resumeSession: Boolean(caps?.loadSession || caps?.sessionCapabilities?.resume),
    structuredOutput: true,
    clientWrites: offeredFs,
    sandboxed,
    ...(version ? { version } : {}),
    authMethods: (init.authMethods ?? []).map((m) => m.id),
    promptCapabilities: {
      image: caps?.promptCapabilities?.image === true,
      audio: caps?.promptCapabilities?.audio === true,
      embeddedContext: caps?.promptCapabilities?.embeddedContext === true,
    },
    ...(init.agentInfo ? { agentInfo: { name: init.agentInfo.name, ...(init.agentInfo.title ? { title: init.agentInfo.title } : {}), ...(init.agentInfo.version ? { version: init.agentInfo.version } : {}) } } : {}),
    initialize: JSON.parse(JSON.stringify(init)) as Record<string, unknown>,
  };
}
