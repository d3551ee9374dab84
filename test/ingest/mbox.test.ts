import { describe, expect, it } from 'vitest';
import { escapeMboxrd, isFromLine, unescapeMboxrd } from '../../src/ingest/mbox.js';
import { parseMessage } from '../../src/ingest/message.js';
import { fixture, split } from './read.js';

const subjects = async (bytes: Buffer, size?: number) => Promise.all((await split(bytes, size)).map(async (raw) => (await parseMessage(raw)).subject));
const V3 = [
  '[PATCH v3 0/3] x86/altp2m: report the visibility of a view',
  '[PATCH v3 1/3] x86/altp2m: add HVMOP_altp2m_get_visibility',
  '[PATCH v3 2/3] x86/altp2m: handle HVMOP_altp2m_get_visibility',
  '[PATCH v3 3/3] tools/misc: rename xen-altp2m-view to xen-altp2m-views',
];

describe('mbox splitter', () => {
  it('splits git format-patch --stdout output at its From_ lines only, in any chunking', async () => {
    const bytes = fixture('input/series-v3.mbox');
    for (const size of [1, 7, 64, 4096, 1 << 20]) expect(await subjects(bytes, size), `chunks of ${size}`).toEqual(V3);
    const messages = await split(bytes);
    expect(messages.map((m) => m.index)).toEqual([0, 1, 2, 3]);
    // The From_ line itself is not part of the message.
    expect(messages[1]!.bytes.toString('latin1').startsWith('Message-Id: <a22d8b4478e3')).toBe(true);
  });

  it('does not split at a body line starting with "From " (git format-patch does not escape it)', async () => {
    const messages = await split(fixture('input/series-v3.mbox'));
    expect(messages).toHaveLength(4);
    expect(messages[1]!.bytes.toString('utf8')).toContain('\nFrom the SDM, volume 3C: a view that is not visible cannot be\n');
  });

  it('splits CRLF mboxes the same way', async () => {
    expect(await subjects(fixture('input/series-v3-crlf.mbox'), 100)).toEqual(V3);
  });

  it('unescapes mboxrd ">From " lines by one level', async () => {
    const messages = await split(fixture('input/series-v3-mboxrd.mbox'), 333);
    expect(messages).toHaveLength(5);
    expect(messages[1]!.bytes.toString('utf8')).toContain('\nFrom the SDM, volume 3C');
    expect(messages[1]!.bytes.toString('utf8')).not.toContain('>From the SDM');
    expect(messages[4]!.bytes.toString('utf8')).toContain('\n>From the list archive:\n');
  });

  it('splits Thunderbird mboxes ("From - <date>" separators)', async () => {
    const messages = await split(fixture('input/thunderbird.mbox'));
    const parsed = await Promise.all(messages.map((m) => parseMessage(m)));
    expect(parsed.map((m) => m.messageId)).toEqual(['<20240603154011.4242-1-carol@example.net>', '<reply-1@example.com>']);
  });

  it('recognises From_ lines of real mboxes and nothing else', () => {
    for (const line of [
      'From 9fbc4113aa1d12f08c9dcd598513a28c8ddf3662 Mon Sep 17 00:00:00 2001',
      'From - Mon Jun  3 16:41:02 2024',
      'From alice@example.org Tue May 14 10:12:03 2024',
      'From MAILER-DAEMON Fri Jul  8 12:08:34 2011',
      'From xen-devel-bounces@lists.example.org Wed May 15 09:00:07 +0200 2024',
    ]) expect(isFromLine(line), line).toBe(true);
    for (const line of ['From the SDM, volume 3C: a view', 'From: Alice Example <alice@example.org>', 'From 2011 on, Xen', '>From alice@example.org Tue May 14 10:12:03 2024', 'From  Mon'])
      expect(isFromLine(line), line).toBe(false);
  });

  it('yields nothing for empty input and one message for text without a From_ line', async () => {
    expect(await split(Buffer.alloc(0))).toEqual([]);
    const one = await split(Buffer.from('Subject: x\n\nbody\n'));
    expect(one.map((m) => m.bytes.toString())).toEqual(['Subject: x\n\nbody\n']);
  });

  it('does not throw on a short line starting with "F" at the start of a small chunk (found by fuzzing)', async () => {
    const text = 'From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nF\nFo\n';
    expect((await split(Buffer.from(text), 1)).map((m) => m.bytes.toString())).toEqual(['Subject: x\n\nF\nFo\n']);
    expect((await split(Buffer.from('F\n'), 1)).map((m) => m.bytes.toString())).toEqual(['F\n']);
  });

  it('keeps a last message without a final newline', async () => {
    const text = 'From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\n1\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: two\n\n2';
    expect((await split(Buffer.from(text), 5)).map((m) => m.bytes.toString())).toEqual(['Subject: one\n\n1\n', 'Subject: two\n\n2']);
  });

  it('escapes and unescapes at LF line starts only, not after a lone CR (found by fuzzing)', () => {
    expect(escapeMboxrd('a\rFrom b\n')).toBe('a\rFrom b\n');
    expect(unescapeMboxrd(Buffer.from('x\n>From y\r>From z\n')).toString()).toBe('x\nFrom y\r>From z\n');
  });

  it('escapeMboxrd and unescapeMboxrd are inverse', () => {
    const body = 'From here\n>From there\n>>From afar\nFromage\n';
    expect(escapeMboxrd(body)).toBe('>From here\n>>From there\n>>>From afar\nFromage\n');
    expect(unescapeMboxrd(Buffer.from(escapeMboxrd(body))).toString()).toBe(body);
  });
});
