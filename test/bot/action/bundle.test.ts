import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { useFakeGitHub } from '../../support/github-harness.js';
import { useRunnerWorkspaces } from './support.js';
import { runNode } from '../../support/cli.js';
import { CLEAN_COMMIT, DOMCTL_COMMIT, pullState } from '../github/fixtures.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { runs: { using: string; main: string }; inputs: Record<string, { default?: string }>; outputs: Record<string, unknown> };
const fake = useFakeGitHub({ ghs_jobtoken: 'write', ghs_forktoken: 'read' });
const newWorkspace = useRunnerWorkspaces('patchsentry-action-');

/** Runs `node <runs.main>` the way the runner does: env in, GITHUB_OUTPUT file out. */
async function runAction(number: number, env: Record<string, string>): Promise<{ code: number | null; stdout: string; outputs: Record<string, string>; summary: string }> {
  const { dir, env: runner, files } = newWorkspace({ action: 'synchronize', number, pull_request: { number, head: { sha: 'x' } }, repository: { full_name: 'xen-project/xen' } }, fake.url);
  const { code, stdout } = await runNode(join(root, action.runs.main), [], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      ...runner,
      'INPUT_GITHUB-TOKEN': 'ghs_jobtoken',
      'INPUT_FAIL-ON': action.inputs['fail-on']!.default!,
      INPUT_MODE: action.inputs['mode']!.default!,
      INPUT_CONFIG: '',
      ...env,
    },
  });
  const { outputs, summary } = files();
  return { code, stdout, outputs: parseOutputFile(outputs), summary };
}

/** Reads the `name<<DELIM … DELIM` format the runner reads. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    while (lines[++i] !== m[2]) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}

describe('the committed Action bundle, run as GitHub runs it', () => {
  it('declares node24 and its inputs and outputs', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.js' });
    expect(Object.keys(action.inputs).sort()).toEqual(['config', 'fail-on', 'github-token', 'mode']);
    expect(action.inputs['github-token']!.default).toBe('${{ github.token }}');
    expect(Object.keys(action.outputs).sort()).toEqual(['findings', 'sarif']);
    expect(readFileSync(join(root, action.runs.main), 'utf8')).not.toMatch(/better-sqlite3|better_sqlite3\.node/);
  });

  it('posts a review of a domctl violation and writes GITHUB_OUTPUT', async () => {
    fake.setPull('xen-project', 'xen', 7, pullState('7'.repeat(40), 'altp2m views via domctl', [DOMCTL_COMMIT]));
    const { code, stdout, outputs, summary } = await runAction(7, {});
    expect(code, stdout).toBe(1);
    const [review] = fake.reviews('xen-project', 'xen', 7);
    expect(review!.commit_id).toBe('7'.repeat(40));
    expect(review!.comments.some((c) => c.body.includes('altp2m-domctl') && c.side === 'RIGHT')).toBe(true);
    expect(Number(outputs['findings'])).toBeGreaterThan(0);
    const sarif = JSON.parse(readFileSync(outputs['sarif']!, 'utf8')) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toContain('altp2m-domctl');
    expect(summary).toContain('altp2m-domctl');
    expect(stdout).not.toContain('ghs_jobtoken');
    expect(fake.violations).toEqual([]);
  }, 240_000);

  it('a clean PR: exit 0, findings=0, green check, no review', async () => {
    fake.setPull('xen-project', 'xen', 8, pullState('8'.repeat(40), 'typo', [CLEAN_COMMIT]));
    const { code, outputs } = await runAction(8, {});
    expect(code).toBe(0);
    expect(outputs['findings']).toBe('0');
    expect(fake.reviews('xen-project', 'xen', 8)).toEqual([]);
    expect(fake.checkRuns.find((c) => c.head_sha === '8'.repeat(40))?.conclusion).toBe('success');
    expect(fake.violations).toEqual([]);
  }, 240_000);

  it('a fork PR (read-only token) gets workflow-command annotations and the job summary', async () => {
    fake.setPull('xen-project', 'xen', 9, pullState('9'.repeat(40), 'from a fork', [DOMCTL_COMMIT]));
    const { code, stdout, summary } = await runAction(9, { 'INPUT_GITHUB-TOKEN': 'ghs_forktoken' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error file=xen\/include\/public\/domctl\.h,line=\d+,title=altp2m-domctl \(error\)::/m);
    expect(stdout.split('\n').filter((l) => l.includes('403'))).toHaveLength(1);
    expect(summary).toContain('altp2m-domctl');
    expect(fake.reviews('xen-project', 'xen', 9)).toEqual([]);
    expect(fake.violations).toEqual([]);
  }, 240_000);
});
