/**
 * The GitHub reporter, pure: findings + the pull request's diff in, the payloads the GitHub
 * transport sends out (a review, check-run annotations, workflow commands, a summary).
 * Batching, dedupe against what is already posted and the 403 fallback live in
 * bot/github/; everything here is deterministic text building.
 *
 * Limits handled here (https://docs.github.com/en/rest/pulls/reviews):
 * - a review comment must sit on a line of the diff, else the whole review fails with 422;
 * - a body is at most 65,536 characters;
 * - many inline comments in one review trip secondary rate limits: at most 30 inline.
 */
import type { DiffModel } from '../diff/model.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../engine/finding.js';
import type { PackWording } from '../engine/rule.js';

export const MAX_INLINE_COMMENTS = 30;
/** Under GitHub's 65,536: room for the footer and multi-byte surprises. */
export const MAX_BODY_CHARS = 65_000;
export const ANNOTATIONS_PER_REQUEST = 50;

export type GitHubSide = 'LEFT' | 'RIGHT';

/** The lines of one file GitHub accepts comments on, with their text, per side. */
export interface FileLines {
  readonly right: ReadonlyMap<number, string>;
  readonly left: ReadonlyMap<number, string>;
  /** For a deleted (LEFT) line: a line of the post-image next to it, for annotations. */
  readonly leftToRight: ReadonlyMap<number, number>;
}

export type DiffIndex = ReadonlyMap<string, FileLines>;

/** Commentable lines: added and context lines on the RIGHT, deleted and context on the LEFT. */
export function indexDiff(diff: DiffModel): DiffIndex {
  const index = new Map<string, FileLines>();
  for (const file of diff.files) {
    const right = new Map<number, string>();
    const left = new Map<number, string>();
    const leftToRight = new Map<number, number>();
    for (const hunk of file.hunks) {
      let lastNew = Math.max(1, hunk.newStart);
      const pendingOld: number[] = [];
      for (const line of hunk.lines) {
        if (line.newLine !== undefined) {
          right.set(line.newLine, line.text);
          lastNew = line.newLine;
          for (const old of pendingOld.splice(0)) leftToRight.set(old, line.newLine);
        }
        if (line.oldLine !== undefined) {
          left.set(line.oldLine, line.text);
          if (line.kind === 'del') pendingOld.push(line.oldLine);
        }
      }
      for (const old of pendingOld) leftToRight.set(old, lastNew);
    }
    const entry = { right, left, leftToRight };
    index.set(file.path, entry);
    if (file.newPath && file.newPath !== file.path) index.set(file.newPath, entry);
  }
  return index;
}

export interface ReviewComment {
  readonly path: string;
  readonly body: string;
  readonly line: number;
  readonly side: GitHubSide;
  readonly start_line?: number;
  readonly start_side?: GitHubSide;
}

/** The body of `POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews`. */
export interface ReviewPayload {
  readonly commit_id: string;
  readonly event: 'COMMENT';
  readonly body: string;
  readonly comments: readonly ReviewComment[];
}

const MARKER = /<!-- patchsentry:(fp|head|resolved)=([0-9A-Za-z]+) -->/g;

export function fingerprintMarker(fingerprint: string): string {
  return `<!-- patchsentry:fp=${fingerprint} -->`;
}
export function headMarker(sha: string): string {
  return `<!-- patchsentry:head=${sha} -->`;
}
export function resolvedMarker(fingerprint: string): string {
  return `<!-- patchsentry:resolved=${fingerprint} -->`;
}

export interface Markers {
  readonly fingerprints: readonly string[];
  readonly heads: readonly string[];
  readonly resolved: readonly string[];
}

/** The hidden markers a body carries. */
export function readMarkers(body: string | null | undefined): Markers {
  const out = { fingerprints: [] as string[], heads: [] as string[], resolved: [] as string[] };
  for (const m of (body ?? '').matchAll(MARKER)) {
    const list = m[1] === 'fp' ? out.fingerprints : m[1] === 'head' ? out.heads : out.resolved;
    list.push(m[2]!);
  }
  return out;
}

const fold = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * Where a finding goes as an inline comment, or null when it cannot be one. The finding's line
 * comes from one commit of the series; later commits may have moved it, so the evidence text is
 * checked against the PR's diff and the comment moved to the one line that carries it.
 */
