/**
 * The feature's header: identity, agent and breaker state, queue position, the actions the state
 * allows, and the plan's gates at the latest checkpoint (each opens its output; "Run gates").
 */
import { availableActions, type AvailableActions } from '../../src/shared/actions';
import type { AgentState, FeatureView, GatesView, GateView } from '../../src/shared/viewModels';
import type { AppContext } from './context';
import { h, icon, plural, replace } from './dom';
import type { ViewState } from './store';

const STATE_LOOK: Record<AgentState, { label: string; icon: string; tone: string }> = {
  idle: { label: 'Not started', icon: 'circle-large', tone: 'muted' },
  queued: { label: 'Queued', icon: 'watch', tone: 'muted' },
  starting: { label: 'Starting', icon: 'loading~spin', tone: 'info' },
  running: { label: 'Running', icon: 'play-circle', tone: 'ok' },
  paused: { label: 'Paused', icon: 'debug-pause', tone: 'warn' },
  stopping: { label: 'Stopping', icon: 'loading~spin', tone: 'muted' },
  exited: { label: 'Finished', icon: 'pass', tone: 'muted' },
  failed: { label: 'Failed', icon: 'error', tone: 'error' },
  interrupted: { label: 'Interrupted', icon: 'debug-disconnect', tone: 'warn' },
};

type AgentAction = Exclude<keyof AvailableActions, 'sendMessage'>;
const ACTIONS: { key: AgentAction; label: string; icon: string; title: string; done: string }[] = [
  { key: 'start', label: 'Start', icon: 'play', title: 'Start the agent', done: 'Agent started' },
  { key: 'resume', label: 'Resume', icon: 'debug-continue', title: 'Resume the paused agent', done: 'Agent resumed' },
  { key: 'pause', label: 'Pause', icon: 'debug-pause', title: 'Pause the agent (its whole process group)', done: 'Agent paused' },
  { key: 'stop', label: 'Stop', icon: 'debug-stop', title: 'Stop the agent', done: 'Agent stopped' },
  { key: 'checkpointNow', label: 'Checkpoint', icon: 'save', title: 'Take a checkpoint of the worktree now', done: 'Checkpoint requested' },
];

const GATE_LOOK: Record<GateView['status'], { icon: string; tone: string; word: string }> = {
  passed: { icon: 'pass', tone: 'ok', word: 'passed' },
  failed: { icon: 'error', tone: 'error', word: 'failed' },
  missing: { icon: 'circle-large', tone: 'muted', word: 'not run' },
  running: { icon: 'loading~spin', tone: 'info', word: 'running' },
};

/** What a gate chip says when hovered or read out. */
/** The header's sandbox pill: what it says, and its tooltip (why, then what that costs or allows). */
export function sandboxPill(s: NonNullable<FeatureView['sandbox']>): { on: boolean; label: string; title: string } {
  const on = s.state === 'on';
  return { on, label: on ? 'Sandboxed' : s.state === 'off' ? 'Sandbox off' : 'Not sandboxed', title: `${s.reason}\n${s.detail}` };
}

export function gateTitle(g: GateView, seq: number): string {
  const req = g.required ? 'required for accept' : 'not required for accept';
  let what: string;
  if (g.status === 'passed' || g.status === 'failed') what = `${GATE_LOOK[g.status].word} on #${seq} (exit ${g.exitCode ?? 'none'}${g.durationMs !== undefined ? `, ${Math.round(g.durationMs)} ms` : ''})`;
  else if (g.status === 'running') what = `running on #${seq}`;
  else what = `not run on #${seq}${g.lastRun ? `; last run on #${g.lastRun.seq} ${g.lastRun.passed ? 'passed' : 'failed'}` : ''}`;
  return `Gate ${g.name}: ${what}; ${req}. Command: ${g.command}${g.hasOutput ? '. Click for its output.' : ''}`;
}

export class Header {
  readonly element: HTMLElement;
  private readonly title = h('h1', { class: 'title' });
  private readonly pills = h('div', { class: 'pills' });
  private readonly meta = h('div', { class: 'meta' });
  private readonly gates = h('div', { class: 'gates', role: 'group', 'aria-label': 'Gates', hidden: true });
  private readonly buttons = new Map<AgentAction, HTMLElement>();
  private readonly runGates: HTMLElement;
  private readonly accept: HTMLElement;
  private last: FeatureView | undefined;
  private lastGates: GatesView | undefined;
  private lastBusy: string | undefined = '';

