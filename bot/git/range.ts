import type { RawMessage } from '../../src/ingest/mbox.js';
import { readStream } from '../io/input.js';
import { git, gitMaybe, gitStream, GitError, revision } from './git.js';

/**
 * `check --range BASE..TIP`: the commits of a range of a local repository, read as the series
 * they are, through `git format-patch --stdout` — the very bytes a contributor would post, so
 * `check --range A..B` and `git format-patch --stdout A..B | patchsentry check -` agree
 * (merge commits are left out by format-patch, as when posting).
 *
 * Where BASE comes from (docs/gitlab.md says the same), first that applies:
 *  1. the BASE the user gave (`--range BASE..TIP`), or in a GitLab job `BASE_SHA`, else
 *     `CI_COMMIT_BEFORE_SHA` — the pair Xen's build-each-commit job uses;
 *  2. when that is missing or all zeros (the first push of a branch or a tag: GitLab has no
 *     "before"), `CI_MERGE_REQUEST_DIFF_BASE_SHA` (a merge-request pipeline's diff base);
 *  3. a `base-commit: <sha>` line (what `git format-patch --base` and b4 write) in the
 *     message of TIP or of one of its 50 nearest first-parent ancestors, when that commit is
 *     an ancestor of TIP;
 *  4. the merge-base of TIP with the default branch (`CI_DEFAULT_BRANCH`, as
 *     refs/remotes/origin/<name> or refs/heads/<name>, else origin/HEAD).
 * Otherwise it is a usage error that says to give BASE.
 */

export const NULL_SHA = '0000000000000000000000000000000000000000';

export interface ResolvedRange {
  readonly base: string;
  readonly tip: string;
  /** `BASE..TIP` as the user gave it (or as the CI variables did), for the report's source. */
  readonly label: string;
  /** How BASE was found when the user did not give it; null when given. */
  readonly how: string | null;
  readonly commits: number;
}

/** The variables read, as the CLI entry passes them (never process.env read here). */
export type RangeEnv = Readonly<Record<string, string | undefined>>;

/**
 * Resolves `spec` (`BASE..TIP`, `..TIP`, `TIP`, `BASE..`, or undefined: from the CI
 * variables) in `repo` to two commit ids. Throws a GitError that says what is wrong.
 */
export async function resolveRange(spec: string | undefined, repo: string, env: RangeEnv = {}): Promise<ResolvedRange> {
  const opts = { cwd: repo };
  if ((await gitMaybe(['rev-parse', '--git-dir'], opts)) === null) throw new GitError(`--repo: ${repo} is not a git repository`);
  let baseText: string | undefined;
  let tipText: string | undefined;
  if (spec === undefined) {
    baseText = env['BASE_SHA'] || env['CI_COMMIT_BEFORE_SHA'] || undefined;
    tipText = env['TIP_SHA'] || env['CI_COMMIT_SHA'] || 'HEAD';
  } else {
    if (spec.includes('...')) throw new GitError(`--range: "${spec}": give BASE..TIP (two dots), not a symmetric difference`);
    const dots = spec.indexOf('..');
    if (dots < 0) tipText = spec;
    else {
      baseText = spec.slice(0, dots) || undefined;
      tipText = spec.slice(dots + 2) || 'HEAD';
    }
  }
  const tip = await commitId(revision(tipText ?? 'HEAD', '--range TIP'), repo, 'TIP');
  const label = spec ?? `${baseText ?? ''}..${tipText ?? 'HEAD'}`;
  let base: string;
  let how: string | null = null;
  if (baseText !== undefined && baseText !== NULL_SHA) base = await commitId(revision(baseText, '--range BASE'), repo, 'BASE');
  else {
    const found = await findBase(tip, repo, env, baseText === NULL_SHA);
    base = found.base;
    how = found.how;
  }
  const count = Number((await git(['rev-list', '--count', '--no-merges', '--end-of-options', `${base}..${tip}`], opts)).trim());
  return { base, tip, label, how, commits: Number.isFinite(count) ? count : 0 };
}

async function commitId(rev: string, repo: string, what: string): Promise<string> {
  const id = await gitMaybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd: repo });
  if (id === null) throw new GitError(`--range: ${what} "${rev}" is not a commit in ${repo}${what === 'BASE' ? ' (a shallow clone? fetch more history, e.g. GIT_DEPTH: 0 in GitLab)' : ''}`);
  return id.trim();
}

async function findBase(tip: string, repo: string, env: RangeEnv, newBranch: boolean): Promise<{ base: string; how: string }> {
  const opts = { cwd: repo };
  const why = newBranch ? 'the before-commit is all zeros (a new branch or tag)' : 'no BASE was given';
  const mrBase = env['CI_MERGE_REQUEST_DIFF_BASE_SHA'];
  if (mrBase && /^[0-9a-f]{40,64}$/.test(mrBase)) return { base: await commitId(mrBase, repo, 'BASE'), how: `${why}; CI_MERGE_REQUEST_DIFF_BASE_SHA` };

  const log = await git(['log', '--first-parent', '-n', '50', '--format=%B%x00', '--end-of-options', tip], opts);
  for (const message of log.split('\0')) {
    const m = /^base-commit: ([0-9a-f]{40,64})\s*$/m.exec(message);
    if (!m) continue;
    const id = await gitMaybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${m[1]}^{commit}`], opts);
    if (id !== null && (await gitMaybe(['merge-base', '--is-ancestor', id.trim(), tip], opts)) !== null) return { base: id.trim(), how: `${why}; the base-commit: line of the series` };
  }

  const branch = env['CI_DEFAULT_BRANCH'];
  const refs = branch && !branch.startsWith('-') ? [`refs/remotes/origin/${branch}`, `refs/heads/${branch}`] : [];
  refs.push('refs/remotes/origin/HEAD');
  for (const ref of refs) {
    const id = await gitMaybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], opts);
    if (id === null) continue;
    const mergeBase = await gitMaybe(['merge-base', id.trim(), tip], opts);
    if (mergeBase !== null) return { base: mergeBase.trim(), how: `${why}; the merge-base with ${ref.replace(/^refs\/(?:remotes\/|heads\/)/, '')}` };
  }
  throw new GitError(`--range: cannot tell where the series starts (${why}, no base-commit: line, no default branch to compare with): give --range BASE..TIP`);
}

/** The range's commits as raw messages, oldest first, streamed from `git format-patch --stdout`. */
export async function* readRange(range: ResolvedRange, repo: string): AsyncGenerator<RawMessage> {
  const run = gitStream(['format-patch', '--stdout', '--end-of-options', `${range.base}..${range.tip}`], { cwd: repo });
  try {
    yield* readStream(run.stdout);
    await run.done;
  } finally {
    run.kill();
  }
}

/**
 * What `check --range` hands to the check: one input named after the range (none when the
 * range holds no commit: an empty report, exit 0) and the reader for it.
 */
export async function rangeInput(
  spec: string | undefined,
  repo: string,
  env: RangeEnv,
  log: (line: string) => void,
): Promise<{ inputs: string[]; read: (input: string) => AsyncIterable<RawMessage> }> {
  const range = await resolveRange(spec, repo, env);
  if (range.how !== null) log(`range: base ${range.base.slice(0, 12)} (${range.how})`);
  if (range.commits === 0) log(`range: ${range.label} holds no commit to review`);
  return { inputs: range.commits === 0 ? [] : [range.label], read: () => readRange(range, repo) };
}
