// A small Node program with tracepoints of its own, used by `ttng demo`, docs/record.md and
// test/cli/record-ust.test.ts. It runs untraced as a plain program (`node examples/demo-app.js`);
// under `ttng record -u 'demo:*,node:http_*' -- node examples/demo-app.js` its events, and Node's
// HTTP events, land in the session directory next to the kernel's.
//
// Each round: `demo:before_getppid` is emitted just before a getppid() system call
// (`process.ppid` calls it every time), so a kernel trace of the same run shows that user-space
// event right before the thread's `syscall_entry_getppid`; then one HTTP request to the
// program's own server (`node:http_client_request_start`, `node:http_server_request_start`...).
//
// Usage: node examples/demo-app.js [ROUNDS]   (default 5)
import { createServer, request } from 'node:http';
import { defineProvider } from 'ttng';

const demo = defineProvider('demo', {
  start: { loglevel: 'INFO', fields: [['rounds', 'u32']] },
  before_getppid: { loglevel: 'DEBUG', fields: [['round', 'u32']] },
  request_done: {
    loglevel: 'INFO',
    fields: [
      ['path', 'string'],
      ['status', 'u16'],
      ['bytes', 'u32'],
      ['duration_ns', 'u64'],
    ],
  },
  end: { loglevel: 'INFO', fields: [['rounds', 'u32']] },
});

const rounds = Number(process.argv[2] ?? 5);
if (!Number.isInteger(rounds) || rounds < 0) {
  process.stderr.write(`demo-app: ROUNDS must be a non-negative integer, not ${process.argv[2]}\n`);
  process.exit(2);
}

const server = createServer((req, res) => {
  const body = `item ${req.url}\n`.repeat(8);
  res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
  res.end(body);
});

function get(port, path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => {
        demo.request_done(path, res.statusCode ?? 0, bytes, process.hrtime.bigint() - t0);
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  demo.start(rounds);
  let ppid = 0;
  for (let i = 0; i < rounds; i++) {
    demo.before_getppid(i);
    ppid = process.ppid;
    await get(port, i % 4 === 3 ? '/missing' : `/items/${i}`);
  }
  demo.end(rounds);
  server.close();
  process.stdout.write(`demo-app: ${rounds} rounds, parent ${ppid}\n`);
});
