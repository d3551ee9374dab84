import { parseDiff } from '../../src/diff/parse.js';
import type { DiffModel } from '../../src/diff/model.js';
import { httpStatus, type GitHubClient } from './client.js';
import { GitHubError, type PullRef } from './errors.js';
import { diffFromFiles, messageFromDiff, type PullFile } from './files.js';

/** What the review needs of a pull request. */
export interface PullRequestInput {
  readonly ref: PullRef;
  readonly headSha: string;
  readonly title: string;
  readonly draft: boolean;
  /** The commits as `git format-patch` output (an mbox), or one synthetic patch of the whole diff. */
  readonly mbox: string;
  /** The whole PR diff (base…head): what GitHub accepts review comments on. */
  readonly diff: DiffModel;
  /** `patch`: one message per commit; `files`: rebuilt from the paged files list. */
  readonly source: 'patch' | 'files';
  readonly fileCount: number;
}

const PATCH_MEDIA = 'application/vnd.github.patch';
const DIFF_MEDIA = 'application/vnd.github.diff';

/**
 * Fetches a PR as a series: its commits through the patch media type, the whole diff through
 * the diff media type; past GitHub's limits (406) both come from the paged files list.
 */
export async function fetchPullRequest(client: GitHubClient, ref: PullRef): Promise<PullRequestInput> {
  const params = { owner: ref.owner, repo: ref.repo, pull_number: ref.number };
  const pr = await call('fetching the pull request', () => client.rest.pulls.get(params));
  const headSha = pr.data.head.sha;
  const base = { ref, headSha, title: pr.data.title, draft: pr.data.draft === true, fileCount: pr.data.changed_files };

  const patch = await asText('fetching the commits as patches', client, PATCH_MEDIA, params);
  if (patch !== null) {
    const diffText = await asText('fetching the diff', client, DIFF_MEDIA, params);
    const diff = parseDiff(diffText ?? diffFromFiles(await listFiles(client, ref)));
    return { ...base, mbox: patch, diff, source: 'patch' };
  }
  const files = await listFiles(client, ref);
  const diffText = diffFromFiles(files);
  const user = pr.data.user?.login ?? 'unknown';
  const mbox = messageFromDiff({
    sha: headSha,
    author: `${user} <${user}@users.noreply.github.com>`,
    title: pr.data.title,
    body: pr.data.body ?? '',
    diff: diffText,
  });
  return { ...base, mbox, diff: parseDiff(diffText), source: 'files', fileCount: files.length };
}

/** The PR in a custom media type; null when GitHub says 406 (too large for it). */
async function asText(action: string, client: GitHubClient, accept: string, params: { owner: string; repo: string; pull_number: number }): Promise<string | null> {
  try {
    const response = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...params, headers: { accept } });
    // With a diff or patch media type GitHub answers text; octokit's type is the JSON answer's.
    const text: unknown = response.data;
    return String(text);
  } catch (error) {
    if (httpStatus(error) === 406) return null;
    throw wrap(action, error);
  }
}

/** Every page of the PR's files (GitHub lists at most 3,000). */
export async function listFiles(client: GitHubClient, ref: PullRef): Promise<PullFile[]> {
  return call('listing the pull request files', () =>
    client.paginate(client.rest.pulls.listFiles, { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 }),
  );
}

async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw wrap(action, error);
  }
}

export function wrap(action: string, error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  return new GitHubError(error instanceof Error ? error.message : String(error), httpStatus(error), action);
}
