/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-btf.c - hvs_btf_parse() and field resolution on hostile BTF.
 *
 * Input: a raw BTF blob. The lookups are the ones the Linux analyzers make
 * (the corpus has BTF that defines these types); results must be plausible
 * and the errors those of the contract.
 */
#include <stdint.h>
#include <stdlib.h>
#include <hvscope/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lookups[][2] = {
        { "task_struct", "pid" },      { "task_struct", "tasks" },     { "task_struct", "comm" },
        { "task_struct", "__state" },  { "task_struct", "mm" },        { "task_struct", "flags" },
        { "mm_struct", "arg_start" },  { "mm_struct", "pgd" },         { "cred", "uid.val" },
        { "task_struct", "tasks.next" }, { "deep", "bottom" },         { "task_struct", "u_deep2" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_btf *b = NULL;
        hvs_diag d = { 0 };
        int r = hvs_btf_parse(data, size, &d, &b);
        if (r < 0) {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort();
                return 0;
        }
        for (size_t i = 0; i < sizeof lookups / sizeof *lookups; i++) {
                uint32_t off, sz;
                r = hvs_btf_field(b, lookups[i][0], lookups[i][1], &off, &sz);
                if (r != 0 && r != -ENOENT && r != -EOPNOTSUPP && r != -EBADMSG)
                        abort();
                r = hvs_btf_type_size(b, lookups[i][0], &sz);
                if (r != 0 && r != -ENOENT && r != -EBADMSG)
                        abort();
        }
        size_t len;
        if (!hvs_btf_raw(b, &len) || len == 0)
                abort();
        hvs_btf_free(b);
        return 0;
}
