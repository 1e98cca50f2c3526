/**
 * Optional: run gates at the end of each agent turn. Attaches to every agent session the
 * orchestrator starts (it announces them with an 'agent' change) without the orchestrator
 * knowing about gates. Turn ends that arrive while a run is in progress collapse into one
 * more run, so a chatty agent cannot queue up a backlog of test suites.
 */
import type { Disposable } from '../util/emitter';
import { errorMessage } from '../util/errors';
import type { GateRun, GateRunner } from './gateRunner';

/** The part of the orchestrator this needs. */
export interface TurnEndHost {
  onDidChange(listener: (c: { kind: string; featureId?: string }) => void): Disposable;
  list(): { id: string; status: string }[];
  session(id: string): TurnEndSession | undefined;
}

export interface TurnEndSession {
  onTurnEnd(listener: () => void): Disposable;
  readonly capabilities?: { messages?: boolean };
  send?(text: string, from: 'system'): unknown;
}

export interface TurnEndGateOptions {
  /** Which gates run at turn end (default: all the plan declares). */
  only?: 'all' | 'required' | readonly string[];
  /** Tell the agent (when it takes messages) which gates failed, with the end of their output. */
  tellAgent?: boolean;
  /** Called with each turn's runs, or with the error that kept them from running. */
  onResult?(featureId: string, runs: GateRun[], error?: string): void;
}

export function attachTurnEndGates(host: TurnEndHost, runner: GateRunner, o: TurnEndGateOptions = {}): Disposable {
  const seen = new WeakSet<TurnEndSession>();
  const subs: Disposable[] = [];
  const state = new Map<string, { running: boolean; again: boolean }>();

  const runFor = async (id: string, session: TurnEndSession): Promise<void> => {
    const st = state.get(id) ?? { running: false, again: false };
    state.set(id, st);
    if (st.running) {
      st.again = true;
      return;
    }
    st.running = true;
    try {
      do {
        st.again = false;
        try {
          const runs = await runner.runAll(id, { only: o.only ?? 'all', trigger: 'turn-end' });
          o.onResult?.(id, runs);
          const failed = runs.filter((r) => !r.passed);
          if (o.tellAgent && failed.length > 0 && session.capabilities?.messages && session.send) {
            session.send(failureMessage(failed), 'system');
          }
        } catch (e) {
          o.onResult?.(id, [], errorMessage(e));
        }
      } while (st.again);
    } finally {
      st.running = false;
    }
  };

  const attach = (id: string) => {
    const s = host.session(id);
    if (!s || seen.has(s)) return;
    seen.add(s);
    subs.push(s.onTurnEnd(() => void runFor(id, s)));
  };

  for (const f of host.list()) if (f.status === 'active') attach(f.id);
  subs.push(
    host.onDidChange((c) => {
      if (c.kind === 'agent' && c.featureId) attach(c.featureId);
    }),
  );
  return { dispose: () => subs.splice(0).forEach((d) => d.dispose()) };
}

function failureMessage(failed: GateRun[]): string {
  const parts = failed.map((r) => {
    const tail = r.output.split('\n').slice(-30).join('\n');
    return `Gate "${r.name}" (\`${r.command}\`) failed on checkpoint ${r.seq} with exit ${r.exitCode ?? 'none'}${r.timedOut ? ' (timed out)' : ''}. End of its output:\n${tail}`;
  });
  return `${parts.join('\n\n')}\n\nFix these before you finish.`;
}
