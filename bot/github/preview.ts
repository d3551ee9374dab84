import type { ReviewPullResult } from './review-pr.js';

/** What `patchsentry github --dry-run` prints: the review as it would be posted. */
export function renderPreview(repo: string, number: number, result: ReviewPullResult): string {
  const { publish } = result;
  const lines = [`# ${repo}#${number} at ${result.headSha}: ${result.findings.length} finding(s), check conclusion ${publish.conclusion}`];
  if (publish.duplicates > 0) lines.push(`# ${publish.duplicates} finding(s) already posted on the pull request`);
  for (const fp of publish.resolved) lines.push(`# would reply "resolved in ${result.headSha}" to the comment with fingerprint ${fp}`);
  const review = publish.review;
  if (!review) {
    lines.push(result.findings.length === 0 ? '# no review: nothing to report' : '# no new review for this head');
    return `${lines.join('\n')}\n`;
  }
  lines.push('', '## review body', '', review.body, '');
  for (const c of review.comments) {
    const where = c.start_line === undefined ? `${c.line} ${c.side}` : `${c.start_line}-${c.line} ${c.side}`;
    lines.push(`## inline ${c.path}:${where}`, '', c.body, '');
  }
  return `${lines.join('\n')}\n`;
}
