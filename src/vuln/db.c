/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * db.c - the vulnerability database: migrations from schema.sql, upsert of
 * records (keyed by CVE id, newest lastModified wins), loading them back.
 * Prepared statements only; one transaction per import.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>
#include <sqlite3.h>
#include "vuln-internal.h"
#include "vuln-schema.h"        /* generated from schema.sql: vuln_schema_sql[] */

enum stmt_id { ST_GET, ST_INSERT, ST_UPDATE, ST_DEL_CWE, ST_DEL_CPE, ST_ADD_CWE, ST_ADD_CPE, ST_COUNT_N };

static const char *const SQL[ST_COUNT_N] = {
        [ST_GET] = "SELECT last_modified, content_hash FROM vuln_cve WHERE id = ?1",
        [ST_INSERT] = "INSERT INTO vuln_cve(id, source_identifier, published, last_modified, status, description, "
                      "cvss_v2, cvss_v3, score_v2, score_v3, content_hash, origin, import_id, first_seen_ns, updated_ns) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        [ST_UPDATE] = "UPDATE vuln_cve SET source_identifier = ?2, published = ?3, last_modified = ?4, status = ?5, "
                      "description = ?6, cvss_v2 = ?7, cvss_v3 = ?8, score_v2 = ?9, score_v3 = ?10, "
                      "content_hash = ?11, origin = ?12, import_id = ?13, updated_ns = ?14 WHERE id = ?1",
        [ST_DEL_CWE] = "DELETE FROM vuln_cwe WHERE cve_id = ?1",
        [ST_DEL_CPE] = "DELETE FROM vuln_cpe WHERE cve_id = ?1",
        [ST_ADD_CWE] = "INSERT INTO vuln_cwe(cve_id, seq, cwe) VALUES(?1, ?2, ?3)",
        [ST_ADD_CPE] = "INSERT INTO vuln_cpe(cve_id, seq, criteria, vulnerable) VALUES(?1, ?2, ?3, ?4)",
};

struct hvs_vuln_db {
        sqlite3 *db;
        sqlite3_stmt *st[ST_COUNT_N];
        int version;
        hvs_diag diag;
};

static int map_rc(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
                return -EBADMSG;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        default:
                return -EIO;
        }
}

/* Records the SQLite error of @db's last call in the handle and returns -errno. */
static int db_fail(hvs_vuln_db *db, int rc, const char *what) {
        int err = map_rc(rc);
        if (!err)
                err = -EIO;
        return HVS_DIAG(&db->diag, err, "%s: %s", what, db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
}

static int exec(hvs_vuln_db *db, const char *sql, const char *what) {
        int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : db_fail(db, rc, what);
}

static int stmt(hvs_vuln_db *db, enum stmt_id id, sqlite3_stmt **ret) {
        if (!db->st[id]) {
                int rc = sqlite3_prepare_v3(db->db, SQL[id], -1, SQLITE_PREPARE_PERSISTENT, &db->st[id], NULL);
                if (rc != SQLITE_OK)
                        return db_fail(db, rc, "cannot prepare a statement");
        } else {
                sqlite3_reset(db->st[id]);
                sqlite3_clear_bindings(db->st[id]);
        }
        *ret = db->st[id];
        return 0;
}

/* ---------------------------------------------------------------- meta */

static int meta_get(hvs_vuln_db *db, const char *key, char *buf, size_t cap) {
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db, "SELECT value FROM vuln_meta WHERE key = ?1", -1, &s, NULL);
        if (rc != SQLITE_OK)
                return db_fail(db, rc, "cannot read vuln_meta");
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        int r;
        if (rc == SQLITE_ROW) {
                const char *v = (const char *)sqlite3_column_text(s, 0);
                r = hvs_strlcpy(buf, v ? v : "", cap) >= cap ? -ENAMETOOLONG : 0;
        } else
                r = rc == SQLITE_DONE ? -ENOENT : db_fail(db, rc, "cannot read vuln_meta");
        sqlite3_finalize(s);
        return r;
}

static int meta_set(hvs_vuln_db *db, const char *key, const char *value) {
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db,
                                    "INSERT INTO vuln_meta(key, value) VALUES(?1, ?2) "
                                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                    -1, &s, NULL);
        if (rc != SQLITE_OK)
                return db_fail(db, rc, "cannot write vuln_meta");
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        return rc == SQLITE_DONE ? 0 : db_fail(db, rc, "cannot write vuln_meta");
}

