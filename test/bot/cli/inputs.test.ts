// The built CLI over what git itself writes: the files of `git format-patch -o` given together
// are one input (one series, the same report as `cat`), and `git log -p` output is one patch
// per commit.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeXenRepo, type XenRepo } from '../../support/altp2m-branch.js';
import { runCli, type Run } from '../../support/cli.js';
import { writeArchive } from '../../scale/archive-gen.js';

const run = (args: string[], stdin?: Buffer): Promise<Run> => runCli(args, stdin === undefined ? {} : { stdin });

interface Entry {
  messageId: string | null;
  subject: string;
  kind: string;
  source?: string;
  index: number;
  series: { id: string | null; index: number | null; total: number | null };
  files: { path: string }[];
  findings: { rule: string; severity: string; path: string; messageId: string | null }[];
}
interface JsonReport {
  patches: Entry[];
  summary: { messages: number; patches: number; series: number; findings: number };
  errors: { source?: string; index?: number; reason: string }[];
}
const report = (r: Run): JsonReport => JSON.parse(r.stdout) as JsonReport;
/** The report with only the `source` of each entry left out (what differs between files and stdin). */
const withoutSource = (r: Run): unknown => {
  const doc = report(r);
  return { ...doc, patches: doc.patches.map(({ source: _source, ...rest }) => rest) };
};

let dir: string;
let repo: XenRepo;
let patches: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-inputs-'));
  repo = makeXenRepo(join(dir, 'xen'));
  repo.git('format-patch', '-q', '-o', join(dir, 'out'), 'staging..altp2m');
  patches = readdirSync(join(dir, 'out'))
    .sort()
    .map((name) => join(dir, 'out', name));
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('several files are one input', () => {
  it('`check out/*.patch` gives the report `cat out/*.patch | check -` gives: one series of three', async () => {
    expect(patches).toHaveLength(3);
    const files = await run(['check', '--format', 'json', '--fail-on', 'never', ...patches]);
    const piped = await run(['check', '--format', 'json', '--fail-on', 'never', '-'], Buffer.concat(patches.map((p) => readFileSync(p))));
    expect([files.code, files.stderr]).toEqual([0, '']);
    expect(withoutSource(files)).toEqual(withoutSource(piped));
    const doc = report(files);
    expect(doc.summary).toMatchObject({ messages: 3, patches: 3, series: 1 });
    expect(doc.patches.map((p) => p.source)).toEqual(patches);
    expect(doc.patches.map((p) => p.index)).toEqual([0, 1, 2]);
    // The subop is defined in 1/3 and wired in 2/3: complete, so no warning says otherwise.
    expect(doc.patches.flatMap((p) => p.findings).filter((f) => f.rule === 'altp2m-subop-incomplete')).toEqual([]);
  });

  it('-j 1 gives the same report over several files', async () => {
    const plain = await run(['check', '--format', 'json', '--fail-on', 'never', ...patches]);
    const jobs = await run(['check', '--format', 'json', '--fail-on', 'never', '-j', '1', ...patches]);
    expect(jobs.stderr).toBe('');
    expect(report(jobs).summary.series).toBe(1);
    expect(report(jobs)).toEqual(report(plain));
  });

  it('-j over large mbox files (read in pieces by the workers) and a patch between them: the report -j 0 gives, numbered across the files', async () => {
    const first = join(dir, 'first.mbox');
    const second = join(dir, 'second.mbox');
    // Past the size from which the workers read an mbox file themselves, in pieces.
    const a = await writeArchive(first, 9, { violationEvery: 400 });
    const b = await writeArchive(second, 9, { violationEvery: 400 });
    const inputs = [first, patches[0]!, second];
    const single = await run(['check', '--format', 'json', '--fail-on', 'never', '-j', '0', ...inputs]);
    const threaded = await run(['check', '--format', 'json', '--fail-on', 'never', '-j', String(Math.min(2, availableParallelism())), ...inputs]);
    expect(threaded.stderr).toBe('');
    expect(threaded.stdout).toBe(single.stdout);
    const doc = report(single);
    expect(doc.summary.messages).toBe(a.messages + 1 + b.messages);
    expect(doc.patches.map((p) => p.index)).toEqual(doc.patches.map((_, i) => i));
    expect(doc.patches[a.messages]).toMatchObject({ source: patches[0], index: a.messages });
    expect(doc.patches.at(-1)).toMatchObject({ source: second, index: a.messages + b.messages });
  }, 480_000);

  it('the same in text and sarif: one series, no false warning', async () => {
    const text = await run(['check', '--fail-on', 'never', ...patches]);
    expect(text.stdout).toMatch(/3 patches in 1 series, 3 messages read/);
    expect(text.stdout).not.toMatch(/altp2m-subop-incomplete/);
    const sarif = await run(['check', '--format', 'sarif', '--fail-on', 'never', ...patches]);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results;
    expect(results.map((r) => r.ruleId)).not.toContain('altp2m-subop-incomplete');
  });

  it('an unreadable file among them is an error naming it, in input order, and the rest is reviewed', async () => {
    const missing = join(dir, 'out', '0002a-missing.patch');
    const r = await run(['check', '--format', 'json', '--fail-on', 'never', patches[0]!, patches[1]!, missing, patches[2]!]);
    expect(r.code).toBe(2);
    expect(report(r).errors).toEqual([{ source: missing, reason: 'no such file' }]);
    expect(report(r).summary).toMatchObject({ messages: 3, series: 1 });
  });
});

