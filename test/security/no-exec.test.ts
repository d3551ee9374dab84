// "Nothing from a message ever reaches a shell or eval" (docs/reliability.md). Statically: the
// TypeScript sources (src/, rules/, bot/), read with TypeScript's parser, have no way to run a
// program or evaluate a string — no child_process, vm, eval, Function constructor, string
// timers, computed import() — and the scanner is shown to catch each of those. Dynamically: mail full of shell syntax, run through
// every output of the built CLI with trap programs first on PATH, runs nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../bot/mail/support/messages.js';
import { cli, everything, ROOT, STACK } from './support.js';

/** Modules that run programs or evaluate text (and `module`, whose createRequire loads any). */
const PROCESS_MODULES = /^(?:node:)?(?:child_process|vm|repl|inspector|cluster|wasi|module)$/;
const EXEC_NAMES = new Set(['exec', 'execSync', 'execFile', 'execFileSync', 'spawn', 'spawnSync', 'fork']);

/** Allowed, with the reason: threads are no shell, and they run our own module, not input. */
const ALLOWED: { file: string; name: string; why: string }[] = [
  { file: 'bot/workers/pool.ts', name: 'worker_threads', why: 'a thread pool that reads and counts messages (-j N)' },
  { file: 'bot/workers/pool.ts', name: 'new Worker', why: "runs new URL('./prepare-worker.js', import.meta.url), a fixed module of ours" },
  { file: 'bot/workers/prepare-worker.ts', name: 'worker_threads', why: 'the worker side: parentPort and workerData' },
  { file: 'bot/git/git.ts', name: 'process module', why: 'runs git (check --range, watch --public-inbox): the program is the literal "git", argv an array, no shell' },
  { file: 'bot/packs.ts', name: 'computed import()', why: "--pack PATH loads the operator's own rule pack named on the command line (ESLint's plugin model); a config file, which may come from the repository under review, can only name a registered pack, and nothing from a message reaches the path" },
  { file: 'bot/git/git.ts', name: 'exec/spawn call', why: 'execFile and spawn of "git" only (checked below); its argv holds the user\'s revisions and directories and object ids git printed, never message text' },
];

/**
 * The forbidden constructs in one file, found on its syntax tree (TypeScript's own parser), so
 * comments, strings and regular expressions that merely mention them do not count.
 */
function scan(file: string, text: string): { file: string; name: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const hits: { file: string; name: string; line: number }[] = [];
  const hit = (node: ts.Node, name: string): void => void hits.push({ file, name, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  const moduleName = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    if (PROCESS_MODULES.test(spec.text)) hit(node, 'process module');
    if (/^(?:node:)?worker_threads$/.test(spec.text)) hit(node, 'worker_threads');
  };
  const calleeName = (e: ts.Expression): string | undefined => (ts.isIdentifier(e) ? e.text : ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) moduleName(node, node.moduleSpecifier);
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) moduleName(node, node.moduleReference.expression);
    if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [spec] = node.arguments;
        if (!spec || !ts.isStringLiteralLike(spec)) hit(node, 'computed import()');
        else moduleName(node, spec);
      }
      if (name === 'require') {
        hit(node, 'require');
        moduleName(node, node.arguments[0]);
      }
      if (name === 'eval') hit(node, 'eval');
      if (name === 'Function') hit(node, 'Function constructor');
      if (name !== undefined && EXEC_NAMES.has(name) && ts.isIdentifier(node.expression)) hit(node, 'exec/spawn call');
      if (name !== undefined && /^set(?:Timeout|Interval|Immediate)$/.test(name) && node.arguments[0] && (ts.isStringLiteralLike(node.arguments[0]) || ts.isTemplateExpression(node.arguments[0]))) hit(node, 'string timer');
      if (ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'process' && /^(?:binding|_linkedBinding|dlopen)$/.test(node.expression.name.text)) hit(node, 'native binding');
    }
    if (ts.isNewExpression(node)) {
      const name = calleeName(node.expression);
      if (name === 'Function') hit(node, 'Function constructor');
      if (name === 'Worker') hit(node, 'new Worker');
    }
    if (ts.isIdentifier(node) && node.text === 'createRequire') hit(node, 'require');
    // `new Worker(text, { eval: true })` runs text.
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'eval' && node.initializer.kind === ts.SyntaxKind.TrueKeyword) hit(node, 'worker from source text');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return hits;
}

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.ts'))
    .map((p) => join(dir, p));

