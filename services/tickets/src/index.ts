export { buildProgram, main } from './main.js';
export { openRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createHttpApp } from './http-app.js';
