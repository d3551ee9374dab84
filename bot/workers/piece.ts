import { open, type FileHandle } from 'node:fs/promises';
import { nextFromLine } from '../../src/ingest/mbox.js';

/**
 * A piece of an mbox file: the messages whose From_ line starts in [start, end) of the file.
 * Worker threads read their pieces themselves, so the main thread neither reads nor copies
 * the archive (docs/performance.md); pieces cut where `splitMbox` would, so together they hold every
 * message exactly once, and each message whole.
 */
export interface PieceRange {
  readonly start: number;
  readonly end: number;
}

/** The bytes of the piece's messages, from its first From_ line to the next piece's. */
export async function readPiece(path: string, range: PieceRange): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    // One byte before the start tells whether the start is a line start.
    const base = Math.max(0, range.start - 1);
    let window = Math.max(1 << 16, Math.ceil((range.end - range.start) / 8));
    for (;;) {
      const until = Math.min(size, range.end + window);
      const bytes = await readRange(file, base, until);
      const atEnd = until >= size;
      const first = nextFromLine(bytes, range.start - base, atEnd);
      if (first === 'more') {
        window *= 2;
        continue;
      }
      if (first < 0 || first + base >= range.end) return Buffer.alloc(0);
      const next = range.end >= size ? -1 : nextFromLine(bytes, range.end - base, atEnd);
      if (next === 'more' || (next < 0 && !atEnd)) {
        // The last message of the piece goes on past what was read: read further.
        window *= 2;
        continue;
      }
      return bytes.subarray(first, next < 0 ? bytes.length : next);
    }
  } finally {
    await file.close();
  }
}

async function readRange(file: FileHandle, from: number, to: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(to - from);
  let done = 0;
  while (done < bytes.length) {
    const { bytesRead } = await file.read(bytes, done, bytes.length - done, from + done);
    if (bytesRead === 0) break; // the file shrank while read: what is there is what there is
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

/** Nominal piece bounds of a file of `size` bytes; their messages are found by `readPiece`. */
export function pieceRanges(size: number, pieceBytes: number): PieceRange[] {
  const ranges: PieceRange[] = [];
  for (let start = 0; start < size; start += pieceBytes) ranges.push({ start, end: Math.min(size, start + pieceBytes) });
  return ranges;
}
