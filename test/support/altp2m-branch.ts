// A small git repository modelled on Xen's altp2m interface, made with the real `git`: a base
// commit with the public header and do_altp2m_op(), then a three-patch branch that adds a subop
// (defined in 1/3, wired in 2/3, given a libxc wrapper in 3/3) — what a contributor exports
// with `git format-patch -o out/ staging..` or reads back with `git log -p`.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitTree } from './git-tree.js';

const HVM_OP_H = `#ifndef __XEN_PUBLIC_HVM_HVM_OP_H__
#define __XEN_PUBLIC_HVM_HVM_OP_H__

struct xen_hvm_altp2m_view {
    uint16_t view;
    uint16_t hvmmem_default_access;
};

struct xen_hvm_altp2m_op {
    uint32_t version;
    uint32_t cmd;
#define HVMOP_altp2m_get_domain_state     1
#define HVMOP_altp2m_set_domain_state     2
#define HVMOP_altp2m_vcpu_enable_notify   3
#define HVMOP_altp2m_create_p2m           4
#define HVMOP_altp2m_destroy_p2m          5
#define HVMOP_altp2m_switch_p2m           6
    domid_t domain;
    uint16_t pad1;
    uint32_t pad2;
};

#endif /* __XEN_PUBLIC_HVM_HVM_OP_H__ */
`;

const HVM_C = `static int do_altp2m_op(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct xen_hvm_altp2m_op a;
    struct domain *d = NULL;
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
    case HVMOP_altp2m_switch_p2m:
        break;

    default:
        return -EOPNOTSUPP;
    }

    switch ( a.cmd )
    {
    case HVMOP_altp2m_create_p2m:
        rc = p2m_init_next_altp2m(d, &a.u.view.view, a.u.view.hvmmem_default_access);
        break;

    case HVMOP_altp2m_destroy_p2m:
        rc = p2m_destroy_altp2m_by_id(d, a.u.view.view);
        break;

    case HVMOP_altp2m_switch_p2m:
        rc = p2m_switch_domain_altp2m_by_id(d, a.u.view.view);
        break;

    default:
        ASSERT_UNREACHABLE();
    }

    rcu_unlock_domain(d);
    return rc;
}
`;

const XC_ALTP2M_C = `int xc_altp2m_switch_to_view(xc_interface *handle, uint32_t domid,
                             uint16_t view_id)
{
    int rc;
    DECLARE_HYPERCALL_BUFFER(xen_hvm_altp2m_op_t, arg);

    arg->version = HVMOP_ALTP2M_INTERFACE_VERSION;
    arg->cmd = HVMOP_altp2m_switch_p2m;
    arg->domain = domid;
    arg->u.view.view = view_id;

    rc = xencall2(handle->xcall, __HYPERVISOR_hvm_op, HVMOP_altp2m,
                  HYPERCALL_BUFFER_AS_ARG(arg));
    return rc;
}
`;

export interface XenRepo {
  readonly dir: string;
  git(...args: string[]): string;
}

/** Makes the repository in `dir` (which must not exist yet) with branch `altp2m` three commits past `staging`. */
export function makeXenRepo(dir: string): XenRepo {
  mkdirSync(dir, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Petre Pircalabu',
    GIT_AUTHOR_EMAIL: 'ppircalabu@example.com',
    GIT_COMMITTER_NAME: 'Petre Pircalabu',
    GIT_COMMITTER_EMAIL: 'ppircalabu@example.com',
    GIT_AUTHOR_DATE: '2025-04-14T10:12:54+02:00',
    GIT_COMMITTER_DATE: '2025-04-14T10:12:54+02:00',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: dir,
  };
  const { git, write, edit } = gitTree(dir, () => env, ['-c', 'init.defaultBranch=staging', '-c', 'core.pager=cat', '-c', 'color.ui=never']);
  const commit = (message: string): void => void git('commit', '-q', '-a', '-s', '-m', message);

  git('init', '-q');
  write('xen/include/public/hvm/hvm_op.h', HVM_OP_H);
  write('xen/arch/x86/hvm/hvm.c', HVM_C);
  write('tools/libs/ctrl/xc_altp2m.c', XC_ALTP2M_C);
  git('add', '.');
  commit('xen: the altp2m interface as it stands');
  git('checkout', '-q', '-b', 'altp2m');

  edit(
    'xen/include/public/hvm/hvm_op.h',
    '#define HVMOP_altp2m_switch_p2m           6\n',
    '#define HVMOP_altp2m_switch_p2m           6\n/* Get the number of altp2m views of the domain */\n#define HVMOP_altp2m_get_nr_views         7\n',
  );
  commit('x86/altp2m: add HVMOP_altp2m_get_nr_views\n\nAn introspection agent wants to know how many views it may create.');

  edit('xen/arch/x86/hvm/hvm.c', '    case HVMOP_altp2m_switch_p2m:\n        break;\n', '    case HVMOP_altp2m_switch_p2m:\n    case HVMOP_altp2m_get_nr_views:\n        break;\n');
  edit(
    'xen/arch/x86/hvm/hvm.c',
    '        rc = p2m_switch_domain_altp2m_by_id(d, a.u.view.view);\n        break;\n',
    '        rc = p2m_switch_domain_altp2m_by_id(d, a.u.view.view);\n        break;\n\n    case HVMOP_altp2m_get_nr_views:\n        a.u.view.view = d->nr_altp2m;\n        rc = __copy_to_guest(arg, &a, 1) ? -EFAULT : 0;\n        break;\n',
  );
  commit('x86/altp2m: handle HVMOP_altp2m_get_nr_views in do_altp2m_op()');

  write(
    'tools/libs/ctrl/xc_altp2m.c',
    readFileSync(join(dir, 'tools/libs/ctrl/xc_altp2m.c'), 'utf8') +
      `
int xc_altp2m_get_nr_views(xc_interface *handle, uint32_t domid,
                           uint16_t *nr_views)
{
    int rc;
    DECLARE_HYPERCALL_BUFFER(xen_hvm_altp2m_op_t, arg);

    arg->version = HVMOP_ALTP2M_INTERFACE_VERSION;
    arg->cmd = HVMOP_altp2m_get_nr_views;
    arg->domain = domid;

    rc = xencall2(handle->xcall, __HYPERVISOR_hvm_op, HVMOP_altp2m,
                  HYPERCALL_BUFFER_AS_ARG(arg));
    if ( !rc )
        *nr_views = arg->u.view.view;
    return rc;
}
`,
  );
  commit('tools/libs/ctrl: add xc_altp2m_get_nr_views()');
  return { dir, git };
}
