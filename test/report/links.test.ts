// Each patch's lore and patchew links (by Message-ID) in the text and JSON reports, their
// bases from the config's `links:`, validated.
import { describe, expect, it } from 'vitest';
import { escapeMessageId, patchLinks } from '../../src/report/links.js';
import { JsonReportWriter, renderJson } from '../../src/report/json.js';
import { renderText } from '../../src/report/text.js';
import { DEFAULT_LINK_BASES, validateConfig } from '../../src/engine/config.js';
import { ConfigError } from '../../src/errors.js';
import { DOMCTL_FINDING, patchReport, sampleReport } from './report-sample.js';

const RULES = { name: 'test-pack', rules: [{ id: 'altp2m-domctl' }], watch: [] };

describe('patch links', () => {
  it('put the Message-ID, without its angle brackets, under the lore and patchew bases', () => {
    expect(patchLinks('<20240603154011.4242-1-carol@example.net>', DEFAULT_LINK_BASES)).toEqual({
      lore: 'https://lore.kernel.org/xen-devel/20240603154011.4242-1-carol@example.net/',
      patchew: 'https://patchew.org/Xen/20240603154011.4242-1-carol@example.net/',
    });
    expect(patchLinks(null, DEFAULT_LINK_BASES)).toBeNull();
    expect(patchLinks('<>', DEFAULT_LINK_BASES)).toBeNull();
    expect(patchLinks('<a@b>', { lore: null, patchew: null })).toBeNull();
    expect(patchLinks('<a@b>', { lore: 'https://lore.example.org/xen/', patchew: null })).toEqual({ lore: 'https://lore.example.org/xen/a@b/' });
  });

  it('escape a Message-ID as public-inbox does: one path segment, pchar kept', () => {
    expect(escapeMessageId("cover.1795644722.git.alice@example.org")).toBe('cover.1795644722.git.alice@example.org');
    expect(escapeMessageId("a+b=c$d&e!f'g(h)i*j,k;l:m~n_o-p@q")).toBe("a+b=c$d&e!f'g(h)i*j,k;l:m~n_o-p@q");
    expect(escapeMessageId('a/b%c d?e#f"g<h>')).toBe('a%2Fb%25c%20d%3Fe%23f%22g%3Ch%3E');
    expect(escapeMessageId('é@x')).toBe('%C3%A9@x');
    expect(escapeMessageId('`$(x)`')).toBe('%60$(x)%60');
  });

  it('are configurable in .patchsentry.yml, validated, and off per site', () => {
    expect(validateConfig({ watch: ['x'] }, RULES).links).toBeUndefined();
    expect(validateConfig({ links: { lore: 'https://lore.example.org/xen-devel' } }, RULES).links).toEqual({ lore: 'https://lore.example.org/xen-devel/', patchew: DEFAULT_LINK_BASES.patchew });
    expect(validateConfig({ links: { patchew: 'off', lore: false } }, RULES).links).toEqual({ lore: null, patchew: null });
    for (const [links, message] of [
      [{ lore: 'ftp://x/' }, /links\.lore must be an http\(s\) base URL/],
      [{ lore: 'not a url' }, /links\.lore must be/],
      [{ patchew: 'https://patchew.org/Xen/?q=1' }, /links\.patchew must be/],
      [{ patchew: 42 }, /links\.patchew must be/],
      [{ github: 'https://x/' }, /unknown key "github"/],
      ['https://lore.kernel.org/', /"links" must be a mapping/],
    ] as const) {
      expect(() => validateConfig({ links }, RULES, '.patchsentry.yml')).toThrow(ConfigError);
      expect(() => validateConfig({ links }, RULES)).toThrow(message);
    }
  });

  it('appear in the JSON report per entry with a Message-ID, the streamed writer agreeing', () => {
    const report = sampleReport();
    const doc = JSON.parse(renderJson(report, { links: DEFAULT_LINK_BASES })) as { patches: { messageId: string | null; links?: unknown }[] };
    for (const p of doc.patches) {
      expect(p.links).toEqual(patchLinks(p.messageId, DEFAULT_LINK_BASES));
      expect(Object.keys(p).at(-1)).toBe('links');
    }
    const writer = new JsonReportWriter({ links: DEFAULT_LINK_BASES });
    const streamed = writer.head() + report.patches.map((p) => writer.patch(p)).join('') + writer.tail(report.summary, report.errors);
    expect(streamed).toBe(renderJson(report, { links: DEFAULT_LINK_BASES }));
    // Without a Message-ID (plain format-patch output) there is no links key at all.
    const bare = JSON.parse(renderJson({ ...report, patches: [patchReport({ messageId: null })] }, { links: DEFAULT_LINK_BASES })) as { patches: object[] };
    expect(Object.keys(bare.patches[0]!)).not.toContain('links');
    expect(renderJson(report)).not.toContain('"links"');
  });

  it('appear in the text report under each patch with findings', () => {
    const text = renderText(sampleReport(), { links: DEFAULT_LINK_BASES });
    expect(text).toContain(
      '[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views  <20240603154011.4242-1-carol@example.net>\nlore: https://lore.kernel.org/xen-devel/20240603154011.4242-1-carol@example.net/\npatchew: https://patchew.org/Xen/20240603154011.4242-1-carol@example.net/\n',
    );
    const only = renderText({ ...sampleReport(), patches: [patchReport({ findings: [DOMCTL_FINDING] })] }, { links: { lore: null, patchew: 'https://patchew.example/Xen/' } });
    expect(only).not.toContain('lore:');
    expect(only).toContain('patchew: https://patchew.example/Xen/20240603154011.4242-1-carol@example.net/\n');
  });
});
