import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PACK, packNamed } from '../packs.js';
import { loadSettings } from '../config.js';
import { createGitHubClient } from '../github/client.js';
import { GitHubError, parseRepo } from '../github/errors.js';
import { reviewPullRequest } from '../github/review-pr.js';
import { renderSarif } from '../../src/report/sarif.js';
import { ReportBuilder, exitCodeFor, type Report } from '../../src/report/report.js';
import { summaryMarkdown } from '../../src/report/github.js';
import { ConfigError } from '../../src/errors.js';
import type { ActionEnv } from './env.js';
import { formatOutputs } from './outputs.js';

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

interface PullRequestEvent {
  readonly pull_request?: {
    readonly number?: number;
    readonly head?: { readonly repo?: { readonly full_name?: string } | null };
    readonly base?: { readonly repo?: { readonly full_name?: string } | null };
  };
  readonly repository?: { readonly full_name?: string };
}

/**
 * Why GitHub refused to write, as far as the event tells: a PR from a fork always gets a
 * read-only token; for one from the repository itself it is the workflow's `permissions:`.
 */
function readOnlyReason(event: PullRequestEvent): string {
  const head = event.pull_request?.head?.repo?.full_name;
  const base = event.pull_request?.base?.repo?.full_name ?? event.repository?.full_name;
  const needs = 'the Action needs `pull-requests: write` and `checks: write`';
  if (head && base && head !== base) return `this pull request comes from a fork (${head}), and a fork's token is read-only`;
  if (head && base) return `the job's token is read-only: the workflow's \`permissions:\` is \`read-all\` or grants no write access (${needs})`;
  return `the job's token is read-only (a pull request from a fork, or the workflow's \`permissions:\` is \`read-all\`; ${needs})`;
}

/** A workflow command's message: %, CR and LF escaped as the runner reads them. */
const commandData = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** The Action: review the event's pull request, write outputs; returns the exit code. */
export async function runAction(env: ActionEnv, out: { write(text: string): void }): Promise<number> {
  const log = (line: string): void => out.write(`${line}\n`);
  let report: Report = new ReportBuilder().build();
  let findings = 0;
  let code = 0;
  let pack = packNamed(DEFAULT_PACK);
  try {
    if (!PR_EVENTS.has(env.eventName)) {
      log(`patchsentry: event "${env.eventName}" is not a pull request; nothing to review`);
    } else {
      const event = JSON.parse(readFileSync(env.eventPath ?? '', 'utf8')) as PullRequestEvent;
      const number = event.pull_request?.number;
      const full = event.repository?.full_name ?? env.repository;
      if (typeof number !== 'number' || !full) throw new GitHubError('the event payload has no pull_request.number or repository', undefined, 'reading GITHUB_EVENT_PATH');
      const { owner, repo } = parseRepo(full);
      // The pack is the config's `pack:` (a registered name: the workspace's config never loads code).
      const settings = await loadSettings({ config: env.config === undefined ? undefined : join(env.workspace, env.config) }, env.workspace);
      pack = settings.pack;
      const result = await reviewPullRequest({
        client: createGitHubClient({ auth: env.token, baseUrl: env.apiUrl, log }),
        ref: { owner, repo, number },
        pack,
        config: settings.config,
        mode: env.mode,
        failOn: env.failOn,
        fallback: {
          write: (text) => out.write(text),
          ...(env.summaryFile ? { summary: (md: string) => appendFileSync(env.summaryFile!, md) } : {}),
        },
        log,
      });
      report = result.report;
      findings = result.findings.length;
      if (result.publish.fellBack && env.mode !== 'annotations') {
        out.write(`::warning title=patchsentry::${commandData(`GitHub refused to write the review and check run: ${readOnlyReason(event)}. The findings are reported as annotations and in the job summary instead.`)}\n`);
      }
      if (!result.publish.fellBack && env.summaryFile) appendFileSync(env.summaryFile, summaryMarkdown(result.findings, result.headSha, pack.wording));
      log(`patchsentry: ${findings} finding(s); check conclusion ${result.publish.conclusion}`);
      code = exitCodeFor(report, env.failOn);
    }
  } catch (error) {
    const why = error instanceof GitHubError || error instanceof ConfigError ? error.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    out.write(`::error::patchsentry: ${commandData(why)}\n`);
    code = 2;
  }
  const sarif = join(env.tempDir, 'patchsentry.sarif');
  writeFileSync(sarif, renderSarif(report, pack.rules));
  if (env.outputFile) appendFileSync(env.outputFile, formatOutputs({ findings: String(findings), sarif }));
  return code;
}
