/**
 * Each installation of the App writes through its own queue. @octokit/plugin-throttling makes
 * writes wait for each other per throttling id; with one id for all, a burst of reviews for
 * one organisation held up every other's. Checked with the real plugin against the fake
 * GitHub: two writes of one installation wait for each other, two of different ones do not.
 */
import { describe, expect, it } from 'vitest';
import Bottleneck from 'bottleneck';
import { useFakeGitHub, OWNER, REPO } from '../../support/github-harness.js';
import { createGitHubClient } from '../../../bot/github/client.js';
import { installationThrottle } from '../../../bot/server/app.js';

const fake = useFakeGitHub({ ghp_one: 'write', ghp_two: 'write' });
// Writes one at a time per queue and this far apart (the plugin's own is 1 s).
const SPACING_MS = 600;

async function twoWritesMs(first: number, second: number): Promise<number> {
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: SPACING_MS });
  const client = (token: string, installation: number) =>
    createGitHubClient({ auth: token, baseUrl: fake.url, waitUnitMs: 5, throttle: installationThrottle(installation, { write }) });
  const started = performance.now();
  await Promise.all([
    client('ghp_one', first).rest.checks.create({ owner: OWNER, repo: REPO, name: 'patchsentry', head_sha: 'a'.repeat(40) }),
    client('ghp_two', second).rest.checks.create({ owner: OWNER, repo: REPO, name: 'patchsentry', head_sha: 'b'.repeat(40) }),
  ]);
  return performance.now() - started;
}

describe('installation clients of the App', () => {
  it('queue writes per installation: one installation waits for itself, not for another', async () => {
    expect(await twoWritesMs(11, 11)).toBeGreaterThanOrEqual(SPACING_MS - 50);
    expect(await twoWritesMs(11, 12)).toBeLessThan(SPACING_MS - 50);
  });
});
