import { createHash } from 'node:crypto';
import type { Report } from './report.js';
import type { Finding, Severity } from '../engine/finding.js';

/**
 * GitLab's Code Quality report (https://docs.gitlab.com/ci/testing/code_quality/, "Code
 * Quality report format"): a JSON array, one object per finding, published by a job as
 * `artifacts: reports: codequality:`. GitLab shows the findings in the merge request widget
 * and the pipeline, and compares the fingerprints of two pipelines to say what is new.
 *
 *     [
 *       {
 *         "description": "New DOMCTL command XEN_DOMCTL_altp2m_get_views for altp2m. ...",
 *         "check_name": "altp2m-domctl",
 *         "fingerprint": "5f0c9a1d2b7e44c3a9e1f0d8c6b5a4e3",
 *         "severity": "major",
 *         "location": { "path": "xen/include/public/domctl.h", "lines": { "begin": 1306 } }
 *       }
 *     ]
 *
 * Severity: GitLab's scale is info, minor, major, critical, blocker. A policy error (a
 * change a maintainer would refuse) is `major`, a warning `minor`, a note `info`; critical
 * and blocker are left for tools that find defects (a crash, a vulnerability), which a policy
 * check does not claim. The mapping is documented in docs/gitlab.md.
 */
export const CODEQUALITY_SEVERITY: Readonly<Record<Severity, 'info' | 'minor' | 'major'>> = { error: 'major', warning: 'minor', info: 'info' };

export interface CodeQualityIssue {
  readonly description: string;
  readonly check_name: string;
  readonly fingerprint: string;
  readonly severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

/** The report as GitLab's Code Quality JSON: `[]` when clean, no BOM, a final newline. */
export function renderCodeQuality(report: Report): string {
  const issues: CodeQualityIssue[] = [];
  const seen = new Set<string>();
  for (const patch of report.patches) {
    for (const f of patch.findings) {
      const issue = codeQualityIssue(f, patch.subject);
      // GitLab keeps one issue per fingerprint; a finding listed on two patches is one issue.
      if (seen.has(issue.fingerprint)) continue;
      seen.add(issue.fingerprint);
      issues.push(issue);
    }
  }
  return JSON.stringify(issues, null, 2) + '\n';
}

export function codeQualityIssue(f: Finding, subject: string): CodeQualityIssue {
  // A deleted line has no place in the tree GitLab shows (the post-image): anchor on line 1
  // of the file, as the SARIF report does; the description says which line it was.
  const begin = f.side === 'new' && f.line > 0 ? f.line : 1;
  const where = f.side === 'old' && f.line > 0 ? ` (removed line ${f.line})` : '';
  const waived = f.waiver ? ` (waived by ${f.waiver.by}: ${f.waiver.reason})` : '';
  return {
    description: `${f.message}${where}${waived}${subject ? ` [${subject}]` : ''}`,
    check_name: f.rule,
    fingerprint: codeQualityFingerprint(f),
    severity: CODEQUALITY_SEVERITY[f.severity],
    location: { path: f.path, lines: { begin } },
  };
}

/**
 * The finding's own fingerprint (rule, path, evidence) with its location: two findings of one
 * rule on the same text at two places are two issues, and a re-run gives the same value.
 */
export function codeQualityFingerprint(f: Finding): string {
  return createHash('sha256').update(`patchsentry/codequality/v1\0${f.fingerprint}\0${f.path}\0${f.side}\0${f.line}`).digest('hex').slice(0, 32);
}
