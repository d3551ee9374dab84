import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/text.js';
import { sampleReport } from './report-sample.js';

describe('text reporter', () => {
  it('writes checkpatch-like blocks, input errors and a summary line', () => {
    const text = renderText(sampleReport());
    expect(text).toContain('[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views  <20240603154011.4242-1-carol@example.net>');
    expect(text).toContain('ERROR: altp2m-domctl: altp2m functionality added as a DOMCTL');
    expect(text).toContain('FILE: xen/include/public/domctl.h:9\n+#define XEN_DOMCTL_altp2m_get_views              89\n');
    // A deleted line is shown with '-' and said to be removed; a waiver says who.
    expect(text).toContain('WARNING: altp2m-doc-warning:');
    expect(text).toContain('FILE: xen/include/public/domctl.h:4512 (removed line)\n- * mixed mode has not been evaluated for safety\nwaived by Jan <jan@example.org>: moved to docs');
    expect(text).toContain('INPUT ERROR: archive.mbox, message 2, <cut@example.org>: message ends inside its header');
    expect(text.trimEnd().split('\n').at(-1)).toBe('total: 1 errors, 1 warnings, 0 notes; 1 patches in 0 series, 2 messages read, 1 input errors');
    // Messages without findings are not printed (checkpatch prints nothing for clean ones).
    expect(text).not.toContain('Re: [PATCH] x');
    expect(text).not.toContain('\u001b[');
  });

  it('never passes control characters from a message to the terminal', () => {
    const report = sampleReport();
    const hostile = { ...report, patches: report.patches.map((p) => ({ ...p, subject: '[PATCH] \u001b]0;owned\u0007 x', findings: p.findings.map((f) => ({ ...f, evidence: ['\u001b[2J#define X 1\u0000'] })) })) };
    const text = renderText(hostile);
    expect([...text].filter((c) => c !== '\n' && (c < ' ' || c === '\u007f'))).toEqual([]);
    expect(text).toContain('[PATCH] \\x1b]0;owned\\x07 x');
    expect(text).toContain('+\\x1b[2J#define X 1\\x00');
  });

  it('colours only when asked', () => {
    expect(renderText(sampleReport(), { color: true })).toContain('\u001b[31mERROR\u001b[0m');
  });
});
