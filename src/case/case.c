/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case.c - opening a case: checks on the file before SQLite sees it (so a
 * truncated or foreign file gets a precise error), pragmas, migrations, the
 * identity written into every custody row, and the statement helpers.
 */
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <json-c/json.h>
#include "case-internal.h"

/* ---- statements ---- */

int case_errno(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_NOMEM: return -ENOMEM;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_FORMAT:
        case SQLITE_SCHEMA:
        case SQLITE_MISMATCH:
                return -EBADMSG;
        case SQLITE_FULL: return -ENOSPC;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_READONLY: return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_CANTOPEN: return -EACCES;
        case SQLITE_CONSTRAINT:
        case SQLITE_RANGE:
        case SQLITE_TOOBIG:
                return -EINVAL;
        default: return -EIO;
        }
}

int case_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, hvs_diag *d) {
        int rc = sqlite3_prepare_v2(db, sql, -1, ret, NULL);
        if (rc != SQLITE_OK) {
                *ret = NULL;
                return HVS_DIAG(d, case_errno(rc) ? case_errno(rc) : -EIO, "cannot read the case: %s",
                                sqlite3_errmsg(db));
        }
        return 0;
}

int case_exec_stmt(sqlite3 *db, sqlite3_stmt *st, const char *what, hvs_diag *d) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
        if (rc != SQLITE_DONE) {
                int e = case_errno(rc);
                return HVS_DIAG(d, e ? e : -EIO, "%s: %s", what, sqlite3_errmsg(db));
        }
        sqlite3_reset(st);
        return 0;
}

int case_exec(sqlite3 *db, const char *sql, hvs_diag *d) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(db, sql, &st, d);
        if (r < 0)
                return r;
        return case_exec_stmt(db, st, sql, d);
}

