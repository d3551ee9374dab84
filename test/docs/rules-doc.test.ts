// docs/rules.md is generated from the rules' own documentation: the committed file must be
// what the generator writes today, or a rule's docs and the published page have drifted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderRuleDocs } from '../../bot/cli/rule-docs.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';

const committed = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');

describe('docs/rules.md', () => {
  it('is what `npm run docs:rules` writes from the rules in rules/xen-altp2m/ (run it and commit the file when this fails)', () => {
    expect(committed).toBe(renderRuleDocs(xenAltp2m));
  });

  it('has a section with the documentation of every rule of the pack', () => {
    for (const rule of xenAltp2m.rules) {
      expect(committed).toContain(`\n## ${rule.id}\n`);
      expect(committed).toContain(rule.docs.trim());
    }
  });
});
