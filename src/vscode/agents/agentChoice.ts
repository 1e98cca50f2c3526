/**
 * Choosing a feature's agent in the editor: a pick that says which agents are installed here and
 * where, the command line of a custom agent (asked, checked, stored with the feature), and the
 * default for a feature nobody chose for (one that can run). Detection and the default rule are
 * core's (src/core/agents/installed.ts).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { capabilitiesOf, capabilitySummary, defaultProvider, detectProviders, splitCommandLine, type ProviderAvailability, type ProviderConfigInput, type ProviderId } from '../../core/agents';
import { featurePaths } from '../../core/features';
import type { OrchestratorSettings } from '../../core/orchestrator';
import { errorMessage } from '../../core/util';

export interface AgentChoiceContext {
  repoRoot: string;
  featureId: string;
  settings: OrchestratorSettings;
  /** `aop.agents.defaultProvider` when set to a provider (not "auto"). */
  explicitDefault: ProviderId | undefined;
  /** The feature's own choice, when it has one. */
  current?: ProviderConfigInput;
}

const PLACEHOLDERS = ['{promptFile}', '{worktree}', '{featureId}'];

export function availableAgents(ctx: AgentChoiceContext): ProviderAvailability[] {
  return detectProviders({
    settings: ctx.settings.providers,
    ...(ctx.current ? { feature: ctx.current } : {}),
    hasScript: fs.existsSync(featurePaths(ctx.repoRoot, ctx.featureId).agentScript),
    featureId: ctx.featureId,
    cwd: ctx.repoRoot,
  });
}

export function defaultAgent(ctx: AgentChoiceContext): ProviderId {
  return defaultProvider(availableAgents(ctx), ctx.explicitDefault);
}

/** Why a custom command line will not do, or undefined when it will. */
export function commandLineProblem(line: string): string | undefined {
  if (!line.trim()) return 'Type the command that runs your agent, e.g. mytool --prompt-file {promptFile}';
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch (err) {
    return errorMessage(err);
  }
  const unknown = words.flatMap((w) => w.match(/\{[A-Za-z]+\}/g) ?? []).find((p) => !PLACEHOLDERS.includes(p));
  if (unknown) return `${unknown} is not a placeholder; use ${PLACEHOLDERS.join(', ')}`;
  return undefined;
}

/** Asks for a custom agent's command line (prefilled with the current one). */
export async function askCommandLine(featureId: string, current?: string): Promise<string | undefined> {
  const line = await vscode.window.showInputBox({
    title: `Feature ${featureId}: the agent's command line`,
    prompt: 'Runs in the feature\'s worktree, without a shell. {promptFile} is a file holding the spec (without it the spec goes to stdin); {worktree} and {featureId} are filled in too.',
    placeHolder: 'mytool --prompt-file {promptFile}',
    value: current ?? '',
    ignoreFocusOut: true,
    validateInput: commandLineProblem,
  });
  return line?.trim() || undefined;
}

interface AgentItem extends vscode.QuickPickItem {
  availability: ProviderAvailability;
}

const ICON: Record<ProviderAvailability['status'], string> = { installed: '$(pass)', missing: '$(circle-slash)', setup: '$(gear)' };
const RANK: Record<ProviderAvailability['status'], number> = { installed: 0, setup: 1, missing: 2 };

/**
 * Lets the person pick the agent, each row saying whether it is installed and where. A custom
 * command asks for its command line. Resolves to the feature's provider choice, or undefined.
 */
export async function pickAgent(title: string, ctx: AgentChoiceContext): Promise<ProviderConfigInput | undefined> {
  const available = availableAgents(ctx);
  const dflt = defaultProvider(available, ctx.explicitDefault);
  const items: AgentItem[] = [...available]
    .sort((a, b) => Number(b.id === dflt) - Number(a.id === dflt) || RANK[a.status] - RANK[b.status])
    .map((a) => ({
      label: `${ICON[a.status]} ${a.label}`,
      description: a.id === dflt ? 'default' : a.status === 'installed' ? 'installed' : a.status === 'missing' ? 'not installed' : undefined,
      detail: a.note,
      availability: a,
    }));
  const pick = await showWithCapabilities(items, title, ctx);
  if (!pick) return undefined;
  // Picking the custom command is choosing its command line: ask, prefilled with the current one.
  return configFor(pick.availability, ctx, true);
}

/** The provider choice for an availability; a custom agent without a command line (or `ask`) asks for one. */
export async function configFor(a: ProviderAvailability, ctx: AgentChoiceContext, ask = false): Promise<ProviderConfigInput | undefined> {
  if (a.id === 'custom') {
    const known = ctx.current?.provider === 'custom' ? ctx.current.template : ctx.settings.providers.custom?.template;
    const template = ask || a.status === 'setup' || !known ? await askCommandLine(ctx.featureId, known) : known;
    return template ? { provider: 'custom', template } : undefined;
  }
  // A CLI found only through its other transport is started through that one.
  const configured = ctx.settings.providers[a.id]?.transport;
  return a.transport && !configured && a.status === 'installed' ? { provider: a.id, transport: a.transport } : { provider: a.id };
}

/**
 * Shows the pick at once, then adds to each installed agent what it says it can do (its version,
 * ACP or plain, messages, resume, prompt content), as the probes answer (an ACP agent is started
 * and asked `initialize`, once per version of its executable).
 */
function showWithCapabilities(items: AgentItem[], title: string, ctx: AgentChoiceContext): Promise<AgentItem | undefined> {
  const qp = vscode.window.createQuickPick<AgentItem>();
  qp.title = title;
  qp.placeholder = 'Which agent works on this feature';
  qp.matchOnDetail = true;
  qp.ignoreFocusOut = true;
  qp.items = items;
  let open = true;
  for (const item of items) {
    void capabilitiesOf(item.availability, { settings: ctx.settings.providers[item.availability.id] ?? {} }).then((caps) => {
      if (!caps || !open) return;
      item.detail = `${item.availability.note} — ${capabilitySummary(caps)}`;
      const active = qp.activeItems;
      qp.items = [...items];
      qp.activeItems = active;
    });
  }
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0]);
      qp.hide();
    });
    qp.onDidHide(() => {
      open = false;
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}
