// Each rule of the pack alone over inline patches (the RuleTester, beside the golden mboxes of
// fixtures.test.ts): what fires, with which message, line and severity, and what stays silent.
import { ruleTester } from '../../support/rule-tester.js';
import { fileDiff, formatPatch } from '../../support/patch-text.js';
import { altp2mDomctl } from '../../../rules/xen-altp2m/altp2m-domctl.js';
import { altp2mNewSubop } from '../../../rules/xen-altp2m/altp2m-new-subop.js';
import { altp2mSubopIncomplete } from '../../../rules/xen-altp2m/altp2m-subop-incomplete.js';
import { altp2mGuestExposure } from '../../../rules/xen-altp2m/altp2m-guest-exposure.js';
import { altp2mDocWarning } from '../../../rules/xen-altp2m/altp2m-doc-warning.js';

const DOMCTL_H = 'xen/include/public/domctl.h';
const HVM_OP_H = 'xen/include/public/hvm/hvm_op.h';
const PARAMS_H = 'xen/include/public/hvm/params.h';

/** public/domctl.h with `added` after the paging mempool commands (line 1318). */
const domctlDefine = (added: string): string =>
  fileDiff(DOMCTL_H, { at: 1316, lines: [' #define XEN_DOMCTL_get_paging_mempool_size       85', ' #define XEN_DOMCTL_set_paging_mempool_size       86', `+${added}`, ' #define XEN_DOMCTL_gdbsx_guestmemio            1000'] });

/** public/hvm/hvm_op.h: `HVMOP_altp2m_get_visibility` defined after set_visibility (line 391), or `removed` in its place. */
const subopDefine = (added: string, removed?: string): string =>
  fileDiff(HVM_OP_H, { at: 390, lines: [' #define HVMOP_altp2m_set_visibility       12', ...(removed ? [`-${removed}`] : []), `+${added}`, ' #define HVMOP_altp2m_get_p2m_idx          14'] });

ruleTester(altp2mDomctl, {
  valid: [
    formatPatch('domctl: add XEN_DOMCTL_set_llc_colors', domctlDefine('#define XEN_DOMCTL_set_llc_colors                84')),
    {
      name: 'a command the same patch moves (removed from one place, added in another)',
      code: formatPatch(
        'domctl: keep the altp2m command with the others',
        fileDiff(
          DOMCTL_H,
          { at: 1300, lines: [' #define XEN_DOMCTL_vuart_op                      81', '-#define XEN_DOMCTL_altp2m_get_views              89', ' #define XEN_DOMCTL_get_cpu_policy                82'] },
          { at: 1316, lines: [' #define XEN_DOMCTL_set_paging_mempool_size       86', '+#define XEN_DOMCTL_altp2m_get_views              89', ' #define XEN_DOMCTL_gdbsx_guestmemio            1000'] },
        ),
      ),
    },
  ],
  invalid: [
    {
      code: formatPatch('x86/altp2m: add XEN_DOMCTL_altp2m_get_views', domctlDefine('#define XEN_DOMCTL_altp2m_get_views              89')),
      errors: [{ messageId: 'command', line: 1318, severity: 'error', side: 'new', path: DOMCTL_H }],
    },
    {
      name: 'a creation option is a warning, and a config that lowers the rule lowers it too',
      code: [
        formatPatch('x86/altp2m: add a creation option', domctlDefine('#define XEN_DOMCTL_ALTP2M_initial_view      (1U << 8)')),
        formatPatch('x86/altp2m: add XEN_DOMCTL_altp2m_get_views', domctlDefine('#define XEN_DOMCTL_altp2m_get_views              89')),
      ],
      errors: [
        { messageId: 'option', line: 1318, severity: 'warning' },
        { messageId: 'command', line: 1318, severity: 'error' },
      ],
    },
    {
      name: 'the same at config severity info',
      code: formatPatch('x86/altp2m: add a creation option', domctlDefine('#define XEN_DOMCTL_ALTP2M_initial_view      (1U << 8)')),
      severity: 'info',
      errors: [{ messageId: 'option', severity: 'info' }],
    },
    {
      code: formatPatch(
        'x86/domctl: handle XEN_DOMCTL_altp2m_get_views',
        fileDiff('xen/arch/x86/domctl.c', {
          at: 1400,
          func: 'long arch_do_domctl(',
          lines: ['         break;', ' ', '+    case XEN_DOMCTL_altp2m_get_views:', '+        ret = p2m_get_altp2m_views(d, &domctl->u.altp2m_views);', '+        break;', '+', '     default:', '         ret = iommu_do_domctl(domctl, d, u_domctl);'],
        }),
      ),
      errors: [{ messageId: 'handler', line: 1402, severity: 'error', path: 'xen/arch/x86/domctl.c' }],
    },
    {
      code: formatPatch(
        'tools/libs/ctrl: add xc_altp2m_reset',
        fileDiff('tools/libs/ctrl/xc_altp2m.c', {
          at: 420,
          func: 'int xc_altp2m_get_vcpu_p2m_idx(xc_interface *handle, uint32_t domid,',
          lines: ['     return rc;', ' }', '+', '+int xc_altp2m_reset(xc_interface *handle, uint32_t domid)', '+{', '+    DECLARE_DOMCTL;', '+', '+    domctl.cmd = XEN_DOMCTL_altp2m_reset;', '+    domctl.domain = domid;', '+    return do_domctl(handle, &domctl);', '+}'],
        }),
      ),
      errors: [{ messageId: 'tool', line: 425, severity: 'error', message: /^xc_altp2m_reset\(\) issues a DOMCTL for altp2m\./ }],
    },
  ],
});

