/**
 * One file's diff: unified or side by side, virtualised by line; binary, very large and
 * submodule changes are summarised. A button opens the same comparison in VS Code's own
 * diff editor. Below it, the review comments on the file (a click on a new line's number, or
 * shift+click for a range, fills in the lines of a new comment).
 */
import { splitRows, unifiedRows, type SplitCell, type SplitRow, type UnifiedRow } from '../../src/shared/diffRows';
import { formatBytes } from '../../src/shared/format';
import type { DiffView } from '../../src/shared/viewModels';
import type { AppContext } from './context';
import { append, h, icon, replace } from './dom';
import { ReviewPane } from './reviewPane';
import type { Loadable, ViewState } from './store';
import { VirtualList } from './virtualList';

type Row = UnifiedRow | SplitRow;

const KIND_LABEL = { add: 'added', del: 'removed', ctx: 'unchanged' } as const;

export class DiffPane {
  readonly element: HTMLElement;
  private readonly head = h('div', { class: 'diff-head' });
  private readonly body = h('div', { class: 'diff-body' });
  private readonly list: VirtualList<Row>;
  private last: Loadable<DiffView> | undefined | null = null;
  private lastMode = '';
  private readonly modeButton: HTMLElement;
  private readonly nativeButton: HTMLElement;
  private readonly openButton: HTMLElement;
  private readonly review: ReviewPane;

  constructor(private readonly ctx: AppContext) {
    this.list = new VirtualList<Row>({
      label: 'Diff',
      rowHeight: 19,
      interactive: false,
      className: 'diff-lines',
      renderRow: (row, _i, el) => this.renderRow(row, el),
    });
    this.modeButton = h('vscode-toolbar-button', { icon: 'split-horizontal', label: 'Side by side', title: 'Side by side', toggleable: true });
    this.modeButton.addEventListener('click', () => this.ctx.setUi({ diffMode: this.ctx.state.ui.diffMode === 'split' ? 'unified' : 'split' }));
    this.nativeButton = h('vscode-toolbar-button', { icon: 'diff', label: 'Open in diff editor', title: 'Open in VS Code’s diff editor' });
    this.nativeButton.addEventListener('click', () => this.openNative());
    this.openButton = h('vscode-toolbar-button', { icon: 'go-to-file', label: 'Open file', title: 'Open the file in the editor' });
    this.openButton.addEventListener('click', () => {
      const path = this.ctx.state.ui.selectedPath;
      if (path) void this.ctx.runAction('openFile', { path }, '');
    });
    this.review = new ReviewPane(ctx);
    this.body.addEventListener('click', (e: MouseEvent) => {
      const no = (e.target as HTMLElement | null)?.closest?.('[data-line]');
      if (no) this.review.pickLine(Number(no.getAttribute('data-line')), e.shiftKey);
    });
    this.element = h('section', { class: 'diff', 'aria-label': 'Diff' }, this.head, this.body, this.review.element);
  }

  update(s: ViewState): void {
    this.review.update(s);
    if (s.diff === this.last && s.ui.diffMode === this.lastMode) return;
    this.last = s.diff;
    this.lastMode = s.ui.diffMode;
    const d = s.diff;
    const view = d?.value;
    this.modeButton.toggleAttribute('checked', s.ui.diffMode === 'split');
    const tools = h('div', { class: 'diff-tools', role: 'toolbar', 'aria-label': 'Diff actions' }, this.modeButton, this.nativeButton, this.openButton);
    if (!d || !s.ui.selectedPath) {
      replace(this.head);
      replace(this.body, h('div', { class: 'placeholder' }, icon('diff'), 'Select a file to see its changes.'));
      return;
    }
    const path = s.ui.selectedPath;
    const stats = view?.kind === 'text' ? h('span', { class: 'diff-stats' }, h('span', { class: 'num-add' }, `+${view.added}`), h('span', { class: 'num-del' }, `−${view.removed}`)) : null;
    replace(
      this.head,
      h('span', { class: 'diff-path', title: path }, icon('file'), path),
      view?.modeChange ? h('span', { class: 'pill tone-warn' }, `mode ${view.modeChange.from} → ${view.modeChange.to}`) : null,
      stats,
      tools,
    );
    if (d.loading && !view) {
      replace(this.body, h('div', { class: 'placeholder' }, h('vscode-progress-ring', { 'aria-label': 'Loading diff' }), 'Loading diff…'));
      return;
    }
    if (d.error) {
      replace(this.body, h('div', { class: 'placeholder error' }, icon('error'), d.error.message));
      return;
    }
    if (!view) return;
    if (view.kind !== 'text') {
      replace(this.body, this.summary(view));
      return;
    }
    if (view.hunks.length === 0) {
      replace(this.body, h('div', { class: 'placeholder' }, icon('info'), view.modeChange ? 'Only the file mode changed.' : 'No line changes.'));
      return;
    }
    const rows: Row[] = s.ui.diffMode === 'split' ? splitRows(view.hunks) : unifiedRows(view.hunks);
    this.list.element.setAttribute('aria-label', `Diff of ${path}, ${s.ui.diffMode === 'split' ? 'side by side' : 'unified'}`);
    this.list.element.classList.toggle('split', s.ui.diffMode === 'split');
    const note = view.approximate ? h('div', { class: 'diff-note' }, icon('warning'), 'Too many changes for an exact diff here; parts are shown as replaced blocks. Open the diff editor for a precise view.') : null;
    replace(this.body, note, this.list.element);
    this.list.setItems(rows);
    this.list.element.scrollTop = 0;
  }

