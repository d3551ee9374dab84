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
      const single = subject.total === null || subject.total <= 1;
      if (single && patch.kind === 'patch') {
        done.push(...this.expire(arrival));
        done.push({ id: patch.message.messageId ?? `#${patch.message.index}`, version: subject.version, total: subject.total, cover: null, patches: [patch] });
        return done;
      }
      const keys = seriesKeys(patch);
      let series: OpenSeries | undefined;
      for (const key of keys) {
        series = this.byKey.get(key);
        if (series) break;
      }
      if (!series) {
        series = {
          id: patch.message.messageId ?? `#${patch.message.index}`,
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
        if (patch.message.messageId) series.id = patch.message.messageId;
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
