import type { Config } from './config.js';
import { watchMatcher } from './config.js';
import type { Finding, RuleFinding, Waiver, WaiverRequest } from './finding.js';
import { findingOf } from './context.js';
import { fingerprint } from './fingerprint.js';
import type { RulePack } from './rule.js';
import type { Series } from '../ingest/series.js';
import { wholeDiff, type Patch } from '../ingest/patch.js';
import { touchesPath, type FileInPatch } from '../diff/queries.js';
import type { Maintainers } from './maintainers.js';
import { acksOf, formatPerson, judgeAck, type Ack } from './waivers.js';

export interface RuleFailure {
  readonly rule: string;
  readonly seriesId: string;
  readonly reason: string;
}

/** A waiver trailer that cannot count (an unknown rule, no reason), on the message it is in. */
export interface WaiverProblem {
  /** Identity (`Message.id`) of the message. */
  readonly anchor: string;
  readonly messageId: string | null;
  readonly reason: string;
}

export interface SeriesReview {
  readonly findings: readonly Finding[];
  /** A rule that threw: recorded, never a crash (b4's pattern). */
  readonly failures: readonly RuleFailure[];
  /** Waiver trailers of the series that cannot count, each to be reported. */
  readonly waiverProblems?: readonly WaiverProblem[];
}

/** An ack given in a reply in a patch's thread (the mail bot keeps them in its state). */
export interface ThreadAck extends Ack {
  /** The patches (`Message.id`) it was given on. */
  readonly anchors: readonly string[];
  /** The fingerprints of the findings it waived there: the same findings of later versions. */
  readonly fingerprints: readonly string[];
}

/** What decides a waiver beyond the series itself (docs/policy.md#waivers). */
export interface WaiverInputs {
  /** The MAINTAINERS file, read: its M: and R: people may waive findings on their files. */
  readonly maintainers?: Maintainers;
  /** Acks given in replies in the series' threads, this version's or an earlier one's. */
  readonly threadAcks?: readonly ThreadAck[];
}

/**
 * Runs a rule pack over one series. Rules see only the watched files; a series that touches
 * none of them is not looked at at all. Rules may ask for the others through
 * `context.unwatchedFiles` (modelled then, for the patches the archive fast path counted:
 * `wholeDiff`).
 */
