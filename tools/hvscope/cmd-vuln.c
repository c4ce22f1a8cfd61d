/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope vuln: the NIST IR 8221 method on hypervisor vulnerability data.
 *   import FILE...    NVD API 2.0 JSON / 1.1 feeds (plain or gzip) into the database
 *   sync              fetch from the NVD API 2.0 (paging, rate limit, resumable)
 *   status            what the database holds
 *   classify [CVE]    products and classes, --explain shows the deciding rules
 *   report            distributions per dimension and cross tables (step 1)
 *   gaps              evidence needed by the distribution vs hvscope's collectors (step 3)
 * The database is a standalone file (--db, $HVS_VULN_DB, default
 * ~/.local/share/hvscope/vuln.db) or a case file (--case). The rules and the
 * evidence map are data files (data/vuln/, --data-dir, $HVS_VULN_DATA).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <hvscope/case.h>
#include "hvscope.h"
#include "vuln-common.h"
#include "util/util.h"

#ifndef HVS_VULN_SRC_DATA
#define HVS_VULN_SRC_DATA ""
#endif
#ifndef HVS_VULN_INST_DATA
#define HVS_VULN_INST_DATA "/usr/local/share/hvscope/vuln"
#endif

int vuln_common_opt(struct vuln_common *co, int c, const char *arg) {
        switch (c) {
        case OPT_DB:
                co->db = arg;
                return 1;
        case OPT_CASE:
                co->casefile = arg;
                return 1;
        case OPT_DATA:
                co->data_dir = arg;
                return 1;
        case OPT_RULES:
                co->rules = arg;
                return 1;
        }
        return 0;
}

/* ---------------------------------------------------------------- helpers */

void vuln_print_text(FILE *f, const char *s, size_t n, bool one_line) {
        for (size_t i = 0; i < n && s[i]; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (ch == '\n' || ch == '\t')
                        fputc(one_line ? ' ' : ch, f);
                else if (ch < 0x20 || ch == 0x7f)
                        fputc('?', f);
                else
                        fputc(ch, f);
        }
}

double vuln_pct(unsigned long x, unsigned long y) { return y ? 100.0 * (double)x / (double)y : 0.0; }

json_object *vuln_set_json(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, uint32_t set) {
        json_object *a = json_object_new_array();
        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++)
                if (set & (1u << k))
                        json_object_array_add(a, json_object_new_string(hvs_vuln_rules_class_id(r, dim, k)));
        return a;
}

static bool file_exists(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *find_data_dir(const struct vuln_common *co) {
        if (co->data_dir)
                return co->data_dir;
        const char *e = getenv("HVS_VULN_DATA");
        if (e && *e)
                return e;
        static char p[4096];
        snprintf(p, sizeof p, "%s/products.rules", HVS_VULN_SRC_DATA);
        if (HVS_VULN_SRC_DATA[0] && file_exists(p))
                return HVS_VULN_SRC_DATA;
        return HVS_VULN_INST_DATA;
}

static const char *default_db(void) {
        const char *e = getenv("HVS_VULN_DB");
        if (e && *e)
                return e;
        static char p[4096];
        const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
                snprintf(p, sizeof p, "%s/hvscope", xdg);
        else
                snprintf(p, sizeof p, "%s/.local/share/hvscope", home && *home ? home : "/tmp");
        if (hvs_mkdir_p(p) < 0)
                return NULL;
        size_t n = strlen(p);
        snprintf(p + n, sizeof p - n, "/vuln.db");
        return p;
}

void vuln_ctx_free(struct vuln_ctx *c) {
        hvs_vuln_rules_free(c->rules);
        hvs_vuln_feed_free(c->feed);
        hvs_vuln_evmap_free(c->evmap);
}

/* Loads the rules (products + classes) and, when asked, the evidence map. Prints errors. */
int vuln_load_rules(const struct vuln_common *co, struct vuln_ctx *c, bool evidence) {
        c->data_dir = find_data_dir(co);
        snprintf(c->products_path, sizeof c->products_path, "%s/products.rules", c->data_dir);
        snprintf(c->classes_path, sizeof c->classes_path, "%s", co->rules ? co->rules : "");
        if (!co->rules)
                snprintf(c->classes_path, sizeof c->classes_path, "%s/classes.rules", c->data_dir);
        snprintf(c->evidence_path, sizeof c->evidence_path, "%s/evidence.map", c->data_dir);
        hvs_diag d = { 0 };
        int r = hvs_vuln_rules_new(&c->rules);
        if (r < 0 || (r = hvs_vuln_rules_load(c->rules, c->products_path, &d)) < 0 ||
            (r = hvs_vuln_rules_load(c->rules, c->classes_path, &d)) < 0 || (r = hvs_vuln_rules_check(c->rules, &d)) < 0) {
                errorf("cannot load the vulnerability rules: %s", d.msg[0] ? d.msg : hvs_strerror(r));
                return r;
        }
        if (evidence && (r = hvs_vuln_evmap_load(c->evidence_path, c->rules, &d, &c->evmap)) < 0) {
                errorf("cannot load the evidence map: %s", d.msg[0] ? d.msg : hvs_strerror(r));
                return r;
        }
        return 0;
}

int vuln_open_db(const struct vuln_common *co, struct vuln_ctx *c, hvs_vuln_db **ret) {
        if (co->db && co->casefile) {
                errorf("give --db or --case, not both");
                return -EINVAL;
        }
        c->db_path = co->casefile ? co->casefile : co->db ? co->db : default_db();
        if (!c->db_path) {
                errorf("cannot create the directory of the default vulnerability database");
                return -EIO;
        }
        hvs_diag d = { 0 };
        int r = hvs_vuln_db_open(c->db_path, &d, ret);
        if (r < 0)
                errorf("cannot open the vulnerability database '%s': %s", c->db_path, d.msg[0] ? d.msg : hvs_strerror(r));
        return r;
}

/* Opens the database, loads every record and the rules. */
int vuln_load_all(const struct vuln_common *co, struct vuln_ctx *c, bool evidence) {
        hvs_vuln_db *db = NULL;
        int r = vuln_open_db(co, c, &db);
        if (r < 0)
                return r;
        r = hvs_vuln_db_load(db, &c->feed);
        if (r < 0)
                errorf("cannot read '%s': %s", c->db_path, hvs_vuln_db_errmsg(db)[0] ? hvs_vuln_db_errmsg(db) : hvs_strerror(r));
        hvs_vuln_db_close(db);
        if (r < 0)
                return r;
        return vuln_load_rules(co, c, evidence);
}

static int parse_years(const char *arg, int *from, int *to) {
        char *end;
        long a = strtol(arg, &end, 10), b = a;
        if (*end == '-')
                b = strtol(end + 1, &end, 10);
        if (*end || a < 1990 || a > 2200 || b < a || b > 2200) {
                errorf("invalid --years '%s' (YEAR or FROM-TO, e.g. 2016-2017)", arg);
                return -EINVAL;
        }
        *from = (int)a;
        *to = (int)b;
        return 0;
}

static int make_sel(const struct vuln_ctx *c, const char *product, const char *years, struct vuln_sel *s) {
        memset(s, 0, sizeof *s);
        s->product = product ? product : "all";
        if (hvs_vuln_rules_products(c->rules, s->product, &s->mask) < 0) {
                errorf("unknown product '%s' (xen, kvm, qemu, kvm-stack, all, or a group of the rules)", s->product);
                return -EINVAL;
        }
        if (years && parse_years(years, &s->year_from, &s->year_to) < 0)
                return -EINVAL;
        s->q = (hvs_vuln_query){ .sz = sizeof s->q, .products = s->mask, .year_from = s->year_from, .year_to = s->year_to };
        return 0;
}

/* ---------------------------------------------------------------- import */

static const char *fmt_name(enum hvs_vuln_format f) {
        return f == HVS_VULN_FMT_API2 ? "NVD API 2.0" : f == HVS_VULN_FMT_FEED11 ? "NVD 1.1 feed" : "records";
}

struct keep_ctx {
        const hvs_vuln_rules *rules;
        uint32_t mask;
};

static bool keep_products(const hvs_vuln_record *rec, void *ud) {
        const struct keep_ctx *k = ud;
        hvs_vuln_result res;
        return hvs_vuln_classify(k->rules, rec, &res, NULL) == 0 && (res.set[HVS_VULN_PRODUCT] & k->mask);
}

/* SHA-256 of the file @path (65 bytes, hex) as read now. Return: 0; -errno. */
static int file_sha256(const char *path, char *ret) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        int r = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
        static unsigned char buf[1 << 16];
        for (ssize_t k; r == 0 && (k = read(fd, buf, sizeof buf)) != 0;) {
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        r = -errno;
                else if (EVP_DigestUpdate(md, buf, (size_t)k) != 1)
                        r = -EIO;
        }
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (r == 0 && (EVP_DigestFinal_ex(md, h, &n) != 1 || n != 32))
                r = -EIO;
        for (unsigned i = 0; r == 0 && i < n; i++)
                snprintf(ret + 2 * i, 3, "%02x", h[i]);
        EVP_MD_CTX_free(md);
        close(fd);
        return r;
}

