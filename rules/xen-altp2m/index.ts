import type { RulePack } from '../../src/engine/rule.js';
import { WATCHED } from './paths.js';
import { POLICY_REFERENCE, WAIVER_TRAILER } from './policy.js';
import { altp2mDomctl } from './altp2m-domctl.js';
import { altp2mDocWarning } from './altp2m-doc-warning.js';
import { altp2mSubopIncomplete } from './altp2m-subop-incomplete.js';
import { altp2mGuestExposure } from './altp2m-guest-exposure.js';
import { altp2mNewSubop } from './altp2m-new-subop.js';

/** The xen-altp2m rule pack: every rule registered here, once (CONTRIBUTING.md, Adding a rule). */
export const xenAltp2m: RulePack = {
  name: 'xen-altp2m',
  rules: [altp2mDomctl, altp2mDocWarning, altp2mSubopIncomplete, altp2mGuestExposure, altp2mNewSubop],
  policy: POLICY_REFERENCE,
  waiverTrailer: WAIVER_TRAILER,
  watch: WATCHED,
  wording: {
    reviews: "Xen's altp2m interface policy",
    clean: 'No altp2m policy findings',
  },
};
