import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailState, StateError } from '../../../bot/mail/state.js';
import { GateSmtpServer, inReplyTo, readState, ROOT, startCli, waitFor, type Cli } from './support/load.js';
import { fixture } from './support/messages.js';

/**
 * Two processes on one state file. SQLite serialises writers; what is tested is what the bot
 * makes of it: a `mail` run waits a while for a writer and then fails with the file and the
 * reason (exit 2, no stack trace); a second `watch` is refused at once; the file stays sound.
 */


let dir: string;
let state: string;
let smtp: GateSmtpServer;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-lock-'));
  state = join(dir, 'state.db');
  smtp = new GateSmtpServer();
  await smtp.start();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: readonly string[]): Cli {
  const run = startCli(args, dir);
  children.push(run.child);
  return run;
}

/**
 * Another process holding a write transaction on the state (an admin's `sqlite3` shell, a
 * stuck writer): it writes a row it never commits. Resolves once it holds the lock.
 */
async function holdWriteLock(file: string): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec("BEGIN IMMEDIATE");
    db.prepare("INSERT INTO meta (key, value) VALUES ('uncommitted', 'x')").run();
    process.stdout.write('locked\\n');
    process.on('SIGTERM', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('locked') || child.exitCode !== null, 40_000);
  expect(child.exitCode).toBeNull();
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => child.once('close', resolve));
  child.kill(signal);
  await exited;
}

