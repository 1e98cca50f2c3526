/** Small readers shared by the wire formats. */

/** Drops `<tag>…</tag>` blocks (system reminders, environment context) and trims. */
export function withoutTaggedBlocks(text: string): string {
  return text.replace(/<([a-z_-]+)>[\s\S]*?<\/\1>/gi, '').trim();
}

/** The working folder a CLI told the model about, wherever in the request it says so. */
export function findWorkingDir(body: string): string | undefined {
  const patterns = [/Primary working directory: ([^\n\\"]+)/, /Working directory: ([^\n\\"]+)/, /<cwd>([^<]+)<\/cwd>/, /Workspace Directories:\**(?:\\n|\n)\s*-\s*([^\n\\"]+)/, /workspace directory: ([^\n\\"]+)/i];
  for (const p of patterns) {
    const m = p.exec(body);
    if (m) return m[1].trim();
  }
  return undefined;
}

/** Joins a relative path onto the working folder (the double sends absolute paths where tools want them). */
export function absolute(cwd: string | undefined, rel: string): string {
  if (rel.startsWith('/') || !cwd) return rel;
  return `${cwd.replace(/\/$/, '')}/${rel}`;
}

/** One server-sent event frame. */
export function sse(data: unknown, event?: string, eol = '\n'): string {
  return `${event ? `event: ${event}${eol}` : ''}data: ${JSON.stringify(data)}${eol}${eol}`;
}
