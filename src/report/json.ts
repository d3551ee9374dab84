import type { Report } from './report.js';

/** SPEC §4 JSON: one document, `version: 1`. Field order is fixed for stable diffs. */
export function renderJson(report: Report): string {
  const patches = report.patches.map((p) => ({
    messageId: p.messageId,
    subject: p.subject,
    kind: p.kind,
    author: p.author,
    ...(p.source === undefined ? {} : { source: p.source }),
    index: p.index,
    series: p.series,
    files: p.files,
    findings: p.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      path: f.path,
      line: f.line,
      ...(f.endLine === undefined ? {} : { endLine: f.endLine }),
      side: f.side,
      message: f.message,
      evidence: f.evidence,
      policy: f.policy,
      fingerprint: f.fingerprint,
      messageId: f.messageId,
      ...(f.waiver ? { waiver: f.waiver } : {}),
    })),
  }));
  return JSON.stringify({ version: 1, patches, summary: report.summary, errors: report.errors }, null, 2) + '\n';
}
