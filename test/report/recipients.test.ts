import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message.js';
import { toPatch, type Patch } from '../../src/ingest/patch.js';
import type { Finding } from '../../src/engine/finding.js';
import { parseMaintainers } from '../../src/engine/maintainers.js';
import { replyRecipients, type RecipientOptions } from '../../src/report/recipients.js';
import { renderReply } from '../../src/report/email.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { fixture, withHeaders } from '../bot/mail/support/messages.js';

const MAINTAINERS = parseMaintainers(readFileSync(fileURLToPath(new URL('../fixtures/maintainers/MAINTAINERS', import.meta.url)), 'utf8'));
const SELF = 'bot@example.org';

async function patchOf(fields: Record<string, string | null> = {}): Promise<Patch> {
  return toPatch(await parseMessage({ index: 0, bytes: withHeaders(fixture('domctl-violation.patch'), fields) }));
}

function findingOn(path: string): Finding {
  return { rule: 'altp2m-domctl', severity: 'error', path, line: 1, side: 'new', message: 'm', evidence: ['x'], policy: 'p', anchor: 'x', fingerprint: path };
}

const addresses = (r: { to: readonly { address: string }[]; cc: readonly { address: string }[] }) => ({ to: r.to.map((a) => a.address), cc: r.cc.map((a) => a.address) });
const THE_REST = ['andrew.arch@example.com', 'jan.keeper@example.com', 'julia.rest@example.org', 'stefan.arm@example.org'];

describe('replyRecipients', () => {
  const options = (o: Partial<RecipientOptions> = {}): RecipientOptions => ({ replyTo: 'maintainers', maintainers: MAINTAINERS, self: SELF, ...o });

  it('writes to the author and the maintainers of the files the findings are on, not the list or the Cc', async () => {
    const patch = await patchOf();
    expect(addresses(replyRecipients(patch, [findingOn('xen/include/public/domctl.h')], options()))).toEqual({ to: ['jane.dev@example.org'], cc: THE_REST });
    // A finding in xen/arch/x86/: its section's maintainers and reviewer, THE REST left out.
    expect(addresses(replyRecipients(patch, [findingOn('xen/arch/x86/domctl.c')], options()))).toEqual({
      to: ['jane.dev@example.org'],
      cc: ['jan.keeper@example.com', 'andrew.arch@example.com', 'teresa@example.net'],
    });
  });

  it('writes to the author alone without a MAINTAINERS file, or when asked to', async () => {
    const patch = await patchOf();
    const findings = [findingOn('xen/include/public/domctl.h')];
    expect(addresses(replyRecipients(patch, findings, { replyTo: 'maintainers', self: SELF }))).toEqual({ to: ['jane.dev@example.org'], cc: [] });
    expect(addresses(replyRecipients(patch, findings, options({ replyTo: 'author' })))).toEqual({ to: ['jane.dev@example.org'], cc: [] });
  });

  it('never names the author twice, nor anyone, whatever the case of the address, nor the bot', async () => {
    // Jane reviews LIBS (as Jane.Dev@example.org); the bot maintains X86 here.
    const text = readFileSync(fileURLToPath(new URL('../fixtures/maintainers/MAINTAINERS', import.meta.url)), 'utf8').replace('M:\tJan Keeper <jan.keeper@example.com>', 'M:\tpatchsentry <BOT@example.org>');
    const maintainers = parseMaintainers(text);
    const patch = await patchOf({ From: 'Jane Developer <JANE.DEV@example.org>' });
    const r = replyRecipients(patch, [findingOn('tools/libs/ctrl/xc_altp2m.c'), findingOn('xen/arch/x86/domctl.c'), findingOn('tools/include/xenctrl.h')], options({ maintainers }));
    expect(addresses(r)).toEqual({ to: ['JANE.DEV@example.org'], cc: ['ada.toolstack@example.com', 'andrew.arch@example.com', 'teresa@example.net'] });
    const listed = replyRecipients(patch, [findingOn('tools/libs/ctrl/xc_altp2m.c')], options({ maintainers, replyTo: 'list' }));
    expect(addresses(listed)).toEqual({ to: ['xen-devel@lists.example.org'], cc: ['JANE.DEV@example.org', 'ada.toolstack@example.com'] });
  });

  it('writes to the list only when asked: To the list, Cc the author and the maintainers', async () => {
    const patch = await patchOf();
    const findings = [findingOn('xen/arch/x86/domctl.c')];
    expect(addresses(replyRecipients(patch, findings, options({ replyTo: 'list' })))).toEqual({
      to: ['xen-devel@lists.example.org'],
      cc: ['jane.dev@example.org', 'jan.keeper@example.com', 'andrew.arch@example.com', 'teresa@example.net'],
    });
    // A list MAINTAINERS does not know (a local alias list): the patch's To.
    const local = await patchOf({ To: 'xen-devel@localhost', Cc: 'Tamas K Lengyel <tamas@example.net>' });
    expect(addresses(replyRecipients(local, findings, { replyTo: 'list', self: SELF }))).toEqual({ to: ['xen-devel@localhost'], cc: ['jane.dev@example.org'] });
  });

  it('takes the XSM maintainers in when the patch text names XSM (K:)', async () => {
    const patch = await patchOf({ Subject: '[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views, checked by XSM' });
    expect(addresses(replyRecipients(patch, [findingOn('xen/arch/x86/domctl.c')], options())).cc).toContain('daniel.secure@example.com');
  });

  it('is what renderReply puts in To and Cc', async () => {
    const patch = await patchOf();
    const reply = renderReply(patch, [findingOn('xen/include/public/domctl.h')], { from: { name: 'patchsentry', address: SELF }, date: new Date(0), maintainers: MAINTAINERS, pack: xenAltp2m });
    const headers = new Map(reply.headers);
    expect(headers.get('To')).toBe('Jane Developer <jane.dev@example.org>');
    expect(headers.get('Cc')).toBe('Andrew Arch <andrew.arch@example.com>, Jan Keeper <jan.keeper@example.com>, Julia Rest <julia.rest@example.org>, Stefan Arm <stefan.arm@example.org>');
    const alone = renderReply(patch, [findingOn('xen/include/public/domctl.h')], { from: { name: 'patchsentry', address: SELF }, date: new Date(0), pack: xenAltp2m });
    expect(new Map(alone.headers).has('Cc')).toBe(false);
  });
});
