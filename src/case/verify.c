/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify.c - re-check everything a case claims: the database's own
 * integrity, the custody chain, the rows each custody row accounts for,
 * rows no custody row accounts for, snapshot content hashes and the files
 * of acquisitions.
 *
 * The case is hostile input here (verify exists because it may have been
 * tampered with): every text may be NULL or of any size, JSON is read only
 * through SQLite's json functions, ranges are bounded, and a query that
 * fails on a corrupt page becomes a reported problem, not an abort.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "case-internal.h"

struct vctx {
        hvs_case *c;
        hvs_case_verify_result *res;
        int oom;
        struct range { const char *table; int64_t first, last; } *ranges;
        size_t n_ranges, cap_ranges;
};

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Problems keep table names by pointer: these, never text read from the case. */
static const char *static_table(const char *name) {
        static const char *const names[] = {
                "meta", "vms", "acquisitions", "snapshots", "view_json", "processes", "modules", "sockets", "files",
                "mappings", "credentials", "mounts", "events", "findings", "custody",
        };
        for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
                if (!strcmp(names[i], name))
                        return names[i];
        return "";
}

static char *dup_or_empty(const char *s) {
        return hvs_strdup(s ? s : "");
}

__attribute__((format(printf, 7, 8)))
static void problem(struct vctx *v, enum hvs_case_problem_kind kind, const char *table, int64_t row,
                    const char *field, const char *expected_found[2], const char *fmt, ...) {
        hvs_case_verify_result *res = v->res;
        if (res->n_problems >= HVS_MAX_CASE_PROBLEMS) {
                res->problems_truncated = true;
                return;
        }
        if (res->n_problems % 64 == 0) {
                void *p = hvs_reallocarray(res->problems, res->n_problems + 64, sizeof *res->problems);
                if (!p) {
                        v->oom = -ENOMEM;
                        return;
                }
                res->problems = p;
        }
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        hvs_case_problem *p = &res->problems[res->n_problems];
        *p = (hvs_case_problem){ .kind = kind, .table = table, .row = row, .field = field };
        p->expected = dup_or_empty(expected_found ? expected_found[0] : NULL);
        p->found = dup_or_empty(expected_found ? expected_found[1] : NULL);
        p->msg = hvs_strdup(msg);
        if (!p->expected || !p->found || !p->msg) {
                free(p->expected);
                free(p->found);
                free(p->msg);
                v->oom = -ENOMEM;
                return;
        }
        res->n_problems++;
}

#define EF(e, f) ((const char *[2]){ (e), (f) })

/* A query that failed: the database is damaged there. */
static void db_problem(struct vctx *v, const char *what) {
        problem(v, HVS_CASE_PROBLEM_DATABASE, "", 0, "read", NULL, "cannot read %s: %s", what,
                sqlite3_errmsg(v->c->db));
}

/* ---- 1. the database itself ---- */

static void check_database(struct vctx *v) {
        sqlite3 *db = v->c->db;
        _cleanup_stmt_ sqlite3_stmt *ic = NULL, *fk = NULL, *tr = NULL;
        int rc;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(100)", -1, &ic, NULL) == SQLITE_OK) {
                while ((rc = sqlite3_step(ic)) == SQLITE_ROW) {
                        const char *m = (const char *)sqlite3_column_text(ic, 0);
                        if (m && strcmp(m, "ok"))
                                problem(v, HVS_CASE_PROBLEM_DATABASE, "", 0, "integrity", EF("ok", m),
                                        "database integrity: %s", m);
                }
                if (rc != SQLITE_DONE)
                        db_problem(v, "the integrity check");
        } else {
                db_problem(v, "the integrity check");
        }
        if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &fk, NULL) == SQLITE_OK) {
                while ((rc = sqlite3_step(fk)) == SQLITE_ROW) {
                        const char *t = (const char *)sqlite3_column_text(fk, 0);
                        const char *parent = (const char *)sqlite3_column_text(fk, 2);
                        int64_t row = sqlite3_column_int64(fk, 1);
                        problem(v, HVS_CASE_PROBLEM_DATABASE, static_table(t), row,
                                "foreign_key", EF(parent, "missing"),
                                "row %" PRId64 " of '%s' points to a missing row of '%s'", row, t ? t : "?",
                                parent ? parent : "?");
                }
                if (rc != SQLITE_DONE)
                        db_problem(v, "the foreign keys");
        } else {
                db_problem(v, "the foreign keys");
        }
        /* The triggers stop mistakes only, but their absence means someone removed them. */
        if (sqlite3_prepare_v2(db,
                               "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'custody'"
                               " AND name IN ('custody_no_update', 'custody_no_delete')",
                               -1, &tr, NULL) == SQLITE_OK &&
            sqlite3_step(tr) == SQLITE_ROW) {
                int n = sqlite3_column_int(tr, 0);
                if (n != 2)
                        problem(v, HVS_CASE_PROBLEM_DATABASE, "custody", 0, "triggers", EF("2", n == 1 ? "1" : "0"),
                                "the custody log's append-only triggers were removed");
        } else {
                db_problem(v, "the schema");
        }
}

