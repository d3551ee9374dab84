// patchId against `git patch-id --stable` itself: commits of the shapes that matter (several
// files, renames with and without edits, binary files, mode changes, deletions, a missing final
// newline, non-ASCII text), exported with `git format-patch`, read by our own message parser.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchId } from '../../src/ingest/patch-id.js';
import { diffText, parseMessage } from '../../src/ingest/message.js';
import { split } from './read.js';

let repo: string;
const git = (args: string[], input?: string): string =>
  execFileSync('git', ['-c', 'core.quotePath=false', '-c', 'diff.renames=true', ...args], {
    cwd: repo,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
    env: { ...process.env, GIT_AUTHOR_NAME: 'Alice Example', GIT_AUTHOR_EMAIL: 'alice@example.org', GIT_COMMITTER_NAME: 'Alice Example', GIT_COMMITTER_EMAIL: 'alice@example.org', GIT_AUTHOR_DATE: '2026-11-25T10:00:00+0000', GIT_COMMITTER_DATE: '2026-11-25T10:00:00+0000' },
  });
const write = (path: string, text: string | Buffer): void => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const commit = (message: string): void => {
  git(['add', '-A']);
  git(['commit', '-q', '-m', message]);
};
const body = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `    ${tag}_${i} = ${i * 7};`).join('\n') + '\n';
/** Bytes that look like nothing but a binary file to git. */
const blob = (seed: number, size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed * 17) % 256));

/** git's own answer for one exported patch. */
function gitPatchId(mail: string): string | null {
  const out = git(['patch-id', '--stable'], mail).trim();
  return out === '' ? null : out.split(' ')[0]!;
}

