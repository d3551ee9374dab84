// How a rule's context.report becomes a finding: messages from meta with their placeholders
// filled, the severity from one source (meta, or the config for the rule), a message of its own
// lower severity, and a rule's mistakes (unknown message, missing data) as recorded failures.
import { describe, expect, it } from 'vitest';
import { findingOf, messageOf, severityOf } from '../../src/engine/context.js';
import { reviewSeries } from '../../src/engine/engine.js';
import { validateConfig } from '../../src/engine/config.js';
import type { Report, Rule, RulePack } from '../../src/engine/rule.js';
import { assembleSeries, type Series } from '../../src/ingest/series.js';
import { fixture, patchesOf } from '../ingest/read.js';

/** Reports every added XEN_DOMCTL define: as a command (error) and as a note (info). */
const rule: Rule = {
  id: 'test-defines',
  meta: {
    severity: 'error',
    messages: {
      command: 'New command {{name}} ({{ name }} again, {{count}} line).',
      note: { text: 'A note on {{name}}.', severity: 'info' },
      side: { text: 'Side remark.', severity: 'warning' },
    },
  },
  summary: 'test rule',
  docs: 'Test-only rule.',
  check(series, context) {
    for (const patch of series.patches)
      for (const file of patch.diff.files)
        for (const hunk of file.hunks)
          for (const line of hunk.lines) {
            const name = /^#define (XEN_DOMCTL_\w+)/.exec(line.text)?.[1];
            if (line.kind !== 'add' || !name) continue;
            context.report({ messageId: 'command', data: { name, count: 1 }, path: file.path, line, anchor: patch.message.id, subject: name });
            context.report({ messageId: 'note', data: { name }, path: file.path, line, anchor: patch.message.id, subject: `note:${name}` });
            context.report({ messageId: 'side', path: file.path, line, anchor: patch.message.id, subject: `side:${name}` });
          }
  },
};
const pack = (rules: Rule[]): RulePack => ({ name: 'test-pack', rules, policy: 'docs/test-policy.md', waiverTrailer: 'Test-Ack', watch: ['xen/**'], wording: { reviews: 'a test policy', clean: 'No findings' } });

async function domctl(): Promise<Series> {
  return assembleSeries(await patchesOf(fixture('input/domctl.patch')))[0]!;
}

describe('context.report', () => {
  it('fills the placeholders of the message from meta, and places the finding on the diff line', async () => {
    const { findings } = reviewSeries(await domctl(), pack([rule]), validateConfig(null, pack([rule])));
    const command = findings.find((f) => f.message.startsWith('New command'))!;
    expect(command).toMatchObject({ rule: 'test-defines', severity: 'error', path: 'xen/include/public/domctl.h', line: 9, side: 'new', policy: 'docs/test-policy.md' });
    expect(command.message).toBe('New command XEN_DOMCTL_altp2m_get_views (XEN_DOMCTL_altp2m_get_views again, 1 line).');
    expect(command.evidence).toEqual([expect.stringMatching(/^#define XEN_DOMCTL_altp2m_get_views/)]);
  });

  it("severity has one source: meta, or the config's; a message of a lower severity keeps the lower of the two", async () => {
    const bySeverity = async (raw: unknown): Promise<string[]> => reviewSeries(await domctl(), pack([rule]), validateConfig(raw, pack([rule]))).findings.map((f) => f.severity);
    expect(await bySeverity(null)).toEqual(['error', 'info', 'warning']);
    expect(await bySeverity({ rules: { 'test-defines': 'warning' } })).toEqual(['warning', 'info', 'warning']);
    expect(await bySeverity({ rules: { 'test-defines': 'info' } })).toEqual(['info', 'info', 'info']);
    expect(severityOf(rule, 'side', 'error')).toBe('warning');
  });

  it('a message id not in meta, or a placeholder without data, is the rule failing (recorded, the others run)', async () => {
    const broken = (report: Partial<Report>): Rule => ({
      ...rule,
      id: 'test-broken',
      check: (series, context) => context.report({ path: 'x', line: 0, anchor: series.patches[0]!.message.id, messageId: 'command', ...report }),
    });
    const { findings, failures } = reviewSeries(await domctl(), pack([broken({ messageId: 'nope' }), broken({ data: { name: 'A' } }), rule]), validateConfig(null, pack([rule])));
    expect(failures.map((f) => f.reason)).toEqual(['test-broken: no message "nope" in its meta (messages: command, note, side)', 'test-broken: message "command" needs data "count"']);
    expect(findings).toHaveLength(3);
  });

  it('renders in one pass: data holding a placeholder stays as it is', () => {
    expect(messageOf(rule, 'note', { name: '{{name}}' })).toBe('A note on {{name}}.');
    expect(findingOf(rule, { messageId: 'note', data: { name: 'B' }, path: 'p', line: 0, side: 'old', anchor: 'a' }, 'error')).toEqual({
      severity: 'info',
      path: 'p',
      line: 0,
      side: 'old',
      message: 'A note on B.',
      evidence: [],
      anchor: 'a',
    });
  });
});
