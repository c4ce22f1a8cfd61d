/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot.c - one reading of the guest views stored as one transaction:
 * begin (VM, a "views" acquisition, the snapshot row), the typed artifact
 * rows and the views' JSON, then commit (content hash, custody row).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <json-c/json.h>
#include "case-internal.h"

struct hvs_case_snap {
        hvs_case *c;
        int64_t id, acq_id, vm_id;
        bool vm_added;
        bool failed;
        int64_t taken_ns;
        uint64_t json_bytes;
        int64_t n_views, n_processes, n_modules, n_sockets, n_files, n_mappings, n_credentials, n_mounts;
};

static int fail(hvs_case_snap *s, int e) {
        s->failed = true;
        return e;
}

int hvs_case_snapshot_begin(hvs_case *c, const hvs_snapshot_record *r, hvs_case_snap **ret) {
        if (!c || !r || !ret)
                return -EINVAL;
        if (c->open_snap)
                return HVS_DIAG(&c->diag, -EBUSY, "a snapshot is already being written to case '%s'", c->path);
        hvs_case_snap *s = hvs_calloc(1, sizeof *s);
        if (!s)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        s->c = c;
        s->taken_ns = r->taken_ns > 0 ? r->taken_ns : case_now_ns();
        int e = case_begin(c);
        if (e < 0) {
                free(s);
                return e;
        }
        hvs_vm_record vm = r->vm;
        if (!vm.seen_ns)
                vm.seen_ns = s->taken_ns;
        if (!vm.kernel_banner)
                vm.kernel_banner = r->kernel_banner;
        _cleanup_stmt_ sqlite3_stmt *acq = NULL, *snap = NULL;
        e = case_vm_upsert(c, &vm, &s->vm_id, &s->vm_added);
        if (e == 0)
                e = case_prepare(c->db,
                                 "INSERT INTO acquisitions(vm_id, kind, mode, started_ns, tool_version, host, actor,"
                                 " status) VALUES(?1, 'views', ?2, ?3, ?4, ?5, ?6, 'partial')",
                                 &acq, &c->diag);
        if (e == 0) {
                case_bind_opt_i64(acq, 1, s->vm_id > 0, s->vm_id);
                case_bind_text(acq, 2, r->paused ? "paused" : "running");
                sqlite3_bind_int64(acq, 3, s->taken_ns);
                case_bind_text(acq, 4, HVS_VERSION_STRING);
                case_bind_text(acq, 5, c->host);
                case_bind_text(acq, 6, c->actor);
                e = case_exec_stmt(c->db, acq, "cannot add the acquisition", &c->diag);
        }
        if (e == 0) {
                s->acq_id = sqlite3_last_insert_rowid(c->db);
                e = case_prepare(c->db,
                                 "INSERT INTO snapshots(vm_id, acquisition_id, taken_ns, guest_time_ns, guest_boot_ns,"
                                 " paused, source, kernel_release, kernel_banner, hostname, label)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                 &snap, &c->diag);
        }
        if (e == 0) {
                case_bind_opt_i64(snap, 1, s->vm_id > 0, s->vm_id);
                sqlite3_bind_int64(snap, 2, s->acq_id);
                sqlite3_bind_int64(snap, 3, s->taken_ns);
                case_bind_opt_i64(snap, 4, r->guest_time_ns != 0, r->guest_time_ns);
                case_bind_opt_i64(snap, 5, r->guest_boot_ns != 0, r->guest_boot_ns);
                sqlite3_bind_int(snap, 6, r->paused);
                case_bind_text(snap, 7, r->source ? r->source : "live");
                case_bind_text(snap, 8, r->kernel_release);
                case_bind_text(snap, 9, r->kernel_banner);
                case_bind_text(snap, 10, r->hostname);
                case_bind_text(snap, 11, r->label);
                e = case_exec_stmt(c->db, snap, "cannot add the snapshot", &c->diag);
        }
        if (e < 0) {
                case_rollback(c);
                free(s);
                return e;
        }
        s->id = sqlite3_last_insert_rowid(c->db);
        c->open_snap = s;
        *ret = s;
        return 0;
}

int64_t hvs_case_snap_id(const hvs_case_snap *s) {
        return s->id;
}

static int prep(hvs_case_snap *s, const char *sql, sqlite3_stmt **st) {
        if (s->failed)
                return HVS_DIAG(&s->c->diag, -EINVAL, "the snapshot failed earlier: it can only be aborted");
        int e = case_prepare(s->c->db, sql, st, &s->c->diag);
        return e < 0 ? fail(s, e) : 0;
}

static int step(hvs_case_snap *s, sqlite3_stmt *st, const char *what) {
        int e = case_exec_stmt(s->c->db, st, what, &s->c->diag);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return e < 0 ? fail(s, e) : 0;
}

/* Text of a json-c object, bound as a copy; NULL binds NULL. */
static int bind_json(sqlite3_stmt *st, int i, json_object *o) {
        if (!o)
                return sqlite3_bind_null(st, i);
        const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT) : SQLITE_NOMEM;
}

