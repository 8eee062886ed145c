export * from './errors.js';
export * from './monotonic-clock.js';
export * from './ring-buffer.js';
export * from './wait-async.js';
