/**
 * Coded errors. Adapters map `code` to a short message with an action; nobody branches on
 * message text. The original error, when there is one, is kept as `cause`.
 */
export type ErrorCode =
  | 'INVALID_ID'
  | 'INVALID_PATH'
  | 'INVALID_REF'
  | 'INVALID_INPUT'
  | 'PLAN_INVALID'
  | 'GIT_FAILED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'ROLLBACK_FAILED'
  | 'WATCHER_FAILED'
  | 'AGENT_FAILED'
  | 'AGENT_NOT_FOUND'
  | 'UNTRUSTED'
  | 'BUSY'
  | 'TOO_LARGE'
  | 'SETUP_FAILED'
  | 'DISPOSED';

export class AopError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AopError';
    this.details = options?.details;
  }
  readonly details: Record<string, unknown> | undefined;

  static is(err: unknown, code?: ErrorCode): err is AopError {
    return err instanceof AopError && (code === undefined || err.code === code);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
