import { describe, expect, it } from 'vitest';
import { casesFor, expectGolden, messageIds, only, review } from './golden.js';

const cases = casesFor('altp2m-guest-exposure--');
const byName = (name: string) => cases.find((c) => c.name === `altp2m-guest-exposure--${name}`)!;

describe('altp2m-guest-exposure golden cases', () => {
  it('has cases that fire and look-alikes that must stay silent', () => {
    expect(cases.filter((c) => c.name.includes('--fires--')).length).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => c.name.includes('--silent--')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expectGolden(await review(c.mbox), c.expected);
  });
});

describe('altp2m-guest-exposure findings', () => {
  it.each([
    ['fires--dummy-limited-subop', /HVMOP_altp2m_get_p2m_idx in 'limited' mode/],
    ['fires--flask-limited-break', /HVMOP_altp2m_vcpu_disable_notify in 'limited' mode/],
    ['fires--external-to-target', /every subop in 'external' mode/],
  ] as const)('%s names what the guest gains', async (name, gained) => {
    const c = byName(name);
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-guest-exposure');
    expect(f.message).toMatch(gained);
    expect(f.message).toMatch(/keep it at XSM_DM_PRIV/);
  });
});
