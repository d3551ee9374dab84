import type { Prepared } from '../../src/pipeline.js';

/**
 * What a prepared message looks like on its way back from a worker thread: structured-clone
 * data (a `Patch` is plain data), and small. A counted patch's diff and prose stay behind in the
 * worker when no one can ask for them: its counts are all the report needs, its trailers are
 * read already, and the rules read the unwatched files of a series (`wholeDiff`) only when the
 * series has a watched one — a patch with watched files keeps both, and so does one that may
 * join other patches in a series (a numbered one, `n/N` with N > 1, see `SeriesAssembler`); a
 * patch that is neither is a series of its own that the rules never read.
 */
export type SlimPrepared = Prepared;

export function slim(item: Prepared): SlimPrepared {
  if (item.kind === 'error') return item;
  const { patch } = item;
  const { diff } = patch.message;
  if (patch.counts === undefined || typeof diff === 'string') return item;
  const total = patch.subject.total;
  const needed = patch.diff.files.length > 0 || (total !== null && total > 1);
  if (!needed) return { ...item, patch: { ...patch, message: { ...patch.message, prose: '', diff: '' } } };
  // A view of the worker's input: cloned as it is, it would carry the whole buffer it views.
  return { ...item, patch: { ...patch, message: { ...patch.message, diff: new Uint8Array(diff) } } };
}
