/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * maps.h - the decoder behind hvs_linux_task_maps(), split from offset
 * resolution so unit tests can drive it on a fake guest with offsets of
 * their own choosing (no BTF), including the pre-6.1 list layout that the
 * lab's kernels do not have.
 */
#ifndef HVS_OS_LINUX_MAPS_H
#define HVS_OS_LINUX_MAPS_H

#include "linux-internal.h"
#include "maple.h"

/* Bytes of a vm_area_struct copied at most (6.1: 0xb8, 6.12: 0xc8). */
#define LX_MAX_VMA_STRUCT 1024u
/* Bytes of a special mapping's name ("[vdso]") or a dentry name read. */
#define LX_MAX_VMA_NAME 256u

/*
 * What the decoder reads. LX_ABSENT marks a field the kernel lacks: @mm_mt
 * (and @mt_root) before 6.1, @mm_mmap and @vma_next from 6.1 on. One of the
 * two layouts must be complete.
 * @special_ops: addresses of the vm_operations_struct of special mappings
 *               (special_mapping_vmops, legacy_special_mapping_vmops); 0 =
 *               unknown, and then no region is named as special
 */
struct lx_maps_offsets {
        uint32_t mm_mt, mt_root, mm_mmap;
        uint32_t mm_map_count, mm_start_brk, mm_brk, mm_start_stack;
        uint32_t vma_size;
        uint32_t vma_start, vma_end, vma_flags, vma_pgoff, vma_file, vma_ops, vma_private, vma_next;
        uint32_t file_inode, file_dentry, dentry_name;
        uint32_t inode_ino, inode_sb, sb_dev;
        uint32_t special_name;
        struct lx_maple_offsets maple;
        uint64_t special_ops[2];
};

/* Resolve the offsets and symbols from @k's profile (memoized). Return: 0; -ENOENT; -EBADMSG. */
int lx_maps_offsets_get(hvs_linux *k, struct lx_maps_offsets *ret);

/*
 * lx_maps_walk() - hvs_linux_task_maps() for the mm_struct at @mm with
 * explicit offsets; limits from @k, reads through @k's kernel address space.
 * Return: as hvs_linux_task_maps().
 */
int lx_maps_walk(hvs_linux *k, const struct lx_maps_offsets *o, uint64_t mm, hvs_vma_list **ret);

#endif
