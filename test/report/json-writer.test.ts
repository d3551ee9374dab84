// The JSON writer lays out each patch entry by hand for speed; it must be exactly what
// JSON.stringify(jsonPatch(p), null, 2) gives, indented into the document.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonReportWriter, jsonPatch } from '../../src/report/json.js';
import type { PatchReport } from '../../src/pipeline.js';
import type { Finding } from '../../src/engine/finding.js';
import { RUNS, SEED } from '../fuzz/runs.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a "quoted" \\ back\nslash', '\u2028\u0000\u001f', 'Roger Pau Monné <r@example.org>'));
const count = fc.oneof(fc.nat(), fc.constant(Number.NaN));

const finding: fc.Arbitrary<Finding> = fc.record(
  {
    rule: text,
    severity: fc.constantFrom('error', 'warning', 'info'),
    path: text,
    line: fc.nat(),
    endLine: fc.nat(),
    side: fc.constantFrom('new', 'old'),
    message: text,
    evidence: fc.array(text, { maxLength: 3 }),
    policy: text,
    anchor: text,
    fingerprint: text,
  },
  { requiredKeys: ['rule', 'severity', 'path', 'line', 'side', 'message', 'evidence', 'policy', 'anchor', 'fingerprint'] },
);

const patch: fc.Arbitrary<PatchReport> = fc
  .record({
    source: fc.option(text, { nil: undefined }),
    index: fc.nat(),
    id: text,
    messageId: fc.option(text),
    subject: text,
    kind: fc.constantFrom('patch', 'cover', 'reply', 'other'),
    author: fc.option(text),
    series: fc.record({ id: fc.option(text), version: fc.nat(), index: fc.option(fc.nat()), total: fc.option(fc.nat()) }),
    files: fc.array(
      fc.record({ path: text, additions: count, deletions: count, binary: fc.constantFrom(undefined, true) }).map(({ binary, ...rest }) => (binary ? { ...rest, binary } : rest)),
      { maxLength: 4 },
    ),
    findings: fc.array(finding, { maxLength: 2 }),
  })
  .map(({ source, ...rest }) => (source === undefined ? rest : { source, ...rest }));

describe('JsonReportWriter.patch', () => {
  it('writes each entry exactly as JSON.stringify lays it out', () => {
    fc.assert(
      fc.property(fc.array(patch, { minLength: 1, maxLength: 3 }), (patches) => {
        const writer = new JsonReportWriter();
        patches.forEach((p, i) => {
          const expected = (i === 0 ? '\n    ' : ',\n    ') + JSON.stringify(jsonPatch(p), null, 2).replace(/\n/g, '\n    ');
          expect(writer.patch(p)).toBe(expected);
        });
      }),
      { numRuns: RUNS * 4, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
