// Parse accuracy against git itself on a sample of our own (docs/reliability.md): commits
// made here with the shapes that trip parsers, exported with `git format-patch --stdout -M`,
// and the CLI's JSON `files` compared with `git log --numstat -M` of the same commits.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';


let repo: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'core.quotePath=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, GIT_AUTHOR_NAME: 'Alice Example', GIT_AUTHOR_EMAIL: 'alice@example.org', GIT_COMMITTER_NAME: 'Alice Example', GIT_COMMITTER_EMAIL: 'alice@example.org', GIT_AUTHOR_DATE: '2024-05-14T10:12:03+0200', GIT_COMMITTER_DATE: '2024-05-14T10:12:03+0200' },
  });
const write = (path: string, text: string | Buffer) => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const commit = (message: string) => {
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', message);
};
const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `    ${tag}_${i} = ${i * 7};`).join('\n') + '\n';

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'ps-numstat-'));
  git('init', '-q', '-b', 'staging');
  write('xen/arch/x86/hvm/hvm.c', 'static int do_altp2m_op(void)\n{\n' + lines(40, 'rc') + '}\n');
  write('xen/include/public/hvm/hvm_op.h', '#define HVMOP_altp2m_get_domain_state 1\n#define HVMOP_altp2m_set_domain_state 2\n');
  write('tools/misc/xen-altp2m-view.c', 'int main(void)\n{\n' + lines(30, 'v') + '    return 0;\n}\n');
  write('tools/tests/run.sh', '#!/bin/sh\necho run\n');
  write('docs/misc/notes.md', '# altp2m\n\n- first\n- \n-- \n- third\n');
  write('tools/tests/blob.bin', randomBytes(2000));
  commit('base tree\n\nFrom the start: the test tree.');
  // A body line starting with "From " and a quoted diff in the commit message.
  write('xen/arch/x86/hvm/hvm.c', 'static int do_altp2m_op(void)\n{\n' + lines(40, 'rc').replace('rc_3 = 21;', 'rc_3 = 22;') + '    return 0;\n}\n');
  commit('x86/hvm: fix rc_3\n\nFrom the SDM: nothing.\nThe old code did:\n\n--- a/xen/arch/x86/hvm/hvm.c\n+++ b/xen/arch/x86/hvm/hvm.c\n@@ -1 +1 @@\n-    rc_3 = 21;\n+    rc_3 = 99;\n\nSigned-off-by: Alice Example <alice@example.org>');
  // Rename with an edit, mode change, binary change, deletion of "- " and "-- " lines.
  renameSync(join(repo, 'tools/misc/xen-altp2m-view.c'), join(repo, 'tools/misc/xen-altp2m-views.c'));
  write('tools/misc/xen-altp2m-views.c', 'int main(void)\n{\n' + lines(30, 'v').replace('v_4 = 28;', 'v_4 = 29;') + '    return 0;\n}\n');
  chmodSync(join(repo, 'tools/tests/run.sh'), 0o755);
  write('tools/tests/blob.bin', randomBytes(2100));
  write('docs/misc/notes.md', '# altp2m\n\n- first\n- third\n');
  commit('tools: rename the view tool, make run.sh executable');
  // Pure rename, a new binary, a file without a final newline, a path with spaces and UTF-8.
  renameSync(join(repo, 'tools/tests/run.sh'), join(repo, 'tools/tests/run-all.sh'));
  write('docs/figs/views.png', randomBytes(300));
  write('tools/misc/Makefile.views', 'all: xen-altp2m-views');
  write('docs/misc/café notes.txt', 'Views\tare\tlisted.\n');
  commit('misc: figures, makefile and notes');
  // Deletions, a mode-only change back, many hunks in one file.
  unlinkSync(join(repo, 'docs/misc/notes.md'));
  chmodSync(join(repo, 'tools/tests/run-all.sh'), 0o644);
  write('xen/arch/x86/hvm/hvm.c', 'static int do_altp2m_op(void)\n{\n' + lines(40, 'rc').replace('rc_3 = 21;', 'rc_3 = 22;').replace('rc_15 = 105;', 'rc_15 = 1;\n    rc_15b = 2;').replace('rc_35 = 245;\n', '') + '    return 0;\n}\n');
  write('xen/include/public/hvm/hvm_op.h', '#define HVMOP_altp2m_get_domain_state 1\n#define HVMOP_altp2m_set_domain_state 2\n#define HVMOP_altp2m_get_visibility 3\n');
  commit('x86/altp2m: add HVMOP_altp2m_get_visibility\n\nFrom 2024 on this is a subop.');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

/** `git log --numstat -M -z`, oldest commit first: per commit, path → "add\tdel" or "binary". */
function gitNumstat(): Map<string, string>[] {
  const out = git('log', '--reverse', '--numstat', '-M', '-z', '--format=%x01%H');
  const commits: Map<string, string>[] = [];
  for (const chunk of out.split('\x01').slice(1)) {
    const files = new Map<string, string>();
    const fields = chunk.slice(chunk.indexOf('\n') + 1).split('\0');
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!.replace(/^\n/, '');
      const m = /^(-|\d+)\t(-|\d+)\t(.*)$/.exec(field);
      if (!m) continue;
      // A rename is "a\td\t" followed by old and new path as their own fields.
      const path = m[3] === '' ? fields[(i += 2)]! : m[3]!;
      files.set(path, m[1] === '-' ? 'binary' : `${m[1]}\t${m[2]}`);
    }
    commits.push(files);
  }
  return commits;
}

describe('numstat sample of our own', () => {
  it('the JSON files of `git format-patch --stdout -M` output equal `git log --numstat -M`', async () => {
    const mbox = git('format-patch', '--stdout', '-M', '--root', 'HEAD');
    expect(mbox.match(/^From the /gm)?.length).toBe(2);
    const run = await runCli(['check', '--format', 'json', '--fail-on', 'never', '-'], { stdin: mbox });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const report = JSON.parse(run.stdout) as { patches: { files: { path: string; additions: number; deletions: number; binary?: boolean }[] }[]; errors: unknown[] };
    const want = gitNumstat();
    expect(want).toHaveLength(5);
    expect(report.patches).toHaveLength(5);
    const got = report.patches.map((p) => new Map(p.files.map((f) => [f.path, f.binary ? 'binary' : `${f.additions}\t${f.deletions}`])));
    for (const [i, files] of want.entries()) expect(Object.fromEntries(got[i]!), `commit ${i + 1}`).toEqual(Object.fromEntries(files));
    expect(report.errors).toEqual([]);
    // Every shape was exercised.
    expect(want.some((c) => [...c.values()].includes('binary'))).toBe(true);
    expect(want.some((c) => c.has('docs/misc/café notes.txt'))).toBe(true);
    expect(want.some((c) => c.has('tools/tests/run-all.sh'))).toBe(true);
  });
});
