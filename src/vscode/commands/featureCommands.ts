/** Feature and agent commands: new, start/pause/resume/stop, message, checkpoint, delete, log, breaker. */
import { plural } from '../../shared/words';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProviderConfigInput } from '../../core/agents';
import { featurePaths } from '../../core/features';
import type { Orchestrator } from '../../core/orchestrator';
import { AopError, isFeatureId } from '../../core/util';
import { availableAgents, configFor, defaultAgent, pickAgent, type AgentChoiceContext } from '../agents/agentChoice';
import { COMMANDS, SCHEMES } from '../ids';
import { ensurePlan } from '../plan/planGate';
import { pickScope } from '../plan/scopePicker';
import { featureActions } from '../../shared/featureView';
import type { FeatureRef } from '../workspace/registry';
import { registerCommand, withProgress, type CommandDeps } from './context';
import { featureFromArg, isRecord, refFromArg } from './featureArgs';

const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

function str(arg: unknown, key: string): string | undefined {
  return isRecord(arg) && typeof arg[key] === 'string' ? (arg[key] as string) : undefined;
}

export function registerFeatureCommands(deps: CommandDeps): vscode.Disposable[] {
  const { registry } = deps;
  const reg = (id: Parameters<typeof registerCommand>[1], title: string, fn: (...args: unknown[]) => unknown) => registerCommand(deps, id, title, fn);

  const pickRepository = async (arg: unknown): Promise<Orchestrator | undefined> => {
    const given = str(arg, 'repoRoot');
    const repos = registry.repositories();
    if (given) return registry.get(given) ?? Promise.reject(new AopError('NOT_FOUND', `The repository ${given} is not open in this window.`));
    if (repos.length === 0) throw new AopError('NOT_FOUND', 'Open a folder inside a git repository to create features.');
    if (repos.length === 1) return repos[0];
    const pick = await vscode.window.showQuickPick(
      repos.map((o) => ({ label: path.basename(o.repoRoot), description: o.repoRoot, o })),
      { title: 'New feature: repository' },
    );
    return pick?.o;
  };

  const pickBase = async (orch: Orchestrator, title: string): Promise<string | undefined> => {
    const items = (await orch.baseRefCandidates()).map((c) => ({ label: c.name, description: `${c.commit}${c.current ? ' · current' : ''}`, detail: c.subject }));
    if (items.length === 0) return 'HEAD';
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Branch or tag the feature starts from' });
    return pick?.label;
  };

  const agentContext = (repoRoot: string, featureId: string, current?: ProviderConfigInput): AgentChoiceContext => ({
    repoRoot,
    featureId,
    settings: deps.settings(),
    explicitDefault: deps.defaultProvider(),
    ...(current ? { current } : {}),
  });

  const pickSpec = async (orch: Orchestrator, id: string): Promise<string | undefined | null> => {
    const existing = featurePaths(orch.repoRoot, id).spec;
    const hasDraft = await fs
      .access(existing)
      .then(() => true)
      .catch(() => false);
    type Choice = { label: string; how: 'draft' | 'type' | 'file' | 'template' };
    const choices: Choice[] = [
      ...(hasDraft ? [{ label: '$(file) Use the existing spec.md', how: 'draft' as const }] : []),
      { label: '$(edit) Type a short spec now', how: 'type' },
      { label: '$(folder-opened) Choose a markdown file…', how: 'file' },
      { label: '$(new-file) Start from a template (edit spec.md afterwards)', how: 'template' },
    ];
    const pick = await vscode.window.showQuickPick(choices, { title: `New feature ${id}: spec` });
    if (!pick) return null;
    if (pick.how === 'draft') return undefined;
    if (pick.how === 'type') {
      const text = await vscode.window.showInputBox({ title: `New feature ${id}: what should the agent do?`, prompt: 'One or two sentences; you can edit spec.md later', validateInput: (v) => (v.trim() ? undefined : 'Write what the agent should do') });
      return text === undefined ? null : `# ${id}\n\n${text.trim()}\n`;
    }
    if (pick.how === 'file') {
      const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Markdown: ['md', 'markdown', 'txt'] }, defaultUri: vscode.Uri.file(orch.repoRoot) });
      if (!uris?.[0]) return null;
      return Buffer.from(await vscode.workspace.fs.readFile(uris[0])).toString('utf8');
    }
    return `# ${id}\n\n## Goal\n\nDescribe what the agent should build.\n\n## Constraints\n\n- Stay within the paths allowed by plan.yaml.\n`;
  };

  const newFeature = async (arg?: unknown) => {
    const orch = await pickRepository(arg);
    if (!orch) return undefined;
    const existing = new Set(orch.list().filter((f) => f.status === 'active').map((f) => f.id));
    const id =
      str(arg, 'featureId') ??
      (await vscode.window.showInputBox({
        title: 'New feature: id',
        prompt: 'Lowercase letters, digits, - and _ (the branch will be aop/<id>)',
        validateInput: (v) => (!isFeatureId(v) ? 'Use 1-64 lowercase letters, digits, - or _, starting with a letter or digit' : existing.has(v) ? `Feature "${v}" already exists` : undefined),
      }));
    if (!id) return undefined;
    const baseRef = str(arg, 'baseRef') ?? (await pickBase(orch, `New feature ${id}: base`));
    if (!baseRef) return undefined;
    let spec: string | undefined | null = str(arg, 'spec');
    if (spec === undefined && !isRecord(arg)) spec = await pickSpec(orch, id);
    if (spec === null) return undefined;
    // The scope becomes a commented plan.yaml (a plan already drafted for this id is kept).
    let planYaml = str(arg, 'planYaml');
    if (planYaml === undefined && !isRecord(arg) && !(await exists(featurePaths(orch.repoRoot, id).plan))) {
      planYaml = await pickScope(orch.repoRoot, id, baseRef);
      if (planYaml === undefined) return undefined;
    }
    let provider: ProviderConfigInput | undefined = isRecord(arg) && isRecord(arg.provider) ? (arg.provider as ProviderConfigInput) : undefined;
    if (!provider && !isRecord(arg)) {
      provider = await pickAgent(`New feature ${id}: agent`, agentContext(orch.repoRoot, id));
      if (!provider) return undefined;
    }
    const summary = await withProgress(`Creating feature ${id} (worktree on ${baseRef})`, () =>
      orch.createFeature({ id, baseRef, ...(spec !== undefined ? { spec } : {}), ...(planYaml !== undefined ? { planYaml } : {}), ...(provider ? { provider } : {}) }),
    );
    if (!isRecord(arg)) {
      const specUri = vscode.Uri.file(featurePaths(orch.repoRoot, id).spec);
      void vscode.window.showTextDocument(specUri, { preview: true }).then(undefined, () => undefined);
      void vscode.window.showInformationMessage(`Feature ${id} is ready on branch ${summary.branch}. Its plan.yaml says what the agent may change.`, 'Start Agent', 'Open Plan').then((c) => {
        if (c === 'Start Agent') void vscode.commands.executeCommand(COMMANDS.startAgent, { repoRoot: orch.repoRoot, featureId: id });
        else if (c === 'Open Plan') void vscode.window.showTextDocument(vscode.Uri.file(featurePaths(orch.repoRoot, id).plan)).then(undefined, () => undefined);
      });
    }
    return summary;
  };

  const needsTrust = (what: string) => {
    if (!deps.isTrusted()) throw new AopError('UNTRUSTED', `${what}: agents do not run in an untrusted workspace (viewing works). Trust the workspace first.`);
  };

  const startAgent = async (arg?: unknown, choose = false) => {
    needsTrust('Start agent');
    const ref = await featureFromArg(registry, arg, 'start', (f) => featureActions(f).start);
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    let f = orch.summary(ref.featureId);
    if (f.status === 'draft') {
      // A person (palette, tree) picks the base; a programmatic call without one starts from HEAD.
      const byPerson = arg === undefined || typeof arg === 'string' || (isRecord(arg) && 'kind' in arg);
      const baseRef = str(arg, 'baseRef') ?? (byPerson ? await pickBase(orch, `Start ${ref.featureId}: base`) : 'HEAD');
      if (!baseRef) return undefined;
      f = await withProgress(`Creating the worktree of ${ref.featureId}`, () => orch.createFeature({ id: ref.featureId, baseRef }));
    }
    if (!(await ensurePlan(orch.repoRoot, ref.featureId, f.baseCommit ?? 'HEAD'))) return undefined;
    let provider: ProviderConfigInput | undefined = isRecord(arg) && isRecord(arg.provider) ? (arg.provider as ProviderConfigInput) : undefined;
    const current = f.status === 'active' ? (orch.providerConfig(ref.featureId)) : undefined;
    if (!provider && choose) {
      provider = await pickAgent(`Start ${ref.featureId} with`, agentContext(orch.repoRoot, ref.featureId, current));
      if (!provider) return undefined;
    }
    if (!provider) {
      // The feature's own choice, else the default (one that can run); a custom agent without a command line asks for one.
      const ctx = agentContext(orch.repoRoot, ref.featureId, current);
      const id = current?.provider ?? defaultAgent(ctx);
      const needsLine = id === 'custom' && !(current?.provider === 'custom' ? current.template : undefined) && !deps.settings().providers.custom?.template;
      if (needsLine || !current) {
        const available = availableAgents(ctx).find((a) => a.id === id)!;
        provider = await configFor(available, ctx);
        if (!provider) return undefined;
      }
    }
    const session = await orch.startAgent(ref.featureId, provider);
    deps.terminals.follow(ref);
    return session.state;
  };

  const session = async (arg: unknown, what: string, allowed: (f: ReturnType<typeof featureActions>) => boolean) => {
    const ref = await featureFromArg(registry, arg, what, (f) => allowed(featureActions(f)));
    return ref ? { ref, orch: registry.resolve(ref) } : undefined;
  };

  const sendMessage = async (arg?: unknown) => {
    const fromScm = isRecord(arg) && arg.fromScmInput === true;
    const s = await session(arg, 'message', (a) => a.sendMessage);
    if (!s) return undefined;
    const box = fromScm ? deps.scm.get(s.ref)?.inputBox : undefined;
    const text = str(arg, 'text') ?? (box ? box.value : await vscode.window.showInputBox({ title: `Message to the agent of ${s.ref.featureId}`, prompt: 'Queued until the agent takes it; you will see when it is acknowledged' }));
    if (!text?.trim()) return undefined;
    const rec = s.orch.sendMessage(s.ref.featureId, text);
    if (box) box.value = '';
    // Say where it stands: a paused agent takes it only once resumed.
    if (s.orch.summary(s.ref.featureId).agentState === 'paused') {
      void vscode.window.showInformationMessage(`Message queued: the agent of ${s.ref.featureId} is paused and gets it when you resume it.`, 'Resume Agent').then((c) => {
        if (c) void vscode.commands.executeCommand(COMMANDS.resumeAgent, s.ref);
      });
    } else void vscode.window.setStatusBarMessage(`Message sent to the agent of ${s.ref.featureId}; the review panel shows when it is acknowledged`, 5000);
    return rec;
  };

  const deleteFeature = async (arg?: unknown) => {
    const ref = await featureFromArg(registry, arg, 'delete', (f) => f.status === 'active');
    if (!ref) return undefined;
    const orch = registry.resolve(ref);
    const f = orch.summary(ref.featureId);
    const keep = 'Delete, Keep Branch and Checkpoints';
    const all = 'Delete Everything';
    const choice = isRecord(arg) && typeof arg.deleteBranchAndRefs === 'boolean' && deps.prompter.autoConfirm
      ? arg.deleteBranchAndRefs ? all : keep
      : await deps.prompter.confirm(
          `Delete feature ${ref.featureId}?`,
          `Stops its agent, takes a final checkpoint and removes the worktree ${f.worktree}.\n\nKeeping the branch ${f.branch} and refs/aop/${ref.featureId}/* lets you recover the work later; "Delete Everything" removes them too. spec.md and plan.yaml stay.`,
          keep,
          all,
        );
    if (!choice) return undefined;
    deps.review()?.close(ref);
    const r = await withProgress(`Deleting feature ${ref.featureId}`, () => orch.deleteFeature(ref.featureId, { deleteBranchAndRefs: choice === all }));
    void vscode.window.showInformationMessage(
      choice === all ? `Feature ${ref.featureId} deleted.` : `Feature ${ref.featureId} deleted; its work is kept on ${f.branch}${r.finalSeq ? ` and in checkpoint ${r.finalSeq}` : ''}.`,
    );
    return r;
  };

  const showEventLog = async (arg?: unknown) => {
    const ref = await featureFromArg(registry, arg, 'show the event log of');
    if (!ref) return undefined;
    registry.resolve(ref);
    const uri = vscode.Uri.from({ scheme: SCHEMES.eventLog, path: `/${ref.featureId}.jsonl`, query: new URLSearchParams({ repo: ref.repoRoot }).toString() });
    deps.eventLogs.refresh(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const shown = await vscode.languages.setTextDocumentLanguage(doc, 'jsonl').then(undefined, () => doc);
    // The latest events are what a person comes for: open at the end.
    const end = new vscode.Position(Math.max(0, shown.lineCount - 1), 0);
    await vscode.window.showTextDocument(shown, { preview: true, selection: new vscode.Range(end, end) });
    return uri;
  };

  const openReview = async (arg?: unknown) => {
    const ref = await featureFromArg(registry, arg, 'review', (f) => f.status === 'active');
    if (!ref) return undefined;
    registry.resolve(ref).summary(ref.featureId);
    const review = deps.review();
    if (!review) throw new AopError('NOT_FOUND', 'The review panel is not available in this build.');
    review.show(ref);
    return ref;
  };

  const refOf = (arg: unknown): FeatureRef | undefined => refFromArg(registry, arg);

  return [
    reg(COMMANDS.showVersion, 'Show version', () => vscode.window.showInformationMessage(`Agent Orchestrator ${deps.version}`)),
    reg(COMMANDS.newFeature, 'New feature', newFeature),
    reg(COMMANDS.startAgent, 'Start agent', (arg) => startAgent(arg)),
    reg(COMMANDS.startAgentWith, 'Start agent', (arg) => startAgent(arg, true)),
    reg(COMMANDS.pauseAgent, 'Pause agent', async (arg) => {
      const s = await session(arg, 'pause', (a) => a.pause);
      if (!s) return undefined;
      s.orch.pauseAgent(s.ref.featureId);
      return s.orch.summary(s.ref.featureId).agentState;
    }),
    reg(COMMANDS.resumeAgent, 'Resume agent', async (arg) => {
      needsTrust('Resume agent');
      const s = await session(arg, 'resume', (a) => a.resume);
      if (!s) return undefined;
      s.orch.resumeAgent(s.ref.featureId);
      return s.orch.summary(s.ref.featureId).agentState;
    }),
    reg(COMMANDS.stopAgent, 'Stop agent', async (arg) => {
      const s = await session(arg, 'stop', (a) => a.stop);
      if (!s) return undefined;
      await withProgress(`Stopping the agent of ${s.ref.featureId}`, () => s.orch.stopAgent(s.ref.featureId));
      return s.orch.summary(s.ref.featureId).agentState;
    }),
    reg(COMMANDS.sendMessage, 'Send message', sendMessage),
    reg(COMMANDS.checkpointNow, 'Checkpoint now', async (arg) => {
      const ref = await featureFromArg(registry, arg, 'checkpoint', (f) => f.status === 'active');
      if (!ref) return undefined;
      const orch = registry.resolve(ref);
      const rec = await withProgress(`Checkpointing ${ref.featureId}`, () => orch.checkpointNow(ref.featureId));
      void vscode.window.setStatusBarMessage(rec ? `Checkpoint #${rec.seq} of ${ref.featureId}: ${plural(rec.files.length, 'file')}` : `${ref.featureId}: nothing changed since the last checkpoint`, 4000);
      return rec;
    }),
    reg(COMMANDS.deleteFeature, 'Delete feature', deleteFeature),
    reg(COMMANDS.showEventLog, 'Show event log', showEventLog),
    reg(COMMANDS.resetBreaker, 'Clear checkpoint failures', async (arg) => {
      const ref = await featureFromArg(registry, arg, 'clear the checkpoint failures of', (f) => f.breaker.open || f.breaker.failures > 0);
      if (!ref) return undefined;
      await registry.resolve(ref).resetBreaker(ref.featureId);
      void vscode.window.setStatusBarMessage(`Checkpoint failures of ${ref.featureId} cleared: its agent can be resumed`, 4000);
      return true;
    }),
    reg(COMMANDS.openReview, 'Open review', openReview),
    reg(COMMANDS.showAgentOutput, 'Show agent output', async (arg) => {
      const ref = refOf(arg) ?? (await featureFromArg(registry, arg, 'show the output of', (f) => f.agentState !== undefined));
      if (!ref) return undefined;
      if (!deps.terminals.show(ref)) void vscode.window.showInformationMessage(`The agent of ${ref.featureId} has not run in this window yet.`);
      return ref;
    }),
    reg(COMMANDS.showLog, 'Show log', () => deps.log.show(true)),
  ];
}