/* Records an import into a case in its custody log (action "vuln-import"). */
static int import_log(hvs_case *k, json_object *files, size_t records) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "files", json_object_get(files));
        json_object_object_add(a, "records", json_object_new_int64((int64_t)records));
        const char *text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = text ? hvs_case_log_action(k, "vuln-import", text, NULL, NULL) : -ENOMEM;
        json_object_put(a);
        if (r < 0)
                errorf("the records were imported, but not recorded in the custody log of '%s': %s", hvs_case_path(k),
                       hvs_case_errmsg(k)[0] ? hvs_case_errmsg(k) : hvs_strerror(r));
        return r;
}

static void import_usage(FILE *f) {
        fputs("usage: hvscope vuln import [options] FILE...\n"
              "\n"
              "Load NVD records into the vulnerability database: NVD API 2.0 responses\n"
              "(or files of that shape, like shared/data/nvd/*.json) and NVD JSON 1.1\n"
              "yearly feeds, plain or gzip. A record already stored is updated, never\n"
              "duplicated; a copy older than the stored one (lastModified) is ignored.\n"
              "Each file is one transaction: a bad file changes nothing.\n"
              "Into a case (--case FILE, created if missing), the import is recorded in\n"
              "the case's custody log (action \"vuln-import\": each file's SHA-256 and\n"
              "counts).\n"
              "\n"
              "  --select PRODUCT   store only records of PRODUCT (xen, kvm, qemu,\n"
              "                     kvm-stack, all) by the product rules\n"
              "  --json             print what was done as JSON\n" COMMON_HELP,
              f);
}

