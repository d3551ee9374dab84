/**
 * Global setup of the integration project (vitest.config.ts): builds dist/ once per test run,
 * before any test file starts, so the process tests never run a build older than the sources.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './cli.js';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`building dist/ for the process tests failed (tsc -p tsconfig.build.json):\n${stdout}${stderr}`);
  }
}
