import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMail, type MailRunOptions } from '../../../bot/mail/run.js';
import { MailState } from '../../../bot/mail/state.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import { parseMaintainers } from '../../../src/engine/maintainers.js';
import { splitMbox } from '../../../src/ingest/mbox.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { bodyOf, headersOf, TestSmtpServer } from './support/smtp.js';
import { fixture, series, withHeaders } from './support/messages.js';

const T0 = Date.UTC(2026, 10, 25, 12);
let dir: string;
let server: TestSmtpServer;
let logs: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-smtp-'));
  server = new TestSmtpServer();
  await server.start();
  logs = [];
});
afterEach(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<MailRunOptions> = {}): MailRunOptions {
  return {
    pack: xenAltp2m,
    config: DEFAULT_CONFIG,
    from: { name: 'patchsentry', address: 'bot@example.org' },
    stateFile: join(dir, 'state.db'),
    smtp: new URL(`smtp://127.0.0.1:${server.port}`),
    out: new PassThrough(),
    quietMs: 30 * 60_000,
    minSeverity: 'info',
    perThread: 10,
    perHour: 30,
    log: (line) => logs.push(line),
    now: () => T0,
    ...overrides,
  };
}

const mail = (input: Buffer | string, overrides: Partial<MailRunOptions> = {}) =>
  runMail('-', { ...options(overrides), stdin: Readable.from([Buffer.from(input)]), flushAll: false });

