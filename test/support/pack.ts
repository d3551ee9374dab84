import { defaultConfig } from '../../src/engine/config.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';

/** The config of a run without a config file, for the xen-altp2m pack the tests review with. */
export const DEFAULT_CONFIG = defaultConfig(xenAltp2m);
