/**
 * Answering an agent's permission request: the plan's policy decides, 'ask' goes to the human
 * with a deadline (silence is a no), and the answer is mapped onto the options the agent offered.
 * "Once" options are preferred over "always" so the next request is asked again.
 */
import * as path from 'node:path';
import type { PermissionOption, RequestPermissionRequest, RequestPermissionResponse } from '@agentclientprotocol/sdk';
import { toRelPath } from '../util/ids';
import type { AgentHost, PermissionQuery } from './types';

export const DEFAULT_ASK_TIMEOUT_MS = 5 * 60 * 1000;

/** Builds the policy's view of a request: worktree-relative paths, and those outside it. */
export function permissionQuery(featureId: string, worktree: string, req: RequestPermissionRequest): PermissionQuery {
  const named = new Set<string>();
  for (const loc of req.toolCall.locations ?? []) named.add(loc.path);
  for (const c of req.toolCall.content ?? []) if (c.type === 'diff') named.add(c.path);
  const paths: string[] = [];
  const outsidePaths: string[] = [];
  for (const p of named) {
    const abs = path.resolve(worktree, p);
    const rel = toRelPath(path.resolve(worktree), abs);
    if (rel === undefined) outsidePaths.push(abs);
    else paths.push(rel);
  }
  return {
    featureId,
    toolCall: req.toolCall,
    title: req.toolCall.title ?? req.toolCall.toolCallId,
    ...(req.toolCall.kind ? { kind: req.toolCall.kind } : {}),
    paths,
    outsidePaths,
  };
}

export interface PermissionOutcome {
  decision: 'allow' | 'deny';
  policy: 'allow' | 'deny' | 'ask';
  reason: string;
  response: RequestPermissionResponse;
}

/** Decides a request with the host's policy (and the human when it says 'ask'). */
export async function decide(host: AgentHost, query: PermissionQuery, options: PermissionOption[], askTimeoutMs = DEFAULT_ASK_TIMEOUT_MS): Promise<PermissionOutcome> {
  const policy = (await host.decidePermission?.(query)) ?? 'ask';
  let decision: 'allow' | 'deny';
  let reason: string;
  if (policy !== 'ask') {
    decision = policy;
    reason = 'plan policy';
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
  return { decision, policy, reason, response: respond(decision, options) };
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
