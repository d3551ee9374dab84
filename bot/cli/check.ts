import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { readInput, splittableMboxSize } from '../io/input.js';
import { reviewMessages, reviewPrepared, type PatchReport } from '../../src/pipeline.js';
import { prepareFileInWorkers, prepareInWorkers } from '../workers/pool.js';
import { ReportBuilder, ReportStream, exitCodeFor, type Report } from '../../src/report/report.js';
import { JsonReportWriter, renderJson } from '../../src/report/json.js';
import { renderText, textPatch, textTail } from '../../src/report/text.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderCodeQuality } from '../../src/report/codequality.js';
import type { Config } from '../../src/engine/config.js';
import type { RulePack } from '../../src/engine/rule.js';
import type { Severity } from '../../src/engine/finding.js';
import type { RawMessage } from '../../src/ingest/mbox.js';

export type Format = 'text' | 'json' | 'sarif' | 'codequality';

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
  /** Worker threads that read and count messages of long inputs (streamCheck); 0 or absent: none. */
  readonly workers?: number;
  /** Opens an input as raw messages (default: a file or stdin; `--range` reads a git range). */
  readonly read?: (input: string, stdin?: Readable) => AsyncIterable<RawMessage>;
}

/** Runs the pipeline over every input; one unreadable input is an error entry, not a stop. */
export async function runCheck(options: CheckOptions): Promise<{ report: Report; output: string; exitCode: number }> {
  const builder = new ReportBuilder();
  let seen = 0;
  for (const input of options.inputs) {
    const source = input === '-' ? '<stdin>' : input;
    let messages = 0;
    try {
      for await (const event of reviewMessages(countMessages((options.read ?? readInput)(input, options.stdin), () => {
        messages++;
        options.onProgress?.(++seen);
      }), { pack: options.pack, config: options.config, source, ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }) })) {
        builder.add(event);
      }
      if (messages === 0) builder.addError({ source, reason: 'no message or diff found (empty input)' });
    } catch (error) {
      builder.addError({ source, reason: readFailure(error) });
    }
  }
  const report = builder.build();
  const output =
    options.format === 'json'
      ? renderJson(report)
      : options.format === 'sarif'
        ? renderSarif(report, options.pack.rules)
        : options.format === 'codequality'
          ? renderCodeQuality(report)
        : renderText(report, { color: options.color ?? false });
  return { report, output, exitCode: exitCodeFor(report, options.failOn) };
}

/**
 * Runs the pipeline over every input and writes the report to `out` as it goes (json and
 * text; the same bytes `runCheck` returns). Waits for `out` to drain, so a slow reader slows
 * the reading of the input instead of filling memory. Resolves to the exit code.
 */
export async function streamCheck(options: CheckOptions & { readonly format: 'json' | 'text'; readonly out: Writable; readonly beforeWrite?: () => void }): Promise<number> {
  const stream = new ReportStream();
  const json = options.format === 'json' ? new JsonReportWriter() : null;
  const textOptions = { color: options.color ?? false };
  const sink = new ChunkedWriter(options.out, options.beforeWrite);
  const render = (patches: readonly PatchReport[]): string => {
    let text = '';
    for (const p of patches) text += json ? json.patch(p) : textPatch(p, textOptions);
    return text;
  };
  if (json) await sink.write(json.head());
  let seen = 0;
  for (const input of options.inputs) {
    const source = input === '-' ? '<stdin>' : input;
    let messages = 0;
    try {
      const tick = (): void => {
        messages++;
        options.onProgress?.(++seen);
      };
      const review = { pack: options.pack, config: options.config, source, ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }) };
      const pool = { config: options.config, workers: options.workers ?? 0, ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }) };
      // A large mbox file is cut into pieces that the workers read themselves; anything else
      // is read here, and (with -j) its messages are handed to the workers.
      const size = pool.workers > 0 && !options.read ? await splittableMboxSize(input) : null;
      const events =
        size !== null && size >= PIECE_MODE_BYTES
          ? reviewPrepared(countMessages(prepareFileInWorkers(input, size, pool), tick), review)
          : pool.workers > 0
            ? reviewPrepared(prepareInWorkers(countMessages((options.read ?? readInput)(input, options.stdin), tick), pool), review)
            : reviewMessages(countMessages((options.read ?? readInput)(input, options.stdin), tick), review);
      for await (const event of events) {
        const ready = stream.add(event);
        if (ready.length > 0) {
          const flushed = sink.write(render(ready));
          if (flushed) await flushed;
        }
      }
      if (messages === 0) stream.addError({ source, reason: 'no message or diff found (empty input)' });
    } catch (error) {
      stream.addError({ source, reason: readFailure(error) });
    }
    await sink.write(render(stream.end()));
  }
  const { summary, errors } = stream.finish();
  await sink.write(json ? json.tail(summary, errors) : textTail(summary, errors, textOptions));
  await sink.flush();
  return stream.exitCode(options.failOn);
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

async function* countMessages<T>(source: AsyncIterable<T>, tick: () => void): AsyncGenerator<T> {
  for await (const item of source) {
    tick();
    yield item;
  }
}
