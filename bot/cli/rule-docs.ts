import type { RulePack } from '../../src/engine/rule.js';

/**
 * docs/rules.md: a rule pack's rules as Markdown, from each rule's own `summary` and `docs`
 * (the text `patchsentry rules --long` prints). scripts/gen-rule-docs.mjs writes it, and a
 * test checks that the committed file is what this returns.
 */
export function renderRuleDocs(pack: RulePack): string {
  const out = [
    `# The rules of the \`${pack.name}\` pack`,
    '',
    '<!-- Generated from each rule\'s documentation in rules/ by scripts/gen-rule-docs.mjs (`npm run docs:rules`). Do not edit by hand. -->',
    '',
    'What each rule is for, what makes it fire and what must leave it silent. The policy they',
    'enforce (P1-P3), the watched paths and the waivers are in [policy.md](policy.md).',
    '',
    '| id | default severity | fires on |',
    '|---|---|---|',
    ...pack.rules.map((rule) => `| [\`${rule.id}\`](#${rule.id}) | ${rule.meta.severity} | ${rule.summary.replace(/\|/g, '\\|')} |`),
  ];
  for (const rule of pack.rules) {
    out.push('', `## ${rule.id}`, '', `Default severity: **${rule.meta.severity}**. ${capitalised(rule.summary)}.`, '', rule.docs.trim());
  }
  return `${out.join('\n')}\n`;
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
