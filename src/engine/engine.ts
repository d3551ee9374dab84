import type { Config } from './config.js';
import { watchMatcher } from './config.js';
import type { Finding, RuleFinding, Severity } from './finding.js';
import { fingerprint } from './fingerprint.js';
import type { RulePack } from './rule.js';
import type { Series } from '../ingest/series.js';
import type { Patch } from '../ingest/patch.js';
import { touchesPath, type FileInPatch } from '../diff/queries.js';

export const POLICY_REFERENCE = 'xen/arch/x86/hvm/hvm.c, comment above do_altp2m_op()';

export interface RuleFailure {
  readonly rule: string;
  readonly seriesId: string;
  readonly reason: string;
}

export interface SeriesReview {
  readonly findings: readonly Finding[];
  /** A rule that threw: recorded, never a crash (b4's pattern). */
  readonly failures: readonly RuleFailure[];
}

/**
 * Runs a rule pack over one series. Rules see only the watched files; a series that touches
 * none of them is not looked at at all. `whole` is the same series with every file (when
 * `series` holds only the watched ones, as the archive fast path gives it): rules may ask
 * for the others through `context.unwatchedFiles`.
 */
export function reviewSeries(series: Series, pack: RulePack, config: Config, isWatched = watchMatcher(config), whole: Series = series): SeriesReview {
  const scoped = scopeSeries(series, isWatched);
  if (scoped.patches.length === 0) return { findings: [], failures: [] };
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  let unwatched: FileInPatch[] | undefined;
  const unwatchedFiles = (): readonly FileInPatch[] => (unwatched ??= unwatchedFilesOf(whole, isWatched));
  for (const rule of pack.rules) {
    const setting = config.rules[rule.id];
    if (setting && !setting.enabled) continue;
    const severity = setting?.severity ?? rule.defaultSeverity;
    let produced: RuleFinding[];
    try {
      produced = rule.check(scoped, { severity, unwatchedFiles });
    } catch (error) {
      failures.push({ rule: rule.id, seriesId: series.id, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    for (const finding of produced) {
      const adjusted: Severity = setting?.severity !== undefined && finding.severity === rule.defaultSeverity ? setting.severity : finding.severity;
      findings.push(finalize(rule.id, { ...finding, severity: adjusted }, series, config));
    }
  }
  return { findings, failures };
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

/** The files scopeSeries leaves out; `whole` is the series with every file (modelled on demand). */
function unwatchedFilesOf(whole: Series, isWatched: (path: string) => boolean): FileInPatch[] {
  const out: FileInPatch[] = [];
  for (const patch of whole.patches) {
    for (const file of patch.diff.files) if (!touchesPath(file, isWatched)) out.push({ patch, file });
  }
  return out;
}

const ACK_TRAILER = /^Altp2m-Policy-Ack$/i;

function finalize(rule: string, finding: RuleFinding, series: Series, config: Config): Finding {
  const { subject, ...rest } = finding;
  const base: Finding = {
    ...rest,
    rule,
    policy: POLICY_REFERENCE,
    fingerprint: fingerprint(rule, finding.path, finding.evidence, subject),
  };
  const waiver = findWaiver(rule, finding.anchor, series, config);
  return waiver ? { ...base, severity: 'info', waiver } : base;
}

function findWaiver(rule: string, anchor: string, series: Series, config: Config): Finding['waiver'] | undefined {
  // Only the patch the finding sits on waives it, or the cover letter, which speaks for the
  // whole series: a trailer on one patch never waives a sibling's finding.
  const candidates = [...series.patches, ...(series.cover ? [series.cover] : [])].filter((p) => p.message.id === anchor || p === series.cover);
  for (const patch of candidates) {
    for (const trailer of patch.trailers) {
      if (!ACK_TRAILER.test(trailer.key)) continue;
      const [id, ...reason] = trailer.value.split(/\s+/);
      if (id === rule) {
        const who = patch.message.author ?? patch.message.from;
        return { by: who ? formatAddress(who) : 'the patch author', reason: reason.join(' ') || '(no reason given)' };
      }
    }
  }
  for (const waiver of config.waivers) {
    if (waiver.rule !== rule) continue;
    const matches = candidates.some(
      (p) =>
        (waiver.messageId !== undefined && normalizeId(p.message.messageId) === normalizeId(waiver.messageId)) ||
        (waiver.subject !== undefined && new RegExp(waiver.subject).test(p.message.subject)),
    );
    if (matches) return { by: waiver.by, reason: waiver.reason };
  }
  return undefined;
}

function normalizeId(id: string | null): string {
  return (id ?? '').replace(/^<|>$/g, '').trim();
}

function formatAddress(a: { name: string; address: string }): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}
