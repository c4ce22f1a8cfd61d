/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-acq-regs - hvs_acq_regs_parse() (the text of QEMU's "info registers
 * -a" kept whole for `hvscope acquire registers`) on arbitrary bytes, then
 * the JSON rendering of whatever parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hvscope/acquire.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        hvs_acq_regs *r = NULL;
        if (hvs_acq_regs_parse(text, NULL, &r) == 0) {
                char *json = NULL;
                if (hvs_acq_regs_json(r, &json) == 0)
                        free(json);
                hvs_acq_regs_free(r);
        }
        free(text);
        return 0;
}
