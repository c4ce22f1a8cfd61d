/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mounts.c - the mount table of the initial mount namespace, as
 * /proc/mounts (fs/proc_namespace.c: show_vfsmnt) renders it.
 *
 * init_task->nsproxy->mnt_ns holds its mounts in a list (mnt_namespace.list
 * of mount.mnt_list, up to 6.7) or, from 6.8, in an rbtree
 * (mnt_namespace.mounts of mount.mnt_node) ordered by mnt_id_unique, which
 * /proc walks in order. In 6.1 `mounts` is the count, an unsigned int, so
 * the tree is recognised by the absence of `list` and an 8-byte `mounts`.
 *
 * The list walk is hvs_list_iter's (step cap + Brent). The tree walk is an
 * in-order walk with an explicit stack: a stack deeper than any valid
 * red-black tree (its height is at most 2 log2(n + 1)) or keys that do not
 * increase strictly mean a cycle or a corrupt tree, and the walk stops
 * there with -ELOOP; max_mounts caps the steps.
 */
#include <inttypes.h>
#include "vfs-internal.h"
#include "list.h"

#define MNT_READONLY 0x40u
#define SB_RDONLY    0x1u
#define MAX_RB_DEPTH 128u       /* a red-black tree of 2^63 nodes is at most 126 deep */

#define O(f) offsetof(struct lx_mount_offsets, f)
static const struct lx_field_row mount_rows[] = {
        { "task_struct", { "nsproxy" }, O(task_nsproxy), SIZE_MAX, false },
        { "nsproxy", { "mnt_ns" }, O(nsproxy_mnt_ns), SIZE_MAX, false },
        { "mnt_namespace", { "list" }, O(ns_list), SIZE_MAX, true },
        { "mnt_namespace", { "mounts" }, O(ns_mounts), O(ns_mounts_size), true },
        { "mount", { "mnt_list" }, O(mount_list), SIZE_MAX, true },
        { "mount", { "mnt_node" }, O(mount_node), SIZE_MAX, true },
        { "mount", { "mnt_devname" }, O(mount_devname), SIZE_MAX, false },
        { "mount", { "mnt_id" }, O(mount_id), SIZE_MAX, false },
        { "mount", { "mnt_id_unique" }, O(mount_id_unique), SIZE_MAX, true },
        { "vfsmount", { "mnt_sb" }, O(vfsmnt_sb), SIZE_MAX, false },
        { "vfsmount", { "mnt_flags" }, O(vfsmnt_flags), SIZE_MAX, false },
        { "super_block", { "s_flags" }, O(sb_flags), SIZE_MAX, false },
        { "rb_node", { "rb_right" }, O(rb_right), SIZE_MAX, false },
        { "rb_node", { "rb_left" }, O(rb_left), SIZE_MAX, false },
};
#undef O

static void free_mount(hvs_mount *m) {
        free(m->devname);
        free(m->path);
}

hvs_mount_list *hvs_mount_list_free(hvs_mount_list *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                free_mount(&l->mounts[i]);
        free(l->mounts);
        free(l);
        return NULL;
}

static void mount_list_freep(hvs_mount_list **l) { hvs_mount_list_free(*l); }

struct walk {
        hvs_vas *kv;
        const struct lx_mount_offsets *o;
        hvs_mount_list *l;
        size_t cap;
        char *buf;      /* HVS_MAX_PATH_BYTES + 1 */
};

