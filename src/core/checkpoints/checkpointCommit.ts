/**
 * The text of a checkpoint commit, written and read in one place: the message names the
 * feature, number and trigger; the header's parent is what retention rewrites.
 */
import { CHECKPOINT_TRIGGERS, type CheckpointTrigger } from '../model/types';

const AUTHOR = 'Agent Orchestrator <aop@localhost>';
const PARENT = /^parent ([0-9a-f]+)$/m;
const MESSAGE = /^aop checkpoint \S+ \(([a-z-]+)\)$/m;

export function checkpointCommitText(tree: string, parent: string, featureId: string, seq: number, trigger: CheckpointTrigger, now = Date.now()): string {
  const when = `${Math.floor(now / 1000)} +0000`;
  return `tree ${tree}\nparent ${parent}\nauthor ${AUTHOR} ${when}\ncommitter ${AUTHOR} ${when}\n\naop checkpoint ${featureId}#${seq} (${trigger})\n`;
}

/** What a checkpoint commit says about itself (fields absent when the text does not say). */
export function readCheckpointCommit(text: string): { parent?: string; trigger?: CheckpointTrigger } {
  const parent = PARENT.exec(text)?.[1];
  const t = MESSAGE.exec(text)?.[1];
  const trigger = (CHECKPOINT_TRIGGERS as readonly string[]).includes(t ?? '') ? (t as CheckpointTrigger) : undefined;
  return { parent, trigger };
}

/** The same commit under another parent (same tree, author and message). */
export function reparentCommit(text: string, parent: string): string {
  return text.replace(PARENT, `parent ${parent}`);
}
