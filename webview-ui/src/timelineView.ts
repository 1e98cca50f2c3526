/**
 * The timeline: checkpoints, messages and rollbacks, newest first. Selecting a checkpoint
 * shows its changes; Shift/Ctrl-click (or Shift+Enter) picks a second one to compare with.
 * Selecting the newest checkpoint follows new ones as they arrive.
 */
import { buildTimeline, type TimelineItem } from '../../src/shared/timeline';
import { CHECKPOINT_KIND, rollbackTitle } from '../../src/shared/words';
import type { AppContext } from './context';
import { formatTime, h, icon, plural } from './dom';
import { focusSeq, type ViewState } from './store';
import { VirtualList } from './virtualList';


export function severityBadges(v: { critical: number; error: number; warning: number }): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (v.critical) out.push(h('span', { class: 'sev-badge sev-critical', title: plural(v.critical, 'critical violation') }, icon('circle-slash'), String(v.critical)));
  if (v.error) out.push(h('span', { class: 'sev-badge sev-error', title: plural(v.error, 'error') }, icon('error'), String(v.error)));
  if (v.warning) out.push(h('span', { class: 'sev-badge sev-warning', title: plural(v.warning, 'warning') }, icon('warning'), String(v.warning)));
  return out;
}

export class TimelineView {
  readonly element: HTMLElement;
  private readonly list: VirtualList<TimelineItem>;
  private readonly count = h('span', { class: 'pane-count' });
  private items: TimelineItem[] = [];
  private src: unknown[] = [];
  private selection = '';

  constructor(private readonly ctx: AppContext) {
    this.list = new VirtualList<TimelineItem>({
      label: 'Timeline: checkpoints, messages and rollbacks, newest first. Shift+Enter compares two checkpoints.',
      rowHeight: 44,
      className: 'timeline',
      emptyText: 'No checkpoints yet. They appear here as the agent writes.',
      renderRow: (item, _i, row) => this.renderRow(item, row),
      onActivate: (item, _i, how, ev) => this.activate(item, how, ev),
      onKey: (e) => {
        if (e.key === 'Escape' && this.ctx.state.ui.compareSeq !== undefined) {
          this.ctx.setUi({ compareSeq: undefined });
          return true;
        }
        return false;
      },
    });
    this.element = h(
      'section',
      { class: 'pane timeline-pane', 'aria-label': 'Timeline' },
      h('div', { class: 'pane-title' }, h('h2', {}, 'Timeline'), this.count),
      this.list.element,
    );
  }

  update(s: ViewState): void {
    const src = [s.checkpoints, s.messages, s.rollbacks];
    const changed = src.some((x, i) => x !== this.src[i]);
    const selection = `${focusSeq(s)}|${s.ui.selectedSeq}|${s.ui.compareSeq}|${s.ui.scope}`;
    if (!changed && selection === this.selection) return;
    this.selection = selection;
    if (changed) {
      this.src = src;
      this.items = buildTimeline(s.checkpoints, s.messages, s.rollbacks);
      this.count.textContent = plural(s.checkpoints.length, 'checkpoint');
    }
    const seq = focusSeq(s);
    const keep = this.list.activeItem;
    let active = this.items.findIndex((it) => it.kind === 'checkpoint' && it.checkpoint.seq === seq);
    // A focused message or rollback row stays focused when new items arrive.
    if (keep && keep.kind !== 'checkpoint') active = this.items.findIndex((it) => it.key === keep.key);
    this.list.setItems(this.items, active);
  }

  focus(): void {
    this.list.focus();
  }

  private activate(item: TimelineItem, how: 'move' | 'click' | 'enter', ev: Event): void {
    if (item.kind === 'checkpoint') {
      const seq = item.checkpoint.seq;
      const compare = (ev instanceof MouseEvent || ev instanceof KeyboardEvent) && (ev.shiftKey || ev.ctrlKey || ev.metaKey) && how !== 'move';
      if (compare) {
        const current = focusSeq(this.ctx.state);
        this.ctx.setUi({ compareSeq: seq === current ? undefined : seq, scope: 'checkpoint' });
        return;
      }
      const newest = this.ctx.state.checkpoints.at(-1)?.seq;
      this.ctx.setUi({ selectedSeq: seq === newest ? undefined : seq, compareSeq: undefined });
      return;
    }
    if (how === 'move') return;
    if (item.kind === 'message') this.ctx.setUi({ tab: 'messages' });
    else {
      const target = item.rollback.resultSeq ?? item.rollback.preRollbackSeq;
      if (this.ctx.state.checkpoints.some((c) => c.seq === target)) this.ctx.setUi({ selectedSeq: target, compareSeq: undefined });
    }
  }

