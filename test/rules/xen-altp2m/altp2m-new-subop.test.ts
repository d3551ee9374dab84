import { describe, expect, it } from 'vitest';
import { casesFor, goldenSuite, messageIds, only, review } from './golden.js';

goldenSuite('altp2m-new-subop', { fires: 1, silent: 2 });

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
