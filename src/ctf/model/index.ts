export * from './clock-class.js';
export * from './data-stream-class.js';
export * from './event-record-class.js';
export * from './field-class.js';
export * from './field-location.js';
export * from './trace-class.js';
