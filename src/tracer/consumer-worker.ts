/**
 * Entry point of the consumer thread (started by session.ts with `new Worker(this file)`). It
 * listens on the tracer BroadcastChannel before saying it is ready (ConsumerState = 1), so no
 * stream registration can be missed, then runs the consumer loop and answers the owner's commands.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import { Consumer, type ConsumerCommand, type ConsumerReply } from './consumer.js';
import type { SessionConfig } from './session-config.js';
import type { TracerMessage } from './thread-tracer.js';
import { threadMonotonicClock } from './trace-clock.js';
import { ControlWord, TracerControl } from './tracer-control.js';

const { controlSab, config, gen } = workerData as {
  controlSab: SharedArrayBuffer;
  config: SessionConfig;
  gen: number;
};
const control = TracerControl.attach(controlSab);
// Kept referenced: the consumer lives until the session ends (the owner unrefs this worker).
const bc = new BroadcastChannel(control.channelName);
const post = (m: TracerMessage): void => bc.postMessage(m);

function reply(r: ConsumerReply): void {
  parentPort!.postMessage(r);
}

function fail(e: unknown): void {
  const err = e as { message?: string; code?: string };
  reply({ t: 'error', message: String(err?.message ?? e), ...(err?.code ? { code: err.code } : {}) });
}

let consumer: Consumer;
try {
  consumer = new Consumer(control, config, threadMonotonicClock());
  consumer.sessionGen = gen;
} catch (e) {
  fail(e);
  Atomics.store(control.words, ControlWord.ConsumerState, 3);
  Atomics.notify(control.words, ControlWord.ConsumerState);
  bc.close();
  throw e;
}

bc.onmessage = (e: unknown) => consumer.onMessage((e as { data: TracerMessage }).data);

let busy: Promise<unknown> = Promise.resolve();
parentPort!.on('message', (cmd: ConsumerCommand) => {
  busy = busy.then(async () => {
    try {
      if (cmd.t === 'stop') {
        const r = await consumer.stop();
        reply(r);
        bc.close();
        parentPort!.close();
      } else if (cmd.t === 'snapshot') reply(await consumer.snapshot(cmd.name, cmd.seq));
      else if (cmd.t === 'rotate') reply(await consumer.rotate(post));
    } catch (e) {
      fail(e);
    }
  });
});

Atomics.store(control.words, ControlWord.ConsumerState, 1);
Atomics.notify(control.words, ControlWord.ConsumerState);

consumer.run().then(
  () => {
    if (Atomics.load(control.words, ControlWord.ExitDone) === 1) bc.close();
  },
  (e) => {
    fail(e);
    Atomics.store(control.words, ControlWord.ExitDone, 1);
    Atomics.notify(control.words, ControlWord.ExitDone);
  },
);
