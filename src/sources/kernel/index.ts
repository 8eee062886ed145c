/** The kernel tracer through tracefs (docs/kernel-tracing.md). */
export * from './consumer.js';
export * from './ctf-output.js';
export * from './errors.js';
export * from './event-catalog.js';
export * from './event-decoder.js';
export * from './format-parser.js';
export * from './kbuffer.js';
export * from './kernel-filter.js';
export * from './kernel-session.js';
export * from './lttng-layout.js';
export * from './task-tracker.js';
export * from './tracefs.js';
export * from './tracefs-instance.js';
export * from './uprobes.js';
