/**
 * "What can this provider do here?" without starting work: finds the executable, and for ACP
 * agents starts one, asks `initialize`, and stops it; for plain CLIs reads version and help.
 * For the settings UI ("Check provider") and for diagnosing a setup.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { AcpClient } from './acpClient';
import { parseProviderConfig } from './config';
import type { ProviderConfigInput } from './config';
import { acpCapabilities, findExecutable, plainCapabilities } from './detect';
import { buildAgentEnv } from './env';
import { PROVIDERS } from './providers';
import { ProcessSupervisor } from './supervisor';
import type { AgentCapabilities } from './types';

export interface ProbeResult {
  capabilities: AgentCapabilities;
  /** The executable found. */
  command: string;
  approval: string;
  initialize?: acp.InitializeResponse;
}

export async function probeProvider(input: ProviderConfigInput, opts: { cwd?: string; parentEnv?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const config = parseProviderConfig(input);
  const def = PROVIDERS[config.provider];
  const transport = config.transport ?? def.defaultTransport;
  const cwd = opts.cwd ?? os.tmpdir();
  const plan = def.launch({ featureId: 'probe', worktree: cwd, config, promptFile: path.join(os.tmpdir(), 'aop-probe-prompt.md') }, transport);
  const env = { ...buildAgentEnv({ parent: opts.parentEnv ?? process.env, providerKeys: def.envKeys, passEnv: config.passEnv, set: config.env }), ...plan.env };
  const exe = findExecutable(def.id, def.label, def.installHint, plan.command, env, cwd);
  if (plan.transport === 'plain') {
    return { capabilities: await plainCapabilities(plan, exe, env, false), command: exe.path, approval: plan.approval };
  }
  const sup = new ProcessSupervisor({ log: () => undefined, stopTimeoutMs: 2000 });
  sup.transition('starting');
  sup.spawn({ command: exe.path, args: plan.args, cwd, env, shim: exe.shim, captureStdout: false });
  const client = new AcpClient(acp.ndJsonStream(Writable.toWeb(sup.stdin!), Readable.toWeb(sup.stdout!) as ReadableStream<Uint8Array>), {
    featureId: 'probe',
    worktree: cwd,
    host: { log: () => undefined },
    onText: () => undefined,
    onUsage: () => undefined,
  });
  let timer: NodeJS.Timeout | undefined;
  const died = sup.exited.then((x) => {
    throw new Error(`the agent exited (${x.reason})`);
  });
  died.catch(() => undefined); // it rejects when we stop the agent below
  try {
    const init = await Promise.race([
      client.initialize(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to initialize within ${opts.timeoutMs ?? 30_000} ms`)), opts.timeoutMs ?? 30_000);
      }),
      died,
    ]);
    return { capabilities: acpCapabilities(init, true, false), command: exe.path, approval: plan.approval, initialize: init };
  } finally {
    clearTimeout(timer);
    client.close();
    await sup.stop('probe done');
  }
}