export function placeFinding(finding: Finding, index: DiffIndex): ReviewComment | null {
  if (finding.line <= 0) return null;
  const file = index.get(finding.path);
  if (!file) return null;
  const lines = finding.side === 'old' ? file.left : file.right;
  const side: GitHubSide = finding.side === 'old' ? 'LEFT' : 'RIGHT';
  const evidence = finding.evidence.map(fold).filter((e) => e !== '');
  let line = finding.line;
  const here = lines.get(line);
  if (evidence.length > 0 && (here === undefined || !evidence.includes(fold(here)))) {
    // The text is not where the commit had it: follow it if it sits on exactly one line of
    // the PR's diff, else it is not part of what the PR changes any more.
    const matches = [...lines].filter(([, text]) => fold(text) === evidence[0]).map(([n]) => n);
    if (matches.length !== 1) return null;
    line = matches[0]!;
  } else if (here === undefined) return null;
  const span = finding.endLine !== undefined && finding.endLine > finding.line ? finding.endLine - finding.line : 0;
  const end = line + span;
  const body = commentBody(finding);
  if (span > 0 && lines.has(end)) return { path: finding.path, body, start_line: line, start_side: side, line: end, side };
  return { path: finding.path, body, line, side };
}

const LABEL: Readonly<Record<Severity, string>> = { error: 'Error', warning: 'Warning', info: 'Note' };

/** An `Altp2m-Policy-Ack` that does not count (the author's own, or not a maintainer's). */
function requested(request: NonNullable<Finding['waiverRequest']>): string {
  return `Waiver requested by ${request.by}; needs a maintainer's ack (${request.why}): ${request.reason}`;
}

export function commentBody(finding: Finding): string {
  const waiver = finding.waiver ? `\n\nWaived by ${finding.waiver.by}: ${finding.waiver.reason}` : finding.waiverRequest ? `\n\n${requested(finding.waiverRequest)}` : '';
  return `**${LABEL[finding.severity]}** \`${finding.rule}\`: ${finding.message}${waiver}\n\n<sub>Policy: ${finding.policy}</sub>\n${fingerprintMarker(finding.fingerprint)}`;
}

function bodyItem(finding: Finding, why: string): string {
  const where = finding.line > 0 ? `${finding.path}:${finding.line}${finding.side === 'old' ? ' (deleted line)' : ''}` : finding.path;
  const evidence = finding.evidence.length > 0 ? `\n\n  \`\`\`\n${finding.evidence.slice(0, 5).map((l) => `  ${l.replace(/`/g, "'")}`).join('\n')}\n  \`\`\`` : '';
  const waiver = finding.waiver ? ` (waived by ${finding.waiver.by}: ${finding.waiver.reason})` : finding.waiverRequest ? ` (${requested(finding.waiverRequest)})` : '';
  return `- **${LABEL[finding.severity]}** \`${finding.rule}\` at \`${where}\`${why}: ${finding.message}${waiver}${evidence}\n  ${fingerprintMarker(finding.fingerprint)}`;
}

export function countBySeverity(findings: readonly Finding[]): string {
  const n = { error: 0, warning: 0, info: 0 };
  for (const f of findings) n[f.severity]++;
  return `${n.error} error(s), ${n.warning} warning(s), ${n.info} note(s)`;
}

export interface ReviewInput {
  /** The findings to post now (already filtered against what was posted before). */
  readonly findings: readonly Finding[];
  readonly index: DiffIndex;
  readonly headSha: string;
  readonly maxInline?: number;
  readonly maxBody?: number;
  /** Where the PR came from when it is not the commits' own diff (e.g. paged files). */
  readonly note?: string;
}