int hvs_vuln_db_get_meta(hvs_vuln_db *db, const char *key, char *buf, size_t cap) {
        return meta_get(db, key, buf, cap);
}

int hvs_vuln_db_set_meta(hvs_vuln_db *db, const char *key, const char *value) {
        return meta_set(db, key, value);
}

/* ---------------------------------------------------------------- migrations */

/* The schema's sections: "-- migrate N" starts section N. Return: the highest N. */
static int schema_sections(const char **starts, size_t max) {
        const char *p = vuln_schema_sql;
        int n = 0;
        while ((p = strstr(p, "\n-- migrate ")) != NULL) {
                p++;
                int v = atoi(p + strlen("-- migrate "));
                if (v != n + 1 || (size_t)v >= max)
                        return -EBADMSG;        /* a build-time mistake, caught by the unit tests */
                starts[v] = p;
                n = v;
                p += 1;
        }
        return n;
}

static int migrate(hvs_vuln_db *db) {
        const char *starts[64] = { 0 };
        int latest = schema_sections(starts, ARRAY_SIZE(starts));
        if (latest <= 0)
                return HVS_BADMSG(&db->diag, "the built-in vulnerability schema is malformed");
        int have = 0;
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vuln_meta'",
                                    -1, &s, NULL);
        if (rc != SQLITE_OK)
                return db_fail(db, rc, "not a usable SQLite database");
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return db_fail(db, rc, "not a usable SQLite database");
        if (rc == SQLITE_ROW) {
                char v[32];
                int r = meta_get(db, "schema_version", v, sizeof v);
                if (r < 0 && r != -ENOENT)
                        return r;
                have = r == 0 ? atoi(v) : 0;
        }
        if (have > latest)
                return HVS_DIAG(&db->diag, -EPROTONOSUPPORT,
                                "vulnerability schema version %d is newer than this hvscope's (%d)", have, latest);
        for (int v = have + 1; v <= latest; v++) {
                const char *end = v < latest ? starts[v + 1] : starts[v] + strlen(starts[v]);
                _cleanup_free_ char *sql = strndup(starts[v], (size_t)(end - starts[v]));
                if (!sql)
                        return -ENOMEM;
                int r = exec(db, "BEGIN IMMEDIATE", "cannot start a migration");
                if (r < 0)
                        return r;
                char ver[16];
                snprintf(ver, sizeof ver, "%d", v);
                if ((r = exec(db, sql, "cannot migrate the vulnerability schema")) < 0 ||
                    (r = meta_set(db, "schema_version", ver)) < 0 || (r = exec(db, "COMMIT", "cannot commit")) < 0) {
                        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
                        return r;
                }
        }
        db->version = latest;
        return 0;
}

int hvs_vuln_db_open(const char *path, hvs_diag *d, hvs_vuln_db **ret) {
        hvs_vuln_db *db = hvs_calloc(1, sizeof *db);
        if (!db)
                return -ENOMEM;
        int rc = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        int r = 0;
        if (rc != SQLITE_OK)
                r = db_fail(db, rc, "cannot open the database");
        if (r >= 0) {
                sqlite3_busy_timeout(db->db, 5000);
                sqlite3_extended_result_codes(db->db, 1);
                r = exec(db, "PRAGMA foreign_keys = ON", "not a usable SQLite database");
        }
        if (r >= 0) {
                /* WAL where the file system allows it; the default journal otherwise. */
                sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
                r = migrate(db);
        }
        if (r < 0) {
                hvs_diag_copy(d, &db->diag);
                if (d && !d->err)
                        HVS_DIAG(d, r, "cannot open the database");
                hvs_vuln_db_close(db);
                return r;
        }
        *ret = db;
        return 0;
}

hvs_vuln_db *hvs_vuln_db_close(hvs_vuln_db *db) {
        if (!db)
                return NULL;
        for (size_t i = 0; i < ST_COUNT_N; i++)
                sqlite3_finalize(db->st[i]);
        if (db->db) {
                if (!sqlite3_get_autocommit(db->db))
                        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
                sqlite3_close_v2(db->db);
        }
        free(db);
        return NULL;
}

const char *hvs_vuln_db_errmsg(const hvs_vuln_db *db) { return db ? db->diag.msg : ""; }

