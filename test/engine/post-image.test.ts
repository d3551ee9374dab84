// Where removed lines sit in the new file: postImageLineOf on hunks, and withPostImageLines on
// the real pack over a patch that deletes the P3 warning (what SARIF anchors on).
import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/diff/parse.js';
import { postImageLineOf } from '../../src/diff/queries.js';
import { withPostImageLines } from '../../src/engine/post-image.js';
import { reviewSeries } from '../../src/engine/engine.js';
import { watchMatcher } from '../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { assembleSeries } from '../../src/ingest/series.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { fixture, patchesOf } from '../ingest/read.js';

const file = (hunks: string) => parseDiff(`diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n${hunks}`).files[0]!;

describe('postImageLineOf', () => {
  it('is the line that now follows the removal, else the one before, else the hunk position', () => {
    const middle = file('@@ -10,4 +10,2 @@\n a\n-b\n-c\n d\n');
    expect([postImageLineOf(middle, 11), postImageLineOf(middle, 12)]).toEqual([11, 11]);
    const end = file('@@ -10,3 +10,1 @@\n a\n-b\n-c\n');
    expect(postImageLineOf(end, 12)).toBe(10);
    const replaced = file('@@ -20,2 +20,3 @@\n-old\n+new one\n+new two\n keep\n');
    expect(postImageLineOf(replaced, 20)).toBe(20);
    const alone = file('@@ -5,2 +4,0 @@\n-x\n-y\n');
    expect(postImageLineOf(alone, 6)).toBe(4);
    const wholeFile = file('@@ -1,2 +0,0 @@\n-x\n-y\n');
    expect(postImageLineOf(wholeFile, 2)).toBe(1);
  });

  it('is undefined for a line no hunk removes', () => {
    expect(postImageLineOf(file('@@ -10,4 +10,2 @@\n a\n-b\n-c\n d\n'), 10)).toBeUndefined();
  });
});

describe('withPostImageLines', () => {
  it('places a finding on removed lines at the nearest line of the new file, and changes nothing else', async () => {
    const patches = await patchesOf(fixture('rules/altp2m-doc-warning--fires--paragraph-deleted.mbox'));
    const series = assembleSeries(patches.filter((p) => p.kind === 'patch'))[0]!;
    const plain = reviewSeries(series, xenAltp2m, DEFAULT_CONFIG, watchMatcher(DEFAULT_CONFIG)).findings;
    const placed = reviewSeries(series, withPostImageLines(xenAltp2m), DEFAULT_CONFIG, watchMatcher(DEFAULT_CONFIG)).findings;
    expect(plain.map((f) => [f.rule, f.side, f.line, f.postImageLine])).toEqual([['altp2m-doc-warning', 'old', 4556, undefined]]);
    // Old 4552-4554 are context (new 4552-4554), 4555-4559 are removed: " */" is now line 4555.
    expect(placed).toEqual([{ ...plain[0], postImageLine: 4555 }]);
  });
});
