import type { RawMessage } from './ingest/mbox.js';
import { parseMessage } from './ingest/message.js';
import { toPatch, type MessageKind, type Patch } from './ingest/patch.js';
import { leanPatch } from './ingest/fastpath.js';
import { leanPatchFromBytes } from './ingest/bytepath.js';
import { loadMimeCodecs, needsMimeCodecs, readHeaderBlock } from './ingest/headers.js';
import { SeriesAssembler, type Series } from './ingest/series.js';
import { reviewSeries, type RuleFailure, type WaiverInputs } from './engine/engine.js';
import type { Config } from './engine/config.js';
import { watchMatcher } from './engine/config.js';
import type { Finding } from './engine/finding.js';
import type { RulePack } from './engine/rule.js';
import { InputError } from './errors.js';

export interface FileSummary {
  readonly path: string;
  readonly additions: number;
  readonly deletions: number;
  readonly binary?: true;
}

/** One message of the input as the report lists it. */
export interface PatchReport {
  readonly source?: string;
  readonly index: number;
  /** The message's identity (`Message.id`): its Message-ID, or a hash of it when it has none. */
  readonly id: string;
  readonly messageId: string | null;
  readonly subject: string;
  readonly kind: MessageKind;
  readonly author: string | null;
  readonly series: { readonly id: string | null; readonly version: number; readonly index: number | null; readonly total: number | null };
  readonly files: readonly FileSummary[];
  readonly findings: readonly Finding[];
}

export interface ErrorEntry {
  readonly source?: string;
  readonly index?: number;
  readonly messageId?: string | null;
  readonly reason: string;
}

export type ReviewEvent =
  | {
      readonly kind: 'series';
      /** null for a message that belongs to no series (a reply, plain mail). */
      readonly series: Series | null;
      /** The series' messages (cover first), each with the findings anchored on it. */
      readonly patches: readonly PatchReport[];
      readonly failures: readonly RuleFailure[];
      /** Waiver trailers that cannot count (an unknown rule, no reason), each naming its message. */
      readonly waiverProblems?: readonly ErrorEntry[];
    }
  | {
      readonly kind: 'error';
      readonly error: ErrorEntry;
      /** The message could not be read at all: no patch entry follows for `error.index`. */
      readonly unread?: true;
    };

export interface ReviewOptions {
  readonly pack: RulePack;
  readonly config: Config;
  /** A name for the input, carried into errors and reports. */
  readonly source?: string;
  /** How many later messages (of any kind) an incomplete series waits for its parts. */
  readonly seriesWindow?: number;
  /**
   * Count, rather than model, the diffs of clean patches that touch no watched path (see
   * `ingest/fastpath.ts`). Results are the same either way; default on.
   */
  readonly fastPath?: boolean;
  /** Who may waive (MAINTAINERS) and the acks given in replies (the mail bot's state). */
  readonly waivers?: WaiverInputs;
}

export const DEFAULT_SERIES_WINDOW = 500;

/**
 * The one pipeline: raw messages → messages → patches → series → rules → findings. Each
 * series is yielded once it is complete (or its wait window passed, or the input ended).
 */
export async function* reviewMessages(raws: AsyncIterable<RawMessage>, options: ReviewOptions): AsyncGenerator<ReviewEvent> {
  const isWatched = watchMatcher(options.config);
  const fastPath = options.fastPath !== false;
  yield* reviewPrepared(
    (async function* () {
      for await (const raw of raws) yield await prepareMessage(raw, isWatched, fastPath);
    })(),
    options,
  );
}

/**
 * One message made ready for series assembly: read, and its diff modelled, or counted with
 * only its watched files modelled (see ingest/fastpath.ts). The stage that needs no other
 * message, so it can run anywhere (bot/workers runs it in worker threads for large archives).
 */
export type Prepared = { readonly kind: 'patch'; readonly index: number; readonly patch: Patch } | { readonly kind: 'error'; readonly index: number; readonly error: ErrorEntry };

export async function prepareMessage(raw: RawMessage, isWatched: (path: string) => boolean, fastPath = true): Promise<Prepared> {
  try {
    const block = readHeaderBlock(raw.bytes);
    if (needsMimeCodecs(block)) await loadMimeCodecs();
    const quick = fastPath ? leanPatchFromBytes(raw, block, isWatched) : null;
    if (quick) return { kind: 'patch', index: raw.index, patch: quick };
    const message = await parseMessage(raw, block);
    const lean = fastPath ? leanPatch(message, isWatched) : null;
    return { kind: 'patch', index: raw.index, patch: lean ?? toPatch(message) };
  } catch (error) {
    return { kind: 'error', index: raw.index, error: errorEntry(error, raw.index, undefined) };
  }
}