static int vuln_import(int argc, char **argv) {
        static const struct option longopts[] = {
                COMMON_LONG_OPTS,
                { "select", required_argument, NULL, OPT_SELECT },
                { "json", no_argument, NULL, OPT_JSON },
                { 0 },
        };
        struct vuln_common co = { 0 };
        const char *select = NULL;
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (vuln_common_opt(&co, c, optarg))
                        continue;
                switch (c) {
                case OPT_SELECT:
                        select = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        import_usage(stdout);
                        return 0;
                default:
                        import_usage(stderr);
                        return 1;
                }
        }
        if (optind >= argc) {
                errorf("vuln import: no file given");
                return 1;
        }
        struct vuln_ctx vc = { 0 };
        struct keep_ctx kc = { 0 };
        if (select) {
                if (vuln_load_rules(&co, &vc, false) < 0)
                        return 1;
                kc.rules = vc.rules;
                if (hvs_vuln_rules_products(vc.rules, select, &kc.mask) < 0) {
                        errorf("unknown product '%s'", select);
                        vuln_ctx_free(&vc);
                        return 1;
                }
        }
        hvs_case *kase = NULL;
        if (co.casefile && !co.db) {
                hvs_diag d = { 0 };
                int r = hvs_case_open(co.casefile, HVS_CASE_CREATE, &d, &kase);
                if (r == -EBADMSG || r == -EPROTONOSUPPORT) {
                        /* Any SQLite file can hold the vuln_* tables; only a case has a custody log. */
                        warnf("'%s' is not a case this hvscope can write (%s): the import is not recorded in a "
                              "custody log", co.casefile, d.msg[0] ? d.msg : hvs_strerror(r));
                        kase = NULL;
                        r = 0;
                }
                if (r < 0) {
                        errorf("cannot open the case '%s': %s", co.casefile, d.msg[0] ? d.msg : hvs_strerror(r));
                        vuln_ctx_free(&vc);
                        return 1;
                }
                if (kase)
                        (void)hvs_case_set_command(kase, argc, argv);
        }
        hvs_vuln_db *db = NULL;
        if (vuln_open_db(&co, &vc, &db) < 0) {
                hvs_case_close(kase);
                vuln_ctx_free(&vc);
                return 1;
        }
        int rc = 0;
        json_object *arr = json ? json_object_new_array() : NULL;
        json_object *logged = kase ? json_object_new_array() : NULL;
        for (int i = optind; i < argc; i++) {
                const char *path = argv[i];
                hvs_diag d = { 0 };
                hvs_vuln_feed *f = NULL;
                uint64_t t0 = hvs_now_ns();
                int r = hvs_vuln_feed_load(path, &d, &f);
                if (r < 0) {
                        errorf("cannot import '%s': %s", path, d.msg[0] ? d.msg : hvs_strerror(r));
                        rc = 1;
                        continue;
                }
                char origin[4200];
                char *abs = realpath(path, NULL);
                snprintf(origin, sizeof origin, "%s", abs ? abs : path);
                free(abs);
                hvs_vuln_import_stats st = { 0 };
                r = hvs_vuln_db_import(db, f, origin, select ? keep_products : NULL, &kc, &st);
                const hvs_vuln_feed_info *fi = hvs_vuln_feed_get_info(f);
                if (r < 0) {
                        errorf("cannot import '%s': %s", path,
                               hvs_vuln_db_errmsg(db)[0] ? hvs_vuln_db_errmsg(db) : hvs_strerror(r));
                        rc = 1;
                        hvs_vuln_feed_free(f);
                        continue;
                }
                for (size_t k = 0; hvs_vuln_feed_reject(f, k); k++)
                        if (k < 5 || !json) {
                                if (k == 5) {
                                        warnf("%s: ... %zu more skipped entries", path, fi->n_rejected - 5);
                                        break;
                                }
                                warnf("%s: skipped %s", path, hvs_vuln_feed_reject(f, k));
                        }
                double ms = (double)(hvs_now_ns() - t0) / 1e6;
                if (logged) {
                        char sha[65];
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "path", json_object_new_string(origin));
                        json_object_object_add(o, "sha256", file_sha256(path, sha) == 0 ? json_object_new_string(sha)
                                                                                       : NULL);
                        json_object_object_add(o, "format", json_object_new_string(fmt_name(fi->format)));
                        json_object_object_add(o, "entries", json_object_new_int64((int64_t)fi->n_items));
                        json_object_object_add(o, "inserted", json_object_new_int64((int64_t)st.inserted));
                        json_object_object_add(o, "updated", json_object_new_int64((int64_t)st.updated));
                        json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)st.unchanged));
                        json_object_object_add(o, "older", json_object_new_int64((int64_t)st.older));
                        json_object_object_add(o, "rejected", json_object_new_int64((int64_t)fi->n_rejected));
                        json_object_object_add(o, "not_selected", json_object_new_int64((int64_t)st.skipped));
                        json_object_array_add(logged, o);
                }
                if (json) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "file", json_object_new_string(path));
                        json_object_object_add(o, "format", json_object_new_string(fmt_name(fi->format)));
                        json_object_object_add(o, "gzip", json_object_new_boolean(fi->gzip));
                        json_object_object_add(o, "entries", json_object_new_int64((int64_t)fi->n_items));
                        json_object_object_add(o, "rejected", json_object_new_int64((int64_t)fi->n_rejected));
                        json_object_object_add(o, "inserted", json_object_new_int64((int64_t)st.inserted));
                        json_object_object_add(o, "updated", json_object_new_int64((int64_t)st.updated));
                        json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)st.unchanged));
                        json_object_object_add(o, "older", json_object_new_int64((int64_t)st.older));
                        json_object_object_add(o, "not_selected", json_object_new_int64((int64_t)st.skipped));
                        json_object *rj = json_object_new_array();
                        for (size_t k = 0; hvs_vuln_feed_reject(f, k); k++)
                                json_object_array_add(rj, json_object_new_string(hvs_vuln_feed_reject(f, k)));
                        json_object_object_add(o, "rejected_reasons", rj);
                        json_object_array_add(arr, o);
                } else {
                        printf("%s: %s%s, %zu entries: %zu new, %zu updated, %zu unchanged, %zu older (kept newer), "
                               "%zu rejected (%.0f ms)\n",
                               path, fmt_name(fi->format), fi->gzip ? " (gzip)" : "", fi->n_items, st.inserted,
                               st.updated, st.unchanged, st.older, fi->n_rejected, ms);
                        if (select)
                                printf("  %zu not selected (%s)\n", st.skipped, select);
                }
                hvs_vuln_feed_free(f);
        }
        size_t n = 0;
        if (hvs_vuln_db_count(db, &n) == 0 && !json)
                printf("database %s: %zu records\n", vc.db_path, n);
        if (json) {
                json_object *root = json_object_new_object();
                json_object_object_add(root, "database", json_object_new_string(vc.db_path));
                json_object_object_add(root, "files", arr);
                json_object_object_add(root, "records", json_object_new_int64((int64_t)n));
                print_json(root);
        }
        hvs_vuln_db_close(db);
        if (kase && json_object_array_length(logged) > 0 && import_log(kase, logged, n) < 0)
                rc = 1;
        json_object_put(logged);
        hvs_case_close(kase);
        vuln_ctx_free(&vc);
        return rc;
}

/* ---------------------------------------------------------------- status */

static int vuln_status(int argc, char **argv) {
        static const struct option longopts[] = {
                COMMON_LONG_OPTS,
                { "json", no_argument, NULL, OPT_JSON },
                { 0 },
        };
        struct vuln_common co = { 0 };
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (vuln_common_opt(&co, c, optarg))
                        continue;
                if (c == OPT_JSON)
                        json = true;
                else if (c == 'h') {
                        fputs("usage: hvscope vuln status [--json] [options]\n\n"
                              "What the vulnerability database holds: records, schema version and the\n"
                              "progress of 'vuln sync' (watermark, an unfinished run).\n\n" COMMON_HELP,
                              stdout);
                        return 0;
                } else
                        return 1;
        }
        struct vuln_ctx vc = { 0 };
        hvs_vuln_db *db = NULL;
        if (vuln_open_db(&co, &vc, &db) < 0)
                return 1;
        size_t n = 0;
        hvs_vuln_db_count(db, &n);
        static const char *const keys[] = { "sync.watermark", "sync.state",     "sync.mode",      "sync.range_end",
                                            "sync.window_start", "sync.window_end", "sync.next_index" };
        char vals[ARRAY_SIZE(keys)][64];
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (hvs_vuln_db_get_meta(db, keys[i], vals[i], sizeof vals[i]) < 0)
                        vals[i][0] = '\0';
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "database", json_object_new_string(vc.db_path));
                json_object_object_add(o, "schema_version", json_object_new_int(hvs_vuln_db_schema_version(db)));
                json_object_object_add(o, "records", json_object_new_int64((int64_t)n));
                for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                        json_object_object_add(o, keys[i], vals[i][0] ? json_object_new_string(vals[i]) : NULL);
                print_json(o);
        } else {
                printf("database        %s\nschema version  %d\nrecords         %zu\n", vc.db_path,
                       hvs_vuln_db_schema_version(db), n);
                printf("sync watermark  %s\n", vals[0][0] ? vals[0] : "(never synced)");
                if (!strcmp(vals[1], "running"))
                        printf("unfinished sync %s pass, window %s .. %s, next index %s (resumes on the next sync)\n",
                               vals[2], vals[4][0] ? vals[4] : "-", vals[5][0] ? vals[5] : "-", vals[6]);
        }
        hvs_vuln_db_close(db);
        return 0;
}

