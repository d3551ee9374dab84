import { describe, expect, it } from 'vitest';
import { toPatch } from '../../src/ingest/patch.js';
import { diffText, parseAddressList, parseMessage, isPatchAttachment, splitProseAndDiff } from '../../src/ingest/message.js';
import { parseDiff } from '../../src/diff/parse.js';
import { leanPatchFromBytes } from '../../src/ingest/bytepath.js';
import { loadMimeCodecs, readHeaderBlock } from '../../src/ingest/headers.js';
import { messageFile, messagesOf, fixture } from './read.js';

const DOMCTL_FILES = [{ path: 'xen/include/public/domctl.h', additions: 8, deletions: 0 }];
const filesOf = (diffText: string) => parseDiff(diffText).files.map((f) => ({ path: f.path, additions: f.additions, deletions: f.deletions }));

describe('message → patch: encodings and charsets', () => {
  it.each([
    ['input/message/domctl.eml', 'plain 8bit as git send-email writes it'],
    ['input/message/base64.eml', 'base64 text/plain'],
    ['input/message/attach-x-patch.eml', 'Thunderbird text/x-patch attachment (base64)'],
    ['input/message/attach-x-diff.eml', 'mutt text/x-diff attachment'],
    ['input/message/attach-octet.eml', 'application/octet-stream named *.patch, beside a binary attachment'],
    ['input/message/nested.eml', 'multipart/mixed > multipart/alternative, patch attached quoted-printable'],
    ['input/message/relay.eml', 'relay no-reply From'],
  ])('%s (%s) yields the domctl diff', async (name) => {
    const message = await messageFile(name);
    expect(filesOf(diffText(message))).toEqual(DOMCTL_FILES);
    expect(message.subject).toBe('[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views');
    expect(message.author?.address).toBe('carol@example.net');
    expect(toPatch(message).kind).toBe('patch');
  });

  it('decodes a quoted-printable inline patch (soft breaks, =3D)', async () => {
    const message = await messageFile('input/message/qp.eml');
    expect(filesOf(diffText(message))).toEqual([{ path: 'xen/arch/x86/hvm/hvm.c', additions: 5, deletions: 0 }]);
    expect(diffText(message)).toContain('        rc = altp2m_get_vis(d, &a.u.get_vis);');
  });

  it.each([
    ['input/message/latin1.eml', 'ISO-8859-1 8bit'],
    ['input/message/latin1-qp.eml', 'ISO-8859-1 quoted-printable'],
  ])('decodes %s (%s) in the diff and the From header', async (name) => {
    const message = await messageFile(name);
    expect(diffText(message)).toContain('+/* Copyright (c) 2024 Zoë Müller, Société Exemple */');
    expect(message.author?.name).toBe('Zoë Müller');
    expect(filesOf(diffText(message))).toEqual([{ path: 'xen/include/public/hvm/hvm_op.h', additions: 1, deletions: 0 }]);
  });

  it.each(['8bit', 'quoted-printable'])('undoes format=flowed space-stuffing (Thunderbird inline patch, %s)', async (encoding) => {
    // As Thunderbird writes it: lines starting with a space get one more, trailing spaces go.
    const wire = ['Signed-off-by: Carol Dev <carol@example.net>', '---', 'diff --git a/xen/common/domctl.c b/xen/common/domctl.c', '--- a/xen/common/domctl.c', '+++ b/xen/common/domctl.c', '@@ -1,3 +1,4 @@', '  a', '', '+b', '  c', ''].join('\n');
    const headers = `From: Carol Dev <carol@example.net>\nSubject: [PATCH] x\nMessage-ID: <flowed@example.net>\nContent-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: ${encoding}\n\n`;
    const message = await parseMessage({ index: 0, bytes: Buffer.from(headers + wire) });
    const model = parseDiff(diffText(message));
    expect(model.files[0]!.hunks[0]!.lines.map((l) => [l.kind, l.text])).toEqual([
      ['context', 'a'],
      ['context', ''],
      ['add', 'b'],
      ['context', 'c'],
    ]);
    expect(model.problems).toBeUndefined();
  });

  it('decodes Shift_JIS in the body and an encoded-word Subject', async () => {
    const message = await messageFile('input/message/shift-jis.eml');
    expect(message.subject).toBe('[PATCH 2/2] docs/misc: 日本語の説明を追加');
    expect(diffText(message)).toContain('+ビューの作成には HVMOP_altp2m_create_p2m を使います。');
    expect(toPatch(message).subject).toMatchObject({ isPatch: true, index: 2, total: 2 });
  });

  it('reads UTF-8 diff text of a message with no MIME headers (git format-patch of an ASCII commit message)', async () => {
    const message = await messageFile('input/message/utf8-no-mime.eml');
    expect(diffText(message)).toContain('ビューの作成には');
  });

  it('joins a Subject folded over two encoded words', async () => {
    const message = await messageFile('input/message/encoded-subject.eml');
    expect(message.subject).toBe('[PATCH v2] x86/altp2m: décrire la vue');
    expect(toPatch(message).subject.version).toBe(2);
  });

  it('takes the author from X-Original-From when From is a relay no-reply address', async () => {
    const message = await messageFile('input/message/relay.eml');
    expect(message.from?.address).toBe('noreply@lists.example.org');
    expect(message.author).toEqual({ name: 'Carol Dev', address: 'carol@example.net' });
    const direct = await messageFile('input/message/domctl.eml');
    expect(direct.author).toEqual(direct.from);
    expect(direct.listId).toBe('Xen developer discussion <xen-devel.lists.example.org>');
  });
});

