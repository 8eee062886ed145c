/** The Node.js tracer: providers, sessions, event rules, contexts, consumer. See docs/node-tracing.md. */
export { CONTEXT_NAMES, type ContextName } from './contexts.js';
export { TracerError, TracerErrorCode } from './errors.js';
export type { EventClassDef, EventDefinition } from './event-class-def.js';
export { type EventRuleSpec, starGlobMatch } from './event-rule.js';
export type {
  ArgsOf,
  ArraySpec,
  EnumSpec,
  FieldArg,
  FieldList,
  FieldRecord,
  FieldSpec,
  IntegerSpec,
  SequenceSpec,
  TextSpec,
} from './field-spec.js';
export { LogLevel, type LogLevelName, logLevelName, parseLogLevel } from './log-level.js';
export { defineProvider, type Provider, type Tracepoint } from './provider.js';
export {
  activeSession,
  onSessionStart,
  Session,
  type SessionStopResult,
  startSession,
  startSessionFromEnv,
  startSessionSync,
} from './session.js';
export type { ChannelOptions, SessionOptions } from './session-config.js';
export { ThreadTracer } from './thread-tracer.js';
