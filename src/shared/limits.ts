/**
 * Size limits for everything that crosses the host <-> webview boundary. Both ends enforce
 * them through the schemas in protocol.ts, so a runaway payload is refused, not rendered.
 */
export const LIMITS = {
  /** A message to the agent, in UTF-8 bytes. */
  messageTextBytes: 64 * 1024,
  /** Paths in one request (rollback of chosen files). */
  paths: 10_000,
  /** One worktree-relative path, in characters (the same bound as core's assertRelPath). */
  pathLength: 4096,
  /** Checkpoints in a snapshot. */
  checkpoints: 100_000,
  /** Files in one change set. */
  changeFiles: 200_000,
  /** Violations in one change set. */
  violations: 100_000,
  /** Log events held by the webview and sent in one message. */
  logEvents: 5_000,
  /** Conversation messages and rollbacks in a snapshot. */
  messages: 20_000,
  rollbacks: 20_000,
  /** A file side larger than this is summarised, not diffed. */
  diffBytes: 1024 * 1024,
  /** A file side with more lines than this is summarised, not diffed. */
  diffLines: 20_000,
  /** Lines in one diff view (both sides, all hunks). */
  diffViewLines: 60_000,
  /** Edit distance beyond which the line diff gives up and shows one replaced block. */
  diffMaxEdits: 1_000,
  /** Detail text of one log event. */
  eventDetail: 4 * 1024,
  /** Short human-readable strings (summaries, reasons, error messages). */
  shortText: 2_000,
  /** Gates of one feature (the plan allows at most 100). */
  gates: 100,
  /** Files a rollback confirmation lists before "…and N more". */
  confirmList: 25,
} as const;

/** UTF-8 length of a string without allocating for the common small case. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
