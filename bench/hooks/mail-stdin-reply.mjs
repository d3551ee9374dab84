// Bench hook (run by bench/bench.mjs after the build): one message piped into
// `patchsentry mail --smtp` → the reply accepted by a local SMTP server (smtp-server on
// 127.0.0.1), process start to exit, as an MDA runs it. Each run gets a new Message-ID so
// that every run really reviews and sends; all runs share one state file, as a real bot does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';

const runs = 9;
const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'bin', 'patchsentry.js');
const patch = readFileSync(join(root, 'test', 'fixtures', 'mail', 'domctl-violation.patch'), 'utf8');
let received = 0;
const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.server.address();
const work = mkdtempSync(join(tmpdir(), 'patchsentry-bench-mail-'));
const times = [];
for (let i = 0; i < runs; i++) {
  const message = patch.replace(/^Message-Id: .*$/m, `Message-Id: <bench-${i}-${process.pid}@example.org>`);
  const start = process.hrtime.bigint();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'mail', '--smtp', `smtp://127.0.0.1:${port}`, '--from', 'bot@example.org', '--state', join(work, 'state.db')], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('close', resolve);
    child.stdin.end(message);
  });
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (code !== 0) console.log(`mail run ${i} exited ${code}`);
}
// The reference, measured against the same server in the same run: one bare nodemailer send
// from an already running process. smtp-server holds its greeting 100 ms to catch early
// talkers, so this floor is mostly that wait, not patchsentry's.
const replies = received;
const floor = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  await transport.sendMail({ from: 'bench@example.org', to: 'list@example.org', subject: 'floor', text: 'floor\n' });
  transport.close();
  floor.push(Number(process.hrtime.bigint() - start) / 1e6);
}
floor.sort((a, b) => a - b);
await new Promise((resolve) => server.close(resolve));
rmSync(work, { recursive: true, force: true });
times.sort((a, b) => a - b);
console.log(
  `single message on stdin to sent reply (patchsentry mail --smtp): median ${times[Math.floor(runs / 2)].toFixed(0)} ms of ${runs} runs ` +
    `(min ${times[0].toFixed(0)}, max ${times[runs - 1].toFixed(0)}); replies accepted ${replies}/${runs}\n` +
    `  reference: one bare SMTP send to the same server from a running process, median ${floor[Math.floor(runs / 2)].toFixed(0)} ms ` +
    `(smtp-server's 100 ms greeting delay included); patchsentry's own share ${(times[Math.floor(runs / 2)] - floor[Math.floor(runs / 2)]).toFixed(0)} ms`,
);
