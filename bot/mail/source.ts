/** One message taken from a mailbox, acknowledged once it has been handled. */
export interface IncomingMail {
  /** Where it came from, for the log: a Maildir file name, `uid 42`. */
  readonly label: string;
  readonly raw: Buffer;
  /**
   * It was in the mailbox before this state first watched it: the watch records it as seen
   * without a reply, unless `--backlog review`.
   */
  readonly backlog?: boolean;
  /** Marks it handled in the mailbox (moved to cur/, last UID remembered). */
  done(): Promise<void>;
}

/** A mailbox the watch loop reads: Maildir or IMAP. */
export interface MailSource {
  /** Messages not handled yet, oldest first. */
  fetchNew(): Promise<IncomingMail[]>;
  /** Resolves after `ms`, earlier when new mail may have arrived or `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A promise for `ms` that also ends on abort or on `wake` being called. */
export function sleep(ms: number, signal: AbortSignal): { promise: Promise<void>; wake: () => void } {
  let wake = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    wake = finish;
    signal.addEventListener('abort', finish, { once: true });
  });
  return { promise, wake: () => wake() };
}
