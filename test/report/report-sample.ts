// A report built by hand through ReportBuilder, shared by the reporter tests.
import type { PatchReport } from '../../src/pipeline.js';
import type { Finding } from '../../src/engine/finding.js';
import { ReportBuilder, type Report } from '../../src/report/report.js';

export const DOMCTL_FINDING: Finding = {
  rule: 'altp2m-domctl',
  severity: 'error',
  path: 'xen/include/public/domctl.h',
  line: 9,
  side: 'new',
  message: 'altp2m functionality added as a DOMCTL; add a HVMOP_altp2m_* subop instead.',
  evidence: ['#define XEN_DOMCTL_altp2m_get_views              89'],
  policy: 'xen/arch/x86/hvm/hvm.c, comment above do_altp2m_op()',
  anchor: '<20240603154011.4242-1-carol@example.net>',
  fingerprint: 'fe741c3f21469388',
};
export const REMOVED_FINDING: Finding = { ...DOMCTL_FINDING, rule: 'altp2m-doc-warning', severity: 'warning', line: 4512, side: 'old', postImageLine: 4510, evidence: [' * mixed mode has not been evaluated for safety'], fingerprint: '0123456789abcdef', waiver: { by: 'Jan <jan@example.org>', reason: 'moved to docs' } };

export function patchReport(over: Partial<PatchReport> = {}): PatchReport {
  return {
    source: 'archive.mbox',
    index: 0,
    id: '<20240603154011.4242-1-carol@example.net>',
    messageId: '<20240603154011.4242-1-carol@example.net>',
    subject: '[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views',
    kind: 'patch',
    author: 'Carol Dev <carol@example.net>',
    series: { id: '<20240603154011.4242-1-carol@example.net>', version: 1, index: null, total: null },
    files: [{ path: 'xen/include/public/domctl.h', additions: 8, deletions: 0 }],
    findings: [],
    ...over,
  };
}

export function sampleReport(): Report {
  const builder = new ReportBuilder();
  builder.add({ kind: 'series', series: null, patches: [patchReport({ index: 2, id: '<reply@example.com>', messageId: '<reply@example.com>', subject: 'Re: [PATCH] x', kind: 'reply', files: [], series: { id: null, version: 1, index: null, total: null } })], failures: [] });
  builder.add({ kind: 'series', series: null, patches: [patchReport({ findings: [DOMCTL_FINDING, REMOVED_FINDING], files: [{ path: 'xen/include/public/domctl.h', additions: 8, deletions: 0 }, { path: 'docs/figs/v.png', additions: 0, deletions: 0, binary: true }] })], failures: [] });
  builder.add({ kind: 'error', error: { source: 'archive.mbox', index: 1, messageId: '<cut@example.org>', reason: 'message ends inside its header (no blank line before a body): truncated?' } });
  return builder.build();
}
