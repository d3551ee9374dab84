import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes a synthetic `git format-patch` mbox of about `megabytes` MB for the scale tests: every
 * message a one-patch series touching two unwatched files, and every `violationEvery`-th one
 * also adding an altp2m DOMCTL to xen/include/public/domctl.h (rule altp2m-domctl). Each file
 * gets `pad` added lines, so the counts are known: what the report must say of every patch.
 */
export interface Archive {
  readonly messages: number;
  readonly violations: number;
  readonly bytes: number;
}

export async function writeArchive(path: string, megabytes: number, options: { violationEvery?: number; pad?: number; mixed?: boolean } = {}): Promise<Archive> {
  const every = options.violationEvery ?? 500;
  const pad = options.pad ?? 120;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const target = megabytes * 1e6;
  let bytes = 0;
  let messages = 0;
  let violations = 0;
  while (bytes < target) {
    const violates = messages % every === every - 1;
    let text = message(messages, pad, violates);
    // Mixed archives also hold replies and patches whose hunk counts lie (the full path).
    if (options.mixed && !violates && messages % 7 === 3) text = text.replace('Subject: [PATCH]', 'Subject: Re: [PATCH]');
    if (options.mixed && !violates && messages % 11 === 5) text = text.replace(`@@ -10,3 +10,${pad + 4} @@`, `@@ -10,3 +10,${pad + 9} @@`);
    bytes += Buffer.byteLength(text);
    messages++;
    if (violates) violations++;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { messages, violations, bytes };
}

function message(n: number, pad: number, violates: boolean): string {
  const id = n.toString(16).padStart(8, '0');
  const sha = (id + 'c0ffee').repeat(4).slice(0, 40);
  const added = Array.from({ length: pad }, (_, i) => `+\tsched_tick_${i}(d, ${n});`).join('\n');
  const files = [
    fileDiff(`xen/common/sched/credit${n % 7}.c`, pad, added),
    fileDiff(`tools/libs/light/libxl_dom${n % 5}.c`, pad, added),
  ];
  const stat = [` xen/common/sched/credit${n % 7}.c | ${pad + 1} +`, ` tools/libs/light/libxl_dom${n % 5}.c | ${pad + 1} +`];
  if (violates) {
    files.push(`diff --git a/xen/include/public/domctl.h b/xen/include/public/domctl.h
index 1a2b3c4..5d6e7f8 100644
--- a/xen/include/public/domctl.h
+++ b/xen/include/public/domctl.h
@@ -1240,6 +1240,14 @@ struct xen_domctl_vmtrace_op {
 #define XEN_DOMCTL_vmtrace_op                    84
 #define XEN_DOMCTL_get_paging_mempool_size       85
 #define XEN_DOMCTL_set_paging_mempool_size       86
+#define XEN_DOMCTL_altp2m_get_views              89
+
+struct xen_domctl_altp2m_views {
+    uint16_t nr_views;    /* OUT: number of altp2m views */
+    uint16_t pad[3];
+};
+
+
 #define XEN_DOMCTL_gdbsx_guestmemio            1000
 #define XEN_DOMCTL_gdbsx_pausevcpu             1001
 #define XEN_DOMCTL_gdbsx_unpausevcpu           1002
`);
    stat.push(' xen/include/public/domctl.h | 8 ++++++++');
  }
  return `From ${sha} Mon Sep 17 00:00:00 2001
From: Synthetic Author <author${n % 97}@example.org>
Date: Tue, 4 Mar 2025 10:${String(n % 60).padStart(2, '0')}:00 +0100
Subject: [PATCH] sched: synthetic change ${n}
Message-Id: <scale-${id}@patchsentry.invalid>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Make the scheduler tick ${n} times; generated for the archive scale test.

Signed-off-by: Synthetic Author <author${n % 97}@example.org>
---
${stat.join('\n')}
 ${files.length} files changed

${files.join('')}-- 
2.43.0

`;
}

function fileDiff(path: string, pad: number, added: string): string {
  return `diff --git a/${path} b/${path}
index 0123456..89abcde 100644
--- a/${path}
+++ b/${path}
@@ -10,3 +10,${pad + 4} @@ static void sched_tick(struct domain *d)
 {
     int i;
 
+    /* synthetic */
${added}
`;
}
