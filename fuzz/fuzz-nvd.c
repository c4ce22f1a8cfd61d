/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-nvd.c - hvs_vuln_feed_parse() on hostile NVD data: API 2.0 responses,
 * 1.1 feeds, gzip. Every record that survives is classified by a small rule
 * set (so the matcher meets hostile descriptions too) and stored in an
 * in-memory database and loaded back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/vuln.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char RULES[] =
        "class product qemu \"QEMU\"\n"
        "split subject In the Linux kernel, the following vulnerability has been resolved:\n"
        "split trace Call Trace:\n"
        "[product qemu]\nphrase - qemu | qemu_*\ncpe - qemu:qemu\nveto phrase - libvirt\n"
        "class functionality io_device \"I/O\"\nclass functionality vcpu \"CPU\"\nclass functionality unknown \"?\"\n"
        "order functionality io_device vcpu\nsplit impact allows\nsplit vector via\npart functionality vector 0.5\n"
        "[functionality io_device]\nphrase 6 floppy | e1000* | hw/*\nmask phrase - Quick Emulator\n"
        "[functionality vcpu]\nphrase 5 instruction emulat* | x86 ** emulator | #UD\ncwe 2 CWE-119\n"
        "class type dos \"DoS\"\nclass type code_execution \"code\"\nclass type unknown \"?\"\n"
        "decide type order\norder type code_execution dos\n"
        "[type dos]\nphrase 1 denial of service | crash*\nfallback cvss 1 A:C\n"
        "[type code_execution]\nphrase 1 execute ** code\n"
        "class source guest_user \"gu\"\nclass source remote \"r\"\nclass source unknown \"?\"\n"
        "order source guest_user remote\ncombine source max\n"
        "[source guest_user]\nphrase 1 guest ** users\n[source remote]\nfallback phrase 1 cvss=AV:N attackers\n";

static hvs_vuln_rules *rules(void) {
        static hvs_vuln_rules *r;
        if (!r && (hvs_vuln_rules_new(&r) < 0 || hvs_vuln_rules_add(r, RULES, strlen(RULES), "fuzz", NULL) < 0))
                abort();
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_vuln_feed *f = NULL;
        hvs_diag d = { 0 };
        int r = hvs_vuln_feed_parse(data, size, &d, &f);
        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                        abort();
                return 0;
        }
        const hvs_vuln_feed_info *fi = hvs_vuln_feed_get_info(f);
        if (hvs_vuln_feed_count(f) + fi->n_rejected != fi->n_items)
                abort();
        for (size_t i = 0; hvs_vuln_feed_reject(f, i); i++)
                if (!hvs_vuln_feed_reject(f, i)[0])
                        abort();
        for (size_t i = 0; i < hvs_vuln_feed_count(f); i++) {
                const hvs_vuln_record *rec = hvs_vuln_feed_get(f, i);
                if (!rec->id[0] || !rec->description[0])
                        abort();
                hvs_vuln_result res;
                hvs_vuln_explain *e = NULL;
                if (hvs_vuln_classify(rules(), rec, &res, i < 8 ? &e : NULL) < 0)
                        abort();
                for (size_t k = 0; e && k < e->n_hits; k++)
                        if (e->hits[k].pos + e->hits[k].len > strlen(rec->description))
                                abort();
                hvs_vuln_explain_free(e);
                (void)hvs_vuln_record_year(rec);
        }
        hvs_vuln_db *db = NULL;
        if (hvs_vuln_db_open(":memory:", NULL, &db) == 0) {
                if (hvs_vuln_db_import(db, f, "fuzz", NULL, NULL, NULL) == 0) {
                        hvs_vuln_feed *back = NULL;
                        if (hvs_vuln_db_load(db, &back) == 0 && hvs_vuln_feed_count(back) > hvs_vuln_feed_count(f))
                                abort();
                        hvs_vuln_feed_free(back);
                }
                hvs_vuln_db_close(db);
        }
        hvs_vuln_feed_free(f);
        return 0;
}
