/**
 * The small UI state the webview keeps across reloads (vscode.getState/setState). What comes
 * back from getState is validated like any other input; anything odd resets to defaults.
 * `v` and `featureId` are what the host's serializer reads to rebuild the panel.
 */
import { z } from 'zod';
import { persistedStateSchema, relPathSchema } from '../../src/shared/protocol';
import { EVENT_TYPES, seqSchema } from '../../src/shared/viewModels';

export const TABS = ['changes', 'violations', 'messages', 'log'] as const;
export type Tab = (typeof TABS)[number];

export const uiStateSchema = persistedStateSchema.extend({
  tab: z.enum(TABS),
  /** The checkpoint whose changes are shown; undefined follows the newest. */
  selectedSeq: seqSchema.optional(),
  /** A second checkpoint: the changes between the two are shown. */
  compareSeq: seqSchema.optional(),
  /** `base`: everything since the base, up to the selected (or newest) checkpoint. */
  scope: z.enum(['checkpoint', 'base']),
  selectedPath: relPathSchema.optional(),
  diffMode: z.enum(['unified', 'split']),
  logTypes: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length),
  draft: z.string().max(16 * 1024),
});
export type UiState = z.infer<typeof uiStateSchema>;

export function defaultUiState(featureId: string): UiState {
  return { v: 1, featureId, tab: 'changes', scope: 'checkpoint', diffMode: 'unified', logTypes: [], draft: '' };
}

/** The saved state if it is valid and for this feature (or any, when the id is not yet known). */
export function restoreUiState(saved: unknown, featureId?: string): UiState | undefined {
  const parsed = uiStateSchema.safeParse(saved);
  if (!parsed.success) return undefined;
  if (featureId !== undefined && parsed.data.featureId !== featureId) return undefined;
  return parsed.data;
}
