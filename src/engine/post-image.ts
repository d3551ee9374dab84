import type { Report, RulePack } from './rule.js';
import { placeOf } from './context.js';
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
      check: (series, context) => rule.check(series, { ...context, report: (report) => context.report(placed(series, report)) }),
    })),
  };
}

function placed(series: Series, report: Report): Report {
  const { line: oldLine, side } = placeOf(report);
  if (side !== 'old' || oldLine <= 0 || report.postImageLine !== undefined) return report;
  const patch = series.patches.find((p) => p.message.id === report.anchor);
  const file = patch?.diff.files.find((f) => f.path === report.path || f.oldPath === report.path);
  const line = file ? postImageLineOf(file, oldLine) : undefined;
  return line === undefined ? report : { ...report, postImageLine: line };
}