describe('no way from a message to a shell or eval in the sources', () => {
  it('src/, rules/ and bot/ contain none of the forbidden constructs outside the allow-list', () => {
    const files = [...sources('src'), ...sources('rules'), ...sources('bot')];
    expect(files.length).toBeGreaterThan(50);
    const hits = files.flatMap((file) => scan(file, readFileSync(join(ROOT, file), 'utf8')));
    const unexplained = hits.filter((h) => !ALLOWED.some((a) => a.file === h.file && a.name === h.name)).map((h) => `${h.file}:${h.line}: ${h.name}`);
    expect(unexplained).toEqual([]);
    // Each allow-list entry is still needed (a stale one would hide a new use in its file).
    expect(ALLOWED.filter((a) => !hits.some((h) => h.file === a.file && h.name === a.name))).toEqual([]);
  });

  it('bot/git/git.ts runs only the program "git", with an argument array, and never a shell', () => {
    const file = 'bot/git/git.ts';
    const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const calls: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && EXEC_NAMES.has(node.expression.text)) {
        const [program, args] = node.arguments;
        calls.push(`${node.expression.text}(${program && ts.isStringLiteral(program) ? program.text : '?'}, ${args && ts.isArrayLiteralExpression(args) ? 'array' : '?'})`);
      }
      // `shell: true` (or any shell option) would hand argv to /bin/sh.
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'shell') calls.push('shell option');
      ts.forEachChild(node, visit);
    };
    visit(source);
    expect(calls.sort()).toEqual(['execFile(git, array)', 'spawn(git, array)']);
  });

  it('the scanner catches each construct, and not the look-alikes the code really uses', () => {
    const bad = [
      "import { exec } from 'node:child_process';",
      'const cp = await import("child_process");',
      "const vm = require('vm');",
      'eval(subject);',
      "globalThis['eval'](x);",
      'const f = new Function("return " + body);',
      'Function(text)();',
      "setTimeout('alert(1)', 10);",
      'spawn(path, args);',
      'execFileSync("git", ["am"]);',
      'process.binding("spawn_sync");',
      'await import(modulePath);',
      'new Worker(code, { eval: true });',
      "const re = /`/; eval(x); const y = `;`;",
      'const { spawn: run } = cp; run(x); spawn(y);',
      "import { createRequire } from 'node:module';",
    ];
    for (const line of bad) expect(scan('x.ts', line).length, line).toBeGreaterThan(0);
    const fine = [
      '/^\\[PATCH/.exec(subject);',
      "db.exec('CREATE TABLE t (x)');",
      '// eval(x) in a comment, or spawn(...)',
      "const doc = 'subops need not be evaluated; never eval( input )';",
      "const { simpleParser } = await import('mailparser');",
      'retrieval(x); evaluate(y); respawn(z);',
      'functionName(x);',
      "const re = /^[\\w !#$%&'*+/=?^`{|}~.-]*$/; const t = `eval(${1})`;",
      'const o = { exec: 1 }; o.exec; x.spawn(y);',
    ];
    for (const line of fine) expect(scan('x.ts', line), line).toEqual([]);
  });
});

