/**
 * Health in the product: per feature its checkpoint latency (p50/p95/p99 and the last), the
 * validation cache-hit rate, its watcher and batching pace, and the disk its checkpoints and
 * worktree take; in total, disk against the quota, with the actions that give space back.
 * Shown as a quick pick (keyboard-first, no webview); the figures come from the façade.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Orchestrator } from '../../core/orchestrator';
import { formatBytes } from '../../shared/format';
import { plural } from '../../shared/words';
import { registerCommand, withProgress, type CommandDeps } from '../commands/context';
import { COMMANDS } from '../ids';

type Health = Awaited<ReturnType<Orchestrator['supervision']['health']>>;

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

/** One line of a feature's health, in words. */
export function healthLine(h: Health): string {
  const parts: string[] = [];
  if (h.checkpoints) parts.push(`checkpoints p50 ${ms(h.checkpoints.p50)} · p95 ${ms(h.checkpoints.p95)} · p99 ${ms(h.checkpoints.p99)} · last ${ms(h.checkpoints.last)}`);
  else parts.push('no checkpoint yet');
  if (h.validation.hitRate !== undefined) parts.push(`cache hits ${Math.round(h.validation.hitRate * 100)}%`);
  parts.push(h.watch.alive ? `${h.watch.backend ?? 'watcher'} watcher` : 'not watched');
  if (h.pace.factor > 1) parts.push(`batching ${h.pace.factor}× coarser`);
  if (h.failures.count) parts.push(plural(h.failures.count, 'checkpoint failure'));
  if (h.disk) parts.push(`disk ${formatBytes(h.disk.checkpointBytes)} checkpoints + ${formatBytes(h.disk.worktreeBytes)} worktree`);
  return parts.join(' · ');
}

export function registerHealthCommand(deps: CommandDeps): vscode.Disposable[] {
  const show = async () => {
    const repos = deps.registry.repositories();
    const several = repos.length > 1;
    type Pick = vscode.QuickPickItem & { run?: () => Promise<unknown> };
    const picks = await withProgress('Measuring health and disk use…', async () => {
      const out: Pick[] = [];
      for (const o of repos) {
        const disk = await o.supervision.disk();
        const quota = disk.quotaBytes ? ` of ${formatBytes(disk.quotaBytes)} quota${disk.over ? ' (over it)' : ''}` : '';
        out.push({ label: several ? path.basename(o.repoRoot) : 'All features', kind: vscode.QuickPickItemKind.Separator });
        out.push({
          label: `${disk.over ? '$(warning)' : '$(database)'} Disk: ${formatBytes(disk.usedBytes)}${quota}`,
          detail: `${plural(disk.features.length, 'feature')}${disk.deletedBytes ? `, ${formatBytes(disk.deletedBytes)} kept from deleted features` : ''}`,
        });
        for (const f of o.list().filter((x) => x.status === 'active')) {
          const h = await o.supervision.health(f.id);
          out.push({ label: `$(pulse) ${f.id}`, description: f.agentState ?? 'idle', detail: healthLine(h), run: () => Promise.resolve(vscode.commands.executeCommand(COMMANDS.openReview, { repoRoot: o.repoRoot, featureId: f.id })) });
        }
        out.push({ label: '$(history) Apply checkpoint retention now', detail: 'Drop old checkpoints beyond aop.checkpoints.retain (rollback points and violations are kept).', run: async () => void vscode.window.showInformationMessage(`Retention: ${(await o.supervision.applyRetention()).map((r) => `${r.featureId} dropped ${r.pruned}`).join(', ') || 'nothing to drop'}.`) });
        out.push({ label: '$(trash) Prune unreachable objects', detail: 'Delete git objects nothing refers to any more and older than an hour (what retention and deleted features leave).', run: async () => void (await o.supervision.prune(), vscode.window.showInformationMessage('Unreachable objects pruned.')) });
        if (disk.deletedBytes > 0) {
          out.push({
            label: `$(clear-all) Clean .deleted/ (${formatBytes(disk.deletedBytes)})`,
            detail: 'Remove the work kept aside when features were deleted. It cannot be brought back.',
            run: async () => {
              const ok = await deps.prompter.confirm(`Remove ${formatBytes(disk.deletedBytes)} kept from deleted features?`, 'What deleting features moved to .deleted/ (files no checkpoint could hold) is removed for good.', 'Remove');
              if (!ok) return;
              const r = await o.supervision.cleanDeleted();
              void vscode.window.showInformationMessage(`Removed ${plural(r.removed.length, 'folder')}, ${formatBytes(r.bytes)}.`);
            },
          });
        }
      }
      return out;
    });
    const pick = await vscode.window.showQuickPick(picks, { title: 'Agent Orchestrator: health', matchOnDetail: true, placeHolder: 'A feature opens its review; an action gives space back' });
    return pick?.run?.();
  };
  return [registerCommand(deps, COMMANDS.showHealth, 'Show health', show)];
}
