import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PLAN_SCHEMA_FILE } from '../../../scripts/gen-plan-schema';
import { planJsonSchemaText } from '../../../src/core/plan';

describe('plan: JSON Schema', () => {
  it('schemas/plan.schema.json matches the zod schema (regenerate: npx tsx scripts/gen-plan-schema.ts)', () => {
    assert.equal(readFileSync(PLAN_SCHEMA_FILE, 'utf8'), planJsonSchemaText());
  });

  it('describes the plan as a strict object requiring only version', () => {
    const schema = JSON.parse(planJsonSchemaText()) as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    assert.deepEqual(schema.required, ['version']);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties), ['version', 'allowed', 'forbidden', 'exclusive', 'limits', 'policy', 'severity', 'gates', 'budget']);
  });
});
