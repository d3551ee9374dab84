import type { Report, Summary } from './report.js';
import type { ErrorEntry, PatchReport } from '../pipeline.js';
import type { Finding } from '../engine/finding.js';
import type { LinkBases } from '../engine/config.js';
import { patchLinks } from './links.js';

export interface TextOptions {
  /** ANSI colours (the CLI asks for them only on a terminal, without NO_COLOR or TERM=dumb). */
  readonly color?: boolean;
  /** Wrap prose lines (messages, errors, the summary) to this many columns; absent: no wrapping. */
  readonly width?: number;
  /** Name each patch's lore and patchew pages (by Message-ID) on these bases; absent: none. */
  readonly links?: LinkBases;
}

/**
 * checkpatch-like text: one block per finding, then a summary line.
 *
 *     ERROR: altp2m-domctl: New DOMCTL command XEN_DOMCTL_altp2m_get_views for altp2m.
 *       altp2m has one interface: …
 *     FILE: xen/include/public/domctl.h:1243
 *     +#define XEN_DOMCTL_altp2m_get_views 89
 *
 * With a width, a message wraps at spaces with the next lines indented by two; diff lines are
 * never wrapped (they are code, shown as they stand).
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
  for (const finding of patch.findings) out.push(...findingBlock(finding, paint, options.width), '');
  return out.join('\n') + '\n';
}

/** The input errors and the summary line that end the text report. */
export function textTail(s: Summary, errors: readonly ErrorEntry[], options: TextOptions = {}): string {
  const paint = painter(options);
  const out: string[] = [];
  for (const error of errors) out.push(...labelled(paint('31', 'INPUT ERROR'), 'INPUT ERROR', describeError(error), options.width));
  const findings = `total: ${count(s.bySeverity.error, 'error')}, ${count(s.bySeverity.warning, 'warning')}, ${count(s.bySeverity.info, 'note')};`;
  const read = `${count(s.patches, 'patch', 'patches')} in ${s.series} series, ${count(s.messages, 'message')} read, ${count(s.errors, 'input error')}`;
  // Too long for the line: broken after the findings' counts rather than mid-phrase.
  if (options.width !== undefined && findings.length + 1 + read.length > options.width) out.push(findings, ...wrap(read, options.width - 2).map((l) => `  ${l}`));
  else out.push(`${findings} ${read}`);
  return out.join('\n') + '\n';
}

/** One input error in one line: which input, which message of it, and why (control characters shown). */
export function describeError(error: ErrorEntry): string {
  const where = [error.source, error.index === undefined ? undefined : `message ${error.index + 1}`, error.messageId ?? undefined].filter(Boolean).join(', ');
  return clean(`${where ? `${where}: ` : ''}${error.reason}`);
}

/** "1 patch", "2 patches", "0 errors". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
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

function findingBlock(f: Finding, paint: (code: string, text: string) => string, width: number | undefined): string[] {
  const lines = labelled(paint(COLOR[f.severity], LABEL[f.severity]), LABEL[f.severity], clean(`${f.rule}: ${f.message}`), width);
  const sideNote = f.side === 'old' ? ' (removed line)' : '';
  lines.push(`FILE: ${clean(f.path)}${f.line > 0 ? `:${f.line}` : ''}${sideNote}`);
  const marker = f.side === 'old' ? '-' : '+';
  for (const e of f.evidence.slice(0, 12)) lines.push(`${marker}${clean(e)}`);
  if (f.evidence.length > 12) lines.push(`[... ${f.evidence.length - 12} more lines]`);
  if (f.waiver) lines.push(...wrap(clean(`waived by ${f.waiver.by}: ${f.waiver.reason}`), width));
  if (f.waiverRequest) lines.push(...wrap(clean(`waiver requested by ${f.waiverRequest.by}; needs a maintainer's ack (${f.waiverRequest.why}): ${f.waiverRequest.reason}`), width));
  // The rules' messages end by saying where the policy is written; a policy line would say it
  // a second time. It is kept for a message that does not name the policy's file.
  if (!citesPolicy(f)) lines.push(...wrap(clean(`policy: ${f.policy}`), width));
  return lines;
}

function citesPolicy(f: Finding): boolean {
  const files = f.policy.split(/[\s,]+/).filter((word) => word.includes('/'));
  return files.length > 0 && files.every((file) => f.message.includes(file));
}

/** `LABEL: text`, wrapped, with the label painted (its width counted unpainted). */
function labelled(painted: string, label: string, text: string, width: number | undefined): string[] {
  const lines = wrap(`${label}: ${text}`, width);
  lines[0] = painted + lines[0]!.slice(label.length);
  return lines;
}

/**
 * Greedy wrap at spaces to `width` columns, later lines indented by two; a word longer than
 * the line (a path, a Message-ID) is never cut. No width: the text as one line.
 */
function wrap(text: string, width: number | undefined): string[] {
  if (width === undefined || text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const indent = lines.length === 0 ? '' : '  ';
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push((lines.length === 0 ? '' : '  ') + line);
  return lines;
}
