/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * isf-vmlinux VMLINUX - the Volatility ISF writer and reader on a real
 * kernel's BTF (the lab kernels): export the BTF as an ISF, load it back,
 * and compare with the BTF, for every struct and union the BTF names (the
 * first by id of each name, as hvs_btf_field() resolves them):
 *  - the type's size;
 *  - every member, and every member of its anonymous members, by name:
 *    offset, size, and bitfield-ness (-EOPNOTSUPP on both sides);
 *  - one level of dotted paths into embedded structs and unions.
 * Prints the figures (bytes, types, time to write and to read).
 */
#include <errno.h>
#include <search.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <hvscope/types.h>

static unsigned failures, compared;

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void compare(const hvs_btf *b, const hvs_isf *isf, const char *type, const char *path) {
        uint32_t bo = 0, bs = 0, io = 0, is = 0;
        int rb = hvs_btf_field(b, type, path, &bo, &bs);
        int ri = hvs_isf_field(isf, type, path, &io, &is);
        compared++;
        if (rb != ri || (rb == 0 && (bo != io || bs != is))) {
                if (failures++ < 20)
                        printf("FAIL %s.%s: btf %d off %u size %u, isf %d off %u size %u\n", type, path, rb, bo, bs, ri,
                               io, is);
        }
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id) {
        for (int i = 0; i < 32 && id; i++) {
                const struct btf_type *t = btf__type_by_id(btf, id);
                if (!btf_is_mod(t) && !btf_is_typedef(t))
                        return t;
                id = t->type;
        }
        return NULL;
}

/* Every named member of @t and of its anonymous members, compared; embedded composites one level down. */
static void members(const hvs_btf *b, const struct btf *btf, const hvs_isf *isf, const char *type,
                    const struct btf_type *t, int depth, const char *prefix) {
        const struct btf_member *m = btf_members(t);
        for (uint32_t i = 0; i < btf_vlen(t); i++) {
                const char *n = btf__name_by_offset(btf, m[i].name_off);
                const struct btf_type *mt = skip_mods(btf, m[i].type);
                if (!n || !*n) {
                        if (mt && btf_is_composite(mt) && depth < 8)
                                members(b, btf, isf, type, mt, depth + 1, prefix);
                        continue;
                }
                char path[512];
                snprintf(path, sizeof path, "%s%s", prefix, n);
                compare(b, isf, type, path);
                if (!*prefix && mt && btf_is_composite(mt) && btf_member_bitfield_size(t, i) == 0) {
                        char pre[512];
                        snprintf(pre, sizeof pre, "%s.", n);
                        members(b, btf, isf, type, mt, depth + 1, pre);
                }
        }
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: isf-vmlinux VMLINUX\n");
                return 2;
        }
        hvs_diag d = { 0 };
        hvs_btf *b = NULL;
        int r = hvs_btf_load_file(argv[1], &d, &b);
        if (r < 0) {
                printf("FAIL cannot load BTF: %s\n", d.msg);
                return 1;
        }
        char path[] = "/tmp/hvs-isf-vmlinux.XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0)
                return 1;
        close(fd);
        hvs_ksyms *k = NULL;
        hvs_ksyms_new(&k);
        hvs_ksyms_add(k, "_text", 'T', 0xffffffff81000000ull, false);
        hvs_ksyms_add(k, "init_task", 'D', 0xffffffff82a0c940ull, false);
        hvs_ksyms_add(k, "linux_banner", 'R', 0xffffffff82000100ull, false);
        hvs_isf_export_opts o = HVS_OPTS(hvs_isf_export_opts, .banner = "Linux version 6.1.0-test (x) #1 SMP");
        hvs_isf_export_stats st;
        double t0 = now_ms();
        r = hvs_isf_export(b, k, &o, path, &d, &st);
        double t1 = now_ms();
        if (r < 0) {
                printf("FAIL export: %s\n", d.msg);
                unlink(path);
                return 1;
        }
        hvs_isf *isf = NULL;
        r = hvs_isf_load_file(path, &d, &isf);
        double t2 = now_ms();
        unlink(path);
        if (r < 0) {
                printf("FAIL load: %s\n", d.msg);
                return 1;
        }
        printf("ISF: %" PRIu64 " bytes, %zu user types, %zu fields, %zu enums, %zu base types; written in %.0f ms, "
               "read in %.0f ms\n",
               st.bytes, st.user_types, st.fields, st.enums, st.base_types, t1 - t0, t2 - t1);
        size_t raw_len;
        const void *raw = hvs_btf_raw(b, &raw_len);
        struct btf *lb = btf__new(raw, (uint32_t)raw_len);
        unsigned types = 0;
        struct hsearch_data seen = { 0 };
        if (hcreate_r(2u * btf__type_cnt(lb), &seen) == 0)
                return 1;
        for (uint32_t id = 1; id < btf__type_cnt(lb); id++) {
                const struct btf_type *t = btf__type_by_id(lb, id);
                const char *n = btf__name_by_offset(lb, t->name_off);
                if (!btf_is_composite(t) || !n || !*n)
                        continue;
                /* Only the type hvs_btf resolves by this name: the first struct/union by id. */
                ENTRY e = { .key = (char *)n, .data = NULL }, *found = NULL;
                if (hsearch_r(e, FIND, &found, &seen) != 0)
                        continue;
                if (hsearch_r(e, ENTER, &found, &seen) == 0) {
                        printf("FAIL hsearch: out of room\n");
                        return 1;
                }
                uint32_t bs = 0, is = 0;
                int rb = hvs_btf_type_size(b, n, &bs), ri = hvs_isf_type_size(isf, n, &is);
                if (rb != ri || bs != is) {
                        if (failures++ < 20)
                                printf("FAIL size of %s: btf %d %u, isf %d %u\n", n, rb, bs, ri, is);
                }
                types++;
                members(b, lb, isf, n, t, 0, "");
        }
        uint32_t off;
        if (hvs_isf_field(isf, "var:init_task", "pid", &off, NULL) != 0 ||
            hvs_btf_field(b, "task_struct", "pid", &(uint32_t){ 0 }, NULL) != 0) {
                printf("FAIL var:init_task.pid does not resolve\n");
                failures++;
        }
        if (!hvs_isf_banner(isf) || strcmp(hvs_isf_banner(isf), o.banner) != 0) {
                printf("FAIL banner %s\n", hvs_isf_banner(isf) ? hvs_isf_banner(isf) : "(none)");
                failures++;
        }
        printf("%u types, %u fields and paths compared with BTF: %u differ\n", types, compared, failures);
        hdestroy_r(&seen);
        btf__free(lb);
        hvs_isf_free(isf);
        hvs_ksyms_free(k);
        hvs_btf_free(b);
        return failures ? 1 : 0;
}