struct bitname {
        uint32_t bit;
        const char *name;
};

static void partial_text(uint32_t bits, const struct bitname *names, size_t n, char *buf, size_t cap) {
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                if (bits & names[i].bit) {
                        int k = snprintf(buf + len, cap - len, "%s%s", len ? "," : "", names[i].name);
                        if (k < 0 || (size_t)k >= cap - len)
                                break;
                        len += (size_t)k;
                }
}

static int64_t boot_ns_of(hvs_case_snap *s) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (case_prepare(s->c->db, "SELECT guest_boot_ns FROM snapshots WHERE id = ?1", &st, NULL) < 0)
                return 0;
        sqlite3_bind_int64(st, 1, s->id);
        return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

int hvs_case_snap_add_tasks(hvs_case_snap *s, const hvs_task_list *l) {
        static const struct bitname bits[] = {
                { HVS_TASK_PARTIAL_CMDLINE, "cmdline" }, { HVS_TASK_PARTIAL_CMDLINE_TRUNC, "cmdline_truncated" },
                { HVS_TASK_PARTIAL_CRED, "cred" }, { HVS_TASK_PARTIAL_PARENT, "parent" },
                { HVS_TASK_PARTIAL_SIGNAL, "threads" },
        };
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO processes(snapshot_id, pid, tgid, ppid, uid, gid, euid, egid, state, kthread, comm,"
                        " cmdline, start_ns, threads, task_addr, mm_addr, start_boot_ns, partial)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                     &st);
        if (e < 0)
                return e;
        int64_t boot = boot_ns_of(s);
        for (size_t i = 0; i < l->n; i++) {
                const hvs_task *t = &l->tasks[i];
                sqlite3_bind_int64(st, 1, s->id);
                sqlite3_bind_int64(st, 2, t->pid);
                sqlite3_bind_int64(st, 3, t->tgid);
                sqlite3_bind_int64(st, 4, t->ppid);
                sqlite3_bind_int64(st, 5, t->uid);
                sqlite3_bind_int64(st, 6, t->gid);
                sqlite3_bind_int64(st, 7, t->euid);
                sqlite3_bind_int64(st, 8, t->egid);
                char state[2] = { t->state ? t->state : '?', 0 };
                case_bind_text(st, 9, state);
                sqlite3_bind_int(st, 10, t->kthread);
                case_bind_text(st, 11, t->comm);
                if (t->argv && t->argv_len) {
                        /* Arguments joined by spaces, as ps shows them. */
                        char *cmd = hvs_malloc(t->argv_len + 1);
                        if (!cmd)
                                return fail(s, HVS_DIAG(&s->c->diag, -ENOMEM, "out of memory"));
                        size_t n = t->argv_len;
                        for (size_t k = 0; k < n; k++)
                                cmd[k] = t->argv[k] ? t->argv[k] : ' ';
                        while (n && cmd[n - 1] == ' ')
                                n--;
                        sqlite3_bind_text(st, 12, cmd, (int)n, SQLITE_TRANSIENT);
                        free(cmd);
                }
                bool have_start = boot > 0 && t->start_boottime_ns <= (uint64_t)INT64_MAX - (uint64_t)boot;
                case_bind_opt_i64(st, 13, have_start, boot + (int64_t)t->start_boottime_ns);
                sqlite3_bind_int64(st, 14, t->nr_threads);
                sqlite3_bind_int64(st, 15, (int64_t)t->addr.v);
                case_bind_opt_i64(st, 16, t->mm.v != 0, (int64_t)t->mm.v);
                case_bind_opt_i64(st, 17, t->start_boottime_ns <= INT64_MAX, (int64_t)t->start_boottime_ns);
                char partial[128];
                partial_text(t->partial, bits, ARRAY_SIZE(bits), partial, sizeof partial);
                case_bind_text(st, 18, partial[0] ? partial : NULL);
                if ((e = step(s, st, "cannot store a process")) < 0)
                        return e;
                s->n_processes++;
        }
        return 0;
}

static const char *module_state(uint32_t st) {
        switch (st) {
        case HVS_MODULE_LIVE: return "Live";
        case HVS_MODULE_COMING: return "Loading";
        case HVS_MODULE_GOING: return "Unloading";
        case HVS_MODULE_UNFORMED: return "Unformed";
        default: return "?";
        }
}

int hvs_case_snap_add_modules(hvs_case_snap *s, const hvs_module_list *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO modules(snapshot_id, name, base, size, state, taints, refcount, params_json,"
                        " module_addr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     &st);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n; i++) {
                const hvs_module *m = &l->modules[i];
                sqlite3_bind_int64(st, 1, s->id);
                case_bind_text(st, 2, m->name);
                sqlite3_bind_int64(st, 3, (int64_t)m->base);
                sqlite3_bind_int64(st, 4, (int64_t)m->size);
                case_bind_text(st, 5, module_state(m->state));
                case_bind_text(st, 6, m->flags);
                case_bind_opt_i64(st, 7, !(m->partial & HVS_MODULE_PARTIAL_REFCNT), m->refcount);
                json_object *p = NULL;
                if (m->nparams) {
                        p = json_object_new_object();
                        for (size_t k = 0; p && k < m->nparams; k++)
                                json_object_object_add(p, m->params[k].name,
                                                       m->params[k].value ? json_object_new_string(m->params[k].value)
                                                                          : NULL);
                }
                int rc = bind_json(st, 8, p);
                json_object_put(p);
                if (rc != SQLITE_OK || (m->nparams && !p))
                        return fail(s, HVS_DIAG(&s->c->diag, -ENOMEM, "out of memory"));
                sqlite3_bind_int64(st, 9, (int64_t)m->addr.v);
                if ((e = step(s, st, "cannot store a module")) < 0)
                        return e;
                s->n_modules++;
        }
        return 0;
}

static const char *family_name(uint16_t f) {
        switch (f) {
        case HVS_AF_INET: return "inet";
        case HVS_AF_INET6: return "inet6";
        case HVS_AF_UNIX: return "unix";
        }
        return "other";
}

static const char *proto_name(enum hvs_sock_proto p) {
        switch (p) {
        case HVS_SOCK_TCP: return "tcp";
        case HVS_SOCK_UDP: return "udp";
        case HVS_SOCK_UNIX: return "unix";
        }
        return "other";
}

int hvs_case_snap_add_sockets(hvs_case_snap *s, const hvs_socket_list *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO sockets(snapshot_id, proto, family, state, local_addr, local_port, remote_addr,"
                        " remote_port, path, inode, owners_json, sock_addr)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                     &st);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n; i++) {
                const hvs_socket *k = &l->socks[i];
                sqlite3_bind_int64(st, 1, s->id);
                case_bind_text(st, 2, proto_name(k->proto));
                case_bind_text(st, 3, family_name(k->family));
                case_bind_text(st, 4, hvs_sock_state_name(k->proto, k->state));
                if (k->proto == HVS_SOCK_UNIX) {
                        case_bind_text(st, 9, k->path);
                } else {
                        char a[INET6_ADDRSTRLEN];
                        int af = k->family == HVS_AF_INET6 ? AF_INET6 : AF_INET;
                        case_bind_text(st, 5, inet_ntop(af, k->local_addr, a, sizeof a) ? a : "?");
                        sqlite3_bind_int(st, 6, k->local_port);
                        case_bind_text(st, 7, inet_ntop(af, k->remote_addr, a, sizeof a) ? a : "?");
                        sqlite3_bind_int(st, 8, k->remote_port);
                }
                case_bind_opt_i64(st, 10, !(k->partial & HVS_SOCK_PARTIAL_INODE), (int64_t)k->inode);
                json_object *o = json_object_new_array();
                for (size_t j = 0; o && j < k->n_owners; j++) {
                        json_object *w = json_object_new_object();
                        json_object_object_add(w, "pid", json_object_new_int(k->owners[j].pid));
                        json_object_object_add(w, "comm", json_object_new_string(k->owners[j].comm));
                        json_object_object_add(w, "fd", json_object_new_int64(k->owners[j].fd));
                        json_object_array_add(o, w);
                }
                int rc = bind_json(st, 11, o);
                json_object_put(o);
                if (!o || rc != SQLITE_OK)
                        return fail(s, HVS_DIAG(&s->c->diag, -ENOMEM, "out of memory"));
                sqlite3_bind_int64(st, 12, (int64_t)k->addr.v);
                if ((e = step(s, st, "cannot store a socket")) < 0)
                        return e;
                s->n_sockets++;
        }
        return 0;
}

int hvs_case_snap_add_files(hvs_case_snap *s, const hvs_files_list *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO files(snapshot_id, pid, fd, type, path, flags, pos, deleted, inode, file_addr)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                     &st);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n; i++) {
                const hvs_proc_files *p = &l->procs[i];
                for (size_t j = 0; j < p->n; j++) {
                        const hvs_fd *f = &p->fds[j];
                        sqlite3_bind_int64(st, 1, s->id);
                        sqlite3_bind_int64(st, 2, p->pid);
                        sqlite3_bind_int64(st, 3, f->fd);
                        case_bind_text(st, 4, hvs_file_type_name(f->type));
                        case_bind_text(st, 5, f->path);
                        sqlite3_bind_int64(st, 6, f->flags);
                        sqlite3_bind_int64(st, 7, f->pos);
                        sqlite3_bind_int(st, 8, f->deleted);
                        case_bind_opt_i64(st, 9, f->inode.v != 0, (int64_t)f->ino);
                        sqlite3_bind_int64(st, 10, (int64_t)f->addr.v);
                        if ((e = step(s, st, "cannot store an open file")) < 0)
                                return e;
                        s->n_files++;
                }
        }
        return 0;
}

