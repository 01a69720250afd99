export { buildProgram, main } from './main.js';
export { openRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createHttpApp } from './http/http-app.js';
export { simulate } from './commands/simulate.js';
export { runVerify } from './commands/verify.js';
export { runWhatIf } from './commands/what-if.js';
export { WHAT_IF_HEAP_FLAG } from './batch-heap.js';
export { feedEvents } from './feed-events.js';
