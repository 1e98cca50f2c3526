/**
 * Writes schemas/plan.schema.json from the zod plan schema. Run after changing
 * src/core/plan/schema.ts:  npx tsx scripts/gen-plan-schema.ts
 * (test/unit/plan/jsonSchema.test.ts fails while the committed file is stale.)
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { planJsonSchemaText } from '../src/core/plan/jsonSchema';

export const PLAN_SCHEMA_FILE = path.join(__dirname, '..', 'schemas', 'plan.schema.json');

if (require.main === module) {
  writeFileSync(PLAN_SCHEMA_FILE, planJsonSchemaText());
  console.log(`wrote ${path.relative(process.cwd(), PLAN_SCHEMA_FILE)}`);
}
