#!/usr/bin/env node
// patchsentry's archive benchmark (docs/performance.md): measures, never fails on a time.
//
//   npm run bench                 (builds dist first; or: node bench/bench.mjs [--mb 400] [--runs 5])
//   npm run bench -- --baseline ../old-checkout [--pairs 5]   (and against the code before a change)
//
// Builds its input itself: ../shared/corpus/numstat-2000.mbox.gz decompressed and concatenated
// to at least --mb MB (default 400) in a temp dir (message ids repeat; that is fine here), and
// a file twice that size. Then, side by side on the same file: `git mailsplit -o<dir in /dev/shm>`,
// `grep -c '^From '`, `patchsentry check --format json` and `--format text` (stdout to
// /dev/null), each with wall time, messages/s, MB/s and peak RSS, and the ratio
// patchsentry / git mailsplit; the json run again on the doubled file; the latency of one
// message (process start to report, median of --runs); and the hooks for the other transports.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { loadavg } from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const targetMb = Number(opt('--mb', 400));
const runs = Number(opt('--runs', 5));
const corpus = resolve(root, opt('--corpus', '../shared/corpus/numstat-2000.mbox.gz'));
const cli = join(root, 'bin', 'patchsentry.js');
const keep = args.includes('--keep');

if (!existsSync(join(root, 'dist', 'bot', 'cli', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npx tsc -p tsconfig.build.json` first (npm run bench does)');
  process.exit(2);
}
if (!existsSync(corpus)) {
  console.error(`bench: ${corpus} not found (--corpus names another .mbox.gz)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'patchsentry-bench-'));
const cleanup = () => keep || rmSync(work, { recursive: true, force: true });
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// --- input -------------------------------------------------------------------------------
const unit = join(work, 'unit.mbox');
await pipeline(createReadStream(corpus), createGunzip(), createWriteStream(unit));
const unitBytes = statSync(unit).size;
const copies = Math.max(1, Math.ceil((targetMb * 1e6) / unitBytes));
const single = await concat(join(work, 'archive.mbox'), copies);
const double = await concat(join(work, 'archive-2x.mbox'), copies * 2);
const oneMessage = join(work, 'one.mbox');
writeFileSync(oneMessage, firstMessage(readFileSync(unit)));
// The inputs were just written: let the kernel write them back now, not during the first
// measured runs (1.2 GB of write-back slowed whatever ran first by a second or more).
spawnSync('sync');

async function concat(path, times) {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  for (let i = 0; i < times; i++) {
    for await (const chunk of createReadStream(unit, { highWaterMark: 1 << 20 })) if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { path, bytes: statSync(path).size };
}

function firstMessage(bytes) {
  const text = bytes.toString('latin1');
  const second = text.indexOf('\nFrom ', 1);
  return Buffer.from(second < 0 ? text : text.slice(0, second + 1), 'latin1');
}

// --- measuring ---------------------------------------------------------------------------
const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));

/**
 * Runs a command with stdout to a file (or /dev/null), returns wall seconds and peak RSS in
 * MB. Peak RSS comes from GNU time's %M when installed, else from polling the child's VmHWM.
 */
async function measure(command, argv, { stdout = '/dev/null' } = {}) {
  const rssFile = join(work, 'rss.txt');
  const full = TIME ? [TIME, '-f', '%M %U %S', '-o', rssFile, command, ...argv] : [command, ...argv];
  const out = createWriteStream(stdout);
  await once(out, 'open');
  const started = process.hrtime.bigint();
  // The bin's shebang finds `node` on PATH: make it this node.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', out, 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let polled = 0;
  const poll = TIME
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polled = Math.max(polled, Number(m[1]));
        } catch {
          /* the child just exited */
        }
      }, 10);
  const [code] = await once(child, 'exit');
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  out.close();
  // GNU time: peak RSS in KB, then user and system CPU seconds (all threads of the process).
  const [kb, user, sys] = TIME ? readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) : [polled, NaN, NaN];
  return { code, wall, rssMb: kb / 1024, cpu: user + sys, sys, stderr };
}

const rows = [];
function row(name, input, result, messages) {
  const mb = input.bytes / 1e6;
  rows.push({
    name,
    input: `${(mb / 1000).toFixed(2)} GB`.replace(/^0\./, '0.'),
    wall: result.wall,
    msgs: messages / result.wall,
    mbps: mb / result.wall,
    rss: result.rssMb,
    cpu: result.cpu,
    sys: result.sys,
    code: result.code,
  });
}

/** Message count and summary of a json report on disk (read by streaming the tail only). */
function summaryOf(path) {
  const size = statSync(path).size;
  const tail = Buffer.alloc(Math.min(size, 1 << 16));
  const fd = createReadStream(path, { start: size - tail.length });
  return new Promise((res) => {
    let text = '';
    fd.on('data', (d) => (text += d));
    fd.on('end', () => {
      const m = /"summary": (\{[\s\S]*?\n {2}\})/.exec(text);
      res(m ? JSON.parse(m[1]) : null);
    });
  });
}

