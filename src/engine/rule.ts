import type { Severity, Side } from './finding.js';
import type { Series } from '../ingest/series.js';
import type { FileInPatch } from '../diff/queries.js';
import type { DiffLine } from '../diff/model.js';

/**
 * What a rule module exports (docs/packs.md). Rules are pure: they read a series and report
 * what they find through `context.report`, naming one of the messages of their `meta`.
 */
export interface Rule {
  readonly id: string;
  readonly meta: RuleMeta;
  /** One line for the README and `patchsentry rules`. */
  readonly summary: string;
  /** Why the rule exists, what fires, what must not (shown by `patchsentry rules --long`). */
  readonly docs: string;
  check(series: Series, context: RuleContext): void;
}

export interface RuleMeta {
  /** The severity of the rule's findings; the config's `rules.<id>` may change it, nothing else. */
  readonly severity: Severity;
  /**
   * What the rule says, by message id: a template whose `{{name}}` placeholders the report's
   * `data` fills. A message may be of a lower severity than the rule's (a note beside the
   * errors): its findings then take the lower of the two, so the config moves them too.
   */
  readonly messages: Readonly<Record<string, string | { readonly text: string; readonly severity: Severity }>>;
}

/** One finding, as a rule reports it. */
export interface Report {
  readonly messageId: string;
  readonly data?: Readonly<Record<string, string | number>>;
  /** Identity (`Message.id`) of the patch whose diff holds the line (for a finding on the whole series, see RuleFinding). */
  readonly anchor: string;
  readonly path: string;
  /** The diff line the finding is on, or its 1-based number on `side` (0: the whole file). */
  readonly line: DiffLine | number;
  readonly endLine?: number;
  /** Default: `old` for a deleted diff line, else `new`. */
  readonly side?: Side;
  /** Default: the text of `line` when it is a diff line. */
  readonly evidence?: readonly string[];
  /** Extra text that keeps two findings of one rule on one file apart, e.g. the subop name. */
  readonly subject?: string;
  /** See `Finding.postImageLine` (set by `withPostImageLines`, not by rules). */
  readonly postImageLine?: number;
}

export interface RuleContext {
  /** Reports one finding (an unknown message id, or a placeholder without data, throws). */
  report(report: Report): void;
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