/** One review for one head: inline where GitHub allows it, everything else in the body. */
export function buildReview(input: ReviewInput): ReviewPayload | null {
  if (input.findings.length === 0) return null;
  const maxInline = input.maxInline ?? MAX_INLINE_COMMENTS;
  const maxBody = input.maxBody ?? MAX_BODY_CHARS;
  const ordered = [...input.findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const comments: ReviewComment[] = [];
  const items: string[] = [];
  for (const finding of ordered) {
    const placed = placeFinding(finding, input.index);
    if (placed && comments.length < maxInline && placed.body.length < maxBody) comments.push(placed);
    else items.push(bodyItem(finding, placed ? ' (over the inline comment limit)' : finding.line > 0 ? ' (not on a line of this diff)' : ''));
  }
  const head = `### patchsentry: ${countBySeverity(ordered)} on ${input.headSha.slice(0, 12)}\n\n` +
    `${comments.length} inline comment(s)${items.length > 0 ? `; ${items.length} finding(s) below` : ''}.` +
    (input.note ? `\n\n${input.note}` : '');
  const footer = `\n\n${headMarker(input.headSha)}`;
  let body = head;
  let shown = 0;
  for (const item of items) {
    const omitted = `\n\n…and ${items.length - shown} more finding(s), listed in the check run.`;
    if (body.length + 2 + item.length + omitted.length + footer.length > maxBody) {
      body += omitted;
      break;
    }
    body += `\n\n${item}`;
    shown++;
  }
  return { commit_id: input.headSha, event: 'COMMENT', body: body + footer, comments };
}

/** A check-run annotation (`output.annotations[]` of the checks API). */
export interface Annotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly annotation_level: 'notice' | 'warning' | 'failure';
  readonly title: string;
  readonly message: string;
  readonly raw_details?: string;
}

const LEVEL = { error: 'failure', warning: 'warning', info: 'notice' } as const;

/** Annotations on post-image lines: a deleted line is shown at its neighbour in the new file. */
export function buildAnnotations(findings: readonly Finding[], index: DiffIndex): Annotation[] {
  return findings.map((f) => {
    const { start, end } = annotationLines(f, index);
    return {
      path: f.path,
      start_line: start,
      end_line: end,
      annotation_level: LEVEL[f.severity],
      title: `${f.rule} (${f.severity})`,
      message: clip(f.waiver ? `${f.message} (waived by ${f.waiver.by}: ${f.waiver.reason})` : f.message, 60_000),
      ...(f.evidence.length > 0 ? { raw_details: clip(f.evidence.join('\n'), 60_000) } : {}),
    };
  });
}

function annotationLines(f: Finding, index: DiffIndex): { start: number; end: number } {
  if (f.line <= 0) return { start: 1, end: 1 };
  if (f.side === 'new') return { start: f.line, end: Math.max(f.line, f.endLine ?? f.line) };
  const line = index.get(f.path)?.leftToRight.get(f.line) ?? 1;
  return { start: line, end: line };
}

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type Conclusion = 'success' | 'failure' | 'neutral';

/** failure at or above `--fail-on`; neutral for findings below it; success when clean. */
export function conclusionFor(findings: readonly Finding[], failOn: Severity | 'never'): Conclusion {
  if (findings.length === 0) return 'success';
  if (failOn !== 'never' && findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return 'failure';
  return 'neutral';
}

/** The check run's title and summary (markdown). */
export function checkOutput(findings: readonly Finding[], headSha: string, wording: PackWording): { title: string; summary: string } {
  if (findings.length === 0) return { title: wording.clean, summary: `patchsentry reviewed ${headSha.slice(0, 12)}: nothing to report.` };
  return { title: `patchsentry: ${countBySeverity(findings)}`, summary: clip(summaryMarkdown(findings, headSha, wording), MAX_BODY_CHARS) };
}

/** The job summary / check summary: a table of findings. */
export function summaryMarkdown(findings: readonly Finding[], headSha: string, wording: PackWording): string {
  const head = `## patchsentry on ${headSha.slice(0, 12)}\n\n`;
  if (findings.length === 0) return `${head}${wording.clean}.\n`;
  const rows = findings.map((f) => `| ${f.severity} | \`${f.rule}\` | \`${f.path}:${f.line}\`${f.side === 'old' ? ' (deleted)' : ''} | ${f.message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  return `${head}${countBySeverity(findings)}\n\n| severity | rule | where | message |\n|---|---|---|---|\n${rows.join('\n')}\n`;
}

/**
 * Workflow commands (`::error file=…,line=…::message`), escaped the way the runner unescapes
 * them (actions/toolkit, packages/core/src/command.ts: `escapeData`, `escapeProperty`).
 */
export function workflowCommands(findings: readonly Finding[], index: DiffIndex): string {
  const command = { error: 'error', warning: 'warning', info: 'notice' } as const;
  return findings
    .map((f) => {
      const { start, end } = annotationLines(f, index);
      const props = [`file=${escapeProperty(f.path)}`, `line=${start}`, ...(end > start ? [`endLine=${end}`] : []), `title=${escapeProperty(`${f.rule} (${f.severity})`)}`];
      return `::${command[f.severity]} ${props.join(',')}::${escapeData(f.message)}\n`;
    })
    .join('');
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