describe('messages with no patch are kept as such', () => {
  it('keeps HTML-only mail without a diff', async () => {
    const message = await messageFile('input/message/html-only.eml');
    expect(diffText(message)).toBe('');
    const patch = toPatch(message);
    expect([patch.kind, patch.diff.files.length, patch.message.messageId]).toEqual(['other', 0, '<html-only@example.net>']);
  });

  it('never makes a reply a patch, even when it suggests a diff', async () => {
    const message = await messageFile('input/message/reply.eml');
    const patch = toPatch(message);
    expect([patch.kind, patch.subject.isPatch, patch.diff.files.length]).toEqual(['reply', false, 0]);
    expect([message.inReplyTo, message.references]).toEqual(['<7b466bf05ea3.v3-2@example.org>', ['<cover.v3@example.org>', '<7b466bf05ea3.v3-2@example.org>']]);
  });

  it('keeps a cover letter without a diff (its diffstat is not a diff)', async () => {
    const [cover] = await messagesOf(fixture('input/series-v3.mbox'));
    const patch = toPatch(cover!);
    expect([patch.kind, patch.diff.files.length, patch.subject.total]).toEqual(['cover', 0, 3]);
  });

  it('reads a multipart message cut off inside a part header (found by fuzzing)', async () => {
    const whole = fixture('input/message/attach-x-patch.eml').toString('latin1');
    // Cut right after the first part's "Content-Type:" name: the part has no type at all.
    const cut = whole.slice(0, whole.indexOf('Content-Type: text/plain') + 'Content-Type:'.length);
    const message = await parseMessage({ index: 3, bytes: Buffer.from(cut, 'latin1') });
    expect(diffText(message)).toBe('');
    expect(message.problems).toEqual([expect.stringMatching(/without its closing boundary/)]);
  });

  it('ignores non-patch attachments', () => {
    expect(isPatchAttachment('application/octet-stream', 'views.bin')).toBe(false);
    expect(isPatchAttachment('application/octet-stream', '0001-x.patch')).toBe(true);
    expect(isPatchAttachment('image/png', 'x.patch')).toBe(false);
    expect(isPatchAttachment('text/plain', 'notes.txt')).toBe(false);
  });
});

describe('plain diffs are detected from their content', () => {
  it.each([
    ['input/plain-git-diff.diff', [{ path: 'xen/arch/x86/hvm/hvm.c', additions: 5, deletions: 0 }, { path: 'xen/include/public/hvm/hvm_op.h', additions: 8, deletions: 0 }]],
    ['input/plain-diff-u.diff', DOMCTL_FILES],
  ])('%s is a diff, not a mail header', async (name, files) => {
    const message = await messageFile(name);
    expect([message.subject, message.messageId]).toEqual(['', null]);
    expect(filesOf(diffText(message))).toEqual(files);
    expect(toPatch(message).kind).toBe('patch');
  });

  it('still reads a message delivered with its mbox From_ line on top as mail', async () => {
    const message = await parseMessage({ index: 0, bytes: fixture('input/domctl.patch') });
    expect([message.subject, message.messageId]).toEqual(['[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views', '<20240603154011.4242-1-carol@example.net>']);
  });

  it('reads quilt "Index:" diffs and git show output', async () => {
    const quilt = 'Index: xen/common/domctl.c\n===================================================================\n--- xen.orig/common/domctl.c\n+++ xen/common/domctl.c\n@@ -1,1 +1,2 @@\n a\n+b\n';
    const show = 'commit 0123456789abcdef0123456789abcdef01234567\nAuthor: Alice Example <alice@example.org>\nDate:   Tue May 14 10:12:03 2024 +0200\n\n    x86: tidy\n\n' + fixture('input/plain-git-diff.diff').toString();
    for (const text of [quilt, show]) {
      const message = await parseMessage({ index: 0, bytes: Buffer.from(text) });
      expect(parseDiff(diffText(message)).files.length).toBeGreaterThan(0);
    }
  });
});