int hvs_vuln_db_schema_version(const hvs_vuln_db *db) { return db->version; }

/* ---------------------------------------------------------------- upsert */

static void fnv(uint64_t *h, const char *s) {
        for (; *s; s++) {
                *h ^= (unsigned char)*s;
                *h *= 0x100000001b3ull;
        }
        *h ^= 0x1f;     /* field separator: "ab"+"c" differs from "a"+"bc" */
        *h *= 0x100000001b3ull;
}

static void content_hash(const hvs_vuln_record *r, char out[17]) {
        uint64_t h = 0xcbf29ce484222325ull;
        const char *strs[] = { r->source_identifier, r->published, r->last_modified, r->status,
                               r->description, r->cvss_v2, r->cvss_v3 };
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
                fnv(&h, strs[i]);
        char num[64];
        snprintf(num, sizeof num, "%.1f/%.1f", r->score_v2, r->score_v3);
        fnv(&h, num);
        for (size_t i = 0; i < r->n_cwes; i++)
                fnv(&h, r->cwes[i]);
        fnv(&h, "|");
        for (size_t i = 0; i < r->n_cpes; i++) {
                fnv(&h, r->cpes[i].criteria);
                fnv(&h, r->cpes[i].vulnerable ? "1" : "0");
        }
        snprintf(out, 17, "%016" PRIx64, h);
}

static int64_t real_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int step_done(hvs_vuln_db *db, sqlite3_stmt *s, const char *what) {
        int rc = sqlite3_step(s);
        return rc == SQLITE_DONE ? 0 : db_fail(db, rc, what);
}

static int write_lists(hvs_vuln_db *db, const hvs_vuln_record *r, bool replace) {
        sqlite3_stmt *s;
        int k;
        if (replace) {
                for (enum stmt_id id = ST_DEL_CWE; id <= ST_DEL_CPE; id++) {
                        if ((k = stmt(db, id, &s)) < 0)
                                return k;
                        sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
                        if ((k = step_done(db, s, "cannot replace a record's lists")) < 0)
                                return k;
                }
        }
        for (size_t i = 0; i < r->n_cwes; i++) {
                if ((k = stmt(db, ST_ADD_CWE, &s)) < 0)
                        return k;
                sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
                sqlite3_bind_text(s, 3, r->cwes[i], -1, SQLITE_STATIC);
                if ((k = step_done(db, s, "cannot store a weakness")) < 0)
                        return k;
        }
        for (size_t i = 0; i < r->n_cpes; i++) {
                if ((k = stmt(db, ST_ADD_CPE, &s)) < 0)
                        return k;
                sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
                sqlite3_bind_text(s, 3, r->cpes[i].criteria, -1, SQLITE_STATIC);
                sqlite3_bind_int(s, 4, r->cpes[i].vulnerable);
                if ((k = step_done(db, s, "cannot store a CPE match")) < 0)
                        return k;
        }
        return 0;
}

static int upsert(hvs_vuln_db *db, const hvs_vuln_record *r, const char *origin, int64_t import_id, int64_t now,
                  hvs_vuln_import_stats *st) {
        sqlite3_stmt *s;
        int k = stmt(db, ST_GET, &s);
        if (k < 0)
                return k;
        char hash[17];
        content_hash(r, hash);
        sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        bool exists = rc == SQLITE_ROW;
        if (exists) {
                const char *lm = (const char *)sqlite3_column_text(s, 0), *h = (const char *)sqlite3_column_text(s, 1);
                if (r->last_modified[0] && lm && lm[0] && strcmp(r->last_modified, lm) < 0) {
                        st->older++;
                        return 0;
                }
                if (h && !strcmp(h, hash)) {
                        st->unchanged++;
                        return 0;
                }
        } else if (rc != SQLITE_DONE)
                return db_fail(db, rc, "cannot look up a record");
        if ((k = stmt(db, exists ? ST_UPDATE : ST_INSERT, &s)) < 0)
                return k;
        const char *strs[] = { r->id, r->source_identifier, r->published, r->last_modified,
                               r->status, r->description, r->cvss_v2, r->cvss_v3 };
        for (int i = 0; i < (int)ARRAY_SIZE(strs); i++)
                sqlite3_bind_text(s, i + 1, strs[i], -1, SQLITE_STATIC);
        if (r->score_v2 >= 0)
                sqlite3_bind_double(s, 9, r->score_v2);
        if (r->score_v3 >= 0)
                sqlite3_bind_double(s, 10, r->score_v3);
        sqlite3_bind_text(s, 11, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 12, origin, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 13, import_id);
        sqlite3_bind_int64(s, 14, now);
        if ((k = step_done(db, s, "cannot store a record")) < 0 || (k = write_lists(db, r, exists)) < 0)
                return k;
        if (exists)
                st->updated++;
        else
                st->inserted++;
        return 0;
}

