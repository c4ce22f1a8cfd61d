/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rowhash.c - the canonical encoding E of docs/case.md and the hashes built
 * on it: rows hashes (what a custody row accounts for) and snapshot content
 * hashes. The column lists below are part of the format ("v1"): a later
 * schema that adds columns keeps these lists, so old hashes still verify.
 */
#include <inttypes.h>
#include "case-internal.h"

int case_hash_init(case_hash *h) {
        h->err = 0;
        h->md = EVP_MD_CTX_new();
        if (!h->md)
                return -ENOMEM;
        if (!EVP_DigestInit_ex(h->md, EVP_sha256(), NULL)) {
                EVP_MD_CTX_free(h->md);
                h->md = NULL;
                return -EIO;
        }
        return 0;
}

void case_hash_done(case_hash *h) {
        EVP_MD_CTX_free(h->md);
        h->md = NULL;
}

void case_hash_bytes(case_hash *h, const void *p, size_t n) {
        if (!h->err && n && !EVP_DigestUpdate(h->md, p, n))
                h->err = -EIO;
}

void case_hash_int(case_hash *h, int64_t v) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%" PRId64 "\n", v);
        case_hash_bytes(h, buf, (size_t)n);
}

void case_hash_text_len(case_hash *h, const char *s, size_t n) {
        if (!s) {
                case_hash_bytes(h, "-\n", 2);
                return;
        }
        char buf[32];
        int k = snprintf(buf, sizeof buf, "%zu:", n);
        case_hash_bytes(h, buf, (size_t)k);
        case_hash_bytes(h, s, n);
        case_hash_bytes(h, "\n", 1);
}

void case_hash_text(case_hash *h, const char *s) {
        case_hash_text_len(h, s, s ? strlen(s) : 0);
}

void case_hash_row(case_hash *h, sqlite3_stmt *st) {
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
                switch (sqlite3_column_type(st, i)) {
                case SQLITE_INTEGER:
                        case_hash_int(h, sqlite3_column_int64(st, i));
                        break;
                case SQLITE_NULL:
                        case_hash_text(h, NULL);
                        break;
                default: {
                        /* STRICT tables leave TEXT (and BLOB, which no column declares): hash the bytes. */
                        const char *s = (const char *)sqlite3_column_text(st, i);
                        int len = sqlite3_column_bytes(st, i);
                        if (!s) {
                                h->err = -ENOMEM;
                                return;
                        }
                        case_hash_text_len(h, s, (size_t)len);
                }
                }
        }
}

int case_hash_final(case_hash *h, char out[65]) {
        unsigned char d[32];
        unsigned n = 0;
        if (h->err || !EVP_DigestFinal_ex(h->md, d, &n) || n != 32) {
                int e = h->err ? h->err : -EIO;
                case_hash_done(h);
                return e;
        }
        case_hash_done(h);
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[64] = '\0';
        return 0;
}

/* ---- rows hashes ---- */

static const struct rows_table {
        const char *name;
        const char *sql;        /* ?1 first, ?2 last; ordered by id */
} rows_tables[] = {
        { "vms", "SELECT id, host, name, uuid, qmp, image, first_seen_ns FROM vms"
                 " WHERE id BETWEEN ?1 AND ?2 ORDER BY id" },
        { "acquisitions", "SELECT id, vm_id, kind, mode, path, size, sha256, compression, smeared, downtime_ns,"
                          " started_ns, finished_ns, tool_version, host, actor, status, detail_json FROM acquisitions"
                          " WHERE id BETWEEN ?1 AND ?2 ORDER BY id" },
        { "events", "SELECT id, vm_id, snapshot_id, ts_ns, guest_ts_ns, source, category, action, pid, comm, summary,"
                    " data_json FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id" },
        { "findings", "SELECT id, vm_id, snapshot_id, ts_ns, check_id, severity, title, explanation,"
                      " attack_technique, evidence_json FROM findings WHERE id BETWEEN ?1 AND ?2 ORDER BY id" },
        { "snapshots", NULL },
};

bool case_rows_table_known(const char *table) {
        for (size_t i = 0; i < ARRAY_SIZE(rows_tables); i++)
                if (!strcmp(rows_tables[i].name, table))
                        return true;
        return false;
}

static int step_error(sqlite3 *db, int rc, hvs_diag *d) {
        int e = case_errno(rc);
        return HVS_DIAG(d, e ? e : -EIO, "cannot read the case: %s", sqlite3_errmsg(db));
}