describe('mail full of shell syntax runs nothing', () => {
  let dir: string;
  let trap: string;
  const marker = (): string => join(dir, 'RAN');
  const SHELLY = "$(touch RAN) `touch RAN`; touch RAN | touch RAN && touch RAN ${IFS}'\"";
  const MSGID = '`touch${IFS}RAN`|sh&&touch${IFS}RAN';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-noexec-'));
    // Programs a careless bot might run (a shell, git am, a mailer), first on PATH: each one
    // leaves a marker with its name and arguments.
    trap = join(dir, 'trap');
    mkdirSync(trap);
    for (const name of ['sh', 'bash', 'dash', 'git', 'patch', 'sendmail', 'perl', 'python3', 'env', 'xargs', 'touch']) {
      writeFileSync(join(trap, name), `#!/bin/sh\necho "${name} $*" >> '${dir}/RAN'\n`);
      chmodSync(join(trap, name), 0o755);
    }
  }, 480_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function hostile(): string {
    const source = fixture('domctl-violation.patch').toString('utf8');
    const diff = source.slice(source.indexOf('diff --git '), source.lastIndexOf('-- \n'));
    const path = `xen/include/public/$(touch RAN).h`;
    return [
      'From x@example.org Wed Nov 25 09:12:44 2026',
      `From: "${SHELLY.replace(/["\\]/g, '')}" <x@example.org>`,
      `To: xen-devel@lists.example.org`,
      `Subject: [PATCH] ${SHELLY}`,
      // Backquote, $, {, }, | and & are all atext (RFC 5322 §3.2.3): a valid Message-ID.
      `Message-ID: <${MSGID}@example.org>`,
      `References: <\`touch RAN\`@example.org>`,
      `X-Original-From: ${SHELLY}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      SHELLY,
      '',
      '--b',
      `Content-Type: text/x-patch; name="$(touch RAN).patch"`,
      `Content-Disposition: attachment; filename="\`touch RAN\`; touch RAN.patch"`,
      '',
      diff.trimEnd(),
      `diff --git a/${path} b/${path}`,
      'new file mode 100644',
      '--- /dev/null',
      `+++ b/${path}`,
      '@@ -0,0 +1,2 @@',
      `+${SHELLY}`,
      '+#define XEN_DOMCTL_altp2m_shell 90',
      '--b--',
      '',
    ].join('\n');
  }

  it('check (json, text, sarif) and mail read it, find the violation, and no trap program runs', async () => {
    const input = hostile();
    const env = { PATH: `${trap}:${process.env['PATH'] ?? ''}`, HOME: dir };
    // The traps work: a program looked up on this PATH leaves its marker.
    spawnSync('git', ['am'], { env });
    expect(readFileSync(marker(), 'utf8')).toBe('git am\n');
    rmSync(marker());
    const runs = await Promise.all([
      cli(['check', '--format', 'json', '-'], { cwd: dir, env, stdin: input }),
      cli(['check', '--format', 'text', '-'], { cwd: dir, env, stdin: input }),
      cli(['check', '--format', 'sarif', '-'], { cwd: dir, env, stdin: input }),
      cli(['mail', '-', '--state', join(dir, 'state.db')], { cwd: dir, env, stdin: input }),
    ]);
    for (const run of runs) expect(everything(run)).not.toMatch(STACK);
    const [json, text, sarif, mail] = runs;
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { patches: { subject: string; files: { path: string }[]; findings: { rule: string }[] }[] };
    expect(report.patches[0]!.subject).toContain('$(touch RAN)');
    expect(report.patches[0]!.files.map((f) => f.path)).toContain('xen/include/public/$(touch RAN).h');
    expect(report.patches[0]!.findings.map((f) => f.rule)).toContain('altp2m-domctl');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('$(touch RAN)');
    expect(sarif.code).toBe(1);
    expect(mail.code, mail.stderr).toBe(0);
    expect(mail.stdout).toContain(`In-Reply-To: <${MSGID}@example.org>`);
    expect(mail.stdout).toContain('$(touch RAN)');
    expect(existsSync(marker()) ? readFileSync(marker(), 'utf8') : '').toBe('');
    expect(readdirSync(dir).sort()).toEqual(['trap']);
  });
});
