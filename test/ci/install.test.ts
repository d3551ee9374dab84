// Installing patchsentry as a list admin does (docs/mail-bot.md): `npm pack` makes a tarball
// with the built code, `npm install -g` of it puts a working `patchsentry` on PATH (here under
// a temp --prefix), native SQLite included. The pack runs in a copy of the project, so the
// checkout's dist/ (which other tests run) is never rebuilt under them.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../bot/mail/support/messages.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What `npm pack` needs of the checkout (node_modules is linked, not copied). */
const PROJECT = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'bin', 'src', 'rules', 'bot', 'scripts', 'docs'];

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'patchsentry-install-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyProject(to: string, withModules: boolean): void {
  mkdirSync(to);
  for (const entry of PROJECT) if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(to, entry), { recursive: true });
  if (withModules) symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/**
 * `npm_config_better_sqlite3_local_prebuilds`: a directory holding
 * `better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` (prebuild-install's name)
 * with the checkout's compiled module; nothing when the checkout has none (then it compiles).
 */
function localPrebuild(): Record<string, string> {
  const module = join(ROOT, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(module, 'build', 'Release', 'better_sqlite3.node'))) return {};
  const version = (JSON.parse(readFileSync(join(module, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(tmp, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(dir, name), '-C', module, 'build/Release/better_sqlite3.node']);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

describe('the package as a list admin installs it', () => {
  it('npm pack gives a tarball with dist/; npm install -g of it gives a patchsentry on PATH that reviews and keeps state', { timeout: 900_000 }, async () => {
    const project = join(tmp, 'project');
    copyProject(project, true);
    const packed = await run(NPM, ['pack', '--pack-destination', tmp, '--json'], { cwd: project, timeout: 600_000, maxBuffer: 64 << 20 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    expect(files).toContain('bin/patchsentry.js');
    expect(files).toContain('dist/bot/cli/main.js');
    expect(files).toContain('docs/mail-bot.md');
    // Built code only: no TypeScript sources, tests or source maps.
    expect(files.filter((f) => /\.ts$|\.map$|^test\//.test(f))).toEqual([]);

    const prefix = join(tmp, 'prefix');
    // better-sqlite3's install script (npm 11 runs it only when named) fetches a prebuilt native
    // module from GitHub, which this machine cannot reach, then compiles SQLite for minutes.
    // It looks in a local prebuilds directory first: one is made from the checkout's own
    // build, so the install takes the module from there when the versions match.
    const env = { ...process.env, ...localPrebuild() };
    await run(NPM, ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--allow-scripts=better-sqlite3', join(tmp, info!.filename)], {
      cwd: tmp,
      env,
      timeout: 840_000,
      maxBuffer: 64 << 20,
    });
    const bin = join(prefix, 'bin', 'patchsentry');
    expect(existsSync(bin)).toBe(true);
    const cli = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env['PATH'] ?? ''}`, XDG_STATE_HOME: join(tmp, 'state') };
    const version = execFileSync('patchsentry', ['--version'], { env: cli, cwd: tmp }).toString().trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    writeFileSync(join(tmp, 'patch.eml'), fixture('domctl-violation.patch'));
    // check: a finding, exit 1.
    const check = await run('patchsentry', ['check', join(tmp, 'patch.eml')], { env: cli, cwd: tmp }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('altp2m-domctl');
    // mail: SQLite (the native module) works, the state goes to its per-user default.
    const mail = await run('patchsentry', ['mail', '--smtp', 'smtp://127.0.0.1:9', join(tmp, 'patch.eml')], { env: cli, cwd: tmp });
    expect(mail.stderr).toMatch(/replied|queued|send failed/);
    expect(readdirSync(join(tmp, 'state', 'patchsentry'))).toContain('state.db');
  });

  it('npm ci --omit=dev in a checkout does not fail for want of TypeScript: prepare says how to build', async () => {
    const project = join(tmp, 'bare');
    copyProject(project, false);
    // What `prepare` meets there: no node_modules/typescript, no dist/.
    const out = await run(process.execPath, [join(project, 'scripts', 'prepare.mjs')], { cwd: project });
    expect(out.stderr).toContain('TypeScript is not installed');
    expect(existsSync(join(project, 'dist'))).toBe(false);
    // With dist/ there (a release, or built before), it says nothing.
    mkdirSync(join(project, 'dist', 'bot', 'cli'), { recursive: true });
    writeFileSync(join(project, 'dist', 'bot', 'cli', 'main.js'), '');
    const quiet = await run(process.execPath, [join(project, 'scripts', 'prepare.mjs')], { cwd: project });
    expect(quiet.stderr).toBe('');
  });
});
