import { createHash } from 'node:crypto';

/**
 * A finding's identity across re-runs and new versions of a series: rule, path and the
 * evidence text with white space folded. Line numbers are left out on purpose: they move when
 * a v2 rebases; the bots use it to recognise a finding already reported (docs/reports.md).
 */
export function fingerprint(rule: string, path: string, evidence: readonly string[], subject = ''): string {
  const hash = createHash('sha256');
  hash.update(rule).update('\0').update(path).update('\0').update(subject).update('\0');
  for (const line of evidence) hash.update(line.replace(/\s+/g, ' ').trim()).update('\n');
  return hash.digest('hex').slice(0, 16);
}
