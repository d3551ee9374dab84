/**
 * `git log -p` and `git show` output: several commits in one stream, without the mbox From_
 * lines `git format-patch` writes. Each commit becomes a message of its own, written as the
 * mail `git format-patch` would give (From, Date, Subject = the first line of the commit
 * message, the rest of the message, then the diff), so one commit is one patch and a
 * waiver trailer stays on its own commit. The default (medium), short, full, fuller and raw
 * formats start each commit with a line
 *
 *     commit 7117c66e1b8a0f504511a9f2ad19ff5280bd3d54 (HEAD -> altp2m)
 *     Author: Tamas K Lengyel <tamas@tklengyel.com>
 *     Date:   Mon Apr 14 10:12:54 2025 +0200
 *
 *         x86/altp2m: add HVMOP_altp2m_get_suppress_ve_multi
 *
 *     diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c
 *
 * A `--format=…`/`--oneline` export has no such line: there a commit is the text before its
 * diff (`7117c66 x86/altp2m: add …`, or whatever the format prints), and a new commit starts
 * where text follows a complete `diff --git` section and is itself followed by one. Text
 * between two file diffs never occurs inside one `git diff`, so one diff, a mail message, or
 * `diff -ru` output (whose `Only in …` lines follow no `diff --git`) is never split: those
 * come out as one message, byte for byte what was read.
 */
import type { RawMessage } from './mbox.js';
import { readHeaderBlock, startsWithHeaderField } from './headers.js';

const COMMIT_LINE = /^commit ([0-9a-f]{40}|[0-9a-f]{64})(?:\s|$)/;
const NL = 0x0a;

/** True when the input's first line is `commit <full hash>` (git log / git show output). */
export function startsWithCommitLine(bytes: Buffer): boolean {
  const nl = bytes.indexOf(NL);
  return COMMIT_LINE.test(bytes.toString('latin1', 0, nl < 0 ? Math.min(bytes.length, 200) : Math.min(nl, 200)));
}

/**
 * Splits a non-mbox input into its commits (see the module comment); an input that holds
 * one commit, one diff or one mail message comes out as one message, unchanged.
 */
