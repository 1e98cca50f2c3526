/** The model double: a scripted stand-in for the model APIs the real agent CLIs call. */
export { ModelDouble, startModelDouble } from './server';
export type { RecordedRequest, Wire } from './server';
export type { Scenario, Step, ToolCall, Turn, Usage } from './scenario';
