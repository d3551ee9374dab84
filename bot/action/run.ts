import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { loadConfig } from '../config.js';
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
  readonly pull_request?: { readonly number?: number };
  readonly repository?: { readonly full_name?: string };
}

/** The Action: review the event's pull request, write outputs; returns the exit code. */
export async function runAction(env: ActionEnv, out: { write(text: string): void }): Promise<number> {
  const log = (line: string): void => out.write(`${line}\n`);
  let report: Report = new ReportBuilder().build();
  let findings = 0;
  let code = 0;
  try {
    if (!PR_EVENTS.has(env.eventName)) {
      log(`patchsentry: event "${env.eventName}" is not a pull request; nothing to review`);
    } else {
      const event = JSON.parse(readFileSync(env.eventPath ?? '', 'utf8')) as PullRequestEvent;
      const number = event.pull_request?.number;
      const full = event.repository?.full_name ?? env.repository;
      if (typeof number !== 'number' || !full) throw new GitHubError('the event payload has no pull_request.number or repository', undefined, 'reading GITHUB_EVENT_PATH');
      const { owner, repo } = parseRepo(full);
      const config = loadConfig(xenAltp2m, env.config === undefined ? undefined : join(env.workspace, env.config), env.workspace);
      const result = await reviewPullRequest({
        client: createGitHubClient({ auth: env.token, baseUrl: env.apiUrl, log }),
        ref: { owner, repo, number },
        pack: xenAltp2m,
        config,
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
      if (!result.publish.fellBack && env.summaryFile) appendFileSync(env.summaryFile, summaryMarkdown(result.findings, result.headSha));
      log(`patchsentry: ${findings} finding(s); check conclusion ${result.publish.conclusion}`);
      code = exitCodeFor(report, env.failOn);
    }
  } catch (error) {
    const why = error instanceof GitHubError || error instanceof ConfigError ? error.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    out.write(`::error::patchsentry: ${why.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`);
    code = 2;
  }
  const sarif = join(env.tempDir, 'patchsentry.sarif');
  writeFileSync(sarif, renderSarif(report, xenAltp2m.rules));
  if (env.outputFile) appendFileSync(env.outputFile, formatOutputs({ findings: String(findings), sarif }));
  return code;
}
