/**
 * Answering an agent's permission request: the plan's policy decides, 'ask' goes to the human
 * with a deadline (silence is a no), and the answer is mapped onto the options the agent offered.
 * "Once" options are preferred over "always" so the next request is asked again. The policy sees
 * what a tool call would write (the content of a Write, a patch, a diff), so a secret or an
 * oversized file is refused before it lands.
 */
import * as path from 'node:path';
import type { PermissionOption, RequestPermissionRequest, RequestPermissionResponse, ToolCallUpdate } from '@agentclientprotocol/sdk';
import { toRelPath } from '../util/ids';
import type { ProposedWrite } from './providers/types';
import type { AgentHost, PermissionQuery, ProposedFileWrite } from './types';

export const DEFAULT_ASK_TIMEOUT_MS = 5 * 60 * 1000;

/** What an ACP tool call would write: its diffs, and the raw input agents attach (Claude, Codex). */
export function proposedWrites(toolCall: ToolCallUpdate): ProposedWrite[] {
  const raw = (toolCall.rawInput ?? {}) as Record<string, unknown>;
  const out: ProposedWrite[] = [];
  // Codex: { changes: { "/abs/path": { type: "add", content } | { type: "update", unified_diff } } }
  if (raw.changes && typeof raw.changes === 'object') {
    for (const [file, change] of Object.entries(raw.changes as Record<string, { type?: string; content?: unknown; unified_diff?: unknown }>)) {
      if (change?.type === 'add' && typeof change.content === 'string') out.push({ path: file, content: change.content, whole: true });
      else if (typeof change?.unified_diff === 'string') out.push({ path: file, content: addedLines(change.unified_diff), whole: false });
    }
    if (out.length > 0) return out;
  }
  // Claude's Write carries the whole file; its Edit only a fragment.
  if (typeof raw.file_path === 'string' && typeof raw.content === 'string') return [{ path: raw.file_path, content: raw.content, whole: true }];
  const fragment = typeof raw.old_string === 'string' || Array.isArray(raw.edits);
  for (const c of toolCall.content ?? []) {
    if (c.type === 'diff') out.push({ path: c.path, content: c.newText, whole: !fragment });
  }
  return out;
}

/** The lines a unified diff adds, as text (what the content checks look at). */
function addedLines(diff: string): string {
  return diff
    .split('\n')
    .filter((l) => l.startsWith('+') && !l.startsWith('+++'))
    .map((l) => l.slice(1))
    .join('\n');
}

/** Splits the paths an agent gave into worktree-relative ones and absolute ones outside it. */
function placePaths(worktree: string, named: Iterable<string>): { paths: string[]; outsidePaths: string[] } {
  const paths: string[] = [];
  const outsidePaths: string[] = [];
  for (const p of new Set(named)) {
    const abs = path.resolve(worktree, p);
    const rel = toRelPath(path.resolve(worktree), abs);
    if (rel === undefined) outsidePaths.push(abs);
    else paths.push(rel);
  }
  return { paths, outsidePaths };
}

/** Proposed writes with worktree-relative paths (those outside are refused by path anyway). */
function relativeWrites(worktree: string, writes: readonly ProposedWrite[]): ProposedFileWrite[] {
  const out: ProposedFileWrite[] = [];
  for (const w of writes) {
    const rel = toRelPath(path.resolve(worktree), path.resolve(worktree, w.path));
    if (rel !== undefined) out.push({ path: rel, content: w.content, whole: w.whole });
  }
  return out;
}

/** Builds the policy's view of a request: worktree-relative paths, those outside it, and what it would write. */
export function permissionQuery(featureId: string, worktree: string, req: RequestPermissionRequest): PermissionQuery {
  const writes = proposedWrites(req.toolCall);
  const named: string[] = [];
  for (const loc of req.toolCall.locations ?? []) named.push(loc.path);
  for (const c of req.toolCall.content ?? []) if (c.type === 'diff') named.push(c.path);
  for (const w of writes) named.push(w.path);
  return {
    featureId,
    toolCall: req.toolCall,
    title: req.toolCall.title ?? req.toolCall.toolCallId,
    ...(req.toolCall.kind ? { kind: req.toolCall.kind } : {}),
    ...placePaths(worktree, named),
    writes: relativeWrites(worktree, writes),
  };
}

/** The same view for a plain CLI's request (Claude's `can_use_tool`). */
export function plainPermissionQuery(featureId: string, worktree: string, req: { requestId: string; kind: string; title: string; paths: string[]; writes: ProposedWrite[]; input: Record<string, unknown> }): PermissionQuery {
  return {
    featureId,
    toolCall: { toolCallId: req.requestId, title: req.title, kind: req.kind as ToolCallUpdate['kind'], rawInput: req.input },
    title: req.title,
    kind: req.kind,
    ...placePaths(worktree, [...req.paths, ...req.writes.map((w) => w.path)]),
    writes: relativeWrites(worktree, req.writes),
  };
}

export interface PermissionOutcome {
  decision: 'allow' | 'deny';
  policy: 'allow' | 'deny' | 'ask';
  reason: string;
  /** The policy refused, saying why: the agent should be told (its protocol may carry no reason). */
  refusal?: string;
  response: RequestPermissionResponse;
}

/** Decides a request with the host's policy (and the human when it says 'ask'). */
export async function decide(host: AgentHost, query: PermissionQuery, options: PermissionOption[], askTimeoutMs = DEFAULT_ASK_TIMEOUT_MS): Promise<PermissionOutcome> {
  const answer = (await host.decidePermission?.(query)) ?? 'ask';
  const verdict = typeof answer === 'string' ? { decision: answer } : answer;
  const policy = verdict.decision;
  let decision: 'allow' | 'deny';
  let reason: string;
  let refusal: string | undefined;
  if (policy !== 'ask') {
    decision = policy;
    reason = verdict.reason ?? 'plan policy';
    if (policy === 'deny' && verdict.reason) refusal = verdict.reason;
  } else if (!host.askHuman) {
    decision = 'deny';
    reason = 'no one to ask: denied';
  } else {
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => {
        ctrl.abort();
        r('timeout');
      }, askTimeoutMs);
    });
    try {
      const answer = await Promise.race([host.askHuman(query, ctrl.signal), timeout]);
      decision = answer === 'allow' ? 'allow' : 'deny';
      reason = answer === 'timeout' ? `no answer within ${askTimeoutMs >= 1000 ? `${Math.round(askTimeoutMs / 1000)} s` : `${askTimeoutMs} ms`}: denied` : 'asked the human';
    } catch {
      decision = 'deny';
      reason = 'asking the human failed: denied';
    } finally {
      clearTimeout(timer);
    }
  }
  return { decision, policy, reason, ...(refusal ? { refusal } : {}), response: respond(decision, options) };
}

function respond(decision: 'allow' | 'deny', options: PermissionOption[]): RequestPermissionResponse {
  const order = decision === 'allow' ? (['allow_once', 'allow_always'] as const) : (['reject_once', 'reject_always'] as const);
  for (const kind of order) {
    const opt = options.find((o) => o.kind === kind);
    if (opt) return { outcome: { outcome: 'selected', optionId: opt.optionId } };
  }
  // No reject option offered: cancelling the request is the only way to say no.
  return { outcome: { outcome: 'cancelled' } };
}
