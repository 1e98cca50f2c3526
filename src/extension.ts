/**
 * Composition root: builds the core (one Orchestrator per repository of the workspace folders,
 * sharing one AgentManager), then the adapters, and registers every disposable. Returns a small
 * API for the integration tests. No domain logic here or in src/vscode.
 */
import * as vscode from 'vscode';
import type { AcceptOutcome } from './core/accept';
import { CheckpointContentProvider, EventLogContentProvider } from './vscode/content/checkpointContentProvider';
import { GateOutputContentProvider } from './vscode/content/gateOutput';
import { DiffOpener } from './vscode/content/diffs';
import { registerFeatureCommands } from './vscode/commands/featureCommands';
import { registerFeatureFileCommands } from './vscode/commands/featureFileCommands';
import { registerGateCommands } from './vscode/commands/gateCommands';
import { registerGuardCommands } from './vscode/commands/guardCommands';
import { registerRollbackCommands } from './vscode/commands/rollbackCommands';
import type { CommandDeps, ReviewOpener } from './vscode/commands/context';
import { Prompter } from './vscode/commands/ui';
import { OutsideChangeCodeActions, RevertFileCodeActions, ViolationDiagnostics } from './vscode/diagnostics/violationDiagnostics';
import { GateService } from './vscode/gates/gateService';
import { COMMANDS, CONTEXT, DISPLAY_NAME, SCHEMES, SETTINGS, SETTINGS_SECTION, VIEWS } from './vscode/ids';
import { ErrorReporter } from './vscode/platform/errors';
import { EditorSaves } from './vscode/platform/hostPorts';
import { defaultAgent } from './vscode/agents/agentChoice';
import { AgentFailureNotifier } from './vscode/agents/agentFailures';
import { PlanLanguage } from './vscode/plan/planLanguage';
import { OrchestratorReviewActions, OrchestratorReviewData } from './vscode/review/reviewAdapter';
import { FeatureScmManager } from './vscode/scm/featureScm';
import { affectsOurSettings, readSettings } from './vscode/settings';
import { OutsideChangesWatcher } from './vscode/status/outsideChanges';
import { AgentStatusBar } from './vscode/status/statusBar';
import { registerHealthCommand } from './vscode/supervision/health';
import { SupervisionHub } from './vscode/supervision/hub';
import { NeedsYouNotifier } from './vscode/supervision/needsYouNotifier';
import { NeedsYouView } from './vscode/supervision/needsYouView';
import { registerReviewCommentCommands, ReviewComments } from './vscode/supervision/reviewComments';
import { registerSupervisionCommands } from './vscode/supervision/supervisionCommands';
import { AgentTerminals } from './vscode/terminal/agentTerminals';
import { FeaturesTreeProvider } from './vscode/tree/featuresTree';
import { ReviewPanelManager } from './vscode/webview';
import { Registry } from './vscode/workspace/registry';

export interface AopApi {
  readonly version: string;
  /** Resolves once the workspace folders' repositories are open. */
  ready(): Promise<void>;
  readonly registry: Registry;
  readonly tree: FeaturesTreeProvider;
  readonly treeView: vscode.TreeView<unknown>;
  readonly diagnostics: ViolationDiagnostics;
  readonly plans: PlanLanguage;
  readonly scm: FeatureScmManager;
  readonly statusBar: AgentStatusBar;
  /** The git-folder warning and plan-file listener. */
  readonly outside: OutsideChangesWatcher;
  readonly reviews: ReviewPanelManager;
  /** "Needs you" across repositories, its view and its notifications. */
  readonly needsYou: { hub: SupervisionHub; view: NeedsYouView; treeView: vscode.TreeView<unknown>; notifier: NeedsYouNotifier };
  /** Review comments in the editor's diffs (tests create threads on its controller). */
  readonly reviewComments: ReviewComments;
  readonly gates: GateService;
  /** Tests only: confirmations answer themselves with their first choice. */
  readonly testing: { setAutoConfirm(on: boolean): void; lastConfirmation(): { message: string; detail: string } | undefined };
}

let registry: Registry | undefined;

