/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diff.c - what appeared, disappeared or changed between two snapshots.
 *
 * One generic merge over rows sorted by a key: each kind of object is a
 * query (key columns first, then the compared columns) and the key width.
 * Rows are compared the way SQLite's ORDER BY sorts them (NULL < integer <
 * text, text byte-wise), so the merge agrees with the order the rows arrive
 * in. Duplicate keys (a hostile guest can show two processes with one PID
 * and start time) pair up in order; the surplus is added or removed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include "case-internal.h"

struct cell {
        int type;               /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_TEXT */
        int64_t i;
        char *s;                /* text; for integers their rendering */
};

struct rows {
        struct cell *cells;     /* n * ncols */
        size_t n;
};

struct kind {
        enum hvs_diff_what what;
        int nkey;
        const char *sql;                /* ?1 snapshot id; ORDER BY the key columns */
        const char *const *names;       /* column names */
        int ncols;
        unsigned hex_mask;              /* columns shown as 0x%016x (guest addresses) */
};

static const char *const proc_cols[] = { "pid", "start", "comm", "cmdline", "ppid", "tgid", "uid", "gid", "euid",
                                         "egid", "state", "kthread", "threads", "task_addr", "mm_addr" };
static const char *const mod_cols[] = { "name", "base", "size", "state", "taints", "refcount", "params",
                                        "module_addr" };
static const char *const sock_cols[] = { "proto", "local_addr", "local_port", "remote_addr", "remote_port", "path",
                                         "inode", "family", "state", "owners", "sock_addr" };

static const struct kind kinds[] = {
        { HVS_DIFF_PROCESS, 2,
          "SELECT pid, coalesce(start_boot_ns, start_ns), comm, cmdline, ppid, tgid, uid, gid, euid, egid, state,"
          " kthread, threads, task_addr, mm_addr FROM processes WHERE snapshot_id = ?1 ORDER BY 1, 2, id",
          proc_cols, (int)ARRAY_SIZE(proc_cols), 1u << 13 | 1u << 14 },
        { HVS_DIFF_MODULE, 1,
          "SELECT name, base, size, state, taints, refcount, params_json, module_addr FROM modules"
          " WHERE snapshot_id = ?1 ORDER BY 1, id",
          mod_cols, (int)ARRAY_SIZE(mod_cols), 1u << 1 | 1u << 7 },
        { HVS_DIFF_SOCKET, 7,
          "SELECT proto, local_addr, local_port, remote_addr, remote_port, path, inode, family, state, owners_json,"
          " sock_addr FROM sockets WHERE snapshot_id = ?1 ORDER BY 1, 2, 3, 4, 5, 6, 7, id",
          sock_cols, (int)ARRAY_SIZE(sock_cols), 1u << 10 },
};

static void rows_free(struct rows *r, int ncols) {
        for (size_t i = 0; r->cells && i < r->n * (size_t)ncols; i++)
                free(r->cells[i].s);
        free(r->cells);
        r->cells = NULL;
        r->n = 0;
}

static int load(hvs_case *c, const struct kind *k, int ncols, int64_t snap, struct rows *out) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db, k->sql, &st, &c->diag);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, snap);
        size_t cap = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (out->n >= HVS_MAX_CASE_DIFF_ROWS)
                        return HVS_DIAG(&c->diag, -E2BIG, "snapshot %" PRId64 " has over %u %s rows", snap,
                                        HVS_MAX_CASE_DIFF_ROWS, hvs_diff_what_name(k->what));
                if (out->n == cap) {
                        cap = cap ? cap * 2 : 256;
                        void *p = hvs_reallocarray(out->cells, cap, sizeof(struct cell) * (size_t)ncols);
                        if (!p)
                                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
                        out->cells = p;
                }
                struct cell *row = &out->cells[out->n * (size_t)ncols];
                memset(row, 0, sizeof *row * (size_t)ncols);
                out->n++;
                for (int i = 0; i < ncols; i++) {
                        int t = sqlite3_column_type(st, i);
                        char buf[32];
                        const char *text = NULL;
                        if (t == SQLITE_INTEGER) {
                                row[i].i = sqlite3_column_int64(st, i);
                                if (k->hex_mask & (1u << i))
                                        snprintf(buf, sizeof buf, "0x%016" PRIx64, (uint64_t)row[i].i);
                                else
                                        snprintf(buf, sizeof buf, "%" PRId64, row[i].i);
                                text = buf;
                        } else if (t != SQLITE_NULL) {
                                t = SQLITE_TEXT;
                                text = (const char *)sqlite3_column_text(st, i);
                                if (!text)
                                        return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
                        }
                        row[i].type = t;
                        if (text && !(row[i].s = hvs_strdup(text)))
                                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
                }
        }
        if (rc != SQLITE_DONE) {
                int e = case_errno(rc);
                return HVS_DIAG(&c->diag, e ? e : -EIO, "cannot read snapshot %" PRId64 ": %s", snap,
                                sqlite3_errmsg(c->db));
        }
        return 0;
}