/** Ours, from the message as the mail bot reads it. */
async function ourPatchId(mail: string): Promise<string | null> {
  const [raw] = await split(Buffer.from(mail));
  return patchId(diffText(await parseMessage(raw!)));
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'ps-patchid-'));
  git(['init', '-q', '-b', 'staging']);
  write('xen/arch/x86/hvm/hvm.c', 'static int do_altp2m_op(void)\n{\n' + body(60, 'rc') + '}\n');
  write('xen/include/public/hvm/hvm_op.h', '#define HVMOP_altp2m_get_domain_state 1\n#define HVMOP_altp2m_set_domain_state 2\n');
  write('tools/misc/xen-altp2m-view.c', 'int main(void)\n{\n' + body(30, 'v') + '    return 0;\n}\n');
  write('tools/tests/run.sh', '#!/bin/sh\necho run\n');
  write('tools/tests/blob.bin', blob(1, 2000));
  write('docs/misc/notes.md', '# altp2m\n\n- first\n- second\n');
  commit('base tree');
  // 1: several files, several hunks, white space changes.
  write('xen/arch/x86/hvm/hvm.c', 'static int do_altp2m_op(void)\n{\n' + body(60, 'rc').replace('rc_3 = 21;', 'rc_3  =  22;').replace('rc_50 = 350;', 'rc_50 = 351;\n\trc_50b = 1;') + '}\n');
  write('xen/include/public/hvm/hvm_op.h', '#define HVMOP_altp2m_get_domain_state 1\n#define HVMOP_altp2m_set_domain_state 2\n#define HVMOP_altp2m_get_visibility 3\n');
  write('docs/misc/notes.md', '# altp2m\n\n- first\n- second\n- café, naïve\n');
  commit('x86/altp2m: add HVMOP_altp2m_get_visibility');
  // 2: a rename with an edit, a mode change, a binary change.
  renameSync(join(repo, 'tools/misc/xen-altp2m-view.c'), join(repo, 'tools/misc/xen-altp2m-views.c'));
  write('tools/misc/xen-altp2m-views.c', 'int main(void)\n{\n' + body(30, 'v').replace('v_4 = 28;', 'v_4 = 29;') + '    return 0;\n}\n');
  chmodSync(join(repo, 'tools/tests/run.sh'), 0o755);
  write('tools/tests/blob.bin', blob(2, 2100));
  commit('tools: rename the view tool');
  // 3: a pure rename, a new binary file, a file without a final newline.
  renameSync(join(repo, 'tools/tests/run.sh'), join(repo, 'tools/tests/run-all.sh'));
  write('docs/figs/views.png', blob(3, 300));
  write('tools/misc/Makefile.views', 'all: xen-altp2m-views');
  commit('misc: figures and a makefile');
  // 4: deletions, a mode-only change, a new file.
  unlinkSync(join(repo, 'docs/misc/notes.md'));
  unlinkSync(join(repo, 'tools/tests/blob.bin'));
  chmodSync(join(repo, 'tools/tests/run-all.sh'), 0o644);
  write('xen/include/xsm/dummy.h', 'static XSM_INLINE int xsm_hvm_altp2mhvm_op(void)\n{\n    return 0;\n}\n');
  commit('cleanup');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('patchId', () => {
  it('agrees with git patch-id --stable on every patch of the sample', async () => {
    const mails = git(['format-patch', '--stdout', '-M', '--root', 'HEAD']).split(/^(?=From [0-9a-f]{40} )/m);
    expect(mails).toHaveLength(5);
    const shapes = mails.join('');
    for (const shape of ['GIT binary patch', 'rename from', 'similarity index 100%', 'old mode', 'deleted file mode', 'new file mode', '\\ No newline at end of file']) {
      expect(shapes, shape).toContain(shape);
    }
    let agreed = 0;
    for (const [i, mail] of mails.entries()) {
      const want = gitPatchId(mail);
      expect(want, `patch ${i}`).toMatch(/^[0-9a-f]{40}$/);
      expect(await ourPatchId(mail), `patch ${i}`).toBe(want);
      agreed++;
    }
    expect(agreed).toBe(5);
  });

  it('agrees with git on `git format-patch --no-binary` output and on plain `git diff` text', async () => {
    for (const rev of ['HEAD~2', 'HEAD~1', 'HEAD']) {
      const mail = git(['format-patch', '--stdout', '-M', '--no-binary', '-1', rev]);
      expect(mail).toContain('Binary files');
      expect(await ourPatchId(mail), rev).toBe(gitPatchId(mail));
      const diff = git(['diff', '-M', `${rev}~1`, rev]);
      expect(patchId(diff), rev).toBe(gitPatchId(diff));
    }
  });

  it('is the same whatever the file order, the base, the index line and the white space', async () => {
    const mail = git(['format-patch', '--stdout', '-1', 'HEAD~3']);
    const id = await ourPatchId(mail);
    // Files in the opposite order (an order file), as another tool or a hand edit may send them.
    writeFileSync(join(repo, '.order'), 'docs/*\nxen/include/*\nxen/arch/*\n');
    const reordered = git(['format-patch', '--stdout', '-1', '-O.order', 'HEAD~3']);
    expect(reordered.indexOf('docs/misc/notes.md')).toBeLessThan(reordered.indexOf('xen/arch/x86/hvm/hvm.c'));
    expect(await ourPatchId(reordered)).toBe(id);
    expect(gitPatchId(reordered)).toBe(id);
    // Rebased (other line numbers), other blob names, re-indented context, a new subject.
    const moved = mail
      .replace(/^@@ -(\d+)/gm, (_, n: string) => `@@ -${Number(n) + 40}`)
      .replace(/^index \w+\.\.\w+/gm, 'index 1111111..2222222')
      .replace(/^ {4}rc_/gm, ' \trc_')
      .replace(/^Subject: .*/m, 'Subject: [PATCH RESEND] x86/altp2m: add HVMOP_altp2m_get_visibility');
    expect(moved).not.toBe(mail);
    expect(await ourPatchId(moved)).toBe(id);
    expect(gitPatchId(moved)).toBe(id);
    // A changed line is another patch.
    const changed = mail.replace('+#define HVMOP_altp2m_get_visibility 3', '+#define HVMOP_altp2m_get_visibility 4');
    expect(await ourPatchId(changed)).not.toBe(id);
    expect(gitPatchId(changed)).toBe(await ourPatchId(changed));
  });

  it('stops at the signature and at the next commit, and gives null where git prints nothing', () => {
    const diff = 'diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n';
    const id = patchId(diff);
    expect(patchId(`${diff}-- \n2.47.3\n`)).toBe(id);
    expect(patchId(`${diff}${'a'.repeat(40)} Mon Sep 17 00:00:00 2001\ndiff --git a/y b/y\n`)).toBe(id);
    expect(patchId(`${diff}`.replace(/\n/g, '\r\n'))).toBe(id);
    expect(patchId('--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n')).toBeNull();
    expect(patchId('')).toBeNull();
    expect(gitPatchId(`${diff}-- \n2.47.3\n`)).toBe(id);
  });
});
