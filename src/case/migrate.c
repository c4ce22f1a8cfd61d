/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * migrate.c - bring a case to the schema this program carries.
 *
 * The schema text is a sequence of "-- migrate N" sections (N = 1, 2, ...).
 * A database at PRAGMA user_version V gets sections V+1 .. last, each in its
 * own transaction that also sets user_version, so an interrupted upgrade
 * leaves a case at a version that exists, never between two.
 */
#include <stdlib.h>
#include "case-internal.h"

#define MARK "-- migrate "

struct section {
        int version;
        const char *start;      /* first byte after the marker line */
        size_t len;
};

/* Split @schema into its sections (@out NULL: only count). Return: the count; -EBADMSG; -E2BIG. */
static int split(const char *schema, struct section *out, size_t cap) {
        size_t n = 0;
        const char *p = schema;
        while (*p) {
                const char *eol = strchr(p, '\n');
                size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
                if (linelen >= strlen(MARK) && !strncmp(p, MARK, strlen(MARK))) {
                        char *end;
                        long v = strtol(p + strlen(MARK), &end, 10);
                        while (end < p + linelen && (*end == ' ' || *end == '\r'))
                                end++;
                        if (end != p + linelen || v != (long)n + 1)
                                return -EBADMSG;        /* out of order, or not a number */
                        if (out && n == cap)
                                return -E2BIG;
                        if (out && n > 0)
                                out[n - 1].len = (size_t)(p - out[n - 1].start);
                        if (out) {
                                out[n].version = (int)v;
                                out[n].start = eol ? eol + 1 : p + linelen;
                                out[n].len = 0;
                        }
                        n++;
                }
                p = eol ? eol + 1 : p + linelen;
        }
        if (out && n > 0)
                out[n - 1].len = (size_t)(p - out[n - 1].start);
        return n > 0 && n <= INT32_MAX ? (int)n : -EBADMSG;
}

#define MAX_SECTIONS 1000

int case_schema_last_version(const char *schema) {
        return split(schema, NULL, 0);  /* sections are numbered 1..n */
}

/* Run every statement of @sql (no parameters: this is our own schema text). */
static int run_script(sqlite3 *db, const char *sql, size_t len, int version, hvs_diag *d) {
        const char *p = sql, *end = sql + len;
        while (p < end) {
                sqlite3_stmt *st = NULL;
                const char *tail = NULL;
                int rc = sqlite3_prepare_v2(db, p, (int)(end - p), &st, &tail);
                if (rc != SQLITE_OK)
                        return HVS_DIAG(d, -EIO, "schema migration %d: %s", version, sqlite3_errmsg(db));
                if (!st)
                        break;          /* only comments and blanks were left */
                while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                        ;
                sqlite3_finalize(st);
                if (rc != SQLITE_DONE)
                        return HVS_DIAG(d, case_errno(rc) == -ENOSPC ? -ENOSPC : -EIO, "schema migration %d: %s",
                                        version, sqlite3_errmsg(db));
                p = tail;
        }
        return 0;
}

static int exec_simple(sqlite3 *db, const char *sql, hvs_diag *d) {
        return case_exec(db, sql, d);
}

int case_migrate(sqlite3 *db, const char *schema, hvs_diag *d, int *ret_from, case_migrate_hook hook, void *ud) {
        struct section *s = calloc(MAX_SECTIONS, sizeof *s);
        if (!s)
                return HVS_DIAG(d, -ENOMEM, "out of memory");
        int n = split(schema, s, MAX_SECTIONS);
        if (n < 0) {
                free(s);
                return HVS_BADMSG(d, "the case schema is malformed: its '-- migrate N' sections must run 1, 2, 3, ...");
        }
        int last = s[n - 1].version, r;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if ((r = case_prepare(db, "PRAGMA user_version", &st, d)) < 0) {
                free(s);
                return r;
        }
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                free(s);
                return HVS_DIAG(d, case_errno(rc) ? case_errno(rc) : -EIO, "cannot read the schema version: %s",
                                sqlite3_errmsg(db));
        }
        int from = sqlite3_column_int(st, 0);
        if (from < 0 || from > last) {
                free(s);
                return HVS_DIAG(d, -EPROTONOSUPPORT,
                                "the case has schema version %d, newer than this hvscope knows (%d): use a newer hvscope",
                                from, last);
        }
        if (ret_from)
                *ret_from = from;
        for (int i = from; i < n; i++) {
                if ((r = exec_simple(db, "BEGIN IMMEDIATE", d)) < 0)
                        break;
                r = run_script(db, s[i].start, s[i].len, s[i].version, d);
                /* PRAGMA takes no parameters; the number is our own section's, never input. */
                char setv[64];
                snprintf(setv, sizeof setv, "PRAGMA user_version = %d", s[i].version);
                if (r == 0)
                        r = exec_simple(db, setv, d);
                if (r == 0 && s[i].version == 1) {
                        char app[64];
                        snprintf(app, sizeof app, "PRAGMA application_id = %d", HVS_CASE_APPLICATION_ID);
                        r = exec_simple(db, app, d);
                }
                if (r == 0 && hook && i == n - 1)
                        r = hook(ud, from, last);
                if (r == 0)
                        r = exec_simple(db, "COMMIT", d);
                if (r < 0) {
                        if (!sqlite3_get_autocommit(db))
                                (void)exec_simple(db, "ROLLBACK", NULL);
                        break;
                }
        }
        free(s);
        return r < 0 ? r : last;
}

int hvs_case_migrate_db(struct sqlite3 *db, const char *schema, hvs_diag *diag, int *ret_from) {
        if (!db || !schema)
                return HVS_DIAG(diag, -EINVAL, "invalid arguments");
        return case_migrate(db, schema, diag, ret_from, NULL, NULL);
}
