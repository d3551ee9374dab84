import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useDovecot } from '../../support/dovecot.js';
import { fillMaildir, GateSmtpServer, inReplyTo, loadMessages, repliesPer, readState, reviewedCount, startCli, toMbox, waitFor, type Cli, type LoadMessage } from './support/load.js';

/**
 * SIGKILL at chosen points of a run, then the same command again (docs/mail-bot.md: a crash
 * loses nothing and sends nothing twice). What reached the SMTP server with a 250 and what the
 * state file says are checked after the restart, against the messages put in.
 */


let dir: string;
let smtp: GateSmtpServer;
const running: Cli[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-kill-'));
  smtp = new GateSmtpServer();
  await smtp.start();
});
afterEach(async () => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(args: readonly string[]): Cli {
  const cli = startCli(args, dir);
  running.push(cli);
  return cli;
}

/** Kills with SIGKILL now and waits until the process is gone. */
async function kill(cli: Cli): Promise<void> {
  cli.child.kill('SIGKILL');
  expect((await cli.exited).signal).toBe('SIGKILL');
}

/**
 * After the restart: every violating message answered once (`inFlight`, the one reply the
 * server had accepted when the kill struck, may be there twice: see the test), nothing else
 * answered, every message reviewed once with the right outcome, the outbox all sent.
 */
function expectExactlyOnce(messages: readonly LoadMessage[], state: string, inFlight: string | null = null): void {
  const per = repliesPer(smtp.accepted);
  const violating = messages.filter((m) => m.violating);
  for (const m of violating) expect.soft(per.get(m.id), `replies to ${m.id}`).toEqual(m.id === inFlight ? expect.toBeOneOf([1, 2]) : 1);
  expect([...per.keys()].sort()).toEqual(violating.map((m) => m.id).sort());
  const s = readState(state);
  expect(s.integrity).toBe('ok');
  expect(s.reviewed.size).toBe(messages.length);
  for (const m of messages) {
    expect.soft(s.reviewed.get(m.id), `reviewed ${m.id}`).toBe(1);
    expect.soft(s.outcomes.get(m.id), `outcome of ${m.id}`).toBe(m.violating ? 'replied' : 'clean');
  }
  expect(s.held).toBe(0);
  expect([...s.outbox.keys()].sort()).toEqual(violating.map((m) => m.id).sort());
  expect(new Set(s.outbox.values())).toEqual(new Set(['sent']));
}

describe('mail MBOX killed with SIGKILL and run again', () => {
  // 100 messages, one in 4 wants a reply: 25 replies (smtp-server pauses 0.1 s on each new
  // connection, and the bot opens one per reply, so more replies only make the file slower).
  const N = 100;
  const REPLIES = N / 4;
  let messages: LoadMessage[];
  let mbox: string;
  let state: string;
  let args: string[];
  function setUp(n: number, violatingEvery: number): void {
    messages = loadMessages(n, 'kill', violatingEvery);
    mbox = join(dir, 'list.mbox');
    writeFileSync(mbox, toMbox(messages));
    state = join(dir, 'state.db');
    args = ['mail', mbox, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>', '--per-hour', '100000', '--per-thread', '100000'];
  }
  beforeEach(() => setUp(N, 4));

  async function restart(): Promise<void> {
    const again = start(args);
    const { code } = await again.exited;
    expect(code, again.stderr()).toBe(0);
    expect(again.stderr()).not.toMatch(/\n\s+at /); // no stack trace
  }

  it('while reviewing, before any reply is queued', { timeout: 240_000 }, async () => {
    // 400 messages: a long input is reviewed in chunks of 256, so the state is written
    // part-way through reading; 20 replies.
    setUp(400, 20);
    const first = start(args);
    await waitFor(() => reviewedCount(state) > 0, 120_000, first.stderr);
    await kill(first);
    const before = readState(state);
    expect(before.reviewed.size).toBeGreaterThan(0);
    expect(before.reviewed.size).toBeLessThan(400);
    expect(smtp.accepted).toHaveLength(0);
    await restart();
    expectExactlyOnce(messages, state);
  });

  for (const k of [1, REPLIES]) {
    it(`while sending, with reply ${k} of ${REPLIES} transmitted but not yet accepted`, { timeout: 240_000 }, async () => {
      const first = start(args);
      let killed = null as Promise<void> | null; // (set by the gate, which the compiler does not follow)
      smtp.gate = () => {
        if (smtp.accepted.length < k - 1) return true;
        killed ??= kill(first);
        return false;
      };
      await waitFor(() => killed !== null, 160_000, first.stderr);
      await killed;
      expect(smtp.accepted).toHaveLength(k - 1);
      smtp.gate = () => true;
      await restart();
      expectExactlyOnce(messages, state);
    });
  }

  it('right after the server accepted reply 5: at most that one is sent again', { timeout: 240_000 }, async () => {
    // The 250 is on its way and the process dies before it reads it: the bot cannot know the
    // reply went out, and sends it again (RFC 5321 §6.1, RFC 1047). That window is the only
    // place a duplicate may come from; every other reply is sent once.
    const first = start(args);
    let killed = null as Promise<void> | null; // (set by the gate, which the compiler does not follow)
    let inFlight: string | null = null;
    smtp.after = (raw) => {
      if (smtp.accepted.length !== 5 || killed) return;
      inFlight = inReplyTo(raw) ?? null;
      killed = kill(first);
    };
    await waitFor(() => killed !== null, 160_000, first.stderr);
    await killed;
    smtp.after = () => undefined;
    await restart();
    expect(inFlight).not.toBeNull();
    expectExactlyOnce(messages, state, inFlight);
    expect(smtp.accepted.length).toBeLessThanOrEqual(REPLIES + 1);
  });
});

describe('watch --maildir killed with SIGKILL and started again', () => {
  const N = 120;
  const REPLIES = N / 6;
  let messages: LoadMessage[];
  let maildir: string;
  let state: string;
  let args: string[];
  beforeEach(() => {
    messages = loadMessages(N, 'watch', 6);
    maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    messages.forEach((m, i) => writeFileSync(join(maildir, 'new', `${1764000000 + i}.M${i}P1.host`), m.raw));
    state = join(dir, 'state.db');
    args = ['watch', '--maildir', maildir, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>', '--per-hour', '100000', '--per-thread', '100000', '--backlog', 'review', '--poll', '200ms'];
  });

  /** Starts watch again, lets it finish the mailbox and the outbox, stops it with SIGTERM. */
  async function restartUntilDone(): Promise<void> {
    const again = start(args);
    await waitFor(() => readdirSync(join(maildir, 'cur')).length === N && smtp.accepted.length >= REPLIES, 160_000, again.stderr);
    // One more round of the loop would send a duplicate if there were one to send.
    await new Promise((r) => setTimeout(r, 600));
    again.child.kill('SIGTERM');
    const { code } = await again.exited;
    expect(code, again.stderr()).toBe(0);
    expect(readdirSync(join(maildir, 'new'))).toEqual([]);
  }

  it('while reviewing the Maildir', { timeout: 240_000 }, async () => {
    const first = start(args);
    await waitFor(() => readdirSync(join(maildir, 'cur')).length >= 30, 120_000, first.stderr);
    await kill(first);
    expect(readdirSync(join(maildir, 'cur')).length).toBeLessThan(N);
    expect(smtp.accepted).toHaveLength(0);
    await restartUntilDone();
    expectExactlyOnce(messages, state);
  });

  it('while sending, with reply 10 transmitted but not yet accepted', { timeout: 240_000 }, async () => {
    const first = start(args);
    let killed = null as Promise<void> | null; // (set by the gate, which the compiler does not follow)
    smtp.gate = () => {
      if (smtp.accepted.length < 9) return true;
      killed ??= kill(first);
      return false;
    };
    await waitFor(() => killed !== null, 160_000, first.stderr);
    await killed;
    expect(smtp.accepted).toHaveLength(9);
    smtp.gate = () => true;
    await restartUntilDone();
    expectExactlyOnce(messages, state);
  });
});

describe('watch --imap killed with SIGKILL mid-backlog and started again', () => {
  // 600 messages: three of the source's 200-message batches, so the kill lands with UIDs
  // acknowledged, some reviewed but not acknowledged, and some not fetched yet.
  const N = 600;
  const REPLIES = N / 30;
  const dovecot = useDovecot();

  it('reviews each message once and answers each violating one once', { timeout: 240_000 }, async () => {
    const messages = loadMessages(N, 'imap-kill', 30);
    fillMaildir(dovecot, messages.map((m) => m.raw));
    const state = join(dir, 'state.db');
    const url = `imap://${dovecot.user}:${encodeURIComponent(dovecot.password)}@127.0.0.1:${dovecot.port}/INBOX`;
    const args = ['watch', '--imap', url, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--state', state, '--from', 'patchsentry <bot@example.org>', '--per-hour', '100000', '--per-thread', '100000', '--backlog', 'review', '--poll', '1s'];
    const first = start(args);
    await waitFor(() => reviewedCount(state) >= 250, 160_000, first.stderr);
    await kill(first);
    const reviewedBefore = reviewedCount(state);
    expect(reviewedBefore).toBeLessThan(N);
    const again = start(args);
    await waitFor(() => reviewedCount(state) === N && smtp.accepted.length >= REPLIES, 160_000, again.stderr);
    await new Promise((r) => setTimeout(r, 600)); // time for a duplicate to show, were there one
    again.child.kill('SIGTERM');
    expect((await again.exited).code, again.stderr()).toBe(0);
    // The restart reads on from the last UID acknowledged. A message is acknowledged right
    // after it is recorded, so at most the one the kill fell between is read again, and it
    // is known by its Message-ID: logged `duplicate` (reviewed) or `duplicate (held)` (taken
    // in, not reviewed yet: it is reviewed now, from the state, with a line of its own).
    const lines = again.stderr().split('\n').filter((l) => /^patchsentry: uid \d+ </.test(l));
    const duplicates = lines.filter((l) => / duplicate( \(held\))?$/.test(l));
    expect(duplicates.length).toBeLessThanOrEqual(1);
    expect(lines.length - duplicates.length).toBe(N - reviewedBefore);
    expectExactlyOnce(messages, state);
  });
});
