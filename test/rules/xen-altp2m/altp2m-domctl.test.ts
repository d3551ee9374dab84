import { describe, expect, it } from 'vitest';
import { POLICY_REFERENCE } from '../../../rules/xen-altp2m/policy.js';
import { goldenSuite, messageIds, only, review } from './golden.js';

const { byName } = goldenSuite('altp2m-domctl', { fires: 5, silent: 4 });

describe('altp2m-domctl findings', () => {
  it('says to add a subop of HVMOP_altp2m instead, and where the policy is written', async () => {
    const c = byName('fires--new-command');
    const reviewed = await review(c.mbox);
    const findings = reviewed.byMessage.get(messageIds(c)[0]!)!;
    for (const f of findings) {
      expect(f.message).toMatch(/HVMOP_altp2m/);
      expect(f.message).toMatch(/do_altp2m_op\(\) in xen\/arch\/x86\/hvm\/hvm\.c/);
      expect(f.policy).toBe(POLICY_REFERENCE);
    }
    expect(findings.map((f) => f.evidence[0]?.trim())).toContain('#define XEN_DOMCTL_altp2m_get_view_info          90');
  });

  it('quotes the case label and the altp2m call of a new arch_do_domctl() case', async () => {
    const c = byName('fires--arch-case');
    const f = (await review(c.mbox)).byMessage.get(messageIds(c)[0]!)!.find((x) => x.path === 'xen/arch/x86/domctl.c')!;
    expect(f.evidence.map((e) => e.trim())).toEqual([
      'case XEN_DOMCTL_set_view_visibility:',
      'ret = p2m_set_altp2m_view_visibility(d, vis->altp2m_idx, vis->visible);',
    ]);
  });

  it.each([
    ['fires--libxc-wrapper', 'tools/libxc/xc_altp2m.c', ['DECLARE_DOMCTL;', 'domctl.cmd = XEN_DOMCTL_altp2m_reset;', 'return do_domctl(handle, &domctl);']],
    ['fires--libs-ctrl-wrapper', 'tools/libs/ctrl/xc_altp2m.c', ['struct xen_domctl domctl = {', '.cmd = XEN_DOMCTL_altp2m_get_view_info,', 'rc = do_domctl(handle, &domctl);']],
  ] as const)('%s: quotes the domctl the wrapper issues in %s', async (name, path, evidence) => {
    const c = byName(name);
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-domctl');
    expect(f.path).toBe(path);
    expect(f.evidence.map((e) => e.trim())).toEqual(evidence);
    expect(f.message).toMatch(/xc_altp2m_\w+\(\) issues a DOMCTL for altp2m/);
  });

  it('keeps a new domain-creation field at warning and says why it is tolerated', async () => {
    const c = byName('fires--createdomain-field');
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-domctl');
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/altp2m\.initial_view/);
    expect(f.message).toMatch(/[Dd]omain-creation options/);
  });
});