  private renderRow(item: TimelineItem, row: HTMLElement): void {
    const s = this.ctx.state;
    const time = h('span', { class: 'tl-time' }, formatTime(item.time));
    if (item.kind === 'checkpoint') {
      const c = item.checkpoint;
      const compared = s.ui.compareSeq === c.seq;
      row.classList.add('tl-checkpoint');
      if (compared) row.classList.add('compared');
      const label = `Checkpoint ${c.seq}, ${CHECKPOINT_KIND[c.trigger] ?? c.trigger}, ${plural(c.fileCount, 'file')}, ${c.added} added, ${c.removed} removed lines${c.violations.critical + c.violations.error + c.violations.warning ? `, ${c.violations.critical} critical, ${c.violations.error} errors, ${c.violations.warning} warnings` : ''}${compared ? ', compared' : ''}, ${formatTime(c.time)}`;
      row.setAttribute('aria-label', label);
      row.append(
        icon(compared ? 'git-compare' : 'git-commit', 'tl-icon'),
        h(
          'div',
          { class: 'tl-body' },
          h(
            'div',
            { class: 'tl-line1' },
            h('span', { class: 'tl-seq' }, `#${c.seq}`),
            h('span', { class: 'tl-trigger' }, CHECKPOINT_KIND[c.trigger] ?? c.trigger),
            h('span', { class: 'tl-files' }, plural(c.fileCount, 'file')),
            h('span', { class: 'num-add' }, `+${c.added}`),
            h('span', { class: 'num-del' }, `−${c.removed}`),
            ...severityBadges(c.violations),
          ),
          h('div', { class: 'tl-line2' }, time, h('span', { class: 'tl-paths' }, c.samplePaths.join(', ') + (c.fileCount > c.samplePaths.length ? ', …' : ''))),
        ),
      );
    } else if (item.kind === 'message') {
      const m = item.message;
      const who = m.from === 'agent' ? 'Agent' : m.from === 'system' ? 'System' : 'You';
      row.classList.add('tl-message');
      row.setAttribute('aria-label', `Message from ${who}, ${m.state}: ${m.text.slice(0, 200)}`);
      row.append(
        icon(m.from === 'agent' ? 'hubot' : m.from === 'system' ? 'info' : 'account', 'tl-icon'),
        h(
          'div',
          { class: 'tl-body' },
          h('div', { class: 'tl-line1' }, h('span', { class: 'tl-who' }, who), h('span', { class: 'tl-text' }, m.text.replace(/\s+/g, ' ').slice(0, 300))),
          h('div', { class: 'tl-line2' }, time, h('span', { class: `msg-state state-${m.state}` }, m.state)),
        ),
      );
    } else {
      const r = item.rollback;
      row.classList.add('tl-rollback');
      if (!r.ok) row.classList.add('failed');
      const what = rollbackTitle(r.kind, r.targetSeq);
      row.setAttribute('aria-label', `${what}, ${plural(r.pathCount, 'file')}${r.ok ? '' : ', failed'}, ${formatTime(r.time)}`);
      row.append(
        icon(r.ok ? 'discard' : 'error', 'tl-icon'),
        h(
          'div',
          { class: 'tl-body' },
          h('div', { class: 'tl-line1' }, h('span', { class: 'tl-who' }, what), h('span', { class: 'tl-files' }, plural(r.pathCount, 'file')), r.ok ? null : h('span', { class: 'sev-badge sev-error' }, 'failed')),
          h('div', { class: 'tl-line2' }, time, h('span', { class: 'tl-paths', title: 'The checkpoint taken just before this rollback: Undo rollback goes back to it' }, `before: #${r.preRollbackSeq}${r.mismatchCount ? `, ${r.mismatchCount} not restored` : ''}${r.skippedCount ? `, ${r.skippedCount} left in place` : ''}`)),
        ),
      );
    }
  }
}
