/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fd.c - a task's open files: task->files (files_struct) -> fdt (fdtable),
 * whose fd array holds max_fds struct file pointers, NULL for a closed fd.
 *
 * The array is read in page-sized chunks, so a table of a million fds costs
 * no large allocation, and an unreadable chunk keeps the fds before it. The
 * count comes from the guest and is clamped to the limit (C7); the array is
 * not a linked structure, so there is nothing to cycle-check.
 */
#include <inttypes.h>
#include "vfs-internal.h"

#define FD_CHUNK 512u   /* pointers per read: one 4 KiB page */

#define O(f) offsetof(struct lx_fd_offsets, f)
static const struct lx_field_row fd_rows[] = {
        { "task_struct", { "files" }, O(task_files), SIZE_MAX, false },
        { "files_struct", { "fdt" }, O(files_fdt), SIZE_MAX, false },
        { "fdtable", { "max_fds" }, O(fdt_max_fds), SIZE_MAX, false },
        { "fdtable", { "fd" }, O(fdt_fd), SIZE_MAX, false },
};
#undef O

int lx_fd_offsets_get(hvs_linux *k, struct lx_fd_offsets *ret) {
        struct lx_fd_offsets o;
        int r = lx_resolve_fields(k, fd_rows, ARRAY_SIZE(fd_rows), &o, &k->diag);
        if (r < 0)
                return r;
        *ret = o;
        return 0;
}

int lx_fd_walk(hvs_vas *kv, const struct lx_fd_offsets *o, uint32_t max_fds, uint64_t task, lx_fd_fn fn,
               void *userdata) {
        uint64_t files, fdt, arr;
        uint32_t nfds;
        int r;
        if ((r = lx_read_u64(kv, task, o->task_files, &files)) < 0)
                return r == -ENOENT ? -EFAULT : r;
        if (files == 0)
                return -ENOENT;
        if ((r = lx_read_u64(kv, files, o->files_fdt, &fdt)) < 0 || (r = lx_read_u32(kv, fdt, o->fdt_max_fds, &nfds)) < 0 ||
            (r = lx_read_u64(kv, fdt, o->fdt_fd, &arr)) < 0)
                return r == -ENOENT ? -EFAULT : r;
        if (fdt == 0 || arr == 0)
                return -EFAULT;
        bool clamped = nfds > max_fds;
        if (clamped)
                nfds = max_fds;
        uint64_t end;
        if (hvs_mul_overflow((uint64_t)nfds, 8u, &end) || hvs_add_overflow(arr, end, &end))
                return -EFAULT;

        uint8_t chunk[FD_CHUNK * 8];
        for (uint32_t base = 0; base < nfds; base += FD_CHUNK) {
                uint32_t n = MIN(FD_CHUNK, nfds - base);
                if ((r = hvs_vas_read(kv, HVS_GVA(arr + (uint64_t)base * 8), chunk, (size_t)n * 8)) < 0)
                        return r;
                for (uint32_t i = 0; i < n; i++) {
                        uint64_t file = hvs_le64(chunk + (size_t)i * 8);
                        if (file == 0)
                                continue;
                        if ((r = fn(userdata, base + i, file)) < 0)
                                return r;
                }
        }
        return clamped ? -E2BIG : 0;
}

int lx_task_files(hvs_linux *k, uint64_t task, int (*fn)(void *userdata, uint32_t fd, uint64_t file),
                  void *userdata) {
        struct lx_fd_offsets o;
        int r = lx_fd_offsets_get(k, &o);
        if (r < 0)
                return r;
        return lx_fd_walk(k->kvas, &o, k->limits.max_fds, task, fn, userdata);
}
