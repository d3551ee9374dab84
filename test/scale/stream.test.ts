import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportBuilder, ReportStream } from '../../src/report/report.js';
import { JsonReportWriter, renderJson } from '../../src/report/json.js';
import { renderText, textPatch, textTail } from '../../src/report/text.js';
import { reviewMessages, type PatchReport, type ReviewEvent } from '../../src/pipeline.js';
import { splitMbox, type RawMessage } from '../../src/ingest/mbox.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import type { Finding } from '../../src/engine/finding.js';

function entry(index: number, source: string, findings: Finding[] = []): PatchReport {
  return {
    source,
    index,
    id: `<m${index}@test.invalid>`,
    messageId: `<m${index}@test.invalid>`,
    subject: `[PATCH] change ${index}`,
    kind: 'patch',
    author: 'A <a@test.invalid>',
    series: { id: null, version: 1, index: null, total: null },
    files: [{ path: `f${index}.c`, additions: index, deletions: 1 }],
    findings,
  };
}

const finding = (rule: string, severity: Finding['severity']): Finding => ({
  rule,
  severity,
  path: 'xen/include/public/domctl.h',
  line: 3,
  side: 'new',
  message: 'm',
  evidence: ['+#define X 1'],
  policy: 'p',
  anchor: '<m0@test.invalid>',
  fingerprint: 'f',
});

/** Renders events the streaming way, as `streamCheck` does. */
function streamed(events: ReviewEvent[], format: 'json' | 'text'): { text: string; exit: number; maxHeld: number } {
  const stream = new ReportStream();
  const json = new JsonReportWriter();
  let text = format === 'json' ? json.head() : '';
  let emitted = 0;
  let received = 0;
  let maxHeld = 0;
  const render = (ps: readonly PatchReport[]): void => {
    emitted += ps.length;
    for (const p of ps) text += format === 'json' ? json.patch(p) : textPatch(p);
  };
  for (const event of events) {
    if (event.kind === 'series') received += event.patches.length;
    render(stream.add(event));
    maxHeld = Math.max(maxHeld, received - emitted);
  }
  render(stream.end());
  const { summary, errors } = stream.finish();
  text += format === 'json' ? json.tail(summary, errors) : textTail(summary, errors);
  return { text, exit: stream.exitCode('error'), maxHeld };
}

function built(events: ReviewEvent[], format: 'json' | 'text'): { text: string; exit: number } {
  const builder = new ReportBuilder();
  for (const event of events) builder.add(event);
  const report = builder.build();
  return { text: format === 'json' ? renderJson(report) : renderText(report), exit: report.errors.length > 0 && report.patches.length === 0 ? 2 : report.patches.some((p) => p.findings.some((f) => f.severity === 'error')) ? 1 : report.errors.length > 0 ? 2 : 0 };
}

