/**
 * The plumbing every webview host end needs, once: each incoming message validated against
 * the shared protocol (a refused one is logged and, when it carries a request id, answered
 * with an error; never acted on), `ready` and `log` handled, requests dispatched to typed
 * handlers with one reply each, mutating requests held to one at a time, and every outgoing
 * message checked against its own schema before it is posted.
 */
import { AopError, errorMessage } from '../../core/util';
import { LIMITS } from '../../shared/limits';
import {
  describeIssues,
  hostToWebviewSchema,
  MUTATING_REQUESTS,
  peekEnvelope,
  webviewToHostSchema,
  type ErrorInfo,
  type HostToWebview,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type WebviewRequest,
} from '../../shared/protocol';
import { Disposable } from './disposable';
import type { PanelLogger, WebviewPort } from './ports';

export type Handler<K extends RequestType> = (req: RequestOf<K>) => Promise<ResultOf<K>>;
export type Handlers = { [K in RequestType]: Handler<K> };

export abstract class RequestEndpoint extends Disposable {
  /** The mutating request in progress. */
  private busy: RequestType | undefined;

  constructor(
    /** How the log names this end ("Review panel feat"). */
    protected readonly label: string,
    private readonly port: WebviewPort,
    protected readonly log: PanelLogger,
  ) {
    super();
    this._register(port.onDidReceiveMessage((m) => this.receive(m)));
  }

  protected abstract readonly handlers: Handlers;

  /** The webview (re)loaded and asks for its state. */
  protected abstract onReady(): void;

  /** A message of ours failed its schema and was not sent: the webview now lacks a change. */
  protected onPostRefused(_msg: HostToWebview): void {}

  private receive(raw: unknown): void {
    if (this.isDisposed) return;
    const parsed = webviewToHostSchema.safeParse(raw);
    if (!parsed.success) {
      const env = peekEnvelope(raw);
      this.log.warn(`${this.label}: rejected a webview message (type ${JSON.stringify(env.type ?? typeof raw)}): ${describeIssues(parsed.error)}`);
      if (env.requestId !== undefined) {
        this.reply(env.requestId, { ok: false, error: { code: 'INVALID_INPUT', message: `Refused: ${describeIssues(parsed.error)}` } });
      }
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        this.onReady();
        return;
      case 'log':
        (msg.level === 'error' ? this.log.error : this.log.warn).call(this.log, `${this.label} (webview): ${msg.message}`);
        return;
      default:
        void this.handle(msg);
    }
  }

  private async handle(req: WebviewRequest): Promise<void> {
    if (MUTATING_REQUESTS.has(req.type)) {
      if (this.busy) {
        this.reply(req.requestId, { ok: false, error: { code: 'BUSY', message: `Wait for "${this.busy}" to finish, then try again.` } });
        return;
      }
      this.busy = req.type;
    }
    try {
      const handler = this.handlers[req.type] as Handler<typeof req.type>;
      const result = await handler(req as never);
      this.reply(req.requestId, { ok: true, result });
    } catch (err) {
      const error: ErrorInfo = AopError.is(err)
        ? { code: err.code, message: err.message.slice(0, LIMITS.shortText) }
        : { code: 'INTERNAL', message: `${req.type} failed: ${errorMessage(err)}`.slice(0, LIMITS.shortText) };
      this.log.error(`${this.label}: ${req.type} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.reply(req.requestId, { ok: false, error });
    } finally {
      if (this.busy === req.type) this.busy = undefined;
    }
  }

  private reply(requestId: number, body: { ok: true; result: unknown } | { ok: false; error: ErrorInfo }): void {
    this.post({ type: 'reply', requestId, ...body } as HostToWebview);
  }

  /** Validates and posts; a message that fails its own schema is a bug, logged and not sent. */
  protected post(msg: HostToWebview): boolean {
    if (this.isDisposed) return false;
    const checked = hostToWebviewSchema.safeParse(msg);
    if (!checked.success) {
      this.log.error(`${this.label}: refused to post an invalid ${msg.type}: ${describeIssues(checked.error)}`);
      if (msg.type === 'reply' && msg.ok) this.reply(msg.requestId, { ok: false, error: { code: 'INTERNAL', message: 'The host produced an invalid reply; see the log.' } });
      else if (msg.type !== 'reply' && msg.type !== 'error') this.onPostRefused(msg);
      return false;
    }
    try {
      this.port.postMessage(msg).then(undefined, (err: unknown) => this.log.warn(`${this.label}: post failed: ${errorMessage(err)}`));
    } catch (err) {
      this.log.warn(`${this.label}: post failed: ${errorMessage(err)}`);
      return false;
    }
    return true;
  }
}
