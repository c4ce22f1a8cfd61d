/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-creds.h - the Linux guest view of process credentials, capabilities
 * and namespaces, as /proc/PID/status (Uid, Gid, Groups, Cap*), the links of
 * /proc/PID/ns/ and /proc/PID/cgroup show them. Included by linux.h; not
 * meant to be included on its own.
 *
 * Credentials are the task's objective ones (task->real_cred), which is what
 * /proc shows; @subjective_differs says when task->cred (what the task acts
 * with) is another cred, as during an override (e.g. a setuid helper in
 * progress or access() checks). A field that could not be read is left 0
 * and flagged in @partial; the rest of the record is still returned.
 */
#ifndef HVSCOPE_LINUX_CREDS_H
#define HVSCOPE_LINUX_CREDS_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Namespaces, in the order of /proc/PID/ns/ (struct hvs_creds.ns). */
enum hvs_ns_kind {
        HVS_NS_CGROUP = 0,
        HVS_NS_IPC,
        HVS_NS_MNT,
        HVS_NS_NET,
        HVS_NS_PID,                     /* the namespace of the task's own pid */
        HVS_NS_PID_FOR_CHILDREN,
        HVS_NS_TIME,
        HVS_NS_TIME_FOR_CHILDREN,
        HVS_NS_USER,                    /* cred->user_ns */
        HVS_NS_UTS,
        HVS_NS_COUNT
};

/**
 * hvs_ns_name() - the /proc/PID/ns/ link name of @kind ("net", "pid_for_children");
 * "?" for an unknown value. Static storage; cannot fail.
 */
HVS_API const char *hvs_ns_name(enum hvs_ns_kind kind);

/* Bits of struct hvs_creds.partial: what could not be read. */
#define HVS_CREDS_PARTIAL_CRED   (1u << 0)  /* the cred itself: ids and capabilities are 0 */
#define HVS_CREDS_PARTIAL_GROUPS (1u << 1)  /* group_info unreadable, or more groups than kept */
#define HVS_CREDS_PARTIAL_NS     (1u << 2)  /* some namespace unreadable: its inum is 0 */
#define HVS_CREDS_PARTIAL_CGROUP (1u << 3)  /* cgroup path unreadable or truncated */

/**
 * struct hvs_ns - one namespace of a process.
 * @addr: guest address of the namespace object (struct net, ...); 0 if none
 * @inum: its inode number, as in "net:[4026531840]"; 0 if unknown or absent
 *        (a kernel without time namespaces)
 */
typedef struct hvs_ns {
        hvs_gva addr;
        uint32_t inum;
} hvs_ns;

/**
 * struct hvs_creds - credentials and namespaces of one process.
 * @cred:    guest address of task->real_cred
 * @subjective_differs: task->cred is not task->real_cred
 * @uid, @euid, @suid, @fsuid, @gid, @egid, @sgid, @fsgid: ids as in the
 *           guest's initial user namespace
 * @securebits: cred->securebits
 * @ngroups: supplementary groups (group_info->ngroups); @groups holds the
 *           first @groups_n of them (owned)
 * @cap_inheritable, @cap_permitted, @cap_effective, @cap_bset, @cap_ambient:
 *           capability sets as 64-bit masks (kernel_cap_t: u32[2] before
 *           6.3, u64 since)
 * @ns:      namespaces, indexed by enum hvs_ns_kind
 * @cgroup:  the cgroup v2 path ("/", "/system.slice/x.service"), as
 *           /proc/PID/cgroup's "0::" line shows it from the initial cgroup
 *           namespace; NULL if unreadable (owned)
 * @partial: HVS_CREDS_PARTIAL_* bits
 */
typedef struct hvs_creds {
        hvs_gva cred;
        bool subjective_differs;
        uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
        uint32_t securebits;
        int32_t ngroups;
        uint32_t *groups;
        size_t groups_n;
        uint64_t cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
        hvs_ns ns[HVS_NS_COUNT];
        char *cgroup;
        uint32_t partial;
} hvs_creds;

/**
 * hvs_linux_task_creds() - credentials, capabilities, namespaces and cgroup of
 * process @t (from hvs_linux_tasks(); borrowed for the call). Kernel threads
 * have them too.
 * @ret: owned; free with hvs_creds_free()
 *
 * Unreadable parts are flagged in @partial and the record is still returned.
 * Return: 0; -ENOENT if a field the view needs is absent from the kernel's
 * types; -EFAULT if the task_struct itself is unreadable; -EBADMSG for field
 * offsets that make no sense; -ENOMEM. Detail in hvs_linux_errmsg(@k).
 * Thread-safety: as @k.
 */
HVS_API int hvs_linux_task_creds(hvs_linux *k, const hvs_task *t, hvs_creds **ret);

/** hvs_creds_free() - NULL-safe. Return: NULL. */
HVS_API hvs_creds *hvs_creds_free(hvs_creds *c);

#ifdef __cplusplus
}
#endif
#endif