  private summary(view: Exclude<DiffView, { kind: 'text' }>): HTMLElement {
    const sizes = [view.oldSize !== undefined ? `before ${formatBytes(view.oldSize)}` : null, view.newSize !== undefined ? `after ${formatBytes(view.newSize)}` : null].filter(Boolean).join(', ');
    let glyph: string;
    let text: string;
    if (view.kind === 'binary') {
      glyph = 'file-binary';
      text = `Binary file${sizes ? ` (${sizes})` : ''}: not shown here.`;
    } else if (view.kind === 'tooLarge') {
      glyph = 'file';
      const counts = view.added !== undefined || view.removed !== undefined ? ` Lines: +${view.added ?? 0} −${view.removed ?? 0}.` : '';
      text = `Large file: ${view.reason}.${counts}`;
    } else {
      glyph = 'file-submodule';
      text = `Submodule: ${view.oldCommit ? view.oldCommit.slice(0, 10) : 'none'} → ${view.newCommit ? view.newCommit.slice(0, 10) : 'none'}`;
    }
    const open = h('vscode-button', { icon: 'diff', secondary: true }, 'Open in Diff Editor');
    open.addEventListener('click', () => this.openNative());
    return h('div', { class: 'placeholder summary' }, icon(glyph), h('p', {}, text), view.kind === 'submodule' ? null : open);
  }

  private openNative(): void {
    const d = this.ctx.state.diff?.value;
    const path = this.ctx.state.ui.selectedPath;
    if (d && path) void this.ctx.runAction('openNativeDiff', { range: d.range, path }, '');
  }

  private renderRow(row: Row, el: HTMLElement): void {
    if (row.kind === 'hunk') {
      el.classList.add('d-hunk');
      el.append(h('span', { class: 'd-text' }, row.text));
      el.setAttribute('aria-label', `Hunk ${row.text}`);
      return;
    }
    if (row.kind === 'line') {
      el.classList.add(`d-${row.k}`);
      el.setAttribute('aria-label', `${KIND_LABEL[row.k]} line ${row.newNo ?? row.oldNo}: ${row.text}`);
      append(
        el,
        h('span', { class: 'd-no' }, row.oldNo ?? ''),
        newNo(row.newNo),
        h('span', { class: 'd-sign' }, row.k === 'add' ? '+' : row.k === 'del' ? '-' : ' '),
        h('span', { class: 'd-text' }, row.text),
        row.noEol ? h('span', { class: 'd-noeol', title: 'No newline at end of file' }, icon('circle-slash')) : null,
      );
      return;
    }
    el.classList.add('d-pair');
    const cell = (c: SplitCell | undefined, side: string): HTMLElement =>
      c
        ? h('span', { class: `d-half d-${c.k} ${side}` }, side === 'right' ? newNo(c.no) : h('span', { class: 'd-no' }, c.no), h('span', { class: 'd-text' }, c.text), c.noEol ? h('span', { class: 'd-noeol', title: 'No newline at end of file' }, icon('circle-slash')) : null)
        : h('span', { class: `d-half d-empty ${side}` });
    el.setAttribute('aria-label', `${row.left ? `old ${row.left.no}: ${row.left.text}` : 'nothing'}; ${row.right ? `new ${row.right.no}: ${row.right.text}` : 'nothing'}`);
    el.append(cell(row.left, 'left'), cell(row.right, 'right'));
  }
}

/** A line number of the diff's newer side: a click on it starts a review comment there. */
function newNo(no: number | undefined): HTMLElement {
  if (no === undefined) return h('span', { class: 'd-no' }, '');
  return h('span', { class: 'd-no d-new', 'data-line': no, title: `Comment on line ${no} (shift+click: up to here)` }, no);
}
