import type { Message } from './message.js';
import { parseSubject, type ParsedSubject } from './subject.js';
import { modelDiff, parseDiff } from '../diff/parse.js';
import type { DiffModel } from '../diff/model.js';
import type { FileCount } from '../diff/grammar.js';

export interface Trailer {
  readonly key: string;
  readonly value: string;
}

/** What a message is to the review: a patch, a series' cover letter, or neither. */
export type MessageKind = 'patch' | 'cover' | 'reply' | 'other';

/**
 * A message with its subject parsed and its diff modelled — or counted (ingest/fastpath.ts).
 * Plain readonly data, like `Message`: a spread copy or a structured clone keeps every field.
 */
export interface Patch {
  readonly message: Message;
  readonly subject: ParsedSubject;
  readonly kind: MessageKind;
  /**
   * The diff model: of every file, or, for a counted patch (`counts` set), only of the files
   * that touch a watched path, which are all the rules read. `wholeDiff` models every file.
   */
  readonly diff: DiffModel;
  /** A counted patch: every file of its diff, counted (what a report lists of it). */
  readonly counts?: readonly FileCount[];
  readonly trailers: readonly Trailer[];
  /** What could not be read whole (truncation, lying hunk counts); absent when none. */
  readonly problems?: readonly string[];
}

/**
 * The model of every file of the patch: its `diff`, or for a counted patch its diff modelled
 * now (the lazy part of the fast path: asked for only when a rule reads a series' unwatched
 * files, or a reply's recipients are chosen by what the patch changes).
 */
export function wholeDiff(patch: Patch): DiffModel {
  return patch.counts === undefined ? patch.diff : modelOf(patch.message.diff);
}

function modelOf(diff: string | Uint8Array): DiffModel {
  return typeof diff === 'string' ? parseDiff(diff) : modelDiff(Buffer.from(diff.buffer, diff.byteOffset, diff.byteLength));
}

const TRAILER = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*?)\s*$/;

export function toPatch(message: Message): Patch {
  const subject = parseSubject(message.subject);
  // A reply is never a patch (docs/series.md), even when it quotes or suggests a diff: modelling it
  // would list the reply's suggestion as files of a patch message.
  const diff = message.diff.length > 0 && !subject.isReply ? modelOf(message.diff) : { files: [] };
  const kind = kindOf(subject, diff.files.length > 0);
  const problems = [...(message.problems ?? []), ...(diff.problems ?? []).map((p) => `diff: ${p}`)];
  return { message, subject, kind, diff, trailers: readTrailers(message.prose), ...(problems.length > 0 ? { problems } : {}) };
}

/** What a message with this subject is, given whether its diff names any file. */
export function kindOf(subject: ParsedSubject, hasFiles: boolean): MessageKind {
  if (subject.isReply) return 'reply';
  if (hasFiles) return 'patch';
  if (subject.isPatch && (subject.index === 0 || subject.total !== null)) return 'cover';
  return 'other';
}

/** `Key: value` lines of the commit message (Signed-off-by, Acked-by, a pack's waiver trailer ending in -Ack, ...). */
export function readTrailers(prose: string): Trailer[] {
  const out: Trailer[] = [];
  for (const raw of prose.split('\n')) {
    const match = TRAILER.exec(raw.replace(/\r$/, ''));
    // An empty waiver trailer (a key ending in -Ack) is kept too: a waiver without a reason is reported, not dropped.
    if (match?.[1] && match[2] !== undefined && (match[2] !== '' || /-ack$/i.test(match[1])) && /-by$|-ack$|^Fixes$|^Link$|^Cc$|^Reported|^Tested/i.test(match[1])) {
      out.push({ key: match[1], value: match[2] });
    }
  }
  return out;
}