console.log(`patchsentry bench — node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${TIME ? 'peak RSS by GNU time' : 'peak RSS by /proc VmHWM polling'}`);
console.log(`input: ${copies} × numstat-2000 = ${(single.bytes / 1e6).toFixed(0)} MB; doubled ${(double.bytes / 1e6).toFixed(0)} MB (temp dir ${work})\n`);

// git mailsplit first: the number of messages it writes is the yardstick for messages/s. It
// writes one file per message into tmpfs (/dev/shm), its fastest honest setup: on a disk its
// time is mostly the file system's (and varies several-fold from run to run).
const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/patchsentry-bench-') : null;
if (shm === null) console.log('note: no /dev/shm, so git mailsplit writes into the temp dir on disk (slower)\n');
process.on('exit', () => shm !== null && rmSync(shm, { recursive: true, force: true }));
const splitDir = join(shm ?? work, 'split');
mkdirSync(splitDir);
const splitOut = join(work, 'mailsplit.out');
const mailsplit = await measure('git', ['mailsplit', `-o${splitDir}`, single.path], { stdout: splitOut });
const gitCount = Number(readFileSync(splitOut, 'utf8').trim());
rmSync(splitDir, { recursive: true, force: true });
row(`git mailsplit${shm ? ' (to /dev/shm)' : ''}`, single, mailsplit, gitCount);
// To a file: GNU grep stops at the first match when its output is /dev/null.
const grepOut = join(work, 'grep.out');
const grep = await measure('grep', ['-c', '^From ', single.path], { stdout: grepOut });
row(`grep -c '^From ' (${readFileSync(grepOut, 'utf8').trim()})`, single, grep, gitCount);

// patchsentry runs as installed: bin/patchsentry.js through its shebang, with the settings it
// names there (malloc arenas, V8 young generation). `node bin/patchsentry.js` (none of them) is
// shown once for comparison.
const jsonOut = join(work, 'report.json');
const json = await measure(cli, ['check', '--format', 'json', '--fail-on', 'never', single.path], { stdout: jsonOut });
const summary = await summaryOf(jsonOut);
rmSync(jsonOut, { force: true });
row('patchsentry --format json', single, json, summary?.messages ?? gitCount);
const text = await measure(cli, ['check', '--format', 'text', '--fail-on', 'never', single.path]);
row('patchsentry --format text', single, text, summary?.messages ?? gitCount);
const bare = await measure(process.execPath, [cli, 'check', '--format', 'json', '--fail-on', 'never', single.path]);
row('  json, node bin/… (no settings)', single, bare, summary?.messages ?? gitCount);
const threaded = await measure(cli, ['check', '--format', 'json', '--fail-on', 'never', '-j', '1', single.path]);
row('patchsentry --format json -j 1', single, threaded, summary?.messages ?? gitCount);
const json2 = await measure(cli, ['check', '--format', 'json', '--fail-on', 'never', double.path]);
row('patchsentry --format json (2×)', double, json2, (summary?.messages ?? gitCount) * 2);
// git mailsplit again: its time (system time creating one file per message) varies
// several-fold from run to run here; the ratio below is against the faster of the two runs.
mkdirSync(splitDir);
const mailsplitAgain = await measure('git', ['mailsplit', `-o${splitDir}`, single.path], { stdout: splitOut });
rmSync(splitDir, { recursive: true, force: true });
row(`git mailsplit${shm ? ' (to /dev/shm)' : ''} (again)`, single, mailsplitAgain, gitCount);
const mailsplitWall = Math.min(mailsplit.wall, mailsplitAgain.wall);
// And patchsentry json again, after it, as mailsplit was run twice: the first run follows
// mailsplit writing 32,000 files, whose write-back competes with it.
const jsonAgain = await measure(cli, ['check', '--format', 'json', '--fail-on', 'never', single.path]);
row('patchsentry --format json (again)', single, jsonAgain, summary?.messages ?? gitCount);
const jsonWall = Math.min(json.wall, jsonAgain.wall);
const jsonRss = Math.max(json.rssMb, jsonAgain.rssMb);

