/**
 * Gates and accept: "Run Gates" (pick gates, run them with progress, results recorded in the
 * event log), "Show Gate Output" (a run's captured output, read-only), and "Accept Feature"
 * (the core judges the whole branch, a modal shows what accepting means, the person picks the
 * strategy, the core lands it; the outcome says what happened and what is left to do).
 */
import * as vscode from 'vscode';
import { ACCEPT_STRATEGIES, type AcceptOutcome, type AcceptStrategy } from '../../core/accept';
import type { GateRun } from '../../core/gates';
import { featurePaths } from '../../core/features';
import { AopError, assertRefName } from '../../core/util';
import { gateOutputUri } from '../content/gateOutput';
import { COMMANDS } from '../ids';
import type { FeatureRef } from '../workspace/registry';
import { isGateName } from '../../shared/vocabulary';
import { describeAcceptOutcome, describeAcceptSummary, gateLine } from './acceptText';
import { registerCommand, withProgress, type CommandDeps } from './context';
import { featureFromArg, isRecord, refFromArg, seqFromArg } from './featureArgs';

const STRATEGY_TEXT: Record<AcceptStrategy, string> = {
  squash: 'One new commit on the target with the feature’s whole change',
  merge: 'A merge commit joining the target and the feature branch (keeps the agent’s commits)',
  rebase: 'The agent’s commits replayed onto the target, then any work it left uncommitted',
};

/** Gate names given as `{ gates: [...] }`, `{ gate }` or a gate of the tree; undefined when none were given. */
function gateNamesFromArg(arg: unknown): string[] | undefined {
  if (!isRecord(arg)) return undefined;
  const fromTree = arg.kind === 'gate' && typeof arg.name === 'string' ? [arg.name] : undefined;
  const raw = Array.isArray(arg.gates) ? arg.gates : typeof arg.gate === 'string' ? [arg.gate] : fromTree;
  if (!raw) return undefined;
  for (const n of raw) if (!isGateName(n)) throw new AopError('INVALID_INPUT', `Invalid gate name ${JSON.stringify(String(n).slice(0, 70))}.`);
  return raw as string[];
}