/* ---- 2. the chain ---- */

static void check_chain(struct vctx *v) {
        sqlite3 *db = v->c->db;
        _cleanup_stmt_ sqlite3_stmt *st = NULL, *meta = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT seq, ts_ns, actor, host, tool_version, action, args_json, result_sha256,"
                               " prev_hash, hash FROM custody ORDER BY seq",
                               -1, &st, NULL) != SQLITE_OK) {
                db_problem(v, "the custody log");
                return;
        }
        int64_t want = 1;
        char prev[65];
        memcpy(prev, ZERO_HASH, 65);
        char last_hash[65] = "";
        int64_t last_seq = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && !v->oom) {
                hvs_case_custody r = {
                        .seq = sqlite3_column_int64(st, 0), .ts_ns = sqlite3_column_int64(st, 1),
                        .actor = (const char *)sqlite3_column_text(st, 2),
                        .host = (const char *)sqlite3_column_text(st, 3),
                        .tool_version = (const char *)sqlite3_column_text(st, 4),
                        .action = (const char *)sqlite3_column_text(st, 5),
                        .args_json = (const char *)sqlite3_column_text(st, 6),
                        .result_sha256 = (const char *)sqlite3_column_text(st, 7),
                        .prev_hash = (const char *)sqlite3_column_text(st, 8),
                        .hash = (const char *)sqlite3_column_text(st, 9),
                };
                v->res->custody_rows++;
                char a[32], b[32];
                if (r.seq != want) {
                        snprintf(a, sizeof a, "%" PRId64, want);
                        snprintf(b, sizeof b, "%" PRId64, r.seq);
                        if (r.seq > want)
                                problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", r.seq, "seq", EF(a, b),
                                        "custody rows %" PRId64 "..%" PRId64 " are missing (deleted) before row %"
                                        PRId64, want, r.seq - 1, r.seq);
                        else
                                problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", r.seq, "seq", EF(a, b),
                                        "custody row %" PRId64 " is out of sequence", r.seq);
                }
                if (!r.prev_hash || strcmp(r.prev_hash, prev))
                        problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", r.seq, "prev_hash", EF(prev, r.prev_hash),
                                "custody row %" PRId64 " does not link to the row before it (a row was deleted, "
                                "inserted or moved)", r.seq);
                char h[65];
                if (case_custody_row_hash(&r, h) < 0) {
                        v->oom = -ENOMEM;
                        break;
                }
                if (!r.hash || strcmp(r.hash, h))
                        problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", r.seq, "hash", EF(r.hash, h),
                                "custody row %" PRId64 " (%s) was changed: its hash does not match its content",
                                r.seq, r.action ? r.action : "?");
                /* Link the next row to the stored hash, so one edited row is one problem, not a cascade. */
                hvs_strlcpy(prev, r.hash ? r.hash : "", sizeof prev);
                hvs_strlcpy(last_hash, r.hash ? r.hash : "", sizeof last_hash);
                last_seq = r.seq;
                want = r.seq + 1;
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                db_problem(v, "the custody log");
        v->res->head_seq = last_seq;
        hvs_strlcpy(v->res->head_hash, last_hash, sizeof v->res->head_hash);
        if (v->res->custody_rows == 0)
                problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", 0, "rows", EF("at least 1", "0"),
                        "the custody log is empty (every case starts with a 'create' row)");
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'custody_head'", -1, &meta, NULL) != SQLITE_OK) {
                db_problem(v, "meta");
                return;
        }
        char head[96];
        snprintf(head, sizeof head, "%" PRId64 ":%s", last_seq, last_hash);
        rc = sqlite3_step(meta);
        const char *m = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(meta, 0) : NULL;
        if (!m || strcmp(m, head))
                problem(v, HVS_CASE_PROBLEM_CUSTODY, "meta", 0, "custody_head", EF(m ? m : "(none)", head),
                        "the custody head recorded in meta is not the last row of the log (rows removed from "
                        "the end, or meta edited)");
}

