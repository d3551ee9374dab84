// Patches for the example pack of test/fixtures/packs/xsm-sysctl: a new sysctl command, and its FLASK check.
import { fileDiff, formatPatch } from '../../support/patch-text.js';

const SYSCTL_DIFF = fileDiff('xen/include/public/sysctl.h', {
  at: 1180,
  lines: [' #define XEN_SYSCTL_livepatch_op                  27', '+#define XEN_SYSCTL_get_cpu_levelling_caps2       32', ' #define XEN_SYSCTL_get_cpu_policy                28'],
});

const FLASK_DIFF = fileDiff('xen/xsm/flask/hooks.c', {
  at: 830,
  func: 'static int cf_check flask_sysctl(int cmd)',
  lines: ['     case XEN_SYSCTL_get_cpu_policy:', '+    case XEN_SYSCTL_get_cpu_levelling_caps2:', '         return avc_current_has_perm(SECINITSID_XEN, SECCLASS_XEN2,', '                                     XEN2__GET_CPU_POLICY, NULL);'],
});

export const SYSCTL_PATCH = formatPatch('sysctl: add XEN_SYSCTL_get_cpu_levelling_caps2', SYSCTL_DIFF);
export const FLASK_PATCH = formatPatch('xsm/flask: check XEN_SYSCTL_get_cpu_levelling_caps2', FLASK_DIFF);
/** Both in one patch. */
export const CHECKED_PATCH = formatPatch('sysctl: add XEN_SYSCTL_get_cpu_levelling_caps2, checked by FLASK', SYSCTL_DIFF, FLASK_DIFF);
