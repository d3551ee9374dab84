/**
 * The one thing that crosses from rules to reporters. Plain, serialisable, versioned with the
 * JSON report (`version: 1`).
 */
export type Severity = 'error' | 'warning' | 'info';

/** `new`: a line of the post-image (added text); `old`: of the pre-image (deleted text). */
export type Side = 'new' | 'old';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

export interface Waiver {
  /** Who acked it: the trailer's author, or `config`. */
  readonly by: string;
  readonly reason: string;
}

/** Where a finding is and what it says: what a rule reports and a finding keeps. */
export interface FindingPlace {
  readonly severity: Severity;
  readonly path: string;
  /** 1-based line on `side`; 0 when the finding is about the file or series as a whole. */
  readonly line: number;
  /** Last line of a multi-line range on the same side (GitHub's `start_line`..`line`). */
  readonly endLine?: number;
  readonly side: Side;
  /**
   * Side `old` only, when known: the nearest line of the new file to the removed ones (where
   * the hunk puts them in the post-image), for a reader that shows the new file alone (SARIF).
   * Set by `withPostImageLines`, not by rules.
   */
  readonly postImageLine?: number;
  readonly message: string;
  /** The offending lines, as they stand in the diff (without +/- markers). */
  readonly evidence: readonly string[];
  /**
   * Identity (`Message.id`) of the patch the finding sits on: the one whose diff holds its
   * line; for a finding about the series as a whole, the patch holding its evidence (or the
   * cover letter).
   */
  readonly anchor: string;
}

export interface Finding extends FindingPlace {
  readonly rule: string;
  /** Where the policy is written. */
  readonly policy: string;
  /** Stable across versions of a series: rule, path and evidence, never line numbers. */
  readonly fingerprint: string;
  /** Present when the finding was waived (the pack's waiver trailer, or config); severity is then info. */
  readonly waiver?: Waiver;
  /** A waiver trailer that does not count (the author's own, or not a maintainer's): the severity stays. */
  readonly waiverRequest?: WaiverRequest;
}

export interface WaiverRequest {
  readonly by: string;
  readonly reason: string;
  /** Why it is no waiver: "it is the patch author's own", "X is neither a maintainer or reviewer of F nor trusted". */
  readonly why: string;
}

/** A rule's report made a finding (src/engine/context.ts), before the engine fingerprints, anchors and waives it. */
export interface RuleFinding extends FindingPlace {
  /** Extra text that keeps two findings of one rule on one file apart, e.g. the subop name. */
  readonly subject?: string;
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}
