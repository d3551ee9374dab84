import type { Prepared } from '../../src/pipeline.js';
import type { Patch } from '../../src/ingest/patch.js';
import type { Message } from '../../src/ingest/message.js';

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
  const base = plain(item.patch, watched);
  return {
    kind: 'patch',
    index: item.index,
    patch: { ...base, diff: { files: [] } },
    counts: item.counts.map((c) => ({ ...c })),
    review: { ...base, diff: item.review.diff },
  };
}

/**
 * The patch as plain data, field by field: a counted patch and its message read some fields
 * through prototype getters (diff, trailers, diffText, to, cc, date), which a spread or a
 * structured clone would leave out. The types make every field of `Message` be named here.
 */
function plain(patch: Patch, watched: boolean): Omit<Patch, 'diff'> {
  const m = patch.message;
  const message: Message = {
    index: m.index,
    id: m.id,
    messageId: m.messageId,
    subject: m.subject,
    from: m.from,
    author: m.author,
    to: m.to,
    cc: m.cc,
    date: m.date,
    inReplyTo: m.inReplyTo,
    references: m.references,
    autoSubmitted: m.autoSubmitted,
    listId: m.listId,
    prose: watched ? m.prose : '',
    diffText: '',
    ...(m.problems === undefined ? {} : { problems: m.problems }),
  };
  return { message, subject: patch.subject, kind: patch.kind, trailers: patch.trailers, ...(patch.problems === undefined ? {} : { problems: patch.problems }) };
}