static const char *vma_kind(enum hvs_vma_kind k) {
        switch (k) {
        case HVS_VMA_FILE: return "file";
        case HVS_VMA_HEAP: return "heap";
        case HVS_VMA_STACK: return "stack";
        case HVS_VMA_SPECIAL: return "special";
        default: return "anonymous";
        }
}

int hvs_case_snap_add_maps(hvs_case_snap *s, int32_t pid, const hvs_vma_list *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO mappings(snapshot_id, pid, start, end, perms, pgoff, inode, kind, path, vma_addr)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                     &st);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n; i++) {
                const hvs_vma *v = &l->vmas[i];
                sqlite3_bind_int64(st, 1, s->id);
                sqlite3_bind_int64(st, 2, pid);
                sqlite3_bind_int64(st, 3, (int64_t)v->start);
                sqlite3_bind_int64(st, 4, (int64_t)v->end);
                case_bind_text(st, 5, v->perms);
                sqlite3_bind_int64(st, 6, (int64_t)v->pgoff);
                case_bind_opt_i64(st, 7, v->inode != 0, (int64_t)v->inode);
                case_bind_text(st, 8, vma_kind(v->kind));
                case_bind_text(st, 9, v->name);
                sqlite3_bind_int64(st, 10, (int64_t)v->addr.v);
                if ((e = step(s, st, "cannot store a memory region")) < 0)
                        return e;
                s->n_mappings++;
        }
        return 0;
}

