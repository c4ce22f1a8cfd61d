/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-isf.c - hvs_isf_parse() and field resolution on hostile Volatility
 * ISF JSON.
 *
 * Input: ISF text. The lookups are those the Linux analyzers make (the
 * corpus defines these types, plus self-referencing anonymous members and
 * undefined types); results must be plausible and errors those of the
 * contract.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lookups[][2] = {
        { "task_struct", "pid" },       { "task_struct", "tasks" },     { "task_struct", "comm" },
        { "task_struct", "__state" },   { "task_struct", "mm" },        { "task_struct", "flags" },
        { "mm_struct", "arg_start" },   { "mm_struct", "pgd" },         { "cred", "uid.val" },
        { "task_struct", "tasks.next" }, { "loop", "x" },               { "task_struct", "u_deep2" },
        { "var:init_task", "pid" },     { "grid", "m" },                { "grid", "g" },
        { "var:tk_core", "u_deep2" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_isf *isf = NULL;
        hvs_diag d = { 0 };
        int r = hvs_isf_parse(data, size, &d, &isf);
        if (r < 0) {
                if ((r != -EBADMSG && r != -EOPNOTSUPP && r != -ENOMEM) || !d.msg[0])
                        abort();
                return 0;
        }
        for (size_t i = 0; i < sizeof lookups / sizeof *lookups; i++) {
                uint32_t off, sz;
                r = hvs_isf_field(isf, lookups[i][0], lookups[i][1], &off, &sz);
                if (r != 0 && r != -ENOENT && r != -EOPNOTSUPP && r != -EBADMSG)
                        abort();
                r = hvs_isf_type_size(isf, lookups[i][0], &sz);
                if (r != 0 && r != -ENOENT)
                        abort();
                uint64_t a;
                r = hvs_isf_symbol(isf, lookups[i][0] + (strncmp(lookups[i][0], "var:", 4) ? 0 : 4), &a);
                if (r != 0 && r != -ENOENT)
                        abort();
        }
        const char *b = hvs_isf_banner(isf);
        if (b && (strncmp(b, "Linux version ", 14) != 0 || strlen(b) >= 512))
                abort();
        hvs_isf_free(isf);
        return 0;
}
