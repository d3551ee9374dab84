import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../bot/cli/check.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { EXAMPLE, expectGolden, loadExpected, review } from './golden.js';

describe('the bundled example (examples/xen-altp2m-review.mbox)', () => {
  it('gets exactly the findings its expectations list', async () => {
    expectGolden(await review(EXAMPLE), loadExpected('xen-altp2m-review'));
  });

  it('shows the rules its expectations name, each at least once, and a clean patch and series', async () => {
    const reviewed = await review(EXAMPLE);
    const fired = new Set([...reviewed.byMessage.values()].flat().map((f) => f.rule));
    const named = new Set(Object.values(loadExpected('xen-altp2m-review')).flat().map((f) => f.rule));
    expect([...fired].sort()).toEqual([...named].sort());
    for (const rule of named) expect(xenAltp2m.rules.map((r) => r.id)).toContain(rule);
    expect([...reviewed.byMessage.values()].filter((f) => f.length === 0).length).toBeGreaterThanOrEqual(4);
  });

  it('prints each finding in the text report of `patchsentry check`, counts them by severity, and exits 1 on its errors', async () => {
    const { output, exitCode } = await runCheck({ inputs: [EXAMPLE], format: 'text', failOn: 'error', pack: xenAltp2m, config: DEFAULT_CONFIG });
    const expected = Object.values(loadExpected('xen-altp2m-review')).flat();
    const label = { error: 'ERROR', warning: 'WARNING', info: 'NOTE' } as const;
    for (const f of expected) expect(output).toMatch(new RegExp(`^${label[f.severity]}: ${f.rule}:`, 'm'));
    // The counts come from the expectations: a rule added to the pack changes them only there.
    const count = (severity: string, one: string, many: string): string => {
      const n = expected.filter((f) => f.severity === severity).length;
      return `${n} ${n === 1 ? one : many}`;
    };
    expect(output).toContain(`total: ${count('error', 'error', 'errors')}, ${count('warning', 'warning', 'warnings')}, ${count('info', 'note', 'notes')}; 8 patches in 6 series, 9 messages read, 0 input errors`);
    expect(exitCode).toBe(expected.some((f) => f.severity === 'error') ? 1 : 0);
  });
});
