/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-isf-export.c - hvs_isf_write() on hostile BTF, and the reader on what
 * it wrote.
 *
 * Input: a raw BTF blob (as fuzz-btf.c). Whatever libbpf accepts, the
 * writer must either refuse (-EBADMSG) or write an ISF that hvs_isf_parse()
 * reads back: every name, size, bitfield and enum it writes is within the
 * reader's limits. The regress-* files are inputs that once broke that.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <hvscope/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_btf *b = NULL;
        hvs_diag d = { 0 };
        if (hvs_btf_parse(data, size, &d, &b) < 0)
                return 0;
        hvs_ksyms *k = NULL;
        if (hvs_ksyms_new(&k) < 0 || hvs_ksyms_add(k, "init_task", 'D', 0xffffffff82a0c940ull, false) < 0 ||
            hvs_ksyms_add(k, "linux_banner", 'R', 0xffffffff82000100ull, false) < 0)
                abort();
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        hvs_isf_export_opts o = HVS_OPTS(hvs_isf_export_opts, .banner = "Linux version 6.1.0-fuzz (f) #1");
        int r = hvs_isf_write(b, k, &o, f, &d, NULL);
        fclose(f);
        if (r == 0) {
                hvs_isf *isf = NULL;
                if (hvs_isf_parse(buf, len, &d, &isf) < 0) {
                        fprintf(stderr, "fuzz-isf-export: the ISF written does not read back: %s\n", d.msg);
                        abort();
                }
                uint32_t off;
                r = hvs_isf_field(isf, "var:init_task", "pid", &off, NULL);
                if (r != 0 && r != -ENOENT && r != -EOPNOTSUPP && r != -EBADMSG)
                        abort();
                hvs_isf_free(isf);
        } else if (r != -EBADMSG && r != -ENOMEM) {
                abort();
        }
        free(buf);
        hvs_ksyms_free(k);
        hvs_btf_free(b);
        return 0;
}
