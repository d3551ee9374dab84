import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { readInput, splittableMboxSize } from '../io/input.js';
import { reviewMessages, reviewPrepared, type ErrorEntry, type PatchReport, type Prepared, type ReviewEvent } from '../../src/pipeline.js';
import type { RawMessage } from '../../src/ingest/mbox.js';
import { prepareFileInWorkers, prepareInWorkers } from '../workers/pool.js';
import { ReportBuilder, ReportStream, exitCodeFor, failureEntry, type Report } from '../../src/report/report.js';
import { JsonReportWriter, renderJson } from '../../src/report/json.js';
import { renderText, textPatch, textTail, type TextOptions } from '../../src/report/text.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderCodeQuality } from '../../src/report/codequality.js';
import { renderTerse } from '../../src/report/terse.js';
import { DEFAULT_LINK_BASES, type Config, type LinkBases } from '../../src/engine/config.js';
import type { RulePack } from '../../src/engine/rule.js';
import { withPostImageLines } from '../../src/engine/post-image.js';
import type { Severity } from '../../src/engine/finding.js';
import type { WaiverInputs } from '../../src/engine/engine.js';

/** `terse`: one line per finding (`check --quiet`). */
export type Format = 'text' | 'json' | 'sarif' | 'codequality' | 'terse';

export interface CheckOptions {
  readonly inputs: readonly string[];
  readonly format: Format;
  readonly failOn: Severity | 'never';
  readonly pack: RulePack;
  readonly config: Config;
  readonly stdin?: Readable;
  readonly color?: boolean;
  /** Called after each message; the CLI draws its progress bar with it. */
  readonly onProgress?: (messages: number) => void;
  /** false: model every diff (the fast path off, for comparing results). */
  readonly fastPath?: boolean;
  /** Worker threads that read and count messages of long inputs; 0 or absent: none. */
  readonly workers?: number;
  /** Opens an input as raw messages (default: a file or stdin; `--range` reads a git range). */
  readonly read?: (input: string, stdin?: Readable) => AsyncIterable<RawMessage>;
  /** Text: wrap lines to this many columns (absent: no wrapping). */
  readonly width?: number;
  /** Who may waive a finding beyond the config's trusted list (`--maintainers FILE`). */
  readonly waivers?: WaiverInputs;
  /** Called with each input error as it is met, its message counted within its own input. */
  readonly onInputError?: (error: ErrorEntry) => void;
}

/**
 * Runs the pipeline over every input; one unreadable input is an error entry, not a stop.
 * Several inputs are one input (the files of `git format-patch -o`): their messages are
 * numbered across them all and form their series together, each keeping its `source`.
 */
export async function runCheck(options: CheckOptions): Promise<{ report: Report; output: string; exitCode: number }> {
  const builder = new ReportBuilder();
  // SARIF points into the new file only: findings on removed lines are told where that is.
  const pack = options.format === 'sarif' ? withPostImageLines(options.pack) : options.pack;
  const inputs = new Inputs({ ...options, pack }, (failure) => builder.addError(failure));
  for await (const event of inputs.events()) {
    for (const error of errorsOf(event)) options.onInputError?.(inputs.located(error));
    builder.add(event);
  }
  const built = builder.build();
  const report: Report = { ...built, patches: built.patches.map((p) => inputs.stamp(p)), errors: inputs.errors(built.errors) };
  const output =
    options.format === 'json'
      ? renderJson(report, { links: linksOf(options) })
      : options.format === 'sarif'
        ? renderSarif(report, options.pack.rules)
        : options.format === 'codequality'
          ? renderCodeQuality(report)
          : options.format === 'terse'
            ? renderTerse(report)
            : renderText({ ...report, errors: report.errors.map((e) => inputs.located(e)) }, textOptionsOf(options));
  return { report, output, exitCode: exitCodeFor(report, options.failOn) };
}

/**
 * Runs the pipeline over every input and writes the report to `out` as it goes (json and
 * text; the same bytes `runCheck` returns). Waits for `out` to drain, so a slow reader slows
 * the reading of the input instead of filling memory. Resolves to the exit code.
 */
