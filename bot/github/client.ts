import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { GitHubError } from './errors.js';

/** Octokit with retries for 5xx and waits for primary/secondary rate limits. */
export const GitHubOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export interface ClientOptions {
  /** A token (Action, CLI) or an auth strategy's options (App installations). */
  readonly auth?: unknown;
  readonly authStrategy?: unknown;
  /** `GITHUB_API_URL`: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  readonly baseUrl?: string;
  /** Retries after a rate limit or a 5xx before giving up. */
  readonly retries?: number;
  /**
   * Milliseconds per second of `Retry-After` and per step of the retry back-off. 1000 in
   * production; tests make the waits short through this, with the plugins still on.
   */
  readonly waitUnitMs?: number;
  readonly log?: (line: string) => void;
  readonly userAgent?: string;
  /**
   * More @octokit/plugin-throttling settings. Tests pass a `write` limiter that spaces writes
   * by milliseconds instead of the plugin's one second (still one at a time).
   */
  readonly throttle?: Readonly<Record<string, unknown>>;
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  if (options.baseUrl) checkBaseUrl(options.baseUrl);
  const retries = options.retries ?? 3;
  const unit = options.waitUnitMs ?? 1000;
  const log = options.log ?? (() => undefined);
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
    log(`GitHub ${kind} rate limit on ${request.method} ${request.url}; retry ${retryCount + 1} of ${retries} in ${retryAfter} s`);
    return retryCount < retries;
  };
  // plugin-request-log reports every failed request at `error`; failures reach us as thrown
  // errors anyway, so only warnings (deprecations, limit handler trouble) are passed on.
  const quiet = { debug: () => undefined, info: () => undefined, warn: (m: string) => log(m), error: () => undefined };
  // The plugin option types are generic over the auth strategy; ours is chosen at run time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const settings: any = {
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    ...(options.authStrategy === undefined ? {} : { authStrategy: options.authStrategy }),
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: options.userAgent ?? 'patchsentry',
    log: quiet,
    // 429 is left to the throttling plugin, which honours Retry-After; 406 means "too large", not "try again".
    retry: { retries, retryAfterBaseValue: unit, doNotRetry: [400, 401, 403, 404, 406, 410, 422, 429, 451] },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary'), retryAfterBaseValue: unit, fallbackSecondaryRateRetryAfter: 60, ...options.throttle },
  };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- `settings` is `any` on purpose (see above)
  return new GitHubOctokit(settings);
}

/**
 * fetch refuses a URL that does not parse or that carries credentials, and its error quotes the
 * URL whole, password included: both are refused here without echoing it.
 */
function checkBaseUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GitHubError('not a valid URL', undefined, 'GITHUB_API_URL');
  }
  if (url.username !== '' || url.password !== '') throw new GitHubError('the URL carries a user name or password; give the token in GITHUB_TOKEN instead', undefined, 'GITHUB_API_URL');
}

/** The status of an octokit RequestError, or undefined for anything else. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
