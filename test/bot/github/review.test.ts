import { describe, expect, it } from 'vitest';
import { OWNER, REPO, reviewOnFake, useFakeGitHub, type ReviewExtra } from '../../support/github-harness.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { readMarkers } from '../../../src/report/github.js';
import { CLEAN_COMMIT, DOMCTL_COMMIT, TEST_PACK, commit, flaggedFile, pullState } from './fixtures.js';

const fake = useFakeGitHub({ ghp_writer: 'write', ghp_reader: 'read' });
let nextPr = 1;
const run = (number: number, extra: ReviewExtra = {}) => reviewOnFake(fake, number, TEST_PACK, extra);

describe('GitHub pull request reviews against a fake GitHub that validates with the OpenAPI description', () => {
  it('puts a domctl violation (xen-altp2m) inline on the right line and side, with a failing check', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('a'.repeat(40), 'altp2m: get views', [DOMCTL_COMMIT]));
    const { result } = run(n, { pack: xenAltp2m });
    const r = await result;
    expect(r.findings.map((f) => f.rule)).toContain('altp2m-domctl');
    const [review] = fake.reviews(OWNER, REPO, n);
    expect(fake.reviews(OWNER, REPO, n)).toHaveLength(1);
    expect(review!.commit_id).toBe('a'.repeat(40));
    const define = review!.comments.find((c) => c.body.includes('altp2m-domctl') && c.line === 1275);
    expect(define, JSON.stringify(review!.comments.map((c) => [c.line, c.side, c.start_line]))).toBeDefined();
    expect(define!.side).toBe('RIGHT');
    expect(readMarkers(define!.body).fingerprints).toHaveLength(1);
    const check = fake.checkRuns.find((c) => c.head_sha === 'a'.repeat(40))!;
    expect(check.status).toBe('completed');
    expect(check.conclusion).toBe('failure');
    expect(check.annotations.length).toBe(r.findings.length);
    expect(fake.violations).toEqual([]);
  });

  it('comments on a deleted line on the LEFT side and on a range with start_line', async () => {
    const n = nextPr++;
    const change = {
      path: 'xen/arch/x86/hvm/hvm.c',
      hunks: [[40, 40, ['  /*', '- * WARNING: mixed mode has not been evaluated for safety', '  */', '+/* RANGE_BEGIN */', '+int x;', '+/* RANGE_END */', '  int y;']]] as const,
    };
    fake.setPull(OWNER, REPO, n, pullState('b'.repeat(40), 'drop warning', [commit('b1'.padEnd(40, '0'), 'x86/hvm: reword', [change])]));
    await run(n).result;
    const [review] = fake.reviews(OWNER, REPO, n);
    const left = review!.comments.find((c) => c.body.includes('test-removed'))!;
    expect([left.line, left.side]).toEqual([41, 'LEFT']);
    const range = review!.comments.find((c) => c.body.includes('test-range'))!;
    expect([range.start_line, range.start_side, range.line, range.side]).toEqual([42, 'RIGHT', 44, 'RIGHT']);
    expect(fake.violations).toEqual([]);
  });

  it('puts a finding whose line is not in the PR diff into the review body', async () => {
    const n = nextPr++;
    // Commit 1 adds a FLAG line; commit 2 rewrites it: the PR's diff has another text on
    // that line, so the finding cannot be an inline comment there.
    const c1 = commit('c1'.padEnd(40, '0'), 'add flag', [{ path: 'xen/common/domctl.c', hunks: [[10, 10, [' a', '+int gone = FLAG;', ' b']]] }]);
    const c2 = commit('c2'.padEnd(40, '0'), 'drop flag', [{ path: 'xen/common/domctl.c', hunks: [[10, 10, [' a', '-int gone = FLAG;', '+int gone = 0;', ' b']]] }]);
    const whole = { path: 'xen/common/domctl.c', hunks: [[10, 10, [' a', '+int gone = 0;', ' b']]] as const };
    const state = { ...pullState('c'.repeat(40), 'flag', [c1, c2]), ...(({ diff, files }) => ({ diff, files }))(pullState('', '', [commit('x', 'x', [whole])])) };
    fake.setPull(OWNER, REPO, n, state);
    const r = await run(n).result;
    expect(r.findings.some((f) => f.rule === 'test-marker')).toBe(true);
    const [review] = fake.reviews(OWNER, REPO, n);
    expect(review!.comments.filter((c) => c.body.includes('test-marker'))).toEqual([]);
    expect(review!.body).toContain('not on a line of this diff');
    expect(review!.body).toContain('test-marker');
    expect(readMarkers(review!.body).fingerprints.length).toBeGreaterThan(0);
    expect(fake.violations).toEqual([]);
  });

  it('posts at most 30 inline comments; the rest go to the body; 45 annotations in 50-batches', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('d'.repeat(40), 'many', [commit('d1'.padEnd(40, '0'), 'many flags', [flaggedFile('xen/common/domctl.c', 45)])]));
    await run(n).result;
    const [review] = fake.reviews(OWNER, REPO, n);
    expect(review!.comments).toHaveLength(30);
    expect(readMarkers(review!.body).fingerprints).toHaveLength(15);
    expect(review!.body).toContain('over the inline comment limit');
    expect(review!.body.length).toBeLessThan(65_536);
    const check = fake.checkRuns.find((c) => c.head_sha === 'd'.repeat(40))!;
    expect(check.annotations).toHaveLength(45);
    expect(fake.violations).toEqual([]);
  });

  it('a clean PR gets a green check run and no review', async () => {
    const n = nextPr++;
    fake.setPull(OWNER, REPO, n, pullState('f'.repeat(40), 'typo', [CLEAN_COMMIT]));
    const r = await run(n, { pack: xenAltp2m }).result;
    expect(r.findings).toEqual([]);
    expect(fake.reviews(OWNER, REPO, n)).toEqual([]);
    const check = fake.checkRuns.find((c) => c.head_sha === 'f'.repeat(40))!;
    expect([check.status, check.conclusion]).toEqual(['completed', 'success']);
    expect(fake.violations).toEqual([]);
  });
});
