// `prepare` (run by `npm install` / `npm ci` in a checkout): compiles dist/ with TypeScript
// when it is installed. `npm ci --omit=dev` has no TypeScript; that is not an error as long as
// dist/ is there (a release tarball ships it, built by `prepack`), and otherwise says how to
// build. `npm pack` runs prepack (which built dist/ already) and then this: nothing to redo.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';

if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') process.exit(0);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (!existsSync(new URL('../dist/bot/cli/main.js', import.meta.url))) {
    process.stderr.write('patchsentry: TypeScript is not installed (--omit=dev), so dist/ was not built: run `npm install && npm run build`, or install the release tarball (`npm pack`).\n');
  }
  process.exit(0);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
