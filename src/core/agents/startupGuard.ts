/**
 * An agent that cannot begin becomes `failed`, with guidance: a turn that fails before any
 * progress, or no progress at all within the start-up time (the StartupWatch), fails the
 * session in the agent's own words plus the provider's sign-in hint where they read like an
 * authentication problem.
 */
import type { EventInput } from '../events/schema';
import type { ProviderConfig } from './config';
import type { ProviderDefinition } from './providers';
import { isTerminal } from './states';
import { StartupWatch } from './startupWatch';
import type { ProcessSupervisor } from './supervisor';

export interface StartupGuardOptions {
  provider: ProviderDefinition;
  config: ProviderConfig;
  sup: ProcessSupervisor;
  log(e: EventInput): void;
}

export class StartupGuard {
  readonly watch: StartupWatch;

  constructor(private readonly o: StartupGuardOptions) {
    this.watch = new StartupWatch(o.config.startupTimeoutMs, () => void this.noProgress());
  }

  /** The provider's sign-in guidance, added where the words read like an authentication problem. */
  explain(message: string): string {
    const auth = this.o.provider.authFailure;
    return auth && auth.test(message) && !message.includes(this.o.provider.signIn) ? `${message}. ${this.o.provider.signIn}` : message;
  }

  /** A turn failed in the agent's words: before any progress, the agent cannot begin and fails. */
  turnFailed(words: string): boolean {
    if (this.watch.progressed || isTerminal(this.o.sup.state)) return false;
    const reason = this.explain(`${this.o.provider.label} could not begin its work: "${words.slice(0, 500)}"`);
    this.o.log({ t: 'warning', message: reason });
    void this.o.sup.fail(reason);
    return true;
  }

  /** Running, yet no progress within the start-up time: it is not going to begin. */
  private async noProgress(): Promise<void> {
    if (this.o.sup.state !== 'running') return;
    const secs = Math.round(this.o.config.startupTimeoutMs / 1000);
    const words = this.o.sup
      .recentOutput()
      .slice(-3)
      .map((l) => l.text.slice(0, 200))
      .join(' | ');
    const reason = `${this.o.provider.label} showed no progress within ${secs} s of starting${words ? `; its last words: "${words}"` : ' and said nothing'}. ${this.o.provider.signIn}`;
    this.o.log({ t: 'warning', message: reason });
    await this.o.sup.fail(reason);
  }
}
