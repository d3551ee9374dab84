import { describe, expect, it } from 'vitest';
import type { DiffLine } from '../../../src/diff/model.js';
import { guestGrants } from '../../../rules/xen-altp2m/altp2m-guest-exposure.js';

/** Context lines of one hook, numbered from 1, as a hunk image gives them to the rule. */
function hook(func: string, source: string): DiffLine[] {
  return source.split('\n').map((text, i) => ({ kind: 'context', text, oldLine: i + 1, newLine: i + 1, func }));
}

const grantsOf = (lines: DiffLine[]): string[] => [...guestGrants(lines).keys()].sort();

describe('guestGrants: what the altp2m XSM hook lets the guest itself do', () => {
  it('a flask hook that only asks the policy hands it every mode and subop', () => {
    const lines = hook('flask_hvm_altp2mhvm_op', ['static int flask_hvm_altp2mhvm_op(struct domain *d)', '{', '    return current_has_perm(d, SECCLASS_HVM, HVM__ALTP2MHVM_OP);', '}'].join('\n'));
    expect(grantsOf(lines)).toEqual(['all/*']);
  });

  it('a per-mode flask switch: mixed all, limited the one subop, external refused, unlisted modes fall through to the policy', () => {
    const lines = hook(
      'flask_hvm_altp2mhvm_op',
      [
        'static int flask_hvm_altp2mhvm_op(struct domain *d, uint64_t mode, uint32_t op)',
        '{',
        '    switch ( mode )',
        '    {',
        '    case XEN_ALTP2M_mixed:',
        '        break;',
        '    case XEN_ALTP2M_limited:',
        '        if ( HVMOP_altp2m_vcpu_enable_notify == op )',
        '            break;',
        '        /* fall-through */',
        '    case XEN_ALTP2M_external:',
        '        if ( d == current->domain )',
        '            return -EPERM;',
        '        break;',
        '    };',
        '',
        '    return current_has_perm(d, SECCLASS_HVM, HVM__ALTP2MHVM_OP);',
        '}',
      ].join('\n'),
    );
    expect(grantsOf(lines)).toEqual(['disabled/*', 'limited/HVMOP_altp2m_vcpu_enable_notify', 'mixed/*']);
  });

  it('a dummy hook choosing XSM_TARGET by a ternary grants the subops of its condition alone', () => {
    const lines = hook(
      'xsm_hvm_altp2mhvm_op',
      [
        'static XSM_INLINE int xsm_hvm_altp2mhvm_op(XSM_DEFAULT_ARG struct domain *d, uint64_t mode, uint32_t op)',
        '{',
        '    xsm_default_t a;',
        '    XSM_ASSERT_ACTION(XSM_OTHER);',
        '    switch ( mode )',
        '    {',
        '    case XEN_ALTP2M_mixed:',
        '        a = XSM_TARGET;',
        '        break;',
        '    case XEN_ALTP2M_limited:',
        '        a = (HVMOP_altp2m_vcpu_enable_notify == op) ? XSM_TARGET : XSM_DM_PRIV;',
        '        break;',
        '    default:',
        '        return -EPERM;',
        '    }',
        '    return xsm_default_action(a, current->domain, d);',
        '}',
      ].join('\n'),
    );
    expect(grantsOf(lines)).toEqual(['limited/HVMOP_altp2m_vcpu_enable_notify', 'mixed/*']);
  });

  it('a flask hook refusing the guest before the policy grants it nothing', () => {
    const lines = hook(
      'flask_hvm_altp2mhvm_op',
      ['static int flask_hvm_altp2mhvm_op(struct domain *d, uint64_t mode, uint32_t op)', '{', '    if ( d == current->domain )', '        return -EPERM;', '    return current_has_perm(d, SECCLASS_HVM, HVM__ALTP2MHVM_OP);', '}'].join('\n'),
    );
    expect(grantsOf(lines)).toEqual([]);
  });
});

describe('guestGrants on a stretch that does not show the hook opening', () => {
  it('a grant above the mode switch is for every mode', () => {
    const lines = hook(
      'xsm_hvm_altp2mhvm_op',
      ['    if ( op == HVMOP_altp2m_get_domain_state )', '        return xsm_default_action(XSM_TARGET, current->domain, d);', '', '    switch ( mode )', '    {', '    case XEN_ALTP2M_mixed:', '        return xsm_default_action(XSM_TARGET, current->domain, d);'].join('\n'),
    );
    expect(grantsOf(lines)).toEqual(['all/HVMOP_altp2m_get_domain_state', 'mixed/*']);
  });

  it('a grant above a mode label is for the mode the stretch does not show', () => {
    const lines = hook(
      'xsm_hvm_altp2mhvm_op',
      ['        return xsm_default_action(XSM_TARGET, current->domain, d);', '    case XEN_ALTP2M_external:', '        return xsm_default_action(XSM_DM_PRIV, current->domain, d);'].join('\n'),
    );
    expect(grantsOf(lines)).toEqual(['?/*']);
  });
});
