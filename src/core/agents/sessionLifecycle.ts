/**
 * Where a session is between "accepted" and "its temporary files are gone", apart from the
 * process state the supervisor keeps. One rule matters: the private folder is removed exactly
 * once, after the process ended AND the launch stopped setting up (a stop can land mid-launch,
 * before the folder exists).
 *
 *   new ──accept──▶ queued ──beginLaunch──▶ launching ──launchDone──▶ live ──processEnded──▶ done
 *                     │                         │ processEnded            ▲
 *                     └──processEnded──▶ done   ▼                         │
 *                                         ending ──launchDone──▶ done ────┘ (no second cleanup)
 */
import { rm } from 'node:fs/promises';
import { deferred } from '../util/async';

export type SessionPhase = 'new' | 'queued' | 'launching' | 'ending' | 'live' | 'done';

export class SessionLifecycle {
  private current: SessionPhase = 'new';
  private dir: string | undefined;
  private pause: string | undefined;
  private readonly cleaned = deferred<void>();

  get phase(): SessionPhase {
    return this.current;
  }

  /** Resolves once the session is over and its private folder removed. */
  get done(): Promise<void> {
    return this.cleaned.promise;
  }

  /** True the first time only: the caller then announces the session and restores its messages. */
  accept(): boolean {
    if (this.current !== 'new') return false;
    this.current = 'queued';
    return true;
  }

  beginLaunch(): void {
    this.current = 'launching';
  }

  /** The session's private folder (prompt file, sandbox temp), removed when it is done. */
  ownDir(dir: string): void {
    this.dir = dir;
  }

  /** The launch stopped setting up; `ended` says whether the process is already over. */
  async launchDone(ended: boolean): Promise<void> {
    if (this.current === 'ending' || ended) return this.finish();
    if (this.current === 'launching') this.current = 'live';
  }

  /** The process is over (whatever the reason). Mid-launch, the launch finishes the cleanup. */
  async processEnded(): Promise<void> {
    if (this.current === 'launching') {
      this.current = 'ending';
      return;
    }
    return this.finish();
  }

  /** A pause asked for while the agent is still starting, applied the moment it runs. */
  holdPause(reason: string): void {
    this.pause = reason;
  }

  /** Takes the held pause (undefined when none). */
  takePause(): string | undefined {
    const reason = this.pause;
    this.pause = undefined;
    return reason;
  }

  get pauseHeld(): boolean {
    return this.pause !== undefined;
  }

  private async finish(): Promise<void> {
    if (this.current === 'done') return;
    this.current = 'done';
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    this.cleaned.resolve();
  }
}
