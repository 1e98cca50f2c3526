/**
 * A virtualised list: only the rows in view (plus a margin) exist in the DOM, so 5,000 files
 * or 20,000 diff lines scroll smoothly. Fixed row height; positions set through the CSSOM,
 * which the CSP allows (inline style attributes it would not).
 *
 * Interactive lists are one tab stop (role=listbox); the active row is announced through
 * aria-activedescendant and moved with the arrow keys, Page Up/Down, Home and End.
 */
import { h } from './dom';
import { computeWindow, moveActive, NAV_KEYS, revealScrollTop, type NavKey } from './virtualWindow';

let listCounter = 0;

export interface VirtualListOptions<T> {
  /** Accessible name of the list. */
  label: string;
  rowHeight: number;
  /** Fills a row element (already positioned, with role and ids set) for an item. */
  renderRow(item: T, index: number, row: HTMLElement): void;
  /** False for a read-only scroller (a diff): no active row, native keyboard scrolling. */
  interactive?: boolean;
  multiselectable?: boolean;
  /** Rows that cannot be active (group headers); the keys skip them. */
  isSelectable?(item: T): boolean;
  /** The active row changed by keyboard, or a row was clicked or Enter pressed. */
  onActivate?(item: T, index: number, how: 'move' | 'click' | 'enter', event: Event): void;
  /** Space on the active row. */
  onToggle?(item: T, index: number): void;
  /** Other keys on the active row; return true when handled. */
  onKey?(event: KeyboardEvent, item: T | undefined, index: number): boolean;
  emptyText?: string;
  className?: string;
  /** Keep the view at the last row while it is there (a streaming log). */
  stickToEnd?: boolean;
}

export class VirtualList<T> {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly id = `vl${++listCounter}`;
  private items: readonly T[] = [];
  private active = -1;
  private rendered = { start: -1, end: -1 };
  private frame = 0;
  private viewportHeight = 0;
  private readonly interactive: boolean;
  private stuck = true;

  constructor(private readonly opts: VirtualListOptions<T>) {
    this.interactive = opts.interactive !== false;
    this.spacer = h('div', { class: 'vl-spacer' });
    this.empty = h('div', { class: 'vl-empty', hidden: true }, opts.emptyText ?? 'Nothing to show.');
    this.element = h(
      'div',
      {
        class: `vl ${opts.className ?? ''}`,
        tabindex: 0,
        role: this.interactive ? 'listbox' : 'list',
        'aria-label': opts.label,
        'aria-multiselectable': this.interactive && opts.multiselectable ? 'true' : undefined,
      },
      this.spacer,
      this.empty,
    );
    this.element.addEventListener(
      'scroll',
      () => {
        // A hidden list reports no height; only a visible one can leave the end.
        if (this.element.clientHeight > 0) this.stuck = this.isAtEnd();
        this.schedule();
      },
      { passive: true },
    );
    this.element.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.element.addEventListener('click', (e) => this.onClick(e));
    new ResizeObserver(() => {
      this.viewportHeight = this.element.clientHeight;
      if (opts.stickToEnd && this.stuck) this.scrollToEnd();
      this.schedule();
    }).observe(this.element);
  }

  get activeIndex(): number {
    return this.active;
  }

  get activeItem(): T | undefined {
    return this.active >= 0 ? this.items[this.active] : undefined;
  }

  /** Replaces the items; `activeIndex` keeps a row active across updates. */
  setItems(items: readonly T[], activeIndex = -1): void {
    this.items = items;
    this.active = activeIndex < items.length ? activeIndex : -1;
    this.spacer.style.height = `${items.length * this.opts.rowHeight}px`;
    this.empty.hidden = items.length > 0;
    this.rendered = { start: -1, end: -1 };
    if (this.opts.stickToEnd && this.stuck) this.scrollToEnd();
    this.render();
  }

