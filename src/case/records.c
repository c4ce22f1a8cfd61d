/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* records.c - VMs, acquisitions, events and findings: each one transaction with its custody row. */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "case-internal.h"

/* The path as stored: absolute, symbolic links resolved when the file exists. */
static char *abs_path(const char *p) {
        char *rp = realpath(p, NULL);
        if (rp)
                return rp;
        if (p[0] == '/')
                return hvs_strdup(p);
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
                return hvs_strdup(p);
        size_t n = strlen(cwd) + strlen(p) + 2;
        char *s = hvs_malloc(n);
        if (s)
                snprintf(s, n, "%s/%s", cwd, p);
        return s;
}

static bool vm_named(const hvs_vm_record *r) {
        return r->name || r->uuid || r->qmp_path || r->image;
}

int case_vm_upsert(hvs_case *c, const hvs_vm_record *r, int64_t *ret_id, bool *ret_added) {
        *ret_id = 0;
        *ret_added = false;
        if (!vm_named(r))
                return 0;
        /* One VM, however its paths were spelled on the command line. */
        _cleanup_free_ char *qmp = r->qmp_path ? abs_path(r->qmp_path) : NULL;
        _cleanup_free_ char *image = r->image ? abs_path(r->image) : NULL;
        if ((r->qmp_path && !qmp) || (r->image && !image))
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        int64_t seen = r->seen_ns ? r->seen_ns : case_now_ns();
        _cleanup_stmt_ sqlite3_stmt *find = NULL;
        int rc, e;
        if (r->uuid)
                e = case_prepare(c->db, "SELECT id FROM vms WHERE host = ?1 AND uuid = ?2 ORDER BY id LIMIT 1", &find,
                                 &c->diag);
        else
                e = case_prepare(c->db,
                                 "SELECT id FROM vms WHERE host = ?1 AND name IS ?3 AND qmp IS ?4"
                                 " AND image IS ?5 ORDER BY id LIMIT 1",
                                 &find, &c->diag);
        if (e < 0)
                return e;
        case_bind_text(find, 1, c->host);
        if (r->uuid)
                case_bind_text(find, 2, r->uuid);
        else {
                case_bind_text(find, 3, r->name);
                case_bind_text(find, 4, qmp);
                case_bind_text(find, 5, image);
        }
        rc = sqlite3_step(find);
        if (rc == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(find, 0);
                _cleanup_stmt_ sqlite3_stmt *up = NULL;
                if ((e = case_prepare(c->db,
                                      "UPDATE vms SET last_seen_ns = max(last_seen_ns, ?2),"
                                      " qemu_pid = coalesce(?3, qemu_pid), kernel_banner = coalesce(?4, kernel_banner)"
                                      " WHERE id = ?1",
                                      &up, &c->diag)) < 0)
                        return e;
                sqlite3_bind_int64(up, 1, id);
                sqlite3_bind_int64(up, 2, seen);
                case_bind_opt_i64(up, 3, r->qemu_pid > 0, r->qemu_pid);
                case_bind_text(up, 4, r->kernel_banner);
                if ((e = case_exec_stmt(c->db, up, "cannot update the VM", &c->diag)) < 0)
                        return e;
                *ret_id = id;
                return 0;
        }
        if (rc != SQLITE_DONE)
                return HVS_DIAG(&c->diag, case_errno(rc) ? case_errno(rc) : -EIO, "cannot look up the VM: %s",
                                sqlite3_errmsg(c->db));
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        if ((e = case_prepare(c->db,
                              "INSERT INTO vms(host, name, uuid, qmp, qemu_pid, image, kernel_banner, first_seen_ns,"
                              " last_seen_ns) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                              &ins, &c->diag)) < 0)
                return e;
        case_bind_text(ins, 1, c->host);
        case_bind_text(ins, 2, r->name);
        case_bind_text(ins, 3, r->uuid);
        case_bind_text(ins, 4, qmp);
        case_bind_opt_i64(ins, 5, r->qemu_pid > 0, r->qemu_pid);
        case_bind_text(ins, 6, image);
        case_bind_text(ins, 7, r->kernel_banner);
        sqlite3_bind_int64(ins, 8, seen);
        if ((e = case_exec_stmt(c->db, ins, "cannot add the VM", &c->diag)) < 0)
                return e;
        *ret_id = sqlite3_last_insert_rowid(c->db);
        *ret_added = true;
        return 0;
}

int hvs_case_add_vm(hvs_case *c, const hvs_vm_record *r, int64_t *ret_id) {
        if (!c || !r || !vm_named(r))
                return HVS_DIAG(c ? &c->diag : NULL, -EINVAL, "a VM needs a name, UUID, QMP socket or image");
        if (c->open_snap)
                return HVS_DIAG(&c->diag, -EBUSY, "a snapshot is being written");
        int e = case_begin(c);
        if (e < 0)
                return e;
        int64_t id;
        bool added;
        e = case_vm_upsert(c, r, &id, &added);
        if (e == 0 && added) {
                struct case_rows_ref ref = { "vms", id, id };
                json_object *a = json_object_new_object();
                json_object_object_add(a, "vm_id", json_object_new_int64(id));
                e = case_custody_append(c, "vm", a, &ref, 1, NULL, NULL);
        }
        if (e == 0)
                e = case_commit(c);
        if (e < 0) {
                case_rollback(c);
                return e;
        }
        if (ret_id)
                *ret_id = id;
        return 0;
}

static bool one_of(const char *s, const char *const *set) {
        for (; s && *set; set++)
                if (!strcmp(s, *set))
                        return true;
        return false;
}

static int check_json(hvs_case *c, const char *json, const char *what) {
        if (!json)
                return 0;
        bool ok;
        int e = case_json_valid(c, json, &ok);
        if (e < 0)
                return e;
        return ok ? 0 : HVS_DIAG(&c->diag, -EINVAL, "%s is not valid JSON", what);
}

int hvs_case_add_acquisition(hvs_case *c, const hvs_acq_record *r, int64_t *ret_id) {
        static const char *const kinds[] = { "memory", "registers", NULL };
        static const char *const statuses[] = { "complete", "failed", "partial", NULL };
        if (!c || !r)
                return -EINVAL;
        if (!one_of(r->kind, kinds))
                return HVS_DIAG(&c->diag, -EINVAL, "acquisition kind '%s' is not memory or registers",
                                r->kind ? r->kind : "(none)");
        if (!one_of(r->status, statuses))
                return HVS_DIAG(&c->diag, -EINVAL, "acquisition status '%s' is not complete, failed or partial",
                                r->status ? r->status : "(none)");
        if (r->sha256 && !case_is_sha256(r->sha256))
                return HVS_DIAG(&c->diag, -EINVAL, "acquisition SHA-256 '%s' is not 64 lowercase hex digits", r->sha256);
        if (r->size > INT64_MAX)
                return HVS_DIAG(&c->diag, -EINVAL, "acquisition size out of range");
        int64_t started = r->started_ns > 0 ? r->started_ns : case_now_ns();
        if (c->open_snap)
                return HVS_DIAG(&c->diag, -EBUSY, "a snapshot is being written");
        int e = check_json(c, r->detail_json, "the acquisition's detail");
        if (e < 0)
                return e;
        _cleanup_free_ char *path = r->path ? abs_path(r->path) : NULL;
        if (r->path && !path)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        if ((e = case_begin(c)) < 0)
                return e;
        hvs_vm_record vm = { .name = r->vm_name, .uuid = r->vm_uuid, .qmp_path = r->qmp_path,
                             .qemu_pid = r->qemu_pid, .seen_ns = started };
        int64_t vm_id = 0, id = 0;
        bool added = false;
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        e = case_vm_upsert(c, &vm, &vm_id, &added);
        if (e == 0)
                e = case_prepare(c->db,
                                 "INSERT INTO acquisitions(vm_id, kind, mode, path, size, sha256, compression, smeared,"
                                 " downtime_ns, started_ns, finished_ns, tool_version, host, actor, status, detail_json)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                                 &ins, &c->diag);
        if (e == 0) {
                case_bind_opt_i64(ins, 1, vm_id > 0, vm_id);
                case_bind_text(ins, 2, r->kind);
                case_bind_text(ins, 3, r->mode);
                case_bind_text(ins, 4, path);
                sqlite3_bind_int64(ins, 5, (int64_t)r->size);
                case_bind_text(ins, 6, r->sha256);
                case_bind_text(ins, 7, r->compression);
                sqlite3_bind_int(ins, 8, r->smeared);
                case_bind_opt_i64(ins, 9, r->downtime_ns >= 0, r->downtime_ns);
                sqlite3_bind_int64(ins, 10, started);
                case_bind_opt_i64(ins, 11, r->finished_ns > 0, r->finished_ns);
                case_bind_text(ins, 12, HVS_VERSION_STRING);
                case_bind_text(ins, 13, c->host);
                case_bind_text(ins, 14, c->actor);
                case_bind_text(ins, 15, r->status);
                case_bind_text(ins, 16, r->detail_json);
                e = case_exec_stmt(c->db, ins, "cannot add the acquisition", &c->diag);
        }
        if (e == 0) {
                id = sqlite3_last_insert_rowid(c->db);
                struct case_rows_ref refs[2];
                size_t n = 0;
                if (added)
                        refs[n++] = (struct case_rows_ref){ "vms", vm_id, vm_id };
                refs[n++] = (struct case_rows_ref){ "acquisitions", id, id };
                json_object *a = json_object_new_object();
                json_object_object_add(a, "acquisition_id", json_object_new_int64(id));
                json_object_object_add(a, "kind", json_object_new_string(r->kind));
                if (r->mode)
                        json_object_object_add(a, "mode", json_object_new_string(r->mode));
                if (path)
                        json_object_object_add(a, "path", json_object_new_string(path));
                json_object_object_add(a, "status", json_object_new_string(r->status));
                e = case_custody_append(c, "acquire", a, refs, n, r->sha256, NULL);
        }
        if (e == 0)
                e = case_commit(c);
        if (e < 0) {
                case_rollback(c);
                return e;
        }
        if (ret_id)
                *ret_id = id;
        return 0;
}

/* ---- events and findings ---- */

static int check_ref(hvs_case *c, const char *sql, int64_t id, const char *what) {
        if (id == 0)
                return 0;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = case_prepare(c->db, sql, &st, &c->diag);
        if (e < 0)
                return e;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 0;
        if (rc == SQLITE_DONE)
                return HVS_DIAG(&c->diag, -EINVAL, "no %s %" PRId64 " in the case", what, id);
        return HVS_DIAG(&c->diag, case_errno(rc) ? case_errno(rc) : -EIO, "%s", sqlite3_errmsg(c->db));
}

static int check_refs(hvs_case *c, int64_t vm_id, int64_t snapshot_id) {
        int e = check_ref(c, "SELECT 1 FROM vms WHERE id = ?1", vm_id, "VM");
        if (e == 0)
                e = check_ref(c, "SELECT 1 FROM snapshots WHERE id = ?1", snapshot_id, "snapshot");
        return e;
}

static int finish_batch(hvs_case *c, const char *action, const char *table, int64_t first, int64_t last,
                        size_t n, int64_t *ret_first_id) {
        struct case_rows_ref ref = { table, first, last };
        json_object *a = json_object_new_object();
        json_object_object_add(a, "count", json_object_new_int64((int64_t)n));
        char h[65];
        int e = case_rows_hash(c->db, table, first, last, h, NULL, &c->diag);
        if (e == 0)
                e = case_custody_append(c, action, a, &ref, 1, h, NULL);
        else
                json_object_put(a);
        if (e == 0)
                e = case_commit(c);
        if (e < 0) {
                case_rollback(c);
                return e;
        }
        if (ret_first_id)
                *ret_first_id = first;
        return 0;
}

/*
 * A batch of records of one kind: one transaction, ids consecutive from the
 * first, one custody row (action: the table's name) over all of them.
 */
struct batch {
        const char *table;      /* "events"; also the custody action */
        const char *one;        /* "event", as in "event ids are not consecutive" */
        const char *add_err;    /* "cannot add an event" */
        const char *sql;        /* the INSERT */
        /* Checks record @i of @recs and binds it to @ins: 0, or -errno (diag set). */
        int (*bind)(hvs_case *c, sqlite3_stmt *ins, const void *recs, size_t i);
};

static int add_batch(hvs_case *c, const struct batch *b, const void *recs, size_t n, int64_t *ret_first_id) {
        if (n == 0 || n > HVS_MAX_CASE_BATCH)
                return HVS_DIAG(&c->diag, -EINVAL, "a batch of %s holds 1 to %u records", b->table,
                                HVS_MAX_CASE_BATCH);
        if (c->open_snap)
                return HVS_DIAG(&c->diag, -EBUSY, "a snapshot is being written");
        int e = case_begin(c);
        if (e < 0)
                return e;
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        e = case_prepare(c->db, b->sql, &ins, &c->diag);
        int64_t first = 0, last = 0;
        for (size_t i = 0; e == 0 && i < n; i++) {
                sqlite3_reset(ins);
                if ((e = b->bind(c, ins, recs, i)) < 0 || (e = case_exec_stmt(c->db, ins, b->add_err, &c->diag)) < 0)
                        break;
                last = sqlite3_last_insert_rowid(c->db);
                if (i == 0)
                        first = last;
                else if (last != first + (int64_t)i)
                        e = HVS_DIAG(&c->diag, -EIO, "%s ids are not consecutive", b->one);
        }
        if (e < 0) {
                case_rollback(c);
                return e;
        }
        return finish_batch(c, b->table, b->table, first, last, n, ret_first_id);
}

static int bind_event(hvs_case *c, sqlite3_stmt *ins, const void *recs, size_t i) {
        const hvs_event_record *r = (const hvs_event_record *)recs + i;
        if (!r->source || !r->category || !r->action || !r->summary || r->ts_ns <= 0)
                return HVS_DIAG(&c->diag, -EINVAL,
                                "event %zu: time, source, category, action and summary are required", i);
        int e;
        if ((e = check_refs(c, r->vm_id, r->snapshot_id)) < 0 ||
            (e = check_json(c, r->data_json, "an event's data")) < 0)
                return e;
        case_bind_opt_i64(ins, 1, r->vm_id > 0, r->vm_id);
        case_bind_opt_i64(ins, 2, r->snapshot_id > 0, r->snapshot_id);
        sqlite3_bind_int64(ins, 3, r->ts_ns);
        case_bind_opt_i64(ins, 4, r->guest_ts_ns != 0, r->guest_ts_ns);
        case_bind_text(ins, 5, r->source);
        case_bind_text(ins, 6, r->category);
        case_bind_text(ins, 7, r->action);
        case_bind_opt_i64(ins, 8, r->pid >= 0, r->pid);
        case_bind_text(ins, 9, r->comm);
        case_bind_text(ins, 10, r->summary);
        case_bind_text(ins, 11, r->data_json);
        return 0;
}

int hvs_case_add_events(hvs_case *c, const hvs_event_record *ev, size_t n, int64_t *ret_first_id) {
        static const struct batch b = {
                .table = "events",
                .one = "event",
                .add_err = "cannot add an event",
                .sql = "INSERT INTO events(vm_id, snapshot_id, ts_ns, guest_ts_ns, source, category, action, pid,"
                       " comm, summary, data_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                .bind = bind_event,
        };
        if (!c || (!ev && n))
                return -EINVAL;
        return add_batch(c, &b, ev, n, ret_first_id);
}

static int bind_finding(hvs_case *c, sqlite3_stmt *ins, const void *recs, size_t i) {
        static const char *const severities[] = { "info", "low", "medium", "high", "critical", NULL };
        const hvs_finding_record *r = (const hvs_finding_record *)recs + i;
        if (!r->check_id || !r->title || r->ts_ns <= 0)
                return HVS_DIAG(&c->diag, -EINVAL, "finding %zu: time, check id and title are required", i);
        if (!one_of(r->severity, severities))
                return HVS_DIAG(&c->diag, -EINVAL, "finding %zu: severity '%s' is not info, low, medium, high"
                                " or critical", i, r->severity ? r->severity : "(none)");
        int e;
        if ((e = check_refs(c, r->vm_id, r->snapshot_id)) < 0 ||
            (e = check_json(c, r->evidence_json, "a finding's evidence")) < 0)
                return e;
        case_bind_opt_i64(ins, 1, r->vm_id > 0, r->vm_id);
        case_bind_opt_i64(ins, 2, r->snapshot_id > 0, r->snapshot_id);
        sqlite3_bind_int64(ins, 3, r->ts_ns);
        case_bind_text(ins, 4, r->check_id);
        case_bind_text(ins, 5, r->severity);
        case_bind_text(ins, 6, r->title);
        case_bind_text(ins, 7, r->explanation);
        case_bind_text(ins, 8, r->attack_technique);
        case_bind_text(ins, 9, r->evidence_json);
        return 0;
}

int hvs_case_add_findings(hvs_case *c, const hvs_finding_record *f, size_t n, int64_t *ret_first_id) {
        static const struct batch b = {
                .table = "findings",
                .one = "finding",
                .add_err = "cannot add a finding",
                .sql = "INSERT INTO findings(vm_id, snapshot_id, ts_ns, check_id, severity, title, explanation,"
                       " attack_technique, evidence_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                .bind = bind_finding,
        };
        if (!c || (!f && n))
                return -EINVAL;
        return add_batch(c, &b, f, n, ret_first_id);
}
