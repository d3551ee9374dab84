import type { Finding, Severity } from '../../src/engine/finding.js';
import type { PackWording } from '../../src/engine/rule.js';
import {
  ANNOTATIONS_PER_REQUEST,
  batches,
  buildAnnotations,
  buildReview,
  checkOutput,
  conclusionFor,
  readMarkers,
  resolvedMarker,
  summaryMarkdown,
  workflowCommands,
  type Conclusion,
  type DiffIndex,
  type ReviewPayload,
} from '../../src/report/github.js';
import { httpStatus, type GitHubClient } from './client.js';
import { type PullRef } from './errors.js';
import { wrap } from './pull-request.js';

export type Mode = 'review' | 'check' | 'annotations';

/** Where findings go when the token may not write: workflow commands and the job summary. */
export interface FallbackSink {
  /** stdout of the job: the runner reads `::error …::` lines from it. */
  write(text: string): void;
  /** Appends markdown to `$GITHUB_STEP_SUMMARY`, when there is one. */
  summary?(markdown: string): void;
}

export interface PublishOptions {
  readonly client: GitHubClient;
  readonly ref: PullRef;
  readonly headSha: string;
  readonly findings: readonly Finding[];
  readonly index: DiffIndex;
  readonly mode: Mode;
  readonly failOn: Severity | 'never';
  readonly dryRun?: boolean;
  readonly note?: string;
  readonly fallback: FallbackSink;
  readonly log: (line: string) => void;
  readonly checkName?: string;
  /** The pack's wording of a clean check run and job summary. */
  readonly wording: PackWording;
}

export interface PublishResult {
  /** The review posted (or, on a dry run, that would be posted); null when none is due. */
  readonly review: ReviewPayload | null;
  readonly posted: boolean;
  /** Findings not posted again because their marker is already on the PR. */
  readonly duplicates: number;
  /** Fingerprints answered "resolved in <sha>". */
  readonly resolved: readonly string[];
  readonly conclusion: Conclusion;
  readonly checkRunId: number | null;
  /** True when the findings went to workflow commands instead of the API. */
  readonly fellBack: boolean;
}

interface PostedComment {
  readonly id: number;
  readonly fingerprints: readonly string[];
}