  /** Makes a row active and scrolls it into view. */
  setActive(index: number, reveal = true): void {
    this.active = index;
    if (reveal && index >= 0) this.reveal(index);
    this.rendered = { start: -1, end: -1 };
    this.render();
  }

  reveal(index: number): void {
    const h = this.viewportHeight || this.element.clientHeight;
    const top = revealScrollTop(index, this.opts.rowHeight, this.element.scrollTop, h);
    if (top !== this.element.scrollTop) this.element.scrollTop = top;
  }

  /** Re-renders the rows in view (after the items' content changed in place). */
  refresh(): void {
    this.rendered = { start: -1, end: -1 };
    this.render();
  }

  scrollToEnd(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }

  isAtEnd(): boolean {
    return this.element.scrollTop + this.element.clientHeight >= this.element.scrollHeight - this.opts.rowHeight;
  }

  focus(): void {
    this.element.focus();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private rowId(index: number): string {
    return `${this.id}-r${index}`;
  }

  private render(): void {
    const win = computeWindow({
      count: this.items.length,
      rowHeight: this.opts.rowHeight,
      scrollTop: this.element.scrollTop,
      viewportHeight: this.viewportHeight || this.element.clientHeight,
    });
    if (win.start === this.rendered.start && win.end === this.rendered.end) return;
    this.rendered = { start: win.start, end: win.end };
    const rows: HTMLElement[] = [];
    for (let i = win.start; i < win.end; i++) {
      const item = this.items[i]!;
      const row = h('div', { class: 'vl-row', id: this.rowId(i), 'data-index': i });
      row.style.transform = `translateY(${i * this.opts.rowHeight}px)`;
      row.style.height = `${this.opts.rowHeight}px`;
      if (this.interactive) {
        const selectable = this.opts.isSelectable?.(item) ?? true;
        row.setAttribute('role', selectable ? 'option' : 'presentation');
        if (selectable) {
          row.setAttribute('aria-posinset', String(i + 1));
          row.setAttribute('aria-setsize', String(this.items.length));
          if (!this.opts.multiselectable) row.setAttribute('aria-selected', String(i === this.active));
        }
        if (i === this.active) row.classList.add('active');
      } else row.setAttribute('role', 'listitem');
      this.opts.renderRow(item, i, row);
      rows.push(row);
    }
    this.spacer.replaceChildren(...rows);
    if (this.interactive) {
      if (this.active >= win.start && this.active < win.end) this.element.setAttribute('aria-activedescendant', this.rowId(this.active));
      else this.element.removeAttribute('aria-activedescendant');
    }
  }

  private pageSize(): number {
    return Math.max(1, Math.floor((this.viewportHeight || this.element.clientHeight) / this.opts.rowHeight));
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (!this.interactive) return;
    if (e.target !== this.element) return;
    const item = this.activeItem;
    if (this.opts.onKey?.(e, item, this.active)) {
      e.preventDefault();
      return;
    }
    if (NAV_KEYS.has(e.key) && !e.altKey && !e.metaKey) {
      e.preventDefault();
      const next = moveActive(this.active, e.key as NavKey, this.items.length, this.pageSize(), (i) => this.opts.isSelectable?.(this.items[i]!) ?? true);
      if (next >= 0 && next !== this.active) {
        this.setActive(next);
        this.opts.onActivate?.(this.items[next]!, next, 'move', e);
      }
      return;
    }
    if (item === undefined) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      this.opts.onActivate?.(item, this.active, 'enter', e);
    } else if (e.key === ' ' && this.opts.onToggle) {
      e.preventDefault();
      this.opts.onToggle(item, this.active);
    }
  }

  private onClick(e: MouseEvent): void {
    if (!this.interactive) return;
    const row = (e.target as HTMLElement).closest<HTMLElement>('.vl-row');
    if (!row) return;
    const index = Number(row.dataset.index);
    const item = this.items[index];
    if (item === undefined || !(this.opts.isSelectable?.(item) ?? true)) return;
    this.setActive(index, false);
    this.opts.onActivate?.(item, index, 'click', e);
  }
}
