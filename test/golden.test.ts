// Golden tests (CONTRIBUTING.md): every test/fixtures/golden/<case>.mbox beside <case>.expected.json,
// found by glob. The whole JSON report must match; `npm run golden:update` regenerates the
// expected files with the built CLI for review, so this also checks that the CLI's streamed
// JSON equals the in-process report.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../bot/cli/check.js';
import { xenAltp2m } from '../rules/xen-altp2m/index.js';
import { DEFAULT_CONFIG } from './support/pack.js';

const DIR = 'test/fixtures/golden';
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.mbox'))
  .map((f) => f.slice(0, -'.mbox'.length));

describe('golden reports', () => {
  it('has cases, each with its expected file', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const name of cases) expect(existsSync(`${DIR}/${name}.expected.json`), `${name}.expected.json (npm run golden:update)`).toBe(true);
  });

  it.each(cases)('%s.mbox', async (name) => {
    const { output } = await runCheck({ inputs: [`${DIR}/${name}.mbox`], format: 'json', failOn: 'never', pack: xenAltp2m, config: DEFAULT_CONFIG });
    const expected = readFileSync(`${DIR}/${name}.expected.json`, 'utf8');
    expect(JSON.parse(output)).toEqual(JSON.parse(expected));
    expect(output).toBe(expected);
  });
});
