import type { Prepared } from '../../src/pipeline.js';
import type { Patch } from '../../src/ingest/patch.js';

/**
 * What a prepared message looks like on its way back from a worker thread: structured-clone
 * data, and small. A counted patch leaves its diff text (and, when the rules will not see it,
 * its prose) behind: the report needs only its counts, the rules only its watched files.
 * A report is all the main thread makes of it; `Series` objects built from slim patches
 * carry no diff for their unwatched files.
 */
export type SlimPrepared = Prepared;

export function slim(item: Prepared): SlimPrepared {
  if (item.kind === 'error' || item.counts === undefined || item.review === undefined) return item;
  const watched = item.review.diff.files.length > 0 || item.patch.kind === 'cover';
  const message = { ...item.patch.message, diffText: '', prose: watched ? item.patch.message.prose : '' };
  const base = plain(item.patch, message);
  return {
    kind: 'patch',
    index: item.index,
    patch: { ...base, diff: { files: [] } },
    counts: item.counts.map((c) => ({ ...c })),
    review: { ...base, diff: item.review.diff },
  };
}

/** Every own field of the patch but `diff` (a counted patch's diff is a prototype getter). */
function plain(patch: Patch, message: Patch['message']): Omit<Patch, 'diff'> {
  const { diff: _diff, ...rest } = { ...patch, diff: undefined };
  return { ...rest, message };
}
