import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message.js';
import { toPatch } from '../../src/ingest/patch.js';
import { InputError } from '../../src/errors.js';
import { FIXTURES, fixture, split } from '../ingest/read.js';
import { fcOptions } from './runs.js';

/** Real-shaped messages: every fixture message, split out of its mbox. */
async function corpus(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const name of ['input/series-v3.mbox', 'input/thunderbird.mbox', 'input/domctl.patch']) for (const m of await split(fixture(name))) out.push(m.bytes);
  for (const name of readdirSync(FIXTURES + 'input/message')) out.push(fixture('input/message/' + name));
  return out;
}

const mutation = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'duplicate'),
  at: fc.nat(),
  len: fc.nat({ max: 64 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

function mutate(bytes: Buffer, mutations: { kind: string; at: number; len: number; bytes: Uint8Array }[]): Buffer {
  let b = Buffer.from(bytes);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) b[at] = (b[at]! ^ (m.bytes[0] ?? 1)) & 0xff;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'duplicate') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}

describe('fuzz: message → patch', () => {
  it('random byte mutations of real-shaped patches never throw anything but InputError', async () => {
    const messages = await corpus();
    expect(messages.length).toBeGreaterThan(15);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: messages.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 8 }), async (which, mutations) => {
        const bytes = mutate(messages[which]!, mutations);
        let message;
        try {
          message = await parseMessage({ index: 7, bytes });
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          expect((error as InputError).location.index).toBe(7);
          return;
        }
        const patch = toPatch(message);
        expect(['patch', 'cover', 'reply', 'other']).toContain(patch.kind);
        for (const file of patch.diff.files) {
          expect(file.path.length).toBeGreaterThan(0);
          expect(file.additions).toBeGreaterThanOrEqual(0);
          expect(file.deletions).toBeGreaterThanOrEqual(0);
        }
        expect(() => JSON.stringify(patch.diff)).not.toThrow();
      }),
      fcOptions,
    );
  });
});