export async function streamCheck(options: CheckOptions & { readonly format: 'json' | 'text'; readonly out: Writable; readonly beforeWrite?: () => void }): Promise<number> {
  const stream = new ReportStream();
  const json = options.format === 'json' ? new JsonReportWriter({ links: linksOf(options) }) : null;
  const textOptions = textOptionsOf(options);
  const sink = new ChunkedWriter(options.out, options.beforeWrite);
  const inputs = new Inputs(options, (failure) => stream.addError(failure));
  const render = (patches: readonly PatchReport[]): string => {
    let text = '';
    for (const p of patches) text += json ? json.patch(inputs.stamp(p)) : textPatch(inputs.stamp(p), textOptions);
    return text;
  };
  if (json) await sink.write(json.head());
  for await (const event of inputs.events()) {
    for (const error of errorsOf(event)) options.onInputError?.(inputs.located(error));
    const ready = stream.add(event);
    if (ready.length > 0) {
      const flushed = sink.write(render(ready));
      if (flushed) await flushed;
    }
  }
  await sink.write(render(stream.end()));
  const finished = stream.finish();
  const errors = inputs.errors(finished.errors);
  await sink.write(json ? json.tail(finished.summary, errors) : textTail(finished.summary, errors.map((e) => inputs.located(e)), textOptions));
  await sink.flush();
  return stream.exitCode(options.failOn);
}

/** The errors an event adds to the report: an input error, rule failures, waiver trailers that do not parse. */
function errorsOf(event: ReviewEvent): readonly ErrorEntry[] {
  if (event.kind === 'error') return [event.error];
  if (event.failures.length === 0 && !event.waiverProblems?.length) return [];
  return [...event.failures.map(failureEntry), ...(event.waiverProblems ?? [])];
}

function textOptionsOf(options: CheckOptions): TextOptions {
  return { color: options.color ?? false, links: linksOf(options), ...(options.width === undefined ? {} : { width: options.width }) };
}

/** The lore and patchew bases of the report's links (`links:` in the config). */
function linksOf(options: CheckOptions): LinkBases {
  return options.config.links ?? DEFAULT_LINK_BASES;
}

/**
 * The inputs of one run read as one stream of messages: message n of the run is the n-th
 * message of all inputs in the order given (what `cat` of them would number), so the series
 * a branch's `git format-patch -o` files make are assembled as one. Each patch entry and
 * error is then given the file it came from.
 */
class Inputs {
  /** The first message number of each input, and its name. */
  private readonly starts: number[] = [];
  private readonly names: string[] = [];
  /** Inputs that could not be read (or held nothing), with the message count where that happened. */
  private readonly failures = new Map<ErrorEntry, number>();
  private next = 0;
  private seen = 0;

  constructor(
    private readonly options: CheckOptions,
    private readonly addError: (failure: ErrorEntry) => void,
  ) {}

  /** The pipeline's events over all inputs (one pipeline, one series assembler). */
  events(): AsyncGenerator<ReviewEvent> {
    const { options } = this;
    // One input keeps its name in the pipeline itself; several get theirs in `stamp`.
    const single = options.inputs.length === 1 ? { source: sourceName(options.inputs[0]!) } : {};
    const review = {
      pack: options.pack,
      config: options.config,
      ...single,
      ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
      ...(options.waivers ? { waivers: options.waivers } : {}),
    };
    return (options.workers ?? 0) > 0 ? reviewPrepared(this.prepared(), review) : reviewMessages(this.raws(), review);
  }

  /** The entry with its input's name (entries of a one-input run have it already). */
  stamp(patch: PatchReport): PatchReport {
    return patch.source === undefined ? { ...patch, source: this.sourceOf(patch.index) } : patch;
  }