/* As SQLite's ORDER BY: NULL < integer < text; text byte-wise (BINARY). */
static int cmp_cell(const struct cell *a, const struct cell *b) {
        static const int rank[] = { [SQLITE_NULL] = 0, [SQLITE_INTEGER] = 1, [SQLITE_TEXT] = 2 };
        if (a->type != b->type)
                return rank[a->type] - rank[b->type];
        if (a->type == SQLITE_INTEGER)
                return a->i < b->i ? -1 : a->i > b->i;
        if (a->type == SQLITE_TEXT)
                return strcmp(a->s, b->s);
        return 0;
}

static int cmp_key(const struct cell *a, const struct cell *b, int nkey) {
        for (int i = 0; i < nkey; i++) {
                int c = cmp_cell(&a[i], &b[i]);
                if (c)
                        return c;
        }
        return 0;
}

struct out {
        hvs_diff_item *items;
        size_t n, cap;
};

static const char *txt(const struct cell *c) {
        return c->s ? c->s : "-";
}

static int fmt_key(const struct kind *k, const struct cell *row, char **ret_key, char **ret_label) {
        char key[1024], label[1536];
        switch (k->what) {
        case HVS_DIFF_PROCESS:
                snprintf(key, sizeof key, "%s %s", txt(&row[0]), txt(&row[1]));
                snprintf(label, sizeof label, "%s%s%s", txt(&row[2]), row[3].s ? ": " : "", row[3].s ? row[3].s : "");
                break;
        case HVS_DIFF_MODULE:
                snprintf(key, sizeof key, "%s", txt(&row[0]));
                snprintf(label, sizeof label, "%s", txt(&row[0]));
                break;
        default:
                if (row[5].s)   /* unix */
                        snprintf(key, sizeof key, "%s %s inode %s", txt(&row[0]), row[5].s, txt(&row[6]));
                else
                        snprintf(key, sizeof key, "%s %s:%s %s:%s inode %s", txt(&row[0]), txt(&row[1]),
                                 txt(&row[2]), txt(&row[3]), txt(&row[4]), txt(&row[6]));
                snprintf(label, sizeof label, "%s %s %s", key, txt(&row[8]), row[9].s ? row[9].s : "");
        }
        *ret_key = hvs_strdup(key);
        *ret_label = hvs_strdup(label);
        return *ret_key && *ret_label ? 0 : -ENOMEM;
}

static hvs_diff_item *push(struct out *o) {
        if (o->n == o->cap) {
                size_t cap = o->cap ? o->cap * 2 : 64;
                void *p = hvs_reallocarray(o->items, cap, sizeof *o->items);
                if (!p)
                        return NULL;
                o->items = p;
                o->cap = cap;
        }
        hvs_diff_item *it = &o->items[o->n++];
        memset(it, 0, sizeof *it);
        return it;
}

static int emit(struct out *o, const struct kind *k, int ncols, enum hvs_diff_change ch, const struct cell *a,
                const struct cell *b) {
        int nf = 0;
        if (ch == HVS_DIFF_CHANGED) {
                for (int i = k->nkey; i < ncols; i++)
                        nf += cmp_cell(&a[i], &b[i]) != 0;
                if (nf == 0)
                        return 0;
        }
        hvs_diff_item *it = push(o);
        if (!it)
                return -ENOMEM;
        const struct cell *row = ch == HVS_DIFF_REMOVED ? a : b;
        it->what = k->what;
        it->change = ch;
        it->pid = k->what == HVS_DIFF_PROCESS && row[0].type == SQLITE_INTEGER ? (int32_t)row[0].i : 0;
        if (fmt_key(k, row, &it->key, &it->label) < 0)
                return -ENOMEM;
        if (nf == 0)
                return 0;
        it->fields = hvs_calloc((size_t)nf, sizeof *it->fields);
        if (!it->fields)
                return -ENOMEM;
        for (int i = k->nkey; i < ncols; i++) {
                if (cmp_cell(&a[i], &b[i]) == 0)
                        continue;
                hvs_diff_field *f = &it->fields[it->n_fields++];
                f->name = k->names[i];
                if ((a[i].s && !(f->a = hvs_strdup(a[i].s))) || (b[i].s && !(f->b = hvs_strdup(b[i].s))))
                        return -ENOMEM;
        }
        return 0;
}

