import type { LinkBases } from '../engine/config.js';

/**
 * Where maintainers open a patch: its page on lore.kernel.org (the public-inbox archive of
 * xen-devel) and on patchew, both found by Message-ID:
 *
 *     https://lore.kernel.org/xen-devel/20240603154011.4242-1-carol@example.net/
 *     https://patchew.org/Xen/20240603154011.4242-1-carol@example.net/
 *
 * The bases come from the config (`links:` in .patchsentry.yml, see README.md);
 * a base set to off gives no link.
 */
export interface PatchLinks {
  readonly lore?: string;
  readonly patchew?: string;
}

/** The links of a message; null when it has no Message-ID or every base is off. */
export function patchLinks(messageId: string | null, bases: LinkBases): PatchLinks | null {
  if (messageId === null) return null;
  const id = escapeMessageId(messageId.replace(/^\s*<|>\s*$/g, ''));
  if (id === '') return null;
  const links: { lore?: string; patchew?: string } = {};
  if (bases.lore !== null) links.lore = `${bases.lore}${id}/`;
  if (bases.patchew !== null) links.patchew = `${bases.patchew}${id}/`;
  return links.lore === undefined && links.patchew === undefined ? null : links;
}

/**
 * A Message-ID as one URL path segment, escaped the way public-inbox escapes it: every byte
 * of its UTF-8 but the unreserved characters, the sub-delims, ":" and "@" (RFC 3986 pchar) is
 * percent-encoded, so a "/" or "%" in an id stays inside the segment.
 */
export function escapeMessageId(id: string): string {
  let out = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
