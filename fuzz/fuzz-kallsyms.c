/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-kallsyms.c - kallsyms recovery on hostile guest RAM.
 *
 * Input: guest RAM at gpa 0. Besides "no crash, no hang", a table that
 * decodes must keep the invariants the decoder promises: a symbol count
 * within the limit, non-empty bounded names, and addresses in order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/limits.h>
#include <hvscope/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_mem *m;
        if (size == 0 || hvs_mem_open_buffer(data, size, &m) < 0)
                return 0;
        hvs_ksyms *k = NULL;
        hvs_ksyms_layout lay;
        hvs_diag d = { 0 };
        /* Once with a hint window in the middle, once without. */
        int r = hvs_ksyms_recover(m, size / 2, size, &d, &k, &lay);
        if (r == 0) {
                size_t n = hvs_ksyms_count(k);
                if (n == 0 || n > HVS_MAX_KSYMS || n != lay.num_syms)
                        abort();
                uint64_t prev = 0;
                for (size_t i = 0; i < n; i++) {
                        const hvs_ksym *s = hvs_ksyms_get(k, i);
                        size_t l = strlen(s->name);
                        if (l == 0 || l >= HVS_MAX_KSYM_NAME || s->addr < prev)
                                abort();
                        prev = s->addr;
                }
                hvs_ksym s;
                if (hvs_ksyms_find(k, hvs_ksyms_get(k, n / 2)->name, &s) != 0)
                        abort();
                (void)hvs_ksyms_lookup_addr(k, prev, &s, NULL);
                hvs_ksyms_free(k);
        } else if (r != -ENOENT && r != -EBADMSG && r != -E2BIG) {
                abort();
        }
        k = NULL;
        r = hvs_ksyms_recover(m, 0, 0, NULL, &k, NULL);
        if (r != 0 && r != -ENOENT && r != -EBADMSG && r != -E2BIG)
                abort();
        hvs_ksyms_free(k);
        hvs_mem_close(m);
        return 0;
}