/* ---- 3. the rows each custody row accounts for ---- */

static int add_range(struct vctx *v, const char *table, int64_t first, int64_t last) {
        if (v->n_ranges == v->cap_ranges) {
                size_t cap = v->cap_ranges ? v->cap_ranges * 2 : 64;
                void *p = hvs_reallocarray(v->ranges, cap, sizeof *v->ranges);
                if (!p)
                        return v->oom = -ENOMEM;
                v->ranges = p;
                v->cap_ranges = cap;
        }
        static const char *const names[] = { "vms", "acquisitions", "snapshots", "events", "findings" };
        const char *t = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (!strcmp(names[i], table))
                        t = names[i];
        if (!t)
                return 0;
        v->ranges[v->n_ranges++] = (struct range){ t, first, last };
        return 0;
}

static void check_refs_of(struct vctx *v, int64_t seq) {
        sqlite3 *db = v->c->db;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT json_extract(r.value, '$.table'), json_extract(r.value, '$.first'),"
                               " json_extract(r.value, '$.last'), json_extract(r.value, '$.sha256'),"
                               " json_type(r.value, '$.first'), json_type(r.value, '$.last')"
                               " FROM custody c, json_each(c.args_json, '$.rows') r WHERE c.seq = ?1",
                               -1, &st, NULL) != SQLITE_OK) {
                db_problem(v, "the custody log");
                return;
        }
        sqlite3_bind_int64(st, 1, seq);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && !v->oom) {
                const char *tname = (const char *)sqlite3_column_text(st, 0);
                const char *table = static_table(tname);
                const char *want = (const char *)sqlite3_column_text(st, 3);
                const char *tf = (const char *)sqlite3_column_text(st, 4), *tl = (const char *)sqlite3_column_text(st, 5);
                int64_t first = sqlite3_column_int64(st, 1), last = sqlite3_column_int64(st, 2);
                if (!table[0] || !case_rows_table_known(table) || !tf || strcmp(tf, "integer") || !tl ||
                    strcmp(tl, "integer") || first < 1 || last < first || last - first >= (int64_t)HVS_MAX_CASE_BATCH ||
                    (!strcmp(table, "snapshots") && first != last)) {
                        problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", seq, "args_json", NULL,
                                "custody row %" PRId64 " names rows that cannot exist (table '%s')", seq,
                                tname ? tname : "?");
                        continue;
                }
                add_range(v, table, first, last);
                char h[65];
                int64_t n = 0;
                hvs_diag d = { 0 };
                int r = case_rows_hash(db, table, first, last, h, &n, &d);
                if (r == -ENOMEM) {
                        v->oom = r;
                        return;
                }
                if (r < 0) {
                        problem(v, HVS_CASE_PROBLEM_DATABASE, table, first, "read", NULL, "%s", d.msg);
                        continue;
                }
                v->res->row_sets++;
                char a[64], b[64];
                if (n != last - first + 1) {
                        snprintf(a, sizeof a, "%" PRId64, last - first + 1);
                        snprintf(b, sizeof b, "%" PRId64, n);
                        problem(v, HVS_CASE_PROBLEM_ROWS, table, first, "rows", EF(a, b),
                                "%s %" PRId64 "..%" PRId64 " (logged by custody row %" PRId64 "): %" PRId64
                                " of %" PRId64 " rows are missing (deleted)",
                                table, first, last, seq, last - first + 1 - n, last - first + 1);
                } else if (!want || strcmp(want, h)) {
                        char span[64];
                        if (first == last)
                                snprintf(span, sizeof span, "row %" PRId64, first);
                        else
                                snprintf(span, sizeof span, "rows %" PRId64 "..%" PRId64, first, last);
                        problem(v, HVS_CASE_PROBLEM_ROWS, table, first, "sha256", EF(want, h),
                                "%s %s changed after custody row %" PRId64 " logged them", table, span, seq);
                }
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", seq, "args_json", NULL,
                        "custody row %" PRId64 ": cannot read its arguments: %s", seq, sqlite3_errmsg(db));
}

static void check_rows(struct vctx *v) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(v->c->db, "SELECT seq, json_valid(args_json) FROM custody ORDER BY seq", -1, &st, NULL) !=
            SQLITE_OK) {
                db_problem(v, "the custody log");
                return;
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && !v->oom) {
                int64_t seq = sqlite3_column_int64(st, 0);
                if (sqlite3_column_int(st, 1) != 1) {
                        problem(v, HVS_CASE_PROBLEM_CUSTODY, "custody", seq, "args_json", NULL,
                                "custody row %" PRId64 ": its arguments are not valid JSON", seq);
                        continue;
                }
                check_refs_of(v, seq);
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                db_problem(v, "the custody log");
}

