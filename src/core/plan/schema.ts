/**
 * The plan file's schema (zod 4). Every object is strict: an unknown key is far more likely a
 * typo ("forbiden") than an intent, and a silently ignored rule is a hole in the fence.
 * `schemas/plan.schema.json` is generated from this (scripts/gen-plan-schema.ts).
 */
import { z } from 'zod';
import { GATE_NAME, SEVERITIES, SEVERITY_TEXT, VIOLATION_KIND_TEXT, VIOLATION_KINDS } from '../../shared/vocabulary';
import { DEFAULT_SEVERITY } from '../validation/severity';
import { MAX_GLOB_LENGTH, MAX_GLOBS_PER_LIST, globProblem } from './globHygiene';

export const DEFAULT_LIMITS = {
  maxFileBytes: 5 * 1024 * 1024,
  quotaBytes: 100 * 1024 * 1024,
  maxChangedFiles: 500,
} as const;

export const DEFAULT_POLICY = {
  blockExecutables: true,
  blockSymlinks: false,
  secretScan: true,
} as const;

export const DEFAULT_GATE_TIMEOUT_SEC = 300;

/** Unknown keys name the keys that are allowed, so the fix is obvious. */
function strict<T extends z.ZodRawShape>(shape: T, where: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key in ${where}; known keys are: ${known}` : undefined),
  });
}

const positiveInt = (what: string) =>
  z
    .int({ error: `expected a positive integer (${what})` })
    .positive({ error: `expected a positive integer (${what})` });

const glob = z
  .string({ error: 'expected a glob string such as "src/**"' })
  .max(MAX_GLOB_LENGTH, {
    abort: true,
    error: (iss) =>
      `glob is ${typeof iss.input === 'string' ? iss.input.length.toLocaleString('en-US') : 'too many'} characters long; a glob may be at most ${MAX_GLOB_LENGTH.toLocaleString('en-US')}`,
  })
  .superRefine((g, ctx) => {
    const problem = globProblem(g);
    if (problem) ctx.addIssue({ code: 'custom', message: `glob ${JSON.stringify(g.slice(0, 60))}${g.length > 60 ? '…' : ''} ${problem}` });
  });

const globList = (what: string) =>
  z
    .array(glob, { error: `expected a list of globs (${what})` })
    .max(MAX_GLOBS_PER_LIST, {
      error: (iss) =>
        `has ${Array.isArray(iss.input) ? iss.input.length.toLocaleString('en-US') : 'too many'} globs; at most ${MAX_GLOBS_PER_LIST.toLocaleString('en-US')} are allowed per list (use broader globs such as "src/**")`,
    })
    .default([]);

/** A folder relative to the worktree root ('.' is the root itself). */
const relFolder = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = p === '.' ? undefined : globProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: `folder ${JSON.stringify(p.slice(0, 60))} ${problem.replace(/\bglob\b/g, 'path')}` });
  });

export const gateSchema = strict(
  {
    name: z
      .string()
      .regex(GATE_NAME, { error: 'expected a gate name of 1-64 letters, digits, ".", "_" or "-"' }),
    run: z.string().min(1, { error: 'expected the command to run' }).max(10_000),
    cwd: relFolder.default('.'),
    timeoutSec: positiveInt('seconds').max(24 * 3600, { error: 'expected at most 86400 seconds' }).default(DEFAULT_GATE_TIMEOUT_SEC),
    requiredForAccept: z.boolean().default(true),
  },
  'a gate',
);

const severityChoices = SEVERITIES.map((s) => `${s} ${SEVERITY_TEXT[s]}`).join(', ');
const severityShape = Object.fromEntries(
  VIOLATION_KINDS.map((k) => [k, z.enum(SEVERITIES).optional().describe(`${VIOLATION_KIND_TEXT[k]} Default severity: ${DEFAULT_SEVERITY[k]}. (${severityChoices}.)`)]),
) as {
  [K in (typeof VIOLATION_KINDS)[number]]: z.ZodOptional<z.ZodEnum<{ [S in (typeof SEVERITIES)[number]]: S }>>;
};

const budgetFigure = (what: string) =>
  z
    .number({ error: `expected a number (${what}); 0 means no budget` })
    .nonnegative({ error: `expected 0 or more (${what}); 0 means no budget` });

/**
 * A budget pauses the agent and asks the person (extend, accept as is, stop) when reached;
 * nothing is killed. Keys left out take the defaults from the `aop.budgets` setting.
 */
export const budgetSchema = strict(
  {
    tokens: budgetFigure('tokens').int({ error: 'expected a whole number of tokens' }).optional().describe('Input plus output tokens the agent may use, as it reports them, over all its sessions.'),
    costUsd: budgetFigure('US dollars').optional().describe('Cost in US dollars, where the agent reports it.'),
    wallTimeMinutes: budgetFigure('minutes').optional().describe('Minutes the agent may run (paused time does not count).'),
    filesChanged: budgetFigure('files').int({ error: 'expected a whole number of files' }).optional().describe('Files the feature may change against its base before the person is asked.'),
    checkpointMB: budgetFigure('megabytes').optional().describe("Megabytes the feature's checkpoints may hold in the repository's object store."),
  },
  'budget',
);

export const planSchema = strict(
  {
    version: z.literal(1, { error: 'expected 1 (the only plan format so far); write `version: 1`' }).describe('Plan format version. Always 1.'),
    allowed: globList('allowed').describe('Globs the feature may change. Omitted or empty: everything not forbidden. A glob without wildcards also matches the folder of that name.'),
    forbidden: globList('forbidden').describe('Globs the feature must never change. Always wins over allowed.'),
    exclusive: globList('exclusive').describe("Areas this feature locks: other features' changes there are violations."),
    limits: strict(
      {
        maxFileBytes: positiveInt('bytes').default(DEFAULT_LIMITS.maxFileBytes).describe('Largest size in bytes of any one added or modified file.'),
        quotaBytes: positiveInt('bytes').default(DEFAULT_LIMITS.quotaBytes).describe('Largest total size in bytes of all added and modified files.'),
        maxChangedFiles: positiveInt('files').default(DEFAULT_LIMITS.maxChangedFiles).describe('Most files the feature may change (added, modified or deleted).'),
      },
      'limits',
    )
      .prefault({})
      .describe('Size and count limits on what the feature changes.'),
    policy: strict(
      {
        blockExecutables: z.boolean().default(DEFAULT_POLICY.blockExecutables).describe('Adding an executable file is an error (otherwise a warning).'),
        blockSymlinks: z.boolean().default(DEFAULT_POLICY.blockSymlinks).describe('Adding or retargeting any symlink is an error.'),
        secretScan: z.boolean().default(DEFAULT_POLICY.secretScan).describe('Scan changed files for well-known credential shapes.'),
      },
      'policy',
    )
      .prefault({})
      .describe('Policy switches.'),
    severity: strict(severityShape, 'severity').prefault({}).describe('Per-kind override of the default severity of a violation.'),
    gates: z
      .array(gateSchema)
      .max(100, { error: 'at most 100 gates are allowed' })
      .default([])
      .superRefine((gates, ctx) => {
        const seen = new Set<string>();
        gates.forEach((g, i) => {
          if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate gate name ${JSON.stringify(g.name)}; names must be unique` });
          seen.add(g.name);
        });
      })
      .describe('Named commands run in the worktree, e.g. lint and tests.'),
    budget: budgetSchema.optional().describe('Budgets: reaching one takes a checkpoint, pauses the agent and asks you. Unset keys use the aop.budgets setting.'),
  },
  'the plan',
);

export type PlanInput = z.input<typeof planSchema>;
export type PlanData = z.output<typeof planSchema>;
export type Gate = z.output<typeof gateSchema>;
export type PlanBudget = z.output<typeof budgetSchema>;

/** A parsed, defaulted plan plus `planHash`, a content hash of its meaning (cache key). */
export interface Plan extends PlanData {
  readonly planHash: string;
}