int hvs_case_snap_add_creds(hvs_case_snap *s, int32_t pid, const hvs_creds *cr) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO credentials(snapshot_id, pid, uid, euid, suid, fsuid, gid, egid, sgid, fsgid,"
                        " groups_json, cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient, ns_json,"
                        " cgroup, cred_addr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                        " ?16, ?17, ?18, ?19)",
                     &st);
        if (e < 0)
                return e;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int64(st, 2, pid);
        const uint32_t ids[] = { cr->uid, cr->euid, cr->suid, cr->fsuid, cr->gid, cr->egid, cr->sgid, cr->fsgid };
        bool cred_ok = !(cr->partial & HVS_CREDS_PARTIAL_CRED);
        for (int i = 0; i < 8; i++)
                case_bind_opt_i64(st, 3 + i, cred_ok, ids[i]);
        json_object *g = json_object_new_array(), *ns = json_object_new_object();
        for (size_t i = 0; g && i < cr->groups_n; i++)
                json_object_array_add(g, json_object_new_int64(cr->groups[i]));
        for (unsigned k = 0; ns && k < HVS_NS_COUNT; k++)
                if (cr->ns[k].inum)
                        json_object_object_add(ns, hvs_ns_name(k), json_object_new_int64(cr->ns[k].inum));
        int rc1 = bind_json(st, 11, g), rc2 = bind_json(st, 17, ns);
        json_object_put(g);
        json_object_put(ns);
        if (!g || !ns || rc1 != SQLITE_OK || rc2 != SQLITE_OK)
                return fail(s, HVS_DIAG(&s->c->diag, -ENOMEM, "out of memory"));
        const uint64_t caps[] = { cr->cap_inheritable, cr->cap_permitted, cr->cap_effective, cr->cap_bset,
                                  cr->cap_ambient };
        for (int i = 0; i < 5; i++)
                case_bind_opt_i64(st, 12 + i, cred_ok, (int64_t)caps[i]);
        case_bind_text(st, 18, cr->cgroup);
        sqlite3_bind_int64(st, 19, (int64_t)cr->cred.v);
        if ((e = step(s, st, "cannot store credentials")) < 0)
                return e;
        s->n_credentials++;
        return 0;
}

