import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PACK, PACKS } from '../packs.js';
import { loadSettings } from '../config.js';
import { GitHubError, parseRepo } from '../github/errors.js';
import type { Mode } from '../github/publish.js';
import { exitCodeFor } from '../../src/report/report.js';
import { checkReachable, UnreachableError } from './reach.js';
import type { Severity } from '../../src/engine/finding.js';

interface Output {
  write(text: string): unknown;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/**
 * `patchsentry github` (review one PR by hand) and `patchsentry serve` (the GitHub App).
 * The environment is read here, at the entry point, and passed down.
 */
export function registerGithubCommands(program: Command, env: NodeJS.ProcessEnv = process.env, out: Output = process.stdout, err: Output = process.stderr): void {
  program
    .command('github')
    .description('review a pull request: post a review and a check run, or print them with --dry-run (token: $GITHUB_TOKEN; API: $GITHUB_API_URL)')
    .requiredOption('--repo <owner/name>', 'the repository')
    .requiredOption('--pr <number>', 'the pull request number', wholeNumber)
    .option('--dry-run', 'print the review that would be posted; post nothing')
    .addOption(new Option('--mode <mode>', 'what to post').choices(['review', 'check', 'annotations']).default('review'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('-c, --config <file>', 'config file (default: ./.patchsentry.yml when present)')
    .option('--pack <name|module>', `rule pack: ${PACKS.map((p) => p.name).join(', ')}, or the path of a pack module (default: the config's pack:, else ${DEFAULT_PACK})`)
    .action(async (opts: { repo: string; pr: number; dryRun?: boolean; mode: Mode; failOn: Severity | 'never'; config?: string; pack?: string }) => {
      const { owner, repo } = parseRepo(opts.repo);
      const token = env['GITHUB_TOKEN'] ?? env['GH_TOKEN'];
      if (!token && !opts.dryRun) throw new GitHubError('set GITHUB_TOKEN to post (or use --dry-run)', undefined, 'patchsentry github');
      const log = (line: string): void => void err.write(`${line}\n`);
      try {
        await checkReachable(env['GITHUB_API_URL'] || 'https://api.github.com');
      } catch (error) {
        if (error instanceof UnreachableError) throw new GitHubError(error.message, undefined, 'patchsentry github');
        throw error;
      }
      // Loaded on use: octokit and the server cost the other commands' start-up nothing.
      const [{ createGitHubClient }, { reviewPullRequest }, { renderPreview }] = await Promise.all([
        import('../github/client.js'),
        import('../github/review-pr.js'),
        import('../github/preview.js'),
      ]);
      const result = await reviewPullRequest({
        client: createGitHubClient({ ...(token ? { auth: token } : {}), ...(env['GITHUB_API_URL'] ? { baseUrl: env['GITHUB_API_URL'] } : {}), log }),
        ref: { owner, repo, number: opts.pr },
        ...(await loadSettings(opts)),
        mode: opts.mode,
        failOn: opts.failOn,
        dryRun: opts.dryRun === true,
        fallback: { write: (text) => void out.write(text) },
        log,
      });
      if (opts.dryRun) out.write(renderPreview(opts.repo, opts.pr, result));
      else log(`${result.findings.length} finding(s); ${result.publish.posted ? 'review posted' : 'no new review'}; check ${result.publish.conclusion}`);
      process.exitCode = exitCodeFor(result.report, opts.failOn);
    });

  program
    .command('serve')
    .description('run the GitHub App webhook server ($GITHUB_APP_ID, $GITHUB_PRIVATE_KEY, $GITHUB_WEBHOOK_SECRET; $GITHUB_API_URL on GHES)')
    .option('--port <n>', 'port to listen on', wholeNumber, 3000)
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .addOption(new Option('--fail-on <severity>', 'check-run conclusion: failure at or above this').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('-c, --config <file>', 'config file (default: ./.patchsentry.yml when present)')
    .option('--pack <name|module>', `rule pack: ${PACKS.map((p) => p.name).join(', ')}, or the path of a pack module (default: the config's pack:, else ${DEFAULT_PACK})`)
    .action(async (opts: { port: number; host: string; failOn: Severity | 'never'; config?: string; pack?: string }) => {
      const need = (name: string): string => {
        const value = env[name];
        if (!value) throw new GitHubError(`${name} is not set`, undefined, 'patchsentry serve');
        return value;
      };
      const log = (line: string): void => void err.write(`${line}\n`);
      const { PatchsentryApp } = await import('../server/app.js');
      const app = await PatchsentryApp.start({
        appId: need('GITHUB_APP_ID'),
        privateKey: privateKey(need('GITHUB_PRIVATE_KEY')),
        webhookSecret: need('GITHUB_WEBHOOK_SECRET'),
        ...(env['GITHUB_API_URL'] ? { baseUrl: env['GITHUB_API_URL'] } : {}),
        port: opts.port,
        host: opts.host,
        ...(await loadSettings(opts)),
        failOn: opts.failOn,
        log,
      });
      log(`patchsentry App listening on ${app.url} (POST /api/github/webhooks, GET /healthz)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => void app.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

/** The PEM itself, with `\n` escapes as env files often hold it, or a path to the .pem file. */
function privateKey(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    // The value may be the key in another form (base64, no BEGIN line): never echo it.
    throw new GitHubError(`neither a PEM key (no -----BEGIN line) nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, undefined, 'GITHUB_PRIVATE_KEY');
  }
}
