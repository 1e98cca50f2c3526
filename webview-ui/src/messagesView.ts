/** The conversation with the agent (with each message's delivery state) and a box to send a new one. */
import { availableActions } from '../../src/shared/actions';
import { LIMITS, utf8Length } from '../../src/shared/limits';
import { messageTextSchema } from '../../src/shared/protocol';
import type { MessageView } from '../../src/shared/viewModels';
import type { AppContext } from './context';
import { formatTime, h, icon, replace } from './dom';
import type { ViewState } from './store';

const STATE_LOOK: Record<MessageView['state'], { icon: string; label: string }> = {
  queued: { icon: 'watch', label: 'queued' },
  delivered: { icon: 'check', label: 'delivered' },
  acknowledged: { icon: 'check-all', label: 'acknowledged' },
  undelivered: { icon: 'warning', label: 'undelivered' },
};

/** The conversation is short in practice; past this many messages the oldest are behind a button. */
const PAGE = 200;

export class MessagesView {
  readonly element: HTMLElement;
  private readonly list = h('ol', { class: 'conversation', 'aria-label': 'Conversation with the agent', tabindex: 0 });
  private readonly textarea: HTMLElement & { value: string };
  private readonly send: HTMLElement;
  private readonly hint = h('span', { class: 'hint', id: 'compose-hint' });
  private shown = PAGE;
  private last: unknown[] = [];

  constructor(private readonly ctx: AppContext) {
    this.textarea = h('vscode-textarea', { rows: 3, resize: 'vertical', placeholder: 'Message the agent…', label: 'Message to the agent', 'aria-describedby': 'compose-hint' }) as HTMLElement & { value: string };
    this.textarea.addEventListener('input', () => {
      this.ctx.setUi({ draft: this.textarea.value.slice(0, 16 * 1024) });
      this.updateHint();
    });
    this.textarea.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit();
      }
    });
    this.send = h('vscode-button', { icon: 'send' }, 'Send');
    this.send.addEventListener('click', () => this.submit());
    const compose = h('div', { class: 'compose' }, this.textarea, h('div', { class: 'compose-row' }, this.hint, h('span', { class: 'spacer' }), this.send));
    this.element = h('div', { class: 'messages-view' }, this.list, compose);
  }

  update(s: ViewState): void {
    const key = [s.messages, s.feature, s.busy];
    if (key.every((x, i) => x === this.last[i])) return;
    const messagesChanged = s.messages !== this.last[0];
    this.last = key;
    if (this.textarea.value !== s.ui.draft && document.activeElement !== this.textarea) this.textarea.value = s.ui.draft;
    if (messagesChanged) this.renderList(s.messages);
    this.updateHint();
  }

  private allowed(): boolean {
    const f = this.ctx.state.feature;
    return f !== undefined && availableActions(f).sendMessage;
  }

  private updateHint(): void {
    const allowed = this.allowed();
    const f = this.ctx.state.feature;
    const bytes = utf8Length(this.textarea.value ?? '');
    this.textarea.toggleAttribute('disabled', !allowed);
    this.send.toggleAttribute('disabled', !allowed || this.ctx.state.busy !== undefined || bytes === 0 || bytes > LIMITS.messageTextBytes);
    let text: string;
    if (!f) text = '';
    else if (!f.capabilities.messages) text = `The ${f.provider} provider does not take messages.`;
    else if (!allowed) text = `Messages can be sent while the agent is queued, starting, running or paused (it is ${f.agentState}).`;
    else if (bytes > LIMITS.messageTextBytes) text = `Too long: ${Math.ceil(bytes / 1024)} KiB of at most ${LIMITS.messageTextBytes / 1024} KiB.`;
    else if (f.agentState === 'paused') text = 'The agent is paused: a message waits in the queue until you resume it. Ctrl+Enter to send.';
    else text = 'Ctrl+Enter to send. Messages are queued until the agent takes them.';
    this.hint.textContent = text;
    this.hint.classList.toggle('error', bytes > LIMITS.messageTextBytes);
  }

  private submit(): void {
    const text = this.textarea.value ?? '';
    if (!this.allowed() || !messageTextSchema.safeParse(text).success) return;
    const paused = this.ctx.state.feature?.agentState === 'paused';
    void this.ctx.runAction('sendMessage', { text }, 'Message sent').then((ok) => {
      if (!ok) return;
      if (paused) this.ctx.update((s) => ({ ...s, status: { kind: 'info', text: 'Message queued: the agent is paused and gets it when you resume it.' } }));
      this.textarea.value = '';
      this.ctx.setUi({ draft: '' });
      this.updateHint();
    });
  }

  private renderList(messages: readonly MessageView[]): void {
    const atEnd = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 8;
    const start = Math.max(0, messages.length - this.shown);
    const items: HTMLElement[] = [];
    if (start > 0) {
      const more = h('vscode-button', { secondary: true, icon: 'fold-up' }, `Show ${Math.min(PAGE, start)} older`);
      more.addEventListener('click', () => {
        this.shown += PAGE;
        this.renderList(this.ctx.state.messages);
      });
      items.push(h('li', { class: 'older' }, more));
    }
    if (messages.length === 0) items.push(h('li', { class: 'placeholder' }, icon('comment'), 'No messages yet.'));
    for (const m of messages.slice(start)) {
      const look = STATE_LOOK[m.state];
      const who = m.from === 'agent' ? 'Agent' : m.from === 'system' ? 'System' : 'You';
      items.push(
        h(
          'li',
          { class: `msg from-${m.from} state-${m.state}`, 'aria-label': `${who}, ${formatTime(m.time)}, ${look.label}` },
          h(
            'div',
            { class: 'msg-head' },
            icon(m.from === 'agent' ? 'hubot' : m.from === 'system' ? 'info' : 'account'),
            h('span', { class: 'msg-who' }, who),
            h('span', { class: 'msg-time' }, formatTime(m.time)),
            h('span', { class: `msg-state state-${m.state}`, title: m.reason ?? look.label }, icon(look.icon), look.label, m.attempt && m.attempt > 1 ? ` (attempt ${m.attempt})` : ''),
          ),
          h('div', { class: 'msg-text' }, m.text),
          m.reason && m.state === 'undelivered' ? h('div', { class: 'msg-reason' }, icon('warning'), m.reason) : null,
        ),
      );
    }
    replace(this.list, ...items);
    if (atEnd) this.list.scrollTop = this.list.scrollHeight;
  }
}
