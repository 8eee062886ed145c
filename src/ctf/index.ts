export * from './errors.js';
export * from './model/index.js';
export * from './model/lttng-layout.js';
export * from './writer/index.js';