const mailArgs = (input: string): string[] => ['mail', input, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>'];

describe('mail while another process holds a write transaction on the state', () => {
  beforeEach(async () => {
    // A state that exists (as it would by the time anyone holds it).
    (await MailState.create(state)).close();
    writeFileSync(join(dir, 'patch.eml'), fixture('domctl-violation.patch'));
  });

  it('waits, then exits 75 (EX_TEMPFAIL: the MDA delivers again later) naming the file and the reason; nothing is sent and the file stays sound', { timeout: 160_000 }, async () => {
    const holder = await holdWriteLock(state);
    const started = Date.now();
    const run = cli(mailArgs('patch.eml'));
    const { code } = await run.exited;
    const waited = Date.now() - started;
    expect(code).toBe(75);
    const stderr = run.stderr();
    expect(stderr).toContain(`patchsentry: ${state}: the state database is locked by another process (waited 5 s): database is locked`);
    expect(stderr).not.toMatch(/\n\s+at |SqliteError/); // a sentence, not a stack trace
    expect(waited).toBeGreaterThanOrEqual(4500); // it did wait for the other writer
    expect(smtp.accepted).toHaveLength(0);

    // The holder dies without committing (SIGKILL): its row is gone, the file is sound.
    await stop(holder, 'SIGKILL');
    const s = readState(state);
    expect(s.integrity).toBe('ok');
    expect(s.reviewed.size).toBe(0);
    const db = new Database(state, { readonly: true });
    expect(db.prepare("SELECT value FROM meta WHERE key = 'uncommitted'").get()).toBeUndefined();
    db.close();

    // The message was not lost: the MDA's retry (the same command) answers it, once.
    const again = cli(mailArgs('patch.eml'));
    expect((await again.exited).code, again.stderr()).toBe(0);
    expect(smtp.accepted.map(inReplyTo)).toEqual(['<20261125081244.4711-1-jane.dev@example.org>']);
    expect(readState(state).outcomes.get('<20261125081244.4711-1-jane.dev@example.org>')).toBe('replied');
  });

  it('goes on when the other writer commits within the wait', { timeout: 120_000 }, async () => {
    const holder = await holdWriteLock(state);
    const run = cli(mailArgs('patch.eml'));
    setTimeout(() => void stop(holder, 'SIGTERM'), 1000);
    expect((await run.exited).code, run.stderr()).toBe(0);
    expect(smtp.accepted).toHaveLength(1);
    expect(readState(state).integrity).toBe('ok');
  });
});

describe('two watch processes on one state file', () => {
  it('refuses the second at once with the file, the lock and the first one\'s pid; a killed watch leaves no stale lock', { timeout: 160_000 }, async () => {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    const args = ['watch', '--maildir', maildir, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>', '--poll', '200ms'];
    const first = cli(args);
    await waitFor(() => first.stderr().includes('watching'), 60_000, first.stderr);

    const second = cli(args);
    const { code } = await second.exited;
    expect(code).toBe(2);
    expect(second.stderr()).toContain(`patchsentry: ${state}: another patchsentry watch (pid ${first.child.pid} on `);
    expect(second.stderr()).toContain(`${state}.lock is locked. Stop it first, or give this one its own --state`);
    expect(second.stderr()).not.toMatch(/\n\s+at /);
    expect(second.stderr()).not.toContain('watching');

    // The first one is unharmed: it answers new mail.
    writeFileSync(join(maildir, 'new', '1764000000.1.host'), fixture('domctl-violation.patch'));
    // `sent` is logged once the outbox has it as sent (a kill between the server's 250 and
    // that would send it again: kill-restart.test.ts covers that window).
    await waitFor(() => smtp.accepted.length === 1 && first.stderr().includes('patchsentry: sent '), 60_000, first.stderr);

    // Killed, it cannot unlock; the kernel drops the lock with the process.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = cli(args);
    await waitFor(() => third.stderr().includes('watching'), 60_000, third.stderr);
    writeFileSync(join(maildir, 'new', '1764000001.2.host'), fixture('domctl-handler.patch'));
    await waitFor(() => smtp.accepted.length === 2 && readdirSync(join(maildir, 'cur')).length === 2, 60_000, third.stderr);
    third.child.kill('SIGTERM');
    expect((await third.exited).code, third.stderr()).toBe(0);
    expect(smtp.accepted.map(inReplyTo)).toEqual(['<20261125081244.4711-1-jane.dev@example.org>', '<20261125081245.4711-2-jane.dev@example.org>']);
    expect(readState(state).integrity).toBe('ok');
  });

  it('a watch logs a locked state file with its name and retries, losing nothing', { timeout: 160_000 }, async () => {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    const watch = cli(['watch', '--maildir', maildir, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>', '--poll', '200ms']);
    await waitFor(() => watch.stderr().includes('watching'), 60_000, watch.stderr);
    const holder = await holdWriteLock(state);
    writeFileSync(join(maildir, 'new', '1764000000.1.host'), fixture('domctl-violation.patch'));
    await waitFor(() => watch.stderr().includes('error: '), 80_000, watch.stderr);
    expect(watch.stderr()).toContain(`patchsentry: error: ${state}: the state database is locked by another process`);
    expect(readdirSync(join(maildir, 'new'))).toEqual(['1764000000.1.host']); // not taken while unrecorded
    await stop(holder, 'SIGTERM');
    await waitFor(() => smtp.accepted.length === 1 && readdirSync(join(maildir, 'cur')).length === 1, 80_000, watch.stderr);
    watch.child.kill('SIGTERM');
    expect((await watch.exited).code, watch.stderr()).toBe(0);
    expect(smtp.accepted).toHaveLength(1);
    expect(readState(state).integrity).toBe('ok');
  });
});

describe('a dry run beside real runs', () => {
  it('a dry-run watch that has read mail keeps no lock on the state: a real mail run goes straight on', { timeout: 160_000 }, async () => {
    (await MailState.create(state)).close();
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    writeFileSync(join(maildir, 'new', '1764000000.1.host'), fixture('domctl-handler.patch'));
    const dry = cli(['watch', '--maildir', maildir, '--state', state, '--out', join(dir, 'dry.mbox'), '--poll', '200ms', '--backlog', 'review']);
    // It has reviewed (and so written, in its own copy) before the real run starts.
    await waitFor(() => /1764000000\.1\.host .* would reply \(dry run\)/.test(dry.stderr()), 60_000, dry.stderr);
    writeFileSync(join(dir, 'patch.eml'), fixture('domctl-violation.patch'));
    // A lock kept by the dry run would make this run wait 5 s and exit 75 (the test above).
    const real = cli(mailArgs('patch.eml'));
    expect((await real.exited).code, real.stderr()).toBe(0);
    expect(smtp.accepted).toHaveLength(1);
    dry.child.kill('SIGTERM');
    expect((await dry.exited).code, dry.stderr()).toBe(0);
    // The dry run left the file as the real run made it.
    const s = readState(state);
    expect([...s.reviewed.keys()]).toEqual(['<20261125081244.4711-1-jane.dev@example.org>']);
    expect(s.integrity).toBe('ok');
  });
});

describe('MailState.create({ exclusive })', () => {
  it('lets one holder at a time have the file, says who has it, and frees it on close', async () => {
    const a = await MailState.create(state, { exclusive: true });
    const refused = MailState.create(state, { exclusive: true });
    await expect(refused).rejects.toThrow(StateError);
    await expect(MailState.create(state, { exclusive: true })).rejects.toThrow(`${state}: another patchsentry watch (pid ${process.pid} on `);
    // Readers and plain writers (an MDA's `mail` run, a dry run) are not kept out.
    const plain = await MailState.create(state);
    plain.setMeta('k', 'v');
    plain.close();
    const dry = await MailState.create(state, { dryRun: true, exclusive: true });
    expect(dry.getMeta('k')).toBe('v');
    dry.close();
    a.close();
    const b = await MailState.create(state, { exclusive: true });
    b.close();
  });
});

describe('outbox claims of other processes', () => {
  const reply = { messageId: '<r1@bot>', inReplyTo: '<p1@dev>', thread: '<p1@dev>', envelopeFrom: 'bot@example.org', recipients: ['dev@example.org'], raw: 'Subject: x\n\nbody\n' };

  /** Queues one reply and marks it claimed by `claimer` at t=1000 with a 10-minute lease. */
  async function claimedBy(claimer: string): Promise<MailState> {
    const mine = await MailState.create(state);
    mine.enqueue(reply, 1000);
    const db = new Database(state);
    db.prepare("UPDATE outbox SET status = 'sending', next_attempt_at = ?, claimed_by = ?").run(1000 + 600_000, claimer);
    db.close();
    return mine;
  }

  it('a claim of a process of this host that is gone is due at once, and only one taker gets it', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('close', resolve));
    const mine = await claimedBy(`${gone.pid}@${hostname()}`);
    expect(mine.due(2000).map((e) => e.status)).toEqual(['sending']);
    expect(mine.claim(mine.due(2000)[0]!.id, 2000, 600_000)).toBe(true);
    // Now it is ours (alive): not due for anyone else until the lease ends.
    expect(mine.claim(mine.outbox()[0]!.id, 2000, 600_000)).toBe(false);
    mine.close();
  });

  it('a claim of a live process, or of another host, waits for its lease', async () => {
    for (const claimer of [`${process.ppid}@${hostname()}`, `1@another-host.example`]) {
      rmSync(state, { force: true });
      rmSync(`${state}-wal`, { force: true });
      rmSync(`${state}-shm`, { force: true });
      const mine = await claimedBy(claimer);
      expect(mine.due(2000)).toEqual([]);
      expect(mine.claim(mine.outbox()[0]!.id, 2000, 600_000)).toBe(false);
      expect(mine.due(1000 + 600_000).map((e) => e.status)).toEqual(['sending']);
      mine.close();
    }
  });
});
