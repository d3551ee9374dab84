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

/**
 * A rule pack: its rules and everything the core and the reporters say in its name, so that
 * nothing outside the pack knows which policy it enforces (docs/packs.md).
 */
export interface RulePack {
  /** What `--pack` and the config's `pack:` call it. */
  readonly name: string;
  readonly rules: readonly Rule[];
  /** Where the policy is written: every finding cites it (the JSON report's `policy`). */
  readonly policy: string;
  /**
   * The trailer that waives a finding (`<trailer>: <rule> <reason>`), matched without case; it
   * ends in `-Ack` (the trailers src/ingest/patch.ts keeps).
   */
  readonly waiverTrailer: string;
  /** The paths the rules look at when the config names none (`watch:`), as globs. */
  readonly watch: readonly string[];
  readonly wording: PackWording;
}

/** What the reporters and the CLI say about the pack. */
export interface PackWording {
  /** What is reviewed, ending "automated review of …" (the mail signature) and the CLI's description. */
  readonly reviews: string;
  /** The heading of a clean report: the GitHub check's title, the job summary's line. */
  readonly clean: string;
}
