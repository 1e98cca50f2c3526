/**
 * The scripted agent's script: a file of steps it replays, offline, for demos and tests.
 *
 * Format (YAML or JSON; JSON is YAML):
 *
 *   ackMessages: true     # acknowledge each message (plain mode prints `ACK <id>`); false never
 *                         # acknowledges, to exercise retries and `undelivered`
 *   stayAlive: false      # plain mode: after the last step keep reading messages until stdin ends
 *   steps:
 *     - print: "text"                                  # a line of output (ACP: an agent message)
 *     - write: { path: src/a.ts, content: "..." }      # create or replace a file
 *     - append: { path: src/a.ts, content: "..." }
 *     - delete: src/old.ts                             # or { path }
 *     - rename: { from: a.txt, to: b.txt }
 *     - symlink: { path: link, target: ../elsewhere }
 *     - chmod: { path: run.sh, mode: "755" }
 *     - mkdir: build/out                               # or { path }; parents are created
 *     - run: "npm test"                                # or { command }; through the shell
 *     - sleep: 200                                     # or { ms }
 *     - waitForMessage: true                           # plain: wait for the next stdin message;
 *                                                      # ACP: end the turn, the next prompt continues
 *     - tick: { path: counter.txt, everyMs: 20, times: 500 }   # write 1, 2, 3... every everyMs
 *     - repeat: { times: 3, steps: [ ... ] }
 *     - usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.01 }   # report token use
 *     - exit: 2                                        # or { code }; exit at once
 *
 * Paths are relative to the agent's working folder and deliberately NOT validated: the scripted
 * agent stands in for an untrusted agent, so a script may try to escape (`../x`, `.git/...`).
 * File edits may carry `ask: true` to request permission first (ACP); `run` asks by default.
 *
 * Messages on stdin (plain mode) are JSON lines `{"type":"message","id":"m1","text":"..."}`;
 * any other line is taken as a message without an id.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { z } from 'zod';
import { AopError } from '../../util/errors';

/** Reported by `--version` and in the ACP `initialize` answer. */
export const SCRIPTED_AGENT_VERSION = '1.0.0';

const rel = z.string().min(1, 'expected a non-empty path');
const ask = z.boolean().optional();
const pathOnly = z.union([rel, z.strictObject({ path: rel, ask })]);
const count = z.number().int().nonnegative();

const actions = {
  print: z.union([z.string(), z.strictObject({ text: z.string() })]),
  write: z.strictObject({ path: rel, content: z.string(), ask }),
  append: z.strictObject({ path: rel, content: z.string(), ask }),
  delete: pathOnly,
  rename: z.strictObject({ from: rel, to: rel, ask }),
  symlink: z.strictObject({ path: rel, target: z.string().min(1), ask }),
  chmod: z.strictObject({ path: rel, mode: z.union([z.string().regex(/^[0-7]{3,4}$/, 'expected an octal mode such as "755"'), count]), ask }),
  mkdir: pathOnly,
  run: z.union([z.string().min(1), z.strictObject({ command: z.string().min(1), ask })]),
  sleep: z.union([count, z.strictObject({ ms: count })]),
  waitForMessage: z.union([z.literal(true), z.strictObject({})]),
  tick: z.strictObject({ path: rel, everyMs: z.number().int().positive(), times: z.number().int().positive() }),
  usage: z.strictObject({ inputTokens: count.optional(), outputTokens: count.optional(), costUsd: z.number().nonnegative().optional() }),
  exit: z.union([z.number().int(), z.strictObject({ code: z.number().int() })]),
} as const;

const ACTION_NAMES = [...Object.keys(actions), 'repeat'];

type Actions = { [K in keyof typeof actions]: z.infer<(typeof actions)[K]> };
export type Step = { [K in keyof Actions]: { [P in K]: Actions[K] } }[keyof Actions] | { repeat: { times: number; steps: Step[] } };

const stepSchema: z.ZodType<Step> = z.lazy(() =>
  z
    .strictObject({
      ...Object.fromEntries(Object.entries(actions).map(([k, v]) => [k, v.optional()])),
      repeat: z.strictObject({ times: z.number().int().positive(), steps: z.array(stepSchema) }).optional(),
    })
    .superRefine((step, ctx) => {
      const keys = Object.keys(step).filter((k) => (step as Record<string, unknown>)[k] !== undefined);
      if (keys.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: keys.length === 0 ? `a step needs one action: ${ACTION_NAMES.join(', ')}` : `a step has exactly one action; this one has ${keys.join(', ')}`,
        });
      }
    }) as unknown as z.ZodType<Step>,
);

