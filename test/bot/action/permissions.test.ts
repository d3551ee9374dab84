/**
 * The Action in a workflow with `permissions: read-all`: the job's token reads everything (the
 * PR, its patch, diff, files, reviews and comments) but every write (POST a review, POST or
 * PATCH a check run) answers 403 "Resource not accessible by integration", as GitHub does. The
 * Action must fall back to workflow-command annotations and the job summary, say so in its
 * log, and exit by its findings, never by the 403.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useFakeGitHub } from '../../support/github-harness.js';
import { useRunnerWorkspaces, type RunnerWorkspace } from './support.js';
import { runNode } from '../../support/cli.js';
import { readActionEnv } from '../../../bot/action/env.js';
import { runAction } from '../../../bot/action/run.js';
import { CLEAN_COMMIT, DOMCTL_COMMIT, pullState } from '../github/fixtures.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'ghs_readalltoken';
// A read token: GETs answer, every write gets 403 "Resource not accessible by integration".
const fake = useFakeGitHub({ [TOKEN]: 'read' });
const newWorkspace = useRunnerWorkspaces('patchsentry-readall-');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: string;
  readonly summary: string;
}

/** The runner's files and environment for a `pull_request` event from the repository itself. */
function workspace(number: number, inputs: Record<string, string>, head = 'xen-project/xen'): RunnerWorkspace {
  const event = {
    action: 'synchronize',
    number,
    pull_request: { number, head: { sha: 'x', repo: { full_name: head } }, base: { repo: { full_name: 'xen-project/xen' } } },
    repository: { full_name: 'xen-project/xen' },
  };
  const { dir, env, files } = newWorkspace(event, fake.url);
  return { dir, env: { ...env, 'INPUT_GITHUB-TOKEN': TOKEN, 'INPUT_FAIL-ON': 'error', INPUT_MODE: 'review', ...inputs }, files };
}

/** The Action's code in this process (the entry reads the same env the same way). */
async function inProcess(number: number, inputs: Record<string, string> = {}, head?: string): Promise<Run> {
  const { dir, env, files } = workspace(number, inputs, head);
  let stdout = '';
  const code = await runAction(readActionEnv(env, dir), { write: (text) => void (stdout += text) });
  return { code, stdout, ...files() };
}

