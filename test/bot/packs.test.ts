// The pack registry and how a command chooses its pack: --pack, the config's pack:, the default.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PACK, PACKS, checkPack, isPackModule, packNamed } from '../../bot/packs.js';
import { loadSettings } from '../../bot/config.js';
import { ConfigError } from '../../src/errors.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';

const dir = mkdtempSync(join(tmpdir(), 'patchsentry-packs-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('the registry', () => {
  it('names each pack once, the default among them', () => {
    const names = PACKS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(packNamed(DEFAULT_PACK)).toBe(xenAltp2m);
  });

  it('refuses an unknown name, listing the known packs', () => {
    expect(() => packNamed('nope')).toThrow(ConfigError);
    expect(() => packNamed('nope')).toThrow('pack: unknown pack "nope" (known: xen-altp2m; or --pack with the path of a pack module)');
  });

  it('tells a module path from a name', () => {
    expect(isPackModule('xen-altp2m')).toBe(false);
    expect(isPackModule('./my-pack.mjs')).toBe(true);
    expect(isPackModule('packs/mine/index.js')).toBe(true);
  });

  it('every registered pack carries its metadata (checked as a module pack would be)', () => {
    for (const pack of PACKS) expect(checkPack(pack, pack.name)).toBe(pack);
  });

  it('refuses a module export that is not a pack, saying what is missing', () => {
    expect(() => checkPack({ ...xenAltp2m, waiverTrailer: 'Policy-OK' }, 'x.mjs')).toThrow('--pack: x.mjs does not export a rule pack: "waiverTrailer" must end in -Ack');
    expect(() => checkPack({ ...xenAltp2m, rules: [{ id: 'a' }] }, 'x.mjs')).toThrow('rules[0] needs an "id" and a "check" function');
    expect(() => checkPack(undefined, 'x.mjs')).toThrow('no default export');
    expect(() => checkPack({ ...xenAltp2m, rules: [{ id: 'a', check: () => undefined, meta: { severity: 'fatal', messages: {} } }] }, 'x.mjs')).toThrow('rules[0] (a) needs a "meta" with a "severity"');
  });
});

describe('loadSettings', () => {
  it('without --pack or a config file: the default pack and its watched paths', async () => {
    const { pack, config } = await loadSettings({}, dir);
    expect(pack).toBe(xenAltp2m);
    expect(config.watch).toEqual(xenAltp2m.watch);
  });

  it("the config's pack: chooses the pack; an unknown one is a config error naming the file", async () => {
    const good = file('good.yml', 'pack: xen-altp2m\nrules:\n  altp2m-new-subop: off\n');
    expect((await loadSettings({ config: good }, dir)).config.rules).toEqual({ 'altp2m-new-subop': { enabled: false } });
    const bad = file('bad.yml', 'pack: xen-other\n');
    await expect(loadSettings({ config: bad }, dir)).rejects.toThrow(`${bad}: pack: unknown pack "xen-other" (known: xen-altp2m`);
  });

  it('--pack wins, and a config naming another pack is refused rather than ignored', async () => {
    expect((await loadSettings({ pack: 'xen-altp2m' }, dir)).pack).toBe(xenAltp2m);
    await expect(loadSettings({ pack: 'nope' }, dir)).rejects.toThrow('unknown pack "nope"');
    const other = file('other.yml', 'pack: xen-other\n');
    await expect(loadSettings({ pack: 'xen-altp2m', config: other }, dir)).rejects.toThrow('pack: "xen-other" disagrees with --pack xen-altp2m');
  });

  it('a module path that does not load is an error naming it', async () => {
    await expect(loadSettings({ pack: './missing-pack.mjs' }, dir)).rejects.toThrow(`--pack: cannot load ${join(dir, 'missing-pack.mjs')}`);
  });
});
