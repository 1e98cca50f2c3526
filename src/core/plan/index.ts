export { parsePlan, loadPlan, defaultPlan, makePlan, formatField, MAX_PLAN_BYTES } from './parse';
export type { PlanProblem } from './parse';
export { planSchema, gateSchema, DEFAULT_LIMITS, DEFAULT_POLICY, DEFAULT_GATE_TIMEOUT_SEC } from './schema';
export type { Plan, PlanData, PlanInput, Gate } from './schema';
export { globProblem, normalizeGlob, braceDepth, MAX_GLOB_LENGTH, MAX_BRACE_DEPTH, MAX_GLOBS_PER_LIST } from './globHygiene';
export { planJsonSchema, planJsonSchemaText } from './jsonSchema';
