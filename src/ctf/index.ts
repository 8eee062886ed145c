export * from './errors.js';
export * from './model/index.js';
