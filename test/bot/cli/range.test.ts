// `check --range BASE..TIP`: the commits of a real git repository read as the series they are,
// with the same findings as `git format-patch --stdout BASE..TIP | patchsentry check -`; BASE
// from the CI variables (the all-zero before-sha of a new branch included) or a base-commit:
// line; and no revision ever read as an option.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, STACK, type Run } from '../../security/support.js';
import { makeXenRepo, type XenRepo } from '../../support/xen-repo.js';

interface Report {
  patches: { subject: string; source?: string; findings: { rule: string; severity: string; path: string; line: number; side: string; message: string; evidence: string[]; fingerprint: string }[] }[];
  summary: { messages: number; patches: number; series: number; findings: number };
  errors: { reason: string }[];
}
const report = (r: Run): Report => JSON.parse(r.stdout) as Report;
/** Everything of a report but where it was read from. */
const comparable = (r: Report): unknown => ({ patches: r.patches.map(({ source: _source, ...rest }) => rest), summary: r.summary, errors: r.errors });

let repo: XenRepo;
const NULL = '0000000000000000000000000000000000000000';
beforeAll(() => {
  repo = makeXenRepo();
});
afterAll(() => rmSync(repo.dir, { recursive: true, force: true }));

describe('check --range', () => {
  it('gives the same findings as git format-patch --stdout BASE..TIP piped into check -', async () => {
    const mbox = repo.git('format-patch', '--stdout', `${repo.base}..${repo.tip}`);
    const [ranged, piped] = await Promise.all([
      cli(['check', '--format', 'json', '--range', `${repo.base}..${repo.tip}`, '--repo', repo.dir]),
      cli(['check', '--format', 'json', '-'], { stdin: mbox }),
    ]);
    expect(ranged.stderr).toBe('');
    expect(ranged.code).toBe(1);
    expect(piped.code).toBe(1);
    const a = report(ranged);
    expect(comparable(a)).toEqual(comparable(report(piped)));
    // The series as it is: three patches of one series, the DOMCTL error on 2/3 and the subop
    // defined without a handler on 3/3.
    // The series as it is: three patches of one series, a DOMCTL added in 2/3 and a subop
    // defined without a handler in 3/3.
    expect(a.summary).toMatchObject({ messages: 3, patches: 3, series: 1 });
    expect(a.patches.map((p) => p.subject)).toEqual([
      '[PATCH 1/3] README: say what the tree holds',
      '[PATCH 2/3] xen/domctl: add XEN_DOMCTL_altp2m_get_views',
      '[PATCH 3/3] x86/altp2m: define HVMOP_altp2m_get_views',
    ]);
    const found = new Set(a.patches.flatMap((p) => p.findings.map((f) => `${f.rule} ${f.severity} ${f.path}:${f.line}`)));
    expect([...found].sort()).toEqual([
      'altp2m-domctl error xen/include/public/domctl.h:14',
      'altp2m-new-subop info xen/include/public/hvm/hvm_op.h:18',
      'altp2m-subop-incomplete warning xen/include/public/hvm/hvm_op.h:18',
    ]);
    // Each finding on the patch whose diff holds its line.
    expect(a.patches.map((p) => p.findings.map((f) => f.rule).sort())).toEqual([[], ['altp2m-domctl'], ['altp2m-new-subop', 'altp2m-subop-incomplete']]);
    expect(a.patches[0]!.source).toBe(`${repo.base}..${repo.tip}`);
  });

  it('takes symbolic revisions and the working directory as the repository', async () => {
    const run = await cli(['check', '--format', 'json', '--range', 'staging..altp2m-views'], { cwd: repo.dir });
    expect(run.code, run.stderr).toBe(1);
    expect(report(run).summary.patches).toBe(3);
  });

  it('reads BASE and TIP from the CI variables, as Xen\'s build-each-commit job does', async () => {
    const env = { CI_COMMIT_BEFORE_SHA: repo.git('rev-parse', `${repo.tip}~1`).trim(), CI_COMMIT_SHA: repo.tip };
    const run = await cli(['check', '--format', 'json', '--range', '--repo', repo.dir], { env });
    expect(run.code, run.stderr).toBe(0); // a warning and a note: below --fail-on error
    // One commit pushed: only 3/3 — as a single [PATCH].
    expect(report(run).patches.map((p) => p.subject)).toEqual(['[PATCH] x86/altp2m: define HVMOP_altp2m_get_views']);
    // BASE_SHA and TIP_SHA win over GitLab's own pair.
    const both = await cli(['check', '--format', 'json', '--range', '--repo', repo.dir], { env: { ...env, BASE_SHA: repo.base, TIP_SHA: repo.git('rev-parse', `${repo.tip}~1`).trim() } });
    expect(report(both).patches.map((p) => p.subject)).toEqual(['[PATCH 1/2] README: say what the tree holds', '[PATCH 2/2] xen/domctl: add XEN_DOMCTL_altp2m_get_views']);
  });

  it('a new branch (all-zero before-sha) is reviewed from its merge-base with the default branch, and says so', async () => {
    const run = await cli(['check', '--format', 'json', '--range', `${NULL}..${repo.tip}`, '--repo', repo.dir], { env: { CI_DEFAULT_BRANCH: 'staging' } });
    expect(run.code, run.stderr).toBe(1);
    expect(report(run).summary.patches).toBe(3);
    expect(run.stderr).toContain(`patchsentry: range: base ${repo.base.slice(0, 12)} (the before-commit is all zeros (a new branch or tag); the merge-base with staging)`);
  });

  it('takes the merge request\'s diff base first, then a base-commit: line', async () => {
    const mid = repo.git('rev-parse', `${repo.tip}~2`).trim();
    const mr = await cli(['check', '--format', 'json', '--range', `${NULL}..${repo.tip}`, '--repo', repo.dir], { env: { CI_DEFAULT_BRANCH: 'staging', CI_MERGE_REQUEST_DIFF_BASE_SHA: mid } });
    expect(report(mr).summary.patches).toBe(2);
    expect(mr.stderr).toContain('CI_MERGE_REQUEST_DIFF_BASE_SHA');
    // b4 and `git format-patch --base` write "base-commit:"; here it sits in the tip's message.
    const tagged = makeXenRepo('ps-xenrepo-base-');
    try {
      tagged.git('commit', '-q', '--amend', '-m', `x86/altp2m: define HVMOP_altp2m_get_views\n\nbase-commit: ${tagged.git('rev-parse', 'HEAD~1').trim()}`);
      const run = await cli(['check', '--format', 'json', '--range', '..HEAD', '--repo', tagged.dir]);
      expect(run.code, run.stderr).toBe(0);
      expect(report(run).patches.map((p) => p.subject)).toEqual(['[PATCH] x86/altp2m: define HVMOP_altp2m_get_views']);
      expect(run.stderr).toContain('the base-commit: line of the series');
    } finally {
      rmSync(tagged.dir, { recursive: true, force: true });
    }
  });

  it('an empty range is a clean run (exit 0), not an input error', async () => {
    const run = await cli(['check', '--format', 'json', '--range', `${repo.tip}..${repo.tip}`, '--repo', repo.dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(report(run)).toMatchObject({ patches: [], errors: [], summary: { messages: 0 } });
  });

  it('refuses what is not a revision, never passing it to git as an option, with exit 2 and no stack', async () => {
    const before = readdirSync(repo.dir).sort();
    const cases: [string[], RegExp][] = [
      [['--range=--output=pwned..HEAD'], /--range BASE: "--output=pwned" is not a revision/],
      [['--range', `${repo.base}..--output=pwned`], /--range TIP: "--output=pwned" is not a revision/],
      [['--range', 'no-such-branch..HEAD'], /BASE "no-such-branch" is not a commit/],
      [['--range', 'a...b'], /two dots/],
      [['--range', 'HEAD~1..HEAD', 'file.mbox'], /either --range or input files/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(['check', ...args, '--repo', repo.dir], { cwd: repo.dir });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(STACK);
    }
    const plain = mkdtempSync(join(tmpdir(), 'ps-norepo-'));
    const notRepo = await cli(['check', '--range', 'HEAD~1..HEAD', '--repo', plain], { env: { GIT_CEILING_DIRECTORIES: tmpdir() } });
    rmSync(plain, { recursive: true, force: true });
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/is not a git repository/);
    expect(readdirSync(repo.dir).sort()).toEqual(before);
    expect(existsSync(join(repo.dir, 'pwned'))).toBe(false);
  });

  it('git failing mid-way is an input error of the range, after the patches it gave', async () => {
    // A commit whose object is gone: format-patch fails after rev-list succeeded.
    const broken = makeXenRepo('ps-xenrepo-broken-');
    try {
      const blob = broken.git('rev-parse', 'HEAD:xen/include/public/hvm/hvm_op.h').trim();
      rmSync(join(broken.dir, '.git/objects', blob.slice(0, 2), blob.slice(2)));
      const run = await cli(['check', '--format', 'json', '--range', 'staging..HEAD', '--repo', broken.dir]);
      expect(run.code).toBe(1); // the findings of 1/3 and 2/3 (exit codes: findings before input errors)
      expect(report(run).summary.patches).toBe(2);
      expect(report(run).errors.map((e) => e.reason).join('\n')).toMatch(/git format-patch/);
      expect(execFileSync('git', ['-C', broken.dir, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(broken.dir, { recursive: true, force: true });
    }
  });
});
