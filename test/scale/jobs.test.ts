import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArchive, type Archive } from './archive-gen.js';
import { runCli } from '../support/cli.js';
import { FIXTURES } from '../ingest/read.js';

/**
 * `check -j N` prepares messages in worker threads (bot/workers); what it reports must be what a
 * plain run reports, byte for byte. The input: a generated archive past the size at which the
 * workers read the file in pieces themselves, and past the messages read before any worker
 * starts, then every golden and rule fixture after it — replies, cover letters, broken mail,
 * patches read through mailparser, and series whose rules read their unwatched files (a P3
 * warning moved out of the watched paths, which a worker that kept no diff once reported lost).
 */
let dir: string;
let path: string;
let archive: Archive;
let fixtures = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-jobs-'));
  path = join(dir, 'archive.mbox');
  archive = await writeArchive(path, 12, { mixed: true, violationEvery: 300 });
  for (const sub of ['golden', 'rules']) {
    for (const name of readdirSync(join(FIXTURES, sub)).sort()) {
      if (!name.endsWith('.mbox')) continue;
      const bytes = readFileSync(join(FIXTURES, sub, name));
      appendFileSync(path, bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes);
      fixtures++;
    }
  }
}, 480_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The whole outcome of a run: exit code, report, and what went to stderr (input errors). */
async function report(args: string[], stdin?: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['check', '--fail-on', 'never', ...args], { stdin: stdin ?? null });
  return { code, stdout, stderr };
}

describe('check -j N reports what a plain run reports, byte for byte', () => {
  it.each(['json', 'text'])('%s, the file read in pieces by 1 and 2 workers', async (format) => {
    expect(archive.messages).toBeGreaterThan(1500);
    expect(fixtures).toBeGreaterThan(20);
    const plain = await report(['--format', format, path]);
    expect(await report(['--format', format, '-j', '1', path])).toStrictEqual(plain);
    expect(await report(['--format', format, '-j', '2', path])).toStrictEqual(plain);
    // The planted DOMCTLs and the fixtures' findings are there, the moved warning among them.
    expect(plain.stdout).toMatch(/altp2m-domctl/);
    expect(plain.stdout).toMatch(/safety warning moved from/);
    if (format === 'json') {
      // The moved warning is a note on the patch that deleted it.
      const parsed = JSON.parse(plain.stdout) as { patches: { subject: string; findings: { rule: string; severity: string; message: string }[] }[] };
      const moved = parsed.patches.find((p) => p.subject.includes('point HVM_PARAM_ALTP2M at'));
      expect(moved?.findings.map((f) => [f.rule, f.severity, /moved/.test(f.message)])).toEqual([['altp2m-doc-warning', 'info', true]]);
    }
  }, 480_000);

  it('json, read from stdin and handed to 2 workers in batches', async () => {
    const bytes = readFileSync(path);
    const plain = await report(['--format', 'json', '-'], bytes);
    expect(await report(['--format', 'json', '-j', '2', '-'], bytes)).toStrictEqual(plain);
  }, 480_000);
});
