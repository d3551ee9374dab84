// docs/mail-bot.md's deployment recipe: every patchsentry command line in it must be one the
// CLI takes (each option known to its command), and the list it sets up must be the one the
// end-to-end test runs (test/bot/mail/postfix.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../bot/cli/main.js';

const doc = readFileSync(new URL('../../docs/mail-bot.md', import.meta.url), 'utf8');
const deployment = doc.slice(doc.indexOf('## Deployment'));

/** The words of a command line, quotes removed (enough for the lines of the recipe). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Each `patchsentry <command> ...` in the section's code blocks. */
function commandLines(): string[][] {
  const blocks = [...deployment.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const lines: string[][] = [];
  for (const block of blocks) {
    for (const line of block.split('\n')) {
      const at = line.search(/(^|\/)patchsentry (mail|watch|check)\b/);
      if (at < 0) continue;
      const cut = line.slice(at).replace(/^\/?/, '').replace(/"$/, '').replace(/\s*<\s*\/dev\/null\s*$/, '');
      lines.push(words(cut.replace(/^.*?patchsentry /, 'patchsentry ')));
    }
  }
  return lines;
}

describe('docs/mail-bot.md, deployment', () => {
  it('uses only options the CLI knows, each with a value where it takes one', () => {
    const lines = commandLines();
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const program = buildProgram();
    for (const [, name, ...args] of lines) {
      const command = program.commands.find((c) => c.name() === name);
      expect(command, name).toBeDefined();
      const known = new Map(command!.options.map((o) => [o.long!, o.required || o.optional]));
      for (let i = 0; i < args.length; i++) {
        const arg = args[i]!;
        if (!arg.startsWith('--')) continue;
        expect(known.has(arg), `${name} ${arg}`).toBe(true);
        if (known.get(arg)) {
          expect(args[i + 1], `${name} ${arg} needs a value`).toMatch(/^[^-]/);
          i++;
        }
      }
    }
  });

  it('sets up the list the end-to-end test runs, and the install the install test runs', () => {
    expect(deployment).toContain('\nxen-devel: dev, maint, patchsentry\n');
    const e2e = readFileSync(new URL('../bot/mail/postfix.test.ts', import.meta.url), 'utf8');
    expect(e2e).toContain("'xen-devel: dev, maint, patchbot'");
    expect(deployment).toContain('npm install -g --allow-scripts=better-sqlite3 ./patchsentry-0.1.0.tgz');
    const install = readFileSync(new URL('../ci/install.test.ts', import.meta.url), 'utf8');
    expect(install).toContain("'--allow-scripts=better-sqlite3'");
  });
});
