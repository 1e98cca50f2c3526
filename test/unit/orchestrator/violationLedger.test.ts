import * as assert from 'node:assert/strict';
import type { Violation } from '../../../src/core/model/types';
import { ViolationLedger, type ViolationsChanged } from '../../../src/core/orchestrator/violationLedger';
import { defaultPlan, type Plan } from '../../../src/core/plan';

describe('orchestrator/violationLedger', () => {
  let plan: Plan;
  let ledger: ViolationLedger;
  let events: ViolationsChanged[];
  beforeEach(() => {
    plan = defaultPlan();
    ledger = new ViolationLedger('f1', () => plan);
    events = [];
    ledger.onDidChange((e) => events.push(e));
  });
  const v = (kind: Violation['kind'], path: string, severity: Violation['severity'] = 'error'): Violation => ({ kind, path, severity, message: `${kind} ${path}` });

  it('gives observed violations the severity of the current plan, not one of their own', () => {
    assert.equal(ledger.create([{ kind: 'main_checkout_write', path: 'a', message: 'm' }])[0].severity, 'critical');
    plan = { ...plan, severity: { main_checkout_write: 'warning' } };
    assert.equal(ledger.create([{ kind: 'main_checkout_write', path: 'a', message: 'm' }])[0].severity, 'warning');
    plan = defaultPlan();
    assert.equal(ledger.create([{ kind: 'git_dir_write', path: '.git', message: 'm' }])[0].severity, 'critical');
    plan = { ...plan, severity: { main_checkout_write: 'critical', git_dir_write: 'error' } };
    assert.equal(ledger.create([{ kind: 'main_checkout_write', path: 'a', message: 'm' }])[0].severity, 'critical');
    assert.equal(ledger.create([{ kind: 'git_dir_write', path: '.git', message: 'm' }])[0].severity, 'error');
  });

  it('merges its sources, and says so with the data only when something changed', () => {
    ledger.replace('checkpoint', [v('out_of_scope', 'x')]);
    ledger.replace('crossFeature', [v('exclusive_area', 'y')]);
    ledger.add(ledger.create([{ kind: 'git_dir_write', path: 'z', message: 'm' }]));
    assert.deepEqual(ledger.all.map((x) => x.kind), ['out_of_scope', 'exclusive_area', 'git_dir_write']);
    assert.equal(events.length, 3);
    assert.deepEqual(events[2].violations.map((x) => x.path), ['x', 'y', 'z']);
    ledger.replace('checkpoint', [v('out_of_scope', 'x')]);
    assert.equal(events.length, 3, 'the same verdict again is no change');
    ledger.clearObserved();
    assert.deepEqual(ledger.all.map((x) => x.path), ['x', 'y']);
    assert.deepEqual(ledger.observed, []);
  });

  it('raises standing critical violations again on each fresh checkpoint verdict, new observed ones once', () => {
    const crit = v('symlink_escape', 'l', 'critical');
    ledger.replace('checkpoint', [crit], { raise: true });
    ledger.replace('checkpoint', [crit], { raise: true });
    ledger.replace('checkpoint', [crit]);
    assert.deepEqual(events.map((e) => e.raised.length), [1, 1]);
    ledger.add(ledger.create([{ kind: 'git_dir_write', path: '.git/config', message: 'm' }]));
    assert.deepEqual(events.at(-1)!.raised.map((x) => x.kind), ['git_dir_write']);
  });

  it('standing violations survive a rollback (clearObserved); each producer replaces its own; only new critical ones are raised', () => {
    const git = ledger.create([{ kind: 'git_dir_write', path: '.git/config', message: 'config changed' }]);
    const main = ledger.create([{ kind: 'main_checkout_write', path: 'planted.txt', message: 'left in the checkout' }]);
    ledger.setStanding('gitDir', git);
    ledger.setStanding('mainCheckout', main);
    assert.deepEqual(events.map((e) => e.raised.map((x) => x.path)), [['.git/config'], ['planted.txt']]);
    ledger.setStanding('gitDir', git);
    assert.equal(events.length, 2, 'the same standing list again is no change, and nothing is raised twice');
    ledger.clearObserved();
    ledger.add(ledger.create([{ kind: 'git_dir_write', path: '.git', message: 'm' }]));
    ledger.clearObserved();
    assert.deepEqual(ledger.standing.map((x) => x.path), ['.git/config', 'planted.txt']);
    ledger.setStanding('gitDir', []);
    assert.deepEqual(ledger.all.map((x) => x.path), ['planted.txt']);
    assert.deepEqual(events.at(-1)!.raised, []);
  });

  it('keeps the newest 50 observed violations', () => {
    ledger.add(ledger.create(Array.from({ length: 60 }, (_, i) => ({ kind: 'git_dir_write' as const, path: `f${i}`, message: 'm' }))));
    assert.equal(ledger.observed.length, 50);
    assert.equal(ledger.observed[0].path, 'f10');
  });
});
