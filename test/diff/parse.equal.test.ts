import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/diff/parse.js';
import { referenceParseDiff } from './support/reference-parse.js';
import { fcOptions } from '../fuzz/runs.js';

/**
 * parseDiff reads hunks itself since it was made faster; before, it handed each file section
 * to the parse-diff package. Its model must be what it was for every input, malformed ones
 * included: the pre-optimisation parser is kept in support/reference-parse.ts as the oracle.
 */

type Outcome = { model: unknown; json: string } | { threw: string };

function outcome(parse: (text: string) => unknown, text: string): Outcome {
  try {
    const model = parse(text);
    // JSON as well: the key order is part of what a report prints.
    return { model, json: JSON.stringify(model) };
  } catch (error) {
    return { threw: String(error) };
  }
}

function expectSame(text: string): void {
  expect(outcome(parseDiff, text)).toStrictEqual(outcome(referenceParseDiff, text));
}

// Lines that steer the splitter's state machine: headers of every kind, hunk headers that
// tell the truth or lie, change lines that look like headers, markers, signatures, prose.
const headerLines = fc.constantFrom(
  'diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c',
  'diff --git a/xen/xsm/flask/hooks.c b/xen/xsm/flask/flask_hooks.c',
  'diff --git "a/docs/caf\\303\\251 x.txt" "b/docs/caf\\303\\251 x.txt"',
  'diff --git a/x y b/x y',
  'diff --git a/',
  'diff --git ',
  'index 1111111..2222222 100644',
  'index 0000000..2222222',
  'new file mode 100644',
  'deleted file mode 100755',
  'old mode 100644',
  'new mode 100755',
  'similarity index 91%',
  'dissimilarity index 60%',
  'rename from xen/xsm/flask/hooks.c',
  'rename to xen/xsm/flask/flask_hooks.c',
  'copy from xen/include/public/domctl.h',
  'copy to xen/include/public/sysctl.h',
  '--- a/xen/arch/x86/hvm/hvm.c',
  '+++ b/xen/arch/x86/hvm/hvm.c',
  '--- /dev/null',
  '+++ /dev/null',
  '--- "a/docs/caf\\303\\251 x.txt"\t2024-01-01 12:00:00',
  '+++ b/x.c\t2024-01-01 12:00:00.000000000 +0100',
  'Binary files a/x.png and b/x.png differ',
  'Binary files /dev/null and b/x.png differ',
  'GIT binary patch',
  'literal 12',
  'zcmZ?wbhEHbR',
);
const hunkHeaders = fc.oneof(
  fc.constantFrom('@@ -1 +1 @@', '@@ -0,0 +1 @@', '@@ -1,0 +1,0 @@', '@@ -0,0 +0,0 @@', '@@ -007,2 +7,2 @@ static int f(void)', '@@ -4512,6 +4512,7 @@ static int do_altp2m_op(', '@@ -1,3 +1,3 @@@ x', '@@ -1,2 +1,2 @@struct s {', '@@ -1 +1,2'),
  fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 6 }), fc.nat({ max: 40 }), fc.nat({ max: 6 }), fc.constantFrom('', ' ', ' int main(void)', ' struct xen_domctl {', '  }', ' DEFINE_PER_CPU(int, x);')).map(
    ([a, b, c, d, rest]) => `@@ -${a},${b} +${c},${d} @@${rest}`,
  ),
);
const bodyText = fc.constantFrom('', ' ', '- ', '-- ', '--- a/x', '++ b/x', '++', '@@ -1 +1 @@', 'static int f(void)', 'struct xen_domctl {', 'typedef union u {', '}', '};', '    break;', 'if (x)', 'DEFINE_PER_CPU(int, x)', 'int a;', '$x(', 'x\r');
const bodyLines = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(' ', ' ', '+', '-'), bodyText).map(([m, t]) => m + t) },
  { weight: 1, arbitrary: fc.constantFrom('', '-- ', '--', '\\ No newline at end of file', '\\ Kein Zeilenumbruch am Dateiende.', '\\', '2.39.5', 'From the SDM', '\tindented', ' ') },
);
const anyLine = fc.oneof({ weight: 2, arbitrary: headerLines }, { weight: 2, arbitrary: hunkHeaders }, { weight: 8, arbitrary: bodyLines });

/** Joins lines with LF or CRLF (or a mix), with or without a final newline. */
const joined = (lines: fc.Arbitrary<string[]>): fc.Arbitrary<string> =>
  fc.tuple(lines, fc.constantFrom('\n', '\r\n', 'mixed'), fc.constantFrom('', '\n', '\r\n', '\n\n', '\n-- \n2.39.5\n')).map(([ls, eol, end]) =>
    eol === 'mixed' ? ls.map((l, i) => l + (i % 3 === 0 ? '\r\n' : '\n')).join('') + end : ls.join(eol) + end,
  );

