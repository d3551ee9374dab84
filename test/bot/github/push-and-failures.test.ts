import { describe, expect, it } from 'vitest';
import type { StoredFile } from '../../support/github-server.js';
import { OWNER, REPO, reviewOnFake, useFakeGitHub, type ReviewExtra } from '../../support/github-harness.js';
import { readMarkers } from '../../../src/report/github.js';
import { TEST_PACK, commit, flaggedFile, pullState } from './fixtures.js';

const fake = useFakeGitHub({ ghp_writer: 'write', ghp_reader: 'read' });
let nextPr = 100;
const run = (number: number, extra: ReviewExtra = {}) => reviewOnFake(fake, number, TEST_PACK, extra);

const requests = (method: string, path: RegExp) => fake.log.filter((r) => r.method === method && path.test(r.path));

describe('pushes, big PRs and failures', () => {
  it('reviews a 3,000-file PR from its paged files after the diff media type answers 406', async () => {
    const n = nextPr++;
    const files: StoredFile[] = Array.from({ length: 3000 }, (_, i) => {
      const flagged = i % 1000 === 7;
      return {
        filename: `xen/xsm/gen/file${String(i).padStart(4, '0')}.c`,
        status: i === 5 ? 'added' : 'modified',
        patch: `@@ -1,2 +1,3 @@\n int a;\n+int b${flagged ? ' = FLAG' : ''}; /* ${i} */\n int c;`,
        additions: 1,
        deletions: 0,
      };
    });
    files.push({ filename: 'xen/xsm/gen/renamed.c', previous_filename: 'xen/xsm/gen/old.c', status: 'renamed', additions: 0, deletions: 0 });
    files.push({ filename: 'xen/xsm/gen/gone.c', status: 'removed', patch: '@@ -1,2 +0,0 @@\n-/* WARNING: mixed mode */\n-int z;', additions: 0, deletions: 2 });
    fake.setPull(OWNER, REPO, n, { headSha: '3'.repeat(40), title: 'big', patch: '', diff: '', files, tooLarge: true });
    const before = requests('GET', new RegExp(`/pulls/${n}/files$`)).length;
    const r = await run(n).result;
    expect(requests('GET', new RegExp(`/pulls/${n}$`)).filter((q) => q.status === 406)).toHaveLength(1);
    expect(requests('GET', new RegExp(`/pulls/${n}/files$`)).length - before).toBe(31);
    expect(r.findings.map((f) => f.path).sort()).toEqual(['xen/xsm/gen/file0007.c', 'xen/xsm/gen/file1007.c', 'xen/xsm/gen/file2007.c', 'xen/xsm/gen/gone.c']);
    const [review] = fake.reviews(OWNER, REPO, n);
    expect(review!.comments.map((c) => [c.path, c.line, c.side])).toEqual(
      expect.arrayContaining([['xen/xsm/gen/file0007.c', 2, 'RIGHT'], ['xen/xsm/gen/file2007.c', 2, 'RIGHT'], ['xen/xsm/gen/gone.c', 1, 'LEFT']]),
    );
    expect(review!.body).toContain('3002 files');
    expect(fake.violations).toEqual([]);
  }, 240_000);

  it('a second push posts only new findings and answers "resolved in <sha>" once for gone ones', async () => {
    const n = nextPr++;
    const v1 = commit('01'.padEnd(40, '0'), 'v1', [{ path: 'xen/common/domctl.c', hunks: [[10, 10, [' a', '+int one = FLAG;', '+int two = FLAG;', ' b']]] }]);
    fake.setPull(OWNER, REPO, n, pullState('1'.repeat(40), 'pr', [v1]));
    await run(n).result;
    expect(fake.comments(OWNER, REPO, n)).toHaveLength(2);

    // Push 2: "two" is gone, "three" is new, "one" stays (on another line).
    const v2 = commit('02'.padEnd(40, '0'), 'v2', [{ path: 'xen/common/domctl.c', hunks: [[10, 10, [' a', '+int zero;', '+int one = FLAG;', '+int three = FLAG;', ' b']]] }]);
    fake.setPull(OWNER, REPO, n, pullState('2'.repeat(40), 'pr', [v2]));
    const second = await run(n).result;
    expect(second.publish.duplicates).toBe(1);
    const reviews = fake.reviews(OWNER, REPO, n);
    expect(reviews).toHaveLength(2);
    expect(reviews[1]!.comments.map((c) => c.body.includes('test-marker') && c.line)).toEqual([13]);
    const replies = fake.comments(OWNER, REPO, n).filter((c) => c.in_reply_to_id !== undefined);
    expect(replies.map((c) => c.body.split('\n')[0])).toEqual([`resolved in ${'2'.repeat(40)}`]);

    // The same head again (a re-run): no review, no reply, nothing duplicated.
    const again = await run(n).result;
    expect(again.publish.review).toBeNull();
    expect(fake.reviews(OWNER, REPO, n)).toHaveLength(2);
    expect(fake.comments(OWNER, REPO, n).filter((c) => c.in_reply_to_id !== undefined)).toHaveLength(1);
    const fps = fake.comments(OWNER, REPO, n).flatMap((c) => readMarkers(c.body).fingerprints);
    expect(new Set(fps).size).toBe(fps.length);
    expect(fake.violations).toEqual([]);
  }, 240_000);

  it('falls back to workflow commands and the job summary on 403 (read-only token), with one log line', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('4'.repeat(40), 'fork', [commit('41'.padEnd(40, '0'), 'x', [{ path: 'xen/common/domctl.c', hunks: [[10, 10, [' a', '+int x = FLAG, y; /* 50% */', ' b']]] }])]));
    const { result, out, summary, log } = run(n, { token: 'ghp_reader' });
    const r = await result;
    expect(r.publish.fellBack).toBe(true);
    expect(fake.reviews(OWNER, REPO, n)).toEqual([]);
    expect(out.join('')).toBe('::error file=xen/common/domctl.c,line=11,title=test-marker (error)::test-marker fired\n');
    expect(summary.join('')).toContain('| error | `test-marker` | `xen/common/domctl.c:11` |');
    expect(log.filter((l) => l.includes('403')), log.join('\n')).toHaveLength(1);
    expect(log.find((l) => l.includes('403'))).toMatch(/workflow annotations/);
    expect(fake.violations).toEqual([]);
  });

  it('completes its check run when only the review is refused (403), and falls back for the rest', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('8'.repeat(40), 'checks only', [commit('81'.padEnd(40, '0'), 'x', [flaggedFile('xen/common/domctl.c', 2)])]));
    fake.inject({ method: 'POST', path: new RegExp(`/pulls/${n}/reviews$`), status: 403, body: { message: 'Resource not accessible by integration' } });
    const { result, out } = run(n);
    const r = await result;
    expect(r.publish.fellBack).toBe(true);
    expect(fake.reviews(OWNER, REPO, n)).toEqual([]);
    const check = fake.checkRuns.find((c) => c.head_sha === '8'.repeat(40))!;
    expect([check.status, check.conclusion, check.annotations.length]).toEqual(['completed', 'failure', 2]);
    expect(out.join('')).toContain('::error file=xen/common/domctl.c');
    expect(fake.violations).toEqual([]);
  });

  it('retries a 502 and a secondary-rate-limit 429 (retry and throttling plugins) and posts once', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('5'.repeat(40), 'flaky', [commit('51'.padEnd(40, '0'), 'x', [flaggedFile('xen/common/domctl.c', 2)])]));
    fake.inject({ method: 'GET', path: new RegExp(`/pulls/${n}$`), status: 502, body: { message: 'Server Error' } });
    fake.inject({ method: 'POST', path: new RegExp(`/pulls/${n}/reviews$`), status: 429, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' } });
    const { result, log } = run(n);
    await result;
    expect(requests('GET', new RegExp(`/pulls/${n}$`)).map((q) => q.status)).toContain(502);
    expect(requests('POST', new RegExp(`/pulls/${n}/reviews$`)).map((q) => q.status)).toEqual([429, 200]);
    expect(fake.reviews(OWNER, REPO, n)).toHaveLength(1);
    expect(log.some((l) => /secondary rate limit/.test(l))).toBe(true);
    expect(fake.violations).toEqual([]);
  });

  it('mode check posts the check run with annotations and no review', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('7'.repeat(40), 'check only', [commit('71'.padEnd(40, '0'), 'x', [flaggedFile('xen/common/domctl.c', 3)])]));
    const r = await run(n, { mode: 'check', failOn: 'never' }).result;
    expect(r.publish.review).toBeNull();
    expect(fake.reviews(OWNER, REPO, n)).toEqual([]);
    const check = fake.checkRuns.find((c) => c.head_sha === '7'.repeat(40))!;
    expect([check.status, check.conclusion, check.annotations.length]).toEqual(['completed', 'neutral', 3]);
    expect(fake.violations).toEqual([]);
  });

  it('a dry run reads but writes nothing', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('6'.repeat(40), 'dry', [commit('61'.padEnd(40, '0'), 'x', [flaggedFile('xen/common/domctl.c', 1)])]));
    const r = await run(n, { dryRun: true }).result;
    expect(r.publish.review?.comments).toHaveLength(1);
    expect(fake.log.filter((q) => q.method !== 'GET' && q.path.includes(`/pulls/${n}/`))).toEqual([]);
    expect(fake.checkRuns.filter((c) => c.head_sha === '6'.repeat(40))).toEqual([]);
    expect(fake.violations).toEqual([]);
  });
});
