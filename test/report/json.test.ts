import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { exitCodeFor, ReportBuilder } from '../../src/report/report.js';
import { patchReport, sampleReport, DOMCTL_FINDING } from './report-sample.js';

describe('json reporter (docs/reports.md, version 1)', () => {
  it('lists every message in input order, with files, findings, summary and errors', () => {
    const doc = JSON.parse(renderJson(sampleReport())) as Record<string, unknown> & { patches: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(['version', 'patches', 'summary', 'errors']);
    expect(doc['version']).toBe(1);
    expect(doc.patches.map((p) => [p['index'], p['kind']])).toEqual([
      [0, 'patch'],
      [2, 'reply'],
    ]);
    const patch = doc.patches[0]!;
    for (const key of ['messageId', 'subject', 'series', 'files', 'findings']) expect(patch, key).toHaveProperty(key);
    expect(patch['series']).toEqual({ id: '<20240603154011.4242-1-carol@example.net>', version: 1, index: null, total: null });
    expect(patch['files']).toEqual([{ path: 'xen/include/public/domctl.h', additions: 8, deletions: 0 }, { path: 'docs/figs/v.png', additions: 0, deletions: 0, binary: true }]);
    const findings = patch['findings'] as Record<string, unknown>[];
    expect(findings[0]).toMatchObject({ rule: 'altp2m-domctl', severity: 'error', path: 'xen/include/public/domctl.h', line: 9, side: 'new', evidence: DOMCTL_FINDING.evidence });
    expect(findings[1]).toMatchObject({ side: 'old', waiver: { by: 'Jan <jan@example.org>', reason: 'moved to docs' } });
    expect(doc['summary']).toMatchObject({ messages: 2, patches: 1, findings: 2, bySeverity: { error: 1, warning: 1, info: 0 }, byRule: { 'altp2m-domctl': 1, 'altp2m-doc-warning': 1 }, errors: 1 });
    expect(doc['errors']).toEqual([{ source: 'archive.mbox', index: 1, messageId: '<cut@example.org>', reason: 'message ends inside its header (no blank line before a body): truncated?' }]);
  });
});

describe('exitCodeFor (docs/reports.md)', () => {
  const build = (findings = [DOMCTL_FINDING], error = false) => {
    const builder = new ReportBuilder();
    builder.add({ kind: 'series', series: null, patches: [patchReport({ findings })], failures: [] });
    if (error) builder.addError({ source: 'x', reason: 'cannot read' });
    return builder.build();
  };
  it.each([
    ['error', [DOMCTL_FINDING], false, 1],
    ['never', [DOMCTL_FINDING], false, 0],
    ['warning', [{ ...DOMCTL_FINDING, severity: 'info' as const }], false, 0],
    ['info', [{ ...DOMCTL_FINDING, severity: 'info' as const }], false, 1],
    ['error', [], false, 0],
    ['error', [], true, 2],
    ['error', [DOMCTL_FINDING], true, 1],
  ] as const)('--fail-on %s with %j (input error: %s) → %i', (failOn, findings, error, code) => {
    expect(exitCodeFor(build([...findings], error), failOn)).toBe(code);
  });

  it('2 when nothing could be read at all', () => {
    const builder = new ReportBuilder();
    builder.addError({ source: 'empty.mbox', reason: 'no message or diff found (empty input)' });
    expect(exitCodeFor(builder.build(), 'never')).toBe(2);
  });
});
