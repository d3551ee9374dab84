import type { RulePack } from '../../src/engine/rule.js';

/** The xen-altp2m rule pack: every rule registered here, once (STYLE §3). */
export const xenAltp2m: RulePack = {
  name: 'xen-altp2m',
  rules: [],
};
