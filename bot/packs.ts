import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RulePack } from '../src/engine/rule.js';
import { ConfigError } from '../src/errors.js';
import { xenAltp2m } from '../rules/xen-altp2m/index.js';

/**
 * The rule packs patchsentry knows by name (docs/packs.md). Every entry point (the CLI's
 * commands, the mail bot, the GitHub App, the Action) takes its pack from here, by `--pack`,
 * the config's `pack:` or the default.
 */
export const PACKS: readonly RulePack[] = [xenAltp2m];

export const DEFAULT_PACK = xenAltp2m.name;

/** The registered pack of that name; a ConfigError listing the known ones otherwise. */
export function packNamed(name: string, where?: string): RulePack {
  const pack = PACKS.find((p) => p.name === name);
  if (pack) return pack;
  throw new ConfigError(`pack: unknown pack ${JSON.stringify(name)} (known: ${PACKS.map((p) => p.name).join(', ')}; or --pack with the path of a pack module)`, where);
}

/** A `--pack` value names a module rather than a registered pack when it looks like a path. */
export function isPackModule(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.[cm]?js$/.test(spec);
}

/**
 * `--pack`: a registered name, or the path of an ES module whose default export (or export
 * `pack`) is a RulePack. Only the command line names a module: a config file, which may come
 * from the repository under review, never makes patchsentry run code.
 */
export async function loadPack(spec: string, cwd = process.cwd()): Promise<RulePack> {
  if (!isPackModule(spec)) return packNamed(spec);
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`--pack: cannot load ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  return checkPack(module['default'] ?? module['pack'], path);
}

/** A pack module's export, checked field by field (a module is not type-checked by us). */
export function checkPack(value: unknown, where: string): RulePack {
  const fail = (reason: string): never => {
    throw new ConfigError(`--pack: ${where} does not export a rule pack: ${reason}`);
  };
  if (typeof value !== 'object' || value === null) return fail('no default export (or export "pack") that is an object');
  const pack = value as Record<string, unknown>;
  for (const key of ['name', 'policy', 'waiverTrailer'] as const) {
    if (typeof pack[key] !== 'string' || pack[key] === '') fail(`"${key}" must be a non-empty string`);
  }
  if (!/-ack$/i.test(pack['waiverTrailer'] as string)) fail('"waiverTrailer" must end in -Ack');
  if (!Array.isArray(pack['watch']) || !pack['watch'].every((w) => typeof w === 'string')) fail('"watch" must be a list of path globs');
  const wording = pack['wording'] as Record<string, unknown> | undefined;
  if (typeof wording?.['reviews'] !== 'string' || typeof wording['clean'] !== 'string') fail('"wording" must have the strings "reviews" and "clean"');
  if (!Array.isArray(pack['rules']) || pack['rules'].length === 0) fail('"rules" must be a non-empty list');
  (pack['rules'] as unknown[]).forEach((rule, i) => {
    const r = rule as Record<string, unknown> | null;
    if (typeof r?.['id'] !== 'string' || typeof r['check'] !== 'function') fail(`rules[${i}] needs an "id" and a "check" function`);
    const meta = r?.['meta'] as Record<string, unknown> | undefined;
    if (!['error', 'warning', 'info'].includes(meta?.['severity'] as string) || typeof meta?.['messages'] !== 'object' || meta['messages'] === null) {
      fail(`rules[${i}] (${String(r?.['id'])}) needs a "meta" with a "severity" (error, warning or info) and "messages"`);
    }
  });
  return value as RulePack;
}
