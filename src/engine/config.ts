import picomatch from 'picomatch';
import { ConfigError } from '../errors.js';
import type { Severity } from './finding.js';
import { parseAddressList, type Address } from '../ingest/message.js';
import type { RulePack } from './rule.js';

/**
 * `.patchsentry.yml`, after validation:
 *
 *     pack: some-pack                    # the rule pack, by the name bot/packs.ts gives it
 *     rules:
 *       some-rule: off                   # or: { severity: warning }
 *     watch:                             # replaces the pack's watched paths
 *       - xen/arch/x86/hvm/hvm.c
 *     watch-extra: [ "xen/arch/x86/mm/p2m.c" ]
 *     waivers:
 *       - rule: some-rule
 *         message-id: "<20240101.1234@example.org>"   # or subject: "regex"
 *         by: Jan Beulich <jbeulich@suse.com>
 *         reason: createdomain option, agreed on the list
 *     links:                             # where reports link each patch (off: no link)
 *       lore: https://lore.kernel.org/xen-devel/
 *       patchew: https://patchew.org/Xen/
 *     trusted:                           # whose waiver trailer counts on any file
 *       - "Jan Beulich <jbeulich@suse.com>"
 */
export interface RuleSetting {
  readonly enabled: boolean;
  readonly severity?: Severity;
}

export interface ConfigWaiver {
  readonly rule: string;
  readonly messageId?: string;
  readonly subject?: string;
  readonly by: string;
  readonly reason: string;
}

/** Base URLs that a Message-ID is appended to (ending in "/"); null: no such link. */
export interface LinkBases {
  readonly lore: string | null;
  readonly patchew: string | null;
}

export const DEFAULT_LINK_BASES: LinkBases = { lore: 'https://lore.kernel.org/xen-devel/', patchew: 'https://patchew.org/Xen/' };

export interface Config {
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly watch: readonly string[];
  readonly waivers: readonly ConfigWaiver[];
  /** Absent: DEFAULT_LINK_BASES. */
  readonly links?: LinkBases;
  /** People whose waiver trailer (the pack's) counts on any file (besides its maintainers and reviewers). */
  readonly trusted: readonly Address[];
}

/** What the config is checked against: the pack's rule ids, and its watched paths as the default. */
export interface ConfigPack {
  readonly name: string;
  readonly rules: readonly Pick<RulePack['rules'][number], 'id'>[];
  readonly watch: readonly string[];
}

/** The config of a run without a config file: the pack's watched paths, nothing else. */
export function defaultConfig(pack: ConfigPack): Config {
  let config = defaults.get(pack);
  if (config === undefined) {
    config = { rules: {}, watch: pack.watch, waivers: [], trusted: [] };
    defaults.set(pack, config);
  }
  return config;
}

const defaults = new WeakMap<ConfigPack, Config>();

const SEVERITIES = new Set(['error', 'warning', 'info']);

