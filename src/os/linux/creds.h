/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * creds.h - the decoder behind hvs_linux_task_creds(), split from offset
 * resolution so unit tests can drive it on a fake guest with offsets of
 * their own choosing (no BTF).
 */
#ifndef HVS_OS_LINUX_CREDS_H
#define HVS_OS_LINUX_CREDS_H

#include "linux-internal.h"

/* Supplementary groups kept per process (NGROUPS_MAX of include/uapi/linux/limits.h). */
#define LX_MAX_GROUPS 65536u
/* kernfs levels followed from a cgroup up to the hierarchy's root. */
#define LX_MAX_CGROUP_DEPTH 256u

/*
 * What the decoder reads. @ns_inum[kind] is the offset of ns.inum (struct
 * ns_common inside each namespace type); @nsproxy_ns[kind] the namespace's
 * pointer in struct nsproxy (LX_ABSENT for pid and user, which come from the
 * task's pid and cred; and for time on kernels without time namespaces).
 * @cap_size: bytes of kernel_cap_t (8 on every 64-bit kernel since 2.6.25).
 * @upid_size: sizeof(struct upid), the stride of pid->numbers[].
 */
struct lx_creds_offsets {
        uint32_t task_real_cred, task_cred, task_nsproxy, task_thread_pid, task_cgroups;
        uint32_t cred_uid, cred_gid, cred_suid, cred_sgid, cred_euid, cred_egid, cred_fsuid, cred_fsgid;
        uint32_t cred_securebits, cred_user_ns, cred_group_info;
        uint32_t cred_cap_inheritable, cred_cap_permitted, cred_cap_effective, cred_cap_bset, cred_cap_ambient;
        uint32_t cap_size;
        uint32_t group_info_ngroups, group_info_gid;
        uint32_t nsproxy_ns[HVS_NS_COUNT];
        uint32_t ns_inum[HVS_NS_COUNT];
        uint32_t pid_level, pid_numbers, upid_ns, upid_size;
        uint32_t css_set_dfl_cgrp, cgroup_kn, kn_parent, kn_name;
};

/* Resolve the offsets from @k's profile (memoized). Return: 0; -ENOENT; -EBADMSG. */
int lx_creds_offsets_get(hvs_linux *k, struct lx_creds_offsets *ret);

/*
 * lx_creds_read() - hvs_linux_task_creds() for the task_struct at @task with
 * explicit offsets, reading through @k's kernel address space.
 * Return: as hvs_linux_task_creds().
 */
int lx_creds_read(hvs_linux *k, const struct lx_creds_offsets *o, uint64_t task, hvs_creds **ret);

#endif
