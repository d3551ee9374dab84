import { describe, expect, it } from 'vitest';
import { count, renderText } from '../../src/report/text.js';
import { DOMCTL_FINDING, patchReport, sampleReport } from './report-sample.js';
import type { Report } from '../../src/report/report.js';

/** A report of one patch with these findings. */
function reportOf(findings: (typeof DOMCTL_FINDING)[]): Report {
  const report = sampleReport();
  return { ...report, patches: [patchReport({ findings })], errors: [] };
}

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
    expect(text.trimEnd().split('\n').at(-1)).toBe('total: 1 error, 1 warning, 0 notes; 1 patch in 0 series, 2 messages read, 1 input error');
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

  it('plurals: one of a thing is singular, none and many plural', () => {
    expect([count(0, 'error'), count(1, 'error'), count(2, 'patch', 'patches'), count(1, 'patch', 'patches')]).toEqual(['0 errors', '1 error', '2 patches', '1 patch']);
  });

  it('names the policy once: no policy line when the message already cites its file, one when it does not', () => {
    const cited = { ...DOMCTL_FINDING, message: 'Add a HVMOP_altp2m_* subop instead (see the comment above do_altp2m_op() in xen/arch/x86/hvm/hvm.c).' };
    expect(renderText(reportOf([cited]))).not.toContain('policy:');
    expect(renderText(reportOf([DOMCTL_FINDING]))).toContain('\npolicy: xen/arch/x86/hvm/hvm.c, comment above do_altp2m_op()\n');
  });

  it('wraps messages, errors and the summary to the width, never the subject, a diff line or a long word', () => {
    const long = { ...DOMCTL_FINDING, message: `${'word '.repeat(40)}xen/include/public/a-very-long-path/${'x'.repeat(90)}.h end`, evidence: [`#define ${'Y'.repeat(100)} 1`] };
    const report = { ...reportOf([long]), errors: [{ source: 'archive.mbox', index: 1, reason: 'why '.repeat(30).trim() }] };
    const lines = renderText(report, { width: 60 }).trimEnd().split('\n');
    const tooLong = lines.filter((l) => l.length > 60);
    expect(tooLong).toEqual([expect.stringMatching(/^\[PATCH\] xen\/domctl: add XEN_DOMCTL_altp2m_get_views {2}</), expect.stringMatching(/^ {2}xen\/include\/public\/a-very-long-path\/x+\.h$/), expect.stringMatching(/^\+#define Y+ 1$/)]);
    expect(lines[1]).toMatch(/^ERROR: altp2m-domctl: word word/);
    expect(lines[2]).toMatch(/^ {2}word word/);
    expect(lines).toContain('  end');
    expect(lines.filter((l) => l.startsWith('INPUT ERROR: archive.mbox, message 2: why'))).toHaveLength(1);
    expect(lines.slice(-2)).toEqual(['total: 1 error, 1 warning, 0 notes;', '  1 patch in 0 series, 2 messages read, 1 input error']);
    // Words are kept whole and in order: unwrapping gives the one-line text back.
    expect(renderText(report, { width: 60 }).replace(/\n {2}/g, ' ')).toBe(renderText(report));
  });

  it('without a width nothing is wrapped', () => {
    const long = { ...DOMCTL_FINDING, message: 'word '.repeat(100).trim() };
    expect(renderText(reportOf([long])).split('\n')[1]).toBe(`ERROR: altp2m-domctl: ${long.message}`);
  });
});
