/**
 * Review comments in VS Code's own diff: a comment controller on a feature's checkpoint
 * documents (either side of its diffs) and on the files of its worktree. A comment starts a
 * draft thread on those lines of that checkpoint (a worktree file is checkpointed first, so the
 * lines name a checkpoint); "Send Review" sends the feature's drafts to its agent as one
 * message; each thread's label follows the message (queued, delivered, acknowledged,
 * undelivered) and says when a later checkpoint changed its lines; threads can be resolved.
 */
import * as vscode from 'vscode';
import { linesText, type ReviewThread } from '../../shared/review';
import { refKey } from '../../shared/featureKey';
import { parseCheckpointUri } from '../content/checkpointUri';
import { registerCommand, type CommandDeps } from '../commands/context';
import { COMMANDS, SCHEMES } from '../ids';
import type { FeatureRef } from '../workspace/registry';
import type { SupervisionHub } from './hub';

export const REVIEW_CONTROLLER_ID = 'aop.review';

/** What a document is to the review: a feature's file at a checkpoint, or live in its worktree. */
interface DocPlace {
  ref: FeatureRef;
  relPath: string;
  at: number | 'worktree';
}

const MESSAGE_WORDS = { queued: 'queued for the agent', delivered: 'delivered', acknowledged: 'acknowledged by the agent', undelivered: 'not delivered' } as const;

/** The thread's label: where it stands, in words. */
export function threadLabel(t: ReviewThread): string {
  const parts: string[] = [];
  if (t.state === 'draft') parts.push(t.messageId ? 'Reply not sent yet' : 'Draft: not sent yet');
  else if (t.state === 'resolved') parts.push('Resolved');
  else parts.push(`Sent, ${MESSAGE_WORDS[t.messageState ?? 'queued']}`);
  if (t.changedIn !== undefined) parts.push(`lines changed in checkpoint #${t.changedIn}`);
  return `${parts.join(' · ')} (${linesText(t.startLine, t.endLine)} of #${t.seq})`;
}

export class ReviewComments implements vscode.Disposable {
  readonly controller = vscode.comments.createCommentController(REVIEW_CONTROLLER_ID, 'Agent review');
  /** Rendered threads: document URI + core thread id -> the editor's thread. */
  private readonly rendered = new Map<string, { thread: vscode.CommentThread; ref: FeatureRef; id: string }>();
  /** Editor threads made by the person (the gutter's +) and adopted once saved. */
  private readonly adopted = new WeakMap<vscode.CommentThread, { ref: FeatureRef; id: string }>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly deps: CommandDeps,
    private readonly hub: SupervisionHub,
  ) {
    this.controller.options = { prompt: 'Comment for the agent…', placeHolder: 'Saved as a draft; Send Review sends the feature’s drafts to its agent as one message.' };
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: (doc) => (this.place(doc.uri) && doc.lineCount > 0 ? [new vscode.Range(0, 0, doc.lineCount - 1, 0)] : []),
    };
    this.subs.push(
      this.controller,
      hub.onDidChangeReview((ref) => this.renderFeature(ref)),
      vscode.workspace.onDidOpenTextDocument((doc) => this.renderDoc(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.dropDoc(doc.uri)),
    );
    for (const doc of vscode.workspace.textDocuments) this.renderDoc(doc);
  }

  private place(uri: vscode.Uri): DocPlace | undefined {
    try {
      if (uri.scheme === SCHEMES.checkpoint) {
        const d = parseCheckpointUri(uri);
        if (!this.deps.registry.get(d.repoRoot)) return undefined;
        return { ref: { repoRoot: d.repoRoot, featureId: d.featureId }, relPath: d.relPath, at: d.at === 'base' ? 0 : d.at };
      }
      if (uri.scheme === 'file') {
        const hit = this.deps.registry.featureOfPath(uri.fsPath);
        return hit ? { ref: hit.ref, relPath: hit.relPath, at: 'worktree' } : undefined;
      }
    } catch {
      return undefined;
    }
    return undefined;
  }

  /** The lines a thread stands on in a document, or undefined when it does not belong there. */
  private anchor(t: ReviewThread, place: DocPlace): { start: number; end: number } | undefined {
    if (t.path !== place.relPath) return undefined;
    if (place.at === t.seq) return { start: t.startLine, end: t.endLine };
    if (t.now && (place.at === t.now.seq || place.at === 'worktree')) return { start: t.now.startLine, end: t.now.endLine };
    if (place.at === 'worktree' && !t.now) return { start: t.startLine, end: t.endLine };
    return undefined;
  }

  private renderFeature(ref: FeatureRef): void {
    for (const doc of vscode.workspace.textDocuments) {
      const p = this.place(doc.uri);
      if (p && refKey(p.ref) === refKey(ref)) this.renderDoc(doc);
    }
  }

  private renderDoc(doc: vscode.TextDocument): void {
    const place = this.place(doc.uri);
    if (!place) return;
    let threads: ReviewThread[];
    try {
      threads = this.hub.threads(place.ref);
    } catch {
      return;
    }
    const uri = doc.uri.toString();
    const keep = new Set<string>();
    for (const t of threads) {
      const a = this.anchor(t, place);
      if (!a) continue;
      const key = `${uri}\0${t.id}`;
      keep.add(key);
      const range = new vscode.Range(a.start - 1, 0, Math.max(a.start, a.end) - 1, 0);
      let r = this.rendered.get(key);
      if (!r) {
        const thread = this.controller.createCommentThread(doc.uri, range, []);
        r = { thread, ref: place.ref, id: t.id };
        this.rendered.set(key, r);
        this.adopted.set(thread, { ref: place.ref, id: t.id });
      }
      this.paint(r.thread, t, range);
    }
    for (const [key, r] of [...this.rendered]) {
      if (key.startsWith(`${uri}\0`) && !keep.has(key)) {
        r.thread.dispose();
        this.rendered.delete(key);
      }
    }
  }

  private paint(thread: vscode.CommentThread, t: ReviewThread, range: vscode.Range): void {
    thread.range = range;
    thread.comments = t.comments.map((c) => ({
      body: c.body,
      mode: vscode.CommentMode.Preview,
      author: { name: 'You' },
      timestamp: new Date(c.at),
      contextValue: 'aopComment',
    }));
    thread.label = threadLabel(t);
    thread.contextValue = `aopThread+${t.state}${t.messageId ? '+sent' : ''}`;
    thread.state = t.state === 'resolved' ? vscode.CommentThreadState.Resolved : vscode.CommentThreadState.Unresolved;
    thread.canReply = t.state !== 'resolved';
    thread.collapsibleState = t.state === 'resolved' ? vscode.CommentThreadCollapsibleState.Collapsed : vscode.CommentThreadCollapsibleState.Expanded;
  }

  private dropDoc(uri: vscode.Uri): void {
    const prefix = `${uri.toString()}\0`;
    for (const [key, r] of [...this.rendered]) {
      if (key.startsWith(prefix)) {
        r.thread.dispose();
        this.rendered.delete(key);
      }
    }
  }

  /** A new comment (an empty thread from the gutter) or a reply to one of ours. */
  async comment(reply: { thread: vscode.CommentThread; text: string }): Promise<ReviewThread> {
    const known = this.adopted.get(reply.thread);
    if (known) {
      const t = await this.hub.reply(known.ref, known.id, reply.text);
      this.renderFeature(known.ref);
      return t;
    }
    const place = this.place(reply.thread.uri);
    if (!place) throw new Error('Comments for the agent go on a feature’s files: its diffs, checkpoints or worktree.');
    const range = reply.thread.range ?? new vscode.Range(0, 0, 0, 0);
    let seq: number;
    if (place.at === 'worktree') {
      // The live file: checkpoint it so the line numbers name a version the agent can find.
      const orch = this.deps.registry.resolve(place.ref);
      await orch.checkpointNow(place.ref.featureId);
      seq = orch.headSeq(place.ref.featureId);
    } else seq = place.at;
    const t = await this.hub.addComment(place.ref, { path: place.relPath, startLine: range.start.line + 1, endLine: range.end.line + 1, seq, body: reply.text });
    const key = `${reply.thread.uri.toString()}\0${t.id}`;
    // The review event may have rendered this thread already (a second editor thread): keep the person's.
    const early = this.rendered.get(key);
    if (early && early.thread !== reply.thread) early.thread.dispose();
    this.rendered.set(key, { thread: reply.thread, ref: place.ref, id: t.id });
    this.adopted.set(reply.thread, { ref: place.ref, id: t.id });
    this.paint(reply.thread, t, range);
    return t;
  }

  /** The feature and thread an editor thread stands for (commands from its title bar). */
  threadOf(thread: vscode.CommentThread): { ref: FeatureRef; id: string } | undefined {
    return this.adopted.get(thread);
  }

  dispose(): void {
    for (const r of this.rendered.values()) r.thread.dispose();
    this.rendered.clear();
    for (const s of this.subs) s.dispose();
  }
}

