/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * creds.c - a process's credentials, capabilities, namespaces and cgroup, as
 * fs/proc/array.c (task_state(), render_cap_t()), fs/proc/namespaces.c and
 * kernel/cgroup/cgroup.c (proc_cgroup_show()) render them.
 *
 * The cred is copied once and decoded from the copy (C6). Namespaces: the
 * ones in task->nsproxy, the pid namespace of the task's own struct pid
 * (pid->numbers[pid->level].ns, task_active_pid_ns()) and the cred's user
 * namespace. The cgroup path walks kernfs_node->parent up from
 * task->cgroups->dfl_cgrp->kn, bounded by LX_MAX_CGROUP_DEPTH (which also
 * ends a cycle) and HVS_MAX_PATH_BYTES.
 */
#include <inttypes.h>
#include "creds.h"

#define MAX_CRED_STRUCT 4096u   /* struct cred is ~180 bytes */
#define MAX_PID_LEVEL 32u       /* MAX_PID_NS_LEVEL */
#define MAX_KN_NAME 256u

#define O(f) offsetof(struct lx_creds_offsets, f)
#define NSP(kind, field) { "nsproxy", { field }, O(nsproxy_ns[kind]), SIZE_MAX, kind == HVS_NS_TIME || kind == HVS_NS_TIME_FOR_CHILDREN }
#define INUM(kind, type) { type, { "ns.inum" }, O(ns_inum[kind]), SIZE_MAX, kind == HVS_NS_TIME || kind == HVS_NS_TIME_FOR_CHILDREN }
static const struct lx_field_row creds_rows[] = {
        { "task_struct", { "real_cred" }, O(task_real_cred), SIZE_MAX, false },
        { "task_struct", { "cred" }, O(task_cred), SIZE_MAX, false },
        { "task_struct", { "nsproxy" }, O(task_nsproxy), SIZE_MAX, false },
        { "task_struct", { "thread_pid" }, O(task_thread_pid), SIZE_MAX, true },
        { "task_struct", { "cgroups" }, O(task_cgroups), SIZE_MAX, true },
        { "cred", { "uid.val", "uid" }, O(cred_uid), SIZE_MAX, false },
        { "cred", { "gid.val", "gid" }, O(cred_gid), SIZE_MAX, false },
        { "cred", { "suid.val", "suid" }, O(cred_suid), SIZE_MAX, false },
        { "cred", { "sgid.val", "sgid" }, O(cred_sgid), SIZE_MAX, false },
        { "cred", { "euid.val", "euid" }, O(cred_euid), SIZE_MAX, false },
        { "cred", { "egid.val", "egid" }, O(cred_egid), SIZE_MAX, false },
        { "cred", { "fsuid.val", "fsuid" }, O(cred_fsuid), SIZE_MAX, false },
        { "cred", { "fsgid.val", "fsgid" }, O(cred_fsgid), SIZE_MAX, false },
        { "cred", { "securebits" }, O(cred_securebits), SIZE_MAX, false },
        { "cred", { "user_ns" }, O(cred_user_ns), SIZE_MAX, true },
        { "cred", { "group_info" }, O(cred_group_info), SIZE_MAX, true },
        { "cred", { "cap_inheritable" }, O(cred_cap_inheritable), O(cap_size), false },
        { "cred", { "cap_permitted" }, O(cred_cap_permitted), SIZE_MAX, false },
        { "cred", { "cap_effective" }, O(cred_cap_effective), SIZE_MAX, false },
        { "cred", { "cap_bset" }, O(cred_cap_bset), SIZE_MAX, false },
        { "cred", { "cap_ambient" }, O(cred_cap_ambient), SIZE_MAX, true },
        { "group_info", { "ngroups" }, O(group_info_ngroups), SIZE_MAX, true },
        { "group_info", { "gid" }, O(group_info_gid), SIZE_MAX, true },
        NSP(HVS_NS_UTS, "uts_ns"),
        NSP(HVS_NS_IPC, "ipc_ns"),
        NSP(HVS_NS_MNT, "mnt_ns"),
        NSP(HVS_NS_PID_FOR_CHILDREN, "pid_ns_for_children"),
        NSP(HVS_NS_NET, "net_ns"),
        NSP(HVS_NS_TIME, "time_ns"),
        NSP(HVS_NS_TIME_FOR_CHILDREN, "time_ns_for_children"),
        NSP(HVS_NS_CGROUP, "cgroup_ns"),
        INUM(HVS_NS_UTS, "uts_namespace"),
        INUM(HVS_NS_IPC, "ipc_namespace"),
        INUM(HVS_NS_MNT, "mnt_namespace"),
        INUM(HVS_NS_PID_FOR_CHILDREN, "pid_namespace"),
        INUM(HVS_NS_PID, "pid_namespace"),
        INUM(HVS_NS_NET, "net"),
        INUM(HVS_NS_TIME, "time_namespace"),
        INUM(HVS_NS_TIME_FOR_CHILDREN, "time_namespace"),
        INUM(HVS_NS_CGROUP, "cgroup_namespace"),
        INUM(HVS_NS_USER, "user_namespace"),
        { "pid", { "level" }, O(pid_level), SIZE_MAX, true },
        { "pid", { "numbers" }, O(pid_numbers), SIZE_MAX, true },
        { "upid", { "ns" }, O(upid_ns), SIZE_MAX, true },
        { "css_set", { "dfl_cgrp" }, O(css_set_dfl_cgrp), SIZE_MAX, true },
        { "cgroup", { "kn" }, O(cgroup_kn), SIZE_MAX, true },
        { "kernfs_node", { "parent", "__parent" }, O(kn_parent), SIZE_MAX, true },
        { "kernfs_node", { "name" }, O(kn_name), SIZE_MAX, true },
};
#undef INUM
#undef NSP
#undef O

