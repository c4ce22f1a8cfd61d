/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * path.c - the path of a (vfsmount, dentry) pair, rendered as the kernel's
 * d_path() (fs/d_path.c) renders it for /proc/PID/fd and /proc/mounts:
 *
 *  - file systems with a d_dname operation name their pseudo files
 *    themselves: pipefs "pipe:[INO]", sockfs "socket:[INO]", anon_inodefs
 *    "anon_inode:NAME" (NAME is the dentry's, e.g. "[eventfd]"), pidfs (6.9+)
 *    "anon_inode:[pidfd]", nsfs "net:[INO]" (the namespace type's name from
 *    inode->i_private, a struct ns_common). d_path() asks d_dname unless the dentry is the
 *    root of its mount; we decide by the superblock's file system type name,
 *    since the operation itself is a function pointer;
 *  - otherwise the path is built right to left (prepend_path()): each
 *    dentry's name, then its d_parent, until the root of its mount, where
 *    the walk crosses to the parent mount's mount point (struct mount holds
 *    the vfsmount: container_of), and stops at the mount whose parent is
 *    itself (the global root; the lab guests run from their initramfs, so
 *    this is every process's root);
 *  - d_unlinked() (unhashed: d_hash.pprev NULL, and not a root) appends
 *    " (deleted)";
 *  - a pseudo dentry (its own d_parent, but not its mount's root) of any
 *    other file system got simple_dname() from d_alloc_pseudo(): "/NAME
 *    (deleted)". A memfd is one, "memfd:NAME" on the internal shmem mount,
 *    so it reads "/memfd:NAME (deleted)" as in /proc.
 *
 * Hostile input: names are bounded by HVS_MAX_PATH_BYTES, the walk by
 * HVS_MAX_PATH_DEPTH steps, and cycles in the (dentry, mount) chain are
 * found by Brent's method in O(1) memory.
 */
#include <inttypes.h>
#include "vfs-internal.h"

#define O(f) offsetof(struct lx_path_offsets, f)
static const struct lx_field_row path_rows[] = {
        { "file", { "f_path" }, O(file_path), SIZE_MAX, false },
        { "path", { "mnt" }, O(path_mnt), SIZE_MAX, false },
        { "path", { "dentry" }, O(path_dentry), SIZE_MAX, false },
        { "file", { "f_inode" }, O(file_inode), SIZE_MAX, false },
        { "dentry", { "d_parent" }, O(dentry_parent), SIZE_MAX, false },
        { "dentry", { "d_name" }, O(dentry_name), SIZE_MAX, false },
        { "dentry", { "d_inode" }, O(dentry_inode), SIZE_MAX, false },
        { "dentry", { "d_sb" }, O(dentry_sb), SIZE_MAX, false },
        { "dentry", { "d_hash.pprev" }, O(dentry_hash_pprev), SIZE_MAX, false },
        { "qstr", { "len" }, O(qstr_len), SIZE_MAX, false },
        { "qstr", { "name" }, O(qstr_name), SIZE_MAX, false },
        { "inode", { "i_ino" }, O(inode_ino), SIZE_MAX, false },
        { "inode", { "i_mode" }, O(inode_mode), SIZE_MAX, false },
        { "inode", { "i_nlink", "__i_nlink" }, O(inode_nlink), SIZE_MAX, true },
        { "super_block", { "s_type" }, O(sb_type), SIZE_MAX, false },
        { "file_system_type", { "name" }, O(fstype_name), SIZE_MAX, false },
        { "mount", { "mnt" }, O(mount_mnt), SIZE_MAX, false },
        { "mount", { "mnt_parent" }, O(mount_parent), SIZE_MAX, false },
        { "mount", { "mnt_mountpoint" }, O(mount_mountpoint), SIZE_MAX, false },
        { "vfsmount", { "mnt_root" }, O(vfsmnt_root), SIZE_MAX, false },
        { "inode", { "i_private" }, O(inode_private), SIZE_MAX, true },
        { "ns_common", { "ops" }, O(nscommon_ops), SIZE_MAX, true },
        { "proc_ns_operations", { "name" }, O(nsops_name), SIZE_MAX, true },
};
#undef O

int lx_path_offsets_get(hvs_linux *k, struct lx_path_offsets *ret) {
        struct lx_path_offsets o;
        int r = lx_resolve_fields(k, path_rows, ARRAY_SIZE(path_rows), &o, &k->diag);
        if (r < 0)
                return r;
        *ret = o;
        return 0;
}

/* A path built right to left in w[pos..HVS_MAX_PATH_BYTES). */
struct rbuf {
        char w[HVS_MAX_PATH_BYTES + 1];
        size_t pos;
        bool full;
};

/* Prepend @len bytes; when they do not fit, keep their tail and mark full. */
static void prepend(struct rbuf *b, const char *s, size_t len) {
        if (len > b->pos) {
                s += len - b->pos;
                len = b->pos;
                b->full = true;
        }
        b->pos -= len;
        memcpy(b->w + b->pos, s, len);
}

static int read_u64_at(hvs_vas *kv, uint64_t base, uint32_t off, uint64_t *ret) {
        int r = lx_read_u64(kv, base, off, ret);
        return r == -ENOENT ? -EFAULT : r;      /* an address that overflows is a bad link */
}

/*
 * The dentry's name (qstr d_name: len, name) into @out as a string; as the
 * kernel's prepend_name(), a NUL ends it. Return: its length; -E2BIG if
 * d_name.len >= @cap; -EFAULT.
 */
static int read_dname(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t dentry, char *out, size_t cap) {
        uint64_t qs, name;
        uint32_t len;
        int r;
        if (hvs_add_overflow(dentry, (uint64_t)o->dentry_name, &qs))
                return -EFAULT;
        if ((r = lx_read_u32(kv, qs, o->qstr_len, &len)) < 0 || (r = lx_read_u64(kv, qs, o->qstr_name, &name)) < 0)
                return r == -ENOENT ? -EFAULT : r;
        if (len >= cap)
                return -E2BIG;
        if (len > 0 && (r = hvs_vas_read(kv, HVS_GVA(name), out, len)) < 0)
                return r;
        out[len] = '\0';
        return (int)strlen(out);
}

/* "/NAME" of @dentry prepended. Return: 0; -E2BIG (@b is full); -EFAULT. */
static int prepend_name(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t dentry, struct rbuf *b) {
        char tmp[HVS_MAX_PATH_BYTES + 1];
        int n = read_dname(kv, o, dentry, tmp, sizeof tmp);
        if (n == -E2BIG)
                b->full = true;
        if (n < 0)
                return n;
        prepend(b, tmp, (size_t)n);
        prepend(b, "/", 1);
        return b->full ? -E2BIG : 0;
}

/* @mnt's root dentry (mount.mnt.mnt_root). */
static int mount_root(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t mnt, uint64_t *ret) {
        uint64_t vfsmount;
        if (hvs_add_overflow(mnt, (uint64_t)o->mount_mnt, &vfsmount))
                return -EFAULT;
        return read_u64_at(kv, vfsmount, o->vfsmnt_root, ret);
}

/* Copy the finished path to @buf; keep its tail if @cap is too small. */
static int finish(const struct rbuf *b, char *buf, size_t cap, int r) {
        size_t len = HVS_MAX_PATH_BYTES - b->pos;
        const char *s = b->w + b->pos;
        if (len > cap - 1) {
                s += len - (cap - 1);
                len = cap - 1;
                if (r == 0)
                        r = -E2BIG;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (r == 0 && b->full)
                r = -E2BIG;
        return r < 0 ? r : (int)len;
}

/* nsfs: the namespace type ("net", "mnt", ...) of the inode's ns_common. */
static int ns_type_name(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t inode, char *out, size_t cap) {
        uint64_t ns, ops, name;
        int r;
        if ((r = read_u64_at(kv, inode, o->inode_private, &ns)) < 0 || (r = read_u64_at(kv, ns, o->nscommon_ops, &ops)) < 0 ||
            (r = read_u64_at(kv, ops, o->nsops_name, &name)) < 0)
                return r;
        r = hvs_vas_read_str(kv, HVS_GVA(name), out, cap);
        return r == -E2BIG ? 0 : r;
}

/* Names of the pseudo file systems whose d_dname /proc shows (see the top). */
static int pseudo_name(const struct lx_path_info *in, const char *dname, char *out, size_t cap) {
        if (strcmp(in->fstype, "pipefs") == 0)
                return snprintf(out, cap, "pipe:[%" PRIu64 "]", in->ino);
        if (strcmp(in->fstype, "sockfs") == 0)
                return snprintf(out, cap, "socket:[%" PRIu64 "]", in->ino);
        if (strcmp(in->fstype, "anon_inodefs") == 0)
                return snprintf(out, cap, "anon_inode:%s", dname);
        if (strcmp(in->fstype, "pidfs") == 0)
                return snprintf(out, cap, "anon_inode:[pidfd]");
        if (strcmp(in->fstype, "nsfs") == 0)
                return snprintf(out, cap, "%s:[%" PRIu64 "]", dname, in->ino);
        return -1;
}

static enum lx_path_kind pseudo_kind(const char *fstype) {
        if (strcmp(fstype, "pipefs") == 0)
                return LX_PATH_PIPE;
        if (strcmp(fstype, "sockfs") == 0)
                return LX_PATH_SOCKET;
        if (strcmp(fstype, "nsfs") == 0)
                return LX_PATH_FS;      /* a regular file by its i_mode, named by its namespace */
        return LX_PATH_ANON;
}

/* Inode number, mode and file system type of @dentry, as far as readable. */
static void read_dentry_info(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t dentry, struct lx_path_info *in) {
        uint64_t inode, sb, type, name;
        if (read_u64_at(kv, dentry, o->dentry_inode, &inode) == 0 && inode != 0) {
                uint64_t ino;
                uint32_t mode;
                in->inode = inode;
                if (read_u64_at(kv, inode, o->inode_ino, &ino) == 0)
                        in->ino = ino;
                if (lx_read_u32(kv, inode, o->inode_mode, &mode) == 0)
                        in->mode = mode & 0xffffu;      /* umode_t is 16 bits */
        }
        if (read_u64_at(kv, dentry, o->dentry_sb, &sb) == 0 && read_u64_at(kv, sb, o->sb_type, &type) == 0 &&
            read_u64_at(kv, type, o->fstype_name, &name) == 0) {
                int r = hvs_vas_read_str(kv, HVS_GVA(name), in->fstype, sizeof in->fstype);
                if (r < 0 && r != -E2BIG)
                        in->fstype[0] = '\0';
        }
}

int lx_path_build(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t vfsmount, uint64_t dentry, char *buf,
                  size_t cap, struct lx_path_info *ret_info) {
        struct lx_path_info info = { 0 };
        struct lx_path_info *in = ret_info ? ret_info : &info;
        *in = (struct lx_path_info){ 0 };
        if (cap == 0)
                return -EINVAL;
        buf[0] = '\0';
        _cleanup_free_ struct rbuf *b = hvs_malloc(sizeof *b);
        if (!b)
                return -ENOMEM;
        b->pos = HVS_MAX_PATH_BYTES;
        b->full = false;
        b->w[HVS_MAX_PATH_BYTES] = '\0';

        uint64_t parent, root, pprev;
        int r;
        if ((r = read_u64_at(kv, dentry, o->dentry_parent, &parent)) < 0 ||
            (r = read_u64_at(kv, vfsmount, o->vfsmnt_root, &root)) < 0)
                return r;
        read_dentry_info(kv, o, dentry, in);

        bool is_root = parent == dentry;
        if ((!is_root || dentry != root) && in->fstype[0]) {
                char dname[256] = "", out[300];
                if (strcmp(in->fstype, "anon_inodefs") == 0 && (r = read_dname(kv, o, dentry, dname, sizeof dname)) < 0)
                        return r;       /* anon_inode names are short ("[eventfd]"): longer is corrupt */
                if (strcmp(in->fstype, "nsfs") == 0 && (r = ns_type_name(kv, o, in->inode, dname, 32)) < 0)
                        return r;
                int n = pseudo_name(in, dname, out, sizeof out);
                if (n >= 0) {
                        in->kind = pseudo_kind(in->fstype);
                        prepend(b, out, MIN((size_t)n, sizeof out - 1));
                        return finish(b, buf, cap, 0);
                }
        }
        if (is_root && dentry != root) {
                /*
                 * A pseudo dentry of a file system with no d_dname of its own
                 * (d_alloc_pseudo() gives it simple_dname()): a memfd or a
                 * shmem file, "/NAME (deleted)".
                 */
                char tmp[HVS_MAX_PATH_BYTES + 1];
                in->deleted = true;
                prepend(b, " (deleted)", 10);
                int n = read_dname(kv, o, dentry, tmp, sizeof tmp);
                if (n < 0)
                        return finish(b, buf, cap, n);
                prepend(b, tmp, (size_t)n);
                prepend(b, "/", 1);
                return finish(b, buf, cap, 0);
        }

        if ((r = read_u64_at(kv, dentry, o->dentry_hash_pprev, &pprev)) < 0)
                return r;
        in->deleted = pprev == 0 && !is_root;
        if (in->deleted)
                prepend(b, " (deleted)", 10);
        size_t tail = b->pos;

        /* The mount is named by its vfsmount; struct mount is around it. */
        if (vfsmount < o->mount_mnt)
                return finish(b, buf, cap, -EFAULT);
        uint64_t mnt = vfsmount - o->mount_mnt;
        uint64_t mark_d = dentry, mark_m = mnt, power = 1, lam = 0;
        for (uint32_t steps = 0;; steps++) {
                if (steps >= HVS_MAX_PATH_DEPTH) {
                        r = -E2BIG;
                        break;
                }
                if (dentry == root || parent == dentry) {
                        uint64_t mparent;
                        if (dentry != root)     /* escaped its mount, or a detached tree */
                                break;
                        if ((r = read_u64_at(kv, mnt, o->mount_parent, &mparent)) < 0)
                                break;
                        if (mparent == mnt) {
                                in->reached_root = true;
                                break;
                        }
                        if ((r = read_u64_at(kv, mnt, o->mount_mountpoint, &dentry)) < 0)
                                break;
                        mnt = mparent;
                        if ((r = mount_root(kv, o, mnt, &root)) < 0)
                                break;
                } else {
                        if ((r = prepend_name(kv, o, dentry, b)) < 0)
                                break;
                        dentry = parent;
                }
                if ((r = read_u64_at(kv, dentry, o->dentry_parent, &parent)) < 0)
                        break;
                if (dentry == mark_d && mnt == mark_m) {
                        r = -ELOOP;
                        break;
                }
                if (++lam == power) {
                        mark_d = dentry;
                        mark_m = mnt;
                        power *= 2;
                        lam = 0;
                }
        }
        if (b->pos == tail && !b->full)
                prepend(b, "/", 1);
        return finish(b, buf, cap, r);
}

int lx_path_build_file(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t file, char *buf, size_t cap,
                       struct lx_path_info *ret_info) {
        uint64_t path, mnt, dentry;
        int r;
        if (ret_info)
                *ret_info = (struct lx_path_info){ 0 };
        if (cap > 0)
                buf[0] = '\0';
        if (hvs_add_overflow(file, (uint64_t)o->file_path, &path))
                return -EFAULT;
        if ((r = read_u64_at(kv, path, o->path_mnt, &mnt)) < 0 || (r = read_u64_at(kv, path, o->path_dentry, &dentry)) < 0)
                return r;
        return lx_path_build(kv, o, mnt, dentry, buf, cap, ret_info);
}

int lx_d_path(hvs_linux *k, uint64_t vfsmount, uint64_t dentry, char *buf, size_t cap) {
        struct lx_path_offsets o;
        int r = lx_path_offsets_get(k, &o);
        if (r < 0)
                return r;
        return lx_path_build(k->kvas, &o, vfsmount, dentry, buf, cap, NULL);
}

int lx_file_path(hvs_linux *k, uint64_t file, char *buf, size_t cap) {
        struct lx_path_offsets o;
        int r = lx_path_offsets_get(k, &o);
        if (r < 0)
                return r;
        return lx_path_build_file(k->kvas, &o, file, buf, cap, NULL);
}