/* ---------------------------------------------------------------- sync */

static volatile sig_atomic_t sync_stop;

static void on_signal(int sig) {
        (void)sig;
        sync_stop = 1;
}

struct sync_ui {
        bool quiet, tty;
};

static void sync_progress(void *ud, const hvs_vuln_sync_progress *p) {
        const struct sync_ui *u = ud;
        if (u->quiet)
                return;
        if (!strcmp(p->what, "page"))
                fprintf(stderr, "hvscope: %s%s%s page at %" PRId64 " of %" PRId64 ": %zu stored, %u requests\n",
                        p->window_start[0] ? "window " : "full pass", p->window_start,
                        p->window_start[0] ? " .." : "", p->start_index, p->total, p->stored, p->requests);
        else if (!strcmp(p->what, "back-off"))
                fprintf(stderr, "hvscope: %s%ld, retrying in %u ms\n", p->status ? "HTTP " : "transport error",
                        p->status ? p->status : 0L, p->wait_ms);
        else if (u->tty)
                fprintf(stderr, "hvscope: rate limit: waiting %u ms\n", p->wait_ms);
}

bool vuln_parse_uint(const char *arg, const char *what, unsigned long max, unsigned *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(arg, &end, 10);
        if (errno || *end || arg[0] == '-' || v > max) {
                errorf("invalid %s '%s'", what, arg);
                return false;
        }
        *ret = (unsigned)v;
        return true;
}

static void sync_usage(FILE *f) {
        fputs("usage: hvscope vuln sync [options]\n"
              "\n"
              "Fetch CVE records from the NVD API 2.0 into the vulnerability database. The\n"
              "first sync pages through every CVE; later ones fetch what changed since the\n"
              "last complete sync (lastModStartDate/lastModEndDate, windows of at most\n"
              "120 days). Requests stay under NVD's rate limit (5 per 30 s, 50 with an API\n"
              "key); 403, 429 and 5xx replies, broken connections and truncated replies are\n"
              "retried after a doubling back-off. Every page is stored with the progress, so\n"
              "an interrupted sync (Ctrl-C, an error) resumes where it stopped.\n"
              "By default only records of the products (xen, kvm, qemu) are stored.\n"
              "\n"
              "  --api-url URL        API endpoint (default $HVS_NVD_API_URL, else\n"
              "                       " HVS_NVD_API_URL ")\n"
              "  --api-key KEY        NVD API key (default $NVD_API_KEY), sent as 'apiKey'\n"
              "  --since DATE         fetch records modified since DATE (2024-01-01T00:00:00)\n"
              "  --full               a full pass, whatever was synced before\n"
              "  --all                store every record, not only the products'\n"
              "  --results-per-page N 1..2000 (default 2000)\n"
              "  --rate N/MS          at most N requests per MS milliseconds (default 5/30000,\n"
              "                       50/30000 with a key)\n"
              "  --backoff-ms MS      first wait after a failure (default 6000), doubling\n"
              "  --backoff-max-ms MS  longest wait (default 120000)\n"
              "  --retries N          attempts per page before giving up (default 6)\n"
              "  --timeout-ms MS      per request (default 120000)\n"
              "  --now EPOCH          end of the range, seconds since the epoch (tests)\n"
              "  --quiet              no progress on stderr\n" COMMON_HELP,
              f);
}

