import { readFileSync } from 'node:fs';
import { parseMaintainers, type Maintainers } from '../src/engine/maintainers.js';

/**
 * `--maintainers FILE` (Xen's MAINTAINERS, src/engine/maintainers.ts), read for `check`,
 * `mail` and `watch`. A line it cannot use is passed to `log` (the rest still counts); a file
 * that cannot be read, or has no section at all, is an error naming it.
 */
export function readMaintainersFile(path: string, log: (line: string) => void): Maintainers {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`--maintainers: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const maintainers = parseMaintainers(text);
  for (const problem of maintainers.problems) log(`${path}: ${problem}`);
  if (maintainers.sections.length === 0) throw new Error(`--maintainers: ${path} has no sections (is it a MAINTAINERS file?)`);
  return maintainers;
}