static const char *format_name(enum hvs_vuln_format f) {
        return f == HVS_VULN_FMT_API2 ? "api2" : f == HVS_VULN_FMT_FEED11 ? "feed11" : "records";
}

int vuln_db_import_meta(hvs_vuln_db *db, const hvs_vuln_feed *f, const char *origin, hvs_vuln_keep_fn keep,
                        void *userdata, const char *const *kv, size_t nkv, hvs_vuln_import_stats *ret) {
        if (!db || !f || !origin)
                return -EINVAL;
        hvs_diag_clear(&db->diag);
        int k = exec(db, "BEGIN IMMEDIATE", "cannot start the import");
        if (k < 0)
                return k;
        hvs_vuln_import_stats st = { 0 };
        int64_t now = real_ns();
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db,
                                    "INSERT INTO vuln_import(origin, format, gzip, feed_timestamp, items, rejected, "
                                    "inserted, updated, unchanged, older, skipped, time_ns, tool_version) "
                                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, 0, 0, ?7, ?8)",
                                    -1, &s, NULL);
        if (rc != SQLITE_OK) {
                k = db_fail(db, rc, "cannot log the import");
                goto fail;
        }
        sqlite3_bind_text(s, 1, origin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, format_name(f->info.format), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, f->info.gzip);
        sqlite3_bind_text(s, 4, f->info.timestamp, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)f->info.n_items);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)f->info.n_rejected);
        sqlite3_bind_int64(s, 7, now);
        sqlite3_bind_text(s, 8, HVS_VERSION_STRING, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
                k = db_fail(db, rc, "cannot log the import");
                goto fail;
        }
        int64_t import_id = sqlite3_last_insert_rowid(db->db);
        for (size_t i = 0; i < f->n; i++) {
                if (keep && !keep(&f->recs[i], userdata)) {
                        st.skipped++;
                        continue;
                }
                if ((k = upsert(db, &f->recs[i], origin, import_id, now, &st)) < 0)
                        goto fail;
        }
        rc = sqlite3_prepare_v2(db->db,
                                "UPDATE vuln_import SET inserted = ?2, updated = ?3, unchanged = ?4, older = ?5, "
                                "skipped = ?6 WHERE id = ?1",
                                -1, &s, NULL);
        if (rc != SQLITE_OK) {
                k = db_fail(db, rc, "cannot log the import");
                goto fail;
        }
        sqlite3_bind_int64(s, 1, import_id);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)st.inserted);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)st.updated);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)st.unchanged);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)st.older);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)st.skipped);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
                k = db_fail(db, rc, "cannot log the import");
                goto fail;
        }
        for (size_t i = 0; i + 1 < nkv * 2; i += 2)
                if ((k = meta_set(db, kv[i], kv[i + 1])) < 0)
                        goto fail;
        if ((k = exec(db, "COMMIT", "cannot commit the import")) < 0)
                goto fail;
        if (ret) {
                ret->inserted += st.inserted;
                ret->updated += st.updated;
                ret->unchanged += st.unchanged;
                ret->older += st.older;
                ret->skipped += st.skipped;
        }
        return 0;
fail:
        for (size_t i = 0; i < ST_COUNT_N; i++)
                if (db->st[i])
                        sqlite3_reset(db->st[i]);
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
        return k;
}

int hvs_vuln_db_import(hvs_vuln_db *db, const hvs_vuln_feed *f, const char *origin, hvs_vuln_keep_fn keep,
                       void *userdata, hvs_vuln_import_stats *ret) {
        return vuln_db_import_meta(db, f, origin, keep, userdata, NULL, 0, ret);
}

hvs_diag *vuln_db_diag(hvs_vuln_db *db) { return &db->diag; }

/* ---------------------------------------------------------------- load */

static char *col_dup(sqlite3_stmt *s, int i) {
        const char *v = (const char *)sqlite3_column_text(s, i);
        return hvs_strdup(v ? v : "");
}

