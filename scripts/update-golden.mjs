#!/usr/bin/env node
// Regenerates test/fixtures/golden/<case>.expected.json from <case>.mbox with the built CLI,
// for review (`git diff test/fixtures/golden`) before committing. Usage: npm run golden:update
// [-- <case> ...]. It builds first, so the expected files are those of the current sources.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = 'test/fixtures/golden';
const only = process.argv.slice(2);
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const cases = readdirSync(join(root, dir))
  .filter((f) => f.endsWith('.mbox'))
  .map((f) => f.slice(0, -'.mbox'.length))
  .filter((c) => only.length === 0 || only.includes(c));
let failed = 0;
for (const name of cases) {
  // The input path is relative to the project root, as the golden test passes it.
  const run = spawnSync(process.execPath, ['bin/patchsentry.js', 'check', '--format', 'json', '--fail-on', 'never', `${dir}/${name}.mbox`], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.error || ![0, 2].includes(run.status ?? -1) || run.stderr !== '') {
    console.error(`${name}: patchsentry failed (exit ${run.status}): ${run.error ?? run.stderr}`);
    failed++;
    continue;
  }
  JSON.parse(run.stdout); // one JSON document, or this throws
  writeFileSync(join(root, dir, `${name}.expected.json`), run.stdout);
  console.log(`${name}.expected.json written`);
}
process.exit(failed > 0 ? 1 : 0);
