/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* case-internal.h - shared by the files of src/case (the evidence store). */
#ifndef HVS_CASE_INTERNAL_H
#define HVS_CASE_INTERNAL_H

#include <sqlite3.h>
#include <openssl/evp.h>
#include <hvscope/case.h>
#include "util/util.h"

/* The schema this program carries (generated from schema.sql). */
extern const char hvs_case_schema_sql[];
extern const size_t hvs_case_schema_sql_len;

struct hvs_case {
        sqlite3 *db;
        char *path;
        unsigned flags;
        char *actor;            /* "name (uid)" */
        char *host;             /* uname nodename */
        char *argv_json;        /* JSON array of the command line, or NULL */
        struct hvs_case_snap *open_snap;
        hvs_diag diag;
};

/* ---- statements (case.c) ---- */
static inline void stmt_finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(stmt_finalizep)

/* -errno for an SQLite result code. */
int case_errno(int rc);
/* Prepare @sql on @db; on failure records "what: sqlite message" in @d. */
int case_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, hvs_diag *d);
/* Step a statement that returns no row (or whose rows are ignored): 0 or -errno with detail. */
int case_exec_stmt(sqlite3 *db, sqlite3_stmt *st, const char *what, hvs_diag *d);
/* Run one constant statement (no parameters). */
int case_exec(sqlite3 *db, const char *sql, hvs_diag *d);
/* Bind helpers: NULL string binds NULL. */
int case_bind_text(sqlite3_stmt *st, int i, const char *s);
int case_bind_opt_i64(sqlite3_stmt *st, int i, bool have, int64_t v);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int case_begin(hvs_case *c);
int case_commit(hvs_case *c);
void case_rollback(hvs_case *c);

/* Host time now, ns since the epoch. */
int64_t case_now_ns(void);
/* Whether @s is 64 lowercase hex digits. */
bool case_is_sha256(const char *s);
/* Whether @json is one valid JSON text (SQLite's json_valid). */
int case_json_valid(hvs_case *c, const char *json, bool *ret);

/* ---- row hashes (rowhash.c) ---- */

/* A SHA-256 being computed over the canonical encoding E of docs/case.md. */
typedef struct case_hash {
        EVP_MD_CTX *md;
        int err;
} case_hash;

int case_hash_init(case_hash *h);
void case_hash_done(case_hash *h);      /* frees; safe after _final */
void case_hash_bytes(case_hash *h, const void *p, size_t n);
void case_hash_int(case_hash *h, int64_t v);            /* E(integer) */
void case_hash_text(case_hash *h, const char *s);       /* E(text), NULL = E(NULL) */
void case_hash_text_len(case_hash *h, const char *s, size_t n);
/* E(column) of the current row of @st for each of its columns. */
void case_hash_row(case_hash *h, sqlite3_stmt *st);
/* Finish into 65 bytes of lowercase hex. Return: 0; -ENOMEM/-EIO. */
int case_hash_final(case_hash *h, char out[65]);

/* Tables whose rows a custody row accounts for, with the columns hashed. */
bool case_rows_table_known(const char *table);
/*
 * The rows hash of @table ids @first..@last (docs/case.md "Row hashes");
 * for "snapshots", @first must equal @last and the result is the snapshot's
 * content hash. @ret_count: nullable, rows found in the range.
 */
int case_rows_hash(sqlite3 *db, const char *table, int64_t first, int64_t last, char out[65], int64_t *ret_count,
                   hvs_diag *d);
/* The content hash of snapshot @id (docs/case.md "Snapshot content hash"). */
int case_snapshot_hash(sqlite3 *db, int64_t id, char out[65], hvs_diag *d);

/* ---- custody (custody.c) ---- */

/* A set of rows one custody row accounts for. */
struct case_rows_ref {
        const char *table;
        int64_t first, last;
};

/*
 * Append a custody row inside the caller's transaction: @action, the
 * arguments (@extra: a json-c object, taken; may be NULL) plus the command
 * line and the rows hashes of @refs, and @result_sha256 (nullable).
 * Also records the new head in meta. @ret_seq nullable.
 */
struct json_object;
int case_custody_append(hvs_case *c, const char *action, struct json_object *extra, const struct case_rows_ref *refs,
                        size_t n_refs, const char *result_sha256, int64_t *ret_seq);
/* The hash of a custody row from its fields. */
int case_custody_row_hash(const hvs_case_custody *r, char out[65]);

/* ---- records (records.c) ---- */

/*
 * Find or add the VM of @r inside the caller's transaction; @ret_id is 0
 * when @r names no VM; @ret_added tells whether a row was added.
 */
int case_vm_upsert(hvs_case *c, const hvs_vm_record *r, int64_t *ret_id, bool *ret_added);

/* ---- migrations (migrate.c) ---- */

/* Called inside the transaction of the last section, before COMMIT. */
typedef int (*case_migrate_hook)(void *ud, int from, int to);
int case_migrate(sqlite3 *db, const char *schema, hvs_diag *d, int *ret_from, case_migrate_hook hook, void *ud);
/* The highest "-- migrate N" of @schema; -EBADMSG if malformed. */
int case_schema_last_version(const char *schema);

#endif