static int vuln_sync(int argc, char **argv) {
        static const struct option longopts[] = {
                COMMON_LONG_OPTS,
                { "api-url", required_argument, NULL, OPT_API_URL },
                { "api-key", required_argument, NULL, OPT_API_KEY },
                { "since", required_argument, NULL, OPT_SINCE },
                { "full", no_argument, NULL, OPT_FULL },
                { "all", no_argument, NULL, OPT_ALL },
                { "results-per-page", required_argument, NULL, OPT_PER_PAGE },
                { "rate", required_argument, NULL, OPT_RATE },
                { "backoff-ms", required_argument, NULL, OPT_BACKOFF },
                { "backoff-max-ms", required_argument, NULL, OPT_BACKOFF_MAX },
                { "retries", required_argument, NULL, OPT_RETRIES },
                { "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
                { "now", required_argument, NULL, OPT_NOW },
                { "quiet", no_argument, NULL, OPT_QUIET },
                { "json", no_argument, NULL, OPT_JSON },
                { 0 },
        };
        struct vuln_common co = { 0 };
        hvs_vuln_sync_opts o = { .sz = sizeof o };
        struct sync_ui ui = { .tty = isatty(STDERR_FILENO) };
        bool all = false, json = false;
        int c;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (vuln_common_opt(&co, c, optarg))
                        continue;
                switch (c) {
                case OPT_API_URL:
                        o.api_url = optarg;
                        break;
                case OPT_API_KEY:
                        o.api_key = optarg;
                        break;
                case OPT_SINCE:
                        o.since = optarg;
                        break;
                case OPT_FULL:
                        o.full = true;
                        break;
                case OPT_ALL:
                        all = true;
                        break;
                case OPT_PER_PAGE:
                        if (!vuln_parse_uint(optarg, "--results-per-page", 2000, &o.results_per_page) || !o.results_per_page)
                                return 1;
                        break;
                case OPT_RATE: {
                        char *slash = strchr(optarg, '/');
                        if (!slash) {
                                errorf("invalid --rate '%s' (N/MS, e.g. 5/30000)", optarg);
                                return 1;
                        }
                        *slash = '\0';
                        if (!vuln_parse_uint(optarg, "--rate", 10000, &o.rate_requests) ||
                            !vuln_parse_uint(slash + 1, "--rate", 3600000, &o.rate_window_ms) || !o.rate_requests ||
                            !o.rate_window_ms)
                                return 1;
                        break;
                }
                case OPT_BACKOFF:
                        if (!vuln_parse_uint(optarg, "--backoff-ms", 3600000, &o.backoff_ms))
                                return 1;
                        break;
                case OPT_BACKOFF_MAX:
                        if (!vuln_parse_uint(optarg, "--backoff-max-ms", 3600000, &o.backoff_max_ms))
                                return 1;
                        break;
                case OPT_RETRIES:
                        if (!vuln_parse_uint(optarg, "--retries", 1000, &o.max_retries))
                                return 1;
                        break;
                case OPT_TIMEOUT:
                        if (!vuln_parse_uint(optarg, "--timeout-ms", 3600000, &o.timeout_ms))
                                return 1;
                        break;
                case OPT_NOW: {
                        /* For tests: the end of the range, seconds since the epoch. */
                        unsigned v;
                        if (!vuln_parse_uint(optarg, "--now", UINT32_MAX, &v))
                                return 1;
                        o.now = v;
                        break;
                }
                case OPT_QUIET:
                        ui.quiet = true;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        sync_usage(stdout);
                        return 0;
                default:
                        sync_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("vuln sync: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (!o.api_url)
                o.api_url = getenv("HVS_NVD_API_URL");
        if (!o.api_key)
                o.api_key = getenv("NVD_API_KEY");
        struct vuln_ctx vc = { 0 };
        struct keep_ctx kc = { 0 };
        if (!all) {
                if (vuln_load_rules(&co, &vc, false) < 0)
                        return 1;
                kc.rules = vc.rules;
                hvs_vuln_rules_products(vc.rules, "all", &kc.mask);
                o.keep = keep_products;
                o.keep_userdata = &kc;
        }
        hvs_vuln_db *db = NULL;
        if (vuln_open_db(&co, &vc, &db) < 0) {
                vuln_ctx_free(&vc);
                return 1;
        }
        o.progress = sync_progress;
        o.progress_userdata = &ui;
        o.stop = &sync_stop;
        struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        hvs_vuln_sync_stats st;
        int r = hvs_vuln_sync(db, &o, &st);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        if (r < 0)
                errorf("sync %s: %s", r == -EINTR ? "interrupted" : "failed",
                       hvs_vuln_db_errmsg(db)[0] ? hvs_vuln_db_errmsg(db) : hvs_strerror(r));
        size_t n = 0;
        hvs_vuln_db_count(db, &n);
        if (json) {
                json_object *j = json_object_new_object();
                json_object_object_add(j, "complete", json_object_new_boolean(st.complete));
                json_object_object_add(j, "resumed", json_object_new_boolean(st.resumed));
                json_object_object_add(j, "requests", json_object_new_int(st.requests));
                json_object_object_add(j, "retries", json_object_new_int(st.retries));
                json_object_object_add(j, "pages", json_object_new_int(st.pages));
                json_object_object_add(j, "inserted", json_object_new_int64((int64_t)st.import.inserted));
                json_object_object_add(j, "updated", json_object_new_int64((int64_t)st.import.updated));
                json_object_object_add(j, "unchanged", json_object_new_int64((int64_t)st.import.unchanged));
                json_object_object_add(j, "older", json_object_new_int64((int64_t)st.import.older));
                json_object_object_add(j, "not_selected", json_object_new_int64((int64_t)st.import.skipped));
                json_object_object_add(j, "watermark", json_object_new_string(st.watermark));
                json_object_object_add(j, "records", json_object_new_int64((int64_t)n));
                if (r < 0)
                        json_object_object_add(j, "error", json_object_new_string(hvs_vuln_db_errmsg(db)));
                print_json(j);
        } else
                printf("sync %s%s: %u requests (%u retried), %u pages, %zu new, %zu updated, %zu unchanged, "
                       "%zu older, %zu not selected; %zu records; watermark %s\n",
                       st.complete ? "complete" : "incomplete (run it again to resume)", st.resumed ? " (resumed)" : "",
                       st.requests, st.retries, st.pages, st.import.inserted, st.import.updated, st.import.unchanged,
                       st.import.older, st.import.skipped, n, st.watermark[0] ? st.watermark : "(none)");
        hvs_vuln_db_close(db);
        vuln_ctx_free(&vc);
        return r < 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- classify */

void vuln_print_set(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, uint32_t set) {
        bool first = true;
        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++)
                if (set & (1u << k)) {
                        printf("%s%s", first ? "" : ",", hvs_vuln_rules_class_id(r, dim, k));
                        first = false;
                }
        if (first)
                fputs("-", stdout);
}

static const char *cls_id(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, int k) {
        return k >= 0 ? hvs_vuln_rules_class_id(r, dim, (size_t)k) : "-";
}

static json_object *explain_json(const hvs_vuln_rules *r, const hvs_vuln_record *rec, const hvs_vuln_explain *e) {
        json_object *o = json_object_new_object();
        for (int dim = 0; dim < HVS_VULN_NDIMS; dim++) {
                json_object *d = json_object_new_object(), *hits = json_object_new_array(), *sc = json_object_new_object();
                json_object_object_add(d, "decision", json_object_new_string(e->reason[dim]));
                for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++)
                        if (e->score[dim][k] > 0)
                                json_object_object_add(sc, hvs_vuln_rules_class_id(r, dim, k),
                                                       json_object_new_double(e->score[dim][k]));
                json_object_object_add(d, "scores", sc);
                for (size_t i = 0; i < e->n_hits; i++) {
                        const hvs_vuln_hit *h = &e->hits[i];
                        if ((int)h->dim != dim)
                                continue;
                        json_object *hj = json_object_new_object();
                        json_object_object_add(hj, "class", json_object_new_string(cls_id(r, dim, h->cls)));
                        json_object_object_add(hj, "effect", json_object_new_string(h->effect));
                        json_object_object_add(hj, "kind", json_object_new_string(h->kind));
                        json_object_object_add(hj, "pattern", json_object_new_string(h->pattern));
                        json_object_object_add(hj, "weight", json_object_new_double(h->weight));
                        json_object_object_add(hj, "suppressed", json_object_new_boolean(h->suppressed));
                        if (h->part[0]) {
                                json_object_object_add(hj, "part", json_object_new_string(h->part));
                                json_object_object_add(hj, "offset", json_object_new_int64((int64_t)h->pos));
                                json_object_object_add(hj, "text",
                                                       json_object_new_string_len(rec->description + h->pos, (int)h->len));
                        }
                        char where[4200];
                        snprintf(where, sizeof where, "%s:%u", h->file, h->line);
                        json_object_object_add(hj, "rule", json_object_new_string(where));
                        json_object_array_add(hits, hj);
                }
                json_object_object_add(d, "rules", hits);
                json_object_object_add(o, hvs_vuln_rules_dim_name(dim), d);
        }
        return o;
}

static json_object *record_json(const hvs_vuln_rules *r, const hvs_vuln_record *rec, const hvs_vuln_result *res,
                                const hvs_vuln_explain *e) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(rec->id));
        json_object_object_add(o, "published", json_object_new_string(rec->published));
        json_object_object_add(o, "products", vuln_set_json(r, HVS_VULN_PRODUCT, res->set[HVS_VULN_PRODUCT]));
        json_object_object_add(o, "functionality",
                               json_object_new_string(cls_id(r, HVS_VULN_FUNC, res->primary[HVS_VULN_FUNC])));
        json_object_object_add(o, "type", json_object_new_string(cls_id(r, HVS_VULN_TYPE, res->primary[HVS_VULN_TYPE])));
        json_object_object_add(o, "types", vuln_set_json(r, HVS_VULN_TYPE, res->set[HVS_VULN_TYPE]));
        json_object_object_add(o, "source",
                               json_object_new_string(cls_id(r, HVS_VULN_SOURCE, res->primary[HVS_VULN_SOURCE])));
        json_object_object_add(o, "sources", vuln_set_json(r, HVS_VULN_SOURCE, res->set[HVS_VULN_SOURCE]));
        if (e) {
                json_object_object_add(o, "description", json_object_new_string(rec->description));
                json_object_object_add(o, "cvss_v2", json_object_new_string(rec->cvss_v2));
                json_object_object_add(o, "cvss_v3", json_object_new_string(rec->cvss_v3));
                json_object *cw = json_object_new_array();
                for (size_t i = 0; i < rec->n_cwes; i++)
                        json_object_array_add(cw, json_object_new_string(rec->cwes[i]));
                json_object_object_add(o, "cwes", cw);
                json_object_object_add(o, "explain", explain_json(r, rec, e));
        }
        return o;
}