const fmt = (n, d = 1) => n.toFixed(d).padStart(9);
console.log(`${'command'.padEnd(34)} ${'input'.padStart(8)} ${'wall s'.padStart(9)} ${'CPU s'.padStart(7)} ${'of it sys'.padStart(9)} ${'msgs/s'.padStart(9)} ${'MB/s'.padStart(9)} ${'peak RSS MB'.padStart(12)}  exit`);
for (const r of rows) console.log(`${r.name.padEnd(34)} ${r.input.padStart(8)} ${fmt(r.wall, 2)} ${fmt(r.cpu, 2).slice(2)} ${fmt(r.sys, 2)} ${fmt(r.msgs, 0)} ${fmt(r.mbps, 1)} ${fmt(r.rss, 1).padStart(12)}  ${r.code}`);
console.log('');
console.log(`messages: git mailsplit ${gitCount}, patchsentry ${summary?.messages ?? '?'} (summary: ${summary ? `${summary.patches} patches, ${summary.findings} findings, ${summary.errors} input errors` : 'not read'})`);
console.log(`ratio to git mailsplit, faster run to faster run (${jsonWall.toFixed(2)} s / ${mailsplitWall.toFixed(2)} s): json ${(jsonWall / mailsplitWall).toFixed(2)}   text ${(text.wall / mailsplitWall).toFixed(2)}   json -j 1 ${(threaded.wall / mailsplitWall).toFixed(2)}`);
console.log(`CPU time (user + system, every thread), faster run to faster run: json ${(Math.min(json.cpu, jsonAgain.cpu) / Math.min(mailsplit.cpu, mailsplitAgain.cpu)).toFixed(2)} × git mailsplit's (a steadier yardstick: mailsplit's wall time is mostly the kernel creating files)`);
console.log(`peak RSS of the json runs: ${jsonRss.toFixed(1)} MB (the higher of the two)`);
console.log(`doubling the input: time × ${(json2.wall / jsonWall).toFixed(2)}, peak RSS ${jsonRss.toFixed(1)} MB → ${json2.rssMb.toFixed(1)} MB`);

// --- against a baseline: the code before a change, side by side ----------------------------
// `--baseline DIR` (another checkout, built) runs its json report and this one's in turn,
// --pairs times (old, new, old, new, ...: a busy machine slows both alike), and says whether the
// reports are byte-identical and how the medians of wall time and peak RSS compare.
const baseline = opt('--baseline', null);
if (baseline !== null) {
  const baseCli = join(resolve(baseline), 'bin', 'patchsentry.js');
  const pairs = Number(opt('--pairs', 5));
  const checkArgs = ['check', '--format', 'json', '--fail-on', 'never', single.path];
  const timed = { old: [], new: [] };
  const outs = { old: join(work, 'old.json'), new: join(work, 'new.json') };
  let identical = true;
  for (let i = 0; i < pairs; i++) {
    timed.old.push(await measure(baseCli, checkArgs, { stdout: outs.old }));
    timed.new.push(await measure(cli, checkArgs, { stdout: outs.new }));
    identical &&= readFileSync(outs.old).equals(readFileSync(outs.new));
  }
  const median = (list, key) => [...list].map((r) => r[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const [oldWall, newWall, oldRss, newRss] = [median(timed.old, 'wall'), median(timed.new, 'wall'), median(timed.old, 'rssMb'), median(timed.new, 'rssMb')];
  const pct = (a, b) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
  console.log(`\nbaseline ${baseline}, ${pairs} pairs interleaved (json report of the ${(single.bytes / 1e6).toFixed(0)} MB input):`);
  console.log(`  wall s   old ${timed.old.map((r) => r.wall.toFixed(2)).join(' ')}   new ${timed.new.map((r) => r.wall.toFixed(2)).join(' ')}   medians ${oldWall.toFixed(2)} → ${newWall.toFixed(2)} (${pct(oldWall, newWall)})`);
  console.log(`  peak RSS MB   old ${timed.old.map((r) => r.rssMb.toFixed(0)).join(' ')}   new ${timed.new.map((r) => r.rssMb.toFixed(0)).join(' ')}   medians ${oldRss.toFixed(1)} → ${newRss.toFixed(1)} (${pct(oldRss, newRss)})`);
  console.log(`  reports byte-identical: ${identical ? 'yes' : 'NO'}`);
}

// --- latency of one message --------------------------------------------------------------
const latencies = [];
let oneRss = 0;
for (let i = 0; i < runs; i++) {
  const one = await measure(cli, ['check', '--format', 'json', '--fail-on', 'never', oneMessage]);
  latencies.push(one.wall);
  oneRss = Math.max(oneRss, one.rssMb);
}
latencies.sort((a, b) => a - b);
console.log(`single message, process start to report: median ${(latencies[Math.floor(latencies.length / 2)] * 1000).toFixed(0)} ms of ${runs} runs (min ${(latencies[0] * 1000).toFixed(0)}, max ${(latencies[latencies.length - 1] * 1000).toFixed(0)}); peak RSS ${oneRss.toFixed(1)} MB (the process with its modules, before any archive)`);

// --- hooks for the other transports ------------------------------------------------------
for (const hook of ['pr-3000-files.mjs', 'mail-stdin-reply.mjs']) {
  const path = join(root, 'bench', 'hooks', hook);
  if (!existsSync(path)) {
    const what = hook.startsWith('pr') ? 'a 3,000-file PR review against the local REST server' : 'single message on stdin to sent reply';
    console.log(`not measured: ${what} (no bench/hooks/${hook})`);
    continue;
  }
  const run = spawnSync(process.execPath, [path], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  process.stdout.write(run.stdout || `${hook}: no output (exit ${run.status}) ${run.stderr.slice(-500)}\n`);
}
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
