/**
 * The GitHub Action's entry (bundled into action/dist/index.js, run by `runs.using: node24`).
 * The environment is read here and nowhere else.
 */
import { ActionInputError, readActionEnv } from './env.js';
import { runAction } from './run.js';

try {
  process.exitCode = await runAction(readActionEnv(process.env, process.cwd()), process.stdout);
} catch (error) {
  if (!(error instanceof ActionInputError)) throw error;
  process.stdout.write(`::error::patchsentry: ${error.message}\n`);
  process.exitCode = 2;
}
