/**
 * A PR too large for the diff media type (406 past 300 files / 20,000 lines) is read from
 * `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`, whose entries look like
 *
 *     { "filename": "xen/include/public/domctl.h", "status": "modified",
 *       "previous_filename": undefined, "patch": "@@ -1218,6 +1218,7 @@ struct ...\n ..." }
 *
 * and rebuilt into one git-style diff the normal parser reads.
 */
export interface PullFile {
  readonly filename: string;
  readonly status: string;
  readonly previous_filename?: string;
  readonly patch?: string;
}

export function diffFromFiles(files: readonly PullFile[]): string {
  return files.map(fileSection).join('');
}

function fileSection(file: PullFile): string {
  const newPath = file.filename;
  const oldPath = file.status === 'renamed' && file.previous_filename ? file.previous_filename : newPath;
  let head = `diff --git a/${oldPath} b/${newPath}\n`;
  if (file.status === 'added') head += 'new file mode 100644\n';
  if (file.status === 'removed') head += 'deleted file mode 100644\n';
  if (file.status === 'renamed') head += `rename from ${oldPath}\nrename to ${newPath}\n`;
  if (file.patch === undefined || file.patch === '') return head;
  const minus = file.status === 'added' ? '/dev/null' : `a/${oldPath}`;
  const plus = file.status === 'removed' ? '/dev/null' : `b/${newPath}`;
  return `${head}--- ${minus}\n+++ ${plus}\n${file.patch.endsWith('\n') ? file.patch : `${file.patch}\n`}`;
}

/** One `git format-patch`-shaped message carrying the whole PR diff. */
export function messageFromDiff(info: { sha: string; author: string; title: string; body: string; diff: string }): string {
  return (
    `From ${info.sha} Mon Sep 17 00:00:00 2001\n` +
    `From: ${info.author}\n` +
    `Subject: [PATCH] ${info.title.replace(/[\r\n]+/g, ' ')}\n` +
    'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n' +
    `${info.body.replace(/\r/g, '').replace(/^From /gm, '>From ').replace(/^---$/gm, '- --')}\n---\n${info.diff}`
  );
}
