import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { splitMbox, startsWithFromLine, type RawMessage } from '../../src/ingest/mbox.js';
import { splitCommits } from '../../src/ingest/gitlog.js';

/**
 * Opens one input (a path, or `-` for stdin) as a stream of raw messages. The kind is told
 * from the content: gzip magic, then an mbox From_ line, then `git log -p` output (split per
 * commit, see src/ingest/gitlog.ts), else one message or a plain diff.
 */
export async function* readInput(path: string, stdin: Readable = process.stdin): AsyncGenerator<RawMessage> {
  // 256 KiB reads: as fast as 1 MiB here, and a message's chunks are held until it is cut
  // out, so smaller ones keep peak RSS lower (about 15 MB on a 400 MB archive).
  const stream = path === '-' ? stdin : createReadStream(path, { highWaterMark: 1 << 18 });
  yield* readStream(stream);
}

/**
 * The size of `path` when it is a regular, uncompressed mbox file (its first line a From_
 * line) that worker threads can cut into pieces and read themselves; null otherwise (stdin,
 * .gz, a single message, a plain diff, no such file: those are read the usual way).
 */
export async function splittableMboxSize(path: string): Promise<number | null> {
  if (path === '-') return null;
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return null; // the usual reading reports it
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) return null;
    const head = Buffer.alloc(Math.min(stat.size, 4096));
    await file.read(head, 0, head.length, 0);
    return startsWithFromLine(head) ? stat.size : null;
  } finally {
    await file.close();
  }
}

export async function* readStream(stream: Readable): AsyncGenerator<RawMessage> {
  const chunks = peekable(maybeGunzip(stream));
  const first = await chunks.peek();
  if (first === null) return; // empty input: no messages (the caller reports it)
  if (startsWithFromLine(first.subarray(0, Math.min(first.length, 4096)))) {
    yield* splitMbox(chunks);
    return;
  }
  // One message or diff, or `git log -p` / `git show` output: one message per commit.
  yield* splitCommits(chunks);
}

async function* maybeGunzip(stream: Readable): AsyncGenerator<Buffer> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  if (first.done) return;
  const head = typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const feed = (async () => {
      gunzip.write(head);
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (!gunzip.write(next.value)) await new Promise((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    })();
    feed.catch((error: unknown) => gunzip.destroy(error instanceof Error ? error : new Error(String(error))));
    for await (const chunk of gunzip) yield chunk as Buffer;
    await feed;
    return;
  }
  yield head;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
  }
}

interface Peekable<T> extends AsyncIterable<T> {
  peek(): Promise<T | null>;
}

function peekable<T>(source: AsyncIterable<T>): Peekable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let buffered: IteratorResult<T> | null = null;
  return {
    async peek() {
      buffered ??= await iterator.next();
      return buffered.done ? null : buffered.value;
    },
    async *[Symbol.asyncIterator]() {
      if (buffered) {
        const held = buffered;
        buffered = null;
        if (held.done) return;
        yield held.value;
      }
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
}
