import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWatchCommand } from '../../../bot/mail/run.js';
import { MailState } from '../../../bot/mail/state.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { startDovecot, type Dovecot } from '../../support/dovecot.js';
import { fixture, withHeaders } from './support/messages.js';
import { headersOf, TestSmtpServer } from './support/smtp.js';

let dovecot: Dovecot;
let smtp: TestSmtpServer;
let dir: string;

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = new TestSmtpServer();
  await smtp.start();
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-imap-'));
});
afterAll(async () => {
  await smtp?.stop();
  await dovecot?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function append(...messages: Buffer[]): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await client.connect();
  for (const m of messages) await client.append('INBOX', m);
  await client.logout();
}

/** Runs `watch --imap` in-process until `until()` holds, then stops it as SIGTERM would. */
async function watchUntil(until: (logs: string[]) => boolean, options: { state?: string; backlog?: 'skip' | 'review' } = {}): Promise<string[]> {
  const logs: string[] = [];
  const controller = new AbortController();
  const url = new URL(`imap://${dovecot.user}:${encodeURIComponent(dovecot.password)}@127.0.0.1:${dovecot.port}/INBOX`);
  const running = runWatchCommand({
    pack: xenAltp2m,
    config: DEFAULT_CONFIG,
    from: { name: 'patchsentry', address: 'bot@example.org' },
    stateFile: join(dir, options.state ?? 'state.db'),
    smtp: new URL(`smtp://127.0.0.1:${smtp.port}`),
    out: new PassThrough(),
    quietMs: 30 * 60_000,
    minSeverity: 'info',
    perThread: 10,
    perHour: 30,
    log: (line) => logs.push(line),
    now: () => Date.now(),
    imap: url,
    pollMs: 3_600_000,
    // The mail put in the mailbox before the watch starts is what the first test is about.
    backlog: options.backlog ?? 'review',
    signal: controller.signal,
  });
  const end = Date.now() + 100_000;
  while (!until(logs)) {
    if (Date.now() > end) {
      controller.abort();
      await running.catch(() => undefined);
      throw new Error(`timed out; log:\n${logs.join('\n')}\n${dovecot.log()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  controller.abort();
  await running;
  return logs;
}

describe('watch --imap against Dovecot', () => {
  it('answers mail in the mailbox, remembers the last UID, and picks up new mail through IDLE', { timeout: 240_000 }, async () => {
    await append(withHeaders(fixture('clean.patch'), {}), withHeaders(fixture('domctl-violation.patch'), {}));
    const first = await watchUntil((logs) => logs.some((l) => l.startsWith('sent ')));
    expect(first.some((l) => /^uid 1 <20261125083002\.4800-1-jane\.dev@example\.org> .* clean$/.test(l))).toBe(true);
    expect(first.some((l) => /^uid 2 <20261125081244\.4711-1-jane\.dev@example\.org> .* replied <patchsentry\./.test(l))).toBe(true);
    expect(first.at(-1)).toBe('stopped');
    expect(first.join('\n')).not.toContain(dovecot.password);
    expect(smtp.received).toHaveLength(1);
    expect(headersOf(smtp.received[0]!.raw).get('in-reply-to')).toBe('<20261125081244.4711-1-jane.dev@example.org>');

    const state = await MailState.create(join(dir, 'state.db'));
    const saved = state.getMeta(`imap:127.0.0.1:${dovecot.port}:${dovecot.user}:INBOX`);
    expect(JSON.parse(saved!)).toMatchObject({ uid: 2 });
    state.close();

    // A restart reads nothing old; mail appended while it waits arrives by IDLE: the poll
    // interval is an hour, longer than the test may take.
    const second = await watchUntil((logs) => {
      if (logs.some((l) => l.startsWith('watching')) && !logs.includes('appended')) {
        logs.push('appended');
        setTimeout(() => void append(withHeaders(fixture('domctl-handler.patch'), {})), 1500);
      }
      return logs.some((l) => l.startsWith('sent '));
    });
    expect(second.filter((l) => l.startsWith('uid '))).toEqual([expect.stringMatching(/^uid 3 <20261125081245\.4711-2-jane\.dev@example\.org> .* replied/)]);
    expect(smtp.received).toHaveLength(2);
  });

  it('a first watch on a fresh state records the mailbox backlog as seen, without replies, and answers what comes after', { timeout: 240_000 }, async () => {
    const before = smtp.received.length;
    const logs = await watchUntil(
      (lines) => {
        if (lines.some((l) => l.startsWith('watching')) && !lines.includes('appended')) {
          lines.push('appended');
          setTimeout(() => void append(withHeaders(fixture('domctl-violation.patch'), { 'Message-Id': '<after-the-start@example.org>' })), 1500);
        }
        return lines.some((l) => l.startsWith('sent '));
      },
      { state: 'fresh.db', backlog: 'skip' },
    );
    // uid 1-3 are the first test's: old mail to this state.
    for (const uid of [1, 2, 3]) expect(logs.some((l) => l.startsWith(`uid ${uid} `) && l.endsWith('skipped: in the mailbox before the first watch (--backlog review answers it)')), `uid ${uid}`).toBe(true);
    expect(logs.filter((l) => / replied /.test(l))).toEqual([expect.stringMatching(/^uid 4 <after-the-start@example\.org> .* replied /)]);
    expect(smtp.received.length - before).toBe(1);
    expect(headersOf(smtp.received.at(-1)!.raw).get('in-reply-to')).toBe('<after-the-start@example.org>');
  });
});
