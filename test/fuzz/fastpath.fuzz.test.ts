import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reviewMessages } from '../../src/pipeline.js';
import { ReportBuilder } from '../../src/report/report.js';
import { renderJson } from '../../src/report/json.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import type { RawMessage } from '../../src/ingest/mbox.js';
import { FIXTURES, fixture, split } from '../ingest/read.js';
import { fcOptions } from './runs.js';

async function corpus(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const name of ['input/series-v3.mbox', 'input/series-v1-v2.mbox', 'input/thunderbird.mbox', 'input/domctl.patch', 'input/unwatched.mbox']) for (const m of await split(fixture(name))) out.push(m.bytes);
  for (const dir of ['input/message/', 'malformed/']) for (const name of readdirSync(FIXTURES + dir)) if (!name.startsWith('empty')) out.push(fixture(dir + name));
  return out;
}

async function report(raws: RawMessage[], fastPath: boolean): Promise<string> {
  const builder = new ReportBuilder();
  async function* source() {
    yield* raws;
  }
  for await (const event of reviewMessages(source(), { pack: xenAltp2m, config: DEFAULT_CONFIG, source: 'fuzz', fastPath })) builder.add(event);
  return renderJson(builder.build());
}

// Bytes the raw-bytes path (ingest/bytepath.ts) reads as Latin-1 (the message text is edited
// as Latin-1, one character per byte): U+2028 and U+2029, which end a line for JavaScript only
// when decoded; NBSP, U+3000 and `à`, whose bytes or characters are whitespace to one reading
// and not the other; a byte that is no UTF-8 at all; and a second diffstat break.
const UTF8_INSERTS = ['\u00e2\u0080\u00a8', '\u00e2\u0080\u00a9', '\u00c2\u00a0', '\u00e3\u0080\u0080', '\u00c3\u00a0', '\u00ff', '\n---\n', '\n--- \n 1 file changed\n', '\n---\n x | 1 +\n 1 file changed, 1 insertion(+)\n'];

const edit = fc.record({ at: fc.nat(), len: fc.nat({ max: 12 }), insert: fc.oneof(fc.constantFrom('', '\n', '\n+', '\n-', '\n ', '\\ No newline at end of file\n', '\n-- \n', '\r\n', '@@ -1,2 +1,3 @@\n', 'diff --git a/x b/x\n', 'GIT binary patch\n'), fc.constantFrom(...UTF8_INSERTS), fc.string({ maxLength: 8 })) });

describe('fuzz: the archive fast path equals the full pipeline', () => {
  it('same JSON report with fastPath on and off, and no crash of core or rules, for mutated real-shaped messages', async () => {
    const messages = await corpus();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ which: fc.nat({ max: messages.length - 1 }), edits: fc.array(edit, { maxLength: 4 }) }), { minLength: 1, maxLength: 6 }), async (picks) => {
        const raws = picks.map(({ which, edits }, index) => {
          let text = messages[which]!.toString('latin1');
          for (const e of edits) {
            const at = e.at % (text.length + 1);
            text = text.slice(0, at) + e.insert + text.slice(at + e.len);
          }
          return { index, bytes: Buffer.from(text, 'latin1') };
        });
        const fast = await report(raws, true);
        expect(fast).toBe(await report(raws, false));
        // Bad input is an input error with a reason, never a crash of the core or of a rule.
        const errors = (JSON.parse(fast) as { errors: { reason: string }[] }).errors.map((e) => e.reason);
        expect(errors.filter((r) => /^unexpected failure|^rule \S+ failed/.test(r))).toEqual([]);
      }),
      fcOptions,
    );
  });
});
