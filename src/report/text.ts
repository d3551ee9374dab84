import type { Report, Summary } from './report.js';
import type { ErrorEntry, PatchReport } from '../pipeline.js';
import type { Finding } from '../engine/finding.js';
import type { LinkBases } from '../engine/config.js';
import { patchLinks } from './links.js';

export interface TextOptions {
  /** ANSI colours (only on a TTY). */
  readonly color?: boolean;
  /** Wrap prose lines to this many columns; absent: no wrapping. */
  readonly width?: number;
  /** Name each patch's lore and patchew pages (by Message-ID) on these bases; absent: none. */
  readonly links?: LinkBases;
}

/**
 * checkpatch-like text: one block per finding, then a summary line.
 *
 *     ERROR: altp2m-domctl: altp2m functionality added as a DOMCTL ...
 *     #42: FILE: xen/include/public/domctl.h:1243:
 *     +#define XEN_DOMCTL_altp2m_get_views 89
 */
export function renderText(report: Report, options: TextOptions = {}): string {
  return report.patches.map((patch) => textPatch(patch, options)).join('') + textTail(report.summary, report.errors, options);
}

/** The lines of one patch with findings, each ending in a newline; '' for a clean patch. */
export function textPatch(patch: PatchReport, options: TextOptions = {}): string {
  if (patch.findings.length === 0) return '';
  const paint = painter(options);
  const out = [paint('1', clean(patch.subject || '(no subject)')) + (patch.messageId ? `  ${clean(patch.messageId)}` : '')];
  const links = options.links ? patchLinks(patch.messageId, options.links) : null;
  if (links?.lore) out.push(`lore: ${links.lore}`);
  if (links?.patchew) out.push(`patchew: ${links.patchew}`);
  for (const finding of patch.findings) out.push(...findingBlock(finding, paint), '');
  return out.join('\n') + '\n';
}

/** The input errors and the summary line that end the text report. */
export function textTail(s: Summary, errors: readonly ErrorEntry[], options: TextOptions = {}): string {
  const paint = painter(options);
  const out: string[] = [];
  for (const error of errors) {
    const where = [error.source, error.index === undefined ? undefined : `message ${error.index + 1}`, error.messageId ?? undefined].filter(Boolean).join(', ');
    out.push(paint('31', 'INPUT ERROR') + clean(`: ${where ? `${where}: ` : ''}${error.reason}`));
  }
  out.push(
    `total: ${s.bySeverity.error} errors, ${s.bySeverity.warning} warnings, ${s.bySeverity.info} notes; ` +
      `${s.patches} patches in ${s.series} series, ${s.messages} messages read, ${s.errors} input errors`,
  );
  return out.join('\n') + '\n';
}

/**
 * Control characters from a message (an ESC in a Subject or a diff line) are shown, not sent to
 * the terminal, where they could rewrite the screen or the title.
 */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function painter(options: TextOptions): (code: string, text: string) => string {
  return (code, text) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
}

const LABEL = { error: 'ERROR', warning: 'WARNING', info: 'NOTE' } as const;
const COLOR = { error: '31', warning: '33', info: '36' } as const;

function findingBlock(f: Finding, paint: (code: string, text: string) => string): string[] {
  const lines = [`${paint(COLOR[f.severity], LABEL[f.severity])}: ${f.rule}: ${clean(f.message)}`];
  const sideNote = f.side === 'old' ? ' (removed line)' : '';
  lines.push(`FILE: ${clean(f.path)}${f.line > 0 ? `:${f.line}` : ''}${sideNote}`);
  const marker = f.side === 'old' ? '-' : '+';
  for (const e of f.evidence.slice(0, 12)) lines.push(`${marker}${clean(e)}`);
  if (f.evidence.length > 12) lines.push(`[... ${f.evidence.length - 12} more lines]`);
  if (f.waiver) lines.push(clean(`waived by ${f.waiver.by}: ${f.waiver.reason}`));
  if (f.waiverRequest) lines.push(clean(`waiver requested by ${f.waiverRequest.by}; needs a maintainer's ack (${f.waiverRequest.why}): ${f.waiverRequest.reason}`));
  lines.push(`policy: ${f.policy}`);
  return lines;
}