  constructor(private readonly ctx: AppContext) {
    const bar = h('div', { class: 'header-actions', role: 'toolbar', 'aria-label': 'Agent actions' });
    for (const a of ACTIONS) {
      const b = h('vscode-button', { icon: a.icon, secondary: a.key !== 'start' && a.key !== 'resume', title: a.title, 'aria-label': a.title, hidden: true }, a.label);
      b.addEventListener('click', () => {
        if (b.hasAttribute('disabled')) return;
        void this.ctx.runAction(a.key, {}, a.done);
      });
      this.buttons.set(a.key, b);
      bar.append(b);
    }
    this.runGates = h('vscode-button', { icon: 'beaker', secondary: true, title: 'Run the plan\'s gates on the latest checkpoint', 'aria-label': 'Run gates', hidden: true }, 'Run gates');
    this.runGates.addEventListener('click', () => {
      if (!this.runGates.hasAttribute('disabled')) void this.ctx.runAction('runGates', { names: [] }, 'Gates ran');
    });
    bar.append(this.runGates);
    const accept = h('vscode-button', { icon: 'git-merge', secondary: true, title: 'Accept the feature: review the summary, then land it on its base', 'aria-label': 'Accept feature' }, 'Accept…');
    accept.addEventListener('click', () => {
      if (!accept.hasAttribute('disabled')) void this.ctx.runAction('acceptFeature', {}, 'Accepted');
    });
    this.accept = accept;
    bar.append(accept);
    this.element = h('header', { class: 'header' }, h('div', { class: 'header-main' }, h('div', { class: 'title-row' }, this.title, this.pills), this.meta, this.gates), bar);
  }

  update(s: ViewState): void {
    const f = s.feature;
    if (f === this.last && s.busy === this.lastBusy && s.gates === this.lastGates) return;
    this.last = f;
    this.lastBusy = s.busy;
    this.lastGates = s.gates;
    if (!f) return;
    this.renderGates(s.gates, s.busy !== undefined);
    this.accept.toggleAttribute('disabled', s.busy !== undefined);
    replace(this.title, icon('git-pull-request-draft'), h('span', {}, f.title ?? f.id));
    const look = STATE_LOOK[f.agentState];
    const pills: HTMLElement[] = [
      h('span', { class: `pill tone-${look.tone}`, title: f.agentStateReason ?? '' }, icon(look.icon), `Agent: ${look.label}`),
    ];
    if (f.queuePosition !== undefined) pills.push(h('span', { class: 'pill tone-muted' }, icon('list-ordered'), `Queue position ${f.queuePosition}`));
    if (f.sandbox) {
      const p = sandboxPill(f.sandbox);
      pills.push(h('span', { class: `pill tone-${p.on ? 'ok' : 'warn'}`, 'data-sandbox': f.sandbox.state, title: p.title }, icon(p.on ? 'shield' : 'unlock'), p.label));
    }
    // Said only when it matters: checkpoints failing, or the agent held because they did.
    if (f.breaker.state === 'open') {
      pills.push(h('span', { class: 'pill tone-error', title: (f.breaker.lastErrors ?? []).join('\n') }, icon('error'), `Held after ${plural(f.breaker.failures, 'checkpoint failure')}`));
    } else if (f.breaker.failures > 0) {
      pills.push(h('span', { class: 'pill tone-warn', title: (f.breaker.lastErrors ?? []).join('\n') }, icon('warning'), `${plural(f.breaker.failures, 'checkpoint failure')} in a row`));
    }
    replace(this.pills, ...pills);
    replace(
      this.meta,
      h('span', { class: 'meta-item', title: 'Feature branch' }, icon('git-branch'), f.branch),
      h('span', { class: 'meta-item', title: 'Base' }, icon('git-commit'), `base ${f.base}${f.baseCommit ? ` (${f.baseCommit.slice(0, 7)})` : ''}`),
      h('span', { class: 'meta-item', title: 'Agent provider' }, icon('hubot'), f.provider),
      f.title ? h('span', { class: 'meta-item', title: 'Feature id' }, icon('tag'), f.id) : null,
    );
    const allowed = availableActions(f);
    for (const [key, b] of this.buttons) {
      b.toggleAttribute('hidden', !allowed[key]);
      b.toggleAttribute('disabled', s.busy !== undefined);
    }
  }

  private renderGates(g: GatesView | undefined, busy: boolean): void {
    const gates = g?.gates ?? [];
    this.gates.hidden = gates.length === 0;
    this.runGates.toggleAttribute('hidden', gates.length === 0);
    this.runGates.toggleAttribute('disabled', busy || gates.some((x) => x.status === 'running'));
    if (!g || gates.length === 0) {
      replace(this.gates);
      return;
    }
    const chips = gates.map((x) => {
      const look = GATE_LOOK[x.status];
      const title = gateTitle(x, g.seq);
      const chip = h(
        'button',
        { class: `gate-chip tone-${look.tone}${x.required ? ' required' : ''}`, type: 'button', title, 'aria-label': title, disabled: !x.hasOutput, 'data-gate': x.name, 'data-status': x.status },
        icon(look.icon),
        x.name,
      );
      chip.addEventListener('click', () => void this.ctx.runAction('openGateOutput', { name: x.name }, ''));
      return chip;
    });
    replace(this.gates, h('span', { class: 'gates-label', title: 'Gates count only for the exact checkpoint they ran on' }, icon('beaker'), `Gates on #${g.seq}`), ...chips);
  }
}