export const scriptSchema = z.strictObject({
  ackMessages: z.boolean().default(true),
  stayAlive: z.boolean().default(false),
  steps: z.array(stepSchema),
});

/** A step in normal form, what the runner executes. */
export type Op =
  | { op: 'print'; text: string }
  | { op: 'write' | 'append'; path: string; content: string; ask: boolean }
  | { op: 'delete' | 'mkdir'; path: string; ask: boolean }
  | { op: 'rename'; from: string; to: string; ask: boolean }
  | { op: 'symlink'; path: string; target: string; ask: boolean }
  | { op: 'chmod'; path: string; mode: number; ask: boolean }
  | { op: 'run'; command: string; ask: boolean }
  | { op: 'sleep'; ms: number }
  | { op: 'waitForMessage' }
  | { op: 'tick'; path: string; everyMs: number; times: number }
  | { op: 'repeat'; times: number; steps: Op[] }
  | { op: 'usage'; inputTokens?: number; outputTokens?: number; costUsd?: number }
  | { op: 'exit'; code: number };

export interface Script {
  ackMessages: boolean;
  stayAlive: boolean;
  steps: Op[];
}

/** Brings a validated step to normal form (shorthands expanded, modes parsed, `run` asking by default). */
export function toOp(step: Step): Op {
  const s = step as Partial<Actions> & { repeat?: { times: number; steps: Step[] } };
  const ask = (v: unknown, dflt = false) => (typeof v === 'object' && v !== null && 'ask' in v ? (v as { ask?: boolean }).ask ?? dflt : dflt);
  const p = (v: string | { path: string }) => (typeof v === 'string' ? v : v.path);
  if (s.print !== undefined) return { op: 'print', text: typeof s.print === 'string' ? s.print : s.print.text };
  if (s.write) return { op: 'write', path: s.write.path, content: s.write.content, ask: ask(s.write) };
  if (s.append) return { op: 'append', path: s.append.path, content: s.append.content, ask: ask(s.append) };
  if (s.delete !== undefined) return { op: 'delete', path: p(s.delete), ask: ask(s.delete) };
  if (s.mkdir !== undefined) return { op: 'mkdir', path: p(s.mkdir), ask: ask(s.mkdir) };
  if (s.rename) return { op: 'rename', from: s.rename.from, to: s.rename.to, ask: ask(s.rename) };
  if (s.symlink) return { op: 'symlink', path: s.symlink.path, target: s.symlink.target, ask: ask(s.symlink) };
  if (s.chmod) return { op: 'chmod', path: s.chmod.path, mode: typeof s.chmod.mode === 'string' ? parseInt(s.chmod.mode, 8) : s.chmod.mode, ask: ask(s.chmod) };
  if (s.run !== undefined) return typeof s.run === 'string' ? { op: 'run', command: s.run, ask: true } : { op: 'run', command: s.run.command, ask: ask(s.run, true) };
  if (s.sleep !== undefined) return { op: 'sleep', ms: typeof s.sleep === 'number' ? s.sleep : s.sleep.ms };
  if (s.waitForMessage !== undefined) return { op: 'waitForMessage' };
  if (s.tick) return { op: 'tick', ...s.tick };
  if (s.repeat) return { op: 'repeat', times: s.repeat.times, steps: s.repeat.steps.map(toOp) };
  if (s.usage) return { op: 'usage', ...s.usage };
  if (s.exit !== undefined) return { op: 'exit', code: typeof s.exit === 'number' ? s.exit : s.exit.code };
  throw new AopError('INVALID_INPUT', 'A script step has no action.');
}

/** Parses script text; a bad script is AopError('INVALID_INPUT') reading `file:line:column: field: problem`. */
export function parseScript(text: string, file: string): Script {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const where = (offset: number) => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new AopError('INVALID_INPUT', `${where(e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}`, { details: { file } });
  }
  const result = scriptSchema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((iss) => {
      const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
      const message = iss.code === 'invalid_type' && /received undefined$/.test(iss.message) ? 'is required' : iss.message;
      return `${where(offsetOf(doc, path))}: ${fieldName(path) || '(script)'}: ${message}`;
    });
    throw new AopError('INVALID_INPUT', problems.join('\n'), { details: { file } });
  }
  return { ackMessages: result.data.ackMessages, stayAlive: result.data.stayAlive, steps: result.data.steps.map(toOp) };
}

export async function loadScript(file: string): Promise<Script> {
  return parseScript(await readFile(file, 'utf8'), file);
}

function offsetOf(doc: Document, path: (string | number)[]): number {
  for (let depth = path.length; depth > 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : 0;
}

function fieldName(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
