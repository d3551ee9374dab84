// The example pack of test/fixtures/packs/xsm-sysctl (written without touching src/): its rule
// through the RuleTester, the same way as the xen-altp2m rules.
import { ruleTester } from '../../support/rule-tester.js';
import { FLASK_PATCH, SYSCTL_PATCH } from './patches.js';
import { xsmSysctlHook } from '../../fixtures/packs/xsm-sysctl/xsm-sysctl-hook.js';

ruleTester(xsmSysctlHook, {
  valid: [{ name: 'the flask case in the next patch of the series', code: [SYSCTL_PATCH, FLASK_PATCH] }, FLASK_PATCH],
  invalid: [{ code: SYSCTL_PATCH, errors: [{ messageId: 'noHook', line: 1181, severity: 'error', message: /^New sysctl command XEN_SYSCTL_get_cpu_levelling_caps2 without a case in flask_sysctl\(\)/ }] }],
});