int case_rows_hash(sqlite3 *db, const char *table, int64_t first, int64_t last, char out[65], int64_t *ret_count,
                   hvs_diag *d) {
        const struct rows_table *t = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(rows_tables); i++)
                if (!strcmp(rows_tables[i].name, table))
                        t = &rows_tables[i];
        if (!t)
                return HVS_DIAG(d, -EINVAL, "no rows hash for table '%s'", table);
        if (first < 1 || last < first || last - first >= (int64_t)HVS_MAX_CASE_BATCH)
                return HVS_DIAG(d, -E2BIG, "row range %" PRId64 "..%" PRId64 " of '%s' is empty or over %u rows",
                                first, last, table, HVS_MAX_CASE_BATCH);
        if (!t->sql) {
                if (first != last)
                        return HVS_DIAG(d, -EINVAL, "a snapshot range must be one snapshot");
                int r = case_snapshot_hash(db, first, out, d);
                if (r == -ENOENT)
                        out[0] = '\0';
                if (ret_count)
                        *ret_count = r == 0;
                return r == -ENOENT ? 0 : r;
        }
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(db, t->sql, &st, d);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, first);
        sqlite3_bind_int64(st, 2, last);
        case_hash h;
        if ((r = case_hash_init(&h)) < 0)
                return HVS_DIAG(d, r, "cannot hash");
        case_hash_bytes(&h, "hvscope-rows-v1\n", 16);
        case_hash_text(&h, table);
        case_hash_int(&h, first);
        case_hash_int(&h, last);
        int64_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                case_hash_row(&h, st);
                n++;
        }
        if (rc != SQLITE_DONE) {
                case_hash_done(&h);
                return step_error(db, rc, d);
        }
        if ((r = case_hash_final(&h, out)) < 0)
                return HVS_DIAG(d, r, "cannot hash");
        if (ret_count)
                *ret_count = n;
        return 0;
}

/* ---- snapshot content hash ---- */

static const struct child_table {
        const char *name;
        const char *count_sql;
        const char *sql;
} children[] = {
        { "view_json", "SELECT count(*) FROM view_json WHERE snapshot_id = ?1",
          "SELECT view, json FROM view_json WHERE snapshot_id = ?1 ORDER BY view" },
        { "processes", "SELECT count(*) FROM processes WHERE snapshot_id = ?1",
          "SELECT id, pid, tgid, ppid, uid, gid, euid, egid, state, kthread, comm, cmdline, start_ns, threads,"
          " task_addr, mm_addr, start_boot_ns, partial FROM processes WHERE snapshot_id = ?1 ORDER BY id" },
        { "modules", "SELECT count(*) FROM modules WHERE snapshot_id = ?1",
          "SELECT id, name, base, size, state, taints, refcount, params_json, module_addr FROM modules"
          " WHERE snapshot_id = ?1 ORDER BY id" },
        { "sockets", "SELECT count(*) FROM sockets WHERE snapshot_id = ?1",
          "SELECT id, proto, family, state, local_addr, local_port, remote_addr, remote_port, path, inode,"
          " owners_json, sock_addr FROM sockets WHERE snapshot_id = ?1 ORDER BY id" },
        { "files", "SELECT count(*) FROM files WHERE snapshot_id = ?1",
          "SELECT id, pid, fd, type, path, flags, pos, deleted, inode, file_addr FROM files"
          " WHERE snapshot_id = ?1 ORDER BY id" },
        { "mappings", "SELECT count(*) FROM mappings WHERE snapshot_id = ?1",
          "SELECT id, pid, start, end, perms, pgoff, inode, kind, path, vma_addr FROM mappings"
          " WHERE snapshot_id = ?1 ORDER BY id" },
        { "credentials", "SELECT count(*) FROM credentials WHERE snapshot_id = ?1",
          "SELECT id, pid, uid, euid, suid, fsuid, gid, egid, sgid, fsgid, groups_json, cap_inheritable,"
          " cap_permitted, cap_effective, cap_bset, cap_ambient, ns_json, cgroup, cred_addr FROM credentials"
          " WHERE snapshot_id = ?1 ORDER BY id" },
        { "mounts", "SELECT count(*) FROM mounts WHERE snapshot_id = ?1",
          "SELECT id, mount_id, parent_id, device, path, fstype, readonly, mount_addr FROM mounts"
          " WHERE snapshot_id = ?1 ORDER BY id" },
};

static int hash_query(sqlite3 *db, case_hash *h, const char *sql, int64_t id, bool need_row, hvs_diag *d) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(db, sql, &st, d);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        int rc, rows = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                case_hash_row(h, st);
                rows++;
        }
        if (rc != SQLITE_DONE)
                return step_error(db, rc, d);
        if (need_row && rows == 0)
                return -ENOENT;
        return 0;
}

int case_snapshot_hash(sqlite3 *db, int64_t id, char out[65], hvs_diag *d) {
        case_hash h;
        int r = case_hash_init(&h);
        if (r < 0)
                return HVS_DIAG(d, r, "cannot hash");
        case_hash_bytes(&h, "hvscope-snapshot-v1\n", 20);
        r = hash_query(db, &h,
                       "SELECT id, vm_id, acquisition_id, taken_ns, guest_time_ns, guest_boot_ns, paused, source,"
                       " kernel_release, kernel_banner, hostname, label FROM snapshots WHERE id = ?1",
                       id, true, d);
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(children); i++) {
                case_hash_text(&h, children[i].name);
                r = hash_query(db, &h, children[i].count_sql, id, false, d);
                if (r == 0)
                        r = hash_query(db, &h, children[i].sql, id, false, d);
        }
        if (r < 0) {
                case_hash_done(&h);
                return r;
        }
        if ((r = case_hash_final(&h, out)) < 0)
                return HVS_DIAG(d, r, "cannot hash");
        return 0;
}
