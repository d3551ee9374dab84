/**
 * What a GitHub runner gives a job step, as the Action tests set it up: a temporary workspace
 * holding the event payload and the empty files behind GITHUB_OUTPUT and GITHUB_STEP_SUMMARY,
 * and the variables that name them for a `pull_request` event on xen-project/xen.
 */
import { afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunnerWorkspace {
  readonly dir: string;
  /** The runner's variables; the step's inputs (INPUT_*) are the caller's. */
  readonly env: Record<string, string>;
  /** What the step wrote to GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. */
  readonly files: () => { outputs: string; summary: string };
}

/**
 * Returns a function that makes a workspace (directory named from `prefix`) for `event`, with
 * the GitHub API at `apiUrl`; every workspace it made is removed after the file's tests.
 */
export function useRunnerWorkspaces(prefix: string): (event: unknown, apiUrl: string) => RunnerWorkspace {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return (event, apiUrl) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
    writeFileSync(join(dir, 'output'), '');
    writeFileSync(join(dir, 'summary'), '');
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_REPOSITORY: 'xen-project/xen',
      GITHUB_API_URL: apiUrl,
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    };
    const files = () => ({ outputs: readFileSync(join(dir, 'output'), 'utf8'), summary: readFileSync(join(dir, 'summary'), 'utf8') });
    return { dir, env, files };
  };
}