int hvs_case_snap_add_mounts(hvs_case_snap *s, const hvs_mount_list *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO mounts(snapshot_id, mount_id, parent_id, device, path, fstype, readonly,"
                        " mount_addr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     &st);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n; i++) {
                const hvs_mount *m = &l->mounts[i];
                bool ids = !(m->partial & HVS_MOUNT_PARTIAL_IDS);
                sqlite3_bind_int64(st, 1, s->id);
                sqlite3_bind_int64(st, 2, ids ? m->id : -1);
                case_bind_opt_i64(st, 3, ids, m->parent_id);
                case_bind_text(st, 4, m->devname);
                case_bind_text(st, 5, m->path);
                case_bind_text(st, 6, m->partial & HVS_MOUNT_PARTIAL_FSTYPE ? NULL : m->fstype);
                sqlite3_bind_int(st, 7, m->readonly);
                sqlite3_bind_int64(st, 8, (int64_t)m->addr.v);
                if ((e = step(s, st, "cannot store a mount")) < 0)
                        return e;
                s->n_mounts++;
        }
        return 0;
}

int hvs_case_snap_add_view_json(hvs_case_snap *s, const char *view, const char *json) {
        if (!view || !view[0] || !json)
                return fail(s, HVS_DIAG(&s->c->diag, -EINVAL, "a view needs a name and JSON"));
        size_t len = strlen(json);
        if (len > HVS_MAX_CASE_VIEW_JSON)
                return fail(s, HVS_DIAG(&s->c->diag, -E2BIG, "view '%s': %zu bytes of JSON, over the limit %u", view,
                                        len, HVS_MAX_CASE_VIEW_JSON));
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int e = prep(s, "INSERT INTO view_json(snapshot_id, view, json) SELECT ?1, ?2, ?3 WHERE json_valid(?3)", &st);
        if (e < 0)
                return e;
        sqlite3_bind_int64(st, 1, s->id);
        case_bind_text(st, 2, view);
        sqlite3_bind_text(st, 3, json, (int)len, SQLITE_STATIC);
        if ((e = step(s, st, "cannot store a view")) < 0) {
                if (e == -EINVAL)
                        HVS_DIAG(&s->c->diag, -EINVAL, "view '%s' is stored twice in one snapshot", view);
                return e;
        }
        if (sqlite3_changes(s->c->db) != 1)
                return fail(s, HVS_DIAG(&s->c->diag, -EINVAL, "view '%s': not valid JSON", view));
        s->json_bytes += len;
        s->n_views++;
        return 0;
}