/* ---- 4. rows no custody row accounts for ---- */

static int cmp_range(const void *a, const void *b) {
        const struct range *x = a, *y = b;
        int c = strcmp(x->table, y->table);
        if (c)
                return c;
        return x->first < y->first ? -1 : x->first > y->first;
}

static bool covered(const struct vctx *v, const char *table, int64_t id) {
        /* Ranges are sorted by table then first: binary search the last range starting at or before id. */
        size_t lo = 0, hi = v->n_ranges;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(v->ranges[mid].table, table);
                if (c < 0 || (c == 0 && v->ranges[mid].first <= id))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        /* Ranges may overlap (a forged log); look back over the ones that start before id. */
        for (size_t i = lo; i-- > 0;) {
                if (strcmp(v->ranges[i].table, table))
                        break;
                if (v->ranges[i].last >= id)
                        return true;
        }
        return false;
}

static void check_coverage(struct vctx *v) {
        static const struct { const char *table, *sql; } tabs[] = {
                { "vms", "SELECT id FROM vms ORDER BY id" },
                { "acquisitions", "SELECT id FROM acquisitions ORDER BY id" },
                { "snapshots", "SELECT id FROM snapshots ORDER BY id" },
                { "events", "SELECT id FROM events ORDER BY id" },
                { "findings", "SELECT id FROM findings ORDER BY id" },
        };
        if (v->n_ranges)
                qsort(v->ranges, v->n_ranges, sizeof *v->ranges, cmp_range);
        for (size_t t = 0; t < ARRAY_SIZE(tabs) && !v->oom; t++) {
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                if (sqlite3_prepare_v2(v->c->db, tabs[t].sql, -1, &st, NULL) != SQLITE_OK) {
                        db_problem(v, tabs[t].table);
                        continue;
                }
                int rc;
                while ((rc = sqlite3_step(st)) == SQLITE_ROW && !v->oom) {
                        int64_t id = sqlite3_column_int64(st, 0);
                        if (!covered(v, tabs[t].table, id))
                                problem(v, HVS_CASE_PROBLEM_UNLOGGED, tabs[t].table, id, "custody", NULL,
                                        "%s row %" PRId64 " is not in the custody log (added outside hvscope, or "
                                        "its log row was removed)", tabs[t].table, id);
                }
                if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                        db_problem(v, tabs[t].table);
        }
}

/* ---- 5. snapshots ---- */

static void check_snapshots(struct vctx *v) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(v->c->db, "SELECT id, content_sha256 FROM snapshots ORDER BY id", -1, &st, NULL) !=
            SQLITE_OK) {
                db_problem(v, "snapshots");
                return;
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && !v->oom) {
                int64_t id = sqlite3_column_int64(st, 0);
                const char *stored = (const char *)sqlite3_column_text(st, 1);
                char h[65];
                hvs_diag d = { 0 };
                int r = case_snapshot_hash(v->c->db, id, h, &d);
                if (r == -ENOMEM) {
                        v->oom = r;
                        return;
                }
                if (r < 0) {
                        problem(v, HVS_CASE_PROBLEM_DATABASE, "snapshots", id, "read", NULL, "snapshot %" PRId64
                                ": %s", id, d.msg[0] ? d.msg : hvs_strerror(r));
                        continue;
                }
                v->res->snapshots++;
                if (!stored || strcmp(stored, h))
                        problem(v, HVS_CASE_PROBLEM_SNAPSHOT, "snapshots", id, "content_sha256", EF(stored, h),
                                "snapshot %" PRId64 ": its content (views, processes, modules, ...) does not match "
                                "its stored hash", id);
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                db_problem(v, "snapshots");
}

/* ---- 6. acquired files ---- */

