/** Violations standing at the end of the shown range, grouped by severity then kind; each opens its file at its line. */
import { flattenViolationGroups, groupViolations, type ViolationRow } from '../../src/shared/violations';
import { outsideArea } from '../../src/shared/vocabulary';
import type { AppContext } from './context';
import { h, icon, plural, replace } from './dom';
import { currentRange, type ViewState } from './store';
import { VirtualList } from './virtualList';

const SEV = { critical: { icon: 'circle-slash', label: 'Critical' }, error: { icon: 'error', label: 'Errors' }, warning: { icon: 'warning', label: 'Warnings' } } as const;

export function kindLabel(kind: string): string {
  return kind.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export class ViolationsView {
  readonly element: HTMLElement;
  private readonly list: VirtualList<ViolationRow>;
  private readonly head = h('div', { class: 'toolbar' });
  private last: unknown;

  constructor(private readonly ctx: AppContext) {
    this.list = new VirtualList<ViolationRow>({
      label: 'Violations by severity and kind. Enter opens the file at the line.',
      rowHeight: 24,
      className: 'violations',
      emptyText: 'No violations: every change is within the plan.',
      isSelectable: (r) => r.kind === 'item',
      renderRow: (r, _i, row) => this.renderRow(r, row),
      onActivate: (r, _i, how) => {
        if (how === 'move' || r.kind !== 'item') return;
        const v = r.violation;
        if (v.path === '') return;
        // Outside the worktree (git folder, your checkout, a plan): the editor shows the change and asks.
        const area = outsideArea(v);
        if (area) {
          void this.ctx.runAction('reviewOutside', { path: v.path, area }, '');
          return;
        }
        // Show its diff when the file is in the shown changes, and open it in the editor.
        if (this.ctx.state.changes?.value?.files.some((f) => f.path === v.path)) this.ctx.setUi({ selectedPath: v.path });
        void this.ctx.runAction('openFile', { path: v.path, ...(v.line ? { line: v.line } : {}) }, '');
      },
    });
    this.element = h('div', { class: 'violations-view' }, this.head, this.list.element);
  }

  update(s: ViewState): void {
    if (s.changes === this.last) return;
    this.last = s.changes;
    const violations = s.changes?.value?.violations ?? [];
    const range = currentRange(s);
    replace(
      this.head,
      icon('shield'),
      h('span', {}, range ? `${plural(violations.length, 'violation')} standing at ${range.to === 'worktree' ? 'the worktree' : `#${range.to}`}` : 'No checkpoints yet.'),
    );
    this.list.setItems(flattenViolationGroups(groupViolations(violations)));
  }

  private renderRow(r: ViolationRow, row: HTMLElement): void {
    if (r.kind === 'severity') {
      row.classList.add('v-sev', `sev-${r.severity}`);
      row.setAttribute('aria-hidden', 'true');
      row.append(icon(SEV[r.severity].icon), h('span', {}, `${SEV[r.severity].label} (${r.count})`));
    } else if (r.kind === 'kind') {
      row.classList.add('v-kind');
      row.setAttribute('aria-hidden', 'true');
      row.append(h('span', {}, `${kindLabel(r.violationKind)} (${r.count})`));
    } else {
      const v = r.violation;
      row.classList.add('v-item');
      const where = v.path === '' ? '(whole feature)' : `${v.path}${v.line ? `:${v.line}` : ''}`;
      row.setAttribute('aria-label', `${v.severity}, ${kindLabel(v.kind)}: ${where}: ${v.message}`);
      row.append(icon(SEV[v.severity].icon, `sev-${v.severity}`), h('span', { class: 'v-path' }, where), h('span', { class: 'v-msg' }, v.message));
    }
  }
}
