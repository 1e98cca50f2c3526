/**
 * Completion and hover for plan.yaml, from the plan's JSON Schema (the one shipped as
 * schemas/plan.schema.json), with no YAML extension needed. The cursor's place in the file is
 * read from indentation, line by line, so a half-typed line (the usual case while completing)
 * still has a place; a full YAML parse would refuse it.
 */
import { planJsonSchema } from './jsonSchema';

/** A schema node, as much of JSON Schema as the plan's generated schema uses. */
interface SchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

/** A step into a mapping (its key) or into a list item (0, whichever item). */
export type PlanPathStep = string | 0;

export interface PlanCursor {
  /** The mapping or list the cursor is in: [] for the top level, ['limits'], ['gates', 0]. */
  path: PlanPathStep[];
  /** key: typing a key; value: after `key: `; item: a list entry (`- ` then text). */
  position: 'key' | 'value' | 'item';
  /** The key whose value is being typed (position `value`). */
  key?: string;
  /** Keys already present in the mapping the cursor is in. */
  siblings: string[];
  /** Column where the word being completed starts (0-based). */
  wordStart: number;
}

export interface PlanCompletion {
  label: string;
  /** What the item inserts. */
  insertText: string;
  kind: 'key' | 'value';
  /** The type or the default, one line. */
  detail?: string;
  documentation?: string;
}

export interface PlanHover {
  /** Markdown. */
  markdown: string;
  line: number;
  startChar: number;
  endChar: number;
}

interface LineInfo {
  /** Column of the content after indentation and `- ` markers. */
  content: number;
  /** Columns of the `-` item markers on the line. */
  dashes: number[];
  /** The key, when the content is `key:`... */
  key?: string;
  /** True when the key has nothing after its colon (its value is the block below). */
  opens: boolean;
  blank: boolean;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]|$)/;

function lineInfo(line: string): LineInfo {
  const stripped = line.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '');
  if (stripped.trim() === '') return { content: 0, dashes: [], opens: false, blank: true };
  let i = 0;
  const dashes: number[] = [];
  for (;;) {
    while (stripped[i] === ' ') i++;
    if (stripped[i] === '-' && (stripped[i + 1] === ' ' || stripped[i + 1] === undefined)) {
      dashes.push(i);
      i += 1;
      continue;
    }
    break;
  }
  const rest = stripped.slice(i);
  const m = KEY.exec(rest);
  if (!m) return { content: i, dashes, opens: false, blank: false };
  return { content: i, dashes, key: m[1], opens: rest.slice(m[0].length).trim() === '', blank: false };
}

/**
 * The mapping/list path of a node whose content starts at column `col` on line `lineNo`
 * (`inItemAt`: the column of the innermost `- ` before it on its own line, if any).
 */
function pathAt(lines: readonly string[], lineNo: number, col: number, inItemAt: number | undefined): PlanPathStep[] {
  const path: PlanPathStep[] = [];
  // Looking for: the owner of a list whose items are at column `seq`, or the parent of column `target`.
  let seq = inItemAt;
  let target = col;
  if (seq !== undefined) path.push(0);
  for (let i = lineNo - 1; i >= 0; i--) {
    const li = lineInfo(lines[i]!);
    if (li.blank) continue;
    if (seq !== undefined) {
      // An item of the same list further up, or the inside of one: still in that list.
      if (li.dashes.length && li.dashes[li.dashes.length - 1] === seq) continue;
      if (li.content > seq && !li.dashes.some((d) => d <= seq!)) continue;
      if (li.key !== undefined && li.opens && li.content <= seq) {
        path.push(li.key);
        target = li.content;
        seq = li.dashes.length ? li.dashes[li.dashes.length - 1] : undefined;
        if (seq !== undefined) path.push(0);
        if (seq === undefined && target === 0) break;
        continue;
      }
      break; // not a list owner: malformed, stop where we are
    }
    if (target === 0) break;
    if (li.dashes.length && li.content === target && li.dashes[li.dashes.length - 1]! < target) {
      // `- first: …` opening the item this mapping belongs to.
      seq = li.dashes[li.dashes.length - 1];
      path.push(0);
      continue;
    }
    if (li.content < target) {
      if (li.key === undefined || !li.opens) break;
      path.push(li.key);
      target = li.content;
      if (li.dashes.length) {
        seq = li.dashes[li.dashes.length - 1];
        path.push(0);
      }
    }
  }
  return path.reverse();
}

/** Keys of the mapping whose keys sit at column `col` around line `lineNo` (excluding that line). */
function siblingKeys(lines: readonly string[], lineNo: number, col: number, startsItem: boolean): string[] {
  const keys: string[] = [];
  const scan = (from: number, step: 1 | -1) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const li = lineInfo(lines[i]!);
      if (li.blank) continue;
      if (li.content < col) {
        // The line that opens this item holds one of its keys.
        if (step === -1 && li.dashes.length && li.content === col && li.key) keys.push(li.key);
        break;
      }
      if (li.content === col && li.dashes.length && li.dashes[li.dashes.length - 1] === col - 2) {
        if (step === -1 && li.key) keys.push(li.key);
        break; // the start of this item (going up) or of the next one (going down)
      }
      if (li.content === col && li.key) keys.push(li.key);
    }
  };
  if (!startsItem) scan(lineNo - 1, -1); // a line opening an item has no keys above it
  scan(lineNo + 1, 1);
  return keys;
}

