/** The plan's JSON Schema, for editor completion in plan.yaml (yaml-language-server). */
import { z } from 'zod';
import { planSchema } from './schema';

/** Generated from the zod schema, describing the input a user writes (defaults make keys optional). */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(planSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'Agent Orchestrator feature plan (plan.yaml)',
    description: 'What a feature may touch: allowed and forbidden globs, exclusive areas, limits, policy switches, severity overrides and gates.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** The exact text of schemas/plan.schema.json. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