  /** The run's errors in input order, each naming its input. */
  errors(errors: readonly ErrorEntry[]): ErrorEntry[] {
    const keyed = errors.map((e, order) => {
      const at = this.failures.get(e);
      const entry = at === undefined && e.source === undefined && e.index !== undefined ? { source: this.sourceOf(e.index), ...e } : e;
      // An input's failure sorts after the messages read from it before it failed.
      return { entry, key: at === undefined ? (e.index ?? -1) : at - 0.5, order };
    });
    keyed.sort((a, b) => a.key - b.key || a.order - b.order);
    return keyed.map((k) => k.entry);
  }

  /** An error as a person reads it: its message counted within its own input. */
  located(error: ErrorEntry): ErrorEntry {
    if (error.index === undefined || this.failures.has(error)) return error;
    const at = this.inputAt(error.index);
    const source = error.source ?? this.names[at];
    return { ...error, ...(source === undefined ? {} : { source }), index: error.index - (this.starts[at] ?? 0) };
  }

  private sourceOf(index: number): string {
    return this.names[this.inputAt(index)] ?? '<stdin>';
  }

  /** Which input holds message `index`: the last one starting at or before it. */
  private inputAt(index: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private begin(input: string): string {
    const source = sourceName(input);
    this.starts.push(this.next);
    this.names.push(source);
    return source;
  }

  private fail(source: string, reason: string): void {
    const entry = { source, reason };
    this.failures.set(entry, this.next);
    this.addError(entry);
    this.options.onInputError?.(entry);
  }

  private tick(): void {
    this.next++;
    this.options.onProgress?.(++this.seen);
  }

  private async *raws(): AsyncGenerator<RawMessage> {
    for (const input of this.options.inputs) {
      const source = this.begin(input);
      const first = this.next;
      try {
        for await (const raw of (this.options.read ?? readInput)(input, this.options.stdin)) {
          const index = this.next;
          this.tick();
          yield { index, bytes: raw.bytes };
        }
        if (this.next === first) this.fail(source, EMPTY);
      } catch (error) {
        this.fail(source, readFailure(error));
      }
    }
  }

  /** With -j: the prepare stage in worker threads, input by input. */
  private async *prepared(): AsyncGenerator<Prepared> {
    const { options } = this;
    const pool = { config: options.config, workers: options.workers ?? 0, ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }) };
    for (const input of options.inputs) {
      const source = this.begin(input);
      const first = this.next;
      try {
        // A large mbox file is cut into pieces that the workers read themselves; anything
        // else is read here, and its messages are handed to the workers.
        const size = options.read ? null : await splittableMboxSize(input);
        const items =
          size !== null && size >= PIECE_MODE_BYTES
            ? prepareFileInWorkers(input, size, { ...pool, firstIndex: first })
            : prepareInWorkers(renumbered((options.read ?? readInput)(input, options.stdin), first), pool);
        for await (const item of items) {
          this.tick();
          yield item;
        }
        if (this.next === first) this.fail(source, EMPTY);
      } catch (error) {
        this.fail(source, readFailure(error));
      }
    }
  }
}

const EMPTY = 'no message or diff found (empty input)';

function sourceName(input: string): string {
  return input === '-' ? '<stdin>' : input;
}

async function* renumbered(raws: AsyncIterable<RawMessage>, first: number): AsyncGenerator<RawMessage> {
  for await (const raw of raws) yield { index: first + raw.index, bytes: raw.bytes };
}

/** Below this an mbox is read on the main thread: starting the workers costs more than they save. */
const PIECE_MODE_BYTES = 8 << 20;

/** Gathers small pieces into writes of about 64 KiB and honours back-pressure. */
class ChunkedWriter {
  private pending = '';

  constructor(
    private readonly out: Writable,
    private readonly beforeWrite?: () => void,
  ) {}

  /** A promise only when the text filled a chunk and it went out (most calls need no await). */
  write(text: string): Promise<void> | undefined {
    this.pending += text;
    return this.pending.length >= 1 << 16 ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    this.beforeWrite?.();
    const chunk = this.pending;
    this.pending = '';
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

function readFailure(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  return err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code ? `cannot read (${err.code})` : `cannot read: ${err.message}`;
}
