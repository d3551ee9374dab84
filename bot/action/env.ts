import type { Severity } from '../../src/engine/finding.js';
import type { Mode } from '../github/publish.js';

/** Everything the Action reads from its environment, read once at the entry point. */
export interface ActionEnv {
  readonly eventName: string;
  readonly eventPath: string | undefined;
  readonly repository: string | undefined;
  /** `GITHUB_API_URL`: https://api.github.com, or GHES's https://HOST/api/v3. */
  readonly apiUrl: string;
  readonly token: string;
  readonly config: string | undefined;
  readonly failOn: Severity | 'never';
  readonly mode: Mode;
  /** `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`: files the runner reads after the step. */
  readonly outputFile: string | undefined;
  readonly summaryFile: string | undefined;
  readonly tempDir: string;
  readonly workspace: string;
}

export class ActionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionInputError';
  }
}

const FAIL_ON = ['error', 'warning', 'info', 'never'] as const;
const MODES = ['review', 'check', 'annotations'] as const;

/**
 * The runner passes inputs as `INPUT_<NAME>`, upper-cased with spaces as `_` and dashes kept
 * (actions/toolkit core.getInput), hence `INPUT_GITHUB-TOKEN`.
 */
export function readActionEnv(env: NodeJS.ProcessEnv, cwd: string): ActionEnv {
  const input = (name: string): string | undefined => {
    const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const failOn = input('fail-on') ?? 'error';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new ActionInputError(`input fail-on must be one of ${FAIL_ON.join(', ')}, not "${failOn}"`);
  const mode = input('mode') ?? 'review';
  if (!(MODES as readonly string[]).includes(mode)) throw new ActionInputError(`input mode must be one of ${MODES.join(', ')}, not "${mode}"`);
  const token = input('github-token') ?? env['GITHUB_TOKEN'];
  if (!token && mode !== 'annotations') throw new ActionInputError('input github-token is empty (it defaults to ${{ github.token }})');
  return {
    eventName: env['GITHUB_EVENT_NAME'] ?? '',
    eventPath: env['GITHUB_EVENT_PATH'],
    repository: env['GITHUB_REPOSITORY'],
    apiUrl: env['GITHUB_API_URL'] ?? 'https://api.github.com',
    token: token ?? '',
    config: input('config'),
    failOn: failOn as Severity | 'never',
    mode: mode as Mode,
    outputFile: env['GITHUB_OUTPUT'],
    summaryFile: env['GITHUB_STEP_SUMMARY'],
    tempDir: env['RUNNER_TEMP'] ?? cwd,
    workspace: env['GITHUB_WORKSPACE'] ?? cwd,
  };
}
