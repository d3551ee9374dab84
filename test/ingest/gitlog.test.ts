import { describe, expect, it } from 'vitest';
import { rfc2822FromEpoch, rfc2822FromGitDate, splitCommits } from '../../src/ingest/gitlog.js';

/** Splits `text`, fed in chunks of `size` bytes (a line may span two chunks). */
async function split(text: string, size = 7): Promise<string[]> {
  const bytes = Buffer.from(text);
  const chunks = (async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  })();
  const out: string[] = [];
  for await (const raw of splitCommits(chunks)) out.push(raw.bytes.toString('utf8'));
  return out;
}

const HUNK = '--- a/xen/arch/x86/hvm/hvm.c\n+++ b/xen/arch/x86/hvm/hvm.c\n@@ -1,3 +1,3 @@\n case HVMOP_altp2m_create_p2m:\n-    break;\n+    return 0;\n\n';
const diff = (path = 'xen/arch/x86/hvm/hvm.c'): string => `diff --git a/${path} b/${path}\nindex 1c8a3b2..4f0e9d1 100644\n${HUNK.replaceAll('xen/arch/x86/hvm/hvm.c', path)}`;

describe('splitCommits', () => {
  it('leaves one diff, diff -ru output and a mail with text between its diffs whole, byte for byte', async () => {
    for (const text of [
      diff(),
      `Only in a/xen: x\ndiff -ru a/xen/f.c b/xen/f.c\n${HUNK}Only in b/xen: y\ndiff -ru a/xen/g.c b/xen/g.c\n${HUNK}`,
      `From: Jan Beulich <jbeulich@suse.com>\nSubject: Re: [PATCH] x86/altp2m: fix\n\nFirst this:\n\n${diff()}And then this:\n\n${diff('xen/common/domctl.c')}`,
      `${diff()}-- \n2.39.5\n`,
    ]) {
      expect(await split(text)).toEqual([text]);
    }
  });

  it('splits git log -p at its commit lines, with author, date, subject and body', async () => {
    const log =
      'commit 7117c66e1b8a0f504511a9f2ad19ff5280bd3d54 (HEAD -> altp2m)\nAuthor: Tëst Er <t@example.org>\nDate:   Sat Dec 5 18:30:06 2026 +0000\n\n    x86/altp2m: second\n    \n    Body line.\n    commit 0000000000000000000000000000000000000000 in a message stays\n    \n    Altp2m-Policy-Ack: altp2m-domctl agreed\n\n' +
      diff() +
      '\ncommit b0b000578ed33d958f42a5d383db272560f3415a\nMerge: 1111111 2222222\nAuthor: A <a@example.org>\nDate:   Fri Dec 4 09:00:00 2026 -0500\n\n    first\n\n' +
      diff('xen/include/public/domctl.h');
    const [second, first, ...rest] = await split(log);
    expect(rest).toEqual([]);
    expect(second).toBe(
      'From: Tëst Er <t@example.org>\nDate: Sat, 5 Dec 2026 18:30:06 +0000\nSubject: x86/altp2m: second\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n' +
        'Body line.\ncommit 0000000000000000000000000000000000000000 in a message stays\n\nAltp2m-Policy-Ack: altp2m-domctl agreed\n\n' +
        diff().trimEnd() +
        '\n',
    );
    expect(first).toMatch(/^From: A <a@example.org>\nDate: Fri, 4 Dec 2026 09:00:00 -0500\nSubject: first\n/);
    expect(first).toContain('diff --git a/xen/include/public/domctl.h');
  });

  it('splits a --format export where text follows a finished diff and a diff follows the text', async () => {
    const binary = 'diff --git a/tools/blob.bin b/tools/blob.bin\nnew file mode 100644\nindex 0000000..e69de29\nGIT binary patch\nliteral 3\nKcmZQzWME=\n\nliteral 0\nHcmV?d00001\n\n';
    const log = `abc1234 (HEAD) third\n\n${diff()}def5678 second\n\n${binary}0123abc first: mode only\n\ndiff --git a/x.sh b/x.sh\nold mode 100644\nnew mode 100755\nfeedbee zeroth\n${diff('xen/common/domctl.c')}`;
    const parts = await split(log, 5);
    expect(parts.map((p) => /^Subject: (.*)$/m.exec(p)?.[1])).toEqual(['third', 'second', 'first: mode only', 'zeroth']);
    expect(parts[1]).toContain('literal 0\nHcmV?d00001\n');
    expect(parts[2]).toMatch(/new mode 100755\n$/);
  });

  it('a hunk line that is empty (a mailer stripped its space) is still inside the hunk', async () => {
    const body = 'diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n a\n\n-b\n+B\n';
    expect(await split(`one\n\n${body}two\n\n${body}`)).toHaveLength(2);
    expect(await split(body + body.replace('diff --git', 'not a diff'))).toHaveLength(1);
  });
});

describe('dates', () => {
  it('git default and raw dates become RFC 5322 dates', () => {
    expect(rfc2822FromGitDate('Mon Apr 14 10:12:54 2025 +0200')).toBe('Mon, 14 Apr 2025 10:12:54 +0200');
    expect(rfc2822FromGitDate('2025-04-14 10:12:54 +0200')).toBeNull();
    expect(rfc2822FromEpoch(1744618374, '+0200')).toBe('Mon, 14 Apr 2025 10:12:54 +0200');
    expect(rfc2822FromEpoch(1744618374, '-0130')).toBe('Mon, 14 Apr 2025 06:42:54 -0130');
  });
});
