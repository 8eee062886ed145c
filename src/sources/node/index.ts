/** Node.js sources: the runtime provider (`node:*`), the state dump, and `log()` (tracelog). */
export { node } from './runtime.js';
export { emitStatedump, mappedObjects, readElfHeaders, statedump } from './statedump.js';
export { log, tracelogProvider } from './tracelog.js';
