/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* query.c - reading a case: VMs, acquisitions, snapshots, the custody log, stored view JSON. */
#include "case-internal.h"

static const char *col_text(sqlite3_stmt *st, int i) {
        return (const char *)sqlite3_column_text(st, i);
}

static int64_t col_i64_or(sqlite3_stmt *st, int i, int64_t dflt) {
        return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

static int walk_error(hvs_case *c, int rc) {
        int e = case_errno(rc);
        return HVS_DIAG(&c->diag, e ? e : -EIO, "cannot read case '%s': %s", c->path, sqlite3_errmsg(c->db));
}

int hvs_case_foreach_vm(hvs_case *c, int (*fn)(void *ud, const hvs_case_vm *v), void *ud) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db,
                             "SELECT id, host, name, uuid, qmp, image, kernel_banner, qemu_pid, first_seen_ns,"
                             " last_seen_ns FROM vms ORDER BY id",
                             &st, &c->diag);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                hvs_case_vm v = {
                        .id = sqlite3_column_int64(st, 0), .host = col_text(st, 1), .name = col_text(st, 2),
                        .uuid = col_text(st, 3), .qmp = col_text(st, 4), .image = col_text(st, 5),
                        .kernel_banner = col_text(st, 6), .qemu_pid = (int)col_i64_or(st, 7, 0),
                        .first_seen_ns = sqlite3_column_int64(st, 8), .last_seen_ns = sqlite3_column_int64(st, 9),
                };
                if ((r = fn(ud, &v)) != 0)
                        return r;
        }
        return rc == SQLITE_DONE ? 0 : walk_error(c, rc);
}

int hvs_case_foreach_acquisition(hvs_case *c, int (*fn)(void *ud, const hvs_case_acq *a), void *ud) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db,
                             "SELECT id, vm_id, kind, mode, path, sha256, compression, status, tool_version, host,"
                             " actor, detail_json, size, smeared, downtime_ns, started_ns, finished_ns"
                             " FROM acquisitions ORDER BY id",
                             &st, &c->diag);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                hvs_case_acq a = {
                        .id = sqlite3_column_int64(st, 0), .vm_id = col_i64_or(st, 1, 0), .kind = col_text(st, 2),
                        .mode = col_text(st, 3), .path = col_text(st, 4), .sha256 = col_text(st, 5),
                        .compression = col_text(st, 6), .status = col_text(st, 7), .tool_version = col_text(st, 8),
                        .host = col_text(st, 9), .actor = col_text(st, 10), .detail_json = col_text(st, 11),
                        .size = (uint64_t)col_i64_or(st, 12, 0), .smeared = sqlite3_column_int(st, 13) != 0,
                        .downtime_ns = col_i64_or(st, 14, -1), .started_ns = sqlite3_column_int64(st, 15),
                        .finished_ns = col_i64_or(st, 16, -1),
                };
                if ((r = fn(ud, &a)) != 0)
                        return r;
        }
        return rc == SQLITE_DONE ? 0 : walk_error(c, rc);
}

int hvs_case_foreach_snapshot(hvs_case *c, int (*fn)(void *ud, const hvs_case_snapshot *s), void *ud) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db,
                             "SELECT s.id, s.vm_id, s.acquisition_id, s.taken_ns, s.guest_time_ns, s.guest_boot_ns,"
                             " s.paused, s.source, s.kernel_release, s.hostname, s.label, s.content_sha256,"
                             " (SELECT count(*) FROM processes p WHERE p.snapshot_id = s.id),"
                             " (SELECT count(*) FROM modules m WHERE m.snapshot_id = s.id),"
                             " (SELECT count(*) FROM sockets k WHERE k.snapshot_id = s.id)"
                             " FROM snapshots s ORDER BY s.id",
                             &st, &c->diag);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                hvs_case_snapshot s = {
                        .id = sqlite3_column_int64(st, 0), .vm_id = col_i64_or(st, 1, 0),
                        .acquisition_id = col_i64_or(st, 2, 0), .taken_ns = sqlite3_column_int64(st, 3),
                        .guest_time_ns = col_i64_or(st, 4, 0), .guest_boot_ns = col_i64_or(st, 5, 0),
                        .paused = sqlite3_column_int(st, 6) != 0, .source = col_text(st, 7),
                        .kernel_release = col_text(st, 8), .hostname = col_text(st, 9), .label = col_text(st, 10),
                        .content_sha256 = col_text(st, 11), .n_processes = sqlite3_column_int64(st, 12),
                        .n_modules = sqlite3_column_int64(st, 13), .n_sockets = sqlite3_column_int64(st, 14),
                };
                if ((r = fn(ud, &s)) != 0)
                        return r;
        }
        return rc == SQLITE_DONE ? 0 : walk_error(c, rc);
}

int hvs_case_foreach_custody(hvs_case *c, int (*fn)(void *ud, const hvs_case_custody *r), void *ud) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db,
                             "SELECT seq, ts_ns, actor, host, tool_version, action, args_json, result_sha256,"
                             " prev_hash, hash FROM custody ORDER BY seq",
                             &st, &c->diag);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                hvs_case_custody row = {
                        .seq = sqlite3_column_int64(st, 0), .ts_ns = sqlite3_column_int64(st, 1),
                        .actor = col_text(st, 2), .host = col_text(st, 3), .tool_version = col_text(st, 4),
                        .action = col_text(st, 5), .args_json = col_text(st, 6), .result_sha256 = col_text(st, 7),
                        .prev_hash = col_text(st, 8), .hash = col_text(st, 9),
                };
                if ((r = fn(ud, &row)) != 0)
                        return r;
        }
        return rc == SQLITE_DONE ? 0 : walk_error(c, rc);
}

int hvs_case_get_view_json(hvs_case *c, int64_t snapshot_id, const char *view, char **ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db, "SELECT json FROM view_json WHERE snapshot_id = ?1 AND view = ?2", &st, &c->diag);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, snapshot_id);
        case_bind_text(st, 2, view);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return HVS_DIAG(&c->diag, -ENOENT, "no view '%s' in snapshot %lld", view, (long long)snapshot_id);
        if (rc != SQLITE_ROW)
                return walk_error(c, rc);
        const char *t = col_text(st, 0);
        char *s = t ? hvs_strdup(t) : NULL;
        if (!s)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        *ret = s;
        return 0;
}
