import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message.js';
import { toPatch, type Patch } from '../../src/ingest/patch.js';
import { reviewSeries } from '../../src/engine/engine.js';
import { DEFAULT_CONFIG } from '../../src/engine/config.js';
import type { Finding } from '../../src/engine/finding.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { columns, formatEmail, quoteLine, renderReply, ReplyError } from '../../src/report/email.js';
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
    const reply = renderReply(patch, findings, { from: BOT, date: DATE });
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
    expect(renderReply(patch, findings, { from: BOT, date: new Date(0) }).messageId).toBe(reply.messageId);
  });

  it('writes to X-Original-From when From is a relay no-reply address', async () => {
    const raw = withHeaders(fixture('domctl-violation.patch'), {
      From: '"Jane Developer via Xen-devel" <xen-devel-bounces@lists.example.org>',
      'X-Original-From': 'Jane Developer <jane.dev@example.org>',
    });
    const { patch, findings } = await reviewed(raw);
    const reply = renderReply(patch, findings, { from: BOT, date: DATE });
    expect(reply.to.map((a) => a.address)).toEqual(['jane.dev@example.org']);
  });

  it('quotes only the offending hunk lines, with [...] for gaps, and the finding under them', async () => {
    const { patch, findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), {}));
    const body = renderReply(patch, findings, { from: BOT, date: DATE }).body;
    const lines = body.split('\n');
    expect(lines[0]).toBe('On Wed, 25 Nov 2026 08:12:44 +0000, Jane Developer wrote:');
    expect(lines.slice(1, 3)).toEqual(['> --- a/xen/include/public/domctl.h', '> +++ b/xen/include/public/domctl.h']);
    const define = lines.indexOf('> +#define XEN_DOMCTL_altp2m_get_views              89');
    expect(define).toBeGreaterThan(0);
    expect(lines[define - 1]).toBe('> [...]');
    expect(lines[define - 2]).toBe('> @@ -1306,6 +1315,7 @@ struct xen_domctl {');
    expect(lines[define + 1]).toBe('> [...]');
    // The unrelated context lines of the hunk are not quoted.
    expect(body).not.toContain('XEN_DOMCTL_dt_overlay');
    // Under the quote: rule, severity, message, policy, and how to waive.
    expect(lines[define + 3]).toMatch(/^altp2m-domctl \(error\): New DOMCTL command XEN_DOMCTL_altp2m_get_views/);
    expect(body).toContain('Policy: xen/arch/x86/hvm/hvm.c, comment above do_altp2m_op().');
    expect(body).toContain('  Altp2m-Policy-Ack: altp2m-domctl <reason>');
    expect(body).toMatch(/\n-- \npatchsentry [\d.]+, an automated reviewer/);
    for (const line of lines) expect(columns(line)).toBeLessThan(80);
  });

  it('falls back to the evidence when the finding is not in this patch diff (a cover letter)', async () => {
    const { findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), {}));
    const cover = toPatch(
      await parseMessage({
        index: 0,
        bytes: Buffer.from('From: Jane <jane@example.org>\nTo: xen-devel@lists.example.org\nSubject: [PATCH 0/2] altp2m views\nMessage-ID: <c@example.org>\n\nCover.\n'),
      }),
    );
    const body = renderReply(cover, findings.slice(0, 1), { from: BOT, date: DATE }).body;
    expect(body).toContain('> +struct xen_domctl_altp2m_views {');
    expect(body).toContain('Jane wrote:');
  });

  it('quotes removed lines for an old-side finding and every line of a range', async () => {
    const { patch } = await reviewed(withHeaders(fixture('clean.patch'), {}));
    const base = { severity: 'error' as const, path: 'xen/include/public/domctl.h', policy: 'the policy', anchor: patch.message.id, fingerprint: 'f' };
    const removed: Finding = { ...base, rule: 'test-old', line: 1212, side: 'old', message: 'Removed.', evidence: ['nothing that matches'] };
    const range: Finding = { ...base, rule: 'test-range', line: 1211, endLine: 1212, side: 'new', message: 'Range.', evidence: [] };
    const body = renderReply(patch, [removed, range], { from: BOT, date: DATE }).body;
    expect(body).toContain('> @@ -1210,6 +1210,6 @@ struct xen_domctl_vmtrace_op {\n> [...]\n> -    uint64_aligned_t value; /* IN/OUT - @OP_GET_OPTION / @OP_SET_OPTION */\n> [...]\n');
    expect(body).toContain(
      // A context line keeps its diff marker (a space); a one-line gap is quoted, not cut.
      '> [...]\n>      uint64_aligned_t key;   /* IN     - @OP_GET_OPTION / @OP_SET_OPTION */\n> -    uint64_aligned_t value; /* IN/OUT - @OP_GET_OPTION / @OP_SET_OPTION */\n> +    uint64_aligned_t value; /* IN/OUT - @OP_GET_OPTION / @OP_SET_OPTION. */\n> [...]\n\ntest-range (error): Range.',
    );
    // The file header is quoted once per reply.
    expect(body.match(/^> \+\+\+ b\/xen\/include\/public\/domctl\.h$/gm)).toHaveLength(1);
  });

  it('quotes the evidence lines of a handler body with its case line, small gaps filled', async () => {
    const { patch } = await reviewed(withHeaders(fixture('domctl-handler.patch'), {}));
    // The shape altp2m-domctl gives: the case line, and the body lines that do altp2m work.
    const finding: Finding = {
      rule: 'altp2m-domctl',
      severity: 'error',
      path: 'xen/arch/x86/domctl.c',
      line: 1355,
      side: 'new',
      message: 'Handler.',
      evidence: ['    case XEN_DOMCTL_altp2m_get_views:', '        struct xen_domctl_altp2m_views *views = &domctl->u.altp2m_views;', '        views->nr_views = MAX_ALTP2M;', '            if ( d->arch.altp2m_eptp[i] != mfn_x(INVALID_MFN) )', '        if ( !altp2m_active(d) )'],
      policy: 'the policy',
      anchor: patch.message.id,
      fingerprint: 'f',
    };
    const body = renderReply(patch, [finding], { from: BOT, date: DATE }).body;
    const quote = body.slice(body.indexOf('> +    case'), body.indexOf('\n\naltp2m-domctl (error): Handler.'));
    expect(quote.split('\n')).toEqual([
      '> +    case XEN_DOMCTL_altp2m_get_views:',
      '> +    {',
      '> +        struct xen_domctl_altp2m_views *views = &domctl->u.altp2m_views;',
      '> +        unsigned int i;',
      '> +',
      '> +        views->nr_views = MAX_ALTP2M;',
      '> +        views->active_mask = 0;',
      '> +        for ( i = 0; i < MAX_ALTP2M; i++ )',
      '> +            if ( d->arch.altp2m_eptp[i] != mfn_x(INVALID_MFN) )',
      '> +                views->active_mask |= 1ULL << i;',
      '> +',
      '> +        if ( !altp2m_active(d) )',
      '> [...]',
    ]);
  });

  it('refuses a patch without a Message-ID', async () => {
    const { patch, findings } = await reviewed(withHeaders(fixture('domctl-violation.patch'), { 'Message-Id': null }));
    expect(() => renderReply(patch, findings, { from: BOT, date: DATE })).toThrow(ReplyError);
  });

  it('encodes non-ASCII names and subjects as RFC 2047 words and keeps lines short', async () => {
    const raw = withHeaders(fixture('domctl-violation.patch'), {
      From: '=?UTF-8?Q?J=C3=BCrgen_Gro=C3=9F?= <jgross@example.com>',
      Subject: '=?UTF-8?Q?[PATCH]_x86/altp2m:_f=C3=BCr_views?=',
    });
    const { patch, findings } = await reviewed(raw);
    const reply = renderReply(patch, findings, { from: BOT, date: DATE });
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
