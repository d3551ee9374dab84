import type { Report } from './report.js';
import type { Finding } from '../engine/finding.js';

/**
 * One line per finding, checkpatch's `--terse --showfile` shape, for `check --quiet`: what a
 * pre-send check runner reads. b4 (`b4 prep --check`, its `prep-perpatch-check-cmd`) pipes
 * one patch to the command and takes each stdout line as a result, a failure when it holds
 * "ERROR:", a warning otherwise; no output at all is a pass. So a clean patch prints nothing.
 *
 *     xen/include/public/domctl.h:1306: ERROR: altp2m-domctl: New DOMCTL command ...
 */
export function renderTerse(report: Report): string {
  let out = '';
  for (const patch of report.patches) for (const f of patch.findings) out += terseLine(f) + '\n';
  return out;
}

const LABEL = { error: 'ERROR', warning: 'WARNING', info: 'NOTE' } as const;

function terseLine(f: Finding): string {
  const where = `${f.path}${f.line > 0 ? `:${f.line}` : ''}`;
  const removed = f.side === 'old' && f.line > 0 ? ' (removed line)' : '';
  const waived = f.waiver ? ` (waived by ${f.waiver.by}: ${f.waiver.reason})` : '';
  return oneLine(`${where}: ${LABEL[f.severity]}: ${f.rule}: ${f.message}${removed}${waived}`);
}

/** Control characters (a newline in a path or a reason) shown, not obeyed: one line each. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
