import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../../support/dovecot.js';
import { fillMaildir, GateSmtpServer, inReplyTo, loadMessages, readState, reviewedCount, startCli, waitFor, type Cli } from './support/load.js';

/**
 * Load: a mailbox of 10,000 messages drained by `watch --imap` (the built CLI, a child
 * process on a 64 MB V8 heap) from a real Dovecot. Every message is reviewed once, the
 * violating ones are answered once, and the process's peak RSS stays bounded.
 */

const N = 10_000;
/** One in 500 breaks the policy: 20 replies (each costs the test SMTP server 0.1 s). */
const VIOLATING_EVERY = 500;
/** Each message ~12 KB (a patch mail's usual size): 120 MB in all, twice the heap. */
const PAD = 10_000;
/** The heap the bot runs with: far less than the mailbox's messages would take at once. */
const HEAP_MB = 64;
/**
 * Peak RSS bound: Node, V8's heap and SQLite's cache. Measured: ~120 MB for 1,000 messages,
 * ~140 MB for 10,000; reading the whole backlog at once took 248 MB and grew with the mailbox.
 */
const RSS_BOUND_MB = 180;

let dovecot: Dovecot;
let smtp: GateSmtpServer;
let dir: string;
let watch: Cli | null = null;

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = new GateSmtpServer();
  await smtp.start();
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-drain-'));
}, 480_000);
afterAll(async () => {
  if (watch && watch.child.exitCode === null && watch.child.signalCode === null) watch.child.kill('SIGKILL');
  await smtp?.stop();
  await dovecot?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Peak resident set of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) / 1024;
}


describe(`watch --imap drains a ${N.toLocaleString('en')}-message mailbox`, () => {
  it('reviews each message once, answers each violating one once, within a bounded memory', { timeout: 480_000 }, async () => {
    const filling = Date.now();
    const messages = loadMessages(N, 'drain', VIOLATING_EVERY, PAD);
    const bytes = fillMaildir(dovecot, messages.map((m) => m.raw));
    const filled = (Date.now() - filling) / 1000;
    const state = join(dir, 'state.db');
    const url = `imap://${dovecot.user}:${encodeURIComponent(dovecot.password)}@127.0.0.1:${dovecot.port}/INBOX`;
    const started = Date.now();
    watch = startCli(
      ['watch', '--imap', url, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>', '--per-hour', '100000', '--per-thread', '100000', '--backlog', 'review', '--poll', '1s'],
      dir,
      [`--max-old-space-size=${HEAP_MB}`],
    );
    const pid = watch.child.pid!;
    let peak = 0;
    await waitFor(
      () => {
        if (watch!.child.exitCode !== null) return true;
        peak = Math.max(peak, peakRssMb(pid));
        return reviewedCount(state) === N && smtp.accepted.length >= N / VIOLATING_EVERY;
      },
      400_000,
      () => `${reviewedCount(state)} reviewed, ${smtp.accepted.length} sent\n${watch!.stderr().slice(-2000)}`,
    );
    expect(watch.child.exitCode, watch.stderr().slice(-3000)).toBeNull(); // survived the small heap
    const elapsed = (Date.now() - started) / 1000;
    peak = Math.max(peak, peakRssMb(pid));
    watch.child.kill('SIGTERM');
    const { code } = await watch.exited;
    expect(code, watch.stderr().slice(-3000)).toBe(0);
    // Figures, for the reader of the log: measured, not asserted.
    console.log(`imap drain: ${N} messages (${(bytes / 1e6).toFixed(1)} MB, written in ${filled.toFixed(1)} s) drained in ${elapsed.toFixed(1)} s, peak RSS ${peak.toFixed(0)} MB on a ${HEAP_MB} MB heap`);

    const s = readState(state);
    expect(s.integrity).toBe('ok');
    expect(s.reviewed.size).toBe(N);
    for (const m of messages) {
      expect.soft(s.reviewed.get(m.id), m.id).toBe(1);
      expect.soft(s.outcomes.get(m.id), m.id).toBe(m.violating ? 'replied' : 'clean');
    }
    // One log line per message, each message once: no UID was read twice.
    const lines = watch.stderr().split('\n').filter((l) => /^patchsentry: uid \d+ </.test(l));
    expect(lines).toHaveLength(N);
    expect(lines.filter((l) => / duplicate/.test(l))).toEqual([]);
    expect(new Set(lines.map((l) => / (<[^>]+>) /.exec(l)?.[1])).size).toBe(N);
    const violating = messages.filter((m) => m.violating).map((m) => m.id).sort();
    expect(smtp.accepted.map(inReplyTo).sort()).toEqual(violating);
    expect([...s.outbox.keys()].sort()).toEqual(violating);
    // Every UID acknowledged: a restart would read nothing again.
    const db = new Database(state, { readonly: true });
    const saved = JSON.parse((db.prepare('SELECT value FROM meta WHERE key LIKE ?').get('imap:%') as { value: string }).value) as { uid: number };
    db.close();
    expect(saved.uid).toBe(N);
    expect(peak).toBeLessThan(RSS_BOUND_MB);
  });
});
