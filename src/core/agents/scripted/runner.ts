/**
 * Replays a script's steps against a set of effects. The same steps run in plain mode (effects
 * on disk and stdout) and in ACP mode (effects through the client), so the walk is a generator
 * that stops at each `waitForMessage`: plain mode waits for a stdin message there, ACP mode
 * ends the prompt turn there and continues on the next prompt.
 */
import type { Op } from './schema';

export interface UsageReport {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface ScriptEffects {
  print(text: string): Promise<void>;
  /** `quiet` for repeated writes (ticks) that should not each be announced. */
  write(path: string, content: string, ask: boolean, quiet?: boolean): Promise<void>;
  append(path: string, content: string, ask: boolean): Promise<void>;
  remove(path: string, ask: boolean): Promise<void>;
  rename(from: string, to: string, ask: boolean): Promise<void>;
  symlink(path: string, target: string, ask: boolean): Promise<void>;
  chmod(path: string, mode: number, ask: boolean): Promise<void>;
  mkdir(path: string, ask: boolean): Promise<void>;
  run(command: string, ask: boolean): Promise<void>;
  usage(report: UsageReport): Promise<void>;
  exit(code: number): Promise<never>;
  /** True when the current turn was cancelled (ACP); the walk yields at the next step. */
  cancelled(): boolean;
}

/** Where the walk stopped: at a `waitForMessage`, or because the turn was cancelled. */
export type Pause = 'message' | 'cancelled';

export async function* runSteps(steps: readonly Op[], fx: ScriptEffects): AsyncGenerator<Pause, void, void> {
  for (const step of steps) {
    if (fx.cancelled()) yield 'cancelled';
    switch (step.op) {
      case 'print':
        await fx.print(step.text);
        break;
      case 'write':
        await fx.write(step.path, step.content, step.ask);
        break;
      case 'append':
        await fx.append(step.path, step.content, step.ask);
        break;
      case 'delete':
        await fx.remove(step.path, step.ask);
        break;
      case 'rename':
        await fx.rename(step.from, step.to, step.ask);
        break;
      case 'symlink':
        await fx.symlink(step.path, step.target, step.ask);
        break;
      case 'chmod':
        await fx.chmod(step.path, step.mode, step.ask);
        break;
      case 'mkdir':
        await fx.mkdir(step.path, step.ask);
        break;
      case 'run':
        await fx.run(step.command, step.ask);
        break;
      case 'sleep':
        await sleepUnlessCancelled(step.ms, fx);
        break;
      case 'waitForMessage':
        yield 'message';
        break;
      case 'tick':
        for (let n = 1; n <= step.times; n++) {
          if (fx.cancelled()) break;
          await fx.write(step.path, String(n), false, true);
          if (n < step.times) await sleepUnlessCancelled(step.everyMs, fx);
        }
        break;
      case 'repeat':
        for (let i = 0; i < step.times; i++) yield* runSteps(step.steps, fx);
        break;
      case 'usage':
        await fx.usage({ inputTokens: step.inputTokens, outputTokens: step.outputTokens, costUsd: step.costUsd });
        break;
      case 'exit':
        await fx.exit(step.code);
        break;
    }
  }
}

async function sleepUnlessCancelled(ms: number, fx: ScriptEffects): Promise<void> {
  const end = Date.now() + ms;
  while (!fx.cancelled()) {
    const left = end - Date.now();
    if (left <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(left, 50)));
  }
}
