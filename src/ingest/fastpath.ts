import { diffText, type Message } from './message.js';
import { toPatch, type Patch } from './patch.js';
import { modelCounted } from '../diff/parse.js';
import { countDiffBytes, utf8Of, type FileCount } from '../diff/grammar.js';
import type { FileDiff } from '../diff/model.js';
import { touchesPath } from '../diff/queries.js';

/**
 * The archive fast path: most messages of a list archive touch no watched path, yet the
 * report must still list each with its files and line counts. Building the full diff model
 * (hunks, lines, scopes) for them is most of the cost of a run, so their diff is only counted,
 * in the grammar's counting mode (diff/grammar.ts): well-formed `git format-patch` diffs only,
 * anything else takes the full path, so the counts are those of `parseDiff` by construction.
 * Only the sections of watched files are modelled; `wholeDiff` (ingest/patch.ts) models the
 * rest if anyone asks. `ingest/bytepath.ts` counts a message's bytes the same way, before any
 * parsing.
 */

/**
 * The diff models of the counted files that touch a watched path (old or new name), each
 * modelled from its own section of the UTF-8 diff `bytes`. Null when a section does not model
 * cleanly on its own: the full parser decides.
 */
export function modelWatched(bytes: Buffer, counts: readonly FileCount[], isWatched: (path: string) => boolean): FileDiff[] | null {
  const watched: FileDiff[] = [];
  for (const file of counts) {
    if (!touchesPath(file, isWatched)) continue;
    const model = modelCounted(bytes, file);
    if (model === null) return null;
    watched.push(model);
  }
  return watched;
}

/**
 * The message as a counted patch (see `Patch.counts`), its clean diff counted and modelled only
 * where it touches a watched path; null when the diff is not clean and needs the full `toPatch`.
 */
export function leanPatch(message: Message, isWatched: (path: string) => boolean): Patch | null {
  // Everything but the diff comes from toPatch itself, so the two cannot drift apart.
  const base = toPatch({ ...message, diff: '' });
  // A reply is never a patch (toPatch does not model its diff either).
  if (base.subject.isReply || message.diff.length === 0) return { ...base, message };
  const bytes = utf8Of(diffText(message));
  const counted = bytes === null ? null : countWatched(bytes, isWatched);
  if (counted === null) return null;
  const kind = counted.counts.length > 0 ? 'patch' : base.kind;
  return { ...base, message, kind, diff: { files: counted.watched }, counts: counted.counts };
}

/** A diff's UTF-8 bytes counted, and modelled where they touch a watched path; null when the diff is not clean. */
export function countWatched(bytes: Buffer, isWatched: (path: string) => boolean): { readonly counts: FileCount[]; readonly watched: FileDiff[] } | null {
  const counts = countDiffBytes(bytes);
  const watched = counts === null ? null : modelWatched(bytes, counts, isWatched);
  return counts === null || watched === null ? null : { counts, watched };
}