export function reviewSeries(series: Series, pack: RulePack, config: Config, isWatched = watchMatcher(config), waivers: WaiverInputs = {}): SeriesReview {
  const scoped = scopeSeries(series, isWatched);
  if (scoped.patches.length === 0) return { findings: [], failures: [] };
  const knownRules = pack.rules.map((r) => r.id);
  const acks = new Map<Patch, Ack[]>();
  const waiverProblems: WaiverProblem[] = [];
  for (const patch of [...(series.cover ? [series.cover] : []), ...series.patches]) {
    const read = acksOf(patch.trailers, patch.message.author ?? patch.message.from, knownRules, pack.waiverTrailer);
    acks.set(patch, read.acks);
    for (const reason of read.problems) waiverProblems.push({ anchor: patch.message.id, messageId: patch.message.messageId, reason });
  }
  const context: WaiverContext = { config, acks, inputs: waivers, policy: pack.policy };
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  let unwatched: FileInPatch[] | undefined;
  const unwatchedFiles = (): readonly FileInPatch[] => (unwatched ??= unwatchedFilesOf(series, isWatched));
  for (const rule of pack.rules) {
    const setting = config.rules[rule.id];
    if (setting && !setting.enabled) continue;
    // The one source of a finding's severity: the config's for the rule, else its meta's.
    const severity = setting?.severity ?? rule.meta.severity;
    const produced: RuleFinding[] = [];
    try {
      rule.check(scoped, { report: (report) => void produced.push(findingOf(rule, report, severity)), unwatchedFiles });
    } catch (error) {
      failures.push({ rule: rule.id, seriesId: series.id, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    for (const finding of produced) findings.push(finalize(rule.id, finding, series, context));
  }
  return waiverProblems.length > 0 ? { findings, failures, waiverProblems } : { findings, failures };
}

/** The series with each patch's files limited to the watched paths. */
export function scopeSeries(series: Series, isWatched: (path: string) => boolean): Series {
  const patches: Patch[] = [];
  for (const patch of series.patches) {
    const files = patch.diff.files.filter((f) => touchesPath(f, isWatched));
    if (files.length > 0) patches.push({ ...patch, diff: { files } });
  }
  return { ...series, patches };
}

/** The files scopeSeries leaves out (a counted patch's modelled now). */
function unwatchedFilesOf(series: Series, isWatched: (path: string) => boolean): FileInPatch[] {
  const out: FileInPatch[] = [];
  for (const patch of series.patches) {
    for (const file of wholeDiff(patch).files) if (!touchesPath(file, isWatched)) out.push({ patch, file });
  }
  return out;
}

interface WaiverContext {
  readonly config: Config;
  /** The acks in each message's own trailers. */
  readonly acks: ReadonlyMap<Patch, readonly Ack[]>;
  readonly inputs: WaiverInputs;
  /** The pack's policy reference, which every finding cites. */
  readonly policy: string;
}

function finalize(rule: string, finding: RuleFinding, series: Series, context: WaiverContext): Finding {
  const { subject, ...rest } = finding;
  const base: Finding = {
    ...rest,
    rule,
    policy: context.policy,
    fingerprint: fingerprint(rule, finding.path, finding.evidence, subject),
  };
  const decided = decideWaiver(base, series, context);
  if (decided?.waiver) return { ...base, severity: 'info', waiver: decided.waiver };
  return decided?.request ? { ...base, waiverRequest: decided.request } : base;
}

function decideWaiver(finding: Finding, series: Series, context: WaiverContext): { waiver?: Waiver; request?: WaiverRequest } | undefined {
  // Only the patch the finding sits on waives it, or the cover letter, which speaks for the
  // whole series: a trailer on one patch never waives a sibling's finding.
  const candidates = [...series.patches, ...(series.cover ? [series.cover] : [])].filter((p) => p.message.id === finding.anchor || p === series.cover);
  const home = series.patches.find((p) => p.message.id === finding.anchor) ?? series.cover ?? series.patches[0];
  const author = home ? (home.message.author ?? home.message.from) : null;
  const given: Ack[] = [
    ...candidates.flatMap((p) => context.acks.get(p) ?? []),
    ...(context.inputs.threadAcks ?? []).filter((a) => a.anchors.includes(finding.anchor) || a.fingerprints.includes(finding.fingerprint)),
  ].filter((a) => a.rule === finding.rule);
  const authority = { ...(context.inputs.maintainers ? { maintainers: context.inputs.maintainers } : {}), trusted: context.config.trusted };
  let request: WaiverRequest | undefined;
  for (const ack of given) {
    const verdict = judgeAck(ack, finding.path, author, authority);
    if (verdict.granted) return { waiver: { by: formatPerson(ack.by!), reason: ack.reason } };
    request ??= { by: ack.by ? formatPerson(ack.by) : 'unknown', reason: ack.reason, why: verdict.why };
  }
  for (const waiver of context.config.waivers) {
    if (waiver.rule !== finding.rule) continue;
    const matches = candidates.some(
      (p) =>
        (waiver.messageId !== undefined && normalizeId(p.message.messageId) === normalizeId(waiver.messageId)) ||
        (waiver.subject !== undefined && new RegExp(waiver.subject).test(p.message.subject)),
    );
    if (matches) return { waiver: { by: waiver.by, reason: waiver.reason } };
  }
  return request ? { request } : undefined;
}

function normalizeId(id: string | null): string {
  return (id ?? '').replace(/^<|>$/g, '').trim();
}

