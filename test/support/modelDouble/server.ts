/**
 * A local HTTP server that plays the model for the real agent CLIs: loopback only, an ephemeral
 * port, the three streaming wire formats (Anthropic Messages, OpenAI Responses, Gemini
 * streamGenerateContent), driven by a scenario. It records every request it gets.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, anthropicStream, readAnthropic } from './anthropic';
import type { AnthropicRequest } from './anthropic';
import { geminiError, geminiSideAnswer, geminiStream, readGemini } from './gemini';
import type { GeminiRequest } from './gemini';
import { openAiError, openAiStream, readOpenAi } from './openai';
import type { OpenAiRequest } from './openai';
import { DEFAULT_USAGE, choose } from './scenario';
import type { Conversation, Scenario, Step } from './scenario';
import { findWorkingDir } from './text';

export type Wire = 'anthropic' | 'openai' | 'gemini';

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
  /** The body as received ('' when none). */
  text: string;
  wire?: Wire;
  /** Whether this was a conversation request (it offered tools) and which step it got. */
  turn?: number;
  step?: number;
  status?: number;
}

const MAX_BODY = 32 * 1024 * 1024;

export class ModelDouble {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private readonly gates = new Map<string, { open: boolean; waiters: (() => void)[] }>();
  private readonly arrivals: (() => void)[] = [];

  constructor(public scenario: Scenario) {}

  /** Starts listening on 127.0.0.1 at a free port. */
  async start(): Promise<this> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const name of this.gates.keys()) this.release(name);
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Lets the steps holding on `name` answer (now and from now on). */
  release(name: string): void {
    const g = this.gate(name);
    g.open = true;
    for (const w of g.waiters.splice(0)) w();
  }

  /** True while a request waits at the gate `name`. */
  isHeld(name: string): boolean {
    return (this.gates.get(name)?.waiters.length ?? 0) > 0;
  }

  /** Conversation requests (those that offered tools), in arrival order. */
  conversation(): RecordedRequest[] {
    return this.requests.filter((r) => r.turn !== undefined);
  }

  /** Resolves once a recorded request matches (already or later); rejects after `timeoutMs`. */
  async waitForRequest(pred: (r: RecordedRequest) => boolean, timeoutMs: number, what = 'a matching request'): Promise<RecordedRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.requests.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`The model double saw no ${what} within ${timeoutMs} ms (${this.requests.length} requests: ${this.requests.map((r) => `${r.method} ${r.url}`).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.arrivals.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private gate(name: string) {
    let g = this.gates.get(name);
    if (!g) {
      g = { open: false, waiters: [] };
      this.gates.set(name, g);
    }
    return g;
  }

  private async hold(name: string): Promise<void> {
    const g = this.gate(name);
    if (g.open) return;
    await new Promise<void>((resolve) => g.waiters.push(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) break;
      chunks.push(c);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // kept as text
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, text: raw };
    this.requests.push(rec);
    for (const w of this.arrivals.splice(0)) w();
    try {
      await this.route(rec, raw, res);
    } catch (err) {
      if (!res.headersSent) this.json(res, rec, 500, { error: { message: String(err) } });
      else res.end();
    }
  }

  private async route(rec: RecordedRequest, raw: string, res: http.ServerResponse): Promise<void> {
    const path = rec.url.split('?')[0];
    if (rec.method === 'HEAD' || (rec.method === 'GET' && path === '/')) return this.json(res, rec, 200, {});
    if (rec.method === 'GET' && /\/models$/.test(path)) return this.json(res, rec, 200, { object: 'list', data: [], models: [] });
    if (rec.method !== 'POST') return this.json(res, rec, 404, { error: { message: `no route ${rec.method} ${path}` } });

    if (path === '/v1/messages/count_tokens') return this.json(res, rec, 200, { input_tokens: 1 });
    if (path === '/v1/messages') {
      rec.wire = 'anthropic';
      const body = rec.body as AnthropicRequest;
      return this.converse(rec, res, readAnthropic(body), raw, (turn, step, play, done, usage, cwd) => anthropicStream(body, turn, step, play, done, usage, cwd));
    }
    if (path === '/v1/responses') {
      rec.wire = 'openai';
      const body = rec.body as OpenAiRequest;
      return this.converse(rec, res, readOpenAi(body), raw, (turn, step, play, done, usage, cwd) => openAiStream(body, turn, step, play, done, usage, cwd));
    }
    const gemini = /^\/v1(?:beta|alpha|)\/models\/([^:/]+):(streamGenerateContent|generateContent|countTokens)$/.exec(path);
    if (gemini) {
      rec.wire = 'gemini';
      const [, model, method] = gemini;
      if (method === 'countTokens') return this.json(res, rec, 200, { totalTokens: 1 });
      if (method === 'generateContent') return this.json(res, rec, 200, geminiSideAnswer(model));
      const body = rec.body as GeminiRequest;
      return this.converse(rec, res, readGemini(body), raw, (turn, step, play, done, usage, cwd) => geminiStream(model, turn, step, play, done, usage, cwd));
    }
    return this.json(res, rec, 404, { error: { message: `no route POST ${path}` } });
  }

  private async converse(
    rec: RecordedRequest,
    res: http.ServerResponse,
    conv: Conversation,
    raw: string,
    render: (turn: number, step: number, play: Step | undefined, doneText: string, usage: typeof DEFAULT_USAGE, cwd: string | undefined) => string,
  ): Promise<void> {
    const doneText = this.scenario.doneText ?? 'Done.';
    if (!conv.offersTools) {
      // A side request (a title, a summary): a short text, never a scenario step.
      return this.stream(res, rec, render(-1, 0, { text: 'Untitled' }, doneText, { inputTokens: 1, outputTokens: 1 }, undefined));
    }
    const reply = choose(this.scenario, conv);
    rec.turn = reply.turn;
    rec.step = reply.step;
    const play = reply.play;
    if (play?.hold) await this.hold(play.hold);
    if (play?.error) {
      const { status, message } = play.error;
      const body = rec.wire === 'anthropic' ? anthropicError(status, message) : rec.wire === 'gemini' ? geminiError(status, message) : openAiError(status, message);
      return this.json(res, rec, status, body);
    }
    this.stream(res, rec, render(reply.turn, reply.step, play, doneText, play?.usage ?? DEFAULT_USAGE, findWorkingDir(raw)));
  }

  private stream(res: http.ServerResponse, rec: RecordedRequest, text: string): void {
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': `req_${this.requests.length}` });
    res.end(text);
  }

  private json(res: http.ServerResponse, rec: RecordedRequest, status: number, body: unknown): void {
    rec.status = status;
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.requests.length}` });
    res.end(rec.method === 'HEAD' ? undefined : JSON.stringify(body));
  }
}

/** Starts a double for `scenario`; close it when done. */
export function startModelDouble(scenario: Scenario): Promise<ModelDouble> {
  return new ModelDouble(scenario).start();
}