int hvs_vuln_db_count(hvs_vuln_db *db, size_t *ret) {
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db, "SELECT count(*) FROM vuln_cve", -1, &s, NULL);
        if (rc != SQLITE_OK)
                return db_fail(db, rc, "cannot count records");
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
                *ret = (size_t)sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return rc == SQLITE_ROW ? 0 : db_fail(db, rc, "cannot count records");
}

/* Appends the rows of a (cve_id, value[, flag]) list query to the records of @f, matched by id (both sorted). */
static int load_lists(hvs_vuln_db *db, hvs_vuln_feed *f, bool cpe) {
        const char *sql = cpe ? "SELECT cve_id, criteria, vulnerable FROM vuln_cpe ORDER BY cve_id, seq"
                              : "SELECT cve_id, cwe FROM vuln_cwe ORDER BY cve_id, seq";
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db, sql, -1, &s, NULL);
        if (rc != SQLITE_OK)
                return db_fail(db, rc, "cannot load records");
        size_t i = 0;
        int r = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(s, 0);
                if (!id)
                        continue;
                while (i < f->n && strcmp(f->recs[i].id, id) < 0)
                        i++;
                if (i >= f->n || strcmp(f->recs[i].id, id))
                        continue;
                hvs_vuln_record *rec = &f->recs[i];
                size_t *n = cpe ? &rec->n_cpes : &rec->n_cwes;
                if (*n >= (cpe ? HVS_MAX_NVD_CPES : HVS_MAX_NVD_CWES))
                        continue;
                void *p = cpe ? (void *)hvs_reallocarray(rec->cpes, *n + 1, sizeof *rec->cpes)
                              : (void *)hvs_reallocarray(rec->cwes, *n + 1, sizeof *rec->cwes);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                char *v = col_dup(s, 1);
                if (cpe)
                        rec->cpes = p;
                else
                        rec->cwes = p;
                if (!v) {
                        r = -ENOMEM;
                        break;
                }
                if (cpe)
                        rec->cpes[*n] = (hvs_vuln_cpe){ v, sqlite3_column_int(s, 2) != 0 };
                else
                        rec->cwes[*n] = v;
                (*n)++;
        }
        if (!r && rc != SQLITE_DONE)
                r = db_fail(db, rc, "cannot load records");
        sqlite3_finalize(s);
        return r;
}

int hvs_vuln_db_load(hvs_vuln_db *db, hvs_vuln_feed **ret) {
        hvs_vuln_feed *f = vuln_feed_alloc();
        if (!f)
                return -ENOMEM;
        sqlite3_stmt *s;
        int rc = sqlite3_prepare_v2(db->db,
                                    "SELECT id, source_identifier, published, last_modified, status, description, "
                                    "cvss_v2, cvss_v3, score_v2, score_v3 FROM vuln_cve ORDER BY id",
                                    -1, &s, NULL);
        int r = rc == SQLITE_OK ? 0 : db_fail(db, rc, "cannot load records");
        while (!r && (rc = sqlite3_step(s)) == SQLITE_ROW) {
                hvs_vuln_record rec = {
                        .id = col_dup(s, 0), .source_identifier = col_dup(s, 1), .published = col_dup(s, 2),
                        .last_modified = col_dup(s, 3), .status = col_dup(s, 4), .description = col_dup(s, 5),
                        .cvss_v2 = col_dup(s, 6), .cvss_v3 = col_dup(s, 7),
                        .score_v2 = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 8),
                        .score_v3 = sqlite3_column_type(s, 9) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 9),
                };
                if (!rec.id || !rec.source_identifier || !rec.published || !rec.last_modified || !rec.status ||
                    !rec.description || !rec.cvss_v2 || !rec.cvss_v3)
                        r = -ENOMEM;
                else
                        r = vuln_feed_take(f, &rec);
                vuln_record_clear(&rec);
        }
        if (!r && rc != SQLITE_DONE)
                r = db_fail(db, rc, "cannot load records");
        sqlite3_finalize(s);
        /* ORDER BY id uses SQLite's BINARY collation, the same order as strcmp(). */
        if (!r)
                r = load_lists(db, f, false);
        if (!r)
                r = load_lists(db, f, true);
        if (r < 0) {
                hvs_vuln_feed_free(f);
                return r;
        }
        *ret = f;
        return 0;
}
