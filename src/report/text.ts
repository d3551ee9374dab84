import type { Report } from './report.js';
import type { Finding } from '../engine/finding.js';

export interface TextOptions {
  /** ANSI colours (only on a TTY). */
  readonly color?: boolean;
}

/**
 * checkpatch-like text: one block per finding, then a summary line.
 *
 *     ERROR: altp2m-domctl: altp2m functionality added as a DOMCTL ...
 *     #42: FILE: xen/include/public/domctl.h:1243:
 *     +#define XEN_DOMCTL_altp2m_get_views 89
 */
export function renderText(report: Report, options: TextOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const out: string[] = [];
  for (const patch of report.patches) {
    if (patch.findings.length === 0) continue;
    out.push(paint('1', `${patch.subject || '(no subject)'}`) + (patch.messageId ? `  ${patch.messageId}` : ''));
    for (const finding of patch.findings) out.push(...findingBlock(finding, paint), '');
  }
  for (const error of report.errors) {
    const where = [error.source, error.index === undefined ? undefined : `message ${error.index + 1}`, error.messageId ?? undefined].filter(Boolean).join(', ');
    out.push(paint('31', 'INPUT ERROR') + `: ${where ? `${where}: ` : ''}${error.reason}`);
  }
  const s = report.summary;
  out.push(
    `total: ${s.bySeverity.error} errors, ${s.bySeverity.warning} warnings, ${s.bySeverity.info} notes; ` +
      `${s.patches} patches in ${s.series} series, ${s.messages} messages read, ${s.errors} input errors`,
  );
  return out.join('\n') + '\n';
}

const LABEL = { error: 'ERROR', warning: 'WARNING', info: 'NOTE' } as const;
const COLOR = { error: '31', warning: '33', info: '36' } as const;

function findingBlock(f: Finding, paint: (code: string, text: string) => string): string[] {
  const lines = [`${paint(COLOR[f.severity], LABEL[f.severity])}: ${f.rule}: ${f.message}`];
  const sideNote = f.side === 'old' ? ' (removed line)' : '';
  lines.push(`FILE: ${f.path}${f.line > 0 ? `:${f.line}` : ''}${sideNote}`);
  const marker = f.side === 'old' ? '-' : '+';
  for (const e of f.evidence.slice(0, 12)) lines.push(`${marker}${e}`);
  if (f.evidence.length > 12) lines.push(`[... ${f.evidence.length - 12} more lines]`);
  if (f.waiver) lines.push(`waived by ${f.waiver.by}: ${f.waiver.reason}`);
  lines.push(`policy: ${f.policy}`);
  return lines;
}
