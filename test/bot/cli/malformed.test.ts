// Malformed input (docs/reliability.md): each broken input gets a report with an errors[] entry naming the
// message and the reason, correct results for the rest, the exit status of docs/reports.md, no crash.
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../bot/cli/check.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import type { Report } from '../../../src/report/report.js';
import { FIXTURES, fixture } from '../../ingest/read.js';

const M = FIXTURES + 'malformed/';
const check = (inputs: string[]) => runCheck({ inputs, format: 'json', failOn: 'never', pack: xenAltp2m, config: DEFAULT_CONFIG });
const filesOf = (report: Report, index: number) => report.patches.find((p) => p.index === index)?.files.map((f) => [f.path, f.additions, f.deletions, f.binary ?? false]);
const DOMCTL = [['xen/include/public/domctl.h', 8, 0, false]];
const DOMCTL_ID = '<20240603154011.4242-1-carol@example.net>';

describe('malformed input fixtures', () => {
  it('empty file: one error for the input, exit 2', async () => {
    const { report, exitCode } = await check([M + 'empty.mbox']);
    expect(report.patches).toEqual([]);
    expect(report.errors).toEqual([{ source: M + 'empty.mbox', reason: 'no message or diff found (empty input)' }]);
    expect(exitCode).toBe(2);
  });

  it('neither mail nor diff: an error naming message 0, exit 2', async () => {
    const { report, exitCode } = await check([M + 'not-mail.txt']);
    expect(report.patches).toEqual([]);
    expect(report.errors).toEqual([{ source: M + 'not-mail.txt', index: 0, messageId: null, reason: expect.stringMatching(/neither a mail message nor a diff/) }]);
    expect(exitCode).toBe(2);
  });

  it('a message with no From_ line is read as one message', async () => {
    const { report, exitCode } = await check([M + 'no-from-line.eml']);
    expect([report.patches.length, report.patches[0]?.messageId, filesOf(report, 0), report.errors]).toEqual([1, DOMCTL_ID, DOMCTL, []]);
    expect(exitCode).toBe(0);
  });

  it.each([
    ['truncated-header.mbox', /ends inside its header/, 'other', []],
    ['truncated-base64.mbox', /base64 body is cut off/, 'other', []],
    ['truncated-hunk.mbox', /hvm\.c: hunk "@@ -46,6 \+47,10 @@" ends 5 line\(s\) before/, 'patch', [['xen/arch/x86/hvm/hvm.c', 3, 0, false]]],
    ['truncated-multipart.mbox', /without its closing boundary/, 'patch', [['xen/include/public/domctl.h', 5, 0, false]]],
  ])('%s: the first message is intact, the cut one is listed with an error', async (name, reason, kind, files) => {
    const { report, exitCode } = await check([M + name]);
    expect(filesOf(report, 0)).toEqual(DOMCTL);
    const cut = report.patches.find((p) => p.index === 1)!;
    expect([cut.kind, filesOf(report, 1)]).toEqual([kind, files]);
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors.every((e) => e.index === 1 && e.messageId === cut.messageId && e.messageId !== null)).toBe(true);
    expect(report.errors.map((e) => e.reason).join('\n')).toMatch(reason);
    expect(exitCode).toBe(2);
  });

  it.each([
    ['lying-counts.patch', /"@@ -6,8 \+6,16 @@" ends 2 line\(s\) before/],
    ['lying-counts-small.patch', /"@@ -6,6 \+6,10 @@" has more new lines than its header counts/],
  ])('%s: counted from the lines there (signature excluded), and reported', async (name, reason) => {
    const { report, exitCode } = await check([M + name]);
    expect(filesOf(report, 0)).toEqual(DOMCTL);
    expect(report.errors).toEqual([expect.objectContaining({ index: 0, messageId: DOMCTL_ID, reason: expect.stringMatching(reason) })]);
    expect(exitCode).toBe(2);
  });

  it('"\\ No newline at end of file" in odd places is never a line', async () => {
    const { report, exitCode } = await check([M + 'odd-no-newline.patch']);
    expect([filesOf(report, 0), report.errors, exitCode]).toEqual([[['tools/misc/Makefile.views', 2, 1, false]], [], 0]);
  });

  it('binary patches (GIT binary patch, Binary files differ) beside a text file', async () => {
    const { report } = await check([M + 'binary.patch']);
    expect(filesOf(report, 0)).toEqual([
      ['docs/figs/altp2m-views.png', 0, 0, true],
      ['tools/tests/blob.bin', 0, 0, true],
      ['xen/include/public/domctl.h', 1, 0, false],
    ]);
    expect(report.errors).toEqual([]);
  });

  it('raw 8-bit headers are read in the charset the message declares, else as Latin-1', async () => {
    const { report } = await check([M + 'raw-shift-jis.patch', M + 'invalid-utf8.patch']);
    expect(report.patches.map((p) => p.subject)).toEqual(['[PATCH] docs/misc: 日本語', '[PATCH] docs/misc: note Ã( on ÿ views']);
  });

  it.each([
    ['invalid-utf8.patch', 'docs/misc/altp2m.txt'],
    ['raw-shift-jis.patch', 'docs/misc/altp2m.txt'],
    ['nul-bytes.patch', 'docs/misc/altp2m.txt'],
  ])('%s: read, counted, no error', async (name, path) => {
    const { report, exitCode, output } = await check([M + name]);
    expect([filesOf(report, 0), report.errors, exitCode]).toEqual([[[path, 1, 0, false]], [], 0]);
    expect(() => JSON.parse(output) as unknown).not.toThrow();
  });

  it('CRLF everywhere gives the same results as LF, for every input fixture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-crlf-'));
    try {
      for (const name of ['input/series-v3.mbox', 'input/domctl.patch', 'input/message/attach-x-patch.eml', 'input/message/qp.eml', 'input/message/latin1.eml', 'input/plain-diff-u.diff', 'malformed/binary.patch']) {
        const crlf = join(dir, name.replace(/\//g, '_'));
        writeFileSync(crlf, fixture(name).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
        const [lf, cr] = [await check([FIXTURES + name]), await check([crlf])];
        expect(cr.report.patches.map((p) => [p.subject, p.files]), name).toEqual(lf.report.patches.map((p) => [p.subject, p.files]));
        expect(cr.report.errors, name).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('malformed input generated at test time (too big to commit)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-big-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const header = (subject: string, extra = '') =>
    `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nMessage-Id: <big@example.org>\nFrom: Alice Example <alice@example.org>\nDate: Tue, 14 May 2024 10:12:03 +0200\nSubject: ${subject}\n${extra}\nA large change.\n\nSigned-off-by: Alice Example <alice@example.org>\n---\n`;

  it('a 100 MB message: one new file of 1.6 million lines, counted exactly', async () => {
    const path = join(dir, 'huge.mbox');
    const out = createWriteStream(path);
    const lines = 1_600_000;
    out.write(header('[PATCH] tools/tests: add a huge table'));
    out.write(`diff --git a/tools/tests/table.c b/tools/tests/table.c\nnew file mode 100644\nindex 000000000000..123456789abc\n--- /dev/null\n+++ b/tools/tests/table.c\n@@ -0,0 +1,${lines} @@\n`);
    const row = (i: number) => `+    { ${String(i).padStart(8, '0')}, HVMOP_altp2m_get_domain_state, 0x0000000000000000 },\n`;
    let chunk = '';
    for (let i = 0; i < lines; i++) {
      chunk += row(i);
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk + '-- \n2.39.5\n\n');
    await once(out, 'finish');
    const { report, exitCode } = await check([path]);
    expect(filesOf(report, 0)).toEqual([['tools/tests/table.c', lines, 0, false]]);
    expect([report.errors, exitCode]).toEqual([[], 0]);
  }, 480_000);

  it('10,000 files in one diff', async () => {
    const path = join(dir, 'many.mbox');
    let text = header('[PATCH] tools/tests: add 10000 files');
    for (let i = 0; i < 10_000; i++) {
      text += `diff --git a/tools/tests/gen/f${i}.c b/tools/tests/gen/f${i}.c\nnew file mode 100644\nindex 000000000000..123456789abc\n--- /dev/null\n+++ b/tools/tests/gen/f${i}.c\n@@ -0,0 +1,2 @@\n+int f${i};\n+int g${i};\n`;
    }
    writeFileSync(path, text + '-- \n2.39.5\n\n');
    const { report, exitCode } = await check([path]);
    const files = report.patches[0]!.files;
    expect(files.length).toBe(10_000);
    expect(files.every((f, i) => f.path === `tools/tests/gen/f${i}.c` && f.additions === 2 && f.deletions === 0)).toBe(true);
    expect([report.errors, exitCode]).toEqual([[], 0]);
  }, 240_000);

  it('a 10 kB Subject and 10,000 References', async () => {
    const path = join(dir, 'long-headers.mbox');
    const subject = '[PATCH v2 1/1] ' + 'x86/altp2m: very long subject '.repeat(340);
    const refs = Array.from({ length: 10_000 }, (_, i) => `<ref${i}.1715000000.git.alice@example.org>`);
    const body = fixture('input/domctl.patch').toString('utf8').split('\n---\n')[1]!;
    const text = header(subject.slice(0, 10_240), `References: ${refs.join('\n ')}\nIn-Reply-To: <ref9999.1715000000.git.alice@example.org>\n`).replace('Signed-off-by: Alice Example <alice@example.org>\n---\n', '---\n') + body;
    writeFileSync(path, text);
    const { report, exitCode } = await check([path]);
    const patch = report.patches[0]!;
    expect(patch.subject.length).toBeGreaterThanOrEqual(10_000);
    expect(patch.files).toEqual([{ path: 'xen/include/public/domctl.h', additions: 8, deletions: 0 }]);
    // The rules still see the patch: the domctl it adds is an error finding.
    expect(patch.findings.map((f) => f.rule)).toContain('altp2m-domctl');
    expect([report.errors, exitCode]).toEqual([[], 0]);
  }, 240_000);
});
