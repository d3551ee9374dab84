import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultConfig, validateConfig, type Config } from '../src/engine/config.js';
import { ConfigError } from '../src/errors.js';
import type { RulePack } from '../src/engine/rule.js';
import { DEFAULT_PACK, loadPack, packNamed } from './packs.js';

export const DEFAULT_CONFIG_FILE = '.patchsentry.yml';

/** What a command runs with: the rule pack and the config checked against it. */
export interface Settings {
  readonly pack: RulePack;
  readonly config: Config;
}

/**
 * The pack and the config of a command: the pack is `--pack` (a name or a module's path), else
 * the config's `pack:` (a name), else the default; the config is the named file (which must
 * exist), or `.patchsentry.yml` in `cwd` when there is one, else the pack's defaults.
 */
export async function loadSettings(options: { readonly pack?: string | undefined; readonly config?: string | undefined }, cwd = process.cwd()): Promise<Settings> {
  const file = configPath(options.config, cwd);
  const raw = file === undefined ? undefined : readConfig(file);
  const named = isRecord(raw) ? raw['pack'] : undefined;
  if (named !== undefined && typeof named !== 'string') throw new ConfigError('pack: must be the name of a pack', file);
  let pack: RulePack;
  if (options.pack !== undefined) {
    pack = await loadPack(options.pack, cwd);
    // --pack wins over the config's pack: the config's key is then only checked to agree.
    if (named !== undefined && named !== pack.name) throw new ConfigError(`pack: ${JSON.stringify(named)} disagrees with --pack ${options.pack} (pack ${pack.name})`, file);
  } else pack = packNamed(named ?? DEFAULT_PACK, file);
  return { pack, config: file === undefined ? defaultConfig(pack) : validateConfig(raw, pack, file) };
}

/**
 * Loads the config for a pack already chosen: the named file (which must exist), or
 * `.patchsentry.yml` in the working directory when there is one, else the pack's defaults.
 */
export function loadConfig(pack: RulePack, file?: string, cwd = process.cwd()): Config {
  const path = configPath(file, cwd);
  return path === undefined ? defaultConfig(pack) : validateConfig(readConfig(path), pack, path);
}

function configPath(file: string | undefined, cwd: string): string | undefined {
  return file ?? (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`) ? `${cwd}/${DEFAULT_CONFIG_FILE}` : undefined);
}

function readConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`, path);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