/**
 * The transport's flush: dedupe against the PR's markers, one review per head, replies for
 * findings that went away, a check run with annotations in batches of 50, and on 403 the
 * workflow-command fallback. Everything about GitHub's write side happens here.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { client, ref, headSha, findings, index } = options;
  const conclusion = conclusionFor(findings, options.failOn);
  const base = { review: null, posted: false, duplicates: 0, resolved: [], conclusion, checkRunId: null };
  if (options.mode === 'annotations') {
    fallBack(options);
    return { ...base, fellBack: true };
  }
  const params = { owner: ref.owner, repo: ref.repo, pull_number: ref.number };

  const existing = await readExisting(client, params);
  const current = new Set(findings.map((f) => f.fingerprint));
  const fresh = findings.filter((f) => !existing.fingerprints.has(f.fingerprint));
  const due = options.mode === 'review' && !existing.heads.has(headSha);
  const review = due ? buildReview({ findings: fresh, index, headSha, ...(options.note ? { note: options.note } : {}) }) : null;
  const gone = existing.comments.filter((c) => c.fingerprints.some((fp) => !current.has(fp) && !existing.resolved.has(fp)));
  const result = { ...base, review, duplicates: findings.length - fresh.length };

  if (options.dryRun) return { ...result, resolved: gone.flatMap((c) => c.fingerprints), fellBack: false };

  let checkRunId: number | null = null;
  const resolved: string[] = [];
  let posted = false;
  try {
    const created = await client.rest.checks.create({ owner: ref.owner, repo: ref.repo, name: options.checkName ?? 'patchsentry', head_sha: headSha, status: 'in_progress' });
    checkRunId = created.data.id;
    if (review) {
      await postReview(client, params, review);
      posted = true;
      options.log(`posted a review on ${headSha.slice(0, 12)}: ${review.comments.length} inline comment(s), ${fresh.length - review.comments.length} in the body`);
    }
    for (const comment of gone) {
      for (const fp of comment.fingerprints.filter((f) => !current.has(f) && !existing.resolved.has(f))) {
        await client.rest.pulls.createReplyForReviewComment({ ...params, comment_id: comment.id, body: `resolved in ${headSha}\n${resolvedMarker(fp)}` });
        resolved.push(fp);
      }
    }
    await completeCheck(client, ref, checkRunId, findings, index, headSha, conclusion, options.wording);
  } catch (error) {
    // A 403 is also how GitHub reports an exhausted (secondary) rate limit: that is not a
    // permission problem, and the throttling plugin has already waited and retried.
    if (httpStatus(error) !== 403 || /rate limit/i.test(error instanceof Error ? error.message : '')) throw wrap('posting to the pull request', error);
    options.log(
      `patchsentry: GitHub refused to write to ${ref.owner}/${ref.repo}#${ref.number} (403: ${error instanceof Error ? error.message : 'forbidden'}; a read-only token, e.g. a pull request from a fork); reporting as workflow annotations and the job summary instead`,
    );
    if (checkRunId !== null) {
      // The check run was created, so checks may be written: complete it rather than leave it
      // "in progress" on the PR for ever (a token that may write checks but not reviews).
      try {
        await completeCheck(client, ref, checkRunId, findings, index, headSha, conclusion, options.wording);
      } catch (completing) {
        options.log(`patchsentry: could not complete check run ${checkRunId} either: ${completing instanceof Error ? completing.message : String(completing)}`);
      }
    }
    fallBack(options);
    return { ...result, posted, resolved, checkRunId, fellBack: true };
  }
  return { ...result, posted, resolved, checkRunId, fellBack: false };
}

async function readExisting(client: GitHubClient, params: { owner: string; repo: string; pull_number: number }) {
  try {
    const [comments, reviews] = await Promise.all([
      client.paginate(client.rest.pulls.listReviewComments, { ...params, per_page: 100 }),
      client.paginate(client.rest.pulls.listReviews, { ...params, per_page: 100 }),
    ]);
    const fingerprints = new Set<string>();
    const resolved = new Set<string>();
    const heads = new Set<string>();
    const posted: PostedComment[] = [];
    for (const comment of comments) {
      const markers = readMarkers(comment.body);
      markers.resolved.forEach((fp) => resolved.add(fp));
      markers.fingerprints.forEach((fp) => fingerprints.add(fp));
      if (comment.in_reply_to_id == null && markers.fingerprints.length > 0) posted.push({ id: comment.id, fingerprints: markers.fingerprints });
    }
    for (const review of reviews) {
      const markers = readMarkers(review.body);
      markers.fingerprints.forEach((fp) => fingerprints.add(fp));
      markers.heads.forEach((sha) => heads.add(sha));
    }
    return { fingerprints, resolved, heads, comments: posted };
  } catch (error) {
    throw wrap('reading the existing review comments', error);
  }
}

async function postReview(client: GitHubClient, params: { owner: string; repo: string; pull_number: number }, review: ReviewPayload): Promise<void> {
  try {
    await client.rest.pulls.createReview({ ...params, commit_id: review.commit_id, event: review.event, body: review.body, comments: [...review.comments] });
  } catch (error) {
    // 422: a line GitHub does not consider part of the diff after all. The findings are not
    // lost: the review goes again with everything in its body.
    if (httpStatus(error) !== 422 || review.comments.length === 0) throw error;
    const moved = review.comments.map((c) => `- \`${c.path}:${c.line}\`: ${c.body}`).join('\n\n');
    await client.rest.pulls.createReview({ ...params, commit_id: review.commit_id, event: review.event, body: `${review.body}\n\n${moved}`.slice(0, 65_000), comments: [] });
  }
}

async function completeCheck(client: GitHubClient, ref: PullRef, id: number, findings: readonly Finding[], index: DiffIndex, headSha: string, conclusion: Conclusion, wording: PackWording): Promise<void> {
  const output = checkOutput(findings, headSha, wording);
  const groups = batches(buildAnnotations(findings, index), ANNOTATIONS_PER_REQUEST);
  const params = { owner: ref.owner, repo: ref.repo, check_run_id: id };
  // The checks API takes 50 annotations per request; the earlier batches go in updates of
  // the running check, the last one completes it.
  for (const group of groups.slice(0, -1)) await client.rest.checks.update({ ...params, output: { ...output, annotations: group } });
  const last = groups.at(-1);
  await client.rest.checks.update({ ...params, status: 'completed', conclusion, output: { ...output, ...(last ? { annotations: last } : {}) } });
}

function fallBack(options: PublishOptions): void {
  options.fallback.write(workflowCommands(options.findings, options.index));
  options.fallback.summary?.(summaryMarkdown(options.findings, options.headSha, options.wording));
}
