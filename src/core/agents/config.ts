/**
 * A provider's settings (`aop.providers.<id>.*` plus per-feature choices), validated because
 * they come from the user. Every behaviour that matters for safety is an explicit field here:
 * the approval mode the CLI runs in, which variables it receives, whether it is sandboxed.
 */
import { z } from 'zod';
import { AopError } from '../util/errors';

export const PROVIDER_IDS = ['claude', 'codex', 'gemini', 'aider', 'custom', 'scripted'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_()]*\*?$/, 'expected an environment variable name (a trailing * matches a prefix)');

export const providerConfigSchema = z.strictObject({
  provider: z.enum(PROVIDER_IDS),
  /** 'acp' speaks the Agent Client Protocol (native or through an adapter); 'plain' runs the CLI headless. */
  transport: z.enum(['acp', 'plain']).optional(),
  /** The executable (setting `aop.providers.<id>.command`); a name looked up on PATH, or a path. */
  command: z.string().min(1).optional(),
  /** Extra arguments, appended after ours. */
  args: z.array(z.string()).default([]),
  /** The CLI's own approval/permission mode, passed explicitly (see each provider for the choices). */
  approvalMode: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  /** Explicit variables for the agent. */
  env: z.record(envName, z.string()).default({}),
  /** Extra names passed through from the editor's environment. */
  passEnv: z.array(envName).default([]),
  /**
   * Bubblewrap, with only the worktree, the feature's own git state, the CLI's state folders,
   * package caches and a private temp folder writable. 'auto' (the default) sandboxes wherever
   * it works and says why not elsewhere; true (or extra writable folders) requires it, and the
   * start fails where it does not work; false turns it off.
   */
  sandbox: z.union([z.boolean(), z.literal('auto'), z.strictObject({ writable: z.array(z.string().min(1)).default([]) })]).default('auto'),
  budget: z.strictObject({ maxCostUsd: z.number().positive().optional(), maxTokens: z.number().int().positive().optional() }).optional(),
  /** custom: the command line, with {promptFile}, {worktree} and {featureId} placeholders. */
  template: z.string().min(1).optional(),
  /** custom: the CLI reads messages as JSON lines on stdin and prints `ACK <id>`. */
  stdinMessages: z.boolean().default(false),
  /** scripted: the script file to replay. */
  script: z.string().min(1).optional(),
  messages: z
    .strictObject({
      /** How long a stdin message waits for its `ACK` before it is sent again. */
      ackTimeoutMs: z.number().int().positive().default(30_000),
      /** Deliveries before a message is reported undelivered. */
      maxAttempts: z.number().int().positive().default(3),
    })
    .default({ ackTimeoutMs: 30_000, maxAttempts: 3 }),
  /** Time between SIGTERM and SIGKILL on stop. */
  stopTimeoutMs: z.number().int().positive().default(5000),
  /** How long a permission question waits for the human before it counts as "deny". */
  askTimeoutMs: z.number().int().positive().default(5 * 60_000),
  /** How long an ACP agent may take to answer `initialize` and `session/new`. */
  handshakeTimeoutMs: z.number().int().positive().default(60_000),
  /**
   * How long a running agent may go without any progress (the model answering) before it is
   * failed as unable to begin, e.g. not signed in or offline. Paused time does not count.
   */
  startupTimeoutMs: z.number().int().positive().default(120_000),
});

export type ProviderConfig = z.output<typeof providerConfigSchema>;
export type ProviderConfigInput = z.input<typeof providerConfigSchema>;

export function parseProviderConfig(input: unknown): ProviderConfig {
  const r = providerConfigSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first.path.map(String).join('.') || '(provider)';
    throw new AopError('INVALID_INPUT', `Invalid agent provider settings: ${where}: ${first.message}. Fix the aop.providers settings.`, {
      details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
    });
  }
  return r.data;
}

/** The setting that names a provider's executable, for error messages that say what to change. */
export function commandSetting(id: ProviderId): string {
  return `aop.providers.${id}.command`;
}
