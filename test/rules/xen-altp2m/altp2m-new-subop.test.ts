import { describe, expect, it } from 'vitest';
import { casesFor, expectGolden, messageIds, only, review } from './golden.js';

const cases = casesFor('altp2m-new-subop--');

describe('altp2m-new-subop golden cases', () => {
  it('has cases that fire and look-alikes that must stay silent', () => {
    expect(cases.filter((c) => c.name.includes('--fires--')).length).toBeGreaterThanOrEqual(1);
    expect(cases.filter((c) => c.name.includes('--silent--')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expectGolden(await review(c.mbox), c.expected);
  });
});

describe('altp2m-new-subop findings', () => {
  it('reminds that the subop is live in the unevaluated mixed mode, and asks for a decision', async () => {
    const c = casesFor('altp2m-new-subop--fires--defining-patch')[0]!;
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-new-subop');
    expect(f.message).toMatch(/HVMOP_altp2m_get_view_count/);
    expect(f.message).toMatch(/live in 'mixed' mode/);
    expect(f.message).toMatch(/has not been evaluated for safety/);
    expect(f.message).toMatch(/xsm_hvm_altp2mhvm_op\(\)/);
    // 2/2 of the series adds xc_altp2m_get_view_count(): no "missing wrapper" remark.
    expect(f.message).not.toMatch(/No libxc wrapper/);
  });

  it('mentions a missing libxc wrapper when no patch of the series adds one', async () => {
    const c = casesFor('altp2m-subop-incomplete--fires--missing-handler')[0]!;
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-new-subop');
    expect(f.message).toMatch(/No libxc wrapper .* uses it yet/);
  });
});