const char *hvs_ns_name(enum hvs_ns_kind kind) {
        static const char *const names[HVS_NS_COUNT] = {
                [HVS_NS_CGROUP] = "cgroup", [HVS_NS_IPC] = "ipc", [HVS_NS_MNT] = "mnt", [HVS_NS_NET] = "net",
                [HVS_NS_PID] = "pid", [HVS_NS_PID_FOR_CHILDREN] = "pid_for_children", [HVS_NS_TIME] = "time",
                [HVS_NS_TIME_FOR_CHILDREN] = "time_for_children", [HVS_NS_USER] = "user", [HVS_NS_UTS] = "uts",
        };
        return (unsigned)kind < HVS_NS_COUNT ? names[kind] : "?";
}

int lx_creds_offsets_get(hvs_linux *k, struct lx_creds_offsets *ret) {
        struct lx_creds_offsets o;
        int r = lx_resolve_fields(k, creds_rows, ARRAY_SIZE(creds_rows), &o, &k->diag);
        if (r < 0)
                return r;
        o.nsproxy_ns[HVS_NS_PID] = o.nsproxy_ns[HVS_NS_USER] = LX_ABSENT;
        o.upid_size = 0;
        if (o.pid_numbers != LX_ABSENT && hvs_profile_type_size(k->profile, "upid", &o.upid_size) < 0)
                o.pid_numbers = LX_ABSENT;
        *ret = o;
        return 0;
}

static bool offsets_fit(const struct lx_creds_offsets *o, uint32_t cred_size) {
        const uint32_t u32s[] = { o->cred_uid, o->cred_gid, o->cred_suid, o->cred_sgid, o->cred_euid,
                                  o->cred_egid, o->cred_fsuid, o->cred_fsgid, o->cred_securebits };
        const uint32_t caps[] = { o->cred_cap_inheritable, o->cred_cap_permitted, o->cred_cap_effective,
                                  o->cred_cap_bset, o->cred_cap_ambient };
        for (size_t i = 0; i < ARRAY_SIZE(u32s); i++)
                if (!hvs_range_ok(u32s[i], 4, cred_size))
                        return false;
        for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
                if (caps[i] != LX_ABSENT && !hvs_range_ok(caps[i], o->cap_size, cred_size))
                        return false;
        return (o->cap_size == 4 || o->cap_size == 8) &&
               (o->upid_size == 0 || (o->upid_size <= 64 && o->upid_ns != LX_ABSENT && o->upid_ns + 8 <= o->upid_size));
}

/* How much of the cred to copy: up to the end of the last field used. */
static uint32_t cred_span(const struct lx_creds_offsets *o) {
        const uint32_t ends[] = { o->cred_uid, o->cred_gid, o->cred_suid, o->cred_sgid, o->cred_euid, o->cred_egid,
                                  o->cred_fsuid, o->cred_fsgid, o->cred_securebits, o->cred_cap_inheritable,
                                  o->cred_cap_permitted, o->cred_cap_effective, o->cred_cap_bset, o->cred_cap_ambient };
        uint64_t span = 0;
        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                if (ends[i] != LX_ABSENT)
                        span = MAX(span, (uint64_t)ends[i] + 8);
        return span > MAX_CRED_STRUCT ? 0 : (uint32_t)span;
}

