// Writes docs/rules.md from each rule's own documentation (the `summary` and `docs` of every
// module in rules/xen-altp2m/, as `patchsentry rules --long` prints them). Builds dist/ first,
// then renders with bot/cli/rule-docs.ts. `--check`: write nothing, exit 1 if the committed
// file differs. `npm run docs:rules`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'docs/rules.md');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { renderRuleDocs } = await load('bot/cli/rule-docs.js');
const { xenAltp2m } = await load('rules/xen-altp2m/index.js');
const text = renderRuleDocs(xenAltp2m);

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // absent: stale
  }
  if (committed !== text) {
    console.error('docs/rules.md is stale: run `npm run docs:rules` and commit it.');
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, text);
  console.log(`docs/rules.md: ${xenAltp2m.rules.length} rules`);
}
