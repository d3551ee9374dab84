import type { Readable } from 'node:stream';
import { readInput } from '../io/input.js';
import { reviewMessages } from '../../src/pipeline.js';
import { ReportBuilder, exitCodeFor, type Report } from '../../src/report/report.js';
import { renderJson } from '../../src/report/json.js';
import { renderText } from '../../src/report/text.js';
import { renderSarif } from '../../src/report/sarif.js';
import type { Config } from '../../src/engine/config.js';
import type { RulePack } from '../../src/engine/rule.js';
import type { Severity } from '../../src/engine/finding.js';

export type Format = 'text' | 'json' | 'sarif';

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
}

/** Runs the pipeline over every input; one unreadable input is an error entry, not a stop. */
export async function runCheck(options: CheckOptions): Promise<{ report: Report; output: string; exitCode: number }> {
  const builder = new ReportBuilder();
  let seen = 0;
  for (const input of options.inputs) {
    const source = input === '-' ? '<stdin>' : input;
    let messages = 0;
    try {
      for await (const event of reviewMessages(countMessages(readInput(input, options.stdin), () => {
        messages++;
        options.onProgress?.(++seen);
      }), { pack: options.pack, config: options.config, source })) {
        builder.add(event);
      }
      if (messages === 0) builder.addError({ source, reason: 'no message or diff found (empty input)' });
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      const reason = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code ? `cannot read (${err.code})` : `cannot read: ${err.message}`;
      builder.addError({ source, reason });
    }
  }
  const report = builder.build();
  const output =
    options.format === 'json'
      ? renderJson(report)
      : options.format === 'sarif'
        ? renderSarif(report, options.pack.rules)
        : renderText(report, { color: options.color ?? false });
  return { report, output, exitCode: exitCodeFor(report, options.failOn) };
}

async function* countMessages<T>(source: AsyncIterable<T>, tick: () => void): AsyncGenerator<T> {
  for await (const item of source) {
    tick();
    yield item;
  }
}