export function registerGateCommands(deps: CommandDeps): vscode.Disposable[] {
  const { registry, prompter, gates } = deps;
  const reg = (id: Parameters<typeof registerCommand>[1], title: string, fn: (...args: unknown[]) => unknown) => registerCommand(deps, id, title, fn);
  const active = (arg: unknown, what: string) => featureFromArg(registry, arg, what, (f) => f.status === 'active');

  const showGateOutput = async (arg?: unknown) => {
    const ref = refFromArg(registry, arg);
    const names = gateNamesFromArg(arg);
    if (!ref || !names?.[0]) return undefined;
    registry.resolve(ref);
    const uri = gateOutputUri({ ...ref, gate: names[0], ...(seqFromArg(arg) !== undefined ? { seq: seqFromArg(arg) } : {}) });
    deps.gateDocs.refresh(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'log').then(undefined, () => undefined);
    await vscode.window.showTextDocument(doc, { preview: true });
    return uri;
  };

  const announceRuns = (ref: FeatureRef, runs: GateRun[]) => {
    if (runs.length === 0) return;
    const failed = runs.filter((r) => !r.passed);
    const seq = runs[runs.length - 1]!.seq;
    if (failed.length === 0) {
      void vscode.window.showInformationMessage(`${ref.featureId}: ${runs.length} gate(s) passed on checkpoint #${seq}.`);
      return;
    }
    const what = failed.map((r) => `${r.name} (${r.timedOut ? 'timed out' : r.aborted ? 'cancelled' : `exit ${r.exitCode ?? r.signal ?? 'none'}`})`).join(', ');
    void vscode.window.showWarningMessage(`${ref.featureId}: ${failed.length} of ${runs.length} gate(s) failed on checkpoint #${seq}: ${what}.`, 'Show Output').then((c) => {
      if (c) void vscode.commands.executeCommand(COMMANDS.showGateOutput, { ...ref, gate: failed[0]!.name, seq: failed[0]!.seq });
    });
  };

  const runGates = async (arg?: unknown): Promise<GateRun[] | undefined> => {
    if (!deps.isTrusted()) throw new AopError('UNTRUSTED', 'Run gates: gates run commands from the repository, so they do not run in an untrusted workspace. Trust the workspace first.');
    const ref = await active(arg, 'run the gates of');
    if (!ref) return undefined;
    const planned = await gates.plannedGates(ref);
    if (planned.length === 0) {
      const open = 'Open plan.yaml';
      void vscode.window.showInformationMessage(`${ref.featureId} has no gates: add them under \`gates:\` in its plan.yaml (a name and the command to run).`, open).then((c) => {
        if (c) void vscode.window.showTextDocument(vscode.Uri.file(featurePaths(ref.repoRoot, ref.featureId).plan));
      });
      return [];
    }
    // Names given by the caller are checked against the plan by the service.
    let names = gateNamesFromArg(arg);
    if (!names && planned.length === 1) names = [planned[0]!.name];
    else if (!names) {
      const seq = (await gates.statuses(ref)).seq;
      const picks = await vscode.window.showQuickPick(
        planned.map((g) => ({ label: g.name, description: g.command.length > 80 ? `${g.command.slice(0, 80)}…` : g.command, detail: gateLine(g, seq), picked: true })),
        { title: `Run gates of ${ref.featureId}`, placeHolder: 'Gates to run, in plan order', canPickMany: true, matchOnDescription: true },
      );
      if (!picks?.length) return undefined;
      names = picks.map((p) => p.label);
    }
    const chosen = names;
    const ctl = new AbortController();
    const runner = gates.runner(ref);
    const runs = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Running gates of ${ref.featureId}`, cancellable: true },
      async (progress, token) => {
        const cancel = token.onCancellationRequested(() => ctl.abort());
        let done = 0;
        const started = runner.onDidStart((s) => {
          if (s.feature === ref.featureId) progress.report({ message: `${s.name} on checkpoint #${s.seq} (${done + 1} of ${chosen.length})` });
        });
        const finished = runner.onDidRun((r) => {
          if (r.feature !== ref.featureId) return;
          done++;
          progress.report({ increment: 100 / chosen.length, message: `${r.name} ${r.passed ? 'passed' : 'failed'}` });
        });
        try {
          return await gates.run(ref, chosen, { signal: ctl.signal });
        } finally {
          cancel.dispose();
          started.dispose();
          finished.dispose();
        }
      },
    );
    announceRuns(ref, runs);
    return runs;
  };

  const pickStrategy = async (ref: FeatureRef, target: string, refused: Partial<Record<AcceptStrategy, string>>): Promise<AcceptStrategy | undefined> => {
    // Strategies the agent's history rules out are not offered (the summary said why).
    const offered = ACCEPT_STRATEGIES.filter((s) => !refused[s]);
    const pick = await vscode.window.showQuickPick(
      offered.map((s) => ({ label: s, detail: STRATEGY_TEXT[s], strategy: s })).sort((a, b) => Number(b.strategy === 'squash') - Number(a.strategy === 'squash')),
      { title: `Accept ${ref.featureId} into ${target}: how`, placeHolder: offered.length < ACCEPT_STRATEGIES.length ? 'Squash only: the agent\'s own commits hold unchecked content' : 'Squash, merge or rebase' },
    );
    return pick?.strategy;
  };

  const reportOutcome = async (ref: FeatureRef, o: AcceptOutcome): Promise<void> => {
    const text = describeAcceptOutcome(ref.featureId, o);
    if (o.status === 'landed' || o.status === 'finish-in-checkout') deps.review()?.close(ref);
    if (o.status === 'conflicts' || o.status === 'blocked') {
      await prompter.inform(text.message, text.detail ?? '');
      return;
    }
    deps.log.info(`${text.message}${text.detail ? `\n${text.detail}` : ''}`);
    // With actions the outcome stays in the notification centre; the history keeps it for good.
    const copy = 'Copy Command';
    const history = 'Show History';
    const show = text.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(text.message, ...(text.command ? [copy] : []), history).then(async (c) => {
      if (c === copy && text.command) {
        await vscode.env.clipboard.writeText(text.command);
        void vscode.window.setStatusBarMessage(`Copied: ${text.command}`, 5000);
      } else if (c === history) await vscode.commands.executeCommand(COMMANDS.showEventLog, ref);
    });
  };

  const accept = async (arg?: unknown): Promise<AcceptOutcome | undefined> => {
    if (!deps.isTrusted()) throw new AopError('UNTRUSTED', 'Accept feature: accepting changes your branches and runs gates, so it is not possible in an untrusted workspace. Trust the workspace first.');
    const ref = await active(arg, 'accept');
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    const given = isRecord(arg) && typeof arg.strategy === 'string' ? arg.strategy : undefined;
    if (given !== undefined && !(ACCEPT_STRATEGIES as readonly string[]).includes(given)) {
      throw new AopError('INVALID_INPUT', `Unknown accept strategy ${JSON.stringify(given.slice(0, 20))}; choose squash, merge or rebase.`);
    }
    const targetBranch = isRecord(arg) && typeof arg.targetBranch === 'string' ? assertRefName(arg.targetBranch) : undefined;
    const allowErrors = isRecord(arg) && arg.allowErrors === true;
    const options = { ...(targetBranch ? { targetBranch } : {}), ...(allowErrors ? { allowErrors } : {}) };

    const summary = await withProgress(`Reviewing ${ref.featureId} for accept (checkpoint, plan, required gates)`, () =>
      orch.prepareAccept(ref.featureId, { ...options, gates: gates.runner(ref) }),
    );
    const { message, detail } = describeAcceptSummary(summary);
    if (!summary.ready) {
      const runGatesChoice = 'Run Gates';
      const gateBlocked = summary.gates.some((g) => g.required && g.status !== 'passed');
      const c = await prompter.inform(message, detail, ...(gateBlocked ? [runGatesChoice] : []));
      if (c === runGatesChoice) void vscode.commands.executeCommand(COMMANDS.runGates, ref);
      return { status: 'blocked', reasons: summary.blockers, summary };
    }
    const acceptLabel = 'Accept…';
    if ((await prompter.confirm(message, detail, acceptLabel)) !== acceptLabel) return undefined;
    const strategy = (given as AcceptStrategy | undefined) ?? (await pickStrategy(ref, summary.target.label, summary.history.refused));
    if (!strategy) return undefined;
    const outcome = await withProgress(`Accepting ${ref.featureId} (${strategy})`, () =>
      orch.accept(ref.featureId, { ...options, strategy, expectSeq: summary.seq, isTrusted: deps.isTrusted }),
    );
    await reportOutcome(ref, outcome);
    return outcome;
  };

  return [
    reg(COMMANDS.runGates, 'Run gates', runGates),
    reg(COMMANDS.showGateOutput, 'Show gate output', showGateOutput),
    reg(COMMANDS.acceptFeature, 'Accept feature', accept),
  ];
}
