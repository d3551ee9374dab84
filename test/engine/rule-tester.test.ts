// The RuleTester's own parts: the series a case makes, a rule's meta checked, and how a
// report is compared with an expected error.
import { describe, expect, it } from 'vitest';
import { caseName, metaProblems, projected, runRule, seriesOf, type TestedReport } from '../../src/engine/rule-tester.js';
import type { Rule } from '../../src/engine/rule.js';
import { fileDiff, formatPatch } from '../support/patch-text.js';

const diff = fileDiff('a.c', { at: 1, lines: [' one', '+two', ' three'] });
const flagger: Rule = {
  id: 'test-flag',
  meta: { severity: 'warning', messages: { added: 'Added {{text}}.', loud: { text: 'Loud.', severity: 'error' } } },
  summary: 'test',
  docs: 'test',
  check(series, context) {
    for (const patch of series.patches)
      for (const file of patch.diff.files)
        for (const hunk of file.hunks) for (const line of hunk.lines) if (line.kind === 'add') context.report({ messageId: 'added', data: { text: line.text }, path: file.path, line, anchor: patch.message.id });
  },
};

describe('the RuleTester', () => {
  it('makes one series of the patches, in order, a message without a diff being its cover letter', async () => {
    const cover = 'From: Ann Dev <ann.dev@example.org>\nSubject: [PATCH 0/2] two\nMessage-ID: <c@example.org>\n\nThe cover.\n';
    const series = await seriesOf([cover, formatPatch('one', diff), diff]);
    expect(series.cover?.message.messageId).toBe('<c@example.org>');
    expect(series.patches.map((p) => p.diff.files[0]!.path)).toEqual(['a.c', 'a.c']);
    await expect(seriesOf(cover)).rejects.toThrow('the case holds no diff');
  });

  it("runs the rule alone: its reports, with the message filled and the case's severity", async () => {
    const reports = await runRule(flagger, { code: diff, severity: 'info' });
    expect(reports.map((r) => [r.messageId, r.message, r.line, r.side, r.severity, r.evidence])).toEqual([['added', 'Added two.', 2, 'new', 'info', ['two']]]);
  });

  it("flags a message above the rule's severity, and a rule with no messages", () => {
    expect(metaProblems(flagger)).toEqual(['test-flag: message "loud" is error, above the rule\'s warning (a message may only be lower)']);
    expect(metaProblems({ ...flagger, meta: { severity: 'info', messages: {} } })).toEqual(['test-flag: meta.messages is empty']);
  });

  it('compares only the fields an expected error names; a message pattern stands for a message it matches', () => {
    const report = { messageId: 'added', message: 'Added two.', line: 2, side: 'new', severity: 'warning', path: 'a.c', evidence: [], anchor: 'x' } as TestedReport;
    expect(projected(report, { messageId: 'x', line: 9 })).toEqual({ messageId: 'added', line: 2 });
    const pattern = /^Added/;
    expect(projected(report, { messageId: 'added', message: pattern })).toEqual({ messageId: 'added', message: pattern });
    expect(projected(report, { messageId: 'added', message: /^Removed/ })).toEqual({ messageId: 'added', message: 'Added two.' });
    expect([caseName({ code: formatPatch('x86: a subject', diff) }, 0), caseName(diff, 3), caseName({ name: 'named', code: diff }, 0)]).toEqual(['x86: a subject', 'case 4', 'named']);
  });
});
