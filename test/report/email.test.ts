import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message.js';
import { toPatch, type Patch } from '../../src/ingest/patch.js';
import { reviewSeries } from '../../src/engine/engine.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import type { Finding } from '../../src/engine/finding.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { columns, formatEmail, loreLink, quoteLine, renderReply, ReplyError } from '../../src/report/email.js';
import { fixture, withHeaders } from '../bot/mail/support/messages.js';

const BOT = { name: 'patchsentry', address: 'bot@example.org' };
const DATE = new Date('2026-11-25T12:00:00Z');

async function reviewed(raw: Buffer): Promise<{ patch: Patch; findings: Finding[] }> {
  const patch = toPatch(await parseMessage({ index: 0, bytes: raw }));
  const { findings } = reviewSeries({ id: 'x', version: 1, total: null, cover: null, patches: [patch] }, xenAltp2m, DEFAULT_CONFIG);
  return { patch, findings: [...findings] };
}

describe('renderReply', () => {
  it('threads the reply and addresses the author alone, not the list nor the Cc of the patch', async () => {
    const raw = withHeaders(fixture('domctl-violation.patch'), {
      References: '<root@example.org> <parent@example.org>',
      'In-Reply-To': '<parent@example.org>',
      Cc: 'Tamas K Lengyel <tamas@example.net>, patchsentry <BOT@example.org>',
    });
    const { patch, findings } = await reviewed(raw);
    expect(findings.length).toBeGreaterThan(0);
    const reply = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m });
    const headers = new Map(reply.headers.map(([k, v]) => [k, v]));
    expect(headers.get('Subject')).toBe('Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views');
    expect(headers.get('In-Reply-To')).toBe('<20261125081244.4711-1-jane.dev@example.org>');
    expect(headers.get('References')).toBe('<root@example.org> <parent@example.org> <20261125081244.4711-1-jane.dev@example.org>');
    expect(headers.get('To')).toBe('Jane Developer <jane.dev@example.org>');
    // Who else gets it comes from MAINTAINERS (test/report/recipients.test.ts); without it, nobody.
    expect(headers.has('Cc')).toBe(false);
    expect(headers.get('Auto-Submitted')).toBe('auto-generated');
    expect(headers.get('Content-Type')).toBe('text/plain; charset=UTF-8');
    expect(headers.get('Date')).toBe('Wed, 25 Nov 2026 12:00:00 +0000');
    expect(reply.messageId).toMatch(/^<patchsentry\.[0-9a-f]{24}@example\.org>$/);
    // Same patch, same findings: same Message-ID (the outbox recognises it across runs).
    expect(renderReply(patch, findings, { from: BOT, date: new Date(0), pack: xenAltp2m }).messageId).toBe(reply.messageId);
  });

  it('writes to X-Original-From when From is a relay no-reply address', async () => {
    const raw = withHeaders(fixture('domctl-violation.patch'), {
      From: '"Jane Developer via Xen-devel" <xen-devel-bounces@lists.example.org>',
      'X-Original-From': 'Jane Developer <jane.dev@example.org>',
    });
    const { patch, findings } = await reviewed(raw);
    const reply = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m });
    expect(reply.to.map((a) => a.address)).toEqual(['jane.dev@example.org']);
  });

  it('quotes each finding as a whole statement under its file name, with what it is under it', async () => {
    const { patch, findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), {}));
    const body = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m }).body;
    const lines = body.split('\n');
    expect(lines[0]).toBe('On Wed, 25 Nov 2026 08:12:44 +0000, Jane Developer wrote:');
    expect(lines[1]).toBe('> +++ b/xen/include/public/domctl.h');
    // The struct whole, from its opening line to its `};`, and nothing of the hunk around it.
    expect(lines.slice(2, 8)).toEqual([
      '> +struct xen_domctl_altp2m_views {',
      '> +    uint16_t nr_views;                 /* OUT */',
      '> +    uint16_t pad[3];',
      '> +    uint64_aligned_t active_mask;      /* OUT */',
      '> +};',
      '',
    ]);
    expect(lines[8]).toMatch(/^New DOMCTL payload struct xen_domctl_altp2m_views for altp2m\. Put the$/);
    // A define is its line; a union member is the member.
    const define = lines.indexOf('> +#define XEN_DOMCTL_altp2m_get_views              89');
    expect(lines.slice(define - 1, define + 3)).toEqual(['', '> +#define XEN_DOMCTL_altp2m_get_views              89', '', expect.stringMatching(/^New DOMCTL command XEN_DOMCTL_altp2m_get_views/)]);
    const member = lines.indexOf('> +        struct xen_domctl_altp2m_views      altp2m_views;');
    expect(lines[member - 1]).toBe('');
    expect(lines[member + 2]).toMatch(/^New altp2m member altp2m_views in the DOMCTL union/);
    expect(body).not.toContain('XEN_DOMCTL_dt_overlay');
    expect(body).not.toContain('> [...]');
    expect(body).not.toContain('@@');
    for (const line of lines) expect(columns(line)).toBeLessThan(80);
  });

  it('says the rationale, the policy and how to waive once per reply, and links the patch on lore', async () => {
    const { patch, findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), {}));
    expect(findings.map((f) => f.rule)).toEqual(['altp2m-domctl', 'altp2m-domctl', 'altp2m-domctl']);
    const body = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m }).body;
    const once = (text: string | RegExp) => expect(body.split(text).length - 1, String(text)).toBe(1);
    once('altp2m-domctl (error): altp2m has one interface');
    once('one interface');
    once('Policy: xen/arch/x86/hvm/hvm.c, comment above do_altp2m_op().');
    once('"Altp2m-Policy-Ack: <rule> <reason>"');
    // The "(see ...)" pointers of the three messages are left to the one Policy line.
    expect(body).not.toContain('(see ');
    // Alone on its line when "The patch: " would take it past 79 columns; never broken.
    expect(body).toContain('\nhttps://lore.kernel.org/xen-devel/20261125081244.4711-1-jane.dev@example.org/\n');
    expect(loreLink('<short@example.org>')).toBe('The patch: https://lore.kernel.org/xen-devel/short@example.org/');
    // The configured archive (links: in .patchsentry.yml), escaped as public-inbox does; off: none.
    expect(loreLink('<a/b@example.org>', 'https://lore.example.org/xen/')).toBe('The patch: https://lore.example.org/xen/a%2Fb@example.org/');
    const off = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m, links: { lore: null, patchew: null } }).body;
    expect(off).not.toContain('https://');
    expect(body).toMatch(/\n-- \npatchsentry [\d.]+: automated review of Xen's altp2m interface policy\n$/);
  });

  it('answers a patch adding one DOMCTL command (define, struct, member, handler) in at most 40 lines', async () => {
    const { patch, findings } = await reviewed(withHeaders(fixture('domctl-command.patch'), {}));
    // Define, struct and union member in domctl.h, the case in the handler: four findings.
    expect(findings.map((f) => `${f.rule} ${f.path}`).sort()).toEqual([
      'altp2m-domctl xen/arch/x86/domctl.c',
      'altp2m-domctl xen/include/public/domctl.h',
      'altp2m-domctl xen/include/public/domctl.h',
      'altp2m-domctl xen/include/public/domctl.h',
    ]);
    const body = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m }).body;
    const lines = body.replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(40);
    // The handler: its case label and the first statement doing altp2m work, the brace between.
    expect(body).toContain(
      '> +++ b/xen/arch/x86/domctl.c\n> +    case XEN_DOMCTL_altp2m_get_views:\n> +    {\n> +        struct xen_domctl_altp2m_views *views = &domctl->u.altp2m_views;\n\nNew DOMCTL handler case',
    );
    expect(body.match(/one interface/g)).toHaveLength(1);
  });

  it('falls back to the evidence when the finding is not in this patch diff (a cover letter)', async () => {
    const { findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), {}));
    const cover = toPatch(
      await parseMessage({
        index: 0,
        bytes: Buffer.from('From: Jane <jane@example.org>\nTo: xen-devel@lists.example.org\nSubject: [PATCH 0/2] altp2m views\nMessage-ID: <c@example.org>\n\nCover.\n'),
      }),
    );
    const body = renderReply(cover, findings.slice(0, 1), { from: BOT, date: DATE, pack: xenAltp2m }).body;
    expect(body).toContain('> +struct xen_domctl_altp2m_views {');
    expect(body).toContain('Jane wrote:');
  });

  it('quotes a removed line with the line that replaced it', async () => {
    const { patch } = await reviewed(withHeaders(fixture('clean.patch'), {}));
    const base = { severity: 'error' as const, path: 'xen/include/public/domctl.h', policy: 'the policy', anchor: patch.message.id, fingerprint: 'f' };
    const removed: Finding = { ...base, rule: 'test-old', line: 1212, side: 'old', message: 'Removed.', evidence: ['nothing that matches'] };
    const body = renderReply(patch, [removed], { from: BOT, date: DATE, pack: xenAltp2m }).body;
    expect(body).toContain(
      '> +++ b/xen/include/public/domctl.h\n> -    uint64_aligned_t value; /* IN/OUT - @OP_GET_OPTION / @OP_SET_OPTION */\n> +    uint64_aligned_t value; /* IN/OUT - @OP_GET_OPTION / @OP_SET_OPTION. */\n\nRemoved.\n',
    );
  });

  it('quotes a removed comment paragraph whole, and the text that replaced it', async () => {
    const raw = Buffer.from(
      [
        'From: Olga Writer <olga@example.org>',
        'Subject: [PATCH] x86/hvm: reword the altp2m note',
        'Message-ID: <reword@example.org>',
        '',
        'Reword.',
        '---',
        'diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c',
        '--- a/xen/arch/x86/hvm/hvm.c',
        '+++ b/xen/arch/x86/hvm/hvm.c',
        '@@ -10,10 +10,9 @@',
        ' /*',
        '  * The first paragraph stays.',
        '  *',
        '  * Note that this mode has not been evaluated',
        '- * for safety by anyone, and each subop must be',
        '- * evaluated before use.',
        '+ * for safety.',
        '  *',
        '  * The last paragraph stays.',
        '  */',
        '',
      ].join('\n'),
    );
    const patch = toPatch(await parseMessage({ index: 0, bytes: raw }));
    const finding: Finding = { rule: 'test-warning', severity: 'error', path: 'xen/arch/x86/hvm/hvm.c', line: 14, side: 'old', message: 'Weakened.', evidence: [' * for safety by anyone, and each subop must be'], policy: 'p', anchor: patch.message.id, fingerprint: 'f' };
    const body = renderReply(patch, [finding], { from: BOT, date: DATE, pack: xenAltp2m }).body;
    expect(body).toContain(
      '> +++ b/xen/arch/x86/hvm/hvm.c\n>   * Note that this mode has not been evaluated\n> - * for safety by anyone, and each subop must be\n> - * evaluated before use.\n> + * for safety.\n\nWeakened.\n',
    );
  });

  it('refuses a patch without a Message-ID', async () => {
    const { patch, findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), { 'Message-Id': null }));
    expect(() => renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m })).toThrow(ReplyError);
  });

  it('encodes non-ASCII names and subjects as RFC 2047 words and keeps lines short', async () => {
    const raw = withHeaders(fixture('domctl-violation.patch'), {
      From: '=?UTF-8?Q?J=C3=BCrgen_Gro=C3=9F?= <jgross@example.com>',
      Subject: '=?UTF-8?Q?[PATCH]_x86/altp2m:_f=C3=BCr_views?=',
    });
    const { patch, findings } = await reviewed(raw);
    const reply = renderReply(patch, findings, { from: BOT, date: DATE, pack: xenAltp2m });
    const text = formatEmail(reply);
    expect(text).toMatch(/^To: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <jgross@example\.com>$/m);
    expect(text).toMatch(/^Subject: =\?UTF-8\?B\?/m);
    expect([...text.split('\n\n')[0]!].every((ch) => ch.charCodeAt(0) < 0x80)).toBe(true);
    expect(reply.body).toContain('Jürgen Groß wrote:');
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(80);
  });

  it('cuts a long quoted line below 80 columns, counting tabs', () => {
    const quoted = quoteLine(`+\t\t${'x'.repeat(90)}`);
    expect(columns(quoted)).toBeLessThan(80);
    expect(quoted.endsWith(' ...')).toBe(true);
    expect(quoteLine('+short')).toBe('> +short');
  });
});
