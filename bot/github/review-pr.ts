import type { Config } from '../../src/engine/config.js';
import type { Finding, Severity } from '../../src/engine/finding.js';
import type { RulePack } from '../../src/engine/rule.js';
import type { Report } from '../../src/report/report.js';
import { indexDiff } from '../../src/report/github.js';
import type { GitHubClient } from './client.js';
import type { PullRef } from './errors.js';
import { fetchPullRequest } from './pull-request.js';
import { publish, type FallbackSink, type Mode, type PublishResult } from './publish.js';
import { reviewPullMbox } from './series.js';

export interface ReviewPullOptions {
  readonly client: GitHubClient;
  readonly ref: PullRef;
  readonly pack: RulePack;
  readonly config: Config;
  readonly mode: Mode;
  readonly failOn: Severity | 'never';
  readonly dryRun?: boolean;
  readonly fallback: FallbackSink;
  readonly log: (line: string) => void;
}

export interface ReviewPullResult {
  readonly headSha: string;
  readonly report: Report;
  readonly findings: readonly Finding[];
  readonly publish: PublishResult;
}

/** Fetch → pipeline → publish: one pull request reviewed at its current head. */
export async function reviewPullRequest(options: ReviewPullOptions): Promise<ReviewPullResult> {
  const { ref } = options;
  const pr = await fetchPullRequest(options.client, ref);
  options.log(`reviewing ${ref.owner}/${ref.repo}#${ref.number} at ${pr.headSha.slice(0, 12)} (${pr.source === 'patch' ? 'commits as a series' : `whole diff from ${pr.fileCount} paged files`})`);
  const { report, findings } = await reviewPullMbox(pr.mbox, {
    pack: options.pack,
    config: options.config,
    source: `${ref.owner}/${ref.repo}#${ref.number}`,
    prKey: `${ref.owner}.${ref.repo}.${ref.number}.${pr.headSha.slice(0, 12)}`,
  });
  const result = await publish({
    client: options.client,
    ref,
    headSha: pr.headSha,
    findings,
    index: indexDiff(pr.diff),
    mode: options.mode,
    failOn: options.failOn,
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(pr.source === 'files' ? { note: `This pull request is over the limits of GitHub's diff (${pr.fileCount} files); it was reviewed as one patch of its whole diff.` } : {}),
    fallback: options.fallback,
    log: options.log,
    wording: options.pack.wording,
  });
  return { headSha: pr.headSha, report, findings, publish: result };
}
