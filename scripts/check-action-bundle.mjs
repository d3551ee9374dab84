// Fails when the committed Action bundle (action/dist/index.js) is not what the sources build:
// rebuilds it into a temporary directory with scripts/build-action.mjs and compares the bytes.
// The committed file is left as it is. Run by .ci/run; `npm run check:action` by hand.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const committed = join(root, 'action/dist/index.js');
const dir = mkdtempSync(join(tmpdir(), 'patchsentry-action-'));
try {
  const fresh = join(dir, 'index.js');
  execFileSync(process.execPath, [join(root, 'scripts/build-action.mjs'), fresh], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const want = readFileSync(fresh);
  let have;
  try {
    have = readFileSync(committed);
  } catch {
    have = Buffer.alloc(0);
  }
  if (!want.equals(have)) {
    console.error('action/dist/index.js is stale: it differs from what the sources build. Run `npm run build:action` and commit action/dist/.');
    process.exitCode = 1;
  } else {
    console.log('action/dist/index.js is what the sources build.');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