/** Validates parsed YAML; every problem is named with its key. */
export function validateConfig(raw: unknown, pack: ConfigPack, file?: string): Config {
  if (raw === null || raw === undefined) return defaultConfig(pack);
  if (!isRecord(raw)) throw new ConfigError('the top level must be a mapping', file);
  const allowed = new Set(['pack', 'rules', 'watch', 'watch-extra', 'waivers', 'links', 'trusted']);
  for (const key of Object.keys(raw)) if (!allowed.has(key)) throw new ConfigError(`unknown key "${key}" (expected one of: ${[...allowed].join(', ')})`, file);

  // The caller chose the pack from this key (bot/packs.ts); another pack in use is a conflict.
  if (raw['pack'] !== undefined && raw['pack'] !== pack.name) {
    throw new ConfigError(`pack: ${JSON.stringify(raw['pack'])} is not the pack in use (${pack.name})`, file);
  }
  const knownRules = pack.rules.map((r) => r.id);
  const rules: Record<string, RuleSetting> = {};
  if (raw['rules'] !== undefined) {
    if (!isRecord(raw['rules'])) throw new ConfigError('"rules" must be a mapping of rule id to settings', file);
    for (const [id, value] of Object.entries(raw['rules'])) {
      if (!knownRules.includes(id)) throw new ConfigError(`rules: unknown rule "${id}" (known: ${knownRules.join(', ')})`, file);
      if (value === false || value === 'off') rules[id] = { enabled: false };
      else if (value === true || value === 'on') rules[id] = { enabled: true };
      else if (typeof value === 'string' && SEVERITIES.has(value)) rules[id] = { enabled: true, severity: value as Severity };
      else if (isRecord(value)) {
        for (const key of Object.keys(value)) if (key !== 'severity' && key !== 'enabled') throw new ConfigError(`rules.${id}: unknown key "${key}" (expected one of: severity, enabled)`, file);
        const severity = value['severity'];
        if (severity !== undefined && (typeof severity !== 'string' || !SEVERITIES.has(severity))) {
          throw new ConfigError(`rules.${id}.severity: ${shown(severity)} is not one of ${[...SEVERITIES].join(', ')}`, file);
        }
        const enabled = value['enabled'] ?? true;
        if (typeof enabled !== 'boolean') throw new ConfigError(`rules.${id}.enabled: ${shown(enabled)} is not one of true, false`, file);
        rules[id] = severity === undefined ? { enabled } : { enabled, severity: severity as Severity };
      } else throw new ConfigError(`rules.${id}: ${shown(value)} is not one of off, on, ${[...SEVERITIES].join(', ')} (or a mapping with severity and enabled)`, file);
    }
  }

  const stringList = (key: string): string[] | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new ConfigError(`"${key}" must be a list of path globs`, file);
    }
    return value as string[];
  };
  const watch = [...(stringList('watch') ?? pack.watch), ...(stringList('watch-extra') ?? [])];

  const waivers: ConfigWaiver[] = [];
  if (raw['waivers'] !== undefined) {
    if (!Array.isArray(raw['waivers'])) throw new ConfigError('"waivers" must be a list', file);
    raw['waivers'].forEach((entry: unknown, i: number) => {
      const where = `waivers[${i}]`;
      if (!isRecord(entry)) throw new ConfigError(`${where} must be a mapping`, file);
      for (const key of Object.keys(entry)) if (!WAIVER_KEYS.includes(key)) throw new ConfigError(`${where}: unknown key "${key}" (expected one of: ${WAIVER_KEYS.join(', ')})`, file);
      const rule = entry['rule'];
      if (typeof rule !== 'string' || !knownRules.includes(rule)) throw new ConfigError(`${where}.rule: ${shown(rule)} is not a known rule (known: ${knownRules.join(', ')})`, file);
      const reason = entry['reason'];
      if (typeof reason !== 'string' || reason.trim() === '') throw new ConfigError(`${where}.reason is required`, file);
      const messageId = entry['message-id'];
      const subject = entry['subject'];
      if (messageId === undefined && subject === undefined) throw new ConfigError(`${where} needs message-id or subject`, file);
      if (messageId !== undefined && typeof messageId !== 'string') throw new ConfigError(`${where}.message-id must be a string`, file);
      if (subject !== undefined) {
        if (typeof subject !== 'string') throw new ConfigError(`${where}.subject must be a string`, file);
        try {
          new RegExp(subject);
        } catch {
          throw new ConfigError(`${where}.subject is not a valid regular expression`, file);
        }
      }
      const by = typeof entry['by'] === 'string' ? entry['by'] : 'config';
      waivers.push({
        rule,
        reason,
        by,
        ...(typeof messageId === 'string' ? { messageId } : {}),
        ...(typeof subject === 'string' ? { subject } : {}),
      });
    });
  }
  const trusted: Address[] = [];
  if (raw['trusted'] !== undefined) {
    if (!Array.isArray(raw['trusted'])) throw new ConfigError('"trusted" must be a list of "Name <address>"', file);
    raw['trusted'].forEach((entry: unknown, i: number) => {
      const person = typeof entry === 'string' ? parseAddressList(entry) : [];
      if (person.length !== 1 || !/^[^@\s]+@[^@\s]+$/.test(person[0]!.address)) throw new ConfigError(`trusted[${i}] must be one "Name <address>", got ${JSON.stringify(entry)}`, file);
      trusted.push(person[0]!);
    });
  }
  const links = raw['links'] === undefined ? undefined : linkBases(raw['links'], file);
  return links === undefined ? { rules, watch, waivers, trusted } : { rules, watch, waivers, trusted, links };
}

/** `links:` — lore and patchew base URLs (http or https), or off. */
function linkBases(value: unknown, file: string | undefined): LinkBases {
  if (!isRecord(value)) throw new ConfigError('"links" must be a mapping with lore and/or patchew', file);
  const out: { lore: string | null; patchew: string | null } = { ...DEFAULT_LINK_BASES };
  for (const [key, base] of Object.entries(value)) {
    if (key !== 'lore' && key !== 'patchew') throw new ConfigError(`links: unknown key "${key}" (expected lore or patchew)`, file);
    if (base === false || base === 'off') {
      out[key] = null;
      continue;
    }
    let url: URL | null = null;
    try {
      url = typeof base === 'string' ? new URL(base) : null;
    } catch {
      url = null;
    }
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
      throw new ConfigError(`links.${key} must be an http(s) base URL such as ${DEFAULT_LINK_BASES[key]}, or off`, file);
    }
    out[key] = url.href.endsWith('/') ? url.href : `${url.href}/`;
  }
  return out;
}

const WAIVER_KEYS = ['rule', 'message-id', 'subject', 'by', 'reason'];

/** A config value as the error quotes it: "onn", 3, [a, b], or (missing). */
function shown(value: unknown): string {
  if (value === undefined) return '(missing)';
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copyString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** A predicate for the watched paths. */
export function watchMatcher(config: Config): (path: string) => boolean {
  // One per config: the mail bot reviews message by message, and compiling the globs each
  // time cost more than the reviews (2.2 s of a 10,000-message IMAP drain).
  const known = matchers.get(config);
  if (known) return known;
  const matcher = compileWatch(config);
  matchers.set(config, matcher);
  return matcher;
}

const matchers = new WeakMap<Config, (path: string) => boolean>();

function compileWatch(config: Config): (path: string) => boolean {
  const matches = picomatch([...config.watch], { dot: true });
  // An archive names the same few thousand paths over and over: remember the answers (the
  // memo is dropped when it grows past a bound, so memory stays flat).
  const memo = new Map<string, boolean>();
  return (path) => {
    let answer = memo.get(path);
    if (answer === undefined) {
      if (memo.size >= 50_000) memo.clear();
      answer = matches(path);
      // A copy as the key: the path is often a slice of a whole message's text, and a kept
      // slice keeps all of that text alive.
      memo.set(copyString(path), answer);
    }
    return answer;
  };
}
