/** A feature's runtime record (`state.json`), validated on read and written atomically. */
import * as fs from 'node:fs/promises';
import { z } from 'zod';
import { providerConfigSchema } from '../agents/config';
import { writeFileAtomic } from '../util/atomicFile';
import { AopError } from '../util/errors';

export const featureStateSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  baseRef: z.string(),
  baseCommit: z.string(),
  branch: z.string(),
  worktree: z.string(),
  createdAt: z.string(),
  provider: providerConfigSchema.optional(),
  /** The agent state when last written (a live one is reported `interrupted` after a restart). */
  agentState: z.string().optional(),
  /** The agent's own id for its last conversation, to take it up again after a restart. */
  agentSession: z.object({ provider: z.string(), transport: z.enum(['acp', 'plain']), id: z.string().min(1).max(200) }).optional(),
  /** 'off': the user turned the sandbox off for this feature (it runs where bubblewrap works otherwise). */
  sandbox: z.enum(['auto', 'off']).optional(),
  breaker: z.object({ open: z.boolean(), failures: z.number(), errors: z.array(z.string()) }).default({ open: false, failures: 0, errors: [] }),
});

export type FeatureState = z.output<typeof featureStateSchema>;

export async function readFeatureState(file: string): Promise<FeatureState> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new AopError('NOT_FOUND', `No feature state at ${file}.`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AopError('INVALID_INPUT', `${file} is not valid JSON; restore it from the event log or delete the feature.`, { cause: e });
  }
  const r = featureStateSchema.safeParse(json);
  if (!r.success) throw new AopError('INVALID_INPUT', `${file}: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}

export function writeFeatureState(file: string, state: FeatureState): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n');
}
