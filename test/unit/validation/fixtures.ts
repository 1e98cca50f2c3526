/** Test fixtures for validation: a real git repo for blobs, and credential-shaped strings built at run time. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileChange, GitMode } from '../../../src/core/model/types';

export interface BlobRepo {
  dir: string;
  /** Writes a blob with `git hash-object -w` and returns its id. */
  blob(content: string | Buffer): string;
  /** Reads a blob back through git, counting calls. */
  readBlob(oid: string): Promise<Buffer>;
  reads: number;
  /** A FileChange for new content at `file` (status A unless given). */
  change(file: string, content: string | Buffer, extra?: Partial<FileChange>): FileChange;
  cleanup(): Promise<void>;
}

export async function makeBlobRepo(): Promise<BlobRepo> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aop-validation-'));
  const git = (args: string[], input?: string | Buffer) => execFileSync('git', args, { cwd: dir, input, maxBuffer: 64 * 1024 * 1024 });
  git(['init', '-q']);
  const repo: BlobRepo = {
    dir,
    reads: 0,
    blob: (content) => git(['hash-object', '-w', '--stdin'], content).toString().trim(),
    readBlob: async (oid) => {
      repo.reads++;
      return git(['cat-file', 'blob', oid]);
    },
    change: (file, content, extra = {}) => {
      const buf = typeof content === 'string' ? Buffer.from(content) : content;
      const mode: GitMode = extra.mode ?? '100644';
      return { path: file, status: 'A', mode, oid: repo.blob(buf), size: buf.length, ...extra };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  return repo;
}

/** Deterministic pseudo-random text (no flaky placeholders by chance). */
export function pseudoRandom(seed: number, length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let state = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out += alphabet[(state >>> 8) % alphabet.length];
  }
  return out;
}

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Realistic-looking credentials, assembled here so that no literal token sits in the source
 * (which would trip secret scanners on the repository itself).
 */
export const fakeSecrets = {
  aws: () => ['AK', 'IA', pseudoRandom(11, 16, UPPER_DIGITS)].join(''),
  awsTemp: () => ['AS', 'IA', pseudoRandom(12, 16, UPPER_DIGITS)].join(''),
  github: () => ['gh', 'p_', pseudoRandom(13, 36)].join(''),
  githubOauth: () => ['gh', 'o_', pseudoRandom(14, 36)].join(''),
  githubServer: () => ['gh', 's_', pseudoRandom(15, 36)].join(''),
  githubPat: () => ['github', '_pat_', pseudoRandom(16, 22), '_', pseudoRandom(17, 59)].join(''),
  slack: () => ['xo', 'xb-', pseudoRandom(18, 12, '0123456789'), '-', pseudoRandom(19, 13, '0123456789'), '-', pseudoRandom(20, 24)].join(''),
  google: () => ['AI', 'za', pseudoRandom(21, 35)].join(''),
  openai: () => ['s', 'k-', 'proj-', pseudoRandom(22, 48)].join(''),
  stripe: () => ['sk', '_live_', pseudoRandom(23, 24)].join(''),
  pem: () =>
    [`-----BEGIN RSA ${'PRIVATE'} KEY-----`, pseudoRandom(24, 64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'), pseudoRandom(25, 64), `-----END RSA ${'PRIVATE'} KEY-----`].join(
      '\n',
    ),
};
