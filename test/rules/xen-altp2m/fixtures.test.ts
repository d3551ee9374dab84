import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE, casesFor, review } from './golden.js';

/** The golden inputs are `git format-patch` output whose diffstat agrees with the parsed hunks. */
const inputs = [...casesFor('altp2m-').map((c) => [c.name, c.mbox] as const), ['examples/xen-altp2m-review', EXAMPLE] as const];

describe('golden fixtures are git format-patch output', () => {
  it.each(inputs)('%s', async (_name, path) => {
    const messages = readFileSync(path, 'utf8').split(/(?=^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m);
    const reviewed = await review(path);
    const reports = new Map(reviewed.events.flatMap((e) => (e.kind === 'series' ? e.patches : [])).map((p) => [p.messageId, p]));
    expect(reports.size).toBe(messages.length);
    for (const message of messages) {
      const id = /^Message-Id: (<[^>]+>)$/m.exec(message)?.[1];
      expect(id).toBeDefined();
      expect(message).toMatch(/^From: .+ <[^>]+>$/m);
      expect(message).toMatch(/^Date: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/m);
      expect(message).toMatch(/\n-- \n2\.39\.5\n/);
      const report = reports.get(id!)!;
      const stat = /^ (\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?$/m.exec(message);
      if (report.kind === 'cover') continue;
      expect(stat, `diffstat of ${id}`).not.toBeNull();
      // The diffstat git wrote and the counts of the hunks as modelled must agree.
      expect(report.files).toHaveLength(Number(stat![1]));
      expect(report.files.reduce((n, f) => n + f.additions, 0)).toBe(Number(stat![2] ?? 0));
      expect(report.files.reduce((n, f) => n + f.deletions, 0)).toBe(Number(stat![3] ?? 0));
    }
  });
});
