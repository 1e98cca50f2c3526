/** Shared fixtures for the agent tests: temp folders, event capture, tiny node agents. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventSchema } from '../../../src/core/events/schema';
import type { EventInput } from '../../../src/core/events/schema';
import type { LaunchSpec } from '../../../src/core/agents/supervisor';
import { parseProviderConfig } from '../../../src/core/agents/config';
import type { ProviderConfigInput } from '../../../src/core/agents/config';
import { AgentSession } from '../../../src/core/agents/session';
import type { AgentSessionOptions } from '../../../src/core/agents/session';
import type { AgentHost } from '../../../src/core/agents/types';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const SCRIPTED_MAIN = path.join(REPO_ROOT, 'src/core/agents/scripted/main.ts');

/** A fresh folder under the OS temp dir; removed by `cleanupTemp`. */
const made: string[] = [];
export function tempDir(prefix = 'aop-agents-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}
export function cleanupTemp(): void {
  // An agent's last write can land while the folder is being removed: retry rather than fail.
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  const bad = invalidEvents.splice(0);
  if (bad.length > 0) throw new Error(`events that do not match the event log schema:\n${bad.join('\n')}`);
}

/** Events that would not pass the log's schema; cleanupTemp fails the test if any were seen. */
const invalidEvents: string[] = [];

export class EventRecorder {
  readonly events: EventInput[] = [];
  readonly log = (e: EventInput): void => {
    const check = eventSchema.safeParse({ ...e, ts: new Date().toISOString(), feature: 'feat-1' });
    if (!check.success) invalidEvents.push(`${JSON.stringify(e).slice(0, 200)}: ${check.error.issues[0]?.message}`);
    this.events.push(e);
  };
  of<T extends EventInput['t']>(t: T): Extract<EventInput, { t: T }>[] {
    return this.events.filter((e): e is Extract<EventInput, { t: T }> => e.t === t);
  }
  states(): string[] {
    return this.of('agent.state').map((e) => e.to);
  }
}

/** A launch of `node -e <code>` with the current environment's PATH only. */
export function nodeLaunch(code: string, cwd: string, captureStdout = true): LaunchSpec {
  return { command: process.execPath, args: ['-e', code], cwd, env: { PATH: process.env.PATH ?? '' }, captureStdout };
}

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}


/** Writes a script file for the scripted agent and returns its path. */
export function writeScript(dir: string, yaml: string, name = 'script.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml);
  return file;
}

export function scriptedConfig(script: string, transport: 'acp' | 'plain', extra: Partial<ProviderConfigInput> = {}): ProviderConfigInput {
  return { provider: 'scripted', transport, script, ...extra };
}

/** Sessions started by a test, stopped in afterEach. */
export const liveSessions: AgentSession[] = [];

export async function stopLiveSessions(): Promise<void> {
  await Promise.all(liveSessions.splice(0).map((s) => s.stop('test cleanup')));
}

/** Creates and launches a session (tracked for cleanup); resolves once it is running or ended. */
export async function launchSession(
  config: ProviderConfigInput,
  host: AgentHost,
  worktree: string,
  prompt = 'Do the work.',
  extra: Partial<AgentSessionOptions> = {},
): Promise<AgentSession> {
  const session = new AgentSession({ featureId: 'feat-1', worktree, config: parseProviderConfig(config), prompt, host, ...extra });
  liveSessions.push(session);
  session.preflight();
  await session.launch();
  return session;
}

/** Waits until the events hold one matching `pred`. */
export function hasEvent(rec: EventRecorder, pred: (e: EventInput) => boolean): boolean {
  return rec.events.some(pred);
}