export async function* splitCommits(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawMessage> {
  let lines: AsyncIterator<Buffer> = readLines(chunks)[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) return;
  let head = first.value;
  if (head[0] === ESC && startsWithCommitLine(withoutColour(head))) {
    // `git log -p` with color.ui=always (or --color=always) into a pipe: the colour codes are
    // git's, not the patch's, and would hide every line's meaning.
    head = withoutColour(head);
    lines = uncoloured(lines);
  }
  if (startsWithCommitLine(head)) {
    yield* commitMode(head, lines);
    return;
  }
  // The lines up to the first blank one tell a mail header from a `--format=%s` subject
  // line such as "xen/altp2m: fix …" (which has the shape of a header field too).
  const top = [head];
  while (top.length < 200 && lineText(top[top.length - 1]!) !== '') {
    const next = await lines.next();
    if (next.done) break;
    top.push(next.value);
  }
  const rest = (async function* () {
    yield* top.slice(1);
    for (let next = await lines.next(); !next.done; next = await lines.next()) yield next.value;
  })()[Symbol.asyncIterator]();
  if (isMailHeader(Buffer.concat(top))) {
    // A mail message: its body may well hold text between two diffs; it is one message.
    const parts = [head];
    for (let next = await rest.next(); !next.done; next = await rest.next()) parts.push(next.value);
    yield { index: 0, bytes: Buffer.concat(parts) };
    return;
  }
  yield* formatMode(head, rest);
}

const ESC = 0x1b;
// eslint-disable-next-line no-control-regex -- the ESC of a terminal colour code is the point
const SGR = /\u001b\[[0-9;]*m/g;

/** The line without terminal colour codes (SGR sequences). */
function withoutColour(line: Buffer): Buffer {
  return line.includes(ESC) ? Buffer.from(line.toString('utf8').replace(SGR, ''), 'utf8') : line;
}

function uncoloured(lines: AsyncIterator<Buffer>): AsyncIterator<Buffer> {
  return (async function* () {
    for (let next = await lines.next(); !next.done; next = await lines.next()) yield withoutColour(next.value);
  })();
}

/** Field names any mail carries one of (a commit subject "x86/hvm: …" names none). */
const MAIL_FIELDS = ['from', 'subject', 'date', 'message-id', 'to', 'received', 'return-path', 'mime-version', 'content-type', 'in-reply-to', 'delivered-to', 'x-original-from'];

function isMailHeader(top: Buffer): boolean {
  if (!startsWithHeaderField(top)) return false;
  const { fields } = readHeaderBlock(top);
  return MAIL_FIELDS.some((name) => fields.has(name));
}

async function* commitMode(head: Buffer, lines: AsyncIterator<Buffer>): AsyncGenerator<RawMessage> {
  let index = 0;
  let current: Buffer[] = [head];
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const line = next.value;
    // A commit line is never inside a commit message (indented) or a hunk (marked lines).
    if (line[0] === 0x63 /* c */ && COMMIT_LINE.test(lineText(line))) {
      yield { index: index++, bytes: commitMessage(current) };
      current = [line];
    } else current.push(line);
  }
  yield { index: index++, bytes: commitMessage(current) };
}

/** One `commit <hash>` block as a format-patch style message. */
function commitMessage(block: readonly Buffer[]): Buffer {
  // Only the header and the message are read as text; the diff is passed on as bytes.
  const text = (n: number): string => lineText(block[n]!);
  let i = 1;
  let author: string | null = null;
  let date: string | null = null;
  for (; i < block.length && text(i) !== ''; i++) {
    const line = text(i);
    const field = /^(Author|AuthorDate|Date):\s*(.*)$/.exec(line);
    if (field?.[1] === 'Author') author = field[2]!.trim();
    else if (field) date ??= rfc2822FromGitDate(field[2]!.trim());
    const raw = /^author (.*<[^>]*>) (\d+) ([+-]\d{4})$/.exec(line); // --format=raw
    if (raw) {
      author = raw[1]!;
      date = rfc2822FromEpoch(Number(raw[2]), raw[3]!);
    }
  }
  while (i < block.length && text(i) === '') i++;
  const message: string[] = [];
  for (let line = i < block.length ? text(i) : ''; i < block.length && (line === '' || line.startsWith('    ')); line = ++i < block.length ? text(i) : '') message.push(line.slice(4));
  while (message.length > 0 && message[message.length - 1] === '') message.pop();
  const rest = block.slice(i);
  while (rest.length > 0 && lineText(rest[rest.length - 1]!) === '') rest.pop();
  const subject = message.shift() ?? '';
  while (message.length > 0 && message[0] === '') message.shift();
  return mail(author, date, subject, message, rest);
}

/** A `git log -p --format=…` stream: commits told apart by the text before each diff. */
async function* formatMode(head: Buffer, lines: AsyncIterator<Buffer>): AsyncGenerator<RawMessage> {
  const scan = new DiffScanner();
  /** The commit being read; `candidate` is text after its diff that may start the next. */
  let current: Buffer[] = [];
  let candidate: Buffer[] = [];
  let index = 0;
  let split = false;
  const take = (line: Buffer): RawMessage | null => {
    if (candidate.length > 0) {
      if (!line.subarray(0, 11).equals(DIFF_GIT)) {
        candidate.push(line);
        return null;
      }
      // Text followed a finished diff and a new diff follows it: a new commit.
      const done = current;
      current = [...candidate, line];
      candidate = [];
      split = true;
      scan.newCommit();
      return { index: index++, bytes: textMessage(done) };
    }
    if (scan.step(lineText(line)) === 'text-after-diff') candidate.push(line);
    else current.push(line);
    return null;
  };
  let out = take(head);
  if (out) yield out;
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    out = take(next.value);
    if (out) yield out;
  }
  current.push(...candidate); // trailing text (a signature, "-- \n2.39.5"): the last commit's
  yield split ? { index: index++, bytes: textMessage(current) } : { index: 0, bytes: Buffer.concat(current) };
}

/** A commit of a `--format=…` export: its first text line is the subject (less a leading hash). */
function textMessage(block: readonly Buffer[]): Buffer {
  let i = 0;
  while (i < block.length && lineText(block[i]!).trim() === '') i++;
  const prose: string[] = [];
  for (; i < block.length && !block[i]!.subarray(0, 11).equals(DIFF_GIT); i++) prose.push(lineText(block[i]!));
  while (prose.length > 0 && prose[prose.length - 1]!.trim() === '') prose.pop();
  const subject = (prose.shift() ?? '').replace(/^[0-9a-f]{7,64}(?: \([^)]*\))? /, '');
  const rest = block.slice(i);
  while (rest.length > 0 && lineText(rest[rest.length - 1]!).trim() === '') rest.pop();
  return mail(null, null, subject, prose, rest);
}

