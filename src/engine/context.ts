import { SEVERITY_RANK, type RuleFinding, type Severity, type Side } from './finding.js';
import type { Report, Rule } from './rule.js';
import { lineNumber } from '../diff/queries.js';

/**
 * What a rule's `context.report` turns into: the finding the engine then anchors, fingerprints
 * and waives (docs/packs.md). `severity` is the rule's as the config sets it, else its meta's.
 */
export function findingOf(rule: Rule, report: Report, severity: Severity): RuleFinding {
  const { line, side } = placeOf(report);
  const evidence = report.evidence ?? (typeof report.line === 'number' ? [] : [report.line.text]);
  return {
    severity: severityOf(rule, report.messageId, severity),
    path: report.path,
    line,
    ...(report.endLine === undefined ? {} : { endLine: report.endLine }),
    side,
    ...(report.postImageLine === undefined ? {} : { postImageLine: report.postImageLine }),
    message: messageOf(rule, report.messageId, report.data),
    evidence,
    anchor: report.anchor,
    ...(report.subject === undefined ? {} : { subject: report.subject }),
  };
}

/** A report's line number and side: a diff line's own, or as given. */
export function placeOf(report: Report): { line: number; side: Side } {
  if (typeof report.line === 'number') return { line: report.line, side: report.side ?? 'new' };
  return { line: lineNumber(report.line), side: report.side ?? (report.line.kind === 'del' ? 'old' : 'new') };
}

/** The severity of a message: the rule's (`severity`), or the message's own when lower. */
export function severityOf(rule: Rule, messageId: string, severity: Severity): Severity {
  const own = templateOf(rule, messageId);
  return typeof own === 'string' || SEVERITY_RANK[own.severity] >= SEVERITY_RANK[severity] ? severity : own.severity;
}

/** The message `messageId` of the rule with its `{{placeholders}}` filled from `data` (in one pass). */
export function messageOf(rule: Rule, messageId: string, data: Report['data'] = {}): string {
  const own = templateOf(rule, messageId);
  const template = typeof own === 'string' ? own : own.text;
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = data[name];
    if (value === undefined) throw new Error(`${rule.id}: message "${messageId}" needs data "${name}"`);
    return String(value);
  });
}

function templateOf(rule: Rule, messageId: string): Rule['meta']['messages'][string] {
  const own = Object.hasOwn(rule.meta.messages, messageId) ? rule.meta.messages[messageId] : undefined;
  if (own === undefined) throw new Error(`${rule.id}: no message "${messageId}" in its meta (messages: ${Object.keys(rule.meta.messages).join(', ')})`);
  return own;
}