/* Read one struct mount into the list. Return: 0; -ENOMEM. */
static int add_mount(struct walk *w, uint64_t mnt) {
        const struct lx_mount_offsets *o = w->o;
        const struct lx_path_offsets *po = &o->path;
        hvs_vas *kv = w->kv;
        hvs_mount_list *l = w->l;
        if (l->n == w->cap) {
                size_t ncap = w->cap ? w->cap * 2 : 32;
                hvs_mount *n = hvs_reallocarray(l->mounts, ncap, sizeof *n);
                if (!n)
                        return -ENOMEM;
                l->mounts = n;
                w->cap = ncap;
        }
        hvs_mount *m = &l->mounts[l->n];
        *m = (hvs_mount){ .addr = HVS_GVA(mnt) };

        uint64_t dev = 0, parent = 0, vfsmount = 0, root = 0, sb = 0, type = 0, name = 0, sbf = 0;
        uint32_t id = 0, pid = 0, mf = 0;
        if (lx_read_u32(kv, mnt, o->mount_id, &id) < 0 || lx_read_u64(kv, mnt, po->mount_parent, &parent) < 0 ||
            lx_read_u32(kv, parent, o->mount_id, &pid) < 0)
                m->partial |= HVS_MOUNT_PARTIAL_IDS;
        m->id = (int32_t)id;
        m->parent_id = (int32_t)pid;

        int r = lx_read_u64(kv, mnt, o->mount_devname, &dev);
        if (r == 0 && dev == 0)
                hvs_strlcpy(w->buf, "none", HVS_MAX_PATH_BYTES + 1);
        else if (r < 0 || (r = hvs_vas_read_str(kv, HVS_GVA(dev), w->buf, HVS_MAX_PATH_BYTES + 1)) < 0) {
                m->partial |= HVS_MOUNT_PARTIAL_DEVNAME;
                if (r != -E2BIG)
                        w->buf[0] = '\0';
        }
        if (!(m->devname = hvs_strdup(w->buf)))
                return -ENOMEM;

        bool have_vfs = !hvs_add_overflow(mnt, (uint64_t)po->mount_mnt, &vfsmount);
        if (!have_vfs || lx_read_u64(kv, vfsmount, o->vfsmnt_sb, &sb) < 0 ||
            lx_read_u64(kv, sb, po->sb_type, &type) < 0 || lx_read_u64(kv, type, po->fstype_name, &name) < 0 ||
            ((r = hvs_vas_read_str(kv, HVS_GVA(name), m->fstype, sizeof m->fstype)) < 0 && r != -E2BIG)) {
                m->partial |= HVS_MOUNT_PARTIAL_FSTYPE;
                if (r != -E2BIG)
                        m->fstype[0] = '\0';
        }
        m->sb = HVS_GVA(sb);
        if (!have_vfs || lx_read_u32(kv, vfsmount, o->vfsmnt_flags, &mf) < 0 || lx_read_u64(kv, sb, o->sb_flags, &sbf) < 0)
                m->partial |= HVS_MOUNT_PARTIAL_FLAGS;
        m->mnt_flags = mf;
        m->sb_flags = sbf;
        m->readonly = (mf & MNT_READONLY) || (sbf & SB_RDONLY);

        w->buf[0] = '\0';
        if (!have_vfs || (r = lx_read_u64(kv, vfsmount, po->vfsmnt_root, &root)) < 0)
                m->path_err = -EFAULT;
        else if ((r = lx_path_build(kv, po, vfsmount, root, w->buf, HVS_MAX_PATH_BYTES + 1, NULL)) < 0) {
                if (r == -ENOMEM) {
                        free(m->devname);
                        return r;
                }
                m->path_err = r;
        }
        m->root = HVS_GVA(root);
        if (!(m->path = hvs_strdup(w->buf))) {
                free(m->devname);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

/* A walk stopped on a cycle listed some mounts twice: keep each once. */
static void drop_repeats(hvs_mount_list *l, size_t first) {
        size_t n = l->n - first;
        if (n < 2)
                return;         /* also before l->mounts + first: it may be NULL */
        hvs_mount *v = l->mounts + first;
        size_t keep = hvs_list_unrepeated(v, n, sizeof *v, offsetof(hvs_mount, addr));
        for (size_t i = keep; i < n; i++)
                free_mount(&v[i]);
        l->n = first + keep;
}

static void truncate_at(hvs_mount_list *l, int err, const char *what, uint64_t where) {
        l->truncated = true;
        l->trunc_err = err;
        snprintf(l->trunc_msg, sizeof l->trunc_msg, "mount %s walk stopped after %zu mounts at 0x%" PRIx64 ": %s", what,
                 l->n, where, hvs_strerror(err));
}

static int walk_list(struct walk *w, uint64_t ns, uint32_t max) {
        const struct lx_mount_offsets *o = w->o;
        uint64_t head;
        if (hvs_add_overflow(ns, (uint64_t)o->ns_list, &head)) {
                truncate_at(w->l, -EFAULT, "list", ns);
                return 0;
        }
        hvs_list_iter it;
        hvs_list_iter_init(&it, w->kv, HVS_GVA(head), max);
        hvs_gva node;
        int r;
        size_t first = w->l->n;
        while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                uint32_t id;
                if (lx_read_u32(w->kv, node.v - o->mount_list, o->mount_id, &id) < 0) {
                        r = -EFAULT;    /* the link leads nowhere: not a mount to report */
                        break;
                }
                int e = add_mount(w, node.v - o->mount_list);
                if (e < 0)
                        return e;
        }
        if (r < 0) {
                drop_repeats(w->l, first);
                truncate_at(w->l, r, "list", it.cur.v);
        }
        return 0;
}

static int walk_tree(struct walk *w, uint64_t ns, uint32_t max) {
        const struct lx_mount_offsets *o = w->o;
        uint64_t stack[MAX_RB_DEPTH], node, prev_key = 0;
        size_t sp = 0;
        uint32_t steps = 0;
        bool have_prev = false;
        int r;
        if ((r = lx_read_u64(w->kv, ns, o->ns_mounts, &node)) < 0) {
                truncate_at(w->l, r == -ENOENT ? -EFAULT : r, "tree", ns);
                return 0;
        }
        while (node || sp) {
                while (node) {
                        if (sp == MAX_RB_DEPTH) {
                                truncate_at(w->l, -ELOOP, "tree", node);
                                return 0;
                        }
                        stack[sp++] = node;
                        if ((r = lx_read_u64(w->kv, node, o->rb_left, &node)) < 0) {
                                truncate_at(w->l, r == -ENOENT ? -EFAULT : r, "tree", stack[sp - 1]);
                                return 0;
                        }
                }
                node = stack[--sp];
                uint64_t mnt = node - o->mount_node;
                if (o->mount_id_unique != LX_ABSENT) {
                        uint64_t key;
                        if ((r = lx_read_u64(w->kv, mnt, o->mount_id_unique, &key)) < 0) {
                                truncate_at(w->l, r == -ENOENT ? -EFAULT : r, "tree", node);
                                return 0;
                        }
                        if (have_prev && key <= prev_key) {
                                truncate_at(w->l, -ELOOP, "tree", node);
                                return 0;
                        }
                        prev_key = key;
                        have_prev = true;
                }
                if (steps++ >= max) {
                        truncate_at(w->l, -E2BIG, "tree", node);
                        return 0;
                }
                if ((r = add_mount(w, mnt)) < 0)
                        return r;
                if ((r = lx_read_u64(w->kv, node, o->rb_right, &node)) < 0) {
                        truncate_at(w->l, r == -ENOENT ? -EFAULT : r, "tree", stack[sp]);
                        return 0;
                }
        }
        return 0;
}

int lx_mounts_walk(hvs_vas *kv, const struct lx_mount_offsets *o, uint64_t ns, uint32_t max, hvs_mount_list *l) {
        _cleanup_free_ char *buf = hvs_malloc(HVS_MAX_PATH_BYTES + 1);
        if (!buf)
                return -ENOMEM;
        struct walk w = { .kv = kv, .o = o, .l = l, .cap = l->n, .buf = buf };
        l->ns = HVS_GVA(ns);
        if (o->ns_list != LX_ABSENT && o->mount_list != LX_ABSENT)
                return walk_list(&w, ns, max);
        if (o->ns_mounts != LX_ABSENT && o->ns_mounts_size == 8 && o->mount_node != LX_ABSENT)
                return walk_tree(&w, ns, max);
        return -EOPNOTSUPP;
}

int hvs_linux_mounts(hvs_linux *k, hvs_mount_list **ret) {
        struct lx_mount_offsets o;
        int r;
        if ((r = lx_path_offsets_get(k, &o.path)) < 0 ||
            (r = lx_resolve_fields(k, mount_rows, ARRAY_SIZE(mount_rows), &o, &k->diag)) < 0)
                return r;
        uint64_t nsproxy, ns;
        if ((r = lx_read_u64(k->kvas, k->init_task, o.task_nsproxy, &nsproxy)) < 0 ||
            (r = lx_read_u64(k->kvas, nsproxy, o.nsproxy_mnt_ns, &ns)) < 0 || ns == 0)
                return HVS_DIAG(&k->diag, -EFAULT, "init_task's mount namespace at 0x%" PRIx64 " unreadable",
                                k->init_task);
        _cleanup_(mount_list_freep) hvs_mount_list *l = hvs_calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        r = lx_mounts_walk(k->kvas, &o, ns, k->limits.max_mounts, l);
        if (r == -EOPNOTSUPP)
                return HVS_DIAG(&k->diag, r, "mount namespace has neither 'list' nor an rbtree 'mounts'");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}
