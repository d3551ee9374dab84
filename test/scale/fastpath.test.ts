import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { leanPatch } from '../../src/ingest/fastpath.js';
import { countDiff, type FileCount } from '../../src/diff/grammar.js';
import { parseDiff } from '../../src/diff/parse.js';
import { parseMessage } from '../../src/ingest/message.js';
import { toPatch, wholeDiff } from '../../src/ingest/patch.js';
import { splitMbox } from '../../src/ingest/mbox.js';
import { watchMatcher } from '../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../support/pack.js';

const isWatched = watchMatcher(DEFAULT_CONFIG);

/** What the report lists of each file, from the full diff model. */
function counted(text: string): unknown[] {
  return parseDiff(text).files.map((f) => ({ path: f.path, oldPath: f.oldPath, additions: f.additions, deletions: f.deletions, binary: f.binary }));
}

function withoutExtent(files: readonly FileCount[] | null): unknown[] | null {
  return files === null ? null : files.map(({ start: _s, end: _e, ...rest }) => rest);
}

const HUNK = ['@@ -3,4 +3,5 @@ int f(void)', ' a', '-b', '+b2', '+b3', ' c', ' d'].join('\n');

describe('countDiff', () => {
  it('counts a clean format-patch diff like the full parser, including renames, new, deleted and binary files', () => {
    const text = [
      '---',
      ' a.c | 3 ++-',
      ' 1 file changed',
      '',
      'diff --git a/xen/common/a.c b/xen/common/a.c',
      'index 1111111..2222222 100644',
      '--- a/xen/common/a.c',
      '+++ b/xen/common/a.c',
      HUNK,
      '@@ -20,2 +21,1 @@',
      ' x',
      '-y',
      '\\ No newline at end of file',
      'diff --git a/old/name.c b/new/name.c',
      'similarity index 90%',
      'rename from old/name.c',
      'rename to new/name.c',
      'index 3333333..4444444 100644',
      '--- a/old/name.c',
      '+++ b/new/name.c',
      HUNK,
      'diff --git a/docs/new.txt b/docs/new.txt',
      'new file mode 100644',
      'index 0000000..5555555',
      '--- /dev/null',
      '+++ b/docs/new.txt',
      '@@ -0,0 +1,2 @@',
      '+one',
      '+two',
      'diff --git a/gone.c b/gone.c',
      'deleted file mode 100644',
      'index 6666666..0000000',
      '--- a/gone.c',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-only',
      'diff --git a/logo.png b/logo.png',
      'index 7777777..8888888 100644',
      'GIT binary patch',
      'literal 5',
      'McmZ?wbhEHbN',
      '',
      'diff --git a/only/mode.sh b/only/mode.sh',
      'old mode 100644',
      'new mode 100755',
      '-- ',
      '2.43.0',
      '',
    ].join('\n');
    const files = countDiff(text);
    expect(files).not.toBeNull();
    expect(withoutExtent(files)).toEqual(counted(text));
    expect(files?.map((f) => f.path)).toEqual(['xen/common/a.c', 'new/name.c', 'docs/new.txt', 'gone.c', 'logo.png', 'only/mode.sh']);
    expect(files?.[0]).toMatchObject({ additions: 2, deletions: 2 });
  });

  it('leaves what is not clean to the full parser (null): lying counts, stray lines, plain diff -u, a cut-off hunk', () => {
    const head = 'diff --git a/f.c b/f.c\nindex 1..2 100644\n--- a/f.c\n+++ b/f.c\n';
    expect(countDiff(head + '@@ -1,3 +1,3 @@\n a\n-b\n+c\n')).toBeNull(); // cut off
    expect(countDiff(head + '@@ -1,1 +1,1 @@\n-b\n+c\n+stray\n')).toBeNull(); // counts too small
    expect(countDiff(head + '@@ -1,4 +1,4 @@\n a\n-b\n+c\nnot a diff line\n')).toBeNull(); // counts too large
    expect(countDiff('--- f.c\t2006-01-01\n+++ f.c\t2006-01-02\n@@ -1 +1 @@\n-a\n+b\n')).toBeNull(); // diff -u
    expect(countDiff(head + '@@ -1,2 +1,1 @@\n a\n-- \n')).toBeNull(); // "-- ": a signature or a line?
    expect(countDiff(head + '@@ -1 +1 @@\n-a\n\\ Kein Zeilenumbruch am Dateiende.\n+b\n')).toBeNull();
  });

  it('counts in UTF-8 bytes: offsets past a multi-byte path are byte offsets, and a lone surrogate (no UTF-8 form) is left to the full parser', () => {
    const file = (path: string): string => [`diff --git a/${path} b/${path}`, 'index 1111111..2222222 100644', `--- a/${path}`, `+++ b/${path}`, '@@ -1 +1,2 @@', ' a', '+b', ''].join('\n');
    const text = file('docs/caf\u00e9-\u{1F600}.txt') + file('docs/plain.txt');
    const counts = countDiff(text)!;
    expect(counts.map((c) => c.path)).toEqual(['docs/caf\u00e9-\u{1F600}.txt', 'docs/plain.txt']);
    expect(counts[1]!.start).toBe(Buffer.byteLength(file('docs/caf\u00e9-\u{1F600}.txt')));
    expect(countDiff(file('docs/odd-\ud800.txt'))).toBeNull();
  });

  it('never disagrees with the full parser on generated diffs, clean or broken', () => {
    const line = fc.constantFrom(' ctx', '-del', '+add', '', ' ', '\\ No newline at end of file', '-- ', 'prose line', '+++ b/x', '--- a/x', '@@ -1 +1 @@');
    const hunk = fc.record({ old: fc.nat(4), new: fc.nat(4), lines: fc.array(line, { maxLength: 8 }) });
    const file = fc.record({
      name: fc.constantFrom('xen/common/a.c', 'xen/include/public/domctl.h', 'tools/x y.c', 'docs/"q".txt'),
      header: fc.constantFrom('index 1..2 100644', 'new file mode 100644', 'deleted file mode 100644', 'similarity index 90%\nrename from old.c\nrename to new.c', 'old mode 100644\nnew mode 100755', ''),
      pair: fc.boolean(),
      hunks: fc.array(hunk, { maxLength: 3 }),
      binary: fc.boolean(),
    });
    const diff = fc.record({ files: fc.array(file, { minLength: 1, maxLength: 3 }), tail: fc.constantFrom('', '-- \n2.43.0\n', '\n_____\nXen-devel mailing list\n') });
    fc.assert(
      fc.property(diff, ({ files, tail }) => {
        let text = '---\n 1 file changed\n\n';
        for (const f of files) {
          text += `diff --git a/${f.name} b/${f.name}\n${f.header ? f.header + '\n' : ''}`;
          if (f.binary) text += 'Binary files a/x and b/x differ\n';
          if (f.pair) text += `--- a/${f.name}\n+++ b/${f.name}\n`;
          for (const h of f.hunks) text += `@@ -1,${h.old} +1,${h.new} @@\n${h.lines.map((l) => l + '\n').join('')}`;
        }
        text += tail;
        const fast = countDiff(text);
        let full: unknown[];
        try {
          full = counted(text);
        } catch {
          return; // the full parser's own failure: nothing to compare with
        }
        if (fast !== null) expect(withoutExtent(fast)).toEqual(full);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads every clean generated diff (the fast path is taken, not just safe)', () => {
    const clean = fc.array(fc.record({ adds: fc.nat(5), dels: fc.nat(5), ctx: fc.nat(3) }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(clean, (hunks) => {
        let text = 'diff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n';
        for (const h of hunks) {
          if (h.adds + h.dels + h.ctx === 0) continue;
          text += `@@ -1,${h.dels + h.ctx} +1,${h.adds + h.ctx} @@\n` + ' c\n'.repeat(h.ctx) + '-d\n'.repeat(h.dels) + '+a\n'.repeat(h.adds);
        }
        const fast = countDiff(text);
        expect(fast).not.toBeNull();
        expect(withoutExtent(fast)).toEqual(counted(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('leanPatch', () => {
  it('gives what toPatch gives for every message of the test fixtures, modelling only watched files for the rules', async () => {
    const dir = join(import.meta.dirname, '..', 'fixtures', 'input');
    let compared = 0;
    let lean = 0;
    for (const name of readdirSync(dir)) {
      if (!statSync(join(dir, name)).isFile()) continue;
      const bytes = readFileSync(join(dir, name));
      const raws = name.endsWith('.mbox') ? await collect(splitMbox(once(bytes))) : [{ index: 0, bytes }];
      for (const raw of raws) {
        const message = await parseMessage(raw);
        const full = toPatch(message);
        const fast = leanPatch(message, isWatched);
        compared++;
        if (fast === null) continue;
        lean++;
        expect(fast.kind).toBe(full.kind);
        expect(fast.subject).toEqual(full.subject);
        expect(fast.trailers).toEqual(full.trailers);
        expect(fast.problems).toEqual(full.problems);
        expect(fast.message).toEqual(full.message);
        // Every file counted; the watched ones modelled for the rules; every one on demand.
        expect(withoutExtent(fast.counts ?? [])).toEqual(full.diff.files.map((f) => ({ path: f.path, oldPath: f.oldPath, additions: f.additions, deletions: f.deletions, binary: f.binary })));
        const watched = full.diff.files.filter((f) => isWatched(f.path) || (f.oldPath !== null && isWatched(f.oldPath)));
        expect(fast.diff.files).toEqual(watched);
        expect(wholeDiff(fast)).toEqual(full.diff);
        // Plain data: a spread copy or a structured clone keeps every field.
        expect(structuredClone(fast)).toEqual(fast);
        expect({ ...fast }).toEqual(fast);
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(lean).toBeGreaterThan(compared / 2);
  });
});

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}
