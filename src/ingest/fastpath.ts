import type { Message } from './message.js';
import { toPatch, type MessageKind, type Patch, type Trailer } from './patch.js';
import type { ParsedSubject } from './subject.js';
import { modelCounted, parseDiff } from '../diff/parse.js';
import { countDiffBytes, utf8Of, type FileCount } from '../diff/grammar.js';
import type { DiffModel, FileDiff } from '../diff/model.js';
import { touchesPath } from '../diff/queries.js';

/**
 * The archive fast path (docs/performance.md): most messages of a list archive touch no watched path, yet
 * the report must still list each with its files and line counts. Building the full diff model
 * (hunks, lines, scopes) for them is most of the cost of a run, so their diff is only counted
 * here, and the model is built on demand if anyone asks for it.
 *
 * The counting is the grammar's counting mode (diff/grammar.ts): well-formed `git
 * format-patch` diffs only, anything else takes the full path, so the counts are those of
 * `parseDiff` by construction. `ingest/bytepath.ts` counts a message's bytes the same way,
 * before any parsing.
 */

/**
 * The diff models of the counted files that touch a watched path (old or new name), each
 * modelled from its own section of the UTF-8 diff `bytes`: sections of a clean git diff are
 * independent, and a section's bytes decoded are that slice of the decoded diff (both end at
 * line ends). Null when a section does not model cleanly on its own: the full parser decides.
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

/** A patch whose files were counted; only its watched files were modelled. */
export interface LeanPatch {
  /** The patch as `toPatch` gives it; its `diff` is modelled in full on first access. */
  readonly patch: Patch;
  /** Every file, counted: what the report lists. */
  readonly counts: readonly FileCount[];
  /** The patch as the rules see it: a plain object whose diff holds only the watched files. */
  readonly review: Patch;
}

/**
 * The message as a patch whose clean diff was counted, and modelled only where it touches a
 * watched path (old or new name); null when the diff is not clean and needs the full
 * `toPatch`. Sections of a clean git diff are independent, so modelling a watched file's
 * section alone gives what the whole diff's model says of that file.
 */
export function leanPatch(message: Message, isWatched: (path: string) => boolean): LeanPatch | null {
  // Everything but the diff comes from toPatch itself, so the two cannot drift apart.
  const { diff: _none, ...base } = toPatch({ ...message, diffText: '' });
  let counts: FileCount[] = [];
  let watched: FileDiff[] = [];
  // A reply is never a patch (toPatch does not model its diff either).
  if (!base.subject.isReply && message.diffText.length > 0) {
    const bytes = utf8Of(message.diffText);
    if (bytes === null) return null;
    const counted = countDiffBytes(bytes);
    const modelled = counted === null ? null : modelWatched(bytes, counted, isWatched);
    if (counted === null || modelled === null) return null;
    counts = counted;
    watched = modelled;
  }
  const kind: MessageKind = counts.length > 0 && !base.subject.isReply ? 'patch' : base.kind;
  const patch = new CountedPatch({ ...base, message, kind }, counts.length > 0);
  return { patch, counts, review: { ...base, message, kind, diff: { files: watched } } };
}

/**
 * A patch whose diff model is built when first read. `diff` is a getter on the prototype, so
 * a spread copy must set its own `diff` (as the engine's `scopeSeries` does).
 */
export class CountedPatch implements Patch {
  readonly message: Message;
  readonly subject: ParsedSubject;
  readonly kind: MessageKind;
  readonly trailers: readonly Trailer[];
  declare readonly problems?: readonly string[];
  #diff: DiffModel | undefined;
  readonly #hasDiff: boolean;

  constructor(base: Omit<Patch, 'diff'>, hasDiff: boolean) {
    this.message = base.message;
    this.subject = base.subject;
    this.kind = base.kind;
    this.trailers = base.trailers;
    if (base.problems !== undefined) (this as { problems?: readonly string[] }).problems = base.problems;
    this.#hasDiff = hasDiff;
  }

  get diff(): DiffModel {
    this.#diff ??= this.#hasDiff ? parseDiff(this.message.diffText) : { files: [] };
    return this.#diff;
  }
}
