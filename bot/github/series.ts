import { splitMbox, type RawMessage } from '../../src/ingest/mbox.js';
import { reviewMessages } from '../../src/pipeline.js';
import { ReportBuilder, allFindings, type Report } from '../../src/report/report.js';
import type { Config } from '../../src/engine/config.js';
import type { Finding } from '../../src/engine/finding.js';
import type { RulePack } from '../../src/engine/rule.js';

/**
 * Reviews a PR's commits as one series. GitHub's patch output carries no Message-ID and may
 * number its subjects `[PATCH]`; each commit is given an id threaded on the first and an n/N
 * index, so the series assembler keeps commits of several authors together.
 */
export async function reviewPullMbox(mbox: string, options: { pack: RulePack; config: Config; source: string; prKey: string }): Promise<{ report: Report; findings: Finding[] }> {
  const raws: RawMessage[] = [];
  for await (const raw of splitMbox(once(Buffer.from(mbox, 'utf8')))) raws.push(raw);
  const threaded = raws.map((raw, i) => ({ index: raw.index, bytes: threadMessage(raw.bytes, i, raws.length, options.prKey) }));
  const builder = new ReportBuilder();
  for await (const event of reviewMessages(list(threaded), { pack: options.pack, config: options.config, source: options.source })) builder.add(event);
  const report = builder.build();
  // One finding per fingerprint and place, even if a rule anchored it on several commits.
  const seen = new Set<string>();
  const findings = allFindings(report).filter((f) => {
    const key = `${f.fingerprint}:${f.path}:${f.side}:${f.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { report, findings };
}

function threadMessage(bytes: Buffer, i: number, total: number, prKey: string): Buffer {
  const text = bytes.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return bytes;
  let head = text.slice(0, end);
  const rest = text.slice(end);
  const id = (n: number): string => `<${prKey}.${n}@patchsentry.github>`;
  if (total > 1) head = head.replace(/^Subject: *(?:\[PATCH[^\]]*\] *)?/im, `Subject: [PATCH ${i + 1}/${total}] `);
  head = head.replace(/^(?:Message-ID|In-Reply-To|References):.*(?:\r?\n[ \t].*)*\r?\n?/gim, '').replace(/\r?\n$/, '');
  head += `\nMessage-ID: ${id(i + 1)}`;
  if (i > 0) head += `\nIn-Reply-To: ${id(1)}\nReferences: ${id(1)}`;
  return Buffer.from(head + rest, 'utf8');
}

async function* once(buffer: Buffer): AsyncGenerator<Uint8Array> {
  yield buffer;
}

async function* list<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
