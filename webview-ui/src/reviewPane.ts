/**
 * Review comments in the panel's diff: the threads on the selected file (with where each stands:
 * draft, sent and its message's state, lines changed since, resolved), a form to comment on a
 * line or range of the diff's newer side (a click on a line number fills it in), and "Send
 * review", which sends the feature's drafts to its agent as one message.
 */
import { linesText, MAX_COMMENT_BYTES, type ReviewThread } from '../../src/shared/review';
import { utf8Length } from '../../src/shared/limits';
import type { AppContext } from './context';
import { formatTime, h, icon, replace } from './dom';
import type { ViewState } from './store';

const MESSAGE_WORDS: Record<NonNullable<ReviewThread['messageState']>, string> = {
  queued: 'queued for the agent',
  delivered: 'delivered',
  acknowledged: 'acknowledged by the agent',
  undelivered: 'not delivered',
};

/** Where a thread stands, in words (the same words as the editor's comment threads). */
export function threadStatus(t: ReviewThread): string {
  const parts = [t.state === 'draft' ? (t.messageId ? 'reply not sent yet' : 'draft, not sent yet') : t.state === 'resolved' ? 'resolved' : `sent, ${MESSAGE_WORDS[t.messageState ?? 'queued']}`];
  if (t.changedIn !== undefined) parts.push(`lines changed in checkpoint #${t.changedIn}`);
  return parts.join(' · ');
}

type Field = HTMLElement & { value: string };

export class ReviewPane {
  readonly element: HTMLElement;
  private readonly list = h('ol', { class: 'review-threads', 'aria-label': 'Review comments on this file' });
  private readonly start: Field;
  private readonly end: Field;
  private readonly body: Field;
  private readonly sendButton: HTMLElement;
  private readonly hint = h('span', { class: 'hint', role: 'status' });
  private last: unknown[] = [];

  constructor(private readonly ctx: AppContext) {
    const num = (label: string) => h('vscode-textfield', { type: 'number', min: 1, label, 'aria-label': label, class: 'line-field' }) as Field;
    this.start = num('First line');
    this.end = num('Last line');
    this.body = h('vscode-textarea', { rows: 2, resize: 'vertical', placeholder: 'Comment for the agent on these lines…', label: 'Review comment' }) as Field;
    this.body.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.add();
      }
    });
    const add = h('vscode-button', { icon: 'comment', secondary: true }, 'Add comment');
    add.addEventListener('click', () => void this.add());
    this.sendButton = h('vscode-button', { icon: 'send' }, 'Send review');
    this.sendButton.addEventListener('click', () => void this.ctx.runAction('sendReview', {}, 'Review sent to the agent as one message.'));
    const form = h(
      'div',
      { class: 'review-form', role: 'group', 'aria-label': 'New review comment' },
      h('div', { class: 'review-lines' }, h('span', {}, 'Lines'), this.start, h('span', {}, 'to'), this.end),
      this.body,
      h('div', { class: 'compose-row' }, this.hint, h('span', { class: 'spacer' }), add, this.sendButton),
    );
    this.element = h('section', { class: 'review-pane', 'aria-label': 'Review comments' }, this.list, form);
  }

  /** A line of the diff's newer side was picked (a click on its number): comment on it, or extend the range. */
  pickLine(line: number, extend: boolean): void {
    const from = Number(this.start.value);
    if (extend && from >= 1) {
      this.start.value = String(Math.min(from, line));
      this.end.value = String(Math.max(from, line));
    } else {
      this.start.value = String(line);
      this.end.value = String(line);
    }
    this.body.focus();
  }

  update(s: ViewState): void {
    const key = [s.threads, s.ui.selectedPath, s.diff?.value?.range, s.busy];
    if (key.every((x, i) => x === this.last[i])) return;
    this.last = key;
    const path = s.ui.selectedPath;
    const mine = path ? s.threads.filter((t) => t.path === path) : [];
    const drafts = s.threads.filter((t) => t.state === 'draft').length;
    this.sendButton.textContent = drafts ? `Send review (${drafts})` : 'Send review';
    this.sendButton.toggleAttribute('disabled', drafts === 0 || s.busy !== undefined);
    replace(this.list, ...mine.map((t) => this.thread(t)));
    this.list.hidden = mine.length === 0;
    this.hint.textContent = s.diff?.value?.range.to === 'worktree' ? 'Line numbers are those of the current file; it is checkpointed when you comment.' : '';
  }

  private thread(t: ReviewThread): HTMLElement {
    const resolve = h('vscode-button', { secondary: true, icon: t.state === 'resolved' ? 'issue-reopened' : 'check' }, t.state === 'resolved' ? 'Reopen' : 'Resolve');
    resolve.addEventListener('click', () => void this.ctx.runAction('resolveThread', { threadId: t.id, resolved: t.state !== 'resolved' }, ''));
    const reply = h('vscode-textfield', { placeholder: 'Reply…', 'aria-label': `Reply on ${linesText(t.startLine, t.endLine)}` }) as Field;
    reply.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key !== 'Enter' || reply.value.trim() === '') return;
      e.preventDefault();
      const text = reply.value;
      void this.ctx.runAction('replyComment', { threadId: t.id, body: text }, '').then((ok) => {
        if (ok) reply.value = '';
      });
    });
    return h(
      'li',
      { class: `review-thread state-${t.state}`, 'data-thread': t.id },
      h('div', { class: 'review-thread-head' }, icon(t.state === 'resolved' ? 'pass' : 'comment'), h('strong', {}, `${linesText(t.startLine, t.endLine)} of #${t.seq}`), h('span', { class: 'review-status' }, threadStatus(t)), h('span', { class: 'spacer' }), resolve),
      h('ol', { class: 'review-comments' }, ...t.comments.map((c) => h('li', {}, h('span', { class: 'review-time' }, formatTime(c.at)), h('span', { class: 'review-body' }, c.body)))),
      t.state === 'resolved' ? null : reply,
    );
  }

  private async add(): Promise<void> {
    const s = this.ctx.state;
    const path = s.ui.selectedPath;
    const range = s.diff?.value?.range;
    const startLine = Number(this.start.value);
    const endLine = Number(this.end.value || this.start.value);
    const body = this.body.value;
    if (!path || !range) return this.say('Select a file first.');
    if (!Number.isInteger(startLine) || startLine < 1 || !Number.isInteger(endLine) || endLine < startLine) return this.say('Give the lines (click a line number in the diff).');
    if (body.trim() === '') return this.say('Write the comment first.');
    if (utf8Length(body) > MAX_COMMENT_BYTES) return this.say(`A comment may be at most ${MAX_COMMENT_BYTES / 1024} KiB.`);
    const ok = await this.ctx.runAction('addComment', { path, startLine, endLine, at: range.to, body }, 'Comment saved as a draft; Send review sends it.');
    if (ok) this.body.value = '';
  }

  private say(text: string): void {
    this.ctx.update((st) => ({ ...st, status: { kind: 'error', text } }));
  }
}
