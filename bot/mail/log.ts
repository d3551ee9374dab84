import { appendFileSync } from 'node:fs';

/**
 * `--log FILE`: one line per event, `2026-11-25T08:12:44.123Z <what happened>`. Under an MTA
 * (`.forward`, a Postfix pipe) the command's own output is thrown away, so this file is the
 * bot's only log there.
 *
 * The file is opened in append mode for each line and closed again: after logrotate renames it
 * the next line goes to a new file of the old name (no `copytruncate`, no signal needed), and
 * two bots appending at once never interleave within a line (O_APPEND, one write each).
 */
export function fileLog(path: string, now: () => Date, onError: (message: string) => void): (line: string) => void {
  let failing = false;
  return (line) => {
    try {
      // 0600 when it is created: the log names senders and subjects of list mail.
      appendFileSync(path, `${now().toISOString()} ${line.replace(/[\r\n]+/g, ' ')}\n`, { mode: 0o600 });
      failing = false;
    } catch (error) {
      // The message is in the state whatever happens to the log: say so once, and go on.
      if (!failing) onError(`cannot write the log ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      failing = true;
    }
  };
}
