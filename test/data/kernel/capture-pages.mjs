#!/usr/bin/env node
// Captures real ftrace raw pages from this machine's kernel, with the kernel's own text of the
// same records, for the kbuffer golden tests (test/sources/kernel/kbuffer.test.ts). Run as root:
//   node test/data/kernel/capture-pages.mjs
// It uses a private instance `ttng-capture` (removed at the end) with trace_clock x86-tsc, so the
// text shows raw clock values and the comparison is exact.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const T = '/sys/kernel/tracing';
const here = new URL('.', import.meta.url).pathname;
const out = join(here, 'pages');
mkdirSync(out, { recursive: true });

function capture(name, { overwrite, bufferKb, events, workload }) {
  const dir = join(T, 'instances', 'ttng-capture');
  try { rmdirSync(dir); } catch {}
  mkdirSync(dir);
  try {
    const w = (f, v) => writeFileSync(join(dir, f), v);
    w('tracing_on', '0');
    w('buffer_subbuf_size_kb', '4');
    w('buffer_size_kb', String(bufferKb));
    w('trace_clock', 'x86-tsc');
    w('options/overwrite', overwrite ? '1' : '0');
    for (const e of events) if (e !== 'ftrace/print') w(`events/${e}/enable`, '1');
    w('tracing_on', '1');
    workload(dir);
    w('tracing_on', '0');
    for (const cpu of [0, 1]) {
      writeFileSync(join(out, `${name}.cpu${cpu}.txt`), readFileSync(join(dir, `per_cpu/cpu${cpu}/trace`)));
      writeFileSync(join(out, `${name}.cpu${cpu}.stats`), readFileSync(join(dir, `per_cpu/cpu${cpu}/stats`)));
      const fd = openSync(join(dir, `per_cpu/cpu${cpu}/trace_pipe_raw`), constants.O_RDONLY | constants.O_NONBLOCK);
      const pages = [];
      for (;;) {
        const b = Buffer.alloc(4096);
        let n = 0;
        try { n = readSync(fd, b, 0, 4096, null); } catch (e) { if (e.code === 'EAGAIN') break; throw e; }
        if (n === 0) break;
        pages.push(b);
      }
      closeSync(fd);
      writeFileSync(join(out, `${name}.cpu${cpu}.bin`), Buffer.concat(pages));
    }
    writeFileSync(join(out, `${name}.header_page`), readFileSync(join(dir, 'events/header_page')));
  } finally {
    for (const e of events) try { writeFileSync(join(dir, `events/${e}/enable`), '0'); } catch {}
    rmdirSync(dir);
  }
}

const formats = join(here, 'formats');
mkdirSync(formats, { recursive: true });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

capture('mixed', {
  overwrite: false,
  bufferKb: 2048,
  events: ['sched/sched_switch', 'sched/sched_waking', 'syscalls/sys_enter_openat', 'syscalls/sys_exit_openat', 'ftrace/print', 'irq/softirq_entry', 'sched/sched_process_fork', 'sched/sched_process_exec'],
  workload(dir) {
    const m = join(dir, 'trace_marker');
    writeFileSync(m, 'short marker');
    writeFileSync(m, `long marker ${'x'.repeat(300)}`);
    execFileSync('sh', ['-c', 'for i in 1 2 3; do cat /etc/hostname >/dev/null; done']);
    sleep(400); // a gap long enough for a TIME_EXTEND record
    writeFileSync(m, 'after the gap');
    execFileSync('true');
  },
});
capture('overwrite', {
  overwrite: true,
  bufferKb: 16,
  events: ['ftrace/print'],
  workload(dir) {
    const fd = openSync(join(dir, 'trace_marker'), 'w');
    for (let i = 0; i < 2000; i++) writeFileSync(fd, `m${i}`);
    closeSync(fd);
  },
});
for (const e of ['sched/sched_switch', 'sched/sched_waking', 'syscalls/sys_enter_openat', 'syscalls/sys_exit_openat', 'ftrace/print', 'irq/softirq_entry', 'sched/sched_process_fork', 'sched/sched_process_exec', 'ftrace/kernel_stack', 'ipi/ipi_send_cpumask', 'dma/dma_map_sg', 'irq/irq_handler_entry', 'syscalls/sys_exit_read', 'sched/sched_process_exit', 'task/task_newtask', 'task/task_rename', 'ftrace/bprint']) {
  writeFileSync(join(formats, `${e.replace('/', '.')}.format`), readFileSync(join(T, 'events', e, 'format')));
}
writeFileSync(join(formats, 'header_page'), readFileSync(join(T, 'events/header_page')));
writeFileSync(join(formats, 'header_event'), readFileSync(join(T, 'events/header_event')));
console.log('captured into', out, 'and', formats);
