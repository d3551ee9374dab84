import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../../bot/server/queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('runs one PR\'s tasks one after another, other PRs alongside, and drops a duplicate head', async () => {
    const errors: string[] = [];
    const queue = new KeyedQueue((key, e) => errors.push(`${key}: ${(e as Error).message}`));
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
    };
    expect(queue.run('pr1', 'pr1@a', task('1a', 30))).toBe(true);
    expect(queue.run('pr1', 'pr1@a', task('1a-again', 1))).toBe(false);
    expect(queue.run('pr1', 'pr1@b', task('1b', 1))).toBe(true);
    expect(queue.run('pr2', 'pr2@a', task('2a', 1))).toBe(true);
    expect(queue.run('pr3', 'pr3@a', async () => Promise.reject(new Error('boom')))).toBe(true);
    await queue.idle();
    expect(events.indexOf('end 1a')).toBeLessThan(events.indexOf('start 1b'));
    expect(events.indexOf('end 2a')).toBeLessThan(events.indexOf('end 1a'));
    expect(events).not.toContain('start 1a-again');
    expect(errors).toEqual(['pr3: boom']);
    // Once done, the same head may be queued again (a redelivery later on).
    expect(queue.run('pr1', 'pr1@a', task('1a-later', 1))).toBe(true);
    await queue.idle();
  });
});
