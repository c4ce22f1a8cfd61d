/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef HVS_OS_LINUX_INTERNAL_H
#define HVS_OS_LINUX_INTERNAL_H

#include <hvscope/linux.h>
#include "util/util.h"

/*
 * Offsets of the kernel fields the analyzers use, resolved once per kernel
 * from the profile (BTF or cache) by the table in kernel.c. UINT32_MAX means
 * an optional field the kernel does not have.
 */
struct lx_offsets {
        uint32_t task_size;
        uint32_t task_tasks, task_pid, task_tgid, task_comm, task_comm_size;
        uint32_t task_state, task_state_size, task_exit_state, task_flags;
        uint32_t task_mm, task_real_parent, task_cred, task_signal;
        uint32_t task_start_boottime;
        uint32_t signal_nr_threads;
        uint32_t cred_uid, cred_gid, cred_euid, cred_egid;
        uint32_t mm_pgd, mm_arg_start, mm_arg_end;
};

#define LX_ABSENT UINT32_MAX

static inline void hvs_vas_freep(hvs_vas **p) { hvs_vas_free(*p); }

struct hvs_linux {
        hvs_mem *mem;
        hvs_vas *kvas;
        hvs_profile *profile;
        hvs_linux_info info;
        hvs_linux_limits limits;
        struct lx_offsets off;
        uint64_t init_task;
        bool cache_writable;    /* the profile may be saved back at close */
        hvs_diag diag;
};

/*
 * One field a view needs: the first of @paths that @type has wins; its offset
 * is stored at @off_field (offsetof in the view's own offsets struct) and, if
 * @size_field is not SIZE_MAX, its size there. An @optional field that is
 * absent is stored as LX_ABSENT. Results are memoized in the profile, and the
 * profile cache is rewritten at close when a view learnt new fields.
 */
struct lx_field_row {
        const char *type;
        const char *paths[3];
        size_t off_field;
        size_t size_field;
        bool optional;
};

/* Resolve @n rows into the struct at @dst. Return: 0; -ENOENT (diag names the field). */
int lx_resolve_fields(hvs_linux *k, const struct lx_field_row *rows, size_t n, void *dst, hvs_diag *diag);

/* Resolve k->off from k->profile. Return: 0; -ENOENT naming the field in @diag. */
int lx_resolve_offsets(hvs_linux *k, hvs_diag *diag);

/* Bounded reads of a field of a guest object: -ENOENT for an absent field
 * (LX_ABSENT) or an address that overflows, else as hvs_vas_read(). */
static inline int lx_read_u64(hvs_vas *as, uint64_t base, uint32_t off, uint64_t *ret) {
        uint64_t a;
        if (off == LX_ABSENT || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read_u64(as, HVS_GVA(a), ret);
}

static inline int lx_read_u32(hvs_vas *as, uint64_t base, uint32_t off, uint32_t *ret) {
        uint64_t a;
        if (off == LX_ABSENT || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read_u32(as, HVS_GVA(a), ret);
}

/* Physical address of a kernel-image virtual address (inside _text.._end). */
static inline uint64_t lx_image_pa(const hvs_linux *k, uint64_t va) {
        return va - k->info.text_va + k->info.text_pa;
}

/*
 * lx_mm_vas() - the address space of a process, from its mm_struct at @mm
 * (mm->pgd translated through the kernel's page tables). Caller frees it.
 * Return: 0; -ENOENT (no mm), -EFAULT, -ENOMEM. (tasks.c)
 */
int lx_mm_vas(hvs_linux *k, uint64_t mm, hvs_vas **ret);

/*
 * lx_task_files() - call @fn for each open file of the task_struct at @task:
 * its descriptor number and the address of its struct file. Walks
 * task->files->fdt (fd array, bounded by max_fds and the fdtable's own
 * max_fds); NULL slots are skipped. A negative return of @fn stops the walk
 * and is returned. Return: 0; -ENOENT (no files: a kernel thread); -EFAULT;
 * -E2BIG if the table was larger than max_fds (the first max_fds were
 * visited). (fd.c)
 */
int lx_task_files(hvs_linux *k, uint64_t task, int (*fn)(void *userdata, uint32_t fd, uint64_t file),
                  void *userdata);

/*
 * lx_file_path() - the path of the struct file at @file (its f_path: vfsmount
 * and dentry), walked up d_parent and through mount points (mount->mnt_parent,
 * mnt_mountpoint) to the root, bounded by HVS_MAX_PATH_DEPTH and cycle-checked.
 * Unlinked files get " (deleted)" appended as /proc does; anonymous inodes,
 * pipes and sockets are named as /proc shows them ("pipe:[INODE]",
 * "socket:[INODE]", "anon_inode:[NAME]").
 * Return: path length; -EFAULT; -ELOOP; -E2BIG (@buf holds a truncated path).
 * (path.c)
 */
int lx_file_path(hvs_linux *k, uint64_t file, char *buf, size_t cap);

/* lx_d_path() - the same for a (vfsmount, dentry) pair. (path.c) */
int lx_d_path(hvs_linux *k, uint64_t vfsmount, uint64_t dentry, char *buf, size_t cap);

#endif
