/** What the views need from the app: the state, ways to change it, and the host. */
import type { RequestType, ResultOf, RequestOf } from '../../src/shared/protocol';
import type { ViewState } from './store';
import type { UiState } from './uiState';

export type Params<K extends RequestType> = Omit<RequestOf<K>, 'type' | 'requestId'>;

export interface AppContext {
  readonly state: ViewState;
  /** Changes the persisted UI state (selection, tab, modes). */
  setUi(patch: Partial<UiState>): void;
  update(fn: (s: ViewState) => ViewState): void;
  request<K extends RequestType>(type: K, params: Params<K>): Promise<ResultOf<K>>;
  /** Runs an action with a busy indicator and reports its outcome in the status line. */
  runAction<K extends RequestType>(type: K, params: Params<K>, doneText: string): Promise<boolean>;
}