static void explain_text(const struct vuln_ctx *vc, const hvs_vuln_record *rec, const hvs_vuln_result *res,
                         const hvs_vuln_explain *e) {
        const hvs_vuln_rules *r = vc->rules;
        printf("%s  published %.10s  CVSS v2 %s  v3 %s  CWE", rec->id, rec->published[0] ? rec->published : "-",
               rec->cvss_v2[0] ? rec->cvss_v2 : "-", rec->cvss_v3[0] ? rec->cvss_v3 : "-");
        for (size_t i = 0; i < rec->n_cwes; i++)
                printf(" %s", rec->cwes[i]);
        printf("\n  ");
        vuln_print_text(stdout, rec->description, strlen(rec->description), true);
        printf("\n  rules: %s, %s\n", vc->products_path, vc->classes_path);
        for (int dim = 0; dim < HVS_VULN_NDIMS; dim++) {
                printf("%-14s ", hvs_vuln_rules_dim_name(dim));
                if (dim == HVS_VULN_PRODUCT || dim == HVS_VULN_FUNC)
                        vuln_print_set(r, dim, res->set[dim]);
                else {
                        printf("%s  {", cls_id(r, dim, res->primary[dim]));
                        vuln_print_set(r, dim, res->set[dim]);
                        putchar('}');
                }
                printf("    (%s)\n", e->reason[dim]);
                for (size_t i = 0; i < e->n_hits; i++) {
                        const hvs_vuln_hit *h = &e->hits[i];
                        if ((int)h->dim != dim)
                                continue;
                        bool vote = !strcmp(h->effect, "vote") || !strcmp(h->effect, "fallback") ||
                                    !strcmp(h->effect, "ignored");
                        char mark = h->suppressed ? 'x' : vote ? (h->weight > 0 ? '+' : 'o') : '!';
                        printf("  %c %-16s %-8s %-6s %5.1f %-9s ", mark, cls_id(r, dim, h->cls), h->effect, h->kind,
                               h->weight, h->part[0] ? h->part : "-");
                        if (h->part[0]) {
                                putchar('"');
                                vuln_print_text(stdout, rec->description + h->pos, h->len, true);
                                putchar('"');
                        } else
                                printf("%s", h->pattern);
                        const char *base = strrchr(h->file, '/');
                        printf("  <- %s:%u%s\n", base ? base + 1 : h->file, h->line,
                               h->suppressed ? " (inside a longer match or masked)" : "");
                }
        }
        printf("  + counted   o matched, weight 0 (part factor, veto, missing need, unused fallback)   "
               "x suppressed   ! veto/needs/mask\n");
}

static void classify_usage(FILE *f) {
        fputs("usage: hvscope vuln classify [options] [CVE-ID...]\n"
              "\n"
              "Products, primary functionality, attack type(s) and attack source(s) of\n"
              "stored records by the rules (data/vuln/classes.rules), one line per record.\n"
              "Without ids: every record of --product and --years.\n"
              "\n"
              "  --explain          which rules decided each class, with the text they matched\n"
              "  --product P        xen, kvm, qemu, kvm-stack, all (default all)\n"
              "  --years A-B        published in these years\n"
              "  --json             JSON (with --explain: scores and rules too)\n"
              "  --csv              CSV, one row per record\n" COMMON_HELP,
              f);
}

static void csv_field(const char *s) {
        putchar('"');
        for (; *s; s++) {
                if (*s == '"')
                        putchar('"');
                putchar((unsigned char)*s < 0x20 ? ' ' : *s);
        }
        putchar('"');
}

static void csv_set(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, uint32_t set) {
        char buf[1024] = "";
        size_t n = 0;
        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++)
                if (set & (1u << k))
                        n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", n ? ";" : "",
                                              hvs_vuln_rules_class_id(r, dim, k));
        csv_field(buf);
}

