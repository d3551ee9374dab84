import { parseMessage } from '../ingest/message.js';
import { toPatch } from '../ingest/patch.js';
import type { Series } from '../ingest/series.js';
import { findingOf } from './context.js';
import type { FileInPatch } from '../diff/queries.js';
import { SEVERITY_RANK, type RuleFinding, type Severity, type Side } from './finding.js';
import type { Rule } from './rule.js';

/**
 * A rule run on its own over inline patches, as ESLint's RuleTester runs one rule over inline
 * code (docs/packs.md). Pure: the test framework is the caller's (test/support/rule-tester.ts
 * wraps it for vitest).
 */
export interface RuleTestCase {
  /** Shown as the test's name (default: the first line of the patch's subject, or "case N"). */
  readonly name?: string;
  /**
   * The patch: a unified diff, or `git format-patch` output (one message); a list of them is a
   * series, in order.
   */
  readonly code: string | readonly string[];
  /** The rule's severity as a config would set it (`rules.<id>: warning`). */
  readonly severity?: Severity;
  /** Files of the series outside the watched paths, as `context.unwatchedFiles` gives them. */
  readonly unwatched?: string | readonly string[];
}

export interface ExpectedError {
  readonly messageId: string;
  /** Checked when given, as is each of the fields below. */
  readonly line?: number;
  readonly severity?: Severity;
  readonly side?: Side;
  readonly path?: string;
  /** The message with its placeholders filled: the whole text, or a pattern it matches. */
  readonly message?: string | RegExp;
}

export interface InvalidRuleTestCase extends RuleTestCase {
  /** The reports the rule must make, in order: no more, no fewer. */
  readonly errors: readonly ExpectedError[];
}

export interface RuleTestCases {
  readonly valid: readonly (RuleTestCase | string)[];
  readonly invalid: readonly InvalidRuleTestCase[];
}

/** One report of the rule, as the engine would make it a finding, with its message id. */
export type TestedReport = RuleFinding & { readonly messageId: string };

/**
 * The series the patches make, in the order given (each parsed as the CLI parses a file holding
 * one message): a message without a diff is its cover letter.
 */
export async function seriesOf(code: string | readonly string[]): Promise<Series> {
  const texts = typeof code === 'string' ? [code] : code;
  const messages = await Promise.all(texts.map(async (text, index) => toPatch(await parseMessage({ index, bytes: Buffer.from(text, 'utf8') }))));
  const patches = messages.filter((p) => p.diff.files.length > 0);
  if (patches.length === 0) throw new Error('the case holds no diff');
  const cover = messages.find((p) => p.diff.files.length === 0) ?? null;
  return { id: (cover ?? patches[0]!).message.id, version: 1, total: patches.length, cover, patches };
}

/** Runs the rule over a case: what it reports, in order. A rule that throws throws here. */
export async function runRule(rule: Rule, testCase: RuleTestCase): Promise<TestedReport[]> {
  const series = await seriesOf(testCase.code);
  const unwatched = testCase.unwatched === undefined ? undefined : (await seriesOf(testCase.unwatched)).patches.flatMap((patch) => patch.diff.files.map((file): FileInPatch => ({ patch, file })));
  const severity = testCase.severity ?? rule.meta.severity;
  const reports: TestedReport[] = [];
  rule.check(series, {
    report: (report) => void reports.push({ ...findingOf(rule, report, severity), messageId: report.messageId }),
    ...(unwatched ? { unwatchedFiles: () => unwatched } : {}),
  });
  return reports;
}

/** What is wrong with a rule's meta: a message of a higher severity than the rule's own is. */
export function metaProblems(rule: Rule): string[] {
  const problems: string[] = [];
  if (Object.keys(rule.meta.messages).length === 0) problems.push(`${rule.id}: meta.messages is empty`);
  for (const [id, message] of Object.entries(rule.meta.messages)) {
    if (typeof message !== 'string' && SEVERITY_RANK[message.severity] > SEVERITY_RANK[rule.meta.severity]) {
      problems.push(`${rule.id}: message "${id}" is ${message.severity}, above the rule's ${rule.meta.severity} (a message may only be lower)`);
    }
  }
  return problems;
}

/** The fields of a report that an expected error names, to compare the two. */
export function projected(report: TestedReport, expected: ExpectedError): ExpectedError {
  const out: Record<string, unknown> = { messageId: report.messageId };
  for (const key of ['line', 'severity', 'side', 'path'] as const) if (expected[key] !== undefined) out[key] = report[key];
  // A pattern that matches stands for the message, so that only a mismatch shows as a difference.
  if (expected.message !== undefined) out['message'] = expected.message instanceof RegExp && expected.message.test(report.message) ? expected.message : report.message;
  return out as unknown as ExpectedError;
}

/** A case's name: its own, else the subject of its first patch, else its number. */
export function caseName(testCase: RuleTestCase | string, index: number): string {
  if (typeof testCase !== 'string' && testCase.name) return testCase.name;
  const code = typeof testCase === 'string' ? testCase : typeof testCase.code === 'string' ? testCase.code : (testCase.code[0] ?? '');
  const subject = /^Subject:\s*(.+)$/m.exec(code)?.[1];
  return subject ? subject.replace(/^\[[^\]]*\]\s*/, '') : `case ${index + 1}`;
}
