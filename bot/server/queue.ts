/**
 * One lane per key (a pull request): tasks for the same PR run one after another, others in
 * parallel. With the marker check on the PR this keeps two deliveries for one head from
 * producing two reviews.
 */
export class KeyedQueue {
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly pending = new Set<string>();

  constructor(private readonly onError: (key: string, error: unknown) => void) {}

  /**
   * Queues `task` on `key`'s lane unless a task with the same `dedupe` id (PR + head SHA) is
   * already queued or running. Returns false when it was dropped as a duplicate.
   */
  run(key: string, dedupe: string, task: () => Promise<void>): boolean {
    if (this.pending.has(dedupe)) return false;
    this.pending.add(dedupe);
    const previous = this.lanes.get(key) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((error: unknown) => this.onError(key, error))
      .finally(() => {
        this.pending.delete(dedupe);
        if (this.lanes.get(key) === next) this.lanes.delete(key);
      });
    this.lanes.set(key, next);
    return true;
  }

  /** Resolves when every queued task has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()]);
  }
}
