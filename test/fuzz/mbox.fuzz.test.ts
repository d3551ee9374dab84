import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMboxrd } from '../../src/ingest/mbox.js';
import { split } from '../ingest/read.js';
import { fcOptions } from './runs.js';

// Lines built from pieces that matter to a splitter: From_ lines, "From " prose, mboxrd
// quoting, CR, blank lines.
const piece = fc.constantFrom(
  'From ',
  '>From ',
  '>>From ',
  'From 9fbc4113aa1d12f08c9dcd598513a28c8ddf3662 Mon Sep 17 00:00:00 2001',
  'From - Mon Jun  3 16:41:02 2024',
  'From: Alice Example <alice@example.org>',
  'Subject: [PATCH v2 1/2] x86/altp2m: views',
  '+#define HVMOP_altp2m_get_visibility 7',
  '-- ',
  '>',
  ' ',
  'the SDM',
  '\r',
  'é',
  '',
);
const line = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(''));
const message = fc.array(line, { maxLength: 12 }).map((lines) => lines.map((l) => l + '\n').join(''));
const SEPARATORS = ['From alice@example.org Tue May 14 10:12:03 2024', 'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001', 'From - Wed May 15 09:00:07 2024'];

describe('fuzz: mbox splitter', () => {
  it('split(join(messages)) gives the messages back (mboxrd), in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom(...SEPARATORS), async (messages, chunk, separator) => {
        const mbox = messages.map((m) => `${separator}\n${escapeMboxrd(m)}\n`).join('');
        const out = await split(Buffer.from(mbox, 'latin1'), chunk);
        // Each message comes back with the blank line mbox puts after it.
        expect(out.map((m) => m.bytes.toString('latin1'))).toEqual(messages.map((m) => m + '\n'));
        expect(out.map((m) => m.index)).toEqual(messages.map((_, i) => i));
      }),
      fcOptions,
    );
  });

  it('never loses or invents bytes on arbitrary input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 64 }), async (bytes, chunk) => {
        const out = await split(Buffer.from(bytes), chunk);
        expect(out.every((m, i) => m.index === i)).toBe(true);
        const total = out.reduce((n, m) => n + m.bytes.length, 0);
        expect(total).toBeLessThanOrEqual(bytes.length);
      }),
      fcOptions,
    );
  });
});
