import type { RawMessage } from './ingest/mbox.js';
import { parseMessage } from './ingest/message.js';
import { toPatch, type MessageKind, type Patch } from './ingest/patch.js';
import { SeriesAssembler, type Series } from './ingest/series.js';
import { reviewSeries, type RuleFailure } from './engine/engine.js';
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
    }
  | { readonly kind: 'error'; readonly error: ErrorEntry };

export interface ReviewOptions {
  readonly pack: RulePack;
  readonly config: Config;
  /** A name for the input, carried into errors and reports. */
  readonly source?: string;
  readonly seriesWindow?: number;
}

/**
 * The one pipeline: raw messages → messages → patches → series → rules → findings. Each
 * series is yielded once it is complete (or its wait window passed, or the input ended).
 */
export async function* reviewMessages(raws: AsyncIterable<RawMessage>, options: ReviewOptions): AsyncGenerator<ReviewEvent> {
  const assembler = new SeriesAssembler(options.seriesWindow === undefined ? {} : { window: options.seriesWindow });
  const isWatched = watchMatcher(options.config);
  for await (const raw of raws) {
    let patch: Patch;
    try {
      patch = toPatch(await parseMessage(raw));
    } catch (error) {
      yield { kind: 'error', error: errorEntry(error, raw.index, options.source) };
      continue;
    }
    if (patch.kind === 'reply' || patch.kind === 'other') {
      yield { kind: 'series', series: null, patches: [reportFor(patch, null, [], options.source)], failures: [] };
      continue;
    }
    for (const series of assembler.add(patch)) yield reviewed(series, options, isWatched);
  }
  for (const series of assembler.flush()) yield reviewed(series, options, isWatched);
}

function reviewed(series: Series, options: ReviewOptions, isWatched: (path: string) => boolean): ReviewEvent {
  const { findings, failures } = reviewSeries(series, options.pack, options.config, isWatched);
  const members = [...(series.cover ? [series.cover] : []), ...series.patches];
  // A finding on the series as a whole goes on the cover letter, else on the first patch.
  const home = members[0]?.message.messageId ?? null;
  const byMessage = new Map<string | null, Finding[]>();
  for (const finding of findings) {
    const key = finding.messageId ?? home;
    const list = byMessage.get(key) ?? [];
    list.push(finding);
    byMessage.set(key, list);
  }
  const patches = members.map((patch) => reportFor(patch, series, byMessage.get(patch.message.messageId) ?? [], options.source));
  return { kind: 'series', series, patches, failures };
}

function reportFor(patch: Patch, series: Series | null, findings: Finding[], source: string | undefined): PatchReport {
  const { message, subject } = patch;
  const who = message.author ?? message.from;
  return {
    ...(source === undefined ? {} : { source }),
    index: message.index,
    messageId: message.messageId,
    subject: message.subject,
    kind: patch.kind,
    author: who ? (who.name ? `${who.name} <${who.address}>` : who.address) : null,
    series: { id: series?.id ?? null, version: subject.version, index: subject.index, total: subject.total },
    files: patch.diff.files.map((f) => ({
      path: f.path,
      additions: f.additions,
      deletions: f.deletions,
      ...(f.binary ? { binary: true as const } : {}),
    })),
    findings,
  };
}

function errorEntry(error: unknown, index: number, source: string | undefined): ErrorEntry {
  const base = { ...(source === undefined ? {} : { source }), index };
  if (error instanceof InputError) return { ...base, messageId: error.location.messageId ?? null, reason: error.message };
  return { ...base, reason: error instanceof Error ? `unexpected failure: ${error.message}` : String(error) };
}
