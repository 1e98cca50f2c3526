/**
 * Changes: the files of the selected checkpoint (or of two compared checkpoints, or since the
 * base) with status, line counts and violation markers; ticking files enables "roll back
 * selected files"; the selected file's diff is shown beside the list.
 */
import { ROLLBACK_ACTION } from '../../src/shared/words';
import type { FileChangeView } from '../../src/shared/viewModels';
import type { AppContext } from './context';
import { DiffPane } from './diffPane';
import { h, icon, plural, replace, splitPath } from './dom';
import { currentRange, describeRange, focusSeq, type ViewState } from './store';
import { VirtualList } from './virtualList';

const STATUS = { A: { label: 'added', cls: 'st-added' }, M: { label: 'modified', cls: 'st-modified' }, D: { label: 'deleted', cls: 'st-deleted' }, T: { label: 'type changed', cls: 'st-modified' } } as const;
const SEV_ICON = { critical: 'circle-slash', error: 'error', warning: 'warning' } as const;

export class ChangesView {
  readonly element: HTMLElement;
  readonly diff: DiffPane;
  private readonly list: VirtualList<FileChangeView>;
  private readonly rangeLabel = h('div', { class: 'range-label' });
  private readonly scopeSelect: HTMLElement;
  private readonly filesHead = h('div', { class: 'files-head' });
  private readonly buttons: Record<'toCheckpoint' | 'files' | 'smart' | 'undo', HTMLElement>;
  private last: unknown[] = [];
  private lastFiles: unknown;

  constructor(private readonly ctx: AppContext) {
    this.diff = new DiffPane(ctx);
    this.list = new VirtualList<FileChangeView>({
      label: 'Changed files. Space ticks a file for rollback, Enter opens its diff.',
      rowHeight: 22,
      multiselectable: true,
      className: 'files',
      emptyText: 'No files changed in this range.',
      renderRow: (f, _i, row) => this.renderRow(f, row),
      onActivate: (f, _i, _how, ev) => {
        if (ev instanceof MouseEvent && (ev.target as HTMLElement).closest('.check')) this.toggle(f.path);
        else this.ctx.setUi({ selectedPath: f.path });
      },
      onToggle: (f) => this.toggle(f.path),
    });
    this.scopeSelect = h('vscode-single-select', { 'aria-label': 'Which changes to show', class: 'scope' }, h('vscode-option', { value: 'checkpoint' }, 'Selected checkpoint'), h('vscode-option', { value: 'base' }, 'Since base'));
    this.scopeSelect.addEventListener('change', () => {
      const value = (this.scopeSelect as HTMLElement & { value: string }).value;
      this.ctx.setUi({ scope: value === 'base' ? 'base' : 'checkpoint', compareSeq: undefined });
    });
    const button = (label: string, glyph: string, title: string, run: () => void): HTMLElement => {
      const b = h('vscode-button', { icon: glyph, secondary: true, title, 'aria-label': title }, label);
      b.addEventListener('click', () => {
        if (!b.hasAttribute('disabled')) run();
      });
      return b;
    };
    this.buttons = {
      toCheckpoint: button(ROLLBACK_ACTION.checkpoint, 'discard', 'Roll the whole worktree back to the selected checkpoint', () => {
        const seq = focusSeq(this.ctx.state);
        if (seq !== undefined) void this.ctx.runAction('rollbackToCheckpoint', { seq }, `Rolled back to #${seq}`);
      }),
      files: button(ROLLBACK_ACTION.files, 'discard', 'Restore the ticked files to how they were at the start of this range', () => {
        const range = currentRange(this.ctx.state);
        const paths = [...this.ctx.state.checked];
        if (range && paths.length) {
          void this.ctx.runAction('rollbackFiles', { seq: range.from, paths }, `Restored ${plural(paths.length, 'file')}`).then((ok) => {
            if (ok) this.ctx.update((s) => ({ ...s, checked: new Set() }));
          });
        }
      }),
      smart: button(ROLLBACK_ACTION.smart, 'sparkle', 'Put back only the files that break the plan, each as it was when it last kept the rules; keep the rest', () => void this.ctx.runAction('smartRollback', {}, `${ROLLBACK_ACTION.smart} done`)),
      undo: button(ROLLBACK_ACTION.undo, 'history', 'Undo the last rollback (the checkpoint taken just before it is restored)', () => void this.ctx.runAction('undoRollback', {}, `${ROLLBACK_ACTION.undo} done`)),
    };
    const toolbar = h('div', { class: 'toolbar' }, this.rangeLabel, h('div', { class: 'spacer' }), this.scopeSelect);
    const actions = h('div', { class: 'toolbar actions', role: 'toolbar', 'aria-label': 'Rollback actions' }, ...Object.values(this.buttons));
    const files = h('div', { class: 'files-pane' }, this.filesHead, this.list.element);
    this.element = h('div', { class: 'changes' }, toolbar, actions, h('div', { class: 'changes-split' }, files, this.diff.element));
  }