static int diff_kind(hvs_case *c, const struct kind *k, int64_t a, int64_t b, struct out *o) {
        int ncols = k->ncols;
        struct rows ra = { 0 }, rb = { 0 };
        int r = load(c, k, ncols, a, &ra);
        if (r == 0)
                r = load(c, k, ncols, b, &rb);
        size_t i = 0, j = 0;
        while (r == 0 && (i < ra.n || j < rb.n)) {
                const struct cell *x = i < ra.n ? &ra.cells[i * (size_t)ncols] : NULL;
                const struct cell *y = j < rb.n ? &rb.cells[j * (size_t)ncols] : NULL;
                int cmp = !x ? 1 : !y ? -1 : cmp_key(x, y, k->nkey);
                if (cmp < 0) {
                        r = emit(o, k, ncols, HVS_DIFF_REMOVED, x, NULL);
                        i++;
                } else if (cmp > 0) {
                        r = emit(o, k, ncols, HVS_DIFF_ADDED, NULL, y);
                        j++;
                } else {
                        r = emit(o, k, ncols, HVS_DIFF_CHANGED, x, y);
                        i++;
                        j++;
                }
                if (r == -ENOMEM)
                        HVS_DIAG(&c->diag, r, "out of memory");
        }
        rows_free(&ra, ncols);
        rows_free(&rb, ncols);
        return r;
}

static int snapshot_exists(hvs_case *c, int64_t id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = case_prepare(c->db, "SELECT 1 FROM snapshots WHERE id = ?1", &st, &c->diag);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 0;
        if (rc == SQLITE_DONE)
                return HVS_DIAG(&c->diag, -ENOENT, "no snapshot %" PRId64 " in case '%s'", id, c->path);
        int e = case_errno(rc);
        return HVS_DIAG(&c->diag, e ? e : -EIO, "cannot read case '%s': %s", c->path, sqlite3_errmsg(c->db));
}

int hvs_case_diff(hvs_case *c, int64_t a, int64_t b, hvs_diff **ret) {
        if (!c || !ret)
                return -EINVAL;
        int r = snapshot_exists(c, a);
        if (r == 0)
                r = snapshot_exists(c, b);
        if (r < 0)
                return r;
        hvs_diff *d = hvs_calloc(1, sizeof *d);
        if (!d)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        d->a = a;
        d->b = b;
        struct out o = { 0 };
        for (size_t k = 0; r == 0 && k < ARRAY_SIZE(kinds); k++)
                r = diff_kind(c, &kinds[k], a, b, &o);
        d->items = o.items;
        d->n = o.n;
        if (r < 0) {
                hvs_diff_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

hvs_diff *hvs_diff_free(hvs_diff *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n; i++) {
                hvs_diff_item *it = &d->items[i];
                free(it->key);
                free(it->label);
                for (size_t j = 0; j < it->n_fields; j++) {
                        free(it->fields[j].a);
                        free(it->fields[j].b);
                }
                free(it->fields);
        }
        free(d->items);
        free(d);
        return NULL;
}

const char *hvs_diff_what_name(enum hvs_diff_what w) {
        switch (w) {
        case HVS_DIFF_PROCESS: return "process";
        case HVS_DIFF_MODULE: return "module";
        case HVS_DIFF_SOCKET: return "socket";
        }
        return "?";
}

const char *hvs_diff_change_name(enum hvs_diff_change ch) {
        switch (ch) {
        case HVS_DIFF_ADDED: return "added";
        case HVS_DIFF_REMOVED: return "removed";
        case HVS_DIFF_CHANGED: return "changed";
        }
        return "?";
}
