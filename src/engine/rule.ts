import type { RuleFinding, Severity } from './finding.js';
import type { Series } from '../ingest/series.js';
import type { FileInPatch } from '../diff/queries.js';

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
  /**
   * The series' files outside the watched paths, modelled when first asked for. Rules judge
   * the watched files only; this tells where something they judge went (docs/rules.md,
   * altp2m-doc-warning: a warning that moves to another file of the series is "moved", not
   * lost, wherever that file is).
   * Absent: none known (a rule test's series, or patches read by worker threads, `-j`).
   */
  readonly unwatchedFiles?: () => readonly FileInPatch[];
}

export interface RulePack {
  readonly name: string;
  readonly rules: readonly Rule[];
}