export function activate(context: vscode.ExtensionContext): AopApi {
  const version = String(context.extension.packageJSON.version);
  const log = vscode.window.createOutputChannel(DISPLAY_NAME, { log: true });
  const errors = new ErrorReporter(log);
  const push = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  push(log);

  let current = readSettings();
  const reportProblems = () => {
    if (current.problems.length === 0) return;
    for (const p of current.problems) log.warn(p);
    void vscode.window.showWarningMessage(`${DISPLAY_NAME}: ${current.problems.length} setting(s) ignored: ${current.problems[0]}`, 'Open Settings', 'Show Log').then((c) => {
      if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'aop.');
      else if (c === 'Show Log') log.show(true);
    });
  };
  reportProblems();

  const saves = push(new EditorSaves());
  const reg = new Registry({
    settings: () => current.settings,
    log,
    isTrusted: () => vscode.workspace.isTrusted,
    // No askHuman: permission requests wait in Needs You, and its notifier asks (allow once / deny).
    isEditorSave: saves.isEditorSave,
    setupCommand: (root) => vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.Uri.file(root)).get<string>(SETTINGS.setupCommand),
  });
  registry = reg;
  push({ dispose: () => void reg.dispose() });

  // Gates run repository commands: never in an untrusted workspace (each orchestrator's isTrusted).
  const gates = push(new GateService(reg));
  const gateDocs = push(new GateOutputContentProvider(gates));
  push(vscode.workspace.registerTextDocumentContentProvider(SCHEMES.gateOutput, gateDocs));

  const diffs = new DiffOpener(reg);
  push(vscode.workspace.registerTextDocumentContentProvider(SCHEMES.checkpoint, new CheckpointContentProvider(reg)));
  const eventLogs = push(new EventLogContentProvider(reg));
  push(vscode.workspace.registerTextDocumentContentProvider(SCHEMES.eventLog, eventLogs));

  const tree = push(new FeaturesTreeProvider(reg, gates));
  const treeView = push(vscode.window.createTreeView(VIEWS.features, { treeDataProvider: tree, showCollapseAll: true }));
  const diagnostics = push(new ViolationDiagnostics(reg));
  const prompter = new Prompter();
  const plans = push(new PlanLanguage(log));
  push(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new RevertFileCodeActions(reg), { providedCodeActionKinds: RevertFileCodeActions.kinds }));
  push(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new OutsideChangeCodeActions(reg), { providedCodeActionKinds: OutsideChangeCodeActions.kinds }));
  const scm = push(new FeatureScmManager(reg, log));
  const terminals = push(new AgentTerminals(reg, log));
  push(new AgentFailureNotifier(reg, reg.agents));
  const outside = push(new OutsideChangesWatcher(reg, saves.isEditorSave));
  const hub = push(new SupervisionHub(reg));
  const needsYouView = push(new NeedsYouView(hub));
  const needsYouTree = push(vscode.window.createTreeView(VIEWS.needsYou, { treeDataProvider: needsYouView }));
  const updateBadge = () => {
    const n = needsYouView.current().length;
    needsYouTree.badge = n ? { value: n, tooltip: `${n} item(s) need you` } : undefined;
  };
  push(hub.onDidChange(updateBadge));
  const notifier = push(new NeedsYouNotifier(hub, () => current.mutedKinds));
  const statusBar = push(new AgentStatusBar(reg, hub));

  let foldersOpened: Promise<unknown> = Promise.resolve();
  const reviews = push(
    new ReviewPanelManager({
      extensionUri: context.extensionUri,
      data: new OrchestratorReviewData(reg, gates),
      actions: new OrchestratorReviewActions(reg, diffs, (ref) => defaultAgent({ ...ref, settings: current.settings, explicitDefault: current.defaultProvider }), {
        service: gates,
        showOutput: async (ref, gate) => void (await vscode.commands.executeCommand(COMMANDS.showGateOutput, { ...ref, gate })),
        accept: (ref) => Promise.resolve(vscode.commands.executeCommand<AcceptOutcome | undefined>(COMMANDS.acceptFeature, ref)),
        reviewOutside: async (ref, p, area) => void (await vscode.commands.executeCommand(COMMANDS.reviewOutsideChange, { repoRoot: ref.repoRoot, path: p, area })),
      }),
      logger: log,
      // Panels are restored as the window opens: their feature is found once the repositories are.
      refOf: async (id) => {
        await foldersOpened;
        return reg.uniqueRef(id);
      },
    }),
  );
  push(reviews.registerSerializer());
  const reviewOpener: ReviewOpener = { show: (ref) => void reviews.show(ref), close: (ref) => reviews.close(ref) };

  const deps: CommandDeps = {
    registry: reg,
    prompter,
    errors,
    log,
    diffs,
    terminals,
    scm,
    eventLogs,
    gates,
    gateDocs,
    review: () => reviewOpener,
    defaultProvider: () => current.defaultProvider,
    settings: () => current.settings,
    isTrusted: () => vscode.workspace.isTrusted,
    version,
  };
  for (const d of registerFeatureCommands(deps)) push(d);
  for (const d of registerRollbackCommands(deps)) push(d);
  for (const d of registerFeatureFileCommands(deps)) push(d);
  for (const d of registerGateCommands(deps)) push(d);
  for (const d of registerGuardCommands(deps)) push(d);
  for (const d of registerSupervisionCommands(deps, hub)) push(d);
  for (const d of registerHealthCommand(deps)) push(d);
  const reviewComments = push(new ReviewComments(deps, hub));
  for (const d of registerReviewCommentCommands(deps, hub, reviewComments)) push(d);
  push(vscode.commands.registerCommand(COMMANDS.refresh, () => tree.refresh()));

  push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsOurSettings(e)) return;
      current = readSettings();
      reg.applySettings();
      log.info('settings re-applied');
      reportProblems();
    }),
  );
  push(
    vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      void reg.removeFolders(e.removed).then(() => reg.addFolders(e.added));
    }),
  );
  push(vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()));

  // Opening repositories reads their features: after activation returns, not during it.
  const opened = reg.addFolders(vscode.workspace.workspaceFolders ?? []).then(() => {
    void vscode.commands.executeCommand('setContext', CONTEXT.ready, true);
    tree.refresh();
  });
  foldersOpened = opened;
  const plansChecked = opened.then(() => plans.checkAll()).catch((err: unknown) => log.warn(`Could not check the plans: ${String(err)}`));

  return {
    version,
    ready: () => Promise.all([opened, plansChecked]).then(() => reg.ready()),
    registry: reg,
    tree,
    treeView: treeView as vscode.TreeView<unknown>,
    diagnostics,
    plans,
    scm,
    statusBar,
    outside,
    reviews,
    gates,
    needsYou: { hub, view: needsYouView, treeView: needsYouTree as vscode.TreeView<unknown>, notifier },
    reviewComments,
    testing: {
      setAutoConfirm: (on) => {
        prompter.autoConfirm = on;
      },
      lastConfirmation: () => prompter.lastConfirmation,
    },
  };
}

/** Stops agents cleanly and closes watchers before the host goes away. */
export async function deactivate(): Promise<void> {
  const r = registry;
  registry = undefined;
  await r?.dispose();
}
