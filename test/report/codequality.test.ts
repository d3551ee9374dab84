// The Code Quality reporter against GitLab's documented format (a JSON Schema of it, checked
// with ajv), on a hand-made report and on real inputs run through the pipeline.
import { describe, expect, it } from 'vitest';
import { codeQualityFingerprint, renderCodeQuality, type CodeQualityIssue } from '../../src/report/codequality.js';
import { ReportBuilder } from '../../src/report/report.js';
import { runCheck } from '../../bot/cli/check.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { FIXTURES } from '../ingest/read.js';
import { codeQualityValidator, parseCodeQuality } from '../support/codequality-schema.js';
import { DOMCTL_FINDING, REMOVED_FINDING, patchReport, sampleReport } from './report-sample.js';

const validator = codeQualityValidator();
const issuesOf = (text: string): CodeQualityIssue[] => {
  const data = parseCodeQuality(Buffer.from(text, 'utf8'));
  expect(validator.validate(data), validator.errors()).toBe(true);
  return data as CodeQualityIssue[];
};

describe('codequality reporter', () => {
  it('writes one valid issue per finding, with the documented severity mapping', () => {
    const issues = issuesOf(renderCodeQuality(sampleReport()));
    expect(issues).toHaveLength(2);
    const [domctl, removed] = issues;
    expect(domctl).toEqual({
      description: `${DOMCTL_FINDING.message} [[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views]`,
      check_name: 'altp2m-domctl',
      fingerprint: codeQualityFingerprint(DOMCTL_FINDING),
      severity: 'major',
      location: { path: 'xen/include/public/domctl.h', lines: { begin: 9 } },
    });
    // A removed line (old side) is anchored on line 1, and the description names its line and
    // the waiver; a waived finding is info already (the engine lowers it).
    expect(removed!.location.lines.begin).toBe(1);
    expect(removed!.description).toContain('(removed line 4512)');
    expect(removed!.description).toContain('waived by Jan <jan@example.org>: moved to docs');
    expect(removed!.severity).toBe('minor');
    const info = issuesOf(renderCodeQuality(reportOf([{ ...DOMCTL_FINDING, severity: 'info' }])));
    expect(info[0]!.severity).toBe('info');
  });

  it('is [] when clean, with no BOM and one trailing newline', () => {
    const text = renderCodeQuality(reportOf([]));
    expect(text).toBe('[]\n');
    expect(issuesOf(text)).toEqual([]);
  });

  it('fingerprints are stable and carry the location', () => {
    const a = codeQualityFingerprint(DOMCTL_FINDING);
    expect(codeQualityFingerprint({ ...DOMCTL_FINDING })).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(codeQualityFingerprint({ ...DOMCTL_FINDING, line: 10 })).not.toBe(a);
    expect(codeQualityFingerprint({ ...DOMCTL_FINDING, path: 'xen/include/public/domctl2.h' })).not.toBe(a);
    expect(codeQualityFingerprint({ ...DOMCTL_FINDING, side: 'old' })).not.toBe(a);
    expect(codeQualityFingerprint(REMOVED_FINDING)).not.toBe(a);
    // The same text in two places of a file: two issues, which GitLab would otherwise merge.
    const issues = issuesOf(renderCodeQuality(reportOf([DOMCTL_FINDING, { ...DOMCTL_FINDING, line: 40 }])));
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(2);
    // One finding listed on two patches of a series is one issue.
    expect(issuesOf(renderCodeQuality(reportOf([DOMCTL_FINDING], [DOMCTL_FINDING])))).toHaveLength(1);
  });

  it('real inputs through the pipeline give valid reports, the same on a second run', async () => {
    for (const input of ['input/series-v3.mbox', 'input/domctl.patch', 'input/series-v1-v2.mbox', 'input/unwatched.mbox']) {
      const run = () => runCheck({ inputs: [`${FIXTURES}/${input}`], format: 'codequality', failOn: 'error', pack: xenAltp2m, config: DEFAULT_CONFIG });
      const first = await run();
      const issues = issuesOf(first.output);
      expect(issues.length, input).toBe(new Set(first.report.patches.flatMap((p) => p.findings.map(codeQualityFingerprint))).size);
      expect((await run()).output).toBe(first.output);
      if (input === 'input/unwatched.mbox') expect(issues).toEqual([]);
      else expect(issues.length, input).toBeGreaterThan(0);
    }
  });

  it('the schema itself rejects what GitLab would not read', () => {
    const good = { description: 'd', check_name: 'c', fingerprint: 'f', severity: 'major', location: { path: 'a.c', lines: { begin: 1 } } };
    expect(validator.validate([good])).toBe(true);
    for (const bad of [
      { ...good, severity: 'error' },
      { ...good, fingerprint: undefined },
      { ...good, location: { path: 'a.c', lines: { begin: 0 } } },
      { ...good, location: { path: 'a.c' } },
      { ...good, location: { path: '/abs/a.c', lines: { begin: 1 } } },
    ]) expect(validator.validate([bad]), JSON.stringify(bad)).toBe(false);
    expect(validator.validate(good)).toBe(false);
    expect(() => parseCodeQuality(Buffer.from('\ufeff[]', 'utf8'))).toThrow(/byte-order mark/);
  });
});

function reportOf(...perPatch: (typeof DOMCTL_FINDING)[][]): ReturnType<ReportBuilder['build']> {
  const builder = new ReportBuilder();
  perPatch.forEach((findings, index) => builder.add({ kind: 'series', series: null, patches: [patchReport({ index, findings })], failures: [] }));
  if (perPatch.length === 0) builder.add({ kind: 'series', series: null, patches: [patchReport()], failures: [] });
  return builder.build();
}
