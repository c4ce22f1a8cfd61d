/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * backend-buffer.c - guest-physical memory over a caller's buffer, for tests,
 * fuzzing and layers that build fake guests. The buffer is borrowed: the
 * backend owns nothing and needs no callbacks besides the host pointers.
 */
#include "util/util.h"
#include "mem/mem-internal.h"

static const struct hvs_mem_backend_ops buffer_ops = {
        .sz = sizeof(struct hvs_mem_backend_ops),
        .name = "buffer",
};

HVS_API int hvs_mem_open_buffer(const void *buf, size_t len, hvs_mem **ret) {
        if (!buf || len == 0 || !ret)
                return -EINVAL;
        hvs_mem_range r = { .gpa = 0, .size = len };
        return hvs_mem_open_buffer_ranges(buf, len, &r, 1, ret);
}

HVS_API int hvs_mem_open_buffer_ranges(const void *buf, size_t len, const hvs_mem_range *ranges,
                                       size_t n, hvs_mem **ret) {
        if (!buf || !ranges || n == 0 || n > HVS_MAX_MEM_RANGES || !ret)
                return -EINVAL;
        _cleanup_free_ struct hvs_mem_backend_range *br = hvs_calloc(n, sizeof *br);
        if (!br)
                return -ENOMEM;
        /* The bytes of the ranges follow each other in @buf in the order given. */
        uint64_t used = 0;
        for (size_t i = 0; i < n; i++) {
                if (ranges[i].size == 0 || !hvs_range_ok(used, ranges[i].size, len))
                        return -EINVAL;
                br[i] = (struct hvs_mem_backend_range){
                        .gpa = ranges[i].gpa,
                        .size = ranges[i].size,
                        .host = (const uint8_t *)buf + used,
                };
                used += ranges[i].size;
        }
        hvs_mem_info info = { .kind = HVS_MEM_BUFFER };
        return hvs_mem_new_backend(&buffer_ops, NULL, br, n, &info, ret);
}
