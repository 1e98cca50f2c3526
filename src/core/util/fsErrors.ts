/** How file-call failures are told apart, one reading for every caller. */

/** The error's code (`ENOENT`, `EACCES`...), or 'error' when it carries none. */
export function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}

/** The path (or a folder on the way) does not exist. */
export function isGone(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
