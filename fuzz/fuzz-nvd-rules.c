/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-nvd-rules.c - the rules and evidence-map parsers on hostile text.
 * The input is added to a small valid rule set (as an analyst's extra file
 * would be); when it is accepted, fixed records are classified with it. The
 * same bytes are then parsed as an evidence map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/vuln.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char BASE[] =
        "class product xen \"Xen\"\nclass product qemu \"QEMU\"\ngroup both xen qemu\n"
        "[product xen]\nphrase - case=sensitive Xen\n[product qemu]\nphrase - qemu\n"
        "class functionality io_device \"I/O\"\nclass functionality unknown \"?\"\norder functionality io_device\n"
        "[functionality io_device]\nphrase 5 floppy\n"
        "class type dos \"DoS\"\nclass type unknown \"?\"\norder type dos\n[type dos]\nphrase 1 crash\n"
        "class source remote \"r\"\nclass source unknown \"?\"\norder source remote\n[source remote]\nphrase 1 remote\n";

static const char *const DESCS[] = {
        "Buffer overflow in the floppy disk controller (FDC) in QEMU allows local guest users to execute arbitrary "
        "code via crafted commands.",
        "In the Linux kernel, the following vulnerability has been resolved:\n\nKVM: x86: fix a race\n\nCall Trace:\n"
        " foo+0x1/0x2\n\nThe body. Xen is mentioned.",
        "Xen allows remote attackers to crash the host; #UD #GP ** * - -- ' \" \\ %s %n",
        "a",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_vuln_rules *r = NULL;
        if (hvs_vuln_rules_new(&r) < 0 || hvs_vuln_rules_add(r, BASE, strlen(BASE), "base", NULL) < 0)
                abort();
        hvs_diag d = { 0 };
        int k = hvs_vuln_rules_add(r, (const char *)data, size, "fuzz", &d);
        if (k < 0 && k != -EBADMSG && k != -E2BIG && k != -ENOMEM)
                abort();
        if (k < 0 && !d.msg[0])
                abort();
        if (hvs_vuln_rules_check(r, NULL) == 0) {
                for (size_t i = 0; i < sizeof DESCS / sizeof *DESCS; i++) {
                        hvs_vuln_record rec = { .id = "CVE-2000-0001", .description = (char *)DESCS[i],
                                                .cvss_v2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P", .cvss_v3 = "" };
                        hvs_vuln_result res;
                        hvs_vuln_explain *e = NULL;
                        if (hvs_vuln_classify(r, &rec, &res, &e) < 0)
                                abort();
                        for (int dim = 1; dim < HVS_VULN_NDIMS; dim++)
                                if (res.primary[dim] < 0 || (size_t)res.primary[dim] >= hvs_vuln_rules_nclasses(r, dim))
                                        abort();
                        hvs_vuln_explain_free(e);
                }
        }
        uint32_t mask;
        (void)hvs_vuln_rules_products(r, "both", &mask);
        hvs_vuln_evmap *m = NULL;
        k = hvs_vuln_evmap_parse((const char *)data, size, "fuzz", r, &d, &m);
        if (k < 0 && k != -EBADMSG && k != -E2BIG && k != -ENOMEM)
                abort();
        if (k == 0) {
                uint64_t bits[HVS_MAX_VULN_EVIDENCE / 64];
                hvs_vuln_evmap_needs(m, HVS_VULN_FUNC, 0, bits);
                for (size_t i = 0; i < hvs_vuln_evmap_nevidence(m); i++)
                        if (!hvs_vuln_evmap_evidence(m, i)->id)
                                abort();
        }
        hvs_vuln_evmap_free(m);
        hvs_vuln_rules_free(r);
        return 0;
}