/** The committed bundle, as the runner starts it. */
async function bundled(number: number, inputs: Record<string, string> = {}): Promise<Run> {
  const { dir, env, files } = workspace(number, inputs);
  const { code, stdout } = await runNode(join(root, 'action/dist/index.js'), [], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', ...env } });
  return { code, stdout, ...files() };
}

/** What the fake answered for one PR's routes and the check runs since `from`. */
function requests(from: number, number: number): { method: string; path: string; status: number }[] {
  return fake.log.slice(from).filter((r) => r.path.includes(`/pulls/${number}`) || r.path.includes('/check-runs'));
}

const FALLBACK = /^patchsentry: GitHub refused to write to xen-project\/xen#\d+ \(403: Resource not accessible by integration; .*\); reporting as workflow annotations and the job summary instead$/m;
const READ_ALL_WARNING = /^::warning title=patchsentry::GitHub refused to write the review and check run: the job's token is read-only: the workflow's `permissions:` is `read-all` or grants no write access \(the Action needs `pull-requests: write` and `checks: write`\)\. The findings are reported as annotations and in the job summary instead\.$/m;

describe('the Action with `permissions: read-all`', () => {
  it('a PR with a violation: reads everything, every write gets 403, falls back to annotations and the job summary, says so, exits 1 by its findings', async () => {
    fake.setPull('xen-project', 'xen', 61, pullState('61'.repeat(20), 'altp2m via domctl', [DOMCTL_COMMIT]));
    const from = fake.log.length;
    const run = await inProcess(61);
    expect(run.code, run.stdout).toBe(1);
    // Reading worked: the PR, its patch and diff, and the existing reviews and comments.
    const seen = requests(from, 61);
    expect(seen.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(4);
    expect(seen.filter((r) => r.method === 'GET').every((r) => r.status === 200)).toBe(true);
    // Writing did not: the first write (the check run) got 403 and nothing was written after.
    expect(seen.filter((r) => r.method !== 'GET')).toEqual([{ method: 'POST', path: '/repos/xen-project/xen/check-runs', status: 403, accept: expect.any(String) as string }]);
    expect(fake.reviews('xen-project', 'xen', 61)).toEqual([]);
    expect(fake.checkRuns.filter((c) => c.head_sha === '61'.repeat(20))).toEqual([]);
    // The fallback, and the log saying so (once), with what to change in the workflow.
    expect(run.stdout).toMatch(/^::error file=xen\/include\/public\/domctl\.h,line=\d+,title=altp2m-domctl \(error\)::/m);
    expect(run.stdout).toMatch(FALLBACK);
    expect(run.stdout).toMatch(READ_ALL_WARNING);
    expect(run.stdout.match(/refused to write/g)).toHaveLength(2);
    expect(run.summary).toContain('altp2m-domctl');
    expect(run.outputs).toMatch(/^findings<<(ghadelimiter_[0-9a-f-]+)\n[1-9]\d*\n\1\n/);
    expect(run.stdout).not.toContain(TOKEN);
    expect(run.stdout).not.toContain('::error::patchsentry');
    expect(fake.violations).toEqual([]);
  }, 240_000);

  it('a clean PR: the same fallback, exit 0 (the 403 is not a failure)', async () => {
    fake.setPull('xen-project', 'xen', 62, pullState('62'.repeat(20), 'typo', [CLEAN_COMMIT]));
    const run = await inProcess(62);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(FALLBACK);
    expect(run.stdout).toMatch(READ_ALL_WARNING);
    expect(run.stdout).not.toMatch(/^::error/m);
    expect(run.outputs).toMatch(/^findings<<(ghadelimiter_[0-9a-f-]+)\n0\n\1\n/);
    expect(run.summary).toContain('patchsentry');
    expect(fake.checkRuns.filter((c) => c.head_sha === '62'.repeat(20))).toEqual([]);
  }, 240_000);

  it('exits by --fail-on, not by the 403: fail-on never gives 0, and mode check falls back the same way', async () => {
    fake.setPull('xen-project', 'xen', 63, pullState('63'.repeat(20), 'altp2m via domctl', [DOMCTL_COMMIT]));
    const never = await inProcess(63, { 'INPUT_FAIL-ON': 'never' });
    expect(never.code, never.stdout).toBe(0);
    expect(never.stdout).toMatch(/^::error file=xen\/include\/public\/domctl\.h/m);
    expect(never.stdout).toMatch(READ_ALL_WARNING);
    const check = await inProcess(63, { INPUT_MODE: 'check' });
    expect(check.code, check.stdout).toBe(1);
    expect(check.stdout).toMatch(FALLBACK);
    expect(check.stdout).toMatch(READ_ALL_WARNING);
    expect(fake.reviews('xen-project', 'xen', 63)).toEqual([]);
    // mode annotations never tries to write, so it has nothing to explain.
    const from = fake.log.length;
    const annotations = await inProcess(63, { INPUT_MODE: 'annotations' });
    expect(annotations.code).toBe(1);
    expect(annotations.stdout).not.toMatch(/refused to write/);
    expect(requests(from, 63).filter((r) => r.method !== 'GET')).toEqual([]);
  }, 240_000);

  it('a PR from a fork is told apart from read-all by the event (head repository differs)', async () => {
    fake.setPull('xen-project', 'xen', 64, pullState('64'.repeat(20), 'from a fork', [DOMCTL_COMMIT]));
    const run = await inProcess(64, {}, 'contributor/xen');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::warning title=patchsentry::GitHub refused to write the review and check run: this pull request comes from a fork \(contributor\/xen\), and a fork's token is read-only\./m);
    expect(run.stdout).not.toMatch(/read-all/);
  }, 240_000);

  it('the committed bundle does the same', async () => {
    fake.setPull('xen-project', 'xen', 65, pullState('65'.repeat(20), 'altp2m via domctl', [DOMCTL_COMMIT]));
    const run = await bundled(65);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(FALLBACK);
    expect(run.stdout).toMatch(READ_ALL_WARNING);
    expect(run.summary).toContain('altp2m-domctl');
    expect(fake.reviews('xen-project', 'xen', 65)).toEqual([]);
    expect(run.stdout).not.toContain(TOKEN);
  }, 240_000);
});
