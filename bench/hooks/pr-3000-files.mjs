// Bench hook (run by bench/bench.mjs after the build): a 3,000-file pull request reviewed
// against the local REST server (the fake GitHub of the tests, on 127.0.0.1): the diff media
// type answers 406 as GitHub does past 300 files, so the bot pages through the files; one file
// adds an altp2m DOMCTL to public/domctl.h (rule altp2m-domctl), so a review is posted.
// Time: fetch → pipeline → review posted, median of a few runs, each on a new PR.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const runs = 3;
const root = new URL('../../', import.meta.url).pathname;
// The fake server is test code (TypeScript); bundled into node_modules/.cache so that its
// packages (ajv, @octokit/openapi) resolve from the project.
const cache = join(root, 'node_modules', '.cache', 'patchsentry-bench');
mkdirSync(cache, { recursive: true });
const serverJs = join(cache, 'github-server.mjs');
await build({ entryPoints: [join(root, 'test', 'support', 'github-server.ts')], outfile: serverJs, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error' });
const { FakeGitHub } = await import(serverJs);
const { createGitHubClient } = await import(join(root, 'dist', 'bot', 'github', 'client.js'));
const { reviewPullRequest } = await import(join(root, 'dist', 'bot', 'github', 'review-pr.js'));
const { DEFAULT_PACK, packNamed } = await import(join(root, 'dist', 'bot', 'packs.js'));
const xenAltp2m = packNamed(DEFAULT_PACK);
const { defaultConfig } = await import(join(root, 'dist', 'src', 'engine', 'config.js'));

const fake = await FakeGitHub.start();
fake.addToken('ghp_bench');
const files = Array.from({ length: 2999 }, (_, i) => ({
  filename: `xen/common/gen/file${String(i).padStart(4, '0')}.c`,
  status: 'modified',
  patch: `@@ -1,2 +1,3 @@\n int a;\n+int b; /* ${i} */\n int c;`,
  additions: 1,
  deletions: 0,
}));
files.push({
  filename: 'xen/include/public/domctl.h',
  status: 'modified',
  patch: '@@ -1240,3 +1240,8 @@ struct xen_domctl_vmtrace_op {\n #define XEN_DOMCTL_vmtrace_op                    84\n #define XEN_DOMCTL_get_paging_mempool_size       85\n+#define XEN_DOMCTL_altp2m_get_views              89\n+\n+struct xen_domctl_altp2m_views {\n+    uint16_t nr_views;\n+};\n #define XEN_DOMCTL_set_paging_mempool_size       86',
  additions: 5,
  deletions: 0,
});

const times = [];
let findings = 0;
let comments = 0;
try {
  for (let i = 0; i < runs; i++) {
    const number = 500 + i;
    fake.setPull('xen-project', 'xen', number, { headSha: String(i + 1).repeat(40), title: 'bench: 3,000 files', patch: '', diff: '', files, tooLarge: true });
    const started = process.hrtime.bigint();
    const result = await reviewPullRequest({
      client: createGitHubClient({ auth: 'ghp_bench', baseUrl: fake.url, waitUnitMs: 5 }),
      ref: { owner: 'xen-project', repo: 'xen', number },
      pack: xenAltp2m,
      config: defaultConfig(xenAltp2m),
      mode: 'review',
      failOn: 'never',
      fallback: { write: () => undefined, summary: () => undefined },
      log: () => undefined,
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    findings = result.findings.length;
    comments = fake.reviews('xen-project', 'xen', number).reduce((n, r) => n + r.comments.length, 0);
  }
} finally {
  await fake.close();
}
times.sort((a, b) => a - b);
console.log(
  `3,000-file PR review against the local REST server (406 → paged files → review): median ${times[Math.floor(times.length / 2)].toFixed(0)} ms of ${runs} runs (min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}); ${findings} findings, ${comments} inline comments`,
);
