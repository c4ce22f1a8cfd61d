/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/backend.h - the ABI for memory backends. In-tree backends use it too.
 *
 * A backend describes guest-physical RAM as ranges and either gives a host
 * pointer per range (read-only mapping: the core copies with bounds checks)
 * or a read callback. Optional callbacks add registers and pause/resume.
 */
#ifndef HVSCOPE_SYS_BACKEND_H
#define HVSCOPE_SYS_BACKEND_H

#include <hvscope/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct hvs_mem_backend_ops - callbacks of one backend; all may be NULL.
 * @sz:     sizeof(struct hvs_mem_backend_ops)
 * @name:   short name ("raw", "elfcore", "qemu")
 * @read:   copy @len bytes at @gpa; only called for ranges with no host
 *          pointer; the core has checked the range. Return 0 or -errno.
 * @vcpus:  fill the backend's vCPU array; *ret stays owned by the backend.
 * @pause, @resume: stop / continue the VM.
 * @close:  free @priv and everything the backend owns.
 */
struct hvs_mem_backend_ops {
        size_t sz;
        const char *name;
        int (*read)(void *priv, uint64_t gpa, void *buf, size_t len);
        int (*vcpus)(void *priv, const hvs_vcpu_regs **ret, size_t *ret_n, hvs_diag *diag);
        int (*pause)(void *priv, hvs_diag *diag);
        int (*resume)(void *priv, hvs_diag *diag);
        void (*close)(void *priv);
};

/**
 * struct hvs_mem_backend_range - a guest-physical range and where its bytes are.
 * @gpa, @size: the range
 * @host: read-only host pointer to its first byte, or NULL to use ops->read
 */
struct hvs_mem_backend_range {
        uint64_t gpa;
        uint64_t size;
        const uint8_t *host;
};

/**
 * hvs_mem_new_backend() - wrap a backend in an hvs_mem.
 * @ops:    callbacks (borrowed; static storage expected)
 * @priv:   backend state; ownership passes to the handle on success only
 * @ranges: @n ranges, copied; they are sorted and checked for overlap
 * @info:   provenance, copied (kind, source, ...)
 * Return: 0; -EINVAL for empty, overlapping or overflowing ranges or more than
 * HVS_MAX_MEM_RANGES; -ENOMEM.
 */
HVS_API int hvs_mem_new_backend(const struct hvs_mem_backend_ops *ops, void *priv,
                                const struct hvs_mem_backend_range *ranges, size_t n,
                                const hvs_mem_info *info, hvs_mem **ret);

/**
 * hvs_mem_diag() - the handle's diagnostic record, for backends and the layers
 * built on a handle to record failures in. Borrowed.
 */
HVS_API hvs_diag *hvs_mem_diag(hvs_mem *m);

#ifdef __cplusplus
}
#endif
#endif
