/** A GitHub call that failed for good (after retries), with what was being done. */
export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly action: string,
  ) {
    super(`${action}: ${message}`);
    this.name = 'GitHubError';
  }
}

export interface PullRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

/** `OWNER/NAME` → owner and repo; anything else is a usage error. */
export function parseRepo(text: string): { owner: string; repo: string } {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(text.trim());
  if (!m) throw new GitHubError(`"${text}" is not OWNER/NAME`, undefined, 'reading the repository name');
  return { owner: m[1]!, repo: m[2]! };
}
