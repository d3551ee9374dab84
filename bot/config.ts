import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_CONFIG, validateConfig, type Config } from '../src/engine/config.js';
import { ConfigError } from '../src/errors.js';
import type { RulePack } from '../src/engine/rule.js';

export const DEFAULT_CONFIG_FILE = '.patchsentry.yml';

/**
 * Loads the config: the named file (which must exist), or `.patchsentry.yml` in the working
 * directory when there is one, else the defaults.
 */
export function loadConfig(pack: RulePack, file?: string, cwd = process.cwd()): Config {
  const path = file ?? (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`) ? `${cwd}/${DEFAULT_CONFIG_FILE}` : undefined);
  if (path === undefined) return DEFAULT_CONFIG;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ConfigError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`, path);
  }
  return validateConfig(raw, pack.rules.map((r) => r.id), path);
}
