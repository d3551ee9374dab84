/**
 * Golden cases for the xen-altp2m rules: `test/fixtures/rules/<rule-id>--fires|silent--<case>.mbox`
 * (real `git format-patch` output) beside `<case>.expected.json`, which lists, per Message-ID of
 * every message in the mbox, the findings a careful reviewer expects:
 *
 *     { "<20260302101512.2345-1-marta.kowalczyk@example.org>": [
 *         { "rule": "altp2m-domctl", "severity": "error",
 *           "path": "xen/include/public/domctl.h", "line": 173, "side": "new" } ] }
 *
 * `path`/`line`/`side` (the anchor) and `waiver` are checked when given.
 */
import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitMbox } from '../../../src/ingest/mbox.js';
import { reviewMessages, type ReviewEvent } from '../../../src/pipeline.js';
import { type Config } from '../../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import type { Finding, Severity, Side, Waiver } from '../../../src/engine/finding.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/rules/', import.meta.url));
export const EXAMPLE = fileURLToPath(new URL('../../../examples/xen-altp2m-review.mbox', import.meta.url));

export interface ExpectedFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly path?: string;
  readonly line?: number;
  readonly side?: Side;
  readonly waiver?: Waiver;
}

export type Expected = Record<string, ExpectedFinding[]>;

export interface GoldenCase {
  readonly name: string;
  readonly mbox: string;
  readonly expected: Expected;
}

export function loadExpected(name: string): Expected {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.expected.json`, 'utf8')) as Expected;
}

/** Every golden case whose file name starts with `prefix` (e.g. `altp2m-domctl--`). */
export function casesFor(prefix: string): GoldenCase[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.mbox'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.mbox$/, '');
      return { name, mbox: `${FIXTURES}${f}`, expected: loadExpected(name) };
    });
}

export interface Reviewed {
  readonly events: readonly ReviewEvent[];
  /** Findings per Message-ID, for every message of the input (empty when it has none). */
  readonly byMessage: ReadonlyMap<string, readonly Finding[]>;
}

/** The real pipeline over an mbox: splitMbox → reviewMessages with the xen-altp2m pack. */
export async function review(source: string | Buffer, config: Config = DEFAULT_CONFIG): Promise<Reviewed> {
  const chunks = typeof source === 'string' ? createReadStream(source) : (async function* () { yield source; })();
  const events: ReviewEvent[] = [];
  for await (const event of reviewMessages(splitMbox(chunks), { pack: xenAltp2m, config, source: 'golden' })) events.push(event);
  const byMessage = new Map<string, Finding[]>();
  for (const event of events) {
    if (event.kind !== 'series') continue;
    for (const report of event.patches) byMessage.set(report.messageId ?? `#${report.index}`, [...report.findings]);
  }
  return { events, byMessage };
}

const key = (f: { rule: string; severity: string }): string => `${f.rule}:${f.severity}`;

/** Asserts a reviewed mbox against its expectations: exact rule ids and severities per message. */
export function expectGolden(reviewed: Reviewed, expected: Expected): void {
  // The input is sound: no unreadable message, no diff whose hunk counts lie, no rule crash.
  const errors = reviewed.events.flatMap((e) => (e.kind === 'error' ? [e.error.reason] : []));
  expect(errors).toEqual([]);
  const failures = reviewed.events.flatMap((e) => (e.kind === 'series' ? e.failures.map((f) => `${f.rule}: ${f.reason}`) : []));
  expect(failures).toEqual([]);

  expect([...reviewed.byMessage.keys()].sort()).toEqual(Object.keys(expected).sort());
  for (const [messageId, wanted] of Object.entries(expected)) {
    const got = reviewed.byMessage.get(messageId) ?? [];
    expect(got.map(key).sort(), `findings on ${messageId}`).toEqual(wanted.map(key).sort());
    for (const w of wanted) {
      if (w.path !== undefined) {
        const anchored = got.filter((f) => key(f) === key(w) && f.path === w.path && f.line === w.line && f.side === w.side);
        expect(anchored, `${key(w)} anchored at ${w.path}:${w.line} (${w.side}) on ${messageId}; got ${got.map((f) => `${f.path}:${f.line}`).join(', ')}`).not.toHaveLength(0);
      }
    }
    const waived = got.filter((f) => f.waiver !== undefined).map((f) => ({ rule: f.rule, waiver: f.waiver }));
    const wantWaived = wanted.filter((w) => w.waiver !== undefined).map((w) => ({ rule: w.rule, waiver: w.waiver }));
    expect(waived).toEqual(wantWaived);
  }
}

/** The one finding of `rule` on `messageId` (asserting there is exactly one). */
export function only(reviewed: Reviewed, messageId: string, rule: string): Finding {
  const found = (reviewed.byMessage.get(messageId) ?? []).filter((f) => f.rule === rule);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Message-IDs of a case, in the order of its expected file (the mbox order). */
export function messageIds(c: GoldenCase): string[] {
  return Object.keys(c.expected);
}

/**
 * The golden suite of one rule: asserts it has at least `fires` cases that fire and `silent`
 * look-alikes, and checks every `<rule>--*` case against its expectations. Returns the cases
 * and a lookup by the name after `<rule>--` (e.g. `fires--new-command`) for the finer tests.
 */
export function goldenSuite(rule: string, minimum: { fires: number; silent: number }): { cases: GoldenCase[]; byName: (name: string) => GoldenCase } {
  const cases = casesFor(`${rule}--`);
  describe(`${rule} golden cases`, () => {
    it('has cases that fire and look-alikes that must stay silent', () => {
      expect(cases.filter((c) => c.name.includes('--fires--')).length).toBeGreaterThanOrEqual(minimum.fires);
      expect(cases.filter((c) => c.name.includes('--silent--')).length).toBeGreaterThanOrEqual(minimum.silent);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      expectGolden(await review(c.mbox), c.expected);
    });
  });
  const byName = (name: string): GoldenCase => {
    const c = cases.find((x) => x.name === `${rule}--${name}`);
    if (!c) throw new Error(`no golden case ${rule}--${name}`);
    return c;
  };
  return { cases, byName };
}
