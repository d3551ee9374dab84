import { beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { useFakeGitHub } from '../../support/github-harness.js';
import { registerGithubCommands } from '../../../bot/cli/github-commands.js';
import { DOMCTL_COMMIT, pullState } from './fixtures.js';

const fake = useFakeGitHub({ ghp_cli: 'write' });
beforeAll(() => {
  fake.setPull('xen-project', 'xen', 12, pullState('c'.repeat(40), 'altp2m via domctl', [DOMCTL_COMMIT]));
});

async function cli(args: string[], env: Record<string, string>): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const program = new Command('patchsentry').exitOverride();
  registerGithubCommands(program, env, { write: (t: string) => (out += t) }, { write: (t: string) => (err += t) });
  const before = process.exitCode;
  await program.parseAsync(['node', 'patchsentry', ...args]);
  const code = process.exitCode === undefined ? undefined : Number(process.exitCode);
  process.exitCode = before;
  return { out, err, code };
}

describe('patchsentry github', () => {
  it('--dry-run prints the review with its inline comment and posts nothing', async () => {
    const { out, code } = await cli(['github', '--repo', 'xen-project/xen', '--pr', '12', '--dry-run'], { GITHUB_TOKEN: 'ghp_cli', GITHUB_API_URL: fake.url });
    expect(code).toBe(1);
    expect(out).toMatch(/^# xen-project\/xen#12 at c{40}: \d+ finding\(s\), check conclusion failure/);
    expect(out).toMatch(/## inline xen\/include\/public\/domctl\.h:\d+(-\d+)? RIGHT/);
    expect(out).toContain('altp2m-domctl');
    expect(fake.log.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fake.reviews('xen-project', 'xen', 12)).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('without --dry-run posts the review', async () => {
    const { code } = await cli(['github', '--repo', 'xen-project/xen', '--pr', '12'], { GITHUB_TOKEN: 'ghp_cli', GITHUB_API_URL: fake.url });
    expect(code).toBe(1);
    expect(fake.reviews('xen-project', 'xen', 12)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it('refuses to post without a token', async () => {
    await expect(cli(['github', '--repo', 'xen-project/xen', '--pr', '12'], { GITHUB_API_URL: fake.url })).rejects.toThrow(/GITHUB_TOKEN/);
  });
});
