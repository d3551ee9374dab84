// A small git repository shaped like Xen's tree (the altp2m files, trimmed), with a base
// commit on `staging` and a branch of three commits on top: one clean, one adding an altp2m
// DOMCTL (altp2m-domctl, error), one defining an HVMOP subop without its handler
// (altp2m-subop-incomplete). For the --range, GitLab job and b4 tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitTree } from './git-tree.js';

export interface XenRepo {
  readonly dir: string;
  /** The base commit (tip of `staging`). */
  readonly base: string;
  /** The tip of the `altp2m-views` branch (three commits on the base). */
  readonly tip: string;
  readonly git: (...args: string[]) => string;
}

const HVM_OP_H = `#ifndef __XEN_PUBLIC_HVM_HVM_OP_H__
#define __XEN_PUBLIC_HVM_HVM_OP_H__

#define HVMOP_altp2m 25
struct xen_hvm_altp2m_op {
    uint32_t version;   /* HVMOP_ALTP2M_INTERFACE_VERSION */
    uint32_t cmd;
/* Get/set the altp2m state for a domain */
#define HVMOP_altp2m_get_domain_state     1
#define HVMOP_altp2m_set_domain_state     2
/* Set a given VCPU to receive altp2m event notifications */
#define HVMOP_altp2m_vcpu_enable_notify   3
/* Create a new view */
#define HVMOP_altp2m_create_p2m           4
/* Destroy a view */
#define HVMOP_altp2m_destroy_p2m          5
    domid_t domain;
    uint16_t pad1;
    uint32_t pad2;
};

#endif /* __XEN_PUBLIC_HVM_HVM_OP_H__ */
`;

const HVM_C = `static int do_altp2m_op(
    XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct xen_hvm_altp2m_op a;
    int rc = 0;

    if ( copy_from_guest(&a, arg, 1) )
        return -EFAULT;

    switch ( a.cmd )
    {
    case HVMOP_altp2m_get_domain_state:
    case HVMOP_altp2m_set_domain_state:
    case HVMOP_altp2m_vcpu_enable_notify:
    case HVMOP_altp2m_create_p2m:
    case HVMOP_altp2m_destroy_p2m:
        break;

    default:
        return -EOPNOTSUPP;
    }

    switch ( a.cmd )
    {
    case HVMOP_altp2m_get_domain_state:
        rc = altp2m_get_domain_state(d, &a);
        break;
    case HVMOP_altp2m_destroy_p2m:
        rc = p2m_destroy_altp2m_by_id(d, a.u.view.view);
        break;
    default:
        ASSERT_UNREACHABLE();
    }

    return rc;
}
`;

const DOMCTL_H = `#ifndef __XEN_PUBLIC_DOMCTL_H__
#define __XEN_PUBLIC_DOMCTL_H__

struct xen_domctl_vmtrace_op {
    uint32_t cmd;
#define XEN_DOMCTL_vmtrace_get_option         5
#define XEN_DOMCTL_vmtrace_set_option         6
};

struct xen_domctl {
    uint32_t cmd;
#define XEN_DOMCTL_createdomain                   1
#define XEN_DOMCTL_dt_overlay                    87
#define XEN_DOMCTL_gdbsx_guestmemio            1000
    uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
    domid_t  domain;
    uint16_t _pad[3];
    union {
        struct xen_domctl_vmtrace_op        vmtrace_op;
        uint8_t                             pad[128];
    } u;
};

#endif /* __XEN_PUBLIC_DOMCTL_H__ */
`;

export function makeXenRepo(prefix = 'ps-xenrepo-'): XenRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let clock = 1_716_000_000;
  const { git, write, edit } = gitTree(dir, () => {
    const when = `${clock} +0200`;
    return {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Alice Example',
      GIT_AUTHOR_EMAIL: 'alice@example.org',
      GIT_COMMITTER_NAME: 'Alice Example',
      GIT_COMMITTER_EMAIL: 'alice@example.org',
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
    };
  });
  const commit = (message: string): string => {
    clock += 60;
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };
  git('init', '-q', '-b', 'staging');
  write('README', 'Xen hypervisor (test tree)\n');
  write('xen/include/public/hvm/hvm_op.h', HVM_OP_H);
  write('xen/arch/x86/hvm/hvm.c', HVM_C);
  write('xen/include/public/domctl.h', DOMCTL_H);
  const base = commit('Xen test tree\n\nThe altp2m files, trimmed.');
  git('checkout', '-q', '-b', 'altp2m-views');
  edit('README', 'test tree', 'test tree, with altp2m');
  commit('README: say what the tree holds\n\nSigned-off-by: Alice Example <alice@example.org>');
  edit('xen/include/public/domctl.h', '#define XEN_DOMCTL_dt_overlay                    87\n', '#define XEN_DOMCTL_dt_overlay                    87\n#define XEN_DOMCTL_altp2m_get_views              89\n');
  commit('xen/domctl: add XEN_DOMCTL_altp2m_get_views\n\nExternal tools want the active views.\n\nSigned-off-by: Alice Example <alice@example.org>');
  edit('xen/include/public/hvm/hvm_op.h', '#define HVMOP_altp2m_destroy_p2m          5\n', '#define HVMOP_altp2m_destroy_p2m          5\n/* Report the active views */\n#define HVMOP_altp2m_get_views            6\n');
  const tip = commit('x86/altp2m: define HVMOP_altp2m_get_views\n\nSigned-off-by: Alice Example <alice@example.org>');
  return { dir, base, tip, git };
}