describe('git log -p', () => {
  it('is one patch per commit, its subject the first line of the commit message', async () => {
    const log = Buffer.from(repo.git('log', '-p', '-5'));
    const r = await run(['check', '--format', 'json', '--fail-on', 'never', '-'], log);
    expect(r.stderr).toBe('');
    const doc = report(r);
    expect(doc.patches.map((p) => [p.kind, p.subject])).toEqual([
      ['patch', 'tools/libs/ctrl: add xc_altp2m_get_nr_views()'],
      ['patch', 'x86/altp2m: handle HVMOP_altp2m_get_nr_views in do_altp2m_op()'],
      ['patch', 'x86/altp2m: add HVMOP_altp2m_get_nr_views'],
      ['patch', 'xen: the altp2m interface as it stands'],
    ]);
    expect(doc.patches.map((p) => p.files.map((f) => f.path))).toEqual([
      ['tools/libs/ctrl/xc_altp2m.c'],
      ['xen/arch/x86/hvm/hvm.c'],
      ['xen/include/public/hvm/hvm_op.h'],
      ['tools/libs/ctrl/xc_altp2m.c', 'xen/arch/x86/hvm/hvm.c', 'xen/include/public/hvm/hvm_op.h'],
    ]);
    // Every finding sits on a patch that touches its path.
    for (const p of doc.patches) for (const f of p.findings) expect(p.files.map((x) => x.path), f.rule).toContain(f.path);
  });

  it.each([['--format=fuller'], ['--format=raw'], ['--oneline'], ['--format=%h %s'], ['--format=%s']])('git log -p %s is split per commit too', async (format) => {
    const log = Buffer.from(repo.git('log', '-p', format, 'staging..altp2m'));
    const doc = report(await run(['check', '--format', 'json', '--fail-on', 'never', '-'], log));
    expect(doc.patches.map((p) => p.subject)).toEqual([
      'tools/libs/ctrl: add xc_altp2m_get_nr_views()',
      'x86/altp2m: handle HVMOP_altp2m_get_nr_views in do_altp2m_op()',
      'x86/altp2m: add HVMOP_altp2m_get_nr_views',
    ]);
    expect(doc.patches.map((p) => p.files.length)).toEqual([1, 1, 1]);
  });

  it('git log -p in colour (color.ui=always into a pipe) is read as without it', async () => {
    const plain = report(await run(['check', '--format', 'json', '--fail-on', 'never', '-'], Buffer.from(repo.git('log', '-p', '--color=never', 'staging..altp2m'))));
    const coloured = report(await run(['check', '--format', 'json', '--fail-on', 'never', '-'], Buffer.from(repo.git('log', '-p', '--color=always', 'staging..altp2m'))));
    expect(coloured.patches.map((p) => [p.subject, p.files])).toEqual(plain.patches.map((p) => [p.subject, p.files]));
    expect(plain.patches).toHaveLength(3);
  });

  it('git show of two commits is two patches', async () => {
    const show = Buffer.from(repo.git('show', 'altp2m~1', 'altp2m~2'));
    const doc = report(await run(['check', '--format', 'json', '--fail-on', 'never', '-'], show));
    expect(doc.patches.map((p) => p.files.map((f) => f.path))).toEqual([['xen/arch/x86/hvm/hvm.c'], ['xen/include/public/hvm/hvm_op.h']]);
  });
});
