import type { RulePack } from './rule.js';
import type { RuleFinding } from './finding.js';
import type { Series } from '../ingest/series.js';
import { postImageLineOf } from '../diff/queries.js';

/**
 * The pack with each finding on removed lines (side `old`) told where those lines were in the
 * new file (`postImageLine`), found in the hunk of the patch the finding sits on. For a
 * report that can only point into the new file (SARIF, as code scanning shows it).
 */
export function withPostImageLines(pack: RulePack): RulePack {
  return {
    ...pack,
    rules: pack.rules.map((rule) => ({
      ...rule,
      check: (series, context) => rule.check(series, context).map((f) => (f.side === 'old' && f.line > 0 && f.postImageLine === undefined ? placed(series, f) : f)),
    })),
  };
}

function placed(series: Series, finding: RuleFinding): RuleFinding {
  const patch = series.patches.find((p) => p.message.id === finding.anchor);
  const file = patch?.diff.files.find((f) => f.path === finding.path || f.oldPath === finding.path);
  const line = file ? postImageLineOf(file, finding.line) : undefined;
  return line === undefined ? finding : { ...finding, postImageLine: line };
}