static int vuln_classify(int argc, char **argv) {
        static const struct option longopts[] = {
                COMMON_LONG_OPTS,
                { "explain", no_argument, NULL, OPT_EXPLAIN },
                { "product", required_argument, NULL, OPT_PRODUCT },
                { "years", required_argument, NULL, OPT_YEARS },
                { "json", no_argument, NULL, OPT_JSON },
                { "csv", no_argument, NULL, OPT_CSV },
                { 0 },
        };
        struct vuln_common co = { 0 };
        bool explain = false, json = false, csv = false;
        const char *product = NULL, *years = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (vuln_common_opt(&co, c, optarg))
                        continue;
                switch (c) {
                case OPT_EXPLAIN:
                        explain = true;
                        break;
                case OPT_PRODUCT:
                        product = optarg;
                        break;
                case OPT_YEARS:
                        years = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_CSV:
                        csv = true;
                        break;
                case 'h':
                        classify_usage(stdout);
                        return 0;
                default:
                        classify_usage(stderr);
                        return 1;
                }
        }
        struct vuln_ctx vc = { 0 };
        struct vuln_sel sel;
        if (vuln_load_all(&co, &vc, false) < 0 || make_sel(&vc, product, years, &sel) < 0) {
                vuln_ctx_free(&vc);
                return 1;
        }
        const hvs_vuln_record **todo = calloc(hvs_vuln_feed_count(vc.feed) + (size_t)argc + 1, sizeof *todo);
        size_t n = 0;
        int rc = 0;
        if (optind < argc) {
                for (int i = optind; i < argc; i++) {
                        const hvs_vuln_record *rec = hvs_vuln_feed_find(vc.feed, argv[i]);
                        if (!rec) {
                                errorf("'%s' is not in the vulnerability database '%s'", argv[i], vc.db_path);
                                rc = 1;
                                continue;
                        }
                        todo[n++] = rec;
                }
        } else
                for (size_t i = 0; i < hvs_vuln_feed_count(vc.feed); i++)
                        todo[n++] = hvs_vuln_feed_get(vc.feed, i);
        bool listed = optind < argc;
        json_object *arr = json ? json_object_new_array() : NULL;
        if (csv)
                puts("id,published,products,functionality,type,types,source,sources");
        else if (!json && !explain)
                printf("%-16s %-10s %-14s %-16s %-20s %-13s %s\n", "CVE", "PUBLISHED", "PRODUCTS", "FUNCTIONALITY",
                       "TYPE", "SOURCE", "ALL TYPES / ALL SOURCES");
        for (size_t i = 0; i < n; i++) {
                const hvs_vuln_record *rec = todo[i];
                hvs_vuln_result res;
                hvs_vuln_explain *e = NULL;
                int r = hvs_vuln_classify(vc.rules, rec, &res, explain ? &e : NULL);
                if (r < 0) {
                        errorf("cannot classify %s: %s", rec->id, hvs_strerror(r));
                        rc = 1;
                        break;
                }
                if (!listed && hvs_vuln_select(&sel.q, rec, &res) <= 0) {
                        hvs_vuln_explain_free(e);
                        continue;
                }
                if (json)
                        json_object_array_add(arr, record_json(vc.rules, rec, &res, e));
                else if (explain) {
                        explain_text(&vc, rec, &res, e);
                        if (i + 1 < n)
                                putchar('\n');
                } else if (csv) {
                        printf("%s,%.10s,", rec->id, rec->published);
                        csv_set(vc.rules, HVS_VULN_PRODUCT, res.set[HVS_VULN_PRODUCT]);
                        printf(",%s,%s,", cls_id(vc.rules, HVS_VULN_FUNC, res.primary[HVS_VULN_FUNC]),
                               cls_id(vc.rules, HVS_VULN_TYPE, res.primary[HVS_VULN_TYPE]));
                        csv_set(vc.rules, HVS_VULN_TYPE, res.set[HVS_VULN_TYPE]);
                        printf(",%s,", cls_id(vc.rules, HVS_VULN_SOURCE, res.primary[HVS_VULN_SOURCE]));
                        csv_set(vc.rules, HVS_VULN_SOURCE, res.set[HVS_VULN_SOURCE]);
                        putchar('\n');
                } else {
                        printf("%-16s %-10.10s ", rec->id, rec->published[0] ? rec->published : "-");
                        char prod[64] = "";
                        size_t pn = 0;
                        for (size_t k = 0; k < hvs_vuln_rules_nclasses(vc.rules, HVS_VULN_PRODUCT); k++)
                                if (res.set[HVS_VULN_PRODUCT] & (1u << k))
                                        pn += (size_t)snprintf(prod + pn, pn < sizeof prod ? sizeof prod - pn : 0,
                                                               "%s%s", pn ? "," : "",
                                                               hvs_vuln_rules_class_id(vc.rules, HVS_VULN_PRODUCT, k));
                        printf("%-14s %-16s %-20s %-13s ", prod[0] ? prod : "-",
                               cls_id(vc.rules, HVS_VULN_FUNC, res.primary[HVS_VULN_FUNC]),
                               cls_id(vc.rules, HVS_VULN_TYPE, res.primary[HVS_VULN_TYPE]),
                               cls_id(vc.rules, HVS_VULN_SOURCE, res.primary[HVS_VULN_SOURCE]));
                        vuln_print_set(vc.rules, HVS_VULN_TYPE, res.set[HVS_VULN_TYPE]);
                        fputs(" / ", stdout);
                        vuln_print_set(vc.rules, HVS_VULN_SOURCE, res.set[HVS_VULN_SOURCE]);
                        putchar('\n');
                }
                hvs_vuln_explain_free(e);
        }
        if (json)
                print_json(arr);
        free(todo);
        vuln_ctx_free(&vc);
        return rc;
}

/* ---------------------------------------------------------------- report, gaps */

static void report_usage(FILE *f, const char *cmd) {
        if (!strcmp(cmd, "report"))
                fputs("usage: hvscope vuln report --product P [--years A-B] [options]\n"
                      "\n"
                      "Step 1 of NIST IR 8221: the distributions of the product's vulnerabilities\n"
                      "by functionality, attack type and attack source (counts and percentages, of\n"
                      "the primary class and of every supported class), and the functionality by\n"
                      "type and functionality by source cross tables.\n"
                      "\n"
                      "  --product P        xen, kvm, qemu, kvm-stack (kvm + qemu), all\n"
                      "  --years A-B        published in these years (records without a date are\n"
                      "                     left out and counted)\n"
                      "  --json | --csv     machine-readable output\n"
                      "  --html FILE        a self-contained HTML page with SVG bar charts ('-': stdout)\n"
                      "  --explain          also print the product selection rules used\n" COMMON_HELP,
                      f);
        else
                fputs("usage: hvscope vuln gaps --product P [--years A-B] [options]\n"
                      "\n"
                      "Steps 2 and 3 of NIST IR 8221: the evidence each vulnerability of the\n"
                      "distribution would leave (data/vuln/evidence.map), weighed by how many\n"
                      "vulnerabilities need it; the coverage by the collectors this hvscope has,\n"
                      "the uncovered evidence ranked, and the technique that would gather each.\n"
                      "\n"
                      "  --product P        xen, kvm, qemu, kvm-stack, all\n"
                      "  --years A-B        published in these years\n"
                      "  --json             machine-readable output\n" COMMON_HELP,
                      f);
}

