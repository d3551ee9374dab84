import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/diff/parse.js';
import { fcOptions } from './runs.js';
import { expectConsistent } from '../diff/support/consistent.js';

type Op = { kind: ' ' | '-' | '+'; text: string };

/** A unified diff (3 lines of context, hunks merged like git) of an edit script. */
function unifiedDiff(ops: Op[], path: string): string {
  const out = [`diff --git a/${path} b/${path}`, 'index 1111111..2222222 100644', `--- a/${path}`, `+++ b/${path}`];
  const changed = ops.map((op, i) => (op.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    const first = changed[i]!;
    let last = first;
    while (i + 1 < changed.length && changed[i + 1]! - last <= 7) last = changed[++i]!;
    i++;
    const start = Math.max(0, first - 3);
    const end = Math.min(ops.length, last + 4);
    const before = ops.slice(0, start);
    const body = ops.slice(start, end);
    const oldBefore = before.filter((o) => o.kind !== '+').length;
    const newBefore = before.filter((o) => o.kind !== '-').length;
    const oldCount = body.filter((o) => o.kind !== '+').length;
    const newCount = body.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldBefore : oldBefore + 1},${oldCount} +${newCount === 0 ? newBefore : newBefore + 1},${newCount} @@ static int do_altp2m_op(`);
    for (const op of body) out.push(op.kind + op.text);
  }
  return out.join('\n') + '\n';
}

// Texts that look like diff syntax on purpose: a deleted "- " line reads "-- " in the diff.
const text = fc.constantFrom('', ' ', '- ', '-- ', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '\\ No newline', 'case HVMOP_altp2m_get_visibility:', '}', 'static int f(void)', '    break;', 'From the SDM');
const ops = fc.array(fc.record({ kind: fc.constantFrom<Op['kind']>(' ', ' ', ' ', '-', '+'), text }), { minLength: 1, maxLength: 60 });

describe('fuzz: diff model', () => {
  it('added and context lines point into the post-image, deleted and context lines into the pre-image', () => {
    fc.assert(
      fc.property(ops, (script) => {
        if (!script.some((o) => o.kind !== ' ')) return;
        const pre = script.filter((o) => o.kind !== '+').map((o) => o.text);
        const post = script.filter((o) => o.kind !== '-').map((o) => o.text);
        const model = parseDiff(unifiedDiff(script, 'xen/arch/x86/hvm/hvm.c') + '-- \n2.39.5\n\n');
        expect(model.problems).toBeUndefined();
        expect(model.files).toHaveLength(1);
        const file = model.files[0]!;
        expect([file.additions, file.deletions]).toEqual([script.filter((o) => o.kind === '+').length, script.filter((o) => o.kind === '-').length]);
        // Rebuild the post-image from the pre-image and the hunks: it must be the real one.
        const rebuilt: string[] = [];
        let cursor = 1;
        for (const hunk of file.hunks) {
          for (const line of hunk.lines) {
            if (line.kind === 'add') {
              expect(post[line.newLine! - 1]).toBe(line.text);
              rebuilt.push(line.text);
              continue;
            }
            while (cursor < line.oldLine!) rebuilt.push(pre[cursor++ - 1]!);
            expect(pre[line.oldLine! - 1]).toBe(line.text);
            if (line.kind === 'context') {
              expect(post[line.newLine! - 1]).toBe(line.text);
              rebuilt.push(line.text);
            }
            cursor++;
          }
        }
        while (cursor <= pre.length) rebuilt.push(pre[cursor++ - 1]!);
        expect(rebuilt).toEqual(post);
      }),
      fcOptions,
    );
  });

  it('never throws on mutated diffs, and what it models stays self-consistent', () => {
    const base = unifiedDiff(
      [
        { kind: ' ', text: '    case HVMOP_altp2m_switch_p2m:' },
        { kind: '+', text: '    case HVMOP_altp2m_get_visibility:' },
        { kind: ' ', text: '        break;' },
        { kind: '-', text: '- ' },
        { kind: ' ', text: '' },
      ],
      'xen/arch/x86/hvm/hvm.c',
    );
    const mutation = fc.record({ at: fc.nat(), len: fc.nat({ max: 40 }), insert: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('\n', '\n+', '\n-', '\n ', '\n@@ -1,9 +1,2 @@\n', '\ndiff --git a/x b/x\n', '\\ No newline at end of file\n', '\n-- \n', '\r', '\0', 'GIT binary patch\n', '"')) });
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 6 }), fc.nat({ max: 3 }), (mutations, copies) => {
        let t = base.repeat(copies + 1);
        for (const m of mutations) {
          const at = m.at % (t.length + 1);
          t = t.slice(0, at) + m.insert + t.slice(at + (m.len % 5));
        }
        expectConsistent(parseDiff(t));
      }),
      fcOptions,
    );
  });
});
