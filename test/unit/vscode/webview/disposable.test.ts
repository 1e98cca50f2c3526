import { strict as assert } from 'node:assert';
import { Disposable, toDisposable } from '../../../../src/vscode/webview/disposable';

class Owner extends Disposable {
  own<T extends { dispose(): void }>(d: T): T {
    return this._register(d);
  }
}

describe('webview/Disposable', () => {
  it('disposes what it owns once, newest first', () => {
    const order: string[] = [];
    const o = new Owner();
    o.own(toDisposable(() => order.push('first')));
    o.own(toDisposable(() => order.push('second')));
    o.dispose();
    o.dispose();
    assert.deepEqual(order, ['second', 'first']);
  });

  it('disposes at once what is registered after disposal', () => {
    const o = new Owner();
    o.dispose();
    let disposed = false;
    o.own(toDisposable(() => (disposed = true)));
    assert.equal(disposed, true);
  });

  it('disposes everything even when one throws, then reports it', () => {
    const o = new Owner();
    let later = false;
    o.own(toDisposable(() => (later = true)));
    o.own(toDisposable(() => {
      throw new Error('bad');
    }));
    assert.throws(() => o.dispose(), /bad/);
    assert.equal(later, true);
  });
});
