/**
 * Reading plan.yaml. Every refusal points at the exact spot: `plan.yaml:7:3: limits.maxFileBytes:
 * expected a positive integer`, for YAML syntax errors and schema errors alike, so the editor
 * can underline it and the user can fix it without guessing.
 */
import { stableJson } from '../util/stableJson';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { AopError } from '../util/errors';
import { normalizeGlob } from './globHygiene';
import { planSchema } from './schema';
import type { Plan, PlanData, PlanInput } from './schema';

/** Plans are small (2,000 globs is ~60 KB); a bound keeps a hostile or corrupt file from costing real time. */
export const MAX_PLAN_BYTES = 512 * 1024;
const MAX_LISTED_PROBLEMS = 20;

/** One problem in a plan file, with a 1-based position. */
export interface PlanProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted field path such as `limits.maxFileBytes` or `allowed[3]`; '' for the whole file. */
  field: string;
  message: string;
}

/** Parses and validates plan text. Throws AopError('PLAN_INVALID') pointing at the first problem. */
export function parsePlan(text: string, file: string): Plan {
  if (text.length > MAX_PLAN_BYTES) {
    throw planInvalid([
      { file, line: 1, column: 1, field: '', message: `the file is ${text.length.toLocaleString('en-US')} characters; a plan may be at most ${MAX_PLAN_BYTES.toLocaleString('en-US')}` },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw planInvalid(
      doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        field: fieldAtOffset(doc, e.pos[0]),
        message: `YAML syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw planInvalid([{ file, line: 1, column: 1, field: '', message: `could not read the YAML (${err instanceof Error ? err.message : String(err)})` }], err);
  }

  const result = planSchema.safeParse(raw ?? undefined);
  if (!result.success) {
    const problems = result.error.issues.flatMap((iss) => issueProblems(iss, doc, (offset) => ({ file, ...at(offset) })));
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw planInvalid(problems);
  }
  return finishPlan(result.data);
}

/** Every problem of plan text, each with its position; [] when the plan is valid (editor diagnostics). */
export function planProblems(text: string, file: string): PlanProblem[] {
  try {
    parsePlan(text, file);
    return [];
  } catch (err) {
    if (AopError.is(err, 'PLAN_INVALID') && Array.isArray(err.details?.problems)) return err.details.problems as PlanProblem[];
    throw err;
  }
}

/** Reads and parses a plan file. A missing file is NOT_FOUND (callers may fall back to defaultPlan()). */
export async function loadPlan(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AopError('NOT_FOUND', `No plan at ${file}. Create it with at least "version: 1".`, { cause: err, details: { file } });
    }
    throw new AopError('PLAN_INVALID', `Could not read the plan ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, details: { file } });
  }
  return parsePlan(text, file);
}

/** The plan used when a feature has none: everything allowed, default limits and policy. */
export function defaultPlan(): Plan {
  return makePlan({ version: 1 });
}

/** Builds a plan from data (tests, UI, programmatic callers), with the same validation as a file. */
export function makePlan(input: PlanInput): Plan {
  const result = planSchema.safeParse(input);
  if (!result.success) {
    throw planInvalid(
      result.error.issues.map((iss) => ({ file: '(plan)', line: 1, column: 1, field: formatField(iss.path), message: describeIssue(iss) })),
    );
  }
  return finishPlan(result.data);
}

/** Normalises globs and stamps the content hash, which changes exactly when the plan's meaning does. */
function finishPlan(data: PlanData): Plan {
  const globs = (list: string[]) => [...new Set(list.map(normalizeGlob))];
  const normal: PlanData = { ...data, allowed: globs(data.allowed), forbidden: globs(data.forbidden), exclusive: globs(data.exclusive) };
  const planHash = createHash('sha256').update(stableJson(normal)).digest('hex').slice(0, 16);
  return Object.freeze({ ...normal, planHash });
}

function planInvalid(problems: PlanProblem[], cause?: unknown): AopError {
  const line = (p: PlanProblem) => `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).map(line);
  if (problems.length > MAX_LISTED_PROBLEMS) shown.push(`…and ${problems.length - MAX_LISTED_PROBLEMS} more problems`);
  const first = problems[0];
  return new AopError('PLAN_INVALID', shown.join('\n'), {
    cause,
    details: { file: first.file, line: first.line, column: first.column, field: first.field, problems },
  });
}

type Issue = z.core.$ZodIssue;
type Where = (offset: number) => { file: string; line: number; column: number };

/** One problem per issue (an unknown-keys issue becomes one per key, each at its key). */
function issueProblems(iss: Issue, doc: Document, where: Where): PlanProblem[] {
  const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (iss.code === 'unrecognized_keys') {
    return iss.keys.map((key) => ({
      ...where(keyOffset(doc, path, key) ?? nodeAt(doc, path).offset),
      field: formatField([...path, key]),
      message: iss.message,
    }));
  }
  const found = nodeAt(doc, path);
  const missing = found.depth < path.length;
  let message = describeIssue(iss);
  if (missing && (iss.code === 'invalid_type' || iss.code === 'invalid_value')) {
    message = path.length === 1 && path[0] === 'version' ? 'is missing; add `version: 1` at the top of the file' : 'is required';
  }
  return [{ ...where(found.offset), field: formatField(path), message }];
}

/** Rewrites zod's generic wording into plan vocabulary; our own messages pass through. */
function describeIssue(iss: Issue): string {
  if (iss.code === 'invalid_type' && /^Invalid input/.test(iss.message)) {
    const names: Record<string, string> = {
      object: 'a mapping (key: value lines)',
      array: 'a list',
      string: 'a string',
      boolean: 'true or false',
      number: 'a number',
      int: 'an integer',
    };
    return `expected ${names[iss.expected] ?? iss.expected}`;
  }
  if (iss.code === 'invalid_value' && /^Invalid (input|option)/.test(iss.message)) {
    return `expected one of ${iss.values.map((v) => String(v)).join(', ')}`;
  }
  return iss.message;
}

export function formatField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** The deepest existing node along `path` and its start offset (missing keys point at their parent). */
function nodeAt(doc: Document, path: readonly (string | number)[]): { offset: number; depth: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return { offset: node.range[0], depth };
  }
  return { offset: 0, depth: 0 };
}

function keyOffset(doc: Document, path: readonly (string | number)[], key: string): number | undefined {
  const map: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return pair.key.range[0];
  }
  return undefined;
}

/** Best-effort field path of the node around a syntax error: the last key or item starting before it. */
function fieldAtOffset(doc: Document, offset: number): string {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (let guard = 0; guard < 64; guard++) {
    let step: { key: string | number; value: unknown } | undefined;
    if (isMap(node)) {
      for (const pair of node.items) {
        const start = isNode(pair.key) ? pair.key.range?.[0] : undefined;
        if (start === undefined || start > offset) break;
        step = { key: isScalar(pair.key) ? String(pair.key.value) : '?', value: pair.value };
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (isNode(item) && item.range && item.range[0] <= offset) step = { key: i, value: item };
      });
    }
    if (!step) break;
    path.push(step.key);
    node = step.value;
  }
  return formatField(path);
}
