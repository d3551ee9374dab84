import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMaintainers, perlExtended, responsibleFor, roleFor, sectionsForPath } from '../../src/engine/maintainers.js';

const FIXTURE = readFileSync(fileURLToPath(new URL('../fixtures/maintainers/MAINTAINERS', import.meta.url)), 'utf8');
const maintainers = parseMaintainers(FIXTURE);
const names = (path: string): string[] => sectionsForPath(maintainers, path).map((s) => s.name);
const addresses = (paths: string[], text?: { intro: string; changedLines: string[] }) => {
  const r = responsibleFor(maintainers, paths, text);
  return { m: r.maintainers.map((p) => p.address), r: r.reviewers.map((p) => p.address), lists: r.lists };
};

describe('parseMaintainers', () => {
  it('reads the sections, skipping the description above them', () => {
    expect(maintainers.problems).toEqual([]);
    expect(maintainers.sections.map((s) => s.name)).toEqual(['LIBS', 'VM EVENT, MEM ACCESS and MONITOR', 'X86 ARCHITECTURE', 'X86 SHADOW PAGETABLES', 'XSM/FLASK', 'THE REST']);
    const x86 = maintainers.sections[2]!;
    expect(x86.maintainers).toEqual([
      { name: 'Jan Keeper', address: 'jan.keeper@example.com' },
      { name: 'Andrew Arch', address: 'andrew.arch@example.com' },
    ]);
    expect(x86.reviewers.map((p) => p.address)).toEqual(['teresa@example.net']);
    expect(x86.lists).toEqual(['xen-devel@lists.example.org']);
    expect(x86.files.map((f) => f.glob)).toEqual(['xen/arch/x86/', 'xen/include/public/arch-x86/', 'tools/tests/x86_emulator/']);
    expect(x86.excludes.map((f) => f.glob)).toEqual(['xen/arch/x86/mm/shadow/']);
  });

  it('names each line it cannot use, and keeps the rest', () => {
    const parsed = parseMaintainers('FOO\nM:\tNobody\nR: Ann <ann@example.org>\nN:\t(unclosed\nK:\tok_[a-z]+\nF:\tfoo/\n');
    expect(parsed.problems).toEqual(['line 2 (FOO): "Nobody" is not an e-mail address', expect.stringMatching(/^line 4 \(FOO\): N: \(unclosed: Invalid regular expression/)]);
    expect(parsed.sections[0]!.reviewers).toEqual([{ name: 'Ann', address: 'ann@example.org' }]);
    expect(parsed.sections[0]!.keywords).toHaveLength(1);
  });
});

describe('matching paths as get_maintainer.pl does', () => {
  it('takes a directory pattern for its whole subtree, most specific section first', () => {
    expect(names('xen/arch/x86/hvm/hvm.c')).toEqual(['X86 ARCHITECTURE', 'THE REST']);
    expect(names('xen/include/public/arch-x86/xen.h')).toEqual(['X86 ARCHITECTURE', 'THE REST']);
    expect(names('xen/xsm/flask/hooks.c')).toEqual(['XSM/FLASK', 'THE REST']);
    expect(names('tools/libs/ctrl/xc_altp2m.c')).toEqual(['LIBS', 'THE REST']);
  });

  it('lets `*` cross no directory unless the pattern ends with a slash', () => {
    // F: * is the files at the top; F: */ everything in a directory.
    expect(names('README')).toEqual(['THE REST']);
    expect(names('xen/include/public/domctl.h')).toEqual(['THE REST']);
    // F: tools/include/xenctrl*.h: the files of tools/include/ only.
    expect(names('tools/include/xenctrl.h')).toEqual(['LIBS', 'THE REST']);
    expect(names('tools/include/xenctrl_compat.h')).toEqual(['LIBS', 'THE REST']);
    expect(names('tools/include/sub/xenctrl.h')).toEqual(['THE REST']);
    // No end anchor: a file pattern also takes names that start with it (get_maintainer.pl's m@^…@).
    expect(names('docs/misc/xsm-flask.txt.orig')).toEqual(['XSM/FLASK', 'THE REST']);
    expect(names('docs/misc/xsm-flask-txt')).toEqual(['THE REST']);
  });

  it('skips a section for a path its X: excludes, and matches N: on the path', () => {
    expect(names('xen/arch/x86/mm/shadow/common.c')).toEqual(['X86 SHADOW PAGETABLES', 'THE REST']);
    expect(names('xen/arch/x86/mm/p2m.c')).toEqual(['X86 ARCHITECTURE', 'THE REST']);
    // An N: match ranks as a pattern of depth 0: above THE REST, whose patterns start with `*`.
    expect(names('xen/arch/x86/mm/mem_access.c')).toEqual(['X86 ARCHITECTURE', 'VM EVENT, MEM ACCESS and MONITOR', 'THE REST']);
    expect(names('xen/include/xen/vm_event.h')).toEqual(['VM EVENT, MEM ACCESS and MONITOR', 'THE REST']);
  });

  it('expands {a,b} alternatives and reads ? as one character', () => {
    const parsed = parseMaintainers('A\nM: A <a@example.org>\nF:\txen/arch/{x86,arm}/domctl.c\nF:\tdocs/man/xl.cfg.?.pod.in\n');
    const of = (path: string) => sectionsForPath(parsed, path).length;
    expect([of('xen/arch/x86/domctl.c'), of('xen/arch/arm/domctl.c'), of('xen/arch/ppc/domctl.c')]).toEqual([1, 1, 0]);
    expect([of('docs/man/xl.cfg.5.pod.in'), of('docs/man/xl.cfg.pod.in')]).toEqual([1, 0]);
  });
});

describe('responsibleFor', () => {
  it('leaves THE REST out when every file has a section of its own', () => {
    expect(addresses(['xen/arch/x86/hvm/hvm.c'])).toEqual({ m: ['jan.keeper@example.com', 'andrew.arch@example.com'], r: ['teresa@example.net'], lists: ['xen-devel@lists.example.org'] });
    expect(addresses(['xen/xsm/flask/hooks.c', 'xen/include/xsm/dummy.h'])).toEqual({ m: ['daniel.secure@example.com'], r: [], lists: ['xen-devel@lists.example.org'] });
  });

  it('takes THE REST in for a file only it looks after, each person once', () => {
    expect(addresses(['xen/include/public/domctl.h', 'xen/arch/x86/domctl.c'])).toEqual({
      m: ['andrew.arch@example.com', 'jan.keeper@example.com', 'julia.rest@example.org', 'stefan.arm@example.org'],
      r: ['teresa@example.net'],
      lists: ['xen-devel@lists.example.org'],
    });
  });

  it('adds the sections whose K: matches a changed line or the commit message, not a context line', () => {
    const hvm = ['xen/arch/x86/hvm/hvm.c'];
    expect(addresses(hvm, { intro: 'x86/altp2m: add a subop', changedLines: ['+    rc = xsm_hvm_altp2mhvm_op(XSM_OTHER, d, mode, a.cmd);'] }).m).toContain('daniel.secure@example.com');
    expect(addresses(hvm, { intro: 'Let XSM decide.', changedLines: [] }).m).toContain('daniel.secure@example.com');
    expect(addresses(hvm, { intro: 'x86/altp2m: add a subop', changedLines: ['+    rc = 0;'] }).m).not.toContain('daniel.secure@example.com');
  });
});

describe('roleFor', () => {
  it('says whether someone maintains or reviews a file, addresses compared without case', () => {
    expect(roleFor(maintainers, 'xen/arch/x86/hvm/hvm.c', 'Teresa@Example.NET')).toBe('reviewer');
    expect(roleFor(maintainers, 'xen/arch/x86/hvm/hvm.c', 'jan.keeper@example.com')).toBe('maintainer');
    // THE REST looks after every file.
    expect(roleFor(maintainers, 'xen/include/public/domctl.h', 'julia.rest@example.org')).toBe('maintainer');
    expect(roleFor(maintainers, 'xen/include/public/domctl.h', 'tamas@example.net')).toBeNull();
    expect(roleFor(maintainers, 'xen/arch/x86/mm/shadow/common.c', 'teresa@example.net')).toBeNull();
  });
});

describe('perlExtended', () => {
  it('drops white space and comments outside character classes, as Perl /x does', () => {
    expect(perlExtended('\\b(xsm | XSM)\\b  # the word').source).toBe('\\b(xsm|XSM)\\b');
    expect(perlExtended('a[ ]b\\ c').test('a b c')).toBe(true);
  });
});
