/**
 * The webview's end of the protocol: posts requests with ids, matches replies, validates
 * everything the host sends (each reply's result against the schema for its request type),
 * and reports what it refuses to the host's log rather than acting on it.
 */
import {
  describeIssues,
  hostToWebviewSchema,
  PROTOCOL_VERSION,
  requestSchemas,
  resultSchemas,
  type ErrorInfo,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type Update,
} from '../../src/shared/protocol';
import type { Snapshot } from '../../src/shared/viewModels';

export interface HostEvents {
  snapshot(snapshot: Snapshot): void;
  update(update: Update): void;
  unavailable(message: string): void;
  /** The panel's state is stale (an update was lost or refused): show it and offer a reload. */
  stale(message: string): void;
}

/** A failed request: the host's error, or a local refusal before sending. */
export class RequestError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'RequestError';
  }
}

type Params<K extends RequestType> = Omit<RequestOf<K>, 'type' | 'requestId'>;

interface Pending {
  type: RequestType;
  resolve(value: unknown): void;
  reject(err: RequestError): void;
}

export class HostClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly post: (message: unknown) => void,
    private readonly events: HostEvents,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** Announces the webview; the host answers with a snapshot. */
  ready(): void {
    this.post({ type: 'ready', protocol: PROTOCOL_VERSION });
  }

  /** Sends a request and resolves with its validated result; rejects with RequestError. */
  request<K extends RequestType>(type: K, params: Params<K>): Promise<ResultOf<K>> {
    const requestId = this.nextId++;
    const message = { type, requestId, ...params };
    // The same schema the host applies: refuse locally what the host would refuse.
    const checked = requestSchemas[type].safeParse(message);
    if (!checked.success) return Promise.reject(new RequestError({ code: 'INVALID_INPUT', message: describeIssues(checked.error) }));
    return new Promise<ResultOf<K>>((resolve, reject) => {
      this.pending.set(requestId, { type, resolve: resolve as (v: unknown) => void, reject });
      this.post(checked.data);
    });
  }

  /** Requests still waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Handles one message from the host (the `data` of a window `message` event). */
  receive(raw: unknown): void {
    const parsed = hostToWebviewSchema.safeParse(raw);
    if (!parsed.success) {
      const type = (raw as { type?: unknown } | null)?.type;
      this.refuse(`a host message (type ${JSON.stringify(type ?? typeof raw)}): ${describeIssues(parsed.error)}`);
      // A refused reply fails its request below; a refused snapshot or update leaves the view behind the host.
      const requestId = (raw as { requestId?: unknown } | null)?.requestId;
      const pending = type === 'reply' && typeof requestId === 'number' ? this.pending.get(requestId) : undefined;
      if (pending) {
        this.pending.delete(requestId as number);
        pending.reject(new RequestError({ code: 'INVALID_REPLY', message: `The extension sent an invalid answer to ${pending.type}.` }));
      } else {
        this.events.stale(`The panel could not apply a change from the extension (${describeIssues(parsed.error).slice(0, 300)}), so what it shows may be out of date.`);
      }
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'snapshot':
        this.events.snapshot(msg.snapshot);
        return;
      case 'update':
        this.events.update(msg);
        return;
      case 'unavailable':
        this.events.unavailable(msg.message);
        return;
      case 'error':
        this.events.stale(msg.message);
        return;
      case 'reply': {
        const p = this.pending.get(msg.requestId);
        if (!p) {
          this.refuse(`a reply to unknown request ${msg.requestId}`);
          return;
        }
        this.pending.delete(msg.requestId);
        if (!msg.ok) {
          p.reject(new RequestError(msg.error));
          return;
        }
        const result = resultSchemas[p.type].safeParse(msg.result);
        if (!result.success) {
          this.refuse(`the result of ${p.type}: ${describeIssues(result.error)}`);
          p.reject(new RequestError({ code: 'INVALID_REPLY', message: `The extension sent an invalid answer to ${p.type}.` }));
          return;
        }
        p.resolve(result.data);
        return;
      }
    }
  }

  private refuse(what: string): void {
    const text = `Refused ${what}`.slice(0, 1900);
    this.warn(text);
    this.post({ type: 'log', level: 'warn', message: text });
  }
}
