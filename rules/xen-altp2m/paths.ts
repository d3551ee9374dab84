/**
 * Where the altp2m interface lives in the Xen tree, across its file moves
 * (tools/libxc → tools/libs/ctrl in 2020, xen/include/asm-x86 → xen/arch/x86/include/asm in 2022).
 */
/** The paths the pack's rules look at (docs/policy.md), across Xen's history of file moves. */
export const WATCHED: readonly string[] = [
  'xen/arch/x86/hvm/hvm.c',
  'xen/include/public/hvm/hvm_op.h',
  'xen/include/public/hvm/params.h',
  'xen/include/public/domctl.h',
  'xen/include/xsm/**',
  'xen/xsm/**',
  'xen/common/domctl.c',
  'xen/arch/*/domctl.c',
  'tools/libxc/*altp2m*',
  'tools/libs/ctrl/*altp2m*',
  'tools/libxc/include/xenctrl.h',
  'tools/include/xenctrl.h',
  'docs/man/xl.cfg*',
];

export const isHvmC = (p: string): boolean => /^xen\/arch\/[^/]+\/hvm\/hvm\.c$/.test(p);
export const isHvmOpHeader = (p: string): boolean => p === 'xen/include/public/hvm/hvm_op.h';
export const isParamsHeader = (p: string): boolean => p === 'xen/include/public/hvm/params.h';
export const isDomctlHeader = (p: string): boolean => p === 'xen/include/public/domctl.h';
export const isDomctlHandler = (p: string): boolean => p === 'xen/common/domctl.c' || /^xen\/arch\/[^/]+\/domctl\.c$/.test(p);
export const isToolSide = (p: string): boolean => /^tools\/(?:libxc|libs\/ctrl|include|libxc\/include)\//.test(p);
export const isXsmDummy = (p: string): boolean => /^xen\/include\/xsm\/dummy\.h$/.test(p);
export const isFlaskHooks = (p: string): boolean => /^xen\/xsm\/flask\/hooks\.c$/.test(p);
export const isXsm = (p: string): boolean => p.startsWith('xen/include/xsm/') || p.startsWith('xen/xsm/');
export const isXlCfgDoc = (p: string): boolean => /^docs\/man\/xl\.cfg/.test(p);
/** Hypervisor code that may hold do_altp2m_op() and its dispatch. */
export const isHypervisorArch = (p: string): boolean => p.startsWith('xen/arch/');

/** Paths of the tree before libxenctrl moved below tools/libs (2020), and after. */
const OLD_TOOLS = /(?:^|[\s/"'`(])tools\/libxc\//m;
const NEW_TOOLS = /(?:^|[\s/"'`(])tools\/(?:libs\/(?:ctrl|guest|light)\/|include\/xen(?:ctrl|guest|light)\w*\.h)/m;

/**
 * The file that holds the altp2m wrappers of libxc in the tree a series is for, told by the
 * paths the series touches and the text of its messages (a diffstat or a mention):
 * `tools/libxc/xc_altp2m.c` until libxenctrl moved below tools/libs in 2020,
 * `tools/libs/ctrl/xc_altp2m.c` since. Null when the series shows neither tree, or both (the
 * move itself).
 */
export function libxcAltp2mFile(paths: Iterable<string>, texts: Iterable<string>): string | null {
  let old = false;
  let moved = false;
  for (const text of [...paths].map((p) => `/${p}`).concat([...texts])) {
    old ||= OLD_TOOLS.test(text);
    moved ||= NEW_TOOLS.test(text);
  }
  if (old === moved) return null;
  return old ? 'tools/libxc/xc_altp2m.c' : 'tools/libs/ctrl/xc_altp2m.c';
}
