export * from './statedump.js';
