/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make-types-corpus.c - seed corpora for fuzz-kallsyms, fuzz-btf and
 * fuzz-profile, written with the test fixtures (tests/fixtures/fake_kallsyms.c),
 * libbpf's BTF writer and hvs_profile_save(). Built and run by
 * make-types-corpus.sh; every file stays under 256 KiB.
 *
 * Usage: make-types-corpus OUTDIR   (writes OUTDIR/{kallsyms,btf,profile}/)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <hvscope/types.h>
#include "fake_kallsyms.h"

static const char *outdir;

static void put(const char *sub, const char *name, const void *b, size_t n) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", outdir, sub);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/%s/%s", outdir, sub, name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
                fprintf(stderr, "cannot write %s\n", path);
                exit(1);
        }
}

static void kallsyms_corpus(void) {
        static const size_t counts[] = { 20, 256, 300, 700 };
        for (int l = 0; l < FAKE_KALLSYMS_NR_LAYOUTS; l++) {
                for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
                        size_t n = counts[c], len = 96 * 1024, at = 0x2008;
                        struct fake_ksym *s = fake_kallsyms_sample(n, 0xffffffff9a000000ull, (unsigned)c,
                                                                   l != FAKE_KALLSYMS_6_12);
                        uint8_t *ram = calloc(1, len);
                        struct fake_kallsyms_out o;
                        for (size_t i = 0; i < at; i++)
                                ram[i] = (uint8_t)(i * 131 + 7);
                        if (!s || fake_kallsyms_build(s, n, (enum fake_kallsyms_layout)l, ram + at, len - at, &o) < 0)
                                exit(1);
                        char name[64];
                        snprintf(name, sizeof name, "%s-%zu", fake_kallsyms_layout_name((enum fake_kallsyms_layout)l), n);
                        put("kallsyms", name, ram, at + o.len + 64);
                        /* Only the tables, nothing around them. */
                        snprintf(name, sizeof name, "%s-%zu-bare", fake_kallsyms_layout_name((enum fake_kallsyms_layout)l), n);
                        put("kallsyms", name, ram + at, o.len);
                        free(ram);
                        fake_kallsyms_sample_free(s, n);
                }
        }
}

static void btf_corpus(void) {
        struct btf *b = btf__new_empty();
        int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
        int t_uint = btf__add_int(b, "unsigned int", 4, 0);
        int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
        int t_char = btf__add_int(b, "char", 1, BTF_INT_CHAR);
        int anon_uid = btf__add_struct(b, NULL, 4);
        btf__add_field(b, "val", t_uint, 0, 0);
        int t_kuid = btf__add_typedef(b, "kuid_t", anon_uid);
        int t_lhp = btf__add_ptr(b, btf__add_fwd(b, "list_head", BTF_FWD_STRUCT));
        int t_lh = btf__add_struct(b, "list_head", 16);
        btf__add_field(b, "next", t_lhp, 0, 0);
        btf__add_field(b, "prev", t_lhp, 64, 0);
        int t_cv = btf__add_const(b, btf__add_volatile(b, t_kuid));
        btf__add_struct(b, "cred", 12);
        btf__add_field(b, "usage", t_int, 0, 0);
        btf__add_field(b, "uid", t_kuid, 32, 0);
        btf__add_field(b, "euid", t_cv, 64, 0);
        int anon_pgd = btf__add_union(b, NULL, 8);
        btf__add_field(b, "pgd", t_long, 0, 0);
        int anon_mm = btf__add_struct(b, NULL, 24);
        btf__add_field(b, "start", t_long, 0, 0);
        btf__add_field(b, NULL, anon_pgd, 64, 0);
        btf__add_field(b, "arg_start", t_long, 128, 0);
        int t_mm = btf__add_struct(b, "mm_struct", 32);
        btf__add_field(b, NULL, anon_mm, 0, 0);
        int t_mmp = btf__add_ptr(b, t_mm);
        int t_comm = btf__add_array(b, t_int, t_char, 16);
        int t_vlong = btf__add_volatile(b, t_long);
        btf__add_struct(b, "task_struct", 64);
        btf__add_field(b, "__state", t_vlong, 0, 0);
        btf__add_field(b, "flags", t_uint, 64, 3);
        btf__add_field(b, "pid", t_int, 96, 0);
        btf__add_field(b, "comm", t_comm, 128, 0);
        btf__add_field(b, "tasks", t_lh, 256, 0);
        btf__add_field(b, "mm", t_mmp, 384, 0);
        int inner = btf__add_struct(b, NULL, 4);
        btf__add_field(b, "bottom", t_int, 0, 0);
        for (int i = 0; i < 18; i++) {
                int outer = btf__add_struct(b, NULL, 4);
                btf__add_field(b, NULL, inner, 0, 0);
                inner = outer;
        }
        btf__add_struct(b, "deep", 4);
        btf__add_field(b, NULL, inner, 0, 0);
        uint32_t len;
        const void *raw = btf__raw_data(b, &len);
        put("btf", "kernel-like", raw, len);
        /* A truncated copy and one with the type section length off. */
        put("btf", "truncated", raw, len / 2);
        uint8_t *bad = malloc(len);
        memcpy(bad, raw, len);
        bad[12] ^= 0x10;
        put("btf", "bad-type-len", bad, len);
        free(bad);
        btf__free(b);
}

static void profile_corpus(const char *tmp) {
        hvs_ksyms *k;
        hvs_ksyms_new(&k);
        hvs_ksyms_add(k, "cpu_number", 'A', 0x40, true);
        hvs_ksyms_add(k, "_text", 'T', 0xffffffff9a000000ull, false);
        for (int i = 0; i < 300; i++) {
                char name[32];
                snprintf(name, sizeof name, "sym_%d", i);
                hvs_ksyms_add(k, name, 't', 0xffffffff9a001000ull + 32ull * i, false);
        }
        hvs_ksyms_add(k, "init_task", 'D', 0xffffffff9b000000ull, false);
        hvs_btf *bt = NULL;
        char path[4096];
        snprintf(path, sizeof path, "%s/btf/kernel-like", outdir);
        if (hvs_btf_load_file(path, NULL, &bt) < 0)
                exit(1);
        hvs_profile *p;
        if (hvs_profile_new("Linux version 6.1.0-56-amd64 (corpus)", k, 0xffffffff9a000000ull, bt, &p) < 0)
                exit(1);
        uint32_t off, sz;
        hvs_profile_field(p, "task_struct", "mm", &off, &sz);
        hvs_profile_field(p, "task_struct", "nope", &off, &sz);
        hvs_profile_type_size(p, "task_struct", &sz);
        if (hvs_profile_save(p, tmp, NULL) < 0)
                exit(1);
        hvs_profile_free(p);
        FILE *f = fopen(tmp, "rb");
        static uint8_t buf[256 * 1024];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        remove(tmp);
        put("profile", "small", buf, n);
        put("profile", "truncated", buf, n - 100);
        buf[n / 2] ^= 1;
        put("profile", "corrupt-block", buf, n);
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
                return 2;
        }
        outdir = argv[1];
        kallsyms_corpus();
        btf_corpus();
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s/.profile.tmp", outdir);
        profile_corpus(tmp);
        return 0;
}
