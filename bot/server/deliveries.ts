/**
 * The `X-GitHub-Delivery` IDs of recently accepted deliveries, so that a captured delivery sent
 * again (its signature is still valid: GitHub signs the body only, with no timestamp) is refused
 * instead of being handled twice. GitHub's advice
 * (https://docs.github.com/webhooks/using-webhooks/best-practices-for-using-webhooks, "Use the
 * X-GitHub-Delivery header"); a redelivery requested on GitHub keeps the original ID.
 *
 * In memory only: the App keeps no state store (dedupe of reviews lives on the PR as head
 * markers, which also stops a replay under a fresh ID from making a second review). After a
 * restart the set is empty, and the markers are what remain. Bounded: the oldest ID is
 * forgotten once `capacity` are held (10,000 IDs of 36 characters are well under 1 MB).
 */
export class RecentDeliveries {
  // A Set iterates in insertion order: the first entry is the oldest.
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records an accepted delivery; false if it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }

  /**
   * Forgets a delivery whose work failed after it was accepted, so that a redelivery from
   * GitHub (same ID) is handled rather than refused as a replay.
   */
  forget(id: string): void {
    this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
