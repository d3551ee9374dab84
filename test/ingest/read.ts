// Test helpers: read fixtures and run them through the splitter and the message parser.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { splitMbox, type RawMessage } from '../../src/ingest/mbox.js';
import { parseMessage, type Message } from '../../src/ingest/message.js';
import { toPatch, type Patch } from '../../src/ingest/patch.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

/** The bytes fed to the splitter in chunks of `size` bytes (to cross every boundary). */
export async function* chunked(bytes: Buffer, size = 1 << 16): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export async function split(bytes: Buffer, size?: number): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  for await (const m of splitMbox(chunked(bytes, size))) out.push(m);
  return out;
}

export async function messagesOf(bytes: Buffer): Promise<Message[]> {
  return Promise.all((await split(bytes)).map((raw) => parseMessage(raw)));
}

export async function patchesOf(bytes: Buffer): Promise<Patch[]> {
  return (await messagesOf(bytes)).map(toPatch);
}

/** One file as a single message (an .eml, a .patch without From_ line, a plain diff). */
export async function messageFile(name: string): Promise<Message> {
  return parseMessage({ index: 0, bytes: fixture(name) });
}