  update(s: ViewState): void {
    this.diff.update(s);
    const key = [s.changes, s.checked, s.ui.selectedPath, s.ui.scope, s.ui.compareSeq, s.checkpoints, s.busy, s.rollbacks];
    if (key.every((x, i) => x === this.last[i])) return;
    this.last = key;
    const range = currentRange(s);
    (this.scopeSelect as HTMLElement & { value: string }).value = s.ui.scope;
    const set = s.changes?.value;
    const files = set?.files ?? [];
    if (!range) replace(this.rangeLabel, icon('info'), 'No checkpoints yet.');
    else {
      const compare = s.ui.compareSeq !== undefined && s.ui.scope === 'checkpoint';
      const clear = compare ? h('vscode-toolbar-button', { icon: 'close', label: 'Stop comparing', title: 'Stop comparing (Esc in the timeline)' }) : null;
      clear?.addEventListener('click', () => this.ctx.setUi({ compareSeq: undefined }));
      replace(this.rangeLabel, icon(compare ? 'git-compare' : 'git-commit'), h('span', { class: 'range-text' }, `Changes ${describeRange(range)}`), clear, s.changes?.loading ? h('vscode-progress-ring', { class: 'inline-ring', 'aria-label': 'Loading changes' }) : null);
    }
    const added = files.reduce((n, f) => n + (f.added ?? 0), 0);
    const removed = files.reduce((n, f) => n + (f.removed ?? 0), 0);
    const all = files.length > 0 && files.every((f) => s.checked.has(f.path));
    const tickAll = h('vscode-toolbar-button', { icon: all ? 'check-all' : 'checklist', label: all ? 'Untick all files' : 'Tick all files', title: all ? 'Untick all files' : 'Tick all files' });
    tickAll.addEventListener('click', () => this.ctx.update((st) => ({ ...st, checked: all ? new Set() : new Set((st.changes?.value?.files ?? []).map((f) => f.path)) })));
    replace(
      this.filesHead,
      h('span', {}, plural(files.length, 'file')),
      h('span', { class: 'num-add' }, `+${added}`),
      h('span', { class: 'num-del' }, `−${removed}`),
      s.checked.size ? h('span', { class: 'pill tone-info' }, `${s.checked.size} ticked`) : null,
      h('span', { class: 'spacer' }),
      files.length ? tickAll : null,
    );
    if (s.changes?.error) this.filesHead.append(h('span', { class: 'pill tone-error', role: 'alert' }, icon('error'), s.changes.error.message));
    const active = s.ui.selectedPath ? files.findIndex((f) => f.path === s.ui.selectedPath) : -1;
    if (files !== this.lastFiles) {
      this.lastFiles = files;
      this.list.setItems(files, active);
      if (active >= 0) this.list.reveal(active);
      else this.list.element.scrollTop = 0;
    } else if (this.list.activeIndex !== active) this.list.setActive(active);
    else this.list.refresh();
    const busy = s.busy !== undefined;
    const seq = focusSeq(s);
    // Rolling back to the checkpoint the worktree is at would change nothing worth a button.
    this.buttons.toCheckpoint.toggleAttribute('hidden', seq === undefined || seq === s.checkpoints.at(-1)?.seq);
    this.buttons.toCheckpoint.toggleAttribute('disabled', busy || seq === undefined);
    this.buttons.toCheckpoint.textContent = seq === undefined ? ROLLBACK_ACTION.checkpoint : `Roll back to #${seq}`;
    this.buttons.files.toggleAttribute('disabled', busy || s.checked.size === 0 || !range);
    this.buttons.files.textContent = s.checked.size ? `Roll back ${plural(s.checked.size, 'file')}` : ROLLBACK_ACTION.files;
    this.buttons.smart.toggleAttribute('disabled', busy || s.checkpoints.length === 0);
    this.buttons.undo.toggleAttribute('disabled', busy || !s.rollbacks.some((r) => r.ok && r.kind !== 'undo'));
  }

  private toggle(path: string): void {
    this.ctx.update((s) => {
      const checked = new Set(s.checked);
      if (checked.has(path)) checked.delete(path);
      else checked.add(path);
      return { ...s, checked };
    });
  }

  private renderRow(f: FileChangeView, row: HTMLElement): void {
    const st = STATUS[f.status];
    const ticked = this.ctx.state.checked.has(f.path);
    const { dir, name } = splitPath(f.path);
    row.setAttribute('aria-selected', String(ticked));
    row.setAttribute('aria-label', `${f.path}, ${st.label}${f.binary ? ', binary' : ''}${f.added !== undefined ? `, ${f.added} added, ${f.removed ?? 0} removed lines` : ''}${f.violationCount ? `, ${plural(f.violationCount, 'violation')}, worst ${f.worstSeverity}` : ''}${ticked ? ', ticked for rollback' : ''}`);
    if (f.path === this.ctx.state.ui.selectedPath) row.classList.add('current');
    row.append(
      h('span', { class: 'check', title: ticked ? 'Untick' : 'Tick for rollback' }, icon(ticked ? 'pass-filled' : 'circle-large')),
      h('span', { class: `status ${st.cls}`, title: st.label }, f.status),
      h('span', { class: 'fname' }, name),
      h('span', { class: 'fdir' }, dir),
      h('span', { class: 'spacer' }),
      f.violationCount && f.worstSeverity ? h('span', { class: `sev-mark sev-${f.worstSeverity}`, title: plural(f.violationCount, 'violation') }, icon(SEV_ICON[f.worstSeverity]), String(f.violationCount)) : '',
      f.binary ? h('span', { class: 'fcounts', title: 'binary' }, icon('file-binary')) : h('span', { class: 'fcounts' }, h('span', { class: 'num-add' }, `+${f.added ?? 0}`), h('span', { class: 'num-del' }, `−${f.removed ?? 0}`)),
    );
  }
}
