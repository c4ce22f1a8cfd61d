/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-profile.c - hvs_profile_load() on hostile cache files.
 *
 * Input: the bytes of a profile file (written to a memfd and loaded through
 * /proc/self/fd). After a load, every lazy path is exercised: symbol
 * lookups through the stored index, memoized and BTF-backed fields, the
 * full symbol table, and a rebase.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <hvscope/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool expected(int r) {
        return r == 0 || r == -ENOENT || r == -EBADMSG || r == -EOPNOTSUPP || r == -ESTALE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int fd = memfd_create("fuzz-profile", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size && write(fd, data, size) != (ssize_t)size) {
                close(fd);
                return 0;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        hvs_profile *p = NULL;
        hvs_diag d = { 0 };
        int r = hvs_profile_load(path, NULL, &d, &p);
        if (r < 0) {
                if (!expected(r))
                        abort();
                close(fd);
                return 0;
        }
        static const char *const syms[] = { "_text", "init_task", "linux_banner", "sym_17", "nope" };
        for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
                uint64_t va;
                if (!expected(hvs_profile_symbol(p, syms[i], &va)))
                        abort();
        }
        uint32_t off, sz;
        if (!expected(hvs_profile_field(p, "task_struct", "mm", &off, &sz)) ||
            !expected(hvs_profile_field(p, "task_struct", "pid", &off, &sz)) ||
            !expected(hvs_profile_type_size(p, "task_struct", &sz)))
                abort();
        hvs_profile_set_text(p, 0xffffffff81000000ull);
        hvs_ksyms *k;
        r = hvs_profile_ksyms(p, &k);
        if (!expected(r))
                abort();
        if (r == 0 && hvs_ksyms_count(k) > 0)
                (void)hvs_ksyms_get(k, 0);
        hvs_profile_free(p);
        close(fd);
        return 0;
}
