/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-maps.h - the Linux guest view of process memory regions, as the
 * guest's /proc/PID/maps shows them. Included by linux.h; not meant to be
 * included on its own.
 *
 * The regions (VMAs) come from the process's mm_struct: its maple tree
 * (mm->mm_mt, Linux 6.1+) or, on older kernels, its mm->mmap list (vm_next).
 * Each region carries the addresses of its vm_area_struct and backing struct
 * file, so every line can be re-derived from guest memory.
 *
 * Invariants: regions are in ascending address order and never overlap; a
 * walk that stopped early (broken or hostile tree, limit reached) returns
 * the regions read so far with @truncated set, never an error.
 */
#ifndef HVSCOPE_LINUX_MAPS_H
#define HVSCOPE_LINUX_MAPS_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* vm_flags bits used for the permissions column (include/linux/mm.h). */
#define HVS_VM_READ     0x00000001ull
#define HVS_VM_WRITE    0x00000002ull
#define HVS_VM_EXEC     0x00000004ull
#define HVS_VM_SHARED   0x00000008ull
#define HVS_VM_MAYSHARE 0x00000080ull   /* what /proc shows as 's' (vs 'p') */

/* What a region is (struct hvs_vma.kind). */
enum hvs_vma_kind {
        HVS_VMA_ANON = 0,       /* anonymous memory, no name */
        HVS_VMA_FILE,           /* backed by a file: @path names it */
        HVS_VMA_HEAP,           /* "[heap]": overlaps mm->start_brk..brk */
        HVS_VMA_STACK,          /* "[stack]": contains mm->start_stack */
        HVS_VMA_SPECIAL,        /* a special mapping ("[vdso]", "[vvar]"): its own name */
};

/* Bits of struct hvs_vma.partial: what could not be read. */
#define HVS_VMA_PARTIAL_FILE (1u << 0)  /* file, inode or superblock unreadable: dev/inode 0 */
#define HVS_VMA_PARTIAL_PATH (1u << 1)  /* full path unavailable: @path is the file's own name only */
#define HVS_VMA_PARTIAL_NAME (1u << 2)  /* special mapping's name unreadable */

/**
 * struct hvs_vma - one memory region of a process.
 * @addr:      guest-virtual address of its vm_area_struct
 * @start, @end: [start, end) user addresses
 * @flags:     vm_flags as the kernel keeps them (VM_*)
 * @perms:     "rwxp" as /proc shows them ('-' for a missing right; 's' for
 *             VM_MAYSHARE), NUL-terminated
 * @offset:    file offset in bytes (vm_pgoff << 12) for a file mapping, else 0
 * @pgoff:     vm_pgoff as is
 * @dev_major, @dev_minor: device of the backing file's superblock (s_dev,
 *             kernel encoding: major = s_dev >> 20), 0 when anonymous
 * @inode:     inode number of the backing file, 0 when anonymous
 * @file:      guest address of the backing struct file (0 when anonymous)
 * @kind:      what the region is
 * @name:      the /proc name column: the file's path (with " (deleted)" as
 *             the kernel appends it), "[heap]", "[stack]", a special
 *             mapping's name, or "" (anonymous); owned by the list
 * @partial:   HVS_VMA_PARTIAL_* bits
 */
typedef struct hvs_vma {
        hvs_gva addr;
        uint64_t start, end;
        uint64_t flags;
        char perms[5];
        uint64_t offset, pgoff;
        uint32_t dev_major, dev_minor;
        uint64_t inode;
        hvs_gva file;
        enum hvs_vma_kind kind;
        char *name;
        uint32_t partial;
} hvs_vma;

/**
 * struct hvs_vma_list - the regions of one process.
 * @mm:        guest address of the mm_struct walked
 * @vmas, @n:  the regions, ascending
 * @map_count: mm->map_count as the kernel counts its regions (0 if unread)
 * @source:    "maple" (mm->mm_mt) or "list" (mm->mmap, kernels before 6.1)
 * @truncated: the walk stopped early; @trunc_err says why (-EFAULT broken
 *             pointer, -EBADMSG malformed tree, -ELOOP cycle, -E2BIG
 *             max_vmas reached) and @trunc_msg where
 */
typedef struct hvs_vma_list {
        hvs_gva mm;
        hvs_vma *vmas;
        size_t n;
        int32_t map_count;
        const char *source;
        bool truncated;
        int trunc_err;
        char trunc_msg[256];
} hvs_vma_list;

/**
 * hvs_linux_task_maps() - the memory regions of process @t (from
 * hvs_linux_tasks(); borrowed for the call).
 * @ret: owned; free with hvs_vma_list_free()
 *
 * At most k's max_vmas regions are returned. A tree or list that breaks part
 * way gives the regions read so far, marked truncated: a result (return 0).
 * Return: 0; -ENOENT if @t has no address space (a kernel thread, an exited
 * process) or the kernel keeps its regions in no known way; -EFAULT if the
 * mm_struct is unreadable; -EBADMSG for field offsets that make no sense;
 * -ENOMEM. Detail in hvs_linux_errmsg(@k).
 * Thread-safety: as @k.
 */
HVS_API int hvs_linux_task_maps(hvs_linux *k, const hvs_task *t, hvs_vma_list **ret);

/** hvs_vma_list_free() - NULL-safe. Return: NULL. */
HVS_API hvs_vma_list *hvs_vma_list_free(hvs_vma_list *l);

#ifdef __cplusplus
}
#endif
#endif
