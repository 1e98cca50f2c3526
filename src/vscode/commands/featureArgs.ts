/**
 * What a command was called with, turned into a feature: a tree element, a `{ repoRoot,
 * featureId }` object (tests, code actions, SCM), a bare feature id, or nothing (quick pick).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeatureSummary } from '../../core/orchestrator';
import { AopError } from '../../core/util';
import type { FeatureRef, Registry } from '../workspace/registry';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The feature named by an argument, without prompting; undefined when the argument names none. */
export function refFromArg(registry: Registry, arg: unknown): FeatureRef | undefined {
  if (typeof arg === 'string') {
    const found = registry.findById(arg);
    if (found.length === 1) return found[0];
    if (found.length > 1) throw new AopError('CONFLICT', `Several repositories have a feature "${arg}"; pick it in the Features view.`);
    throw new AopError('NOT_FOUND', `There is no feature "${arg.slice(0, 64)}". Pick one from the Features view.`);
  }
  if (isRecord(arg) && typeof arg.featureId === 'string') {
    if (typeof arg.repoRoot === 'string') return { repoRoot: arg.repoRoot, featureId: arg.featureId };
    return refFromArg(registry, arg.featureId);
  }
  return undefined;
}

/** The feature an argument names, or one the user picks among those `filter` accepts. */
export async function featureFromArg(registry: Registry, arg: unknown, what: string, filter: (f: FeatureSummary) => boolean = () => true): Promise<FeatureRef | undefined> {
  const direct = refFromArg(registry, arg);
  if (direct) return direct;
  const several = registry.repositories().length > 1;
  const items = registry
    .repositories()
    .flatMap((o) => o.list().map((f) => ({ f, repoRoot: o.repoRoot })))
    .filter(({ f }) => filter(f))
    .map(({ f, repoRoot }) => ({
      label: f.id,
      description: [f.status === 'draft' ? 'draft' : (f.agentState ?? 'idle'), several ? path.basename(repoRoot) : undefined].filter(Boolean).join(' · '),
      ref: { repoRoot, featureId: f.id },
    }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`No feature to ${what}.`);
    return undefined;
  }
  if (items.length === 1) return items[0]!.ref;
  const pick = await vscode.window.showQuickPick(items, { title: `Feature to ${what}`, placeHolder: 'Pick a feature' });
  return pick?.ref;
}

/** A number argument (`seq`) from a tree element or an object, if any. */
export function seqFromArg(arg: unknown): number | undefined {
  if (isRecord(arg) && typeof arg.seq === 'number' && Number.isInteger(arg.seq) && arg.seq >= 0) return arg.seq;
  return undefined;
}