function mail(author: string | null, date: string | null, subject: string, body: readonly string[], diff: readonly Buffer[]): Buffer {
  const header = [
    ...(author ? [`From: ${oneLine(author)}`] : []),
    ...(date ? [`Date: ${date}`] : []),
    `Subject: ${oneLine(subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  const prose = body.length > 0 ? `${body.join('\n')}\n\n` : '';
  return Buffer.concat([Buffer.from(`${header.join('\n')}\n\n${prose}`, 'utf8'), ...diff.map(withNewline)]);
}

function withNewline(line: Buffer): Buffer {
  return line[line.length - 1] === NL ? line : Buffer.concat([line, Buffer.from('\n')]);
}

/** Header values are one line: a control character from the input never starts a new field. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** git's default date (`Sat Dec 5 18:30:06 2026 +0000`) as RFC 5322 wants it; null for another format. */
export function rfc2822FromGitDate(value: string): string | null {
  const m = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}) ([+-]\d{4})$/.exec(value);
  if (m) return `${m[1]}, ${m[3]} ${m[2]} ${m[5]} ${m[4]} ${m[6]}`;
  return /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d(?::\d\d)? [+-]\d{4}$/.test(value) ? value : null;
}

/** `--format=raw`'s `1796495406 +0100` as an RFC 5322 date in that zone. */
export function rfc2822FromEpoch(seconds: number, zone: string): string {
  const sign = zone.startsWith('-') ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const d = new Date((seconds + offset * 60) * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${zone}`;
}

/** A line as text, without its LF (and CR). */
function lineText(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === NL) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.toString('utf8', 0, end);
}

/** The input's lines, each with its LF (the last may have none). */
async function* readLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  for await (const chunk of chunks) {
    let start = 0;
    let buf = chunk;
    if (carry) {
      buf = Buffer.concat([carry, chunk]);
      carry = null;
    }
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      yield buf.subarray(start, nl + 1);
      start = nl + 1;
    }
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
  }
  if (carry && carry.length > 0) yield carry;
}

type Step = 'text' | 'diff' | 'text-after-diff';

const DIFF_GIT = Buffer.from('diff --git ');

const EXTENDED_HEADER = /^(?:index |old mode |new mode |deleted file mode |new file mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |--- |\+\+\+ |Binary files )/;
const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

/**
 * Follows `git diff` syntax line by line, so that text after a complete file diff is told
 * from the diff itself: hunk bodies are counted by their `@@` header, binary patches run to
 * the next `diff --git`.
 */
class DiffScanner {
  private state: 'text' | 'header' | 'hunk' | 'between' | 'binary' = 'text';
  private oldLeft = 0;
  private newLeft = 0;

  newCommit(): void {
    this.state = 'header';
  }

  step(line: string): Step {
    if (line.startsWith('diff --git ')) {
      this.state = 'header';
      return 'diff';
    }
    switch (this.state) {
      case 'text':
        return 'text';
      case 'hunk':
        if (line === '' || line[0] === ' ') {
          this.oldLeft--;
          this.newLeft--;
        } else if (line[0] === '-') this.oldLeft--;
        else if (line[0] === '+') this.newLeft--;
        else if (line[0] !== '\\') {
          this.state = 'between'; // the hunk ended early (wrong counts): judge the line afresh
          return this.step(line);
        }
        if (this.oldLeft <= 0 && this.newLeft <= 0) this.state = 'between';
        return 'diff';
      case 'binary':
        // Base85 lines up to a blank line; another `literal`/`delta` block may follow it.
        if (line.trim() === '') this.state = 'between';
        return 'diff';
      default: {
        if (this.state === 'between' && /^(?:literal|delta) \d+$/.test(line)) {
          this.state = 'binary';
          return 'diff';
        }
        const hunk = HUNK.exec(line);
        if (hunk) {
          this.oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
          this.newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
          this.state = this.oldLeft > 0 || this.newLeft > 0 ? 'hunk' : 'between';
          return 'diff';
        }
        if (line === 'GIT binary patch') {
          this.state = 'binary';
          return 'diff';
        }
        if (line.trim() === '' || line.startsWith('\\ ')) return 'diff';
        if (this.state === 'header' && EXTENDED_HEADER.test(line)) return 'diff';
        return 'text-after-diff';
      }
    }
  }
}