describe('ReportStream', () => {
  it('writes, byte for byte, the report ReportBuilder builds, whatever order series complete in', () => {
    const events = fc.array(
      fc.record({ size: fc.integer({ min: 1, max: 3 }), delay: fc.nat(4), findings: fc.nat(2), error: fc.boolean() }),
      { minLength: 0, maxLength: 25 },
    );
    fc.assert(
      fc.property(events, (specs) => {
        // Message i arrives in order; a "series" of `size` messages is yielded `delay` steps late.
        const out: { at: number; event: ReviewEvent }[] = [];
        let index = 0;
        specs.forEach((spec, step) => {
          if (spec.error) {
            out.push({ at: step, event: { kind: 'error', error: { source: 's', index, reason: 'unreadable' }, unread: true } });
            index++;
            return;
          }
          const patches: PatchReport[] = [];
          for (let i = 0; i < spec.size; i++, index++) patches.push(entry(index, 's', Array.from({ length: spec.findings }, (_, k) => finding(`r${k}`, k === 0 ? 'warning' : 'error'))));
          out.push({ at: step + spec.delay, event: { kind: 'series', series: null, patches, failures: [] } });
        });
        const events = out.sort((a, b) => a.at - b.at).map((o) => o.event);
        for (const format of ['json', 'text'] as const) {
          const a = streamed(events, format);
          const b = built(events, format);
          expect(a.text).toBe(b.text);
          expect(a.exit).toBe(b.exit);
        }
        expect((JSON.parse(streamed(events, 'json').text) as { version: number }).version).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('holds back only what waits for an earlier message, and lets it all out in order', () => {
    const stream = new ReportStream();
    expect(stream.add({ kind: 'series', series: null, patches: [entry(1, 's'), entry(3, 's')], failures: [] })).toEqual([]);
    expect(stream.add({ kind: 'error', error: { source: 's', index: 2, reason: 'unreadable' }, unread: true })).toEqual([]);
    expect(stream.add({ kind: 'series', series: null, patches: [entry(0, 's')], failures: [] }).map((p) => p.index)).toEqual([0, 1, 3]);
    expect(stream.add({ kind: 'series', series: null, patches: [entry(4, 's')], failures: [] }).map((p) => p.index)).toEqual([4]);
    expect(stream.end()).toEqual([]);
    expect(stream.finish().summary.messages).toBe(4);
  });
});

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

describe('reviewMessages (archive behaviour)', () => {
  const fixture = (name: string): Buffer => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'input', name));

  async function run(raws: RawMessage[] | AsyncIterable<RawMessage>, options: { fastPath?: boolean; seriesWindow?: number } = {}): Promise<ReviewEvent[]> {
    const out: ReviewEvent[] = [];
    const source = Array.isArray(raws) ? (async function* () { yield* raws; })() : raws;
    for await (const event of reviewMessages(source, { pack: xenAltp2m, config: DEFAULT_CONFIG, source: 't', ...options })) out.push(event);
    return out;
  }
  const reports = (events: ReviewEvent[]): PatchReport[] =>
    events.flatMap((e) => (e.kind === 'series' ? e.patches : [])).sort((a, b) => a.index - b.index);

  it('gives the same reports and findings with the fast path on and off', async () => {
    for (const name of ['series-v1-v2.mbox', 'series-v3-shuffled.mbox', 'thunderbird.mbox', 'series-v3-mboxrd.mbox']) {
      const on = reports(await run(splitMbox(once(fixture(name)))));
      const off = reports(await run(splitMbox(once(fixture(name))), { fastPath: false }));
      expect(on.length).toBeGreaterThan(0);
      expect(on).toEqual(off);
    }
  });

  it('lists a second cover letter of the same thread instead of dropping it', async () => {
    const cover = (n: number): RawMessage => ({
      index: n,
      bytes: Buffer.from(
        `From: A <a@test.invalid>\nSubject: [PATCH 0/2] x86/altp2m: things\nMessage-Id: <cover${n}@test.invalid>\n${n > 0 ? 'In-Reply-To: <cover0@test.invalid>\nReferences: <cover0@test.invalid>\n' : ''}\nCover letter ${n}.\n`,
      ),
    });
    const events = await run([cover(0), cover(1)], { seriesWindow: 3 });
    expect(reports(events).map((p) => p.index)).toEqual([0, 1]);
  });

  it('closes an incomplete series after the window, counting replies too, so nothing waits unboundedly', async () => {
    const raws: RawMessage[] = [
      { index: 0, bytes: Buffer.from('From: A <a@test.invalid>\nSubject: [PATCH 1/3] a\nMessage-Id: <p1@test.invalid>\n\nno diff yet\n') },
    ];
    for (let i = 1; i <= 5; i++) raws.push({ index: i, bytes: Buffer.from(`From: B <b@test.invalid>\nSubject: Re: something ${i}\nMessage-Id: <r${i}@test.invalid>\n\nreply\n`) });
    const events = await run(raws, { seriesWindow: 2 });
    const order = events.flatMap((e) => (e.kind === 'series' ? e.patches.map((p) => p.index) : []));
    // The lone 1/3 is let out two messages later, not at the end of the input.
    expect(order.indexOf(0)).toBeLessThan(order.indexOf(5));
    expect(order.indexOf(0)).toBeLessThanOrEqual(2);
  });
});
