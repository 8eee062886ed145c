export * from './ctf/index.js';
