import { describe, expect, it } from 'vitest';
import libmime from 'libmime';
import fc from 'fast-check';
import { decodeHeaderText, loadMimeCodecs, needsMimeCodecs, parseContentType, readHeaderBlock, startsWithHeaderField } from '../../src/ingest/headers.js';
import { isFromLine } from '../../src/ingest/mbox.js';
import { fcOptions } from '../fuzz/runs.js';

// First in the file: vitest gives each file fresh modules, so libmime is not loaded yet here.
describe('MIME codecs loaded on need', () => {
  const block = (head: string) => readHeaderBlock(Buffer.from(`${head}\n\nbody\n`));
  const plain = block('From: A <a@example.org>\nSubject: [PATCH] x\nContent-Type: text/plain; charset=UTF-8');
  const encoded = block('From: =?UTF-8?q?Roger_Pau_Monn=C3=A9?= <r@example.org>\nSubject: x');
  const quoted = block('Subject: x\nContent-Type: multipart/mixed; boundary="b"');

  it('plain format-patch headers need none; encoded words and quoted parameters do', () => {
    expect(needsMimeCodecs(plain)).toBe(false);
    expect(needsMimeCodecs(encoded)).toBe(true);
    expect(needsMimeCodecs(quoted)).toBe(true);
    expect(decodeHeaderText('plain text')).toBe('plain text');
    expect(() => decodeHeaderText('=?UTF-8?q?x?=')).toThrow(/before loadMimeCodecs/);
  });

  it('decodes encoded words once loaded, and then nothing needs loading', async () => {
    await loadMimeCodecs();
    expect(decodeHeaderText('=?UTF-8?q?Roger_Pau_Monn=C3=A9?= <r@example.org>')).toBe('Roger Pau Monné <r@example.org>');
    expect(needsMimeCodecs(encoded)).toBe(false);
  });
});

describe('Content-Type', () => {
  // The simple reader must agree with libmime wherever it answers alone.
  const values = [
    'text/plain; charset=UTF-8',
    'text/plain; charset="utf-8"',
    'TEXT/X-PATCH;CHARSET=iso-8859-1;',
    'text/plain',
    ' text/plain ; charset=us-ascii',
    'multipart/mixed; boundary="------------2.40.1"',
    'multipart/mixed; boundary=----=_Part_1',
    'text/plain; charset=UTF-8; format=flowed',
    "text/plain; charset*=utf-8''%E2%82%AC",
    'text/plain;\n charset=UTF-8',
  ];
  it.each(values)('reads %j as libmime does', async (value) => {
    await loadMimeCodecs();
    const expected = libmime.parseHeaderValue(value);
    const got = parseContentType(value);
    expect(got.type).toBe(expected.value.toLowerCase().trim());
    expect(got.params).toEqual(expected.params);
  });
});


describe('startsWithHeaderField', () => {
  // The definition it had as regexes over the first 1000 bytes read as Latin-1, kept here as
  // the oracle of the byte-reading version (which runs for every message of an archive).
  function reference(bytes: Buffer): boolean {
    let head = bytes.toString('latin1', 0, Math.min(bytes.length, 1000));
    const firstLine = head.split('\n', 1)[0]!.replace(/\r$/, '');
    if (isFromLine(firstLine)) head = head.slice(firstLine.length + 1).replace(/^\n/, '');
    return /^[!-9;-~]+:/.test(head) && !/^Index: \S/.test(head);
  }
  const FROM = 'From 3e9b0d540837c4641783adcc5449d3762469ff9d Mon Sep 17 00:00:00 2001';
  const piece = fc.oneof(
    fc.constantFrom(FROM, `${FROM}\r`, '\n', '\r\n', 'From: ', 'Index: ', 'Index:x', 'Index:\u00a0', 'Index: \u00a0', 'diff --git', ':', ' ', '\t', 'Subject', '\u00ff', 'X'.repeat(990)),
    fc.string({ maxLength: 6 }),
    fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a).toString('latin1')),
  );
  it('says what the regex definition says, From_ line, CRLF, quilt and the 1000-byte limit included', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const bytes = Buffer.from(pieces.join(''), 'latin1');
        expect(startsWithHeaderField(bytes)).toBe(reference(bytes));
      }),
      { ...fcOptions, numRuns: fcOptions.numRuns * 10 },
    );
  });
});
