/** The feature's event log, newest at the bottom, streaming; filterable by event type; a row's full record below. */
import { EVENT_TYPES, type EventView } from '../../src/shared/viewModels';
import type { AppContext } from './context';
import { formatTime, h, icon, plural } from './dom';
import type { ViewState } from './store';
import { VirtualList } from './virtualList';

export class LogView {
  readonly element: HTMLElement;
  private readonly list: VirtualList<EventView>;
  private readonly filter: HTMLElement & { value: string[] };
  private readonly count = h('span', { class: 'pane-count' });
  private readonly allNote = h('span', { class: 'muted' }, '(none chosen: every type)');
  private readonly detail = h('pre', { class: 'log-detail', tabindex: 0, 'aria-label': 'Selected event' });
  private last: unknown;
  private lastTypes: unknown;
  private selected: number | undefined;

  constructor(private readonly ctx: AppContext) {
    this.list = new VirtualList<EventView>({
      label: 'Event log, oldest first',
      rowHeight: 22,
      className: 'log',
      emptyText: 'No events.',
      stickToEnd: true,
      renderRow: (e, _i, row) => this.renderRow(e, row),
      onActivate: (e) => {
        this.selected = e.n;
        this.detail.textContent = e.detail;
      },
    });
    this.filter = h(
      'vscode-multi-select',
      { 'aria-label': 'Show event types', class: 'log-filter' },
      ...EVENT_TYPES.map((t) => h('vscode-option', { value: t }, t)),
    ) as HTMLElement & { value: string[] };
    this.filter.addEventListener('change', () => {
      const types = this.filter.value.filter((t): t is (typeof EVENT_TYPES)[number] => (EVENT_TYPES as readonly string[]).includes(t));
      this.ctx.setUi({ logTypes: types });
    });
    this.element = h(
      'div',
      { class: 'log-view' },
      h('div', { class: 'toolbar' }, icon('filter'), h('span', {}, 'Show only'), this.filter, this.allNote, h('span', { class: 'spacer' }), this.count),
      this.list.element,
      this.detail,
    );
    this.detail.textContent = 'Select an event to see its full record.';
  }

  update(s: ViewState): void {
    if (s.ui.logTypes !== this.lastTypes) {
      this.lastTypes = s.ui.logTypes;
      const current = this.filter.value ?? [];
      if (current.join() !== s.ui.logTypes.join()) this.filter.value = [...s.ui.logTypes];
      this.allNote.hidden = s.ui.logTypes.length > 0;
    }
    if (s.log === this.last) return;
    this.last = s.log;
    const active = this.selected === undefined ? -1 : s.log.findIndex((e) => e.n === this.selected);
    this.list.setItems(s.log, active);
    this.count.textContent = `${plural(s.log.length, 'event')}${s.ui.logTypes.length ? ' (filtered)' : ''}`;
  }

  private renderRow(e: EventView, row: HTMLElement): void {
    row.classList.add(`lv-${e.level}`);
    row.setAttribute('aria-label', `${formatTime(e.ts)} ${e.t}: ${e.summary}`);
    row.append(h('span', { class: 'log-time' }, formatTime(e.ts)), h('span', { class: 'log-type' }, e.t), h('span', { class: 'log-summary' }, e.summary));
  }
}
