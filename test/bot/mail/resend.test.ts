// The same patch posted again under a new Message-ID gets no second reply: the mail bot keeps
// each patch's identity (src/ingest/patch-id.ts, as `git patch-id --stable`) in its state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailBot } from '../../../bot/mail/bot.js';
import { MailState } from '../../../bot/mail/state.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { fixture, series, withHeaders } from './support/messages.js';

const BOT = { name: 'patchsentry', address: 'bot@example.org' };
const T0 = Date.UTC(2026, 10, 25, 12);
const ORIGINAL = '<20261125081244.4711-1-jane.dev@example.org>';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-resend-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One MDA invocation: open the state, receive, close. */
async function run(raws: Buffer[], now: number) {
  const state = await MailState.create(join(dir, 'state.db'));
  try {
    const bot = new MailBot(state, { pack: xenAltp2m, config: DEFAULT_CONFIG, from: BOT, quietMs: 0 });
    const outcomes = await bot.receive(raws.map((bytes, index) => ({ index, bytes })), now, true);
    return { outcomes: outcomes.map((o) => [o.key, o.outcome]), outbox: state.outbox().map((e) => e.inReplyTo) };
  } finally {
    state.close();
  }
}

const violation = (fields: Record<string, string | null> = {}): Buffer => withHeaders(fixture('domctl-violation.patch'), fields);

describe('the same patch under a new Message-ID', () => {
  it('gets no second reply as [PATCH RESEND], as a plain re-post, or rebased onto another base', async () => {
    expect((await run([violation()], T0)).outbox).toEqual([ORIGINAL]);
    const resend = violation({ 'Message-Id': '<resend@example.org>', Subject: '[PATCH RESEND] xen/domctl: add XEN_DOMCTL_altp2m_get_views', Date: 'Thu, 26 Nov 2026 09:00:00 +0100' });
    const again = violation({ 'Message-Id': '<again@example.org>' });
    // Rebased: other hunk offsets, other blob names, a reworded commit message.
    const rebased = Buffer.from(
      violation({ 'Message-Id': '<rebased@example.org>' })
        .toString()
        .replace('@@ -1306,6 +1315,7 @@', '@@ -1310,6 +1319,7 @@')
        .replace('index 2a1e9c4..7d3f0b8', 'index 3b2f0d5..8e4a1c9')
        .replace('External introspection tools', 'Introspection tools outside the guest'),
    );
    const result = await run([resend, again, rebased], T0 + 60_000);
    expect(result.outcomes).toEqual([
      ['<resend@example.org>', `silent: same patch as ${ORIGINAL}`],
      ['<again@example.org>', `silent: same patch as ${ORIGINAL}`],
      ['<rebased@example.org>', `silent: same patch as ${ORIGINAL}`],
    ]);
    expect(result.outbox).toEqual([ORIGINAL]);
  });

  it('answers a v2 whose diff changed, and stays silent on a v2 patch that did not', async () => {
    const v1 = series({ version: 1, title: 'altp2m views', idBase: 'v1', patches: [{ fixture: 'domctl-violation.patch', title: 'header' }, { fixture: 'unwatched.patch', title: 'docs' }] });
    const v2 = series({ version: 2, title: 'altp2m views', idBase: 'v2', patches: [{ fixture: 'domctl-violation.patch', title: 'header' }, { fixture: 'domctl-handler.patch', title: 'handler' }] });
    await run(v1, T0);
    // A one-line change makes it another patch: answered.
    const changed = Buffer.from(violation({ 'Message-Id': '<changed@example.org>' }).toString().replace('get_views              89', 'get_views              90'));
    const result = await run([...v2, changed], T0 + 60_000);
    expect(Object.fromEntries(result.outcomes)).toMatchObject({
      '<v2-1@example.org>': 'nothing new to report',
      '<v2-2@example.org>': 'replied',
      '<changed@example.org>': 'replied',
    });
  });

  it('answers the same patch when the first post got no reply (automatic mail, own mail)', async () => {
    const auto = violation({ 'Message-Id': '<auto@example.org>', 'Auto-Submitted': 'auto-generated' });
    expect((await run([auto], T0)).outcomes).toEqual([['<auto@example.org>', 'silent: Auto-Submitted: auto-generated']]);
    expect((await run([violation()], T0 + 60_000)).outbox).toEqual([ORIGINAL]);
  });

  it('keeps the identity across processes and a RESEND of a whole series', async () => {
    const v1 = series({ version: 1, title: 'altp2m views', idBase: 'r1', patches: [{ fixture: 'domctl-violation.patch', title: 'header' }, { fixture: 'domctl-handler.patch', title: 'handler' }] });
    expect((await run(v1, T0)).outbox).toEqual(['<r1-1@example.org>', '<r1-2@example.org>']);
    // `git send-email --subject-prefix='PATCH RESEND'`: same version, new ids.
    const resent = series({ version: 1, title: 'altp2m views', idBase: 'r2', patches: [{ fixture: 'domctl-violation.patch', title: 'header' }, { fixture: 'domctl-handler.patch', title: 'handler' }] }).map((m) =>
      Buffer.from(m.toString().replace(/^Subject: \[PATCH /m, 'Subject: [PATCH RESEND ')),
    );
    const result = await run(resent, T0 + 60_000);
    expect(result.outcomes).toEqual([
      ['<r2-0@example.org>', 'clean'],
      ['<r2-1@example.org>', 'silent: same patch as <r1-1@example.org>'],
      ['<r2-2@example.org>', 'silent: same patch as <r1-2@example.org>'],
    ]);
    expect(result.outbox).toEqual(['<r1-1@example.org>', '<r1-2@example.org>']);
  });
});
