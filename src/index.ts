/**
 * The `ttng` package entry: the Node.js tracer API (docs/node-tracing.md) and the CTF model.
 *
 *     import { defineProvider, startSession } from 'ttng';
 *
 * Loading it defines the built-in providers (`node:*`, `lttng_ust_statedump:*`,
 * `lttng_ust_tracelog:*`) and, in the main thread, starts a session when TTNG_EVENTS or
 * TTNG_OUTPUT is set, so a program is traced without code changes and its trace is complete when
 * it ends.
 */
import { isMainThread } from 'node:worker_threads';
import { startSessionFromEnv } from './tracer/session.js';
import './sources/node/index.js';

export * from './ctf/index.js';
export { log, node } from './sources/node/index.js';
export {
  activeSession,
  type ChannelOptions,
  CONTEXT_NAMES,
  type ContextName,
  defineProvider,
  type EventRuleSpec,
  LogLevel,
  type LogLevelName,
  type Provider,
  Session,
  type SessionOptions,
  type SessionStopResult,
  startSession,
  type Tracepoint,
  TracerError,
  TracerErrorCode,
} from './tracer/index.js';

if (isMainThread) startSessionFromEnv();
