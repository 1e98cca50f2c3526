/**
 * The manifest (package.json) and src/vscode/ids.ts must agree: every command id is declared
 * and registered, menus name only declared commands, settings and views match. Plain Node: reads
 * package.json and the sources as text, imports only vscode-free modules.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeatureSummary } from '../../../src/core/orchestrator';
import { COMMANDS, CONTEXT, SCHEMES, SETTINGS, VIEW_CONTAINER, VIEWS, WALKTHROUGH, fullSettingKey } from '../../../src/vscode/ids';
import { featureContextValue } from '../../../src/shared/featureView';
import { PROVIDER_IDS, parseProviderConfig, providerConfigSchema } from '../../../src/core/agents';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(fs.readFileSync(p, 'utf8'));
  }
  return out;
}

type MenuItem = { command: string; when?: string; group?: string };

function menuItems(): MenuItem[] {
  return Object.values(contributes.menus as Record<string, MenuItem[]>).flat();
}

function feature(over: Partial<FeatureSummary>): FeatureSummary {
  return {
    id: 'f',
    repoRoot: '/r',
    status: 'active',
    breaker: { open: false, failures: 0, errors: [] },
    watch: { alive: true },
    checkpointCount: 0,
    violations: [],
    notSnapshotted: [],
    ...over,
  };
}

/** The `viewItem =~ /re/` of a menu entry, as a RegExp. */
function viewItemRegex(when: string | undefined): RegExp | undefined {
  const m = when?.match(/viewItem =~ \/(.+?)\/(?:\s|$)/);
  return m ? new RegExp(m[1]!) : undefined;
}

