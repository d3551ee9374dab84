// The shipped GitLab job (ci/gitlab/patchsentry.yml) run as a runner runs it: its `script:`
// lines, in order, in one bash with `set -eo pipefail`, with the job's variables and GitLab's
// CI_* variables set, in a clone made as the runner makes it (only the pipeline's ref
// fetched, the commit checked out detached), with the built CLI first on PATH. The
// artifact must exist and validate against GitLab's documented Code Quality format.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';
import { makeXenRepo, type XenRepo } from '../support/xen-repo.js';
import { codeQualityValidator, parseCodeQuality } from '../support/codequality-schema.js';

interface Job {
  stage: string;
  image: string;
  allow_failure: boolean;
  variables: Record<string, string>;
  script: string[];
  artifacts: { when: string; paths: string[]; reports: { codequality: string } };
}

const NULL = '0000000000000000000000000000000000000000';
const job = (parse(readFileSync(join(ROOT, 'ci/gitlab/patchsentry.yml'), 'utf8')) as { patchsentry: Job }).patchsentry;
let origin: XenRepo;
let tmp: string;
let bin: string;
let clone = 0;

beforeAll(() => {
  origin = makeXenRepo('ps-gitlab-origin-');
  tmp = mkdtempSync(join(tmpdir(), 'ps-gitlab-job-'));
  // The built CLI as an installed `patchsentry` command: first on PATH, so the job's install
  // step finds it and installs nothing.
  bin = join(tmp, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'patchsentry'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(bin, 'patchsentry'), 0o755);
});
afterAll(() => {
  rmSync(origin.dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

/** A checkout as GitLab's runner makes one: init, the pipeline's branch fetched, detached at the commit. */
function runnerCheckout(branch: string, sha: string): string {
  const dir = join(tmp, `build-${clone++}`);
  mkdirSync(dir);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' } });
  git('init', '-q');
  git('remote', 'add', 'origin', origin.dir);
  git('fetch', '-q', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
  git('checkout', '-q', '-f', '--detach', sha);
  return dir;
}

/** The job's script as the runner's bash shell runs it; returns the exit status and the log. */
function runJob(dir: string, ci: Record<string, string>): { status: number | null; log: string } {
  const script = join(dir, '..', `script-${clone}.sh`);
  writeFileSync(script, ['set -eo pipefail', ...job.script].join('\n') + '\n');
  const run = spawnSync('bash', [script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      HOME: tmp,
      GIT_CONFIG_NOSYSTEM: '1',
      CI: 'true',
      GITLAB_CI: 'true',
      CI_PROJECT_DIR: dir,
      CI_PIPELINE_SOURCE: 'push',
      CI_DEFAULT_BRANCH: 'staging',
      ...job.variables,
      ...ci,
    },
  });
  return { status: run.status, log: `${run.stdout}${run.stderr}` };
}

function artifact(dir: string): { check_name: string; severity: string; location: { path: string } }[] {
  const path = join(dir, job.artifacts.reports.codequality);
  expect(existsSync(path)).toBe(true);
  const data = parseCodeQuality(readFileSync(path));
  const validator = codeQualityValidator();
  expect(validator.validate(data), validator.errors()).toBe(true);
  return data as { check_name: string; severity: string; location: { path: string } }[];
}

describe('ci/gitlab/patchsentry.yml', () => {
  it('is an analyze-stage job that may fail, publishing gl-code-quality-report.json as a codequality report', () => {
    expect(job.stage).toBe('analyze');
    expect(job.allow_failure).toBe(true);
    expect(job.artifacts.reports.codequality).toBe('gl-code-quality-report.json');
    expect(job.artifacts.when).toBe('always');
    expect(job.script.join('\n')).toContain('BASE=${BASE_SHA:-${CI_COMMIT_BEFORE_SHA}} TIP=${TIP_SHA:-${CI_COMMIT_SHA}}');
  });

  it('a push of the series: the findings in the artifact, the text report in a collapsed section, the job failed (allowed)', () => {
    const dir = runnerCheckout('altp2m-views', origin.tip);
    const { status, log } = runJob(dir, { CI_COMMIT_SHA: origin.tip, CI_COMMIT_BEFORE_SHA: origin.base, CI_COMMIT_REF_NAME: 'altp2m-views' });
    expect(status, log).toBe(1);
    const issues = artifact(dir);
    expect(issues.map((i) => `${i.check_name} ${i.severity} ${i.location.path}`).sort()).toEqual([
      'altp2m-domctl major xen/include/public/domctl.h',
      'altp2m-new-subop info xen/include/public/hvm/hvm_op.h',
      'altp2m-subop-incomplete minor xen/include/public/hvm/hvm_op.h',
    ]);
    // GitLab's collapsible section markers around the text report.
    const start = log.indexOf('\u001b[0Ksection_start:');
    const end = log.indexOf('\u001b[0Ksection_end:');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    // eslint-disable-next-line no-control-regex -- GitLab's section markers are ESC sequences
    expect(log.slice(start, end)).toMatch(/^\u001b\[0Ksection_start:\d+:patchsentry_report\[collapsed=true\]\r\u001b\[0Kpatchsentry report for [0-9a-f]{40}\.\.[0-9a-f]{40}\n/);
    const section = log.slice(start, end);
    expect(section).toContain('ERROR: altp2m-domctl:');
    expect(section).toContain('FILE: xen/include/public/domctl.h:14');
    expect(section).toMatch(/total: \d+ errors?/);
    // eslint-disable-next-line no-control-regex -- as above
    expect(log.slice(end)).toMatch(/^\u001b\[0Ksection_end:\d+:patchsentry_report\r\u001b\[0K\n/);
    expect(log).not.toMatch(/npm/); // patchsentry was on PATH: nothing installed
  });

  it('the first push of a branch (all-zero before-sha): the job fetches the default branch and reviews from the merge-base', () => {
    const dir = runnerCheckout('altp2m-views', origin.tip);
    const { status, log } = runJob(dir, { CI_COMMIT_SHA: origin.tip, CI_COMMIT_BEFORE_SHA: NULL });
    expect(status, log).toBe(1);
    expect(log).toContain(`range: base ${origin.base.slice(0, 12)} (the before-commit is all zeros (a new branch or tag); the merge-base with origin/staging)`);
    expect(artifact(dir).map((i) => i.check_name)).toContain('altp2m-domctl');
  });

  it('a clean push: [] and the job passes; BASE_SHA/TIP_SHA choose the range', () => {
    const dir = runnerCheckout('altp2m-views', origin.tip);
    const first = origin.git('rev-parse', `${origin.tip}~2`).trim();
    const { status, log } = runJob(dir, { CI_COMMIT_SHA: origin.tip, CI_COMMIT_BEFORE_SHA: origin.base, BASE_SHA: origin.base, TIP_SHA: first });
    expect(status, log).toBe(0);
    expect(readFileSync(join(dir, 'gl-code-quality-report.json'), 'utf8')).toBe('[]\n');
    expect(artifact(dir)).toEqual([]);
    expect(log).toMatch(/total: 0 errors, 0 warnings, 0 notes; 1 patch(?:es)? in 1 series/);
  });
});
