// Worker threads read an mbox file in pieces (bot/workers/piece.ts): together the pieces must
// hold exactly the messages splitMbox finds in the whole file, each whole, in order, wherever
// the nominal piece bounds fall (inside a message, on a From_ line, on an unescaped "From "
// body line, inside a CRLF pair, in a message longer than many pieces).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextFromLine, splitMbox } from '../../../src/ingest/mbox.js';
import { pieceRanges, readPiece } from '../../../bot/workers/piece.js';
import { RUNS, SEED } from '../../fuzz/runs.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-piece-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function split(bytes: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const raw of splitMbox([bytes])) out.push(raw.bytes.toString('latin1'));
  return out;
}

async function splitInPieces(path: string, size: number, pieceBytes: number): Promise<string[]> {
  const out: string[] = [];
  for (const range of pieceRanges(size, pieceBytes)) out.push(...(await split(await readPiece(path, range))));
  return out;
}

const FROM = 'From 3e9b0d540837c4641783adcc5449d3762469ff9d Mon Sep 17 00:00:00 2001';

function message(n: number, bodyLines: readonly string[], eol: string): string {
  return [FROM, `From: A <a@example.org>`, `Subject: [PATCH] change ${n}`, '', ...bodyLines, ''].join(eol);
}

describe('nextFromLine', () => {
  const bytes = Buffer.from(`${FROM}\nbody\nFrom the errata document:\n${FROM}\nx\n`);
  it('finds only From_ lines that start a line, at or after the offset', () => {
    expect(nextFromLine(bytes, 0, true)).toBe(0);
    expect(nextFromLine(bytes, 1, true)).toBe(bytes.indexOf(`\n${FROM}`, 1) + 1);
    expect(nextFromLine(bytes, bytes.length - 2, true)).toBe(-1);
  });
  it('asks for more when a candidate line is cut off and the input goes on', () => {
    const cut = bytes.subarray(0, bytes.indexOf(`\n${FROM}`, 1) + 10);
    expect(nextFromLine(cut, 1, false)).toBe('more');
    expect(nextFromLine(cut, 1, true)).toBe(-1);
  });
});

describe('readPiece', () => {
  it('cuts every file into pieces that split as the whole file does', async () => {
    const line = fc.oneof(
      fc.constantFrom('+int x;', ' context', '-old', 'From the errata document:', '>From quoted', 'From', '', 'diff --git a/x b/x'),
      fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    );
    const mbox = fc.record({
      messages: fc.array(fc.array(line, { maxLength: 30 }), { minLength: 1, maxLength: 12 }),
      eol: fc.constantFrom('\n', '\r\n'),
      pieceBytes: fc.integer({ min: 1, max: 600 }),
      finalNewline: fc.boolean(),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mbox, async ({ messages, eol, pieceBytes, finalNewline }) => {
        let text = messages.map((body, i) => message(i, body, eol)).join('');
        if (!finalNewline) text = text.replace(/\r?\n$/, '');
        const bytes = Buffer.from(text, 'latin1');
        const path = join(dir, `m${n++}.mbox`);
        writeFileSync(path, bytes);
        expect(await splitInPieces(path, bytes.length, pieceBytes)).toEqual(await split(bytes));
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('splits only at line starts, wherever a bound falls (every bound of a small file tried)', async () => {
    // A From_ line's text in the middle of a line, an unescaped "From " body line, CRLF.
    const text =
      message(0, [`quoting: ${FROM}`, 'From the errata document:', '+x'], '\n') +
      message(1, [`>${FROM}`, ' context'], '\r\n') +
      message(2, ['-y'], '\n');
    const path = join(dir, 'bounds.mbox');
    writeFileSync(path, text);
    const whole = await split(Buffer.from(text, 'latin1'));
    expect(whole).toHaveLength(3);
    for (let pieceBytes = 1; pieceBytes <= text.length; pieceBytes++) {
      expect(await splitInPieces(path, text.length, pieceBytes), `pieces of ${pieceBytes} bytes`).toEqual(whole);
    }
  });

  it('gives a message longer than many pieces to the piece it starts in, whole', async () => {
    const long = Array.from({ length: 5000 }, (_, i) => `+line ${i}`);
    const text = message(0, ['x'], '\n') + message(1, long, '\n') + message(2, ['y'], '\n');
    const path = join(dir, 'long.mbox');
    writeFileSync(path, text);
    const ranges = pieceRanges(text.length, 1000);
    const counts = await Promise.all(ranges.map(async (r) => (await split(await readPiece(path, r))).length));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(counts.filter((c) => c > 0).length).toBeLessThanOrEqual(3);
    expect(await splitInPieces(path, text.length, 1000)).toEqual(await split(Buffer.from(text)));
  });
});
