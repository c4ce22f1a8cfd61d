/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-mounts.h - the Linux guest view of the mount table.
 * Included by linux.h; not meant to be included on its own.
 *
 * The mounts of the initial mount namespace (init_task->nsproxy->mnt_ns),
 * in the order /proc/mounts lists them: the namespace's mount list up to
 * Linux 6.7, the in-order walk of its rbtree of mounts (keyed by the unique
 * mount id) from 6.8. Each mount is reported with the fields /proc/mounts and
 * /proc/PID/mountinfo show (device, mount point, file system type, mount id,
 * parent id, read-only) and the guest addresses of its struct mount and
 * superblock. Mount points are paths from the global root. Strings are raw
 * (no octal escapes as /proc adds for spaces, tabs, newlines, backslashes).
 */
#ifndef HVSCOPE_LINUX_MOUNTS_H
#define HVSCOPE_LINUX_MOUNTS_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of struct hvs_mount.partial: what could not be read. */
#define HVS_MOUNT_PARTIAL_DEVNAME (1u << 0)     /* mnt_devname unreadable */
#define HVS_MOUNT_PARTIAL_FSTYPE  (1u << 1)     /* superblock or its type unreadable */
#define HVS_MOUNT_PARTIAL_FLAGS   (1u << 2)     /* mnt_flags or s_flags unreadable */
#define HVS_MOUNT_PARTIAL_IDS     (1u << 3)     /* mnt_id or the parent's unreadable */

/**
 * struct hvs_mount - one mount.
 * @addr:      guest address of the struct mount
 * @sb:        guest address of its superblock (mnt.mnt_sb)
 * @root:      guest address of its root dentry (mnt.mnt_root)
 * @id:        mnt_id (mountinfo's first field)
 * @parent_id: the parent mount's mnt_id (its own id for the root mount)
 * @devname:   mnt_devname ("none" when NULL, as /proc shows), owned, never NULL
 * @path:      mount point, owned, never NULL ("" if nothing was read)
 * @path_err:  0, or why @path is incomplete (-EFAULT, -ELOOP, -E2BIG: see
 *             struct hvs_fd.path_err)
 * @fstype:    sb->s_type->name
 * @mnt_flags: mnt.mnt_flags (MNT_*)
 * @sb_flags:  sb->s_flags (SB_*)
 * @readonly:  MNT_READONLY in @mnt_flags or SB_RDONLY in @sb_flags: "ro"
 * @partial:   HVS_MOUNT_PARTIAL_* bits
 */
typedef struct hvs_mount {
        hvs_gva addr, sb, root;
        int32_t id, parent_id;
        char *devname;
        char *path;
        int path_err;
        char fstype[32];
        uint32_t mnt_flags;
        uint64_t sb_flags;
        bool readonly;
        uint32_t partial;
} hvs_mount;

/**
 * struct hvs_mount_list - the result of hvs_linux_mounts().
 * @ns:        guest address of the mount namespace read
 * @mounts, @n: the mounts, each struct mount at most once
 * @truncated: the walk stopped early; @trunc_err says why (-EFAULT broken
 *             link, -ELOOP cycle or a tree out of order, -E2BIG max_mounts
 *             reached) and @trunc_msg where
 */
typedef struct hvs_mount_list {
        hvs_gva ns;
        hvs_mount *mounts;
        size_t n;
        bool truncated;
        int trunc_err;
        char trunc_msg[256];
} hvs_mount_list;

/**
 * hvs_linux_mounts() - the mount table of the initial mount namespace.
 * @k:   the kernel view
 * @ret: owned; free with hvs_mount_list_free(). Not written on failure.
 *
 * A broken or cyclic list or tree gives the mounts read so far, marked
 * truncated (return 0).
 * Return: 0; -ENOENT if the kernel lacks a field this view needs (named in
 * hvs_linux_errmsg()); -EOPNOTSUPP if its mount namespace has neither a
 * mount list nor a mount tree; -EFAULT if init_task's namespace is
 * unreadable; -ENOMEM.
 * Thread-safety: one thread per @k.
 */
HVS_API int hvs_linux_mounts(hvs_linux *k, hvs_mount_list **ret);

/** hvs_mount_list_free() - NULL-safe. Return: NULL. */
HVS_API hvs_mount_list *hvs_mount_list_free(hvs_mount_list *l);

#ifdef __cplusplus
}
#endif
#endif
