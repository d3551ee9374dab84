/**
 * The setup the GitHub integration tests share: one fake GitHub per test file, started before its
 * tests and closed after them, and a pull request review run against it that keeps what the bot
 * wrote and logged.
 */
import { startedInHooks } from './hooks.js';
import { afterAll, beforeAll } from 'vitest';
import { FakeGitHub } from './github-server.js';
import { createGitHubClient } from '../../bot/github/client.js';
import { reviewPullRequest, type ReviewPullOptions } from '../../bot/github/review-pr.js';
import { DEFAULT_CONFIG } from './pack.js';
import type { RulePack } from '../../src/engine/rule.js';

/** The repository the tests' pull requests live in. */
export { startedInHooks };

export const OWNER = 'xen-project';
export const REPO = 'xen';

/**
 * Starts a fake GitHub that accepts `tokens` (token → access) in beforeAll and closes it in
 * afterAll. What it returns stands for the started fake, so that a test file can name it once at
 * the top; it throws if touched outside the file's tests and hooks, before the fake has started.
 */
export function useFakeGitHub(tokens: Readonly<Record<string, 'write' | 'read'>>): FakeGitHub {
  let started: FakeGitHub | undefined;
  beforeAll(async () => {
    started = await FakeGitHub.start();
    for (const [token, access] of Object.entries(tokens)) started.addToken(token, access);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  return startedInHooks(() => started, 'fake GitHub');
}


export type ReviewExtra = Partial<ReviewPullOptions> & { token?: string };

/**
 * Reviews pull request `number` of OWNER/REPO on `fake` with `pack` ('review' mode, failing on
 * errors, the default config; `extra` overrides any of it, `token` the default write token
 * ghp_writer). The fallback output, step summary and log lines (the client's too) are kept.
 */
export function reviewOnFake(fake: FakeGitHub, number: number, pack: RulePack, extra: ReviewExtra = {}) {
  const out: string[] = [];
  const summary: string[] = [];
  const log: string[] = [];
  const { token, ...rest } = extra;
  const result = reviewPullRequest({
    client: createGitHubClient({ auth: token ?? 'ghp_writer', baseUrl: fake.url, waitUnitMs: 5, log: (l) => log.push(l) }),
    ref: { owner: OWNER, repo: REPO, number },
    pack,
    config: DEFAULT_CONFIG,
    mode: 'review',
    failOn: 'error',
    fallback: { write: (t) => out.push(t), summary: (m) => summary.push(m) },
    log: (l) => log.push(l),
    ...rest,
  });
  return { result, out, summary, log };
}