/** The rest of the pipeline, over prepared messages in input order. */
export async function* reviewPrepared(items: AsyncIterable<Prepared>, options: ReviewOptions): AsyncGenerator<ReviewEvent> {
  const window = options.seriesWindow ?? DEFAULT_SERIES_WINDOW;
  const assembler = new SeriesAssembler({ window });
  const isWatched = watchMatcher(options.config);
  const run: Run = { options, isWatched, waiting: new Map() };
  const source = options.source === undefined ? {} : { source: options.source };
  let arrival = 0;
  for await (const item of items) {
    if (item.kind === 'error') {
      yield { kind: 'error', error: { ...source, ...item.error }, unread: true };
      continue;
    }
    const { patch } = item;
    // A message that is cut off or whose diff does not add up is still reviewed from what
    // is there, and said so.
    for (const problem of patch.problems ?? []) {
      yield { kind: 'error', error: { ...source, index: item.index, messageId: patch.message.messageId, reason: problem } };
    }
    const here = arrival++;
    if (patch.kind === 'reply' || patch.kind === 'other') {
      // Not part of a series, but it still counts toward the open series' wait window, so
      // what waits (and what a streaming report must hold back) stays bounded.
      for (const series of assembler.add(patch)) yield reviewed(series, run);
      yield { kind: 'series', series: null, patches: [reportFor(patch, null, [], run)], failures: [] };
      continue;
    }
    run.waiting.set(patch, here);
    for (const series of assembler.add(patch)) yield reviewed(series, run);
    // Past the window every series a patch could be in has been closed; one the assembler
    // kept in none (a second cover letter in the same thread) is listed on its own.
    for (const [held, at] of run.waiting) {
      if (here - at < window) break;
      yield strayPatch(held, run);
    }
  }
  for (const series of assembler.flush()) yield reviewed(series, run);
  for (const held of [...run.waiting.keys()]) yield strayPatch(held, run);
}

interface Run {
  readonly options: ReviewOptions;
  readonly isWatched: (path: string) => boolean;
  /** Patches inside the assembler, in arrival order, with their arrival number. */
  readonly waiting: Map<Patch, number>;
}

function strayPatch(patch: Patch, run: Run): ReviewEvent {
  run.waiting.delete(patch);
  return { kind: 'series', series: null, patches: [reportFor(patch, null, [], run)], failures: [] };
}

function reviewed(series: Series, run: Run): ReviewEvent {
  const members = [...(series.cover ? [series.cover] : []), ...series.patches];
  for (const member of members) run.waiting.delete(member);
  // The rules see only watched files (engine's scopeSeries), which is all a counted patch has
  // modelled; nothing at all when no file of the series is watched.
  const quiet = series.patches.every((p) => p.counts !== undefined && p.diff.files.length === 0);
  const { findings, failures, waiverProblems = [] } = quiet ? { findings: [], failures: [] } : reviewSeries(series, run.options.pack, run.options.config, run.isWatched, run.options.waivers);
  // Each finding goes on the message it is anchored on: the patch whose diff holds its line
  // (docs/series.md). Identities never collide, so grouping cannot move a finding elsewhere.
  const byMessage = new Map<string, Finding[]>();
  for (const finding of findings) {
    const list = byMessage.get(finding.anchor);
    if (list) list.push(finding);
    else byMessage.set(finding.anchor, [finding]);
  }
  const patches = members.map((patch) => reportFor(patch, series, byMessage.get(patch.message.id) ?? [], run));
  if (waiverProblems.length === 0) return { kind: 'series', series, patches, failures };
  const source = run.options.source === undefined ? {} : { source: run.options.source };
  const index = new Map(members.map((m) => [m.message.id, m.message.index]));
  const problems = waiverProblems.map((p): ErrorEntry => ({ ...source, index: index.get(p.anchor) ?? 0, messageId: p.messageId, reason: p.reason }));
  return { kind: 'series', series, patches, failures, waiverProblems: problems };
}

function reportFor(patch: Patch, series: Series | null, findings: Finding[], run: Run): PatchReport {
  const { message, subject } = patch;
  const who = message.author ?? message.from;
  // Plain literals, no spreads: this runs for every message of an archive, and V8 builds
  // spread-first literals property by property.
  const report = {
    index: message.index,
    id: message.id,
    messageId: message.messageId,
    subject: message.subject,
    kind: patch.kind,
    author: who ? (who.name ? `${who.name} <${who.address}>` : who.address) : null,
    series: { id: series?.id ?? null, version: subject.version, index: subject.index, total: subject.total },
    files: (patch.counts ?? patch.diff.files).map((f): FileSummary =>
      f.binary ? { path: f.path, additions: f.additions, deletions: f.deletions, binary: true } : { path: f.path, additions: f.additions, deletions: f.deletions },
    ),
    findings,
  };
  const { source } = run.options;
  return source === undefined ? report : { source, ...report };
}

function errorEntry(error: unknown, index: number, source: string | undefined): ErrorEntry {
  const base = { ...(source === undefined ? {} : { source }), index };
  if (error instanceof InputError) return { ...base, messageId: error.location.messageId ?? null, reason: error.message };
  return { ...base, reason: error instanceof Error ? `unexpected failure: ${error.message}` : String(error) };
}
