/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_vuln - the classifier against the hand-labelled calibration set
 * (data/vuln/calibration.tsv), and the time to classify every record of
 * shared/data/nvd.
 *
 * usage: bench_vuln [--data-dir DIR] [--nvd-dir DIR] [--misses dev|heldout|all] [--json]
 *
 * Prints, per split (dev: what the rules were written against; heldout: only
 * measured) and per dimension: the accuracy of the primary class, the exact
 * match and the mean Jaccard similarity of the supported sets (types,
 * sources), and the confusion table of the primary class (rows: hand label,
 * columns: classifier). Then the time to classify all records (median of 7
 * runs). --misses lists the records where the classifier disagrees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hvscope/vuln.h>
#include "util/util.h"

#ifndef HVS_SOURCE_ROOT
#define HVS_SOURCE_ROOT "."
#endif

#define MAX_LABELS 4096

struct label {
        char id[32], split[16];
        int primary[HVS_VULN_NDIMS];
        uint32_t set[HVS_VULN_NDIMS];
};

static const enum hvs_vuln_dim dims[] = { HVS_VULN_FUNC, HVS_VULN_TYPE, HVS_VULN_SOURCE };

static uint32_t parse_set(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, char *s, const char *id) {
        uint32_t m = 0;
        char *save = NULL;
        for (char *t = strtok_r(s, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
                int k = hvs_vuln_rules_class_find(r, dim, t);
                if (k < 0) {
                        fprintf(stderr, "bench_vuln: %s: unknown %s class '%s'\n", id, hvs_vuln_rules_dim_name(dim), t);
                        exit(1);
                }
                m |= 1u << k;
        }
        return m;
}

static size_t load_labels(const char *path, const hvs_vuln_rules *r, struct label *out) {
        FILE *f = fopen(path, "r");
        if (!f) {
                fprintf(stderr, "bench_vuln: cannot open '%s': %s\n", path, strerror(errno));
                exit(1);
        }
        char line[4096];
        size_t n = 0;
        bool header = false;
        while (fgets(line, sizeof line, f) && n < MAX_LABELS) {
                if (line[0] == '#' || line[0] == '\n')
                        continue;
                line[strcspn(line, "\n")] = '\0';
                char *col[8];
                size_t nc = 0;
                char *p = line;
                while (nc < 8) {
                        col[nc++] = p;
                        char *t = strchr(p, '\t');
                        if (!t)
                                break;
                        *t = '\0';
                        p = t + 1;
                }
                if (!header) {
                        header = true;
                        continue;
                }
                if (nc < 7) {
                        fprintf(stderr, "bench_vuln: %s: a line with %zu columns\n", path, nc);
                        exit(1);
                }
                struct label *l = &out[n++];
                hvs_strlcpy(l->id, col[0], sizeof l->id);
                hvs_strlcpy(l->split, col[1], sizeof l->split);
                char *cells[HVS_VULN_NDIMS][2] = { { NULL, NULL }, { col[2], col[2] }, { col[3], col[4] }, { col[5], col[6] } };
                for (size_t i = 0; i < 3; i++) {
                        enum hvs_vuln_dim d = dims[i];
                        char tmp[256];
                        hvs_strlcpy(tmp, cells[d][0], sizeof tmp);
                        uint32_t pm = parse_set(r, d, tmp, l->id);
                        l->primary[d] = __builtin_ctz(pm);
                        hvs_strlcpy(tmp, cells[d][1], sizeof tmp);
                        l->set[d] = parse_set(r, d, tmp, l->id);
                }
        }
        fclose(f);
        return n;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static void print_set(const hvs_vuln_rules *r, enum hvs_vuln_dim d, uint32_t s) {
        bool first = true;
        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, d); k++)
                if (s & (1u << k)) {
                        printf("%s%s", first ? "" : ";", hvs_vuln_rules_class_id(r, d, k));
                        first = false;
                }
}