static void read_groups(hvs_linux *k, const struct lx_creds_offsets *o, uint64_t cred, hvs_creds *c) {
        hvs_vas *kv = k->kvas;
        uint64_t gi;
        uint32_t n;
        if (o->cred_group_info == LX_ABSENT || o->group_info_ngroups == LX_ABSENT || o->group_info_gid == LX_ABSENT ||
            lx_read_u64(kv, cred, o->cred_group_info, &gi) < 0 || lx_read_u32(kv, gi, o->group_info_ngroups, &n) < 0) {
                c->partial |= HVS_CREDS_PARTIAL_GROUPS;
                return;
        }
        c->ngroups = (int32_t)n;
        if ((int32_t)n <= 0)
                return;
        uint32_t keep = MIN(n, LX_MAX_GROUPS);
        if (keep < n)
                c->partial |= HVS_CREDS_PARTIAL_GROUPS;
        uint8_t *raw = hvs_malloc((size_t)keep * 4);
        c->groups = hvs_calloc(keep, sizeof *c->groups);
        uint64_t at;
        if (!raw || !c->groups || hvs_add_overflow(gi, (uint64_t)o->group_info_gid, &at) ||
            hvs_vas_read(kv, HVS_GVA(at), raw, (size_t)keep * 4) < 0) {
                free(raw);
                free(c->groups);
                c->groups = NULL;
                c->partial |= HVS_CREDS_PARTIAL_GROUPS;
                return;
        }
        for (uint32_t i = 0; i < keep; i++)
                c->groups[i] = hvs_le32(raw + 4 * i);
        c->groups_n = keep;
        free(raw);
}

static void read_ns(hvs_vas *kv, uint64_t ns, uint32_t inum_off, hvs_creds *c, enum hvs_ns_kind kind) {
        if (ns == 0 || inum_off == LX_ABSENT)
                return;         /* absent from this kernel or this task: not an error */
        c->ns[kind].addr = HVS_GVA(ns);
        if (lx_read_u32(kv, ns, inum_off, &c->ns[kind].inum) < 0) {
                c->ns[kind].inum = 0;
                c->partial |= HVS_CREDS_PARTIAL_NS;
        }
}

static void read_namespaces(hvs_linux *k, const struct lx_creds_offsets *o, uint64_t task, uint64_t user_ns,
                            hvs_creds *c) {
        hvs_vas *kv = k->kvas;
        uint64_t nsproxy, ns;
        if (lx_read_u64(kv, task, o->task_nsproxy, &nsproxy) == 0 && nsproxy != 0) {
                for (unsigned kind = 0; kind < HVS_NS_COUNT; kind++) {
                        if (o->nsproxy_ns[kind] == LX_ABSENT)
                                continue;
                        if (lx_read_u64(kv, nsproxy, o->nsproxy_ns[kind], &ns) < 0)
                                c->partial |= HVS_CREDS_PARTIAL_NS;
                        else
                                read_ns(kv, ns, o->ns_inum[kind], c, kind);
                }
        } else {
                c->partial |= HVS_CREDS_PARTIAL_NS;     /* an exiting task has none */
        }
        read_ns(kv, user_ns, o->ns_inum[HVS_NS_USER], c, HVS_NS_USER);

        /* task_active_pid_ns(): thread_pid->numbers[thread_pid->level].ns */
        uint64_t pid, upid;
        uint32_t level;
        if (o->task_thread_pid == LX_ABSENT || o->pid_level == LX_ABSENT || o->pid_numbers == LX_ABSENT ||
            o->upid_size == 0 || lx_read_u64(kv, task, o->task_thread_pid, &pid) < 0 || pid == 0 ||
            lx_read_u32(kv, pid, o->pid_level, &level) < 0 || level > MAX_PID_LEVEL ||
            hvs_add_overflow(pid, (uint64_t)o->pid_numbers + (uint64_t)level * o->upid_size, &upid) ||
            lx_read_u64(kv, upid, o->upid_ns, &ns) < 0) {
                c->partial |= HVS_CREDS_PARTIAL_NS;
                return;
        }
        read_ns(kv, ns, o->ns_inum[HVS_NS_PID], c, HVS_NS_PID);
}

