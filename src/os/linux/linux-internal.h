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
        hvs_diag diag;
};

/* Resolve k->off from k->profile. Return: 0; -ENOENT naming the field in @diag. */
int lx_resolve_offsets(hvs_linux *k, hvs_diag *diag);

/* Physical address of a kernel-image virtual address (inside _text.._end). */
static inline uint64_t lx_image_pa(const hvs_linux *k, uint64_t va) {
        return va - k->info.text_va + k->info.text_pa;
}

#endif
