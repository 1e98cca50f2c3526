/**
 * The review panel's front end: owns the state, talks to the host through HostClient, loads
 * what the selection needs (change set, then diff), and re-renders the views once per frame.
 */
import { MUTATING_REQUESTS, type RequestType } from '../../src/shared/protocol';
import type { Snapshot } from '../../src/shared/viewModels';
import { ChangesView } from './changesView';
import type { AppContext, Params } from './context';
import { h, icon, plural, replace } from './dom';
import { Header } from './header';
import { HostClient, RequestError } from './hostClient';
import { LogView } from './logView';
import { MessagesView } from './messagesView';
import { applySnapshot, applyUpdate, currentRange, initialState, rangeKey, type ViewState } from './store';
import { TimelineView } from './timelineView';
import { defaultUiState, restoreUiState, TABS, type UiState } from './uiState';
import { ViolationsView } from './violationsView';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Actions that change the feature; one at a time, and the buttons wait for it. */

export class App implements AppContext {
  state: ViewState;
  private readonly client: HostClient;
  private frame = 0;
  private changesTimer: ReturnType<typeof setTimeout> | undefined;
  private requestedLogTypes: string | undefined;
  private readonly header: Header;
  private readonly timeline: TimelineView;
  private readonly changes: ChangesView;
  private readonly violations: ViolationsView;
  private readonly messages: MessagesView;
  private readonly log: LogView;
  private readonly tabs: HTMLElement & { selectedIndex: number };
  private readonly tabBadges: HTMLElement[];
  private readonly status = h('div', { class: 'status-text' });
  private readonly layout: HTMLElement;
  private readonly unavailable = h('div', { class: 'placeholder unavailable', role: 'alert', hidden: true });
  /** Shown instead of the views when they may be out of date, with a reload. */
  private readonly staleNotice = h('div', { class: 'placeholder stale', role: 'alert', hidden: true });
  private readonly staleText = h('span', { class: 'stale-text' });

  constructor(
    root: HTMLElement,
    private readonly api: VsCodeApi,
  ) {
    const saved = restoreUiState(api.getState());
    this.state = initialState(saved ?? defaultUiState('pending'));
    this.client = new HostClient((m) => api.postMessage(m), {
      snapshot: (s) => this.onSnapshot(s),
      update: (u) => this.update((st) => applyUpdate(st, u)),
      unavailable: (message) => this.update((st) => ({ ...st, unavailable: message })),
      stale: (message) => this.update((st) => ({ ...st, stale: message })),
    });
    this.header = new Header(this);
    this.timeline = new TimelineView(this);
    this.changes = new ChangesView(this);
    this.violations = new ViolationsView(this);
    this.messages = new MessagesView(this);
    this.log = new LogView(this);

    const labels = ['Changes', 'Violations', 'Messages', 'Log'];
    const panels = [this.changes.element, this.violations.element, this.messages.element, this.log.element];
    this.tabBadges = labels.map(() => h('vscode-badge', { variant: 'counter', hidden: true }));
    this.tabs = h(
      'vscode-tabs',
      { class: 'tabs', panel: true },
      ...labels.flatMap((label, i) => [h('vscode-tab-header', { slot: 'header' }, label, this.tabBadges[i]!), h('vscode-tab-panel', { panel: true }, panels[i]!)]),
    ) as HTMLElement & { selectedIndex: number };
    this.tabs.addEventListener('vsc-tabs-select', (e) => {
      const tab = TABS[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex];
      if (tab && tab !== this.state.ui.tab) this.setUi({ tab });
    });
    this.layout = h(
      'div',
      { class: 'layout' },
      this.header.element,
      h('div', { class: 'body' }, this.timeline.element, h('main', { class: 'pane main-pane', 'aria-label': 'Review' }, this.tabs)),
    );
    const footer = h('footer', { class: 'statusbar', role: 'status', 'aria-live': 'polite' }, this.status);
    const reload = h('vscode-button', { class: 'reload', title: 'Ask the extension for the current state of the feature' }, icon('refresh'), 'Reload');
    reload.addEventListener('click', () => this.reload());
    replace(this.staleNotice, icon('error'), this.staleText, reload);
    replace(root, this.layout, this.unavailable, this.staleNotice, footer);
    root.removeAttribute('aria-busy');
    window.addEventListener('message', (e: MessageEvent) => this.client.receive(e.data));
    this.client.ready();
  }

