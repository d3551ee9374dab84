import type { Report } from './report.js';
import type { Rule } from '../engine/rule.js';
import type { Finding } from '../engine/finding.js';
import { version } from '../version.js';

/** SARIF 2.1.0 for code-scanning upload (github/codeql-action/upload-sarif). */
export function renderSarif(report: Report, rules: readonly Rule[]): string {
  const level = { error: 'error', warning: 'warning', info: 'note' } as const;
  const results = report.patches.flatMap((patch) =>
    patch.findings.map((f) => ({
      ruleId: f.rule,
      level: level[f.severity],
      message: { text: messageOf(f) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: f.path },
            // Code scanning shows the new file only: a removal is put on the nearest line of it
            // (where the hunk puts the removed lines); their old line numbers are in the message
            // and the properties.
            region: { startLine: startLine(f), ...(f.side === 'new' && f.endLine ? { endLine: f.endLine } : {}), snippet: { text: f.evidence.join('\n') } },
          },
        },
      ],
      partialFingerprints: { 'patchsentry/v1': f.fingerprint },
      properties: { messageId: patch.messageId, id: patch.id, subject: patch.subject, side: f.side, ...(f.side === 'old' && f.line > 0 ? { oldLine: f.line, ...(f.endLine ? { oldEndLine: f.endLine } : {}) } : {}) },
    })),
  );
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'patchsentry',
            version,
            informationUri: 'https://xenbits.xen.org/docs/unstable/',
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              // Rule docs start with a newline (template literals); SARIF viewers show it verbatim.
              fullDescription: { text: r.docs.trim().split('\n\n')[0] ?? r.summary },
              defaultConfiguration: { level: level[r.meta.severity] },
            })),
          },
        },
        results,
        invocations: [{ executionSuccessful: report.errors.length === 0, toolExecutionNotifications: report.errors.map((e) => ({ level: 'error', message: { text: e.reason } })) }],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function startLine(f: Finding): number {
  if (f.side === 'new') return f.line > 0 ? f.line : 1;
  return f.postImageLine ?? 1;
}

function messageOf(f: Finding): string {
  const removed = f.side === 'old' && f.line > 0 ? ` (removed: line ${f.endLine && f.endLine > f.line ? `${f.line}-${f.endLine}` : f.line} of the old file)` : '';
  return `${f.message}${removed}${f.waiver ? ` (waived by ${f.waiver.by}: ${f.waiver.reason})` : ''}`;
}
