/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modules-walk.h - the module list walk of modules.c with its offsets given
 * explicitly, so tests and fuzz targets can drive it on a fake guest without
 * BTF. Internal to the library.
 */
#ifndef HVS_OS_LINUX_MODULES_WALK_H
#define HVS_OS_LINUX_MODULES_WALK_H

#include <hvscope/linux.h>

/*
 * Offsets (bytes) in the kernel's structures; LX_ABSENT (UINT32_MAX) for a
 * field the kernel does not have. Either the 6.4+ memory areas (mem_*) or
 * the older layouts (core_*, init_size) must be present.
 */
struct lx_module_offsets {
        uint32_t mod_size;                      /* sizeof(struct module) */
        uint32_t list, name, name_size, state, taints;
        uint32_t refcnt;                        /* atomic_t refcnt (MODULE_UNLOAD) */
        uint32_t init, exit;                    /* function pointers */
        uint32_t source_list;                   /* struct list_head (MODULE_UNLOAD) */
        uint32_t kp, num_kp;
        uint32_t mem, mem_bytes;                /* struct module_memory mem[] (6.4+) and its size */
        uint32_t mem_elem, mem_base, mem_len;   /* sizeof(struct module_memory), .base, .size */
        uint32_t core_base, core_len, init_len; /* core_layout.base/.size, init_layout.size (< 6.4) */
        uint32_t use_source_list, use_source;   /* struct module_use */
        uint32_t kp_size, kp_name, kp_ops, kp_perm, kp_arg;  /* struct kernel_param */
        uint32_t kps_maxlen, kps_string;        /* struct kparam_string */
        uint32_t kpa_max, kpa_elemsize, kpa_num, kpa_ops, kpa_elem;  /* struct kparam_array */
};

/* The address of one of the kernel's param_ops_* objects and the type it names. */
struct lx_param_ops {
        uint64_t addr;
        const char *type;
};

/*
 * lx_modules_walk() - walk the module list whose head is at @head in @as.
 * @ops, @nops: the known parameter types (addresses of param_ops_*)
 * Return: as hvs_linux_modules(); @diag gets the detail.
 */
int lx_modules_walk(hvs_vas *as, const struct lx_module_offsets *o, const struct lx_param_ops *ops, size_t nops,
                    uint64_t head, uint32_t max_modules, hvs_diag *diag, hvs_module_list **ret);

#endif
