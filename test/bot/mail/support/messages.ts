import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Fixture files of test/fixtures/mail/. */
export function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/mail/${name}`, import.meta.url)));
}

/** A fixture with header fields replaced or added (Message-ID, Subject, ...), in mail form. */
export function withHeaders(raw: Buffer | string, fields: Record<string, string | null>): Buffer {
  let text = raw.toString();
  // Drop the mbox From_ line git format-patch writes: a mail store does not keep it.
  text = text.replace(/^From [0-9a-f]{40} .*\n/, '');
  const split = text.indexOf('\n\n');
  let head = text.slice(0, split);
  const body = text.slice(split);
  for (const [name, value] of Object.entries(fields)) {
    const pattern = new RegExp(`^${name}:.*(?:\\n[ \\t].*)*$`, 'mi');
    if (value === null) head = head.replace(pattern, '').replace(/\n\n+/g, '\n');
    else if (pattern.test(head)) head = head.replace(pattern, `${name}: ${value}`);
    else head += `\n${name}: ${value}`;
  }
  return Buffer.from(head.replace(/^\n+/, '') + body);
}

/** A plain list message (not a patch). */
export function plainMail(id: string, subject: string, from = 'Someone <someone@example.org>'): Buffer {
  return Buffer.from(
    `From: ${from}\nTo: xen-devel@lists.example.org\nSubject: ${subject}\nMessage-ID: ${id}\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n\nHello.\n`,
  );
}

/**
 * A series in `git format-patch --cover-letter --thread` shape: `[PATCH vV 0/N]` and the
 * patches in reply to it. `patches` are fixture bodies (their diff is kept).
 */
export function series(options: { version: number; title: string; idBase: string; patches: { fixture: string; title: string }[] }): Buffer[] {
  const n = options.patches.length;
  const v = options.version > 1 ? `v${options.version} ` : '';
  const cover = `<${options.idBase}-0@example.org>`;
  const out: Buffer[] = [
    Buffer.from(
      `From: Jane Developer <jane.dev@example.org>\nTo: xen-devel@lists.example.org\nSubject: [PATCH ${v}0/${n}] ${options.title}\n` +
        `Message-ID: ${cover}\nDate: Wed, 25 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n` +
        `This series does things.\n\nJane Developer (${n}):\n`,
    ),
  ];
  options.patches.forEach((p, i) => {
    out.push(
      withHeaders(fixture(p.fixture), {
        Subject: `[PATCH ${v}${i + 1}/${n}] ${p.title}`,
        'Message-Id': `<${options.idBase}-${i + 1}@example.org>`,
        'In-Reply-To': cover,
        References: cover,
      }),
    );
  });
  return out;
}
