import { expect } from 'vitest';
import type { DiffModel } from '../../../src/diff/model.js';

/**
 * What every diff model must say of itself, whatever text it was read from: each hunk's
 * lines are numbered from its start on both sides and are as many as its counts say, and a
 * file's additions and deletions are its hunks' added and deleted lines.
 */
export function expectConsistent(model: DiffModel): void {
  for (const file of model.files) {
    let additions = 0;
    let deletions = 0;
    for (const hunk of file.hunks) {
      let oldLine = hunk.oldStart;
      let newLine = hunk.newStart;
      for (const line of hunk.lines) {
        if (line.kind !== 'add') expect(line.oldLine).toBe(oldLine++);
        if (line.kind !== 'del') expect(line.newLine).toBe(newLine++);
        if (line.kind === 'add') additions++;
        if (line.kind === 'del') deletions++;
      }
      expect([oldLine - hunk.oldStart, newLine - hunk.newStart]).toEqual([hunk.oldLines, hunk.newLines]);
    }
    expect([file.additions, file.deletions]).toEqual([additions, deletions]);
  }
}
