/**
 * Preload for programs that do not import ttng: `node --import ttng/auto app.js` (or
 * `NODE_OPTIONS=--import=ttng/auto`) loads the tracer, defines the built-in providers, and starts
 * a session from the TTNG_* environment variables (see docs/node-tracing.md). Importing `ttng`
 * afterwards does not start a second session.
 */
import { isMainThread } from 'node:worker_threads';
import { startSessionFromEnv } from '../../tracer/session.js';
import './index.js';

if (isMainThread) startSessionFromEnv();
