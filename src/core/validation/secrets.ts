/**
 * A small scanner for well-known credential shapes. Deliberately narrow: each rule has a
 * distinctive prefix and a realistic length, and obvious placeholders ("AKIA…EXAMPLE",
 * "ghp_xxxx…") are skipped, so a hit is worth a human's attention. Findings never carry the
 * secret itself: they end up in the event log.
 */
export const SECRET_SCAN_BYTES = 2 * 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;
const MAX_FINDINGS_PER_FILE = 20;

export interface SecretFinding {
  rule: string;
  /** What was found, in words, e.g. "GitHub token". */
  label: string;
  /** 1-based line. */
  line: number;
}

interface SecretRule {
  rule: string;
  label: string;
  /** Cheap substring test that must pass before the regex runs. */
  hint: string;
  re: RegExp;
  /** Characters of the match that are a fixed prefix, excluded from the placeholder check. */
  prefix: RegExp;
  /** Extra acceptance test on the match and the text after it. */
  accept?: (match: string, after: string) => boolean;
}

const RULES: SecretRule[] = [
  {
    rule: 'private-key',
    label: 'private key (PEM)',
    hint: 'PRIVATE KEY',
    re: /-----BEGIN (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
    prefix: /^.*$/,
    // A real key has a base64 body; a bare header (in docs, or in a scanner like this) does not.
    accept: (_m, after) => /[A-Za-z0-9+/]{40,}/.test(after.slice(0, 400)),
  },
  { rule: 'aws-access-key', label: 'AWS access key id', hint: 'IA', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, prefix: /^(?:AKIA|ASIA)/ },
  { rule: 'github-token', label: 'GitHub token', hint: 'gh', re: /\bgh[pousr]_[A-Za-z0-9]{36}\b/g, prefix: /^gh._/ },
  {
    rule: 'github-pat',
    label: 'GitHub fine-grained token',
    hint: 'github_pat_',
    re: /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b/g,
    prefix: /^github_pat_/,
  },
  { rule: 'slack-token', label: 'Slack token', hint: 'xox', re: /\bxox[abpr]-\d{6,}-[0-9A-Za-z-]{10,}/g, prefix: /^xox.-/ },
  { rule: 'google-api-key', label: 'Google API key', hint: 'AIza', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, prefix: /^AIza/ },
  {
    rule: 'openai-key',
    label: 'API secret key (sk-…)',
    hint: 'sk-',
    re: /\bsk-(?:proj-|svcacct-|admin-|ant-api\d\d-)?[A-Za-z0-9_-]{40,}/g,
    prefix: /^sk-(?:proj-|svcacct-|admin-|ant-api\d\d-)?/,
    // Long kebab-case identifiers share the shape; real keys mix cases and digits.
    accept: (m) => /[a-z]/.test(m.slice(3)) && /[A-Z]/.test(m) && /[0-9]/.test(m),
  },
  { rule: 'stripe-live-key', label: 'Stripe live key', hint: '_live_', re: /\b(?:sk|rk)_live_[0-9A-Za-z]{24,}\b/g, prefix: /^.._live_/ },
];

const PLACEHOLDER = /example|placeholder|dummy|fake|sample|redacted|your|x{5,}|\*{3,}|0{8,}|123456789/i;

/** True for a token body that is obviously not a real secret. */
function isPlaceholder(body: string): boolean {
  if (PLACEHOLDER.test(body)) return true;
  return new Set(body).size < 8;
}

/** NUL in the first 8 KiB: treat as binary and skip. */
export function looksBinary(buf: Uint8Array): boolean {
  const end = Math.min(buf.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

/** Scans the first 2 MiB of a text file; binary files yield nothing. */
export function scanSecrets(content: Uint8Array): SecretFinding[] {
  if (content.length === 0 || looksBinary(content)) return [];
  const bytes = content.length > SECRET_SCAN_BYTES ? content.subarray(0, SECRET_SCAN_BYTES) : content;
  // latin1 keeps one character per byte (offsets stay simple) and never fails to decode.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const hits: { index: number; rule: SecretRule }[] = [];
  for (const rule of RULES) {
    if (!text.includes(rule.hint)) continue;
    for (const m of text.matchAll(rule.re)) {
      const token = m[0];
      const body = token.replace(rule.prefix, '');
      if (rule.rule !== 'private-key' && isPlaceholder(body)) continue;
      if (rule.accept && !rule.accept(token, text.slice(m.index + token.length))) continue;
      hits.push({ index: m.index, rule });
      if (hits.length >= MAX_FINDINGS_PER_FILE * 2) break;
    }
  }
  if (hits.length === 0) return [];
  hits.sort((a, b) => a.index - b.index);
  const findings: SecretFinding[] = [];
  let line = 1;
  let pos = 0;
  for (const hit of hits.slice(0, MAX_FINDINGS_PER_FILE)) {
    for (let nl = text.indexOf('\n', pos); nl !== -1 && nl < hit.index; nl = text.indexOf('\n', nl + 1)) {
      line++;
      pos = nl + 1;
    }
    findings.push({ rule: hit.rule.rule, label: hit.rule.label, line });
  }
  return findings;
}
