import type { Patch } from './patch.js';

/** A cover letter (optional) and its patches, in index order. Rules judge a series whole. */
export interface Series {
  readonly id: string;
  readonly version: number;
  readonly total: number | null;
  readonly cover: Patch | null;
  /** Patches with diffs, ordered by their n/N index, then by arrival. */
  readonly patches: readonly Patch[];
}

interface OpenSeries {
  id: string;
  keys: string[];
  version: number;
  total: number | null;
  cover: Patch | null;
  patches: Patch[];
  /** Arrival number of the first message, for window expiry and output order. */
  openedAt: number;
  seen: Set<number>;
}

export interface AssemblerOptions {
  /**
   * How many later messages an incomplete series waits for its missing parts before it is
   * reviewed as it is. The archive has no clock the core may read; arrival counts stand in.
   */
  readonly window?: number;
}

/**
 * Groups patches into series as they stream in, holding only open series. A series is
 * keyed by its thread root (References[0] / In-Reply-To / its own Message-ID) and version,
 * falling back to sender + version + total for unthreaded mail.
 *
 * Mail with no Message-ID and no thread headers is a range export (`git format-patch
 * --stdout A..B`, or its files given together): its numbered patches form one series when
 * they come in order — 1/N (or the 0/N cover letter) opens it, each next index joins it,
 * whoever wrote it. A numbered range longer than the series window (`[PATCH 29117/48091]`,
 * a whole history) is no series anyone posts: each of its patches is judged alone, so
 * memory stays flat (docs/series.md).
 */
export class SeriesAssembler {
  private readonly open = new Map<string, OpenSeries>();
  private readonly byKey = new Map<string, OpenSeries>();
  private arrivals = 0;
  private readonly window: number;

  constructor(options: AssemblerOptions = {}) {
    this.window = options.window ?? 500;
  }

  /** Adds one message; returns the series this completes or expires, in arrival order. */
  add(patch: Patch): Series[] {
    const arrival = this.arrivals++;
    const done: Series[] = [];
    if (patch.kind === 'patch' || patch.kind === 'cover') {
      const { subject } = patch;
      // A 1/1 patch is a series of its own, unless its 0/1 cover letter opened one for it.
      const single =
        subject.total === null ||
        (subject.total <= 1 && !(subject.total === 1 && seriesKeys(patch).some((key) => this.byKey.has(key)))) ||
        (isRangeExport(patch) && subject.total > this.window);
      if (single && patch.kind === 'patch') {
        done.push(...this.expire(arrival));
        done.push({ id: patch.message.id, version: subject.version, total: subject.total, cover: null, patches: [patch] });
        return done;
      }
      const keys = seriesKeys(patch);
      let series: OpenSeries | undefined;
      for (const key of keys) {
        series = this.byKey.get(key);
        if (series) break;
      }
      if (series && isRangeExport(patch) && !continues(series, subject.index)) {
        // A range export restarts (1/N again, or an index out of order): the open one is done.
        done.push(this.close(series));
        series = undefined;
      }
      if (!series) {
        series = {
          id: patch.message.id,
          keys: [],
          version: subject.version,
          total: subject.total,
          cover: null,
          patches: [],
          openedAt: arrival,
          seen: new Set(),
        };
        this.open.set(series.id + '@' + arrival, series);
      }
      for (const key of keys) {
        if (!this.byKey.has(key)) {
          this.byKey.set(key, series);
          series.keys.push(key);
        }
      }
      if (patch.kind === 'cover' && series.cover === null) {
        series.cover = patch;
        series.id = patch.message.id;
      } else if (patch.kind === 'patch') series.patches.push(patch);
      if (subject.index !== null) series.seen.add(subject.index);
      if (isComplete(series)) done.push(this.close(series));
    }
    done.push(...this.expire(arrival));
    return done;
  }

  /** Ends the input: every open series is reviewed as it is. */
  flush(): Series[] {
    return [...this.open.values()].sort((a, b) => a.openedAt - b.openedAt).map((s) => this.close(s));
  }

  private expire(arrival: number): Series[] {
    const out: Series[] = [];
    for (const series of this.open.values()) {
      if (arrival - series.openedAt >= this.window) out.push(this.close(series));
    }
    return out;
  }

  private close(series: OpenSeries): Series {
    for (const [key, value] of this.open) if (value === series) this.open.delete(key);
    for (const key of series.keys) this.byKey.delete(key);
    const patches = [...series.patches].sort((a, b) => (a.subject.index ?? 0) - (b.subject.index ?? 0));
    return { id: series.id, version: series.version, total: series.total, cover: series.cover, patches };
  }
}

/** No Message-ID and no thread headers: `git format-patch --stdout` output, not list mail. */
function isRangeExport(patch: Patch): boolean {
  const { message } = patch;
  return message.messageId === null && message.inReplyTo === null && message.references.length === 0;
}

/** Whether patch `index` of a range export comes next in `series` (indexes only go up). */
function continues(series: OpenSeries, index: number | null): boolean {
  if (index === null || series.seen.has(index)) return false;
  let last = -1;
  for (const seen of series.seen) if (seen > last) last = seen;
  return index > last;
}

function isComplete(series: OpenSeries): boolean {
  if (series.total === null) return false;
  for (let i = 1; i <= series.total; i++) if (!series.seen.has(i)) return false;
  return true;
}

/** Keys under which a message may find its series. */
function seriesKeys(patch: Patch): string[] {
  const { message, subject } = patch;
  const v = `v${subject.version}`;
  const keys: string[] = [];
  if (isRangeExport(patch)) return subject.total === null ? [] : [`range:${v}:${subject.total}`];
  const root = message.references[0] ?? message.inReplyTo;
  if (root) keys.push(`thread:${root}:${v}`);
  if (message.messageId) keys.push(`thread:${message.messageId}:${v}`);
  const sender = (message.author ?? message.from)?.address.toLowerCase();
  if (sender && subject.total !== null) keys.push(`sender:${sender}:${v}:${subject.total}`);
  return keys;
}

/** Batch form: all series of a list of patches, in order of their first message. */
export function assembleSeries(patches: Iterable<Patch>, options: AssemblerOptions = {}): Series[] {
  const assembler = new SeriesAssembler(options);
  const out: Series[] = [];
  for (const patch of patches) out.push(...assembler.add(patch));
  out.push(...assembler.flush());
  return out;
}
