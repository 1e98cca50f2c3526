/**
 * Each agent's output streams into a Pseudoterminal named after its feature. What the agent
 * printed before the terminal opened is replayed from the session's retained lines. A line
 * typed into the terminal is sent to the agent as a message.
 */
import * as vscode from 'vscode';
import type { AgentSession, OutputLine } from '../../core/agents';
import { errorMessage } from '../../core/util';
import type { FeatureRef, Registry } from '../workspace/registry';
import { refKey } from '../../shared/featureKey';

const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

class AgentPty implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private opened = false;
  private buffer: string[] = [];
  private input = '';
  private readonly subs: { dispose(): void }[] = [];

  constructor(
    readonly ref: FeatureRef,
    private session: AgentSession,
    private readonly send: (text: string) => void,
  ) {
    this.attach(session, true);
  }

  /** Follows a new session of the same feature (restarted agent) in the same terminal. */
  attach(session: AgentSession, replay: boolean): void {
    for (const s of this.subs.splice(0)) s.dispose();
    this.session = session;
    if (replay) for (const l of session.recentOutput()) this.line(l);
    this.subs.push(session.onOutput((l) => this.line(l)));
    this.subs.push(session.onState((c) => this.emit(`${DIM}[agent ${c.to}${c.reason ? `: ${c.reason}` : ''}]${RESET}\r\n`)));
  }

  get current(): AgentSession {
    return this.session;
  }

  private line(l: OutputLine): void {
    this.emit(l.stream === 'stderr' ? `${RED}${crlf(l.text)}${RESET}\r\n` : `${crlf(l.text)}\r\n`);
  }

  private emit(text: string): void {
    if (this.opened) this.writeEmitter.fire(text);
    else if (this.buffer.length < 5000) this.buffer.push(text);
  }

  open(): void {
    this.opened = true;
    this.writeEmitter.fire(`${DIM}Agent of feature ${this.ref.featureId}. Type a line and press Enter to send it as a message.${RESET}\r\n`);
    for (const t of this.buffer) this.writeEmitter.fire(t);
    this.buffer = [];
  }

  close(): void {
    this.opened = false;
  }

  handleInput(data: string): void {
    for (const ch of data) {
      if (ch === '\r') {
        const text = this.input.trim();
        this.input = '';
        this.writeEmitter.fire('\r\n');
        if (text) this.send(text);
      } else if (ch === '\x7f') {
        if (this.input.length > 0) {
          this.input = this.input.slice(0, -1);
          this.writeEmitter.fire('\b \b');
        }
      } else if (ch >= ' ') {
        this.input += ch;
        this.writeEmitter.fire(ch);
      }
    }
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
    this.writeEmitter.dispose();
  }
}

export class AgentTerminals implements vscode.Disposable {
  private readonly terminals = new Map<string, { pty: AgentPty; terminal: vscode.Terminal }>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      registry.onDidChange(({ repoRoot, change }) => {
        if (change.kind === 'agent' && change.featureId) this.follow({ repoRoot, featureId: change.featureId });
      }),
      vscode.window.onDidCloseTerminal((t) => {
        for (const [k, v] of this.terminals) {
          if (v.terminal === t) {
            v.pty.dispose();
            this.terminals.delete(k);
          }
        }
      }),
    );
  }

  /** Makes sure a live session of this feature has a terminal (created without taking focus). */
  follow(ref: FeatureRef): void {
    const session = this.registry.get(ref.repoRoot)?.session(ref.featureId);
    if (!session) return;
    const k = refKey(ref);
    const open = this.terminals.get(k);
    if (open) {
      if (open.pty.current !== session) open.pty.attach(session, true);
      return;
    }
    const pty = new AgentPty(ref, session, (text) => {
      try {
        this.registry.resolve(ref).sendMessage(ref.featureId, text);
      } catch (e) {
        this.log.warn(`message to ${ref.featureId} not sent: ${errorMessage(e)}`);
      }
    });
    const terminal = vscode.window.createTerminal({ name: `Agent: ${ref.featureId}`, pty, iconPath: new vscode.ThemeIcon('hubot'), isTransient: true });
    this.terminals.set(k, { pty, terminal });
  }

  show(ref: FeatureRef): boolean {
    this.follow(ref);
    const t = this.terminals.get(refKey(ref));
    t?.terminal.show(false);
    return Boolean(t);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const { pty, terminal } of this.terminals.values()) {
      pty.dispose();
      terminal.dispose();
    }
    this.terminals.clear();
  }
}