static void explain_products(const struct vuln_ctx *vc) {
        FILE *f = fopen(vc->products_path, "r");
        printf("product selection rules (%s):\n", vc->products_path);
        if (!f)
                return;
        char line[2048];
        while (fgets(line, sizeof line, f)) {
                if (line[0] == '\n')
                        continue;
                fputs("  ", stdout);
                vuln_print_text(stdout, line, strlen(line), false);
        }
        fclose(f);
        putchar('\n');
}

static bool has_command(const char *command, void *ud) {
        (void)ud;
        return hvscope_has_command(command);
}

static int vuln_report_gaps(int argc, char **argv, bool gaps) {
        static const struct option longopts[] = {
                COMMON_LONG_OPTS,
                { "product", required_argument, NULL, OPT_PRODUCT },
                { "years", required_argument, NULL, OPT_YEARS },
                { "json", no_argument, NULL, OPT_JSON },
                { "csv", no_argument, NULL, OPT_CSV },
                { "html", required_argument, NULL, OPT_HTML },
                { "explain", no_argument, NULL, OPT_EXPLAIN },
                { 0 },
        };
        const char *cmd = gaps ? "gaps" : "report";
        struct vuln_common co = { 0 };
        bool json = false, csv = false, explain = false;
        const char *product = NULL, *years = NULL, *html = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (vuln_common_opt(&co, c, optarg))
                        continue;
                switch (c) {
                case OPT_PRODUCT:
                        product = optarg;
                        break;
                case OPT_YEARS:
                        years = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_CSV:
                        csv = true;
                        break;
                case OPT_HTML:
                        html = optarg;
                        break;
                case OPT_EXPLAIN:
                        explain = true;
                        break;
                case 'h':
                        report_usage(stdout, cmd);
                        return 0;
                default:
                        report_usage(stderr, cmd);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("vuln %s: unexpected argument '%s'", cmd, argv[optind]);
                return 1;
        }
        if (!product) {
                errorf("vuln %s: give --product (xen, kvm, qemu, kvm-stack, all)", cmd);
                return 1;
        }
        if (gaps && (csv || html)) {
                errorf("vuln gaps: --csv and --html are for 'vuln report'");
                return 1;
        }
        if ((json ? 1 : 0) + (csv ? 1 : 0) + (html ? 1 : 0) > 1) {
                errorf("vuln report: give one of --json, --csv, --html");
                return 1;
        }
        struct vuln_ctx vc = { 0 };
        struct vuln_sel sel;
        if (vuln_load_all(&co, &vc, gaps) < 0 || make_sel(&vc, product, years, &sel) < 0) {
                vuln_ctx_free(&vc);
                return 1;
        }
        if (!hvs_vuln_feed_count(vc.feed))
                warnf("the vulnerability database '%s' is empty: run 'hvscope vuln import' or 'vuln sync'", vc.db_path);
        uint64_t t0 = hvs_now_ns();
        hvs_vuln_dist d;
        int r = hvs_vuln_distribution(vc.rules, vc.feed, &sel.q, &d);
        if (r < 0) {
                errorf("cannot compute the distribution: %s", hvs_strerror(r));
                vuln_ctx_free(&vc);
                return 1;
        }
        if (getenv("HVS_VULN_TIMING"))
                fprintf(stderr, "hvscope: classified %zu records in %.1f ms\n", hvs_vuln_feed_count(vc.feed),
                        (double)(hvs_now_ns() - t0) / 1e6);
        if (explain && !json && !csv)
                explain_products(&vc);
        if (!gaps) {
                r = vuln_render_report(&vc, &sel, &d, json, csv, html);
        } else {
                hvs_vuln_gaps *g = NULL;
                r = hvs_vuln_gaps_compute(vc.evmap, vc.rules, vc.feed, &sel.q, has_command, NULL, &g);
                if (r < 0)
                        errorf("cannot weigh the evidence: %s", hvs_strerror(r));
                else
                        r = vuln_render_gaps(&vc, &sel, g, &d, json);
                hvs_vuln_gaps_free(g);
        }
        vuln_ctx_free(&vc);
        return r < 0 ? 1 : 0;
}

static int vuln_report(int argc, char **argv) { return vuln_report_gaps(argc, argv, false); }
static int vuln_gaps(int argc, char **argv) { return vuln_report_gaps(argc, argv, true); }

/* ---------------------------------------------------------------- dispatch */

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} subs[] = {
        { "import", vuln_import, "load NVD JSON (API 2.0, 1.1 feeds, plain or gzip) into the database" },
        { "sync", vuln_sync, "fetch from the NVD API 2.0 (paged, rate-limited, incremental, resumable)" },
        { "status", vuln_status, "what the database holds and where sync stands" },
        { "classify", vuln_classify, "products and classes of records; --explain shows the deciding rules" },
        { "report", vuln_report, "distributions and cross tables (step 1); --json, --csv, --html" },
        { "gaps", vuln_gaps, "evidence the distribution needs vs hvscope's collectors (steps 2-3)" },
        { "attack-evidence", vuln_attack, "what a sample attack left vs what the map requires (step 2)" },
};

static void vuln_usage(FILE *f) {
        fputs("usage: hvscope vuln <command> [options]\n"
              "\n"
              "The NIST IR 8221 method on hypervisor vulnerability data (NVD): classify Xen,\n"
              "KVM and QEMU vulnerabilities by functionality, attack type and attack source,\n"
              "report their distribution, and find the evidence hvscope does not collect.\n"
              "\n"
              "commands:\n",
              f);
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
                fprintf(f, "  %-16s %s\n", subs[i].name, subs[i].summary);
        fputs("\n'hvscope vuln <command> --help' shows a command's options.\n", f);
}

int cmd_vuln(int argc, char **argv) {
        if (argc < 2) {
                vuln_usage(stderr);
                return 1;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                vuln_usage(stdout);
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
                if (!strcmp(argv[1], subs[i].name))
                        return subs[i].fn(argc - 1, argv + 1);
        errorf("unknown vuln command '%s' (see 'hvscope vuln --help')", argv[1]);
        return 1;
}