hvs_case_snap *hvs_case_snapshot_abort(hvs_case_snap *s) {
        if (!s)
                return NULL;
        case_rollback(s->c);
        s->c->open_snap = NULL;
        free(s);
        return NULL;
}

int hvs_case_snapshot_commit(hvs_case_snap *s, int64_t *ret_id, char *ret_sha256) {
        if (!s)
                return -EINVAL;
        hvs_case *c = s->c;
        if (s->failed) {
                hvs_case_snapshot_abort(s);
                return HVS_DIAG(&c->diag, -EINVAL, "the snapshot failed earlier; nothing was stored");
        }
        char h[65];
        _cleanup_stmt_ sqlite3_stmt *up1 = NULL, *up2 = NULL;
        int e = case_snapshot_hash(c->db, s->id, h, &c->diag);
        if (e == 0)
                e = case_prepare(c->db, "UPDATE snapshots SET content_sha256 = ?2 WHERE id = ?1", &up1, &c->diag);
        if (e == 0) {
                sqlite3_bind_int64(up1, 1, s->id);
                case_bind_text(up1, 2, h);
                e = case_exec_stmt(c->db, up1, "cannot finish the snapshot", &c->diag);
        }
        if (e == 0)
                e = case_prepare(c->db,
                                 "UPDATE acquisitions SET finished_ns = ?2, size = ?3, sha256 = ?4, status = 'complete',"
                                 " detail_json = ?5 WHERE id = ?1",
                                 &up2, &c->diag);
        if (e == 0) {
                json_object *d = json_object_new_object();
                json_object_object_add(d, "snapshot_id", json_object_new_int64(s->id));
                json_object_object_add(d, "views", json_object_new_int64(s->n_views));
                sqlite3_bind_int64(up2, 1, s->acq_id);
                sqlite3_bind_int64(up2, 2, case_now_ns());
                sqlite3_bind_int64(up2, 3, (int64_t)s->json_bytes);
                case_bind_text(up2, 4, h);
                int rc = bind_json(up2, 5, d);
                json_object_put(d);
                e = rc != SQLITE_OK ? HVS_DIAG(&c->diag, -ENOMEM, "out of memory")
                                    : case_exec_stmt(c->db, up2, "cannot finish the snapshot", &c->diag);
        }
        if (e == 0) {
                struct case_rows_ref refs[3];
                size_t n = 0;
                if (s->vm_added)
                        refs[n++] = (struct case_rows_ref){ "vms", s->vm_id, s->vm_id };
                refs[n++] = (struct case_rows_ref){ "acquisitions", s->acq_id, s->acq_id };
                refs[n++] = (struct case_rows_ref){ "snapshots", s->id, s->id };
                json_object *a = json_object_new_object();
                json_object_object_add(a, "snapshot_id", json_object_new_int64(s->id));
                json_object *counts = json_object_new_object();
                json_object_object_add(counts, "views", json_object_new_int64(s->n_views));
                json_object_object_add(counts, "processes", json_object_new_int64(s->n_processes));
                json_object_object_add(counts, "modules", json_object_new_int64(s->n_modules));
                json_object_object_add(counts, "sockets", json_object_new_int64(s->n_sockets));
                json_object_object_add(counts, "files", json_object_new_int64(s->n_files));
                json_object_object_add(counts, "mappings", json_object_new_int64(s->n_mappings));
                json_object_object_add(counts, "credentials", json_object_new_int64(s->n_credentials));
                json_object_object_add(counts, "mounts", json_object_new_int64(s->n_mounts));
                json_object_object_add(a, "counts", counts);
                e = case_custody_append(c, "snapshot", a, refs, n, h, NULL);
        }
        if (e == 0)
                e = case_commit(c);
        int64_t id = s->id;
        if (e < 0) {
                hvs_case_snapshot_abort(s);
                return e;
        }
        c->open_snap = NULL;
        free(s);
        if (ret_id)
                *ret_id = id;
        if (ret_sha256)
                memcpy(ret_sha256, h, 65);
        return 0;
}
