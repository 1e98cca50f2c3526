/**
 * The arithmetic of a virtualised list with fixed-height rows: which rows to render for a
 * scroll position, how far to scroll to reveal a row, and where the arrow keys move. Pure, so
 * a 5,000-row list is tested without a browser.
 */
export interface WindowInput {
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  /** Extra rows rendered above and below, so fast scrolling shows no gaps. */
  overscan?: number;
}

export interface WindowRange {
  /** First rendered row. */
  start: number;
  /** One past the last rendered row. */
  end: number;
  /** Pixel offset of the first rendered row. */
  offset: number;
  /** Height of the whole list. */
  totalHeight: number;
}

export function computeWindow({ count, rowHeight, scrollTop, viewportHeight, overscan = 8 }: WindowInput): WindowRange {
  const totalHeight = Math.max(0, count) * rowHeight;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, totalHeight };
  const maxScroll = Math.max(0, totalHeight - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxScroll);
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offset: start * rowHeight, totalHeight };
}

/** The scrollTop that shows row `index` entirely, moving as little as possible. */
export function revealScrollTop(index: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

export type NavKey = 'ArrowDown' | 'ArrowUp' | 'PageDown' | 'PageUp' | 'Home' | 'End';
export const NAV_KEYS: ReadonlySet<string> = new Set<NavKey>(['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End']);

/**
 * Where a navigation key moves the active row. Rows that cannot be selected (group headers)
 * are skipped; -1 means the list has no selectable row.
 */
export function moveActive(current: number, key: NavKey, count: number, pageSize: number, selectable: (i: number) => boolean = () => true): number {
  if (count <= 0) return -1;
  const scan = (from: number, step: 1 | -1): number => {
    for (let i = from; i >= 0 && i < count; i += step) if (selectable(i)) return i;
    return -1;
  };
  const nearest = (target: number, step: 1 | -1): number => {
    const t = Math.min(count - 1, Math.max(0, target));
    const found = scan(t, step);
    return found >= 0 ? found : scan(t, step === 1 ? -1 : 1);
  };
  const page = Math.max(1, pageSize - 1);
  let next: number;
  if (current < 0 || current >= count) {
    next = key === 'End' || key === 'ArrowUp' || key === 'PageUp' ? scan(count - 1, -1) : scan(0, 1);
  } else {
    switch (key) {
      case 'ArrowDown':
        next = scan(current + 1, 1);
        break;
      case 'ArrowUp':
        next = scan(current - 1, -1);
        break;
      case 'PageDown':
        next = nearest(current + page, 1);
        break;
      case 'PageUp':
        next = nearest(current - page, -1);
        break;
      case 'Home':
        next = scan(0, 1);
        break;
      case 'End':
        next = scan(count - 1, -1);
        break;
    }
    // At either end the active row stays where it is.
    if (next < 0) next = selectable(current) ? current : scan(0, 1);
  }
  return next;
}