/* The kernfs path of the task's cgroup on the default (v2) hierarchy. */
static int read_cgroup(hvs_linux *k, const struct lx_creds_offsets *o, uint64_t task, hvs_creds *c) {
        hvs_vas *kv = k->kvas;
        uint64_t cset, cgrp, kn;
        if (o->task_cgroups == LX_ABSENT || o->css_set_dfl_cgrp == LX_ABSENT || o->cgroup_kn == LX_ABSENT ||
            o->kn_parent == LX_ABSENT || o->kn_name == LX_ABSENT ||
            lx_read_u64(kv, task, o->task_cgroups, &cset) < 0 || lx_read_u64(kv, cset, o->css_set_dfl_cgrp, &cgrp) < 0 ||
            lx_read_u64(kv, cgrp, o->cgroup_kn, &kn) < 0 || kn == 0) {
                c->partial |= HVS_CREDS_PARTIAL_CGROUP;
                return 0;
        }
        /* Built right to left in @buf: each component is prefixed with '/'. */
        char buf[HVS_MAX_PATH_BYTES];
        size_t at = sizeof buf - 1;
        buf[at] = '\0';
        for (unsigned depth = 0;; depth++) {
                uint64_t parent;
                if (depth >= LX_MAX_CGROUP_DEPTH || lx_read_u64(kv, kn, o->kn_parent, &parent) < 0) {
                        c->partial |= HVS_CREDS_PARTIAL_CGROUP;
                        return 0;
                }
                if (parent == 0)
                        break;          /* the hierarchy's root: its name is not part of the path */
                char name[MAX_KN_NAME];
                uint64_t np;
                int r;
                if (lx_read_u64(kv, kn, o->kn_name, &np) < 0 ||
                    (r = hvs_vas_read_str(kv, HVS_GVA(np), name, sizeof name)) < 0 || (size_t)r + 1 > at) {
                        c->partial |= HVS_CREDS_PARTIAL_CGROUP;
                        return 0;
                }
                at -= (size_t)r;
                memcpy(buf + at, name, (size_t)r);
                buf[--at] = '/';
                kn = parent;
        }
        if (buf[at] == '\0')
                buf[--at] = '/';
        for (size_t i = at; buf[i]; i++)        /* guest-controlled: keep it printable */
                if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] == 0x7f)
                        buf[i] = '?';
        c->cgroup = hvs_strdup(buf + at);
        return c->cgroup ? 0 : -ENOMEM;
}

int lx_creds_read(hvs_linux *k, const struct lx_creds_offsets *o, uint64_t task, hvs_creds **ret) {
        hvs_vas *kv = k->kvas;
        uint32_t span = cred_span(o);
        if (span == 0 || !offsets_fit(o, span))
                return HVS_BADMSG(&k->diag, "cred field offsets make no sense");
        uint64_t cred, scred;
        int r;
        if ((r = lx_read_u64(kv, task, o->task_real_cred, &cred)) < 0 || (r = lx_read_u64(kv, task, o->task_cred, &scred)) < 0)
                return HVS_DIAG(&k->diag, r == -ENOENT ? -EFAULT : r, "task_struct at 0x%" PRIx64 " unreadable", task);
        hvs_creds *c = hvs_calloc(1, sizeof *c);
        _cleanup_free_ uint8_t *raw = hvs_malloc(span);
        if (!c || !raw) {
                free(c);
                return -ENOMEM;
        }
        c->cred = HVS_GVA(cred);
        c->subjective_differs = scred != cred;
        uint64_t user_ns = 0;
        if (cred == 0 || hvs_vas_read(kv, HVS_GVA(cred), raw, span) < 0) {
                c->partial |= HVS_CREDS_PARTIAL_CRED | HVS_CREDS_PARTIAL_GROUPS;
        } else {
                c->uid = hvs_le32(raw + o->cred_uid);
                c->gid = hvs_le32(raw + o->cred_gid);
                c->suid = hvs_le32(raw + o->cred_suid);
                c->sgid = hvs_le32(raw + o->cred_sgid);
                c->euid = hvs_le32(raw + o->cred_euid);
                c->egid = hvs_le32(raw + o->cred_egid);
                c->fsuid = hvs_le32(raw + o->cred_fsuid);
                c->fsgid = hvs_le32(raw + o->cred_fsgid);
                c->securebits = hvs_le32(raw + o->cred_securebits);
                /* kernel_cap_t: u32 cap[2] (low word first) or u64 val: one little-endian load either way. */
                c->cap_inheritable = hvs_leN(raw + o->cred_cap_inheritable, o->cap_size);
                c->cap_permitted = hvs_leN(raw + o->cred_cap_permitted, o->cap_size);
                c->cap_effective = hvs_leN(raw + o->cred_cap_effective, o->cap_size);
                c->cap_bset = hvs_leN(raw + o->cred_cap_bset, o->cap_size);
                if (o->cred_cap_ambient != LX_ABSENT)
                        c->cap_ambient = hvs_leN(raw + o->cred_cap_ambient, o->cap_size);
                read_groups(k, o, cred, c);
                if (o->cred_user_ns != LX_ABSENT && lx_read_u64(kv, cred, o->cred_user_ns, &user_ns) < 0)
                        c->partial |= HVS_CREDS_PARTIAL_NS;
        }
        read_namespaces(k, o, task, user_ns, c);
        if (read_cgroup(k, o, task, c) < 0) {
                hvs_creds_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int hvs_linux_task_creds(hvs_linux *k, const hvs_task *t, hvs_creds **ret) {
        struct lx_creds_offsets o;
        int r = lx_creds_offsets_get(k, &o);
        if (r < 0)
                return r;
        return lx_creds_read(k, &o, t->addr.v, ret);
}

hvs_creds *hvs_creds_free(hvs_creds *c) {
        if (!c)
                return NULL;
        free(c->groups);
        free(c->cgroup);
        free(c);
        return NULL;
}