/** The diffstat, diff and signature of a one-line fix, as git format-patch writes them. */
const P2M_PATCH = [
  '---',
  ' xen/arch/x86/mm/p2m.c | 2 +-',
  ' 1 file changed, 1 insertion(+), 1 deletion(-)',
  '',
  'diff --git a/xen/arch/x86/mm/p2m.c b/xen/arch/x86/mm/p2m.c',
  'index 1111111..2222222 100644',
  '--- a/xen/arch/x86/mm/p2m.c',
  '+++ b/xen/arch/x86/mm/p2m.c',
  '@@ -7,3 +7,3 @@ int p2m_switch_altp2m(struct vcpu *v, unsigned int idx)',
  ' {',
  '-    if ( idx > MAX_ALTP2M )',
  '+    if ( idx >= MAX_ALTP2M )',
  ' }',
  '-- ',
  '2.39.5',
  '',
];

describe('the commit message and the diff are cut where git mailinfo cuts', () => {
  it('does not count a diff quoted in the commit message', () => {
    const body = [
      'x86/altp2m: fix the view check',
      '',
      'The old code did:',
      '',
      '--- a/xen/arch/x86/hvm/hvm.c',
      '+++ b/xen/arch/x86/hvm/hvm.c',
      '@@ -1 +1 @@',
      '-    if ( idx > MAX_ALTP2M )',
      '+    if ( idx >= MAX_ALTP2M )',
      '',
      'Signed-off-by: Alice Example <alice@example.org>',
      ...P2M_PATCH,
    ].join('\n');
    const { prose, diff } = splitProseAndDiff(body);
    expect(prose).toContain('The old code did:');
    expect(filesOf(diff)).toEqual([{ path: 'xen/arch/x86/mm/p2m.c', additions: 1, deletions: 1 }]);
  });
});

describe('addresses, through one RFC 5322 parser on every path', () => {
  /** A format-patch mail to a group and a person, Cc'd to a quoted name with a comma. */
  const mail = (headers: string[], body: string[]): Buffer =>
    Buffer.from(
      [
        'From: =?UTF-8?q?J=C3=BCrgen_Gro=C3=9F?= <jgross@suse.example>',
        'To: team: Alice <a@x.org>, b@x.org;, xen-devel@lists.xenproject.org',
        'Cc: "Cooper, Andrew" <andrew.cooper3@citrix.example>',
        'Subject: [PATCH] x86/mm: fix a bound',
        'Date: Mon, 3 Feb 2025 08:12:44 +0000',
        'Message-ID: <20250203081244.1-jgross@suse.example>',
        ...headers,
        '',
        ...body,
      ].join('\n'),
      'utf8',
    );
  const patchBody = ['Signed-off-by: Juergen Gross <jgross@suse.example>', ...P2M_PATCH];
  const expected = {
    from: { name: 'Jürgen Groß', address: 'jgross@suse.example' },
    to: [
      { name: 'Alice', address: 'a@x.org' },
      { name: '', address: 'b@x.org' },
      { name: '', address: 'xen-devel@lists.xenproject.org' },
    ],
    cc: [{ name: 'Cooper, Andrew', address: 'andrew.cooper3@citrix.example' }],
  };
  const isWatched = (): boolean => false;

  it('reads a group (`team: Alice <a@x.org>, b@x.org;`) as its members, from the raw bytes, the plain body and mailparser alike', async () => {
    await loadMimeCodecs();
    const plain = mail(['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 8bit'], patchBody);
    // The raw-bytes path (no parsing at all).
    const fromBytes = leanPatchFromBytes({ index: 0, bytes: plain }, readHeaderBlock(plain), isWatched);
    expect(fromBytes).not.toBeNull();
    // The plain-body path of parseMessage, and mailparser (quoted-printable needs it).
    const parsed = await parseMessage({ index: 0, bytes: plain });
    const qp = await parseMessage({ index: 0, bytes: mail(['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: quoted-printable'], patchBody) });
    for (const message of [fromBytes!.message, parsed, qp]) {
      expect({ from: message.from, to: message.to, cc: message.cc }).toEqual(expected);
      expect(message.author).toEqual(expected.from);
    }
    // Each read the whole patch too (quoted-printable strips the signature's trailing space).
    for (const message of [fromBytes!.message, parsed, qp]) expect(filesOf(diffText(message))).toEqual([{ path: 'xen/arch/x86/mm/p2m.c', additions: 1, deletions: 1 }]);
  });

  it('keeps an address and its name as git wrote them: a name that is the address itself, a "(none)" host part', () => {
    expect(parseAddressList('"kaf24@firebug.cl.cam.ac.uk" <kaf24@firebug.cl.cam.ac.uk>')).toEqual([{ name: 'kaf24@firebug.cl.cam.ac.uk', address: 'kaf24@firebug.cl.cam.ac.uk' }]);
    expect(parseAddressList('"djm@djmnc4000.(none)" <djm@djmnc4000.(none)>')).toEqual([{ name: 'djm@djmnc4000.(none)', address: 'djm@djmnc4000.(none)' }]);
    // A comment after a bare address is its name; the same address twice stays nameless.
    expect(parseAddressList('keir@xensource.example (Keir Fraser), a@x.org, a@x.org')).toEqual([
      { name: 'Keir Fraser', address: 'keir@xensource.example' },
      { name: '', address: 'a@x.org' },
      { name: '', address: 'a@x.org' },
    ]);
  });
});