function isThread(v: unknown): v is vscode.CommentThread {
  return typeof v === 'object' && v !== null && 'uri' in v && 'comments' in v;
}

export function registerReviewCommentCommands(deps: CommandDeps, hub: SupervisionHub, comments: ReviewComments): vscode.Disposable[] {
  const reg = (id: Parameters<typeof registerCommand>[1], title: string, fn: (...args: unknown[]) => unknown) => registerCommand(deps, id, title, fn);
  const threadArg = (arg: unknown) => {
    const t = isThread(arg) ? comments.threadOf(arg) : undefined;
    if (!t) throw new Error('This command acts on a review thread of Agent Orchestrator.');
    return t;
  };
  const refArg = (arg: unknown): FeatureRef | undefined => {
    if (isThread(arg)) return comments.threadOf(arg)?.ref;
    if (typeof arg === 'object' && arg !== null && typeof (arg as FeatureRef).repoRoot === 'string' && typeof (arg as FeatureRef).featureId === 'string') return arg as FeatureRef;
    return undefined;
  };
  return [
    reg(COMMANDS.reviewComment, 'Comment for the agent', (arg) => {
      const r = arg as { thread?: unknown; text?: unknown };
      if (!r || !isThread(r.thread) || typeof r.text !== 'string') throw new Error('Write the comment in a comment box of a feature’s file.');
      return comments.comment({ thread: r.thread, text: r.text });
    }),
    reg(COMMANDS.reviewSend, 'Send review', async (arg) => {
      const ref = refArg(arg);
      if (!ref) throw new Error('Send Review acts on a feature’s review thread.');
      const r = await hub.send(ref);
      void vscode.window.showInformationMessage(`Review sent to the agent of ${ref.featureId}: ${r.threads.length === 1 ? 'one comment' : `${r.threads.length} comments`} in one message.`);
      return r;
    }),
    reg(COMMANDS.reviewResolve, 'Resolve', (arg) => {
      const t = threadArg(arg);
      return hub.resolve(t.ref, t.id, true);
    }),
    reg(COMMANDS.reviewReopen, 'Reopen', (arg) => {
      const t = threadArg(arg);
      return hub.resolve(t.ref, t.id, false);
    }),
    reg(COMMANDS.reviewDiscard, 'Discard draft', async (arg) => {
      const t = threadArg(arg);
      await hub.discard(t.ref, t.id);
      if (isThread(arg)) arg.dispose();
    }),
  ];
}