int case_bind_text(sqlite3_stmt *st, int i, const char *s) {
        return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int case_bind_opt_i64(sqlite3_stmt *st, int i, bool have, int64_t v) {
        return have ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int case_begin(hvs_case *c) {
        if (c->flags & HVS_CASE_READONLY)
                return HVS_DIAG(&c->diag, -EROFS, "case '%s' is open read-only", c->path);
        return case_exec(c->db, "BEGIN IMMEDIATE", &c->diag);
}

int case_commit(hvs_case *c) {
        int r = case_exec(c->db, "COMMIT", &c->diag);
        if (r < 0)
                case_rollback(c);
        return r;
}

void case_rollback(hvs_case *c) {
        if (!sqlite3_get_autocommit(c->db))
                (void)case_exec(c->db, "ROLLBACK", NULL);
}

int64_t case_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool case_is_sha256(const char *s) {
        if (!s || strlen(s) != 64)
                return false;
        for (size_t i = 0; i < 64; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

int case_json_valid(hvs_case *c, const char *json, bool *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db, "SELECT json_valid(?1)", &st, &c->diag);
        if (r < 0)
                return r;
        case_bind_text(st, 1, json);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return HVS_DIAG(&c->diag, case_errno(rc) ? case_errno(rc) : -EIO, "cannot check JSON: %s",
                                sqlite3_errmsg(c->db));
        *ret = sqlite3_column_int(st, 0) == 1;
        return 0;
}

/* ---- identity ---- */

static int identity(hvs_case *c) {
        uid_t uid = getuid();
        struct passwd pw, *res = NULL;
        char buf[4096];
        const char *name = getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res ? res->pw_name : "?";
        char actor[512];
        snprintf(actor, sizeof actor, "%s (%u)", name, (unsigned)uid);
        struct utsname u;
        const char *host = uname(&u) == 0 ? u.nodename : "?";
        c->actor = hvs_strdup(actor);
        c->host = hvs_strdup(host);
        return c->actor && c->host ? 0 : -ENOMEM;
}

/* ---- opening ---- */

const char *hvs_case_default_path(void) {
        const char *e = getenv("HVS_CASE");
        return e && e[0] ? e : HVS_CASE_DEFAULT_PATH;
}

int hvs_case_schema_version(void) {
        return case_schema_last_version(hvs_case_schema_sql);
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Look at the file before SQLite does: SQLite treats an empty file as an
 * empty database and reports a foreign file only on first use, with words
 * ("file is not a database") that do not name the file or say "truncated".
 */
static int precheck(const char *path, hvs_diag *d) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return HVS_DIAG(d, -errno, "cannot open case '%s': %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return HVS_DIAG(d, -errno, "cannot open case '%s': %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return HVS_BADMSG(d, "case '%s' is not a regular file", path);
        if (st.st_size == 0)
                return HVS_BADMSG(d, "case '%s' is empty (truncated?): not a case file", path);
        uint8_t h[100];
        ssize_t n = pread(fd, h, sizeof h, 0);
        if (n < 0)
                return HVS_DIAG(d, -errno, "cannot read case '%s': %s", path, strerror(errno));
        if ((size_t)n < 16 || memcmp(h, "SQLite format 3", 16) != 0)
                return HVS_BADMSG(d, "'%s' is not a case: not an SQLite database", path);
        if ((size_t)n < sizeof h)
                return HVS_BADMSG(d, "case '%s' is truncated: %zd bytes, shorter than an SQLite header", path, n);
        uint32_t page = (uint32_t)h[16] << 8 | h[17];
        if (page == 1)
                page = 65536;
        uint32_t pages = be32(h + 28);
        /* The in-header size is valid only when the change counter matches (fileformat.html 1.3.8). */
        if (pages && be32(h + 24) == be32(h + 92)) {
                uint64_t want = (uint64_t)page * pages;
                if ((uint64_t)st.st_size < want)
                        return HVS_BADMSG(d, "case '%s' is truncated: %lld bytes, its header says %llu", path,
                                          (long long)st.st_size, (unsigned long long)want);
        }
        return 0;
}

static int pragma_int(hvs_case *c, const char *sql, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                int e = case_errno(rc);
                if (e == -EBADMSG)
                        return HVS_BADMSG(&c->diag, "'%s' is not a readable case: %s", c->path, sqlite3_errmsg(c->db));
                return HVS_DIAG(&c->diag, e ? e : -EIO, "cannot read case '%s': %s", c->path, sqlite3_errmsg(c->db));
        }
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

/* The first custody row of a new case, or the record of a migration: in the migration's transaction. */
static int migrated(void *ud, int from, int to) {
        hvs_case *c = ud;
        json_object *a = json_object_new_object();
        if (!a)
                return -ENOMEM;
        json_object_object_add(a, "schema_from", json_object_new_int(from));
        json_object_object_add(a, "schema_to", json_object_new_int(to));
        if (from == 0)
                json_object_object_add(a, "path", json_object_new_string(c->path));
        return case_custody_append(c, from == 0 ? "create" : "migrate", a, NULL, 0, NULL, NULL);
}

int hvs_case_open(const char *path, unsigned flags, hvs_diag *diag, hvs_case **ret) {
        if (!path || !path[0] || !ret || (flags & ~(HVS_CASE_CREATE | HVS_CASE_READONLY)) ||
            (flags & HVS_CASE_CREATE && flags & HVS_CASE_READONLY))
                return HVS_DIAG(diag, -EINVAL, "invalid arguments to open a case");
        struct stat st;
        bool exists = stat(path, &st) == 0;
        if (!exists && errno != ENOENT)
                return HVS_DIAG(diag, -errno, "cannot open case '%s': %s", path, strerror(errno));
        if (!exists && !(flags & HVS_CASE_CREATE))
                return HVS_DIAG(diag, -ENOENT, "case '%s' does not exist", path);
        int r;
        if (exists && (r = precheck(path, diag)) < 0)
                return r;

        hvs_case *c = hvs_calloc(1, sizeof *c);
        if (!c)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        c->flags = flags;
        if (!(c->path = hvs_strdup(path)) || identity(c) < 0) {
                hvs_case_close(c);
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        }
        int oflags = flags & HVS_CASE_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
        if (!exists)
                oflags |= SQLITE_OPEN_CREATE;
        int rc = sqlite3_open_v2(path, &c->db, oflags, NULL);
        if (rc != SQLITE_OK) {
                r = HVS_DIAG(diag, case_errno(rc) ? case_errno(rc) : -EIO, "cannot open case '%s': %s", path,
                             c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
                hvs_case_close(c);
                return r;
        }
        sqlite3_extended_result_codes(c->db, 1);
        /* A collect holds the write lock while it reads the guest (readers are not blocked):
         * another writer waits for it rather than failing at once. */
        sqlite3_busy_timeout(c->db, HVS_CASE_BUSY_TIMEOUT_MS);

        int64_t app = 0, ver = 0, ntables = 0;
        if ((r = pragma_int(c, "PRAGMA application_id", &app)) < 0 ||
            (r = pragma_int(c, "PRAGMA user_version", &ver)) < 0 ||
            (r = pragma_int(c, "SELECT count(*) FROM sqlite_schema", &ntables)) < 0)
                goto fail;
        int last = hvs_case_schema_version();
        if (app != HVS_CASE_APPLICATION_ID && (ver != 0 || ntables != 0 || app != 0 || exists)) {
                r = HVS_BADMSG(&c->diag, "'%s' is an SQLite database but not a hvscope case", path);
                goto fail;
        }
        if (ver > last) {
                r = HVS_DIAG(&c->diag, -EPROTONOSUPPORT,
                             "case '%s' has schema version %lld, newer than this hvscope (%s) knows (%d): "
                             "use a newer hvscope",
                             path, (long long)ver, HVS_VERSION_STRING, last);
                goto fail;
        }
        if (flags & HVS_CASE_READONLY) {
                if (ver < last) {
                        r = HVS_DIAG(&c->diag, -EROFS,
                                     "case '%s' has schema version %lld and needs an upgrade to %d: "
                                     "run 'hvscope case upgrade --case %s'",
                                     path, (long long)ver, last, path);
                        goto fail;
                }
                if ((r = case_exec(c->db, "PRAGMA query_only = 1", &c->diag)) < 0)
                        goto fail;
        } else {
                /* One file at rest (no -wal/-shm beside it), and durable commits. */
                if ((r = case_exec(c->db, "PRAGMA journal_mode = DELETE", &c->diag)) < 0 ||
                    (r = case_exec(c->db, "PRAGMA synchronous = FULL", &c->diag)) < 0)
                        goto fail;
        }
        if ((r = case_exec(c->db, "PRAGMA foreign_keys = ON", &c->diag)) < 0)
                goto fail;
        if (!(flags & HVS_CASE_READONLY) && ver < last) {
                int from;
                r = case_migrate(c->db, hvs_case_schema_sql, &c->diag, &from, migrated, c);
                if (r < 0)
                        goto fail;
        }
        *ret = c;
        return 0;
fail:
        hvs_diag_copy(diag, &c->diag);
        if (diag && !diag->msg[0])
                HVS_DIAG(diag, r, "cannot open case '%s'", path);
        bool created = !exists;
        hvs_case_close(c);
        if (created)
                (void)unlink(path);    /* a case that never came to be leaves no file behind */
        return r;
}

hvs_case *hvs_case_close(hvs_case *c) {
        if (!c)
                return NULL;
        if (c->open_snap)
                hvs_case_snapshot_abort(c->open_snap);
        if (c->db)
                sqlite3_close_v2(c->db);
        free(c->path);
        free(c->actor);
        free(c->host);
        free(c->argv_json);
        free(c);
        return NULL;
}

struct sqlite3 *hvs_case_db(hvs_case *c) {
        return c ? c->db : NULL;
}

const char *hvs_case_path(const hvs_case *c) {
        return c->path;
}

const char *hvs_case_errmsg(const hvs_case *c) {
        return c ? c->diag.msg : "";
}

int hvs_case_set_command(hvs_case *c, int argc, char *const *argv) {
        free(c->argv_json);
        c->argv_json = NULL;
        if (!argv)
                return 0;
        json_object *a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (int i = 0; i < argc; i++)
                json_object_array_add(a, json_object_new_string(argv[i] ? argv[i] : ""));
        const char *s = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = 0;
        if (!s)
                r = -ENOMEM;
        else if (strlen(s) > HVS_MAX_CASE_ARGS_JSON / 2)
                r = HVS_DIAG(&c->diag, -E2BIG, "command line longer than %u bytes", HVS_MAX_CASE_ARGS_JSON / 2);
        else if (!(c->argv_json = hvs_strdup(s)))
                r = -ENOMEM;
        json_object_put(a);
        return r;
}