ruleTester(altp2mNewSubop, {
  valid: [
    formatPatch('x86/altp2m: bump the interface version', subopDefine('#define HVMOP_ALTP2M_INTERFACE_VERSION 0x00000002')),
    { name: 'a renumbered subop is not a new one', code: formatPatch('x86/altp2m: renumber', subopDefine('#define HVMOP_altp2m_get_visibility       15', '#define HVMOP_altp2m_get_visibility       13')) },
  ],
  invalid: [
    {
      code: formatPatch('x86/altp2m: add HVMOP_altp2m_get_visibility', subopDefine('#define HVMOP_altp2m_get_visibility       13')),
      errors: [{ messageId: 'newSubop', line: 391, severity: 'info', message: /^New altp2m subop HVMOP_altp2m_get_visibility: .* No libxc wrapper in this series uses it yet\.$/ }],
    },
  ],
});

ruleTester(altp2mSubopIncomplete, {
  valid: [
    {
      name: 'defined, whitelisted and handled in one series',
      code: [
        formatPatch('x86/altp2m: define HVMOP_altp2m_get_visibility', subopDefine('#define HVMOP_altp2m_get_visibility       13')),
        formatPatch(
          'x86/altp2m: implement HVMOP_altp2m_get_visibility',
          fileDiff(
            'xen/arch/x86/hvm/hvm.c',
            { at: 4560, func: 'static int do_altp2m_op(', lines: ['     case HVMOP_altp2m_set_visibility:', '+    case HVMOP_altp2m_get_visibility:', '         break;'] },
            { at: 4700, func: 'static int do_altp2m_op(', lines: ['         break;', ' ', '+    case HVMOP_altp2m_get_visibility:', '+        rc = p2m_get_visibility(d, a.u.set_visibility.altp2m_idx);', '+        break;', '+', '     default:'] },
          ),
        ),
      ],
    },
  ],
  invalid: [
    {
      code: formatPatch('x86/altp2m: define HVMOP_altp2m_get_visibility', subopDefine('#define HVMOP_altp2m_get_visibility       13')),
      errors: [{ messageId: 'notWired', line: 391, severity: 'warning', path: HVM_OP_H }],
    },
  ],
});

