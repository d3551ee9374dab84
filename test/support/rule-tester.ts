// ESLint's RuleTester shape for vitest: one rule over inline valid and invalid patches
// (src/engine/rule-tester.ts runs them; docs/packs.md).
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/engine/rule.js';
import { caseName, metaProblems, projected, runRule, type RuleTestCases } from '../../src/engine/rule-tester.js';

export type { RuleTestCases } from '../../src/engine/rule-tester.js';

/** A describe block: the rule's meta is sound, each valid case reports nothing, each invalid case exactly its errors. */
export function ruleTester(rule: Rule, cases: RuleTestCases): void {
  describe(`${rule.id} (RuleTester)`, () => {
    it('meta: messages declared, none above the rule severity', () => {
      expect(metaProblems(rule)).toEqual([]);
    });
    cases.valid.forEach((valid, i) => {
      it(`valid: ${caseName(valid, i)}`, async () => {
        const reports = await runRule(rule, typeof valid === 'string' ? { code: valid } : valid);
        expect(reports.map((r) => `${r.messageId}: ${r.message}`)).toEqual([]);
      });
    });
    cases.invalid.forEach((invalid, i) => {
      it(`invalid: ${caseName(invalid, i)}`, async () => {
        const reports = await runRule(rule, invalid);
        expect(reports.map((r, j) => projected(r, invalid.errors[j] ?? { messageId: r.messageId }))).toEqual(invalid.errors);
      });
    });
  });
}
