import type { Report, Summary } from './report.js';
import type { ErrorEntry, PatchReport } from '../pipeline.js';
import type { LinkBases } from '../engine/config.js';
import { patchLinks } from './links.js';

export interface JsonOptions {
  /** Each entry with a Message-ID gets `links` (lore, patchew) on these bases; absent: none. */
  readonly links?: LinkBases;
}

/** The JSON report (docs/reports.md): one document, `version: 1`. Field order is fixed for stable diffs. */
export function renderJson(report: Report, options: JsonOptions = {}): string {
  const patches = report.patches.map((p) => jsonPatch(p, options));
  return JSON.stringify({ version: 1, patches, summary: report.summary, errors: report.errors }, null, 2) + '\n';
}

/** One entry of `patches[]`, fields in their fixed order. */
export function jsonPatch(p: PatchReport, options: JsonOptions = {}): object {
  const findings = p.findings.length === 0 ? [] : p.findings.map(jsonFinding);
  const links = options.links ? patchLinks(p.messageId, options.links) : null;
  // Plain literals rather than a spread in the middle: this runs for every message.
  const entry = p.source === undefined
    ? { id: p.id, messageId: p.messageId, subject: p.subject, kind: p.kind, author: p.author, index: p.index, series: p.series, files: p.files, findings }
    : { id: p.id, messageId: p.messageId, subject: p.subject, kind: p.kind, author: p.author, source: p.source, index: p.index, series: p.series, files: p.files, findings };
  return links === null ? entry : { ...entry, links };
}

function jsonFinding(f: PatchReport['findings'][number]): object {
  return {
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
    ...(f.waiver ? { waiver: f.waiver } : {}),
    ...(f.waiverRequest ? { waiverRequest: f.waiverRequest } : {}),
  };
}

/**
 * The same document written piece by piece, byte for byte what `renderJson` gives: the head,
 * one chunk per patch entry as it comes, then the tail with the summary and errors.
 */
export class JsonReportWriter {
  private count = 0;

  constructor(private readonly options: JsonOptions = {}) {}

  head(): string {
    return '{\n  "version": 1,\n  "patches": [';
  }

  patch(p: PatchReport): string {
    return (this.count++ === 0 ? '\n    ' : ',\n    ') + patchEntry(p, this.options);
  }

  tail(summary: Summary, errors: readonly ErrorEntry[]): string {
    const indent = (value: unknown): string => JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    return `${this.count > 0 ? '\n  ' : ''}],\n  "summary": ${indent(summary)},\n  "errors": ${indent(errors)}\n}\n`;
  }
}

/**
 * One `patches[]` entry, laid out as `JSON.stringify(jsonPatch(p), null, 2)` indented by four,
 * without building and re-scanning that text: this runs for every message of an archive.
 * Findings (rare) still go through JSON.stringify.
 */
function patchEntry(p: PatchReport, options: JsonOptions): string {
  const q = JSON.stringify;
  const s = p.series;
  let out =
    `{\n      "id": ${q(p.id)},\n      "messageId": ${q(p.messageId)},\n      "subject": ${q(p.subject)},\n      "kind": ${q(p.kind)},\n      "author": ${q(p.author)},` +
    (p.source === undefined ? '' : `\n      "source": ${q(p.source)},`) +
    `\n      "index": ${q(p.index)},\n      "series": {\n        "id": ${q(s.id)},\n        "version": ${q(s.version)},\n        "index": ${q(s.index)},\n        "total": ${q(s.total)}\n      },\n      "files": `;
  if (p.files.length === 0) out += '[]';
  else {
    out += '[';
    for (let i = 0; i < p.files.length; i++) {
      const f = p.files[i]!;
      out +=
        (i === 0 ? '\n        {' : ',\n        {') +
        `\n          "path": ${q(f.path)},\n          "additions": ${q(f.additions)},\n          "deletions": ${q(f.deletions)}` +
        (f.binary === undefined ? '' : `,\n          "binary": ${q(f.binary)}`) +
        '\n        }';
    }
    out += '\n      ]';
  }
  // JSON.stringify escapes newlines inside strings, so every "\n" here is layout.
  const findings = p.findings.length === 0 ? '[]' : q(p.findings.map(jsonFinding), null, 2).replace(/\n/g, '\n      ');
  const links = options.links ? patchLinks(p.messageId, options.links) : null;
  const linkText = links === null ? '' : `,\n      "links": ${q(links, null, 2).replace(/\n/g, '\n      ')}`;
  return `${out},\n      "findings": ${findings}${linkText}\n    }`;
}
