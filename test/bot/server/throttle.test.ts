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
// Writes one at a time per queue and this far apart (the plugin's own is 1 s). Two writes of
// one queue take at least the spacing, however idle the machine; two of separate queues take
// a round trip each, which stays far below a long spacing however busy it is.
const SPACING_MS = 600;
const LONG_SPACING_MS = 60_000;

async function twoWritesMs(first: number, second: number, spacing: number): Promise<number> {
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: spacing });
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
    expect(await twoWritesMs(11, 11, SPACING_MS)).toBeGreaterThanOrEqual(SPACING_MS - 50);
    expect(await twoWritesMs(11, 12, LONG_SPACING_MS)).toBeLessThan(LONG_SPACING_MS / 2);
  });
});
