/**
 * Where the altp2m interface lives in the Xen tree, across its file moves
 * (tools/libxc → tools/libs/ctrl in 2020, xen/include/asm-x86 → xen/arch/x86/include/asm in 2022).
 */
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
