import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArchive, type Archive } from './archive-gen.js';
import { runCli, startCli } from '../support/cli.js';

/**
 * A large archive goes through the built CLI with a small, fixed heap
 * (`--max-old-space-size=64`): a report held in memory, or an array of messages, would run
 * out of it long before the end. PATCHSENTRY_SCALE_MB sets the size (default 200 MB; about
 * 10 s on two cores).
 */
const MEGABYTES = Number(process.env['PATCHSENTRY_SCALE_MB'] ?? 200);
const HEAP_MB = 64;

let dir: string;
let archive: Archive;
let path: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-scale-'));
  path = join(dir, 'archive.mbox');
  archive = await writeArchive(path, MEGABYTES);
}, 480_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI to completion and returns its whole standard output. */
async function output(args: string[]): Promise<string> {
  const { stdout, stderr } = await runCli(args, { stdin: null });
  process.stderr.write(stderr);
  return stdout;
}

/** Runs the CLI and reads its report as it streams, keeping only what the checks need. */
async function check(format: 'json' | 'text', extra: string[] = [], file = path): Promise<{ code: number | null; tail: string; entries: number; inOrder: boolean; stderr: string }> {
  let tail = '';
  let carry = '';
  let entries = 0;
  let last = -1;
  let inOrder = true;
  const onStdout = (chunk: string): void => {
    const text = carry + chunk;
    // Patch entries' fields sit at six spaces; only they (and errors, none here) have "index".
    for (const m of text.matchAll(/\n {6}"index": (\d+),\n/g)) {
      const index = Number(m[1]);
      if (index !== last + 1) inOrder = false;
      last = index;
      entries++;
    }
    // Keep the last, unfinished line (with the newline before it) for the next chunk.
    carry = text.slice(Math.max(0, text.lastIndexOf('\n')));
    tail = (tail + chunk).slice(-4000);
  };
  const run = await startCli(['check', '--format', format, ...extra, file], { stdin: null, nodeArgs: [`--max-old-space-size=${HEAP_MB}`], keepStdout: false, onStdout }).exited;
  return { code: run.code, tail, entries, inOrder, stderr: run.stderr };
}

describe(`a ${MEGABYTES} MB archive with a ${HEAP_MB} MB heap`, () => {
  it('streams every message into the json report, in input order, with the expected findings', async () => {
    const result = await check('json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1); // the planted altp2m DOMCTLs are errors
    expect(result.entries).toBe(archive.messages);
    expect(result.inOrder).toBe(true);
    const summary = JSON.parse(/"summary": (\{[\s\S]*?\n {2}\})/.exec(result.tail)?.[1] ?? 'null') as { messages: number; patches: number; findings: number; byRule: Record<string, number> } | null;
    expect(summary).toMatchObject({ messages: archive.messages, patches: archive.messages, findings: archive.violations * 2, byRule: { 'altp2m-domctl': archive.violations * 2 } });
    expect(archive.bytes).toBeGreaterThanOrEqual(MEGABYTES * 1e6);
  }, 480_000);
});

describe('worker threads (-j)', () => {
  it('give the same report, byte for byte, as the single thread on a mixed archive', async () => {
    const mixed = join(dir, 'mixed.mbox');
    const written = await writeArchive(mixed, 12, { mixed: true, violationEvery: 300 });
    expect(written.messages).toBeGreaterThan(1500); // past the messages read before workers start
    const single = await output(['check', '--format', 'json', '-j', '0', mixed]);
    const threaded = await output(['check', '--format', 'json', '-j', String(Math.min(2, availableParallelism())), mixed]);
    expect(threaded).toBe(single);
    const report = JSON.parse(single) as { summary: { messages: number; findings: number; errors: number } };
    expect(report.summary.messages).toBe(written.messages);
    expect(report.summary.findings).toBe(written.violations * 2);
    expect(report.summary.errors).toBeGreaterThan(0); // the lying hunk counts are reported
  }, 480_000);
});
