/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * backend-raw.c - a raw physical image (file offset == gpa), mapped
 * read-only and private: the image is evidence and is never written, and
 * MAP_NORESERVE keeps a multi-GiB image from needing a swap reservation.
 */
#include "util/util.h"
#include "mem/mem-internal.h"

static void raw_close(void *priv) {
        struct mem_map *map = priv;
        mem_unmap(map);
        free(map);
}

static const struct hvs_mem_backend_ops raw_ops = {
        .sz = sizeof(struct hvs_mem_backend_ops),
        .name = "raw",
        .close = raw_close,
};

HVS_API int hvs_mem_open_raw(const char *path, hvs_diag *diag, hvs_mem **ret) {
        if (!path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no path given for the raw image");
        _cleanup_free_ struct mem_map *map = hvs_calloc(1, sizeof *map);
        if (!map)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        int r = mem_map_file(path, false, "raw image", diag, map);
        if (r < 0)
                return r;
        struct hvs_mem_backend_range range = { .gpa = 0, .size = map->len, .host = map->addr };
        hvs_mem_info info = { .kind = HVS_MEM_RAW };
        hvs_strlcpy(info.source, path, sizeof info.source);
        r = hvs_mem_new_backend(&raw_ops, map, &range, 1, &info, ret);
        if (r < 0) {
                mem_unmap(map);
                return HVS_DIAG(diag, r, "cannot open raw image '%s': %s", path, hvs_strerror(r));
        }
        TAKE_PTR(map);
        mem_set_file_backed(*ret);
        return 0;
}
