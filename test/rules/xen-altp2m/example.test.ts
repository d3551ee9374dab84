import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../bot/cli/check.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { EXAMPLE, expectGolden, loadExpected, review } from './golden.js';

describe('the bundled example (examples/xen-altp2m-review.mbox)', () => {
  it('gets exactly the findings its expectations list', async () => {
    expectGolden(await review(EXAMPLE), loadExpected('xen-altp2m-review'));
  });

  it('shows every rule of the pack at least once, and a clean patch and series', async () => {
    const reviewed = await review(EXAMPLE);
    const fired = new Set([...reviewed.byMessage.values()].flat().map((f) => f.rule));
    expect([...fired].sort()).toEqual(xenAltp2m.rules.map((r) => r.id).sort());
    expect([...reviewed.byMessage.values()].filter((f) => f.length === 0).length).toBeGreaterThanOrEqual(4);
  });

  it('prints each rule in the text report of `patchsentry check` and exits 1 on its errors', async () => {
    const { output, exitCode } = await runCheck({ inputs: [EXAMPLE], format: 'text', failOn: 'error', pack: xenAltp2m, config: DEFAULT_CONFIG });
    for (const rule of xenAltp2m.rules) expect(output).toContain(`${rule.id}:`);
    expect(output).toMatch(/^ERROR: altp2m-domctl:/m);
    expect(output).toMatch(/^ERROR: altp2m-doc-warning:/m);
    expect(output).toMatch(/^WARNING: altp2m-subop-incomplete:/m);
    expect(output).toMatch(/^WARNING: altp2m-guest-exposure:/m);
    expect(output).toMatch(/^NOTE: altp2m-new-subop:/m);
    expect(output).toMatch(/total: 4 errors, 2 warnings, 2 notes; 8 patches in 6 series, 9 messages read, 0 input errors/);
    expect(exitCode).toBe(1);
  });
});