/** Where the cursor is, in the plan's terms; undefined inside a comment. */
export function planCursor(text: string, line: number, character: number): PlanCursor | undefined {
  const lines = text.split(/\r?\n/);
  const current = lines[line] ?? '';
  const before = current.slice(0, character);
  if (/(^|\s)#/.test(before)) return undefined;
  const m = /^(\s*)((?:-[ \t]+)*)(.*)$/.exec(before)!;
  const dashText = m[2]!;
  const content = m[1]!.length + dashText.length;
  const dashCols: number[] = [];
  for (let i = 0, col = m[1]!.length; i < dashText.length; i++, col++) if (dashText[i] === '-') dashCols.push(col);
  const innerDash = dashCols.length ? dashCols[dashCols.length - 1] : undefined;
  const rest = m[3]!;
  const keyed = /^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:[ \t]*(.*)$/.exec(rest);
  const path = pathAt(lines, line, content, innerDash);
  if (keyed) {
    const valueText = keyed[2]!;
    return { path, position: 'value', key: keyed[1]!, siblings: [], wordStart: character - valueText.length };
  }
  const node = schemaAt(path);
  // `- ` in a list of strings is an item; in a list of mappings the text after it is a key.
  if (innerDash !== undefined && resolve(node)?.type !== 'object') {
    return { path: path.slice(0, -1), position: 'item', siblings: [], wordStart: content };
  }
  return { path, position: 'key', siblings: siblingKeys(lines, line, content, innerDash !== undefined && innerDash === content - 2), wordStart: content };
}

let cachedSchema: SchemaNode | undefined;
function rootSchema(): SchemaNode {
  cachedSchema ??= planJsonSchema() as SchemaNode;
  return cachedSchema;
}

function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node) return undefined;
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return variants.find((v) => v.type === 'object' || v.properties) ?? variants[0];
  return node;
}

/** The schema of the node at `path`. */
export function schemaAt(path: readonly PlanPathStep[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = rootSchema();
  for (const step of path) {
    node = resolve(node);
    if (!node) return undefined;
    node = step === 0 ? node.items : node.properties?.[step];
  }
  return resolve(node);
}

function typeLabel(node: SchemaNode): string {
  if (node.enum) return node.enum.map(String).join(' | ');
  if (node.const !== undefined) return String(node.const);
  if (node.type === 'array') return node.items?.type === 'object' ? 'list of mappings' : `list of ${node.items?.type ?? 'values'}s`;
  return node.type ?? 'value';
}

function describe(node: SchemaNode): string | undefined {
  const parts = [node.description, node.default !== undefined && typeof node.default !== 'object' ? `Default: \`${String(node.default)}\`.` : undefined];
  const text = parts.filter(Boolean).join(' ');
  return text || undefined;
}

/** Completion items at the cursor: the keys still missing here, or the values a key takes. */
export function planCompletions(text: string, line: number, character: number): PlanCompletion[] {
  const cur = planCursor(text, line, character);
  if (!cur) return [];
  if (cur.position === 'value') {
    const node = schemaAt([...cur.path, cur.key!]);
    if (!node) return [];
    const values = node.enum ?? (node.const !== undefined ? [node.const] : node.type === 'boolean' ? [true, false] : []);
    return values.map((v) => ({ label: String(v), insertText: String(v), kind: 'value' as const, ...(node.description ? { documentation: node.description } : {}), ...(v === node.default ? { detail: 'default' } : {}) }));
  }
  if (cur.position === 'item') return [];
  const node = schemaAt(cur.path);
  if (!node?.properties) return [];
  const have = new Set(cur.siblings);
  const indent = ' '.repeat(cur.wordStart + 2);
  return Object.entries(node.properties)
    .filter(([key]) => !have.has(key))
    .map(([key, raw]) => {
      const child = resolve(raw) ?? {};
      const block = child.type === 'array' ? `\n${indent}- ` : child.type === 'object' ? `\n${indent}` : ' ';
      const doc = describe(child);
      return { label: key, insertText: `${key}:${block}`, kind: 'key' as const, detail: typeLabel(child), ...(doc ? { documentation: doc } : {}) };
    });
}

/** What the key under the cursor means, from the schema. */
export function planHover(text: string, line: number, character: number): PlanHover | undefined {
  const lines = text.split(/\r?\n/);
  const current = lines[line] ?? '';
  const li = lineInfo(current);
  if (li.blank || li.key === undefined) return undefined;
  const start = li.content;
  const end = start + li.key.length;
  if (character < start || character > end) return undefined;
  const inItem = li.dashes.length ? li.dashes[li.dashes.length - 1] : undefined;
  const path = pathAt(lines, line, start, inItem);
  const node = schemaAt([...path, li.key]);
  if (!node) return undefined;
  const where = [...path, li.key].map((s) => (s === 0 ? '[]' : s)).join('.').replace(/\.\[\]/g, '[]');
  const doc = describe(node);
  return { markdown: `**${where}** (${typeLabel(node)})${doc ? `\n\n${doc}` : ''}`, line, startChar: start, endChar: end };
}
