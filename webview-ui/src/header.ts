/** The feature's header: identity, agent and breaker state, queue position, and the actions the state allows. */
import { availableActions, type AvailableActions } from '../../src/shared/actions';
import type { AgentState, FeatureView } from '../../src/shared/viewModels';
import type { AppContext } from './context';
import { h, icon, replace } from './dom';
import type { ViewState } from './store';

const STATE_LOOK: Record<AgentState, { label: string; icon: string; tone: string }> = {
  idle: { label: 'Not started', icon: 'circle-large', tone: 'muted' },
  queued: { label: 'Queued', icon: 'watch', tone: 'muted' },
  starting: { label: 'Starting', icon: 'loading~spin', tone: 'info' },
  running: { label: 'Running', icon: 'play-circle', tone: 'ok' },
  paused: { label: 'Paused', icon: 'debug-pause', tone: 'warn' },
  stopping: { label: 'Stopping', icon: 'loading~spin', tone: 'muted' },
  exited: { label: 'Exited', icon: 'pass', tone: 'muted' },
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

export class Header {
  readonly element: HTMLElement;
  private readonly title = h('h1', { class: 'title' });
  private readonly pills = h('div', { class: 'pills' });
  private readonly meta = h('div', { class: 'meta' });
  private readonly buttons = new Map<AgentAction, HTMLElement>();
  private last: FeatureView | undefined;
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
    this.element = h('header', { class: 'header' }, h('div', { class: 'header-main' }, h('div', { class: 'title-row' }, this.title, this.pills), this.meta), bar);
  }

  update(s: ViewState): void {
    const f = s.feature;
    if (f === this.last && s.busy === this.lastBusy) return;
    this.last = f;
    this.lastBusy = s.busy;
    if (!f) return;
    replace(this.title, icon('git-pull-request-draft'), h('span', {}, f.title ?? f.id));
    const look = STATE_LOOK[f.agentState];
    const pills: HTMLElement[] = [
      h('span', { class: `pill tone-${look.tone}`, title: f.agentStateReason ?? '' }, icon(look.icon), `Agent: ${look.label}`),
    ];
    if (f.queuePosition !== undefined) pills.push(h('span', { class: 'pill tone-muted' }, icon('list-ordered'), `Queue position ${f.queuePosition}`));
    pills.push(
      f.breaker.state === 'open'
        ? h('span', { class: 'pill tone-error', title: (f.breaker.lastErrors ?? []).join('\n') }, icon('circuit-board'), `Circuit breaker open (${f.breaker.failures} failures)`)
        : h('span', { class: 'pill tone-muted', title: `${f.breaker.failures} consecutive failures` }, icon('circuit-board'), 'Breaker closed'),
    );
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
}
