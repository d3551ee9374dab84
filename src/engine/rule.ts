import type { RuleFinding, Severity } from './finding.js';
import type { Series } from '../ingest/series.js';

/** What a rule module exports. Rules are pure: series in, findings out. */
export interface Rule {
  readonly id: string;
  readonly defaultSeverity: Severity;
  /** One line for the README and `patchsentry rules`. */
  readonly summary: string;
  /** Why the rule exists, what fires, what must not (shown by `patchsentry rules --long`). */
  readonly docs: string;
  check(series: Series, context: RuleContext): RuleFinding[];
}

export interface RuleContext {
  /** Severity this rule's findings take by default (config may change it). */
  readonly severity: Severity;
}

export interface RulePack {
  readonly name: string;
  readonly rules: readonly Rule[];
}