/** xsm_hvm_altp2mhvm_op() of dummy.h with the limited mode's line before and after. */
const dummyHook = (before: string, after: string): string =>
  fileDiff('xen/include/xsm/dummy.h', {
    at: 700,
    func: 'static XSM_INLINE int xsm_hvm_altp2mhvm_op(XSM_DEFAULT_ARG struct domain *d, uint64_t mode, uint32_t op)',
    lines: [
      '     switch ( mode )',
      '     {',
      '     case XEN_ALTP2M_mixed:',
      '         a = XSM_TARGET;',
      '         break;',
      '     case XEN_ALTP2M_limited:',
      `-        a = ${before};`,
      `+        a = ${after};`,
      '         break;',
      '     case XEN_ALTP2M_external:',
      '         a = XSM_DM_PRIV;',
      '         break;',
      '     default:',
      '         return -EPERM;',
      '     }',
      ' ',
      '     return xsm_default_action(a, current->domain, d);',
    ],
  });
const NOTIFY_ONLY = '(HVMOP_altp2m_vcpu_enable_notify == op) ? XSM_TARGET : XSM_DM_PRIV';

ruleTester(altp2mGuestExposure, {
  valid: [formatPatch('xsm: limited mode gives the guest the notify subop alone', dummyHook('XSM_TARGET', NOTIFY_ONLY))],
  invalid: [
    {
      code: formatPatch('xsm: let the guest use every subop in limited mode', dummyHook(NOTIFY_ONLY, 'XSM_TARGET')),
      errors: [{ messageId: 'moreSubops', line: 706, severity: 'warning', side: 'new', path: 'xen/include/xsm/dummy.h' }],
    },
  ],
});

/** The note on 'mixed' mode in params.h: its lines, from line 60. */
const MIXED_NOTE = [
  " * Note that 'mixed' mode has not been evaluated for safety from a",
  ' * security perspective.  Before using this mode in a',
  ' * security-critical environment, each subop should be evaluated for',
  ' * safety, with unsafe subops blacklisted in XSM.',
];
const paramsNote = (lines: readonly string[]): string =>
  fileDiff(PARAMS_H, { at: 58, lines: ['  *  limited: guest only has limited access (ie. control VMFUNC and #VE)', '  *', ...lines, '  */', ' #define HVM_PARAM_ALTP2M       35'] });

ruleTester(altp2mDocWarning, {
  valid: [
    {
      name: 'the note reflowed, its meaning kept',
      code: formatPatch(
        'hvm/params: reflow the altp2m note',
        paramsNote([
          ...MIXED_NOTE.map((l) => `-${l}`),
          "+ * Note that 'mixed' mode has not been evaluated for safety from a security",
          '+ * perspective.  Before using this mode in a security-critical environment,',
          '+ * each subop should be evaluated for safety, with unsafe subops blacklisted',
          '+ * in XSM.',
        ]),
      ),
    },
  ],
  invalid: [
    {
      code: formatPatch('hvm/params: drop the altp2m note', paramsNote(MIXED_NOTE.map((l) => `-${l}`))),
      errors: [{ messageId: 'lost', line: 60, severity: 'error', side: 'old', path: PARAMS_H }],
    },
    {
      name: 'the note moved to domctl.h in the same series is a note, whatever the config says of the rule',
      code: [
        formatPatch('hvm/params: drop the altp2m note', paramsNote(MIXED_NOTE.map((l) => `-${l}`))),
        formatPatch(
          'domctl: the altp2m note beside the modes',
          fileDiff(DOMCTL_H, { at: 100, lines: [' /* altp2m mode */', ...MIXED_NOTE.map((l) => `+${l.replace(/^ \*/, '/*')}`), ' #define XEN_DOMCTL_ALTP2M_mixed        (1U)'] }),
        ),
      ],
      severity: 'error',
      errors: [{ messageId: 'moved', severity: 'info', side: 'old', path: PARAMS_H }],
    },
  ],
});
