// The project's shared corpus (../shared/corpus beside the clone, as in CI): parse accuracy on
// 2,000 real commits against `git show --numstat -M`, and the real v13 series assembled whole.
// Read only; nothing of it is copied into the project.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../bot/cli/check.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';

// PATCHSENTRY_CORPUS names another place (e.g. for a git worktree, which has no ../shared).
const CORPUS = process.env['PATCHSENTRY_CORPUS'] ?? join(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/corpus');
const PRESENT = existsSync(CORPUS);
// A user's clone has no shared corpus: these tests then say they were skipped, and why.
const WHY = `skipped: ${CORPUS} not found (../shared/corpus beside the clone, or PATCHSENTRY_CORPUS)`;
if (!PRESENT) console.warn(`test/bot/cli/corpus.test.ts: ${WHY}`);
const check = (path: string) => runCheck({ inputs: [path], format: 'json', failOn: 'never', pack: xenAltp2m, config: DEFAULT_CONFIG });
const norm = (id: string | null | undefined) => String(id ?? '').replace(/^<|>$/g, '');

describe.skipIf(!PRESENT)(PRESENT ? 'shared corpus' : `shared corpus — ${WHY}`, () => {
  it('holds the files these tests read', () => {
    for (const name of ['numstat-2000.mbox.gz', 'numstat-2000.tsv', 'xen-dev.mbox']) expect(existsSync(join(CORPUS, name)), join(CORPUS, name)).toBe(true);
  });

  it('numstat-2000: the files of every commit equal git show --numstat -M, and no other patch message', async () => {
    const want = new Map<string, Map<string, string>>();
    for (const line of readFileSync(join(CORPUS, 'numstat-2000.tsv'), 'utf8').split('\n').slice(1).filter(Boolean)) {
      const [id, a, d, path] = line.split('\t');
      if (!want.has(norm(id))) want.set(norm(id), new Map());
      want.get(norm(id))!.set(path!, a === '-' ? 'binary' : `${a}\t${d}`);
    }
    const { report } = await check(join(CORPUS, 'numstat-2000.mbox.gz'));
    const patches = report.patches.filter((p) => p.files.length > 0);
    expect(want.size).toBe(2000);
    expect(patches).toHaveLength(2000);
    let agree = 0;
    const wrong: string[] = [];
    for (const p of patches) {
      const got = new Map(p.files.map((f) => [f.path, f.binary ? 'binary' : `${f.additions}\t${f.deletions}`]));
      const expected = want.get(norm(p.messageId));
      if (expected && JSON.stringify([...got].sort()) === JSON.stringify([...expected].sort())) agree++;
      else if (wrong.length < 5) wrong.push(norm(p.messageId));
    }
    expect(wrong).toEqual([]);
    expect(agree).toBe(2000);
    expect(report.errors).toEqual([]);
  }, 480_000);

  it('xen-dev: the real [PATCH v13 0/3] series is one series of 3 patches with its cover letter', async () => {
    const { report } = await check(join(CORPUS, 'xen-dev.mbox'));
    const cover = report.patches.find((p) => p.subject.startsWith('[PATCH v13 0/3]'));
    expect(cover?.kind).toBe('cover');
    const members = report.patches.filter((p) => p.series.id !== null && p.series.id === cover!.series.id);
    expect(members.map((p) => [p.kind, p.series.version, p.series.index, p.series.total])).toEqual([
      ['cover', 13, 0, 3],
      ['patch', 13, 1, 3],
      ['patch', 13, 2, 3],
      ['patch', 13, 3, 3],
    ]);
    expect(report.errors).toEqual([]);
  }, 240_000);
});