describe('manifest and ids.ts', () => {
  const declared: string[] = contributes.commands.map((c: { command: string }) => c.command);
  const ids = Object.values(COMMANDS) as string[];

  it('declares exactly the commands ids.ts names, each once, with a title and category', () => {
    assert.deepEqual([...declared].sort(), [...ids].sort());
    assert.equal(new Set(declared).size, declared.length, 'a command is declared twice');
    for (const c of contributes.commands) {
      assert.ok(c.title && c.category, `${c.command} needs a title and a category`);
    }
  });

  it('registers a handler for every command id', () => {
    const text = [fs.readFileSync(path.join(root, 'src/extension.ts'), 'utf8'), ...sources(path.join(root, 'src/vscode'))].join('\n');
    for (const [key, id] of Object.entries(COMMANDS)) {
      const registered = new RegExp(`(reg|registerCommand)\\(\\s*(deps,\\s*)?COMMANDS\\.${key}\\b`).test(text);
      assert.ok(registered, `${id} (COMMANDS.${key}) is declared but no handler is registered`);
    }
  });

  it('menus only name declared commands; commands needing arguments are hidden from the palette', () => {
    for (const m of menuItems()) assert.ok(declared.includes(m.command), `menu names undeclared command ${m.command}`);
    const hidden = new Set((contributes.menus.commandPalette as MenuItem[]).filter((m) => m.when === 'false').map((m) => m.command));
    for (const id of [COMMANDS.openCheckpointDiff, COMMANDS.compareWithWorktree, COMMANDS.revertFileToClean, COMMANDS.showGateOutput]) assert.ok(hidden.has(id), `${id} should be hidden from the palette`);
    assert.ok(!hidden.has(COMMANDS.rollbackToCheckpoint) && !hidden.has(COMMANDS.smartRollback) && !hidden.has(COMMANDS.newFeature));
    assert.ok(!hidden.has(COMMANDS.runGates) && !hidden.has(COMMANDS.acceptFeature), 'Run Gates and Accept Feature pick their feature in the palette');
  });

  it('declares the view container, view, welcome content and walkthrough that ids.ts names', () => {
    assert.equal(contributes.viewsContainers.activitybar[0].id, VIEW_CONTAINER);
    assert.deepEqual(contributes.views[VIEW_CONTAINER].map((v: { id: string }) => v.id), [VIEWS.needsYou, VIEWS.features]);
    const quiet = contributes.viewsWelcome.find((w: { view: string }) => w.view === VIEWS.needsYou);
    assert.ok(quiet && quiet.contents.includes(`command:${COMMANDS.pauseAll}`), 'the empty Needs you view says nothing waits and offers Pause All');
    const welcome = contributes.viewsWelcome.find((w: { when: string }) => w.when.includes(`!${CONTEXT.hasFeatures}`));
    assert.ok(welcome && welcome.contents.includes(`command:${COMMANDS.newFeature}`), 'the empty Features view offers "New Feature"');
    assert.equal(contributes.walkthroughs[0].id, WALKTHROUGH);
    for (const file of [contributes.viewsContainers.activitybar[0].icon, ...contributes.walkthroughs[0].steps.map((s: { media: { markdown: string } }) => s.media.markdown)]) {
      assert.ok(fs.existsSync(path.join(root, file)), `${file} is referenced by the manifest but missing`);
    }
  });

  it('declares exactly the settings ids.ts names, each with a description and a type', () => {
    const keys = Object.keys(contributes.configuration.properties).sort();
    assert.deepEqual(keys, Object.values(SETTINGS).map(fullSettingKey).sort());
    for (const [k, v] of Object.entries(contributes.configuration.properties as Record<string, { type?: string; description?: string; markdownDescription?: string }>)) {
      assert.ok(v.type, `${k} has no type`);
      assert.ok(v.description || v.markdownDescription, `${k} has no description`);
    }
  });

  it("each provider's settings in the manifest have exactly the keys the provider settings accept (no 'not allowed' on a working key)", () => {
    type Group = { properties?: Record<string, { properties?: Record<string, { properties: Record<string, unknown> }> }> };
    const groups: Group[] = [contributes.configuration].flat();
    const providers = groups
      .map((g) => g.properties?.[fullSettingKey(SETTINGS.providers)])
      .find(Boolean)!.properties!;
    assert.deepEqual(Object.keys(providers).sort(), [...PROVIDER_IDS].sort());
    const accepted = Object.keys(providerConfigSchema.shape).filter((k) => k !== 'provider' && k !== 'script');
    const customOnly = ['template', 'stdinMessages'];
    for (const id of PROVIDER_IDS) {
      const want = accepted.filter((k) => id === 'custom' || !customOnly.includes(k)).sort();
      assert.deepEqual(Object.keys(providers[id]!.properties).sort(), want, `aop.providers.${id}`);
    }
    // The sandbox's documented values are all accepted by both.
    const sandbox = JSON.stringify(providers.claude!.properties.sandbox);
    for (const v of [true, false, 'auto', { writable: ['/x'] }]) {
      assert.doesNotThrow(() => parseProviderConfig({ provider: 'claude', sandbox: v }));
      assert.ok(typeof v === 'boolean' ? sandbox.includes('"boolean"') : typeof v === 'string' ? sandbox.includes('"auto"') : sandbox.includes('"writable"'), JSON.stringify(v));
    }
  });

  it('is a workspace extension with limited support for untrusted workspaces, restoring review panels', () => {
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.description.length > 20);
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(fullSettingKey(SETTINGS.providers)));
    assert.ok(pkg.activationEvents.includes('onWebviewPanel:aop.review'));
    assert.equal(pkg.main, './out/extension.js');
    assert.ok(Object.values(SCHEMES).every((s) => /^[a-z][a-z0-9-]*$/.test(s)));
  });

  it("feature menus match the tree's contextValue: only the actions the state allows", () => {
    const shown = (f: FeatureSummary) => {
      const cv = featureContextValue(f);
      return new Set(
        (contributes.menus['view/item/context'] as MenuItem[])
          .filter((m) => viewItemRegex(m.when)?.test(cv))
          .map((m) => m.command),
      );
    };
    const running = shown(feature({ agentState: 'running', capabilities: { pause: true, messages: true } as FeatureSummary['capabilities'] }));
    assert.ok(running.has(COMMANDS.pauseAgent) && running.has(COMMANDS.stopAgent) && running.has(COMMANDS.sendMessage));
    assert.ok(!running.has(COMMANDS.startAgent) && !running.has(COMMANDS.resumeAgent));
    const paused = shown(feature({ agentState: 'paused', capabilities: { pause: true, messages: true } as FeatureSummary['capabilities'] }));
    assert.ok(paused.has(COMMANDS.resumeAgent) && !paused.has(COMMANDS.pauseAgent));
    const idle = shown(feature({}));
    assert.ok(idle.has(COMMANDS.startAgent) && idle.has(COMMANDS.rollbackToCheckpoint) && !idle.has(COMMANDS.stopAgent) && !idle.has(COMMANDS.smartRollback));
    assert.ok(idle.has(COMMANDS.runGates) && idle.has(COMMANDS.acceptFeature));
    const draft = shown(feature({ status: 'draft' }));
    assert.deepEqual([...draft].sort(), [COMMANDS.startAgent, COMMANDS.startAgentWith, COMMANDS.openSpec, COMMANDS.openPlan, COMMANDS.deleteDraft].sort());
    const archived = shown(feature({ status: 'archived', archived: { how: 'accepted', at: '2026-01-01T00:00:00.000Z' } }));
    assert.deepEqual([...archived].sort(), [COMMANDS.openSpec, COMMANDS.openPlan, COMMANDS.showEventLog, COMMANDS.removeArchived].sort());
    const broken = shown(feature({ violations: [{ kind: 'out_of_scope', severity: 'error', path: 'x', message: 'x' }], breaker: { open: true, failures: 3, errors: ['e'] } }));
    assert.ok(broken.has(COMMANDS.smartRollback) && broken.has(COMMANDS.resetBreaker));
  });

  it('Needs you rows offer exactly their item\'s actions, on the row and in its context menu', () => {
    const entries = (contributes.menus['view/item/context'] as MenuItem[]).filter((m) => m.when?.startsWith(`view == ${VIEWS.needsYou} `));
    // The row's contextValue, as needsYouView.needsYouContext builds it.
    const shown = (kind: string, actions: string[], inline: boolean) => {
      const cv = ['needsYou', kind, ...actions].join('+');
      const commands = new Set(entries.filter((m) => (m.group === undefined ? !inline : m.group.startsWith('inline') === inline) && viewItemRegex(m.when)?.test(cv)).map((m) => m.command));
      // Every row's context menu also opens it.
      assert.equal(commands.delete(COMMANDS.needsYouOpen), !inline, `Open is in the context menu of ${cv}, not on the row`);
      return commands;
    };
    for (const inline of [true, false]) {
      assert.deepEqual([...shown('permission', ['allow', 'deny'], inline)].sort(), [COMMANDS.needsYouAllow, COMMANDS.needsYouDeny].sort());
      assert.deepEqual([...shown('budget_reached', ['extend', 'accept', 'stop'], inline)].sort(), [COMMANDS.needsYouExtend, COMMANDS.needsYouAccept, COMMANDS.needsYouStop].sort());
      assert.deepEqual([...shown('turn_ended', [], inline)], []);
    }
  });

  it('gate rows of the tree offer running them, and their output when there is one', () => {
    const shownFor = (cv: string) =>
      new Set(
        (contributes.menus['view/item/context'] as MenuItem[])
          .filter((m) => {
            const re = viewItemRegex(m.when);
            return re ? re.test(cv) : m.when?.includes(`viewItem == ${cv}`);
          })
          .map((m) => m.command),
      );
    assert.deepEqual([...shownFor('gates')], [COMMANDS.runGates]);
    assert.deepEqual([...shownFor('gate+failed+hasOutput')].sort(), [COMMANDS.runGates, COMMANDS.showGateOutput].sort());
    assert.deepEqual([...shownFor('gate+missing')], [COMMANDS.runGates]);
    assert.ok(Object.values(SCHEMES).includes('aop-gate'));
  });
});
