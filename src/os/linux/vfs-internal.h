/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfs-internal.h - the decoders behind lx_task_files() (fd.c) and
 * lx_file_path()/lx_d_path() (path.c), split from offset resolution so unit
 * tests and fuzz targets can drive them on a fake guest with offsets of their
 * own choosing (no BTF). lx_task_files() and lx_file_path() resolve the
 * offsets from the profile (memoized) and call these.
 *
 * Offsets are those of the guest kernel's structures; LX_ABSENT marks an
 * optional field the kernel does not have. Every decoder below reads only
 * through hvs_vas_read*() and treats everything it reads as hostile.
 */
#ifndef HVS_OS_LINUX_VFS_INTERNAL_H
#define HVS_OS_LINUX_VFS_INTERNAL_H

#include "linux-internal.h"

/* ---- fd.c ---------------------------------------------------------------------- */

/* task_struct.files -> files_struct.fdt -> fdtable { max_fds, fd }. */
struct lx_fd_offsets {
        uint32_t task_files;
        uint32_t files_fdt;
        uint32_t fdt_max_fds;
        uint32_t fdt_fd;
};

/* The callback of lx_task_files(): a negative return stops the walk. */
typedef int (*lx_fd_fn)(void *userdata, uint32_t fd, uint64_t file);

/*
 * lx_fd_walk() - lx_task_files() with explicit offsets and limit: call @fn
 * for each non-NULL slot of the fd array of the task_struct at @task, in fd
 * order, for fds below min(fdtable.max_fds, @max_fds).
 * Return: 0; -ENOENT (task->files is NULL: a kernel thread or an exiting
 * task); -EFAULT (files, fdtable or part of the fd array unreadable: the fds
 * before that part were visited); -E2BIG (fdtable.max_fds > @max_fds: the
 * first @max_fds were visited); a negative return of @fn.
 */
int lx_fd_walk(hvs_vas *kv, const struct lx_fd_offsets *o, uint32_t max_fds, uint64_t task, lx_fd_fn fn,
               void *userdata);

/* Resolve the fd offsets from @k's profile (memoized). Return: 0; -ENOENT. */
int lx_fd_offsets_get(hvs_linux *k, struct lx_fd_offsets *ret);

/* ---- path.c -------------------------------------------------------------------- */

/*
 * What path building reads. mount_mnt is the offset of the struct vfsmount
 * embedded in struct mount (container_of), mnt_* of struct mount, vfsmnt_root
 * of struct vfsmount. qstr_len/qstr_name are offsets inside struct qstr.
 */
struct lx_path_offsets {
        uint32_t file_path;             /* struct path f_path: { mnt, dentry } */
        uint32_t path_mnt, path_dentry;
        uint32_t file_inode;            /* file.f_inode */
        uint32_t dentry_parent, dentry_name, dentry_inode, dentry_sb, dentry_hash_pprev;
        uint32_t qstr_len, qstr_name;
        uint32_t inode_ino, inode_mode, inode_nlink;
        uint32_t sb_type, fstype_name;
        uint32_t mount_mnt, mount_parent, mount_mountpoint;
        uint32_t vfsmnt_root;
        uint32_t inode_private, nscommon_ops, nsops_name;      /* nsfs names; optional */
};

/* How a path was named (lx_path_info.kind). */
enum lx_path_kind {
        LX_PATH_FS = 0,         /* a path in the mount tree (maybe " (deleted)") */
        LX_PATH_PIPE,           /* "pipe:[INO]" */
        LX_PATH_SOCKET,         /* "socket:[INO]" */
        LX_PATH_ANON,           /* "anon_inode:NAME" */
};

/*
 * lx_path_info - what lx_path_build() learnt on the way; filled as far as it
 * got (fields stay 0 when unread).
 */
struct lx_path_info {
        enum lx_path_kind kind;
        bool deleted;           /* d_unlinked(): unhashed and not a root */
        bool reached_root;      /* the walk ended at the global root (mount parent == itself) */
        uint64_t inode;         /* dentry->d_inode (0: negative dentry or unread) */
        uint64_t ino;           /* inode->i_ino */
        uint32_t mode;          /* inode->i_mode */
        char fstype[32];        /* sb->s_type->name of the dentry's superblock */
};

/*
 * lx_path_build() - the path of (@vfsmount, @dentry) into @buf as the
 * kernel's d_path() renders it with the global root, and what was learnt in
 * @ret_info (nullable). @buf always holds a NUL-terminated string when
 * @cap > 0 (possibly a truncated path on error).
 * Return: length; -EFAULT (a link unreadable; @buf holds the part built);
 * -ELOOP (the dentry/mount chain cycles); -E2BIG (longer than
 * HVS_MAX_PATH_BYTES or @cap, or deeper than HVS_MAX_PATH_DEPTH: @buf holds
 * the tail of the path); -EINVAL (@cap is 0).
 */
int lx_path_build(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t vfsmount, uint64_t dentry, char *buf,
                  size_t cap, struct lx_path_info *ret_info);

/* lx_path_build() for the struct file at @file (its f_path). */
int lx_path_build_file(hvs_vas *kv, const struct lx_path_offsets *o, uint64_t file, char *buf, size_t cap,
                       struct lx_path_info *ret_info);

/* Resolve the path offsets from @k's profile (memoized). Return: 0; -ENOENT. */
int lx_path_offsets_get(hvs_linux *k, struct lx_path_offsets *ret);

/* ---- files.c ------------------------------------------------------------------- */

/* Everything the files view reads: the fd table, paths, and struct file. */
struct lx_files_offsets {
        struct lx_fd_offsets fd;
        struct lx_path_offsets path;
        uint32_t file_flags, file_pos;
};

/*
 * lx_proc_files_read() - the open files of the task_struct at @task into
 * @p->fds/@p->n (appended; @p's other fields are the caller's), marking @p
 * truncated when the fd walk stopped early.
 * Return: 0; -ENOENT (no fd table: a kernel thread); -ENOMEM.
 */
int lx_proc_files_read(hvs_vas *kv, const struct lx_files_offsets *o, uint32_t max_fds, uint64_t task,
                       hvs_proc_files *p);

/* ---- mounts.c ------------------------------------------------------------------ */

/*
 * The mount table: nsproxy->mnt_ns, then either mnt_namespace.list of
 * mount.mnt_list (up to 6.7) or the rb_root mnt_namespace.mounts of
 * mount.mnt_node keyed by mnt_id_unique (6.8+); the absent one is LX_ABSENT.
 */
struct lx_mount_offsets {
        struct lx_path_offsets path;
        uint32_t task_nsproxy, nsproxy_mnt_ns;
        uint32_t ns_list, ns_mounts, ns_mounts_size;
        uint32_t mount_list, mount_node, mount_devname, mount_id, mount_id_unique;
        uint32_t vfsmnt_sb, vfsmnt_flags, sb_flags;
        uint32_t rb_right, rb_left;
};

/*
 * lx_mounts_walk() - the mounts of the mnt_namespace at @ns appended to @l,
 * at most @max; a walk that stops early marks @l truncated.
 * Return: 0; -EOPNOTSUPP (neither a list nor a tree); -ENOMEM.
 */
int lx_mounts_walk(hvs_vas *kv, const struct lx_mount_offsets *o, uint64_t ns, uint32_t max, hvs_mount_list *l);

#endif
