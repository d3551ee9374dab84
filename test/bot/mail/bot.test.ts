import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailBot, type MailBotOptions } from '../../../bot/mail/bot.js';
import { MailState } from '../../../bot/mail/state.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import type { Rule, RulePack } from '../../../src/engine/rule.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { fixture, plainMail, series, withHeaders } from './support/messages.js';

const BOT = { name: 'patchsentry', address: 'bot@example.org' };
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 25, 12);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-bot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One "process": open the state, receive, close (as one MDA invocation does). */
async function run(raws: Buffer[], now: number, options: Partial<MailBotOptions> = {}, flushAll = false) {
  const state = await MailState.create(join(dir, 'state.db'));
  try {
    const bot = new MailBot(state, { pack: xenAltp2m, config: DEFAULT_CONFIG, from: BOT, quietMs: 30 * MINUTE, ...options });
    const outcomes = await bot.receive(raws.map((bytes, index) => ({ index, bytes })), now, flushAll);
    return { outcomes, outbox: state.outbox() };
  } finally {
    state.close();
  }
}

const violation = (): Buffer => withHeaders(fixture('domctl-violation.patch'), {});

describe('MailBot', () => {
  it('holds a series that arrives one message per process until n/N are all seen', async () => {
    const [cover, p1, p2] = series({ version: 1, title: 'altp2m views', idBase: 's1', patches: [{ fixture: 'domctl-violation.patch', title: 'add the domctl' }, { fixture: 'unwatched.patch', title: 'docs' }] });
    expect((await run([cover!], T0)).outcomes.map((o) => o.outcome)).toEqual(['held']);
    expect((await run([p1!], T0 + 1)).outcomes.map((o) => o.outcome)).toEqual(['held']);
    const last = await run([p2!], T0 + 2);
    expect(last.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ['<s1-0@example.org>', 'clean'],
      ['<s1-1@example.org>', 'replied'],
      ['<s1-2@example.org>', 'clean'],
    ]);
    expect(last.outbox).toHaveLength(1);
    expect(last.outbox[0]!.inReplyTo).toBe('<s1-1@example.org>');
    expect(last.outbox[0]!.raw).toMatch(/^References: <s1-0@example\.org> <s1-1@example\.org>$/m);
    expect(last.outbox[0]!.thread).toBe('<s1-0@example.org>');
  });

  it('keeps holding a series whose patch has a readable problem, and logs the problem once', async () => {
    const [cover, p1, p2] = series({ version: 1, title: 'odd', idBase: 'odd', patches: [{ fixture: 'clean.patch', title: 'a' }, { fixture: 'domctl-violation.patch', title: 'b' }] });
    // Hunk line counts that do not add up: reviewed from what is there, said so.
    const broken = Buffer.from(p1!.toString().replace('@@ -1210,6 +1210,6 @@', '@@ -1210,7 +1210,7 @@'));
    const first = await run([cover!, broken], T0);
    expect(first.outcomes.map((o) => [o.key, o.outcome.replace(/:.*/, '')])).toEqual([
      ['<odd-1@example.org>', 'warning'],
      ['<odd-0@example.org>', 'held'],
      ['<odd-1@example.org>', 'held'],
    ]);
    const second = await run([p2!], T0 + 1);
    expect(second.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ['<odd-0@example.org>', 'clean'],
      ['<odd-1@example.org>', 'clean'],
      ['<odd-2@example.org>', 'replied'],
    ]);
  });

  it('reviews an incomplete series once its quiet period has passed', async () => {
    const [cover, p1] = series({ version: 1, title: 'altp2m views', idBase: 's2', patches: [{ fixture: 'domctl-violation.patch', title: 'a' }, { fixture: 'unwatched.patch', title: 'b' }] });
    await run([cover!, p1!], T0);
    const state = await MailState.create(join(dir, 'state.db'));
    const bot = new MailBot(state, { pack: xenAltp2m, config: DEFAULT_CONFIG, from: BOT, quietMs: 30 * MINUTE });
    expect(await bot.flushQuiet(T0 + 30 * MINUTE - 1)).toEqual([]);
    const flushed = await bot.flushQuiet(T0 + 30 * MINUTE);
    expect(flushed.map((o) => o.outcome)).toEqual(['clean', 'replied']);
    expect(state.held()).toEqual([]);
    state.close();
  });

  it('keeps its manners: no reply to automatic mail, its own mail, replies; Precedence/List-Id do not matter', async () => {
    const result = await run(
      [
        withHeaders(violation(), { 'Message-Id': '<auto@example.org>', 'Auto-Submitted': 'auto-generated' }),
        withHeaders(violation(), { 'Message-Id': '<no@example.org>', 'Auto-Submitted': 'no' }),
        withHeaders(violation(), { 'Message-Id': '<own@example.org>', From: 'patchsentry <BOT@example.org>' }),
        withHeaders(violation(), { 'Message-Id': '<re@example.org>', Subject: 'Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views' }),
        plainMail('<chat@example.org>', 'altp2m question'),
      ],
      T0,
    );
    expect(Object.fromEntries(result.outcomes.map((o) => [o.key, o.outcome]))).toEqual({
      '<auto@example.org>': 'silent: Auto-Submitted: auto-generated',
      '<no@example.org>': 'replied',
      '<own@example.org>': 'silent: own mail',
      '<re@example.org>': 'not a patch',
      '<chat@example.org>': 'not a patch',
    });
    // The one it answered carries Precedence: bulk and List-Id, like all list mail.
    expect(result.outbox.map((e) => e.inReplyTo)).toEqual(['<no@example.org>']);
  });

  it('never reviews or answers a Message-ID twice', async () => {
    const first = await run([violation()], T0);
    expect(first.outbox).toHaveLength(1);
    const again = await run([violation(), violation()], T0 + MINUTE);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(again.outbox).toHaveLength(1);
  });

  it('answers a newer version of a series only for findings new since the previous one', async () => {
    const v1 = series({ version: 1, title: 'altp2m views', idBase: 'v1', patches: [{ fixture: 'domctl-violation.patch', title: 'header' }, { fixture: 'unwatched.patch', title: 'docs' }] });
    const v2 = series({ version: 2, title: 'altp2m views', idBase: 'v2', patches: [{ fixture: 'domctl-violation.patch', title: 'header' }, { fixture: 'domctl-handler.patch', title: 'handler' }] });
    expect((await run(v1, T0)).outbox.map((e) => e.inReplyTo)).toEqual(['<v1-1@example.org>']);
    const second = await run(v2, T0 + MINUTE);
    expect(second.outcomes.find((o) => o.key === '<v2-1@example.org>')!.outcome).toBe('nothing new to report');
    expect(second.outbox.map((e) => e.inReplyTo)).toEqual(['<v1-1@example.org>', '<v2-2@example.org>']);
  });

  it('stops at the per-thread limit', async () => {
    const s = series({ version: 1, title: 'two bad', idBase: 'lim', patches: [{ fixture: 'domctl-violation.patch', title: 'a' }, { fixture: 'domctl-handler.patch', title: 'b' }] });
    const result = await run(s, T0, { perThread: 1 });
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['clean', 'replied', 'silent: thread limit (1 a day) reached']);
    expect(result.outbox).toHaveLength(1);
  });

  it('replies to info-only findings by default and not above --min-severity', async () => {
    const note: Rule = {
      id: 'test-note',
      meta: { severity: 'info', messages: { note: 'A note.' } },
      summary: 'test-only rule: a note on every added line of domctl.h',
      docs: 'Test pack only.',
      check: (s, ctx) => {
        for (const p of s.patches)
          for (const f of p.diff.files)
            for (const h of f.hunks) for (const l of h.lines.filter((l) => l.kind === 'add' && /altp2m/.test(l.text)).slice(0, 1)) ctx.report({ messageId: 'note', path: f.path, line: l, anchor: p.message.id });
      },
    };
    const testPack: RulePack = { ...xenAltp2m, name: 'test-pack', rules: [note] };
    const withInfo = await run([violation()], T0, { pack: testPack });
    expect(withInfo.outbox).toHaveLength(1);
    expect(withInfo.outbox[0]!.raw).toContain('\n\nA note.\n\ntest-note (note). Policy: ');
    rmSync(join(dir, 'state.db'));
    const above = await run([violation()], T0, { pack: testPack, minSeverity: 'warning' });
    expect(above.outcomes.map((o) => o.outcome)).toEqual(['nothing new to report']);
    expect(above.outbox).toHaveLength(0);
  });

  it('answers a finding on the series as a whole on the cover letter, quoting the patch it is in', async () => {
    const whole: Rule = {
      id: 'test-series',
      meta: { severity: 'warning', messages: { note: 'Series note.' } },
      summary: 'test-only rule: one finding on the whole series',
      docs: 'Test pack only.',
      check: (whole, ctx) => ctx.report({ messageId: 'note', path: 'xen/include/public/domctl.h', line: 1318, evidence: ['#define XEN_DOMCTL_altp2m_get_views              89'], anchor: whole.cover!.message.id }),
    };
    const s = series({ version: 1, title: 'whole', idBase: 'w', patches: [{ fixture: 'unwatched.patch', title: 'a' }, { fixture: 'domctl-violation.patch', title: 'b' }] });
    const result = await run(s, T0, { pack: { ...xenAltp2m, name: 'test-pack', rules: [whole] } });
    expect(result.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ['<w-0@example.org>', 'replied'],
      ['<w-1@example.org>', 'clean'],
      ['<w-2@example.org>', 'clean'],
    ]);
    expect(result.outbox.map((e) => e.inReplyTo)).toEqual(['<w-0@example.org>']);
    expect(result.outbox[0]!.raw).toContain('wrote:\n> +++ b/xen/include/public/domctl.h\n> +#define XEN_DOMCTL_altp2m_get_views              89\n\nSeries note.\n');
  });

  it('reviews what is incomplete at the end of a file when told to flush all', async () => {
    const [cover, p1] = series({ version: 1, title: 'cut short', idBase: 'f', patches: [{ fixture: 'domctl-violation.patch', title: 'a' }, { fixture: 'unwatched.patch', title: 'b' }] });
    const result = await run([cover!, p1!], T0, {}, true);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['clean', 'replied']);
  });

  it('reviews a long input as it goes, with an outcome for every message', async () => {
    const chatter = Array.from({ length: 300 }, (_, i) => plainMail(`<chat-${i}@example.org>`, `question ${i}`));
    const [cover, p1, p2] = series({ version: 1, title: 'long', idBase: 'long', patches: [{ fixture: 'domctl-violation.patch', title: 'a' }, { fixture: 'unwatched.patch', title: 'b' }] });
    // The series straddles the first chunk of 256 messages.
    const result = await run([...chatter.slice(0, 255), cover!, p1!, ...chatter.slice(255), p2!], T0);
    // Every message has its outcome; the cover letter also has the "held" it got at the first chunk.
    expect(new Set(result.outcomes.map((o) => o.key)).size).toBe(303);
    expect(result.outcomes.filter((o) => o.outcome === 'held').map((o) => o.key)).toEqual(['<long-0@example.org>']);
    expect(result.outcomes.filter((o) => o.outcome === 'not a patch')).toHaveLength(300);
    expect(result.outbox.map((e) => e.inReplyTo)).toEqual(['<long-1@example.org>']);
  });

  it('leaves the state file as it was after a dry run', async () => {
    await run([plainMail('<before@example.org>', 'hello')], T0);
    const dry = await MailState.create(join(dir, 'state.db'), { dryRun: true });
    const bot = new MailBot(dry, { pack: xenAltp2m, config: DEFAULT_CONFIG, from: BOT, quietMs: 0 });
    const outcomes = await bot.receive([{ index: 0, bytes: violation() }], T0);
    expect(outcomes.map((o) => o.outcome)).toEqual(['replied']);
    expect(dry.outbox()).toHaveLength(1);
    dry.close();
    const after = await MailState.create(join(dir, 'state.db'));
    expect(after.outbox()).toHaveLength(0);
    expect(after.isReviewed('<20261125081244.4711-1-jane.dev@example.org>')).toBe(false);
    expect(after.isReviewed('<before@example.org>')).toBe(true);
    after.close();
  });
});