int main(int argc, char **argv) {
        const char *data_dir = HVS_SOURCE_ROOT "/data/vuln", *nvd_dir = NULL, *misses = NULL;
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
                        data_dir = argv[++i];
                else if (!strcmp(argv[i], "--nvd-dir") && i + 1 < argc)
                        nvd_dir = argv[++i];
                else if (!strcmp(argv[i], "--misses") && i + 1 < argc)
                        misses = argv[++i];
                else {
                        fprintf(stderr, "usage: bench_vuln [--data-dir DIR] [--nvd-dir DIR] [--misses dev|heldout|all]\n");
                        return 2;
                }
        }
        char nvd_default[4096];
        if (!nvd_dir) {
                snprintf(nvd_default, sizeof nvd_default, "%s/../shared/data/nvd", HVS_SOURCE_ROOT);
                nvd_dir = getenv("HVS_NVD_DIR") ? getenv("HVS_NVD_DIR") : nvd_default;
        }
        hvs_vuln_rules *r = NULL;
        hvs_diag d = { 0 };
        char p1[4200], p2[4200], lp[4200];
        snprintf(p1, sizeof p1, "%s/products.rules", data_dir);
        snprintf(p2, sizeof p2, "%s/classes.rules", data_dir);
        snprintf(lp, sizeof lp, "%s/calibration.tsv", data_dir);
        if (hvs_vuln_rules_new(&r) < 0 || hvs_vuln_rules_load(r, p1, &d) < 0 || hvs_vuln_rules_load(r, p2, &d) < 0 ||
            hvs_vuln_rules_check(r, &d) < 0) {
                fprintf(stderr, "bench_vuln: rules: %s\n", d.msg);
                return 1;
        }
        /* Every record of the NVD files, once (a CVE may be in several files). */
        static const char *const files[] = { "xen.json", "kvm.json", "qemu.json", "kernel-cna-supplement.json" };
        hvs_vuln_feed *all = NULL;
        hvs_vuln_feed_new(&all);
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char p[4200];
                snprintf(p, sizeof p, "%s/%s", nvd_dir, files[i]);
                hvs_vuln_feed *f = NULL;
                if (hvs_vuln_feed_load(p, &d, &f) < 0) {
                        printf("bench_vuln: SKIP: cannot load %s (%s); the NVD data of shared/ is needed\n", p, d.msg);
                        return 77;
                }
                for (size_t k = 0; k < hvs_vuln_feed_count(f); k++) {
                        const hvs_vuln_record *rec = hvs_vuln_feed_get(f, k);
                        if (!hvs_vuln_feed_find(all, rec->id))
                                hvs_vuln_feed_add(all, rec);
                }
                hvs_vuln_feed_free(f);
        }
        static struct label labels[MAX_LABELS];
        size_t nl = load_labels(lp, r, labels);
        printf("calibration set %s: %zu labelled records; rules %s\n", lp, nl, p2);
        static const char *const splits[] = { "dev", "heldout", "all" };
        for (size_t si = 0; si < 3; si++) {
                unsigned n = 0, ok[HVS_VULN_NDIMS] = { 0 }, exact[HVS_VULN_NDIMS] = { 0 };
                double jac[HVS_VULN_NDIMS] = { 0 };
                unsigned conf[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES][HVS_VULN_MAX_CLASSES] = { { { 0 } } };
                for (size_t i = 0; i < nl; i++) {
                        struct label *l = &labels[i];
                        if (si < 2 && strcmp(l->split, splits[si]))
                                continue;
                        const hvs_vuln_record *rec = hvs_vuln_feed_find(all, l->id);
                        if (!rec) {
                                fprintf(stderr, "bench_vuln: %s is not in %s\n", l->id, nvd_dir);
                                return 1;
                        }
                        hvs_vuln_result res;
                        if (hvs_vuln_classify(r, rec, &res, NULL) < 0)
                                return 1;
                        n++;
                        bool miss = false;
                        for (size_t k = 0; k < 3; k++) {
                                enum hvs_vuln_dim dd = dims[k];
                                bool good = res.primary[dd] == l->primary[dd];
                                ok[dd] += good;
                                miss |= !good || res.set[dd] != l->set[dd];
                                exact[dd] += res.set[dd] == l->set[dd];
                                uint32_t in = res.set[dd] & l->set[dd], un = res.set[dd] | l->set[dd];
                                jac[dd] += un ? (double)__builtin_popcount(in) / __builtin_popcount(un) : 1.0;
                                conf[dd][l->primary[dd]][res.primary[dd]]++;
                        }
                        if (miss && misses && si < 2 && (!strcmp(misses, "all") || !strcmp(misses, splits[si]))) {
                                printf("MISS %s %s:", l->split, l->id);
                                for (size_t k = 0; k < 3; k++) {
                                        enum hvs_vuln_dim dd = dims[k];
                                        printf("  %s ", hvs_vuln_rules_dim_name(dd));
                                        print_set(r, dd, l->set[dd]);
                                        printf("[%s]", hvs_vuln_rules_class_id(r, dd, (size_t)l->primary[dd]));
                                        printf(" got ");
                                        print_set(r, dd, res.set[dd]);
                                        printf("[%s]%s", hvs_vuln_rules_class_id(r, dd, (size_t)res.primary[dd]),
                                               res.primary[dd] == l->primary[dd] && res.set[dd] == l->set[dd] ? " ok" : " XX");
                                }
                                putchar('\n');
                        }
                }
                if (!n)
                        continue;
                printf("\n== %s: %u records\n", splits[si], n);
                printf("  %-14s %9s %11s %9s\n", "dimension", "primary", "exact set", "jaccard");
                for (size_t k = 0; k < 3; k++) {
                        enum hvs_vuln_dim dd = dims[k];
                        printf("  %-14s %8.1f%% %10.1f%% %9.3f\n", hvs_vuln_rules_dim_name(dd), 100.0 * ok[dd] / n,
                               100.0 * exact[dd] / n, jac[dd] / n);
                }
                if (si != 2)
                        continue;
                for (size_t k = 0; k < 3; k++) {
                        enum hvs_vuln_dim dd = dims[k];
                        size_t nc = hvs_vuln_rules_nclasses(r, dd);
                        printf("\nconfusion, %s (rows: hand label, columns: classifier; all %u records)\n%-18s",
                               hvs_vuln_rules_dim_name(dd), n, "");
                        for (size_t c = 0; c < nc; c++)
                                printf(" %5.5s", hvs_vuln_rules_class_id(r, dd, c));
                        putchar('\n');
                        for (size_t a = 0; a < nc; a++) {
                                printf("  %-16s", hvs_vuln_rules_class_id(r, dd, a));
                                for (size_t c = 0; c < nc; c++)
                                        printf(" %5u", conf[dd][a][c]);
                                putchar('\n');
                        }
                }
        }
        /* Time to classify every record, median of 7 runs: wall clock, and CPU time (which other
         * processes on a shared machine do not inflate). */
        double t[7], cpu[7];
        size_t nrec = hvs_vuln_feed_count(all);
        for (int k = 0; k < 7; k++) {
                struct timespec c0, c1;
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
                uint64_t t0 = hvs_now_ns();
                for (size_t i = 0; i < nrec; i++) {
                        hvs_vuln_result res;
                        if (hvs_vuln_classify(r, hvs_vuln_feed_get(all, i), &res, NULL) < 0)
                                return 1;
                }
                t[k] = (double)(hvs_now_ns() - t0) / 1e6;
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
                cpu[k] = (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
        }
        qsort(t, 7, sizeof *t, cmp_double);
        qsort(cpu, 7, sizeof *cpu, cmp_double);
        printf("\nclassify all %zu records of %s: %.1f ms wall, %.1f ms CPU (median of 7; wall min %.1f, max %.1f; "
               "target < 1000 ms)\n",
               nrec, nvd_dir, t[3], cpu[3], t[0], t[6]);
        hvs_vuln_feed_free(all);
        hvs_vuln_rules_free(r);
        return 0;
}