  // ---- AppContext ------------------------------------------------------------------------

  setUi(patch: Partial<UiState>): void {
    this.update((s) => ({ ...s, ui: { ...s.ui, ...patch } }));
  }

  update(fn: (s: ViewState) => ViewState): void {
    const prev = this.state;
    this.state = fn(prev);
    if (this.state.ui !== prev.ui && this.state.feature) this.api.setState(this.state.ui);
    this.effects(prev);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  request<K extends RequestType>(type: K, params: Params<K>) {
    return this.client.request(type, params);
  }

  async runAction<K extends RequestType>(type: K, params: Params<K>, doneText: string): Promise<boolean> {
    const mutating = MUTATING_REQUESTS.has(type);
    if (mutating && this.state.busy) return false;
    if (mutating) this.update((s) => ({ ...s, busy: type, status: { kind: 'info', text: 'Working…' } }));
    try {
      const result = (await this.client.request(type, params)) as { status?: string; summary?: string };
      const done = result.status !== 'cancelled';
      const text = result.summary ?? (done ? doneText : 'Cancelled.');
      if (text) this.update((s) => ({ ...s, status: { kind: 'info', text } }));
      return done;
    } catch (err) {
      const text = err instanceof RequestError ? err.info.message : String(err);
      this.update((s) => ({ ...s, status: { kind: 'error', text } }));
      return false;
    } finally {
      if (mutating) this.update((s) => ({ ...s, busy: undefined }));
    }
  }

  /** Drops what the panel shows and asks the host for all of it again (its answer is a snapshot). */
  reload(): void {
    this.update((s) => ({ ...s, stale: undefined }));
    this.client.ready();
  }

  // ---- data flow -------------------------------------------------------------------------

  private onSnapshot(snap: Snapshot): void {
    // The snapshot's log is unfiltered; ask for a filtered one only when a filter is set.
    this.requestedLogTypes = this.state.ui.featureId === snap.feature.id && this.state.ui.logTypes.length ? undefined : '';
    this.update((s) => {
      // Saved UI state belongs to one feature; a different one starts fresh.
      const ui = s.ui.featureId === snap.feature.id ? s.ui : defaultUiState(snap.feature.id);
      return applySnapshot({ ...s, ui, changes: undefined, diff: undefined }, snap);
    });
    this.api.setState(this.state.ui);
  }

  /** Loads what the current selection needs, once per change of what it needs. */
  private effects(prev: ViewState): void {
    const s = this.state;
    if (!s.feature) return;
    const range = currentRange(s);
    const key = range ? rangeKey(range) : undefined;
    if (key !== s.changes?.key) {
      if (this.changesTimer) clearTimeout(this.changesTimer);
      this.changesTimer = undefined;
      if (!range || !key) {
        if (s.changes || s.diff) this.state = { ...s, changes: undefined, diff: undefined };
      } else {
        this.state = { ...s, changes: { key, loading: true, ...(s.changes?.value ? { value: s.changes.value } : {}) }, checked: new Set() };
        // Arrowing through the timeline asks only for where it stops.
        this.changesTimer = setTimeout(() => void this.loadChanges(key, range), 80);
      }
    }
    this.ensureDiff();
    const types = this.state.ui.logTypes.join(',');
    if (types !== this.requestedLogTypes && (prev.ui.logTypes !== this.state.ui.logTypes || this.requestedLogTypes === undefined)) {
      this.requestedLogTypes = types;
      void this.client.request('getLog', { types: [...this.state.ui.logTypes] }).then(
        (log) => {
          if (this.requestedLogTypes === types) this.update((st) => ({ ...st, log }));
        },
        (err: unknown) => this.update((st) => ({ ...st, status: { kind: 'error', text: `Could not filter the log: ${err instanceof Error ? err.message : String(err)}` } })),
      );
    }
  }

  private async loadChanges(key: string, range: NonNullable<ReturnType<typeof currentRange>>): Promise<void> {
    this.changesTimer = undefined;
    try {
      const set = await this.client.request('getChanges', { range });
      if (this.state.changes?.key !== key) return;
      this.update((s) => {
        const keep = s.ui.selectedPath !== undefined && set.files.some((f) => f.path === s.ui.selectedPath);
        const selectedPath = keep ? s.ui.selectedPath : set.files[0]?.path;
        return { ...s, changes: { key, loading: false, value: set }, diff: undefined, ui: { ...s.ui, selectedPath } };
      });
    } catch (err) {
      if (this.state.changes?.key !== key) return;
      const error = err instanceof RequestError ? err.info : { code: 'INTERNAL', message: String(err) };
      this.update((s) => ({ ...s, changes: { key, loading: false, error } }));
    }
  }

  private ensureDiff(): void {
    const s = this.state;
    const set = s.changes?.value;
    const path = s.ui.selectedPath;
    if (!set || s.changes?.loading || !path || !set.files.some((f) => f.path === path)) {
      if (s.diff && (!s.changes?.loading || !path)) this.state = { ...s, diff: undefined };
      return;
    }
    const key = `${s.changes!.key}|${path}`;
    if (s.diff?.key === key) return;
    this.state = { ...s, diff: { key, loading: true } };
    this.client.request('getDiff', { range: set.range, path }).then(
      (view) => {
        if (this.state.diff?.key === key) this.update((st) => ({ ...st, diff: { key, loading: false, value: view } }));
      },
      (err: unknown) => {
        const error = err instanceof RequestError ? err.info : { code: 'INTERNAL', message: String(err) };
        if (this.state.diff?.key === key) this.update((st) => ({ ...st, diff: { key, loading: false, error } }));
      },
    );
  }

  // ---- rendering -------------------------------------------------------------------------

  private render(): void {
    this.frame = 0;
    const s = this.state;
    const gone = s.unavailable !== undefined;
    const stale = !gone && s.stale !== undefined;
    this.layout.hidden = gone || stale || !s.feature;
    this.unavailable.hidden = !gone;
    if (gone) replace(this.unavailable, icon('warning'), s.unavailable);
    this.staleNotice.hidden = !stale;
    if (stale) this.staleText.textContent = s.stale ?? '';
    if (!s.feature) return;
    this.header.update(s);
    this.timeline.update(s);
    this.changes.update(s);
    this.violations.update(s);
    this.messages.update(s);
    this.log.update(s);
    const index = TABS.indexOf(s.ui.tab);
    if (this.tabs.selectedIndex !== index) this.tabs.selectedIndex = index;
    const counts = [s.changes?.value?.files.length, s.changes?.value?.violations.length, s.messages.length, undefined];
    counts.forEach((n, i) => {
      const badge = this.tabBadges[i]!;
      badge.hidden = !n;
      badge.textContent = n ? (n > 9999 ? '9999+' : String(n)) : '';
    });
    const busy = s.busy !== undefined;
    replace(
      this.status,
      busy ? h('vscode-progress-ring', { class: 'inline-ring', 'aria-label': 'Working' }) : null,
      s.status ? h('span', { class: s.status.kind === 'error' ? 'status-error' : '' }, icon(s.status.kind === 'error' ? 'error' : 'info'), s.status.text) : h('span', { class: 'muted' }, `${plural(s.checkpoints.length, 'checkpoint')} · ${plural(s.log.length, 'event')} shown`),
    );
  }
}