static int hash_file(const char *path, uint64_t *ret_size, char out[65], int *ret_errno) {
        /* O_NONBLOCK: a path edited to name a FIFO must not hang verify. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                *ret_errno = errno;
                return -1;
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                *ret_errno = EINVAL;
                return -1;
        }
        case_hash h;
        if (case_hash_init(&h) < 0)
                return -ENOMEM;
        size_t cap = 1u << 20;
        _cleanup_free_ uint8_t *buf = hvs_malloc(cap);
        if (!buf) {
                case_hash_done(&h);
                return -ENOMEM;
        }
        uint64_t total = 0;
        for (;;) {
                ssize_t n = read(fd, buf, cap);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        *ret_errno = errno;
                        case_hash_done(&h);
                        return -1;
                }
                if (n == 0)
                        break;
                case_hash_bytes(&h, buf, (size_t)n);
                total += (uint64_t)n;
        }
        *ret_size = total;
        return case_hash_final(&h, out) < 0 ? -ENOMEM : 0;
}

static void check_images(struct vctx *v) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(v->c->db,
                               "SELECT id, path, size, sha256, status FROM acquisitions WHERE path IS NOT NULL ORDER BY id",
                               -1, &st, NULL) != SQLITE_OK) {
                db_problem(v, "acquisitions");
                return;
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && !v->oom) {
                int64_t id = sqlite3_column_int64(st, 0);
                const char *path = (const char *)sqlite3_column_text(st, 1);
                bool have_size = sqlite3_column_type(st, 2) != SQLITE_NULL;
                uint64_t size = (uint64_t)sqlite3_column_int64(st, 2);
                const char *want = (const char *)sqlite3_column_text(st, 3);
                const char *status = (const char *)sqlite3_column_text(st, 4);
                if (!path)
                        continue;
                uint64_t got = 0;
                char h[65];
                int err = 0;
                int r = hash_file(path, &got, h, &err);
                if (r == -ENOMEM) {
                        v->oom = r;
                        return;
                }
                if (r < 0) {
                        /* A failed acquisition may have removed its partial file: that is not a discrepancy. */
                        if (err == ENOENT && status && !strcmp(status, "failed"))
                                continue;
                        problem(v, HVS_CASE_PROBLEM_IMAGE, "acquisitions", id, "file", EF(path, strerror(err)),
                                "acquisition %" PRId64 ": file '%s' %s", id, path,
                                err == ENOENT ? "is missing" : err == EINVAL ? "is not a regular file" : strerror(err));
                        continue;
                }
                v->res->images++;
                v->res->image_bytes += got;
                char a[32], b[32];
                if (have_size && got != size) {
                        snprintf(a, sizeof a, "%" PRIu64, size);
                        snprintf(b, sizeof b, "%" PRIu64, got);
                        problem(v, HVS_CASE_PROBLEM_IMAGE, "acquisitions", id, "size", EF(a, b),
                                "acquisition %" PRId64 ": file '%s' is %" PRIu64 " bytes, %" PRIu64 " were recorded",
                                id, path, got, size);
                }
                if (want && strcmp(want, h))
                        problem(v, HVS_CASE_PROBLEM_IMAGE, "acquisitions", id, "sha256", EF(want, h),
                                "acquisition %" PRId64 ": file '%s' changed: its SHA-256 is not the one recorded",
                                id, path);
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                db_problem(v, "acquisitions");
}

int hvs_case_verify(hvs_case *c, hvs_case_verify_result **ret) {
        if (!c || !ret)
                return -EINVAL;
        hvs_case_verify_result *res = hvs_calloc(1, sizeof *res);
        if (!res)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        struct vctx v = { .c = c, .res = res };
        check_database(&v);
        if (!v.oom)
                check_chain(&v);
        if (!v.oom)
                check_rows(&v);
        if (!v.oom)
                check_coverage(&v);
        if (!v.oom)
                check_snapshots(&v);
        if (!v.oom)
                check_images(&v);
        free(v.ranges);
        if (v.oom) {
                hvs_case_verify_result_free(res);
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        }
        *ret = res;
        return 0;
}

hvs_case_verify_result *hvs_case_verify_result_free(hvs_case_verify_result *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_problems; i++) {
                free(r->problems[i].expected);
                free(r->problems[i].found);
                free(r->problems[i].msg);
        }
        free(r->problems);
        free(r);
        return NULL;
}

int hvs_case_log_verify(hvs_case *c, const hvs_case_verify_result *r) {
        if (!c || !r)
                return -EINVAL;
        int e = case_begin(c);
        if (e < 0)
                return e;
        json_object *a = json_object_new_object();
        json_object_object_add(a, "problems", json_object_new_int64((int64_t)r->n_problems));
        json_object_object_add(a, "verified_head_seq", json_object_new_int64(r->head_seq));
        json_object_object_add(a, "images", json_object_new_int64(r->images));
        json_object_object_add(a, "snapshots", json_object_new_int64(r->snapshots));
        e = case_custody_append(c, "verify", a, NULL, 0, r->head_hash[0] ? r->head_hash : NULL, NULL);
        if (e == 0)
                e = case_commit(c);
        if (e < 0)
                case_rollback(c);
        return e;
}
