import { describe, expect, it } from 'vitest';
import { goldenSuite, messageIds, only, review } from './golden.js';

const { byName } = goldenSuite('altp2m-guest-exposure', { fires: 7, silent: 9 });

describe('altp2m-guest-exposure findings', () => {
  it.each([
    ['fires--dummy-limited-subop', /HVMOP_altp2m_get_p2m_idx in 'limited' mode/],
    ['fires--flask-limited-break', /HVMOP_altp2m_vcpu_disable_notify in 'limited' mode/],
    ['fires--external-to-target', /every subop in 'external' mode/],
    // A mode no longer listed in flask's switch falls through to the policy check below it.
    ['fires--flask-mode-left-to-policy', /every subop in 'external' mode/],
    // `(X == op || Y == op) ? XSM_TARGET : XSM_DM_PRIV` grants X and Y, not every subop.
    ['fires--dummy-ternary-widened', /HVMOP_altp2m_vcpu_disable_notify in 'limited' mode\)/],
  ] as const)('%s names what the guest gains', async (name, gained) => {
    const c = byName(name);
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-guest-exposure');
    expect(f.message).toMatch(gained);
    expect(f.message).toMatch(/keep it at XSM_DM_PRIV/);
  });
});
