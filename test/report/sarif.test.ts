import { describe, expect, it } from 'vitest';
import { renderSarif } from '../../src/report/sarif.js';
import type { Rule } from '../../src/engine/rule.js';
import { sampleReport } from './report-sample.js';

const rules: Rule[] = [
  { id: 'altp2m-domctl', meta: { severity: 'error', messages: {} }, summary: 'altp2m added through a DOMCTL', docs: '\nWhy: P1, one interface.\n\nFires when ...', check: () => undefined },
  { id: 'altp2m-doc-warning', meta: { severity: 'error', messages: {} }, summary: 'P3 warning removed', docs: 'Why: P3.', check: () => undefined },
];

interface Sarif {
  version: string;
  $schema: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string; shortDescription: { text: string }; fullDescription: { text: string }; defaultConfiguration: { level: string } }[] } };
    results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; snippet: { text: string } } } }[]; partialFingerprints: Record<string, string> }[];
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
  }[];
}

describe('sarif reporter', () => {
  const sarif = JSON.parse(renderSarif(sampleReport(), rules)) as Sarif;

  it('is SARIF 2.1.0 with one run of the patchsentry driver and its rules', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    const driver = sarif.runs[0]!.tool.driver;
    expect(driver.name).toBe('patchsentry');
    expect(driver.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(driver.rules.map((r) => [r.id, r.defaultConfiguration.level, r.fullDescription.text])).toEqual([
      ['altp2m-domctl', 'error', 'Why: P1, one interface.'],
      ['altp2m-doc-warning', 'error', 'Why: P3.'],
    ]);
  });

  it('has one result per finding, with level, location, snippet and fingerprint', () => {
    const results = sarif.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine])).toEqual([
      ['altp2m-domctl', 'error', 'xen/include/public/domctl.h', 9],
      // A deleted line: on the nearest line of the new file, where the hunk put it.
      ['altp2m-doc-warning', 'warning', 'xen/include/public/domctl.h', 4510],
    ]);
    expect(results[1]!.message.text).toContain('(removed: line 4512 of the old file)');
    expect((results[1] as unknown as { properties: Record<string, unknown> }).properties).toMatchObject({ side: 'old', oldLine: 4512 });
    expect(results[0]!.locations[0]!.physicalLocation.region.snippet.text).toBe('#define XEN_DOMCTL_altp2m_get_views              89');
    expect(results[0]!.partialFingerprints).toEqual({ 'patchsentry/v1': 'fe741c3f21469388' });
    expect(results[1]!.message.text).toMatch(/\(waived by Jan <jan@example.org>: moved to docs\)$/);
  });

  it('reports input errors as tool notifications and an unsuccessful execution', () => {
    const invocation = sarif.runs[0]!.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications).toEqual([{ level: 'error', message: { text: 'message ends inside its header (no blank line before a body): truncated?' } }]);
  });
});
