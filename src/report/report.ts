import type { ErrorEntry, PatchReport, ReviewEvent } from '../pipeline.js';
import type { RuleFailure } from '../engine/engine.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../engine/finding.js';

/** The JSON report (docs/reports.md), `version: 1`: the schema every reporter reads from. */
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
    for (const problem of event.waiverProblems ?? []) this.errors.push(problem);
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

/**
 * The report as a stream, so memory stays flat on an archive (docs/performance.md): each patch entry comes out, in input order, as soon as
 * every earlier message of its input is settled; the summary and errors come at the end.
 * It holds only entries waiting for an earlier message still in an open series (bounded by
 * the pipeline's series window) and the error entries.
 */
export class ReportStream {
  private source: string | undefined;
  private next = 0;
  private readonly held = new Map<number, PatchReport[]>();
  private readonly unread = new Set<number>();
  private readonly errors: ErrorEntry[] = [];
  private readonly sourceOrder = new Map<string, number>();
  private seriesCount = 0;
  private messages = 0;
  private patchCount = 0;
  private findings = 0;
  private worst = -1;
  private readonly bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  private readonly byRule: Record<string, number> = {};

  /** Takes one pipeline event; returns the entries it lets out, in order. */
  add(event: ReviewEvent): PatchReport[] {
    if (event.kind === 'error') {
      this.errors.push(event.error);
      if (!event.unread || event.error.index === undefined) return [];
      const out = this.switchTo(event.error.source);
      this.unread.add(event.error.index);
      return out.concat(this.release());
    }
    if (event.series) this.seriesCount++;
    for (const failure of event.failures) this.errors.push(failureEntry(failure));
    for (const problem of event.waiverProblems ?? []) this.errors.push(problem);
    let out: PatchReport[] = [];
    for (const patch of event.patches) {
      out = out.concat(this.switchTo(patch.source));
      const list = this.held.get(patch.index);
      if (list) list.push(patch);
      else this.held.set(patch.index, [patch]);
    }
    return out.concat(this.release());
  }

  addError(error: ErrorEntry): void {
    this.errors.push(error);
  }

  /** The input ended: every entry still held, in order. */
  end(): PatchReport[] {
    const out: PatchReport[] = [];
    for (const index of [...this.held.keys()].sort((a, b) => a - b)) out.push(...this.emit(this.held.get(index) ?? []));
    this.held.clear();
    this.unread.clear();
    this.next = 0;
    return out;
  }

  /** After `end()`: the summary and the errors, ordered as `ReportBuilder` orders them. */
  finish(): { summary: Summary; errors: ErrorEntry[] } {
    for (const e of this.errors) if (e.source !== undefined && !this.sourceOrder.has(e.source)) this.sourceOrder.set(e.source, this.sourceOrder.size);
    const rank = (a: { source?: string; index?: number }, b: { source?: string; index?: number }): number =>
      (this.sourceOrder.get(a.source ?? '') ?? 0) - (this.sourceOrder.get(b.source ?? '') ?? 0) ||
      (a.source ?? '').localeCompare(b.source ?? '') ||
      (a.index ?? 0) - (b.index ?? 0);
    const errors = [...this.errors].sort(rank);
    const summary: Summary = {
      messages: this.messages,
      patches: this.patchCount,
      series: this.seriesCount,
      findings: this.findings,
      bySeverity: { ...this.bySeverity },
      byRule: { ...this.byRule },
      errors: errors.length,
    };
    return { summary, errors };
  }

  /** As `exitCodeFor`, from what was streamed. */
  exitCode(failOn: Severity | 'never'): number {
    if (this.errors.length > 0 && this.messages === 0) return 2;
    if (failOn !== 'never' && this.worst >= SEVERITY_RANK[failOn]) return 1;
    return this.errors.length > 0 ? 2 : 0;
  }

  private switchTo(source: string | undefined): PatchReport[] {
    if (source === this.source) return [];
    const out = this.end();
    this.source = source;
    return out;
  }

  private release(): PatchReport[] {
    const out: PatchReport[] = [];
    for (;;) {
      const ready = this.held.get(this.next);
      if (ready) {
        this.held.delete(this.next);
        out.push(...this.emit(ready));
      } else if (this.unread.has(this.next)) this.unread.delete(this.next);
      else return out;
      this.next++;
    }
  }

  private emit(patches: readonly PatchReport[]): readonly PatchReport[] {
    for (const patch of patches) {
      if (patch.source !== undefined && !this.sourceOrder.has(patch.source)) this.sourceOrder.set(patch.source, this.sourceOrder.size);
      this.messages++;
      if (patch.kind === 'patch') this.patchCount++;
      for (const f of patch.findings) {
        this.findings++;
        this.bySeverity[f.severity]++;
        this.byRule[f.rule] = (this.byRule[f.rule] ?? 0) + 1;
        this.worst = Math.max(this.worst, SEVERITY_RANK[f.severity]);
      }
    }
    return patches;
  }
}

/** A rule that failed on a series, as an entry of the report's errors. */
export function failureEntry(failure: RuleFailure): ErrorEntry {
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

/** The exit status (docs/reports.md): 0 clean, 1 findings at or above the threshold, 2 input errors. */
export function exitCodeFor(report: Report, failOn: Severity | 'never'): number {
  if (report.errors.length > 0 && report.patches.length === 0) return 2;
  if (failOn !== 'never' && allFindings(report).some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return 1;
  return report.errors.length > 0 ? 2 : 0;
}
