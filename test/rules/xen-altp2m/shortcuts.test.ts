import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DiffLine, Hunk } from '../../../src/diff/model.js';
import { hunkFacts, proseOf } from '../../../src/diff/queries.js';
import { containersBelow } from '../../../rules/xen-altp2m/containers.js';
import { NOT_EVALUATED, WARNING_HINT } from '../../../rules/xen-altp2m/policy.js';
import { fcOptions } from '../../fuzz/runs.js';

// The rules' shortcuts (a backward pass, a cached hunk text, a word test before prose is
// folded) against the plain definitions they replace, which are kept here as the oracles.

/** The scan `containersBelow` replaces: the rest of the hunk read again for every line. */
function containersAfter(code: readonly string[], index: number): string[] {
  const names: string[] = [];
  let depth = 0;
  for (let i = index + 1; i < code.length; i++) {
    const text = code[i] ?? '';
    for (const ch of text) {
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth < 0) {
          const name = /\}\s*(\w+)\s*;/.exec(text)?.[1];
          if (name) names.unshift(name);
          depth = 0;
        }
      }
    }
  }
  return names;
}

/** proseOf before it skipped the replaces whose marker a line does not have. */
function plainProseOf(lines: readonly string[]): string {
  return lines
    .map((t) => t.replace(/^\s*(?:\/\*+|\*+\/|\*+|\/\/+|#+)/, ' ').replace(/\*+\/\s*$/, ' '))
    .join(' ')
    .replace(/[A-Z]<([^>]*)>/g, '$1')
    .replace(/\s+/g, ' ')
    .toLowerCase()
    .trim();
}

const codeLine = fc
  .array(fc.constantFrom('{', '}', '} altp2m;', '} u ;', '}x;', 'struct ', 'union {', 'uint32_t nr;', ' ', '\t', ';', 'a', '} } opts;', '{ {', '}}', 'y', '\u{1F600}'), { maxLength: 8 })
  .map((parts) => parts.join(''));

const proseLine = fc
  .array(
    fc.constantFrom(
      ...['/*', '/**', '*', '**/', '*/', '//', '#', '##', ' ', '  ', '\t', '\u00a0', '\ufeff', '.', ',', "'"],
      ...['B<', 'I<', 'C<', 'b<', '<', '>', 'sa', 'fe', 'MIX', 'ed', 'Alt', 'P2M', '\u0130', '\u212a'],
      ...['not', 'never', 'yet', 'been', 'evaluated', 'for', 'safety', 'security', 'secur', 'nobody', 'no one', 'no-one', 'has'],
      ...['unevaluated', 'unvetted', 'undergone', 'a', 'review', 'audit', 'assessment', 'analysis', 'checked', 'mixed', 'altp2m', 'subop', 'subops'],
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

function hunkOf(lines: readonly { kind: DiffLine['kind']; text: string }[]): Hunk {
  return { oldStart: 1, oldLines: 0, newStart: 1, newLines: 0, context: '', lines };
}

describe('containersBelow', () => {
  it('names, for every line, the containers the rest of the hunk closes around it', () => {
    fc.assert(
      fc.property(fc.array(codeLine, { maxLength: 30 }), (code) => {
        const below = containersBelow(code);
        for (let i = 0; i < code.length; i++) expect(below(i)).toEqual(containersAfter(code, i));
      }),
      fcOptions,
    );
  });

  it('reads a domctl.h member inside anonymous structs', () => {
    const code = ['struct xen_domctl_createdomain {', '    struct {', '        uint32_t opts;', '    } altp2m;', '    union {', '        struct { int x; } inner;', '    } u;', '};'];
    expect(containersBelow(code)(2)).toEqual(containersAfter(code, 2));
    expect(containersBelow(code)(2)).toEqual(['altp2m']);
    expect(containersBelow(code)(5)).toEqual(['u']);
  });
});

describe('proseOf', () => {
  it('folds lines as it did before skipping the replaces a line has no marker for', () => {
    fc.assert(
      fc.property(fc.array(proseLine, { maxLength: 8 }), (lines) => {
        expect(proseOf(lines)).toBe(plainProseOf(lines));
        expect(proseOf(lines.map((text) => ({ kind: 'context' as const, text })))).toBe(plainProseOf(lines));
      }),
      fcOptions,
    );
  });
});

describe('WARNING_HINT', () => {
  it('is on a line of any prose that speaks of mixed mode, altp2m or subops, or says "not evaluated"', () => {
    fc.assert(
      fc.property(fc.array(proseLine, { maxLength: 8 }), (lines) => {
        const prose = proseOf(lines);
        if (!/\bmixed\b|altp2m|\bsubops?\b/.test(prose) && !NOT_EVALUATED.test(prose)) return;
        // What the doc-warning rule tests before it folds a hunk's pre-image to prose.
        const text = lines.join('\n');
        expect(WARNING_HINT.test(text) || /[A-Z]</.test(text)).toBe(true);
      }),
      fcOptions,
    );
  });

  it('is needed on a line of its own only without POD markup', () => {
    expect(NOT_EVALUATED.test(proseOf([' * has not been evaluated for sa', ' * fety']))).toBe(false);
    expect(NOT_EVALUATED.test(proseOf(['has not been evaluated for saI<f>ety']))).toBe(true);
  });
});

describe('hunkFacts', () => {
  it('joins the line texts and says whether lines are added or deleted, once per hunk', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ kind: fc.constantFrom('add' as const, 'del' as const, 'context' as const), text: fc.string() }), { maxLength: 10 }), (lines) => {
        const hunk = hunkOf(lines);
        const facts = hunkFacts(hunk);
        expect(facts.text).toBe(lines.map((l) => l.text).join('\n'));
        expect(facts.adds).toBe(lines.some((l) => l.kind === 'add'));
        expect(facts.deletes).toBe(lines.some((l) => l.kind === 'del'));
        expect(hunkFacts(hunk)).toBe(facts);
      }),
      fcOptions,
    );
  });
});
