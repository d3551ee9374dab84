import type { ErrorEntry, PatchReport, ReviewEvent } from '../pipeline.js';
import type { RuleFailure } from '../engine/engine.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../engine/finding.js';

/** The JSON report (SPEC §4), `version: 1`: the schema every reporter reads from. */
export interface Report {
  readonly version: 1;
  readonly patches: readonly PatchReport[];
  readonly summary: Summary;
  readonly errors: readonly ErrorEntry[];
}

export interface Summary {
  readonly messages: number;
  readonly patches: number;
  readonly series: number;
  readonly findings: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byRule: Readonly<Record<string, number>>;
  readonly errors: number;
}

/** Collects pipeline events into a report, in input order. */
export class ReportBuilder {
  private readonly patches: PatchReport[] = [];
  private readonly errors: ErrorEntry[] = [];
  private seriesCount = 0;

  add(event: ReviewEvent): void {
    if (event.kind === 'error') {
      this.errors.push(event.error);
      return;
    }
    if (event.series) this.seriesCount++;
    this.patches.push(...event.patches);
    for (const failure of event.failures) this.errors.push(failureEntry(failure));
  }

  addError(error: ErrorEntry): void {
    this.errors.push(error);
  }

  build(): Report {
    const order = (a: { source?: string; index?: number }, b: { source?: string; index?: number }): number =>
      (a.source ?? '').localeCompare(b.source ?? '') || (a.index ?? 0) - (b.index ?? 0);
    const sourceOrder = new Map<string, number>();
    for (const p of [...this.patches, ...this.errors]) if (p.source !== undefined && !sourceOrder.has(p.source)) sourceOrder.set(p.source, sourceOrder.size);
    const bySource = (a: { source?: string; index?: number }, b: { source?: string; index?: number }): number =>
      (sourceOrder.get(a.source ?? '') ?? 0) - (sourceOrder.get(b.source ?? '') ?? 0) || order(a, b);
    const patches = [...this.patches].sort(bySource);
    const errors = [...this.errors].sort(bySource);
    return { version: 1, patches, summary: summarize(patches, errors.length, this.seriesCount), errors };
  }
}

function failureEntry(failure: RuleFailure): ErrorEntry {
  return { reason: `rule ${failure.rule} failed on series ${failure.seriesId}: ${failure.reason}` };
}

export function summarize(patches: readonly PatchReport[], errors: number, series: number): Summary {
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const byRule: Record<string, number> = {};
  let findings = 0;
  for (const patch of patches) {
    for (const f of patch.findings) {
      findings++;
      bySeverity[f.severity]++;
      byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    }
  }
  return {
    messages: patches.length,
    patches: patches.filter((p) => p.kind === 'patch').length,
    series,
    findings,
    bySeverity,
    byRule,
    errors,
  };
}

export function allFindings(report: Report): Finding[] {
  return report.patches.flatMap((p) => p.findings);
}

/** The exit code of SPEC §4: 0 clean, 1 findings at or above the threshold, 2 input errors. */
export function exitCodeFor(report: Report, failOn: Severity | 'never'): number {
  if (report.errors.length > 0 && report.patches.length === 0) return 2;
  if (failOn !== 'never' && allFindings(report).some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return 1;
  return report.errors.length > 0 ? 2 : 0;
}