/** A diff shaped like git's: files, each with headers and hunks whose counts may lie. */
const shapedDiff = fc
  .array(
    fc.record({
      git: fc.boolean(),
      headers: fc.array(headerLines, { maxLength: 4 }),
      pair: fc.boolean(),
      hunks: fc.array(fc.tuple(hunkHeaders, fc.array(bodyLines, { maxLength: 12 })), { maxLength: 4 }),
      trailer: fc.array(anyLine, { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((files) =>
    files.flatMap((f) => [
      ...(f.git ? ['diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c'] : []),
      ...f.headers,
      ...(f.pair || !f.git ? ['--- a/xen/arch/x86/hvm/hvm.c', '+++ b/xen/arch/x86/hvm/hvm.c'] : []),
      ...f.hunks.flatMap(([header, lines]) => [header, ...lines]),
      ...f.trailer,
    ]),
  );

/** A clean two-file git diff to mutate. */
const base = [
  'diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c',
  'index 1c8a3b2..4f0e9d1 100644',
  '--- a/xen/arch/x86/hvm/hvm.c',
  '+++ b/xen/arch/x86/hvm/hvm.c',
  '@@ -4512,6 +4512,7 @@ static int do_altp2m_op(',
  '     case HVMOP_altp2m_switch_p2m:',
  '+    case HVMOP_altp2m_get_visibility:',
  '         break;',
  '-- ',
  ' }',
  '',
  '+static int other(void)',
  '@@ -5000,2 +5001,2 @@ struct xen_hvm_altp2m_op {',
  '-    uint8_t pad;',
  '\\ No newline at end of file',
  '+    uint8_t visible;',
  '\\ No newline at end of file',
  ' };',
  'diff --git a/xen/xsm/flask/hooks.c b/xen/xsm/flask/hooks2.c',
  'similarity index 91%',
  'rename from xen/xsm/flask/hooks.c',
  'rename to xen/xsm/flask/hooks2.c',
  '--- a/xen/xsm/flask/hooks.c',
  '+++ b/xen/xsm/flask/hooks2.c',
  '@@ -1 +1 @@',
  '-a',
  '+b',
  '-- ',
  '2.39.5',
  '',
].join('\n');
const insertions = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('\n', '\r', '\r\n', '\n+', '\n-', '\n ', '\n\\ No newline at end of file\n', '\n\\ x\n\\ y\n', '\n@@ -1,0 +1,0 @@\n', '\n@@ -1,9 +1,2 @@\n', '\ndiff --git a/x b/x\n', '\n--- a/x\n+++ b/x\n', '\n-- \n', 'GIT binary patch\n', '"', '\\'),
);
const mutated = fc.tuple(fc.array(fc.record({ at: fc.nat(), cut: fc.nat({ max: 8 }), insert: insertions }), { maxLength: 8 }), fc.nat({ max: 2 })).map(([mutations, copies]) => {
  let t = base.repeat(copies + 1);
  for (const m of mutations) {
    const at = m.at % (t.length + 1);
    t = t.slice(0, at) + m.insert + t.slice(at + m.cut);
  }
  return t;
});

const runs = { ...fcOptions, numRuns: fcOptions.numRuns * 4 };

describe('parseDiff equals the pre-optimisation parser', () => {
  it('on diffs shaped like git and diff -u output, counts true or lying, LF or CRLF', () => {
    fc.assert(fc.property(joined(shapedDiff), expectSame), runs);
  });

  it('on any sequence of diff-like lines', () => {
    fc.assert(fc.property(joined(fc.array(anyLine, { maxLength: 40 })), expectSame), runs);
  });

  it('on mutated real-looking diffs', () => {
    fc.assert(fc.property(mutated, expectSame), runs);
  });

  it('on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectSame), runs);
  });

  it('on the quirks it keeps from parse-diff (a hunk with no lines takes the later ones; a doubled "\\" line throws)', () => {
    const head = ['diff --git a/x.c b/x.c', '--- a/x.c', '+++ b/x.c'];
    const swallowing = [...head, '@@ -1,0 +1,0 @@', '@@ -5 +5 @@ int f(void)', '-x', '\\ q', '\\ r', '+y', ''].join('\n');
    expectSame(swallowing);
    expect(parseDiff(swallowing).files[0]!.hunks.map((h) => h.lines.map((l) => `${l.kind}:${l.text}:${l.oldLine ?? ''}:${l.newLine ?? ''}`))).toEqual([
      ['context:@ -5,1 +5,1 @@ int f(void):1:1', 'del:x:2:', 'add:y::2'],
    ]);
    const truncated = [...head, '@@ -1 +1 @@', '\\ a', '@@ -5 +5 @@', '-x', '+y', ''].join('\n');
    expectSame(truncated);
    expect(parseDiff(truncated).files[0]!.hunks).toHaveLength(1);
    const doubled = [...head, '@@ -1 +1 @@', '\\ a', '\\ b', '-x', '+y', ''].join('\n');
    expectSame(doubled);
    expect(() => parseDiff(doubled)).toThrow(TypeError);
  });

  it('on a deleted line "--- x" naming the old file of a section without a ---/+++ pair', () => {
    expectSame(['diff --git a/x.c b/x.c', '@@ -1,2 +1,2 @@', '--- y.c', '+++ z.c', ''].join('\n'));
    expect(parseDiff(['diff --git a/x.c b/x.c', '@@ -1,2 +1,2 @@', '--- y.c', '+++ z.c', ''].join('\n')).files[0]!.oldPath).toBe('y.c');
  });
});