describe('mail over SMTP', () => {
  it('delivers one threaded reply with the exact headers and the quoted evidence', async () => {
    const maintainers = parseMaintainers(readFileSync(fileURLToPath(new URL('../../fixtures/maintainers/MAINTAINERS', import.meta.url)), 'utf8'));
    const result = await mail(fixture('domctl-violation.patch'), { maintainers });
    expect(result).toEqual({ sent: 1, queued: 0 });
    expect(server.received).toHaveLength(1);
    const { raw, from, to } = server.received[0]!;
    expect(from).toBe('bot@example.org');
    // The author and the maintainers of public/domctl.h (THE REST); not the list, not the patch's Cc.
    expect(to.sort()).toEqual(['andrew.arch@example.com', 'jan.keeper@example.com', 'jane.dev@example.org', 'julia.rest@example.org', 'stefan.arm@example.org']);
    const h = headersOf(raw);
    expect(h.get('subject')).toBe('Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views');
    expect(h.get('in-reply-to')).toBe('<20261125081244.4711-1-jane.dev@example.org>');
    expect(h.get('references')).toBe('<20261125081244.4711-1-jane.dev@example.org>');
    expect(h.get('to')).toBe('Jane Developer <jane.dev@example.org>');
    expect(h.get('cc')).toBe('Andrew Arch <andrew.arch@example.com>, Jan Keeper <jan.keeper@example.com>, Julia Rest <julia.rest@example.org>, Stefan Arm <stefan.arm@example.org>');
    expect(h.get('from')).toBe('patchsentry <bot@example.org>');
    expect(h.get('auto-submitted')).toBe('auto-generated');
    expect(h.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(h.get('message-id')).toMatch(/^<patchsentry\.[0-9a-f]{24}@example\.org>$/);
    const body = bodyOf(raw);
    expect(body).toContain('> +#define XEN_DOMCTL_altp2m_get_views              89\n\nNew DOMCTL command');
    expect(body).toContain('> +        struct xen_domctl_altp2m_views      altp2m_views;');
    for (const line of body.split('\n')) expect(line.length).toBeLessThan(80);
  });

  it('sends nothing for a clean patch, and nothing new on a rerun', async () => {
    await mail(fixture('clean.patch'));
    expect(server.received).toHaveLength(0);
    await mail(fixture('domctl-violation.patch'));
    await mail(fixture('domctl-violation.patch'));
    await mail(fixture('clean.patch'));
    expect(server.received).toHaveLength(1);
    expect(logs.some((l) => l.includes('duplicate'))).toBe(true);
  });

  it('keeps a reply queued while the server is down and delivers it exactly once when it is back', async () => {
    const port = server.port;
    await server.stop();
    const down = await mail(fixture('domctl-violation.patch'), { smtp: new URL(`smtp://127.0.0.1:${port}`) });
    expect(down).toEqual({ sent: 0, queued: 1 });
    expect(logs.some((l) => l.startsWith('send failed for <patchsentry.'))).toBe(true);

    const back = new TestSmtpServer();
    await back.start(port);
    try {
      // Before the back-off has passed, the reply waits.
      const early = await mail('', { smtp: new URL(`smtp://127.0.0.1:${port}`), now: () => T0 + 1000 });
      expect(early.sent).toBe(0);
      const later = () => T0 + 60_000;
      expect(await mail(fixture('domctl-violation.patch'), { smtp: new URL(`smtp://127.0.0.1:${port}`), now: later })).toEqual({ sent: 1, queued: 0 });
      expect(await mail(fixture('domctl-violation.patch'), { smtp: new URL(`smtp://127.0.0.1:${port}`), now: later })).toEqual({ sent: 0, queued: 0 });
      expect(back.received).toHaveLength(1);
      expect(headersOf(back.received[0]!.raw).get('in-reply-to')).toBe('<20261125081244.4711-1-jane.dev@example.org>');
      const state = await MailState.create(join(dir, 'state.db'));
      expect(state.outbox().map((e) => [e.status, e.attempts])).toEqual([['sent', 2]]);
      state.close();
    } finally {
      await back.stop();
    }
  });

  it.each([
    [451, '4.3.0 Try again later'],
    [550, '5.7.1 Message rejected as spam'],
  ])('keeps a reply the server refuses with %i queued, and sends it once when the server takes it', async (code, message) => {
    server.rejectNext.push({ code, message });
    expect(await mail(fixture('domctl-violation.patch'))).toEqual({ sent: 0, queued: 1 });
    expect(logs.find((l) => l.startsWith('send failed for <patchsentry.'))).toContain(String(code));
    expect(server.received).toHaveLength(0);
    // Retried after the back-off, by any later run; then never again.
    const later = { now: () => T0 + 60_000 };
    expect(await mail('', later)).toEqual({ sent: 1, queued: 0 });
    expect(await mail(fixture('domctl-violation.patch'), later)).toEqual({ sent: 0, queued: 0 });
    expect(server.received).toHaveLength(1);
    const state = await MailState.create(join(dir, 'state.db'));
    expect(state.outbox().map((e) => [e.status, e.attempts])).toEqual([['sent', 2]]);
    state.close();
  });

  it('waits for a slow server and sends once', async () => {
    server.dataDelayMs = 3000;
    const started = Date.now();
    expect(await mail(fixture('domctl-violation.patch'))).toEqual({ sent: 1, queued: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(await mail(fixture('domctl-violation.patch'))).toEqual({ sent: 0, queued: 0 });
    expect(server.received).toHaveLength(1);
  }, 120_000);

  it('sends a queued reply once when two runs deliver at the same time', async () => {
    const port = server.port;
    await server.stop();
    await mail(fixture('domctl-violation.patch'), { smtp: new URL(`smtp://127.0.0.1:${port}`) });
    const back = new TestSmtpServer();
    await back.start(port);
    try {
      const later = { smtp: new URL(`smtp://127.0.0.1:${port}`), now: () => T0 + 60_000 };
      const results = await Promise.all([mail('', later), mail('', later), mail('', later)]);
      expect(results.map((r) => r.sent).sort()).toEqual([0, 0, 1]);
      expect(back.received).toHaveLength(1);
    } finally {
      await back.stop();
    }
  });

  it('keeps to the hourly limit, leaving the rest in the outbox', async () => {
    const s = series({ version: 1, title: 'two bad', idBase: 'hr', patches: [{ fixture: 'domctl-violation.patch', title: 'a' }, { fixture: 'domctl-handler.patch', title: 'b' }] });
    const mbox = s.map((m) => `From jane@example.org Wed Nov 25 10:00:00 2026\n${m.toString()}\n`).join('');
    expect(await mail(mbox, { perHour: 1 })).toEqual({ sent: 1, queued: 1 });
    expect(await mail('', { perHour: 1, now: () => T0 + 3_600_001 })).toEqual({ sent: 1, queued: 0 });
    expect(server.received.map((r) => headersOf(r.raw).get('in-reply-to'))).toEqual(['<hr-1@example.org>', '<hr-2@example.org>']);
  });

  it('logs in with the URL credentials and never logs the password', async () => {
    await server.stop();
    server = new TestSmtpServer({ user: 'bot', pass: 's3cr%t' });
    await server.start();
    await mail(fixture('domctl-violation.patch'), { smtp: new URL(`smtp://bot:${encodeURIComponent('s3cr%t')}@127.0.0.1:${server.port}`) });
    expect(server.received).toHaveLength(1);
    // A wrong password: the failure is logged, the password is not.
    await mail(withHeaders(fixture('domctl-handler.patch'), {}), { smtp: new URL(`smtp://bot:wrong-${encodeURIComponent('s3cr%t')}@127.0.0.1:${server.port}`) });
    expect(server.received).toHaveLength(1);
    expect(logs.some((l) => l.includes('send failed'))).toBe(true);
    expect(logs.some((l) => l.includes('bot:***@127.0.0.1'))).toBe(true);
    expect(logs.join('\n')).not.toMatch(/s3cr/);
  });

  it('writes a dry run as mboxrd and changes no state', async () => {
    const out = join(dir, 'replies.mbox');
    await runMail('-', { ...options({ smtp: null, outFile: out }), stdin: Readable.from([fixture('domctl-violation.patch')]), flushAll: false });
    await runMail('-', { ...options({ smtp: null, outFile: out }), stdin: Readable.from([fixture('domctl-violation.patch')]), flushAll: false });
    const messages = [];
    for await (const m of splitMbox(Readable.from([readFileSync(out)]))) messages.push(m);
    // Twice the same reply: a dry run remembers nothing.
    expect(messages).toHaveLength(2);
    expect(headersOf(messages[0]!.bytes.toString()).get('in-reply-to')).toBe('<20261125081244.4711-1-jane.dev@example.org>');
    expect(server.received).toHaveLength(0);
    await mail(fixture('domctl-violation.patch'));
    expect(server.received).toHaveLength(1);
  });
});
