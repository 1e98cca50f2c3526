/**
 * What the "model" does, said once for all three wire formats: a scenario is a list of turns
 * (one per user prompt), each a list of steps (one per model response). A step answers with
 * text, tool calls (write, edit, delete a file, run a shell command), usage figures, an error,
 * or holds its answer until the test releases a named gate.
 *
 * Which step a request gets is read from the request itself, so a CLI's retries and extra
 * requests cannot desynchronise it: the double names every tool call `aop_<turn>_<step>_<n>`,
 * the CLI sends those ids back with the results, and the highest one seen after the last
 * prompt says where the conversation is.
 */

export type ToolCall =
  | { write: { path: string; content: string } }
  | { edit: { path: string; oldText: string; newText: string } }
  | { delete: { path: string } }
  /** `escalate`: Codex runs it outside its sandbox, which it asks permission for. */
  | { shell: { command: string; escalate?: boolean } };

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface Step {
  text?: string;
  calls?: ToolCall[];
  usage?: Usage;
  /** The answer waits until `double.release(name)`. */
  hold?: string;
  /** Answer with this HTTP error instead (e.g. 400 invalid request, 401 unauthenticated). */
  error?: { status: number; message: string };
}

export interface Turn {
  /** Picks this turn for a prompt containing the text (else turns go in order). */
  match?: string;
  steps: Step[];
}

export interface Scenario {
  turns: Turn[];
  /** What a turn says once its steps are used up (default "Done."). */
  doneText?: string;
}

export const DEFAULT_USAGE: Usage = { inputTokens: 100, outputTokens: 20 };

/** A model request, read from any wire format. */
export interface Conversation {
  /** User prompt texts, in order (messages holding only tool results are not prompts). */
  prompts: string[];
  /** Ids of tool calls answered after the last prompt. */
  answeredCallIds: string[];
  /** Whether the request offers tools at all (side requests, like titles, do not). */
  offersTools: boolean;
}

export interface Reply {
  turn: number;
  step: number;
  /** The step to play, or undefined when the turn is over (answer `doneText`, end the turn). */
  play: Step | undefined;
}

const CALL_ID = /^aop_(\d+)_(\d+)_\d+/;

export function callId(turn: number, step: number, n: number): string {
  return `aop_${turn}_${step}_${n}`;
}

/** Where the conversation stands: the turn and the step to answer with. */
export function choose(scenario: Scenario, conv: Conversation): Reply {
  let last: { turn: number; step: number } | undefined;
  for (const id of conv.answeredCallIds) {
    const m = CALL_ID.exec(id);
    if (!m) continue;
    const at = { turn: Number(m[1]), step: Number(m[2]) };
    if (!last || at.turn > last.turn || (at.turn === last.turn && at.step > last.step)) last = at;
  }
  if (last) {
    const step = last.step + 1;
    return { turn: last.turn, step, play: scenario.turns[last.turn]?.steps[step] };
  }
  const prompt = conv.prompts[conv.prompts.length - 1] ?? '';
  let turn = scenario.turns.findIndex((t) => t.match !== undefined && prompt.includes(t.match));
  if (turn < 0) {
    // Unmarked turns go in order: the n-th prompt that no marker claims plays the n-th unmarked turn.
    const unmarked = scenario.turns.map((t, i) => (t.match === undefined ? i : -1)).filter((i) => i >= 0);
    const earlier = conv.prompts.slice(0, -1).filter((p) => !scenario.turns.some((t) => t.match !== undefined && p.includes(t.match))).length;
    turn = unmarked[earlier] ?? -1;
  }
  return { turn, step: 0, play: turn >= 0 ? scenario.turns[turn]?.steps[0] : undefined };
}

/** A shell command's text for a call, for wires without a delete tool. */
export function deleteCommand(relPath: string): string {
  return `rm -f -- '${relPath.replaceAll("'", `'\\''`)}'`;
}
