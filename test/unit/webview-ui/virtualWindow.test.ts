import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { computeWindow, moveActive, revealScrollTop } from '../../../webview-ui/src/virtualWindow';

describe('webview/virtualWindow: virtual list arithmetic', () => {
  it('renders only the rows in view plus overscan, for 1,000 timeline rows', () => {
    const w = computeWindow({ count: 1000, rowHeight: 44, scrollTop: 0, viewportHeight: 800, overscan: 8 });
    assert.deepEqual(w, { start: 0, end: 8 + Math.ceil(800 / 44) + 1, offset: 0, totalHeight: 44_000 });
    const mid = computeWindow({ count: 1000, rowHeight: 44, scrollTop: 44 * 500, viewportHeight: 800, overscan: 8 });
    assert.equal(mid.start, 492);
    assert.equal(mid.end, 500 + Math.ceil(800 / 44) + 1 + 8);
    assert.equal(mid.offset, 492 * 44);
  });

  it('clamps at the end of a 5,000-file list, whatever the scroll position says', () => {
    const end = computeWindow({ count: 5000, rowHeight: 22, scrollTop: 10_000_000, viewportHeight: 660, overscan: 5 });
    assert.equal(end.end, 5000);
    assert.equal(end.totalHeight, 110_000);
    assert.ok(end.start >= 5000 - 30 - 5 - 1 && end.start < 5000);
    const neg = computeWindow({ count: 5000, rowHeight: 22, scrollTop: -50, viewportHeight: 660 });
    assert.equal(neg.start, 0);
  });

  it('handles empty lists, tiny lists and an unmeasured viewport', () => {
    assert.deepEqual(computeWindow({ count: 0, rowHeight: 22, scrollTop: 0, viewportHeight: 500 }), { start: 0, end: 0, offset: 0, totalHeight: 0 });
    assert.deepEqual(computeWindow({ count: 3, rowHeight: 22, scrollTop: 0, viewportHeight: 500 }), { start: 0, end: 3, offset: 0, totalHeight: 66 });
    const hidden = computeWindow({ count: 5000, rowHeight: 22, scrollTop: 0, viewportHeight: 0, overscan: 4 });
    assert.equal(hidden.end, 5);
  });

  it('always covers the visible rows and stays small (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 20 }), (count, rowHeight, scrollTop, viewportHeight, overscan) => {
        const w = computeWindow({ count, rowHeight, scrollTop, viewportHeight, overscan });
        assert.ok(w.start >= 0 && w.start <= w.end && w.end <= count);
        assert.equal(w.offset, w.start * rowHeight);
        const top = Math.min(scrollTop, Math.max(0, count * rowHeight - viewportHeight));
        const firstVisible = Math.floor(top / rowHeight);
        const lastVisible = Math.min(count - 1, Math.floor((top + viewportHeight - 1) / rowHeight));
        if (count > 0 && viewportHeight > 0) assert.ok(w.start <= firstVisible && w.end > lastVisible, 'visible rows are rendered');
        assert.ok(w.end - w.start <= Math.ceil(viewportHeight / rowHeight) + 1 + 2 * overscan, 'bounded by the viewport, not the list');
      }),
      { numRuns: 2000 },
    );
  });

  it('scrolls as little as needed to reveal a row', () => {
    assert.equal(revealScrollTop(10, 20, 0, 100), 120);
    assert.equal(revealScrollTop(2, 20, 100, 100), 40);
    assert.equal(revealScrollTop(6, 20, 100, 100), 100);
  });

  it('moves the active row with arrows, pages, Home and End, skipping headers', () => {
    const headers = new Set([0, 5, 9]);
    const sel = (i: number) => !headers.has(i);
    assert.equal(moveActive(-1, 'ArrowDown', 12, 4, sel), 1);
    assert.equal(moveActive(4, 'ArrowDown', 12, 4, sel), 6);
    assert.equal(moveActive(6, 'ArrowUp', 12, 4, sel), 4);
    assert.equal(moveActive(1, 'ArrowUp', 12, 4, sel), 1, 'stays at the first selectable row');
    assert.equal(moveActive(11, 'ArrowDown', 12, 4, sel), 11, 'stays at the last row');
    assert.equal(moveActive(1, 'PageDown', 12, 4, sel), 4);
    assert.equal(moveActive(8, 'PageUp', 12, 4, sel), 4, 'a header under the page: moves on in the same direction');
    assert.equal(moveActive(2, 'PageDown', 12, 4, sel), 6, 'a header under the page: moves on in the same direction');
    assert.equal(moveActive(3, 'Home', 12, 4, sel), 1);
    assert.equal(moveActive(3, 'End', 12, 4, sel), 11);
    assert.equal(moveActive(-1, 'End', 12, 4), 11);
    assert.equal(moveActive(0, 'ArrowDown', 0, 4), -1);
    assert.equal(moveActive(2, 'ArrowDown', 5, 4, () => false), -1);
  });

  it('walks a 5,000-item list end to end by pages', () => {
    let i = 0;
    let steps = 0;
    while (i < 4999 && steps < 1000) {
      i = moveActive(i, 'PageDown', 5000, 30);
      steps++;
    }
    assert.equal(i, 4999);
    assert.equal(steps, Math.ceil(4999 / 29));
  });
});
