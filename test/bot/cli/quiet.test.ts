// `check --quiet`, the checkpatch-style mode for contributors: one patch on stdin, nothing
// printed and exit 0 when clean, one line per finding otherwise. Run here the way b4 runs a
// `prep-perpatch-check-cmd` (b4's LoreMessage.run_local_check): the command split on white
// space and run without a shell in the repository's top directory, one patch mail on stdin;
// each stdout line is a result, "fail" when it holds "ERROR:", "warning" otherwise; each
// stderr line is a "fail"; no output at all is "success" when the exit status is 0.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Run } from '../../security/support.js';
import { makeXenRepo, type XenRepo } from '../../support/xen-repo.js';
import { fixture } from '../../ingest/read.js';

let repo: XenRepo;
beforeAll(() => {
  repo = makeXenRepo('ps-quiet-');
});
afterAll(() => rmSync(repo.dir, { recursive: true, force: true }));

/** b4's reading of a check command's result. */
function b4Verdict(run: Run): { worst: 'success' | 'warning' | 'fail'; report: [string, string][] } {
  const report: [string, string][] = [];
  for (const line of run.stdout.trim() ? run.stdout.trim().split('\n') : []) report.push([line.includes('ERROR:') ? 'fail' : 'warning', line]);
  for (const line of run.stderr.trim() ? run.stderr.trim().split('\n') : []) report.push(['fail', line]);
  if (report.length === 0) report.push([run.code ? 'fail' : 'success', run.code ? `Exited with error code ${run.code}` : 'passed all checks']);
  const worst = report.some(([f]) => f === 'fail') ? 'fail' : report.some(([f]) => f === 'warning') ? 'warning' : 'success';
  return { worst, report };
}

describe('check --quiet', () => {
  it('prints nothing and exits 0 on a clean patch', async () => {
    const run = await cli(['check', '--quiet'], { stdin: fixture('mail/clean.patch') });
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const unwatched = await cli(['check', '-q', '-'], { stdin: fixture('mail/unwatched.patch') });
    expect(unwatched).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('prints one checkpatch-style line per finding, exit 1 on an error', async () => {
    const run = await cli(['check', '--quiet'], { stdin: fixture('mail/domctl-violation.patch') });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^xen\/include\/public\/domctl\.h:\d+: (?:ERROR|WARNING|NOTE): altp2m-[a-z-]+: \S/);
    expect(lines[0]).toMatch(/^xen\/include\/public\/domctl\.h:\d+: ERROR: altp2m-domctl: New DOMCTL/);
  });

  it('gives b4 prep --check a pass, a failure and a warning for the three patches of a branch', async () => {
    // b4 prep --check hands each commit of the branch to the command as a patch mail.
    const verdicts: string[] = [];
    for (const n of [3, 2, 1]) {
      const mail = repo.git('format-patch', '--stdout', '-1', `${repo.tip}~${n - 1}`);
      const run = await cli('check --quiet'.split(/\s+/), { stdin: mail, cwd: repo.dir });
      verdicts.push(b4Verdict(run).worst);
    }
    expect(verdicts).toEqual(['success', 'fail', 'warning']);
  });

  it('puts input errors on stderr (a failure for b4), and refuses --format beside it', async () => {
    const bad = await cli(['check', '--quiet'], { stdin: 'neither mail nor diff\n' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^patchsentry: <stdin>, message 1: neither a mail message nor a diff/);
    expect(b4Verdict(bad).worst).toBe('fail');
    const both = await cli(['check', '--quiet', '--format', 'json'], { stdin: fixture('mail/clean.patch') });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--quiet prints its own one-line format');
  });
});
