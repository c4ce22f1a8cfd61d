/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timeline.c - one ordered timeline of a case (include/hvscope/timeline.h);
 * timeline-export.c writes it as ECS NDJSON and Timesketch CSV.
 *
 * Every entry is built from rows read with prepared statements; text is made
 * valid UTF-8 and bounded on the way in (tl_col_text), so the writers never
 * see raw guest bytes. Memory is bounded by about 1.25 * max_entries: when
 * the array fills, it is sorted and cut back to the earliest max_entries.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <time.h>
#include "util/util.h"
#include "timeline-internal.h"

/* ---- text from the case ---- */

static size_t utf8_seq_len(const unsigned char *p, size_t avail) {
        unsigned c = p[0];
        size_t n;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0x01 && c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                if (c == 0xe0)
                        lo = 0xa0;      /* overlong */
                if (c == 0xed)
                        hi = 0x9f;      /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                if (c == 0xf0)
                        lo = 0x90;      /* overlong */
                if (c == 0xf4)
                        hi = 0x8f;      /* above U+10FFFF */
        } else
                return 0;
        if (avail < n || p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

char *tl_utf8_dup(const char *s, size_t len, size_t max) {
        /* Worst case every byte becomes the 3-byte U+FFFD. */
        size_t cap = len > max ? max : len;
        if (cap > SIZE_MAX / 3 - 1)
                return NULL;
        char *out = hvs_malloc(cap * 3 + 1);
        if (!out)
                return NULL;
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0, o = 0;
        while (i < len) {
                size_t n = utf8_seq_len(p + i, len - i);
                size_t w = n ? n : 3;
                if (o + w > max)
                        break;
                if (n)
                        memcpy(out + o, p + i, n);
                else
                        memcpy(out + o, "\xef\xbf\xbd", 3);
                o += w;
                i += n ? n : 1;
        }
        out[o] = '\0';
        return out;
}

char *tl_col_text(sqlite3_stmt *st, int col, bool *oom) {
        if (sqlite3_column_type(st, col) == SQLITE_NULL)
                return NULL;
        const char *s = (const char *)sqlite3_column_text(st, col);
        int len = sqlite3_column_bytes(st, col);
        if (!s || len < 0) {
                *oom = true;    /* sqlite3_column_text fails only for memory */
                return NULL;
        }
        char *r = tl_utf8_dup(s, (size_t)len, HVS_MAX_TIMELINE_TEXT);
        if (!r)
                *oom = true;
        return r;
}

int tl_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, hvs_diag *diag) {
        int rc = sqlite3_prepare_v2(db, sql, -1, ret, NULL);
        if (rc == SQLITE_NOMEM)
                return HVS_DIAG(diag, -ENOMEM, "out of memory reading the case");
        if (rc != SQLITE_OK)
                return HVS_BADMSG(diag, "cannot read the case: %s", sqlite3_errmsg(db));
        return 0;
}

int tl_step(sqlite3 *db, sqlite3_stmt *st, hvs_diag *diag) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        if (rc == SQLITE_NOMEM)
                return HVS_DIAG(diag, -ENOMEM, "out of memory reading the case");
        return HVS_BADMSG(diag, "cannot read the case: %s", sqlite3_errmsg(db));
}

int tl_exec(sqlite3 *db, const char *sql, hvs_diag *diag) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_NOMEM)
                return HVS_DIAG(diag, -ENOMEM, "out of memory reading the case");
        if (rc != SQLITE_OK)
                return HVS_BADMSG(diag, "cannot read the case: %s", sqlite3_errmsg(db));
        return 0;
}

static void finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(finalizep)

int tl_severity_num(const char *sev) {
        static const char *const names[] = { "info", "low", "medium", "high", "critical" };
        for (size_t i = 0; sev && i < ARRAY_SIZE(names); i++)
                if (!strcmp(sev, names[i]))
                        return (int)i + 1;
        return 0;
}

/* printf into a new string (hvs_malloc, so fault injection reaches it). */
static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return NULL;
        char *s = hvs_malloc((size_t)n + 1);
        if (!s)
                return NULL;
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
        return s;
}

static char *xdup(const char *s) {
        return s ? hvs_strdup(s) : NULL;
}

/* ---- time ---- */

char *hvs_time_format(int64_t ns, char *buf, size_t cap) {
        int64_t sec = ns / 1000000000, frac = ns % 1000000000;
        if (frac < 0) {
                frac += 1000000000;
                sec--;
        }
        time_t t = (time_t)sec;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) {
                hvs_strlcpy(buf, "", cap);
                return buf;
        }
        snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac / 1000);
        return buf;
}

static bool digits(const char **p, int n, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if ((*p)[i] < '0' || (*p)[i] > '9')
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

int hvs_time_parse(const char *s, int64_t *ret) {
        if (!s || !*s)
                return -EINVAL;
        if (*s == '@') {
                char *end;
                errno = 0;
                long long v = strtoll(s + 1, &end, 10);
                int64_t r;
                if (errno || end == s + 1 || *end || hvs_mul_overflow((int64_t)v, (int64_t)1000000000, &r))
                        return -EINVAL;
                *ret = r;
                return 0;
        }
        const char *p = s;
        int y, mo, d, h = 0, mi = 0, sec = 0;
        int64_t frac = 0;
        if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
                return -EINVAL;
        if (*p == 'T' || *p == ' ') {
                p++;
                if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
                        return -EINVAL;
                if (*p == ':') {
                        p++;
                        if (!digits(&p, 2, &sec))
                                return -EINVAL;
                        if (*p == '.' || *p == ',') {
                                p++;
                                int64_t scale = 100000000;
                                if (*p < '0' || *p > '9')
                                        return -EINVAL;
                                for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
                                        frac += scale * (*p - '0');
                        }
                }
        }
        int64_t off = 0;
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om;
                if (!digits(&p, 2, &oh))
                        return -EINVAL;
                if (*p == ':')
                        p++;
                if (!digits(&p, 2, &om) || oh > 23 || om > 59)
                        return -EINVAL;
                off = sign * (oh * 3600 + om * 60);
        }
        if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
                return -EINVAL;
        int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off, r;
        /* int64 ns covers the years 1677 to 2262. */
        if (hvs_mul_overflow(secs, (int64_t)1000000000, &r) || hvs_add_overflow(r, frac, &r))
                return -EINVAL;
        *ret = r;
        return 0;
}

/* ---- ECS vocabulary ---- */

/* ECS 8.x event.category values and the event.type values each allows
 * (the first is the fallback when an action says nothing better). */
static const struct {
        const char *category;
        const char *types[10];
} ecs_categories[] = {
        { "api", { "info", "access", "admin", "allowed", "change", "creation", "deletion", "denied", "end", "start" } },
        { "authentication", { "info", "start", "end" } },
        { "configuration", { "info", "access", "change", "creation", "deletion" } },
        { "database", { "info", "access", "change", "installation", "start" } },
        { "driver", { "info", "change", "end", "start" } },
        { "email", { "info" } },
        { "file", { "info", "access", "change", "creation", "deletion" } },
        { "host", { "info", "access", "change", "end", "start" } },
        { "iam", { "info", "admin", "change", "creation", "deletion", "group", "user" } },
        { "intrusion_detection", { "info", "allowed", "denied" } },
        { "library", { "start" } },
        { "malware", { "info" } },
        { "network", { "info", "access", "allowed", "connection", "denied", "end", "protocol", "start" } },
        { "package", { "info", "access", "change", "deletion", "installation", "start" } },
        { "process", { "info", "access", "change", "end", "start" } },
        { "registry", { "access", "change", "creation", "deletion" } },
        { "session", { "info", "start", "end" } },
        { "threat", { "indicator" } },
        { "vulnerability", { "info" } },
        { "web", { "info", "access", "error" } },
};

/* Words in an event.action and the event.type they mean. */
static const struct {
        const char *word, *type;
} action_types[] = {
        { "start", "start" }, { "exec", "start" }, { "fork", "start" }, { "spawn", "start" }, { "load", "start" },
        { "exit", "end" }, { "end", "end" }, { "stop", "end" }, { "kill", "end" }, { "unload", "end" },
        { "connect", "connection" }, { "accept", "connection" },
        { "creat", "creation" }, { "delet", "deletion" }, { "unlink", "deletion" }, { "remov", "deletion" },
        { "chang", "change" }, { "modif", "change" }, { "write", "change" }, { "open", "access" },
        { "read", "access" },
};

/* A valid (category, type) for an event row: its category if ECS has it
 * (else "host"), and the type its action names if that category allows it. */
static void ecs_classify(const char *category, const char *action, const char **ret_cat, const char **ret_type) {
        size_t c = ARRAY_SIZE(ecs_categories);
        for (size_t i = 0; category && i < ARRAY_SIZE(ecs_categories); i++)
                if (!strcmp(category, ecs_categories[i].category))
                        c = i;
        if (c == ARRAY_SIZE(ecs_categories))
                for (size_t i = 0; i < ARRAY_SIZE(ecs_categories); i++)
                        if (!strcmp("host", ecs_categories[i].category))
                                c = i;
        *ret_cat = ecs_categories[c].category;
        *ret_type = ecs_categories[c].types[0];
        /* "unload" must win over "load": the longer words come later. */
        for (size_t i = 0; action && i < ARRAY_SIZE(action_types); i++) {
                if (!strstr(action, action_types[i].word))
                        continue;
                for (size_t t = 0; t < ARRAY_SIZE(ecs_categories[c].types) && ecs_categories[c].types[t]; t++)
                        if (!strcmp(ecs_categories[c].types[t], action_types[i].type))
                                *ret_type = ecs_categories[c].types[t];
        }
}

const char *hvs_tl_source_name(enum hvs_tl_source s) {
        static const char *const names[] = {
                [HVS_TL_PROCESS] = "process", [HVS_TL_MODULE] = "module", [HVS_TL_EVENT] = "event",
                [HVS_TL_FINDING] = "finding", [HVS_TL_SNAPSHOT] = "snapshot",
                [HVS_TL_ACQUISITION] = "acquisition", [HVS_TL_CUSTODY] = "custody",
        };
        return (unsigned)s < ARRAY_SIZE(names) && names[s] ? names[s] : "unknown";
}

/* ---- building ---- */

struct vm {
        int64_t id;
        char *name, *uuid, *host, *hostname, *kernel;
};

struct snap {
        int64_t id, vm_id, taken_ns, guest_ns, acq_id;
        char *hostname, *kernel, *source, *label;
        bool paused;
        int64_t n_procs, n_mods, n_socks;
        /* Indices into b->snaps (sorted by VM and time) of the neighbouring
         * snapshots of the same VM that hold processes or modules; -1 none. */
        ssize_t prev_p, next_p, prev_m, next_m;
};

struct builder {
        sqlite3 *db;
        hvs_diag *diag;
        hvs_timeline_opts o;
        hvs_timeline *tl;
        size_t cap;
        struct vm *vms;
        size_t n_vms;
        struct snap *snaps;     /* by VM, then time */
        size_t n_snaps;
        size_t *by_id;          /* indices of snaps sorted by id */
        uint64_t seq;
        uint64_t *seqs;         /* insertion order of each entry, the last tie-break */
        bool oom;
};

static void entry_clear(hvs_tl_entry *e) {
        char **owned[] = {
                &e->action, &e->message, &e->vm_name, &e->vm_uuid, &e->host, &e->hostname, &e->kernel,
                &e->comm, &e->cmdline, &e->module, &e->path, &e->sha256, &e->rule_id, &e->rule_name,
                &e->rule_description, &e->severity, &e->technique, &e->user, &e->provider, &e->data_json,
                &e->custody_hash, &e->tool_version,
        };
        for (size_t i = 0; i < ARRAY_SIZE(owned); i++) {
                free(*owned[i]);
                *owned[i] = NULL;
        }
}

void hvs_timeline_free(hvs_timeline *tl) {
        if (!tl)
                return;
        for (size_t i = 0; i < tl->n; i++)
                entry_clear(&tl->entries[i]);
        free(tl->entries);
        free(tl);
}

/* b->vms is in id order (load_vms). */
static const struct vm *vm_get(const struct builder *b, int64_t id) {
        size_t lo = 0, hi = b->n_vms;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (b->vms[mid].id == id)
                        return &b->vms[mid];
                if (b->vms[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static const struct snap *snap_get(const struct builder *b, int64_t id) {
        size_t lo = 0, hi = b->n_snaps;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int64_t v = b->snaps[b->by_id[mid]].id;
                if (v == id)
                        return &b->snaps[b->by_id[mid]];
                if (v < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool in_range(const struct builder *b, int64_t ts) {
        return (!b->o.from_ns || ts >= b->o.from_ns) && (!b->o.to_ns || ts <= b->o.to_ns);
}

static int entry_cmp(const hvs_tl_entry *a, const hvs_tl_entry *b, uint64_t sa, uint64_t sb) {
        if (a->ts_ns != b->ts_ns)
                return a->ts_ns < b->ts_ns ? -1 : 1;
        if (a->source != b->source)
                return a->source < b->source ? -1 : 1;
        if (a->vm_id != b->vm_id)
                return a->vm_id < b->vm_id ? -1 : 1;
        if (a->row_id != b->row_id)
                return a->row_id < b->row_id ? -1 : 1;
        if (a->pid != b->pid)
                return a->pid < b->pid ? -1 : 1;
        return sa < sb ? -1 : sa > sb;
}

/* Sorts entries and their insertion numbers together (a merge sort: stable,
 * O(n log n) worst case, no comparator context needed). */
static int sort_entries(struct builder *b) {
        size_t n = b->tl->n;
        if (n < 2)
                return 0;
        hvs_tl_entry *e = b->tl->entries, *te = hvs_reallocarray(NULL, n, sizeof *te);
        uint64_t *s = b->seqs, *ts = hvs_reallocarray(NULL, n, sizeof *ts);
        if (!te || !ts) {
                free(te);
                free(ts);
                return -ENOMEM;
        }
        for (size_t w = 1; w < n; w *= 2) {
                for (size_t lo = 0; lo < n; lo += 2 * w) {
                        size_t mid = MIN(lo + w, n), hi = MIN(lo + 2 * w, n), i = lo, j = mid, k = lo;
                        while (i < mid && j < hi) {
                                bool left = entry_cmp(&e[i], &e[j], s[i], s[j]) <= 0;
                                size_t from = left ? i++ : j++;
                                te[k] = e[from];
                                ts[k++] = s[from];
                        }
                        for (; i < mid; i++, k++)
                                te[k] = e[i], ts[k] = s[i];
                        for (; j < hi; j++, k++)
                                te[k] = e[j], ts[k] = s[j];
                }
                memcpy(e, te, n * sizeof *e);
                memcpy(s, ts, n * sizeof *s);
        }
        free(te);
        free(ts);
        return 0;
}

/* Keeps the earliest max_entries. */
static int cut(struct builder *b) {
        int r = sort_entries(b);
        if (r < 0)
                return r;
        while (b->tl->n > b->o.max_entries) {
                entry_clear(&b->tl->entries[--b->tl->n]);
                b->tl->truncated = true;
        }
        return 0;
}

/* The array grows to this, then is cut back to the earliest max_entries:
 * memory stays within 1.25 * max_entries entries. */
static size_t cut_at(const struct builder *b) {
        size_t m = b->o.max_entries;
        return m > (SIZE_MAX - 256) / 2 ? m : m + m / 4 + 256;
}

/* A new zeroed entry at the end of the timeline, or NULL (b->oom set). */
static hvs_tl_entry *entry_new(struct builder *b, int64_t ts, enum hvs_tl_source src) {
        hvs_timeline *tl = b->tl;
        if (tl->n == b->cap) {
                if (tl->n >= cut_at(b)) {
                        if (cut(b) < 0) {
                                b->oom = true;
                                return NULL;
                        }
                } else {
                        size_t ncap = MIN(b->cap ? b->cap * 2 : 256, cut_at(b));
                        hvs_tl_entry *ne = hvs_reallocarray(tl->entries, ncap, sizeof *ne);
                        if (!ne) {
                                b->oom = true;
                                return NULL;
                        }
                        tl->entries = ne;
                        uint64_t *ns = hvs_reallocarray(b->seqs, ncap, sizeof *ns);
                        if (!ns) {
                                b->oom = true;
                                return NULL;
                        }
                        b->seqs = ns;
                        b->cap = ncap;
                }
        }
        tl->n_matched++;
        b->seqs[tl->n] = b->seq++;
        hvs_tl_entry *e = &tl->entries[tl->n++];
        memset(e, 0, sizeof *e);
        e->ts_ns = ts;
        e->source = src;
        e->ppid = -1;
        e->uid = -1;
        e->size = -1;
        e->duration_ns = -1;
        e->kind = "event";
        return e;
}

/* Copies the VM's identity (and the snapshot's guest facts) into @e. */
static void entry_vm(struct builder *b, hvs_tl_entry *e, int64_t vm_id, const struct snap *s) {
        const struct vm *v = vm_get(b, vm_id);
        e->vm_id = vm_id;
        if (s)
                e->snapshot_id = s->id;
        if (!v)
                return;
        e->vm_name = xdup(v->name);
        e->vm_uuid = xdup(v->uuid);
        e->host = xdup(v->host);
        const char *hn = s && s->hostname ? s->hostname : v->hostname;
        const char *kr = s && s->kernel ? s->kernel : v->kernel;
        e->hostname = xdup(hn);
        e->kernel = xdup(kr);
        if ((v->name && !e->vm_name) || (v->uuid && !e->vm_uuid) || (v->host && !e->host) || (hn && !e->hostname) ||
            (kr && !e->kernel))
                b->oom = true;
}

#define CHECK_OOM(b, x)                 \
        do {                            \
                if (!(x))               \
                        (b)->oom = true; \
        } while (0)

static int load_vms(struct builder *b) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = tl_prepare(b->db, "SELECT id, name, uuid, host, image FROM vms ORDER BY id", &st, b->diag);
        if (r < 0)
                return r;
        while ((r = tl_step(b->db, st, b->diag)) > 0) {
                struct vm *nv = hvs_reallocarray(b->vms, b->n_vms + 1, sizeof *nv);
                if (!nv)
                        return -ENOMEM;
                b->vms = nv;
                struct vm *v = &b->vms[b->n_vms++];
                memset(v, 0, sizeof *v);
                v->id = sqlite3_column_int64(st, 0);
                v->name = tl_col_text(st, 1, &b->oom);
                v->uuid = tl_col_text(st, 2, &b->oom);
                v->host = tl_col_text(st, 3, &b->oom);
                if (!v->name || !*v->name) {
                        /* Else its UUID, else the dump's file name, else its row. */
                        _cleanup_free_ char *image = tl_col_text(st, 4, &b->oom);
                        const char *base = image ? strrchr(image, '/') : NULL;
                        base = base ? base + 1 : image;
                        free(v->name);
                        v->name = v->uuid && *v->uuid ? xdup(v->uuid)
                                  : base && *base    ? xdup(base)
                                                     : xfmt("vm-%" PRId64, v->id);
                        CHECK_OOM(b, v->name);
                }
        }
        return r < 0 ? r : b->oom ? -ENOMEM : 0;
}

static int snap_id_cmp(const void *a, const void *c, void *arg) {
        const struct snap *s = arg;
        int64_t x = s[*(const size_t *)a].id, y = s[*(const size_t *)c].id;
        return x < y ? -1 : x > y;
}

static int load_snapshots(struct builder *b) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = tl_prepare(b->db,
                           "SELECT s.id, IFNULL(s.vm_id, 0), s.taken_ns, s.guest_time_ns, s.hostname, s.kernel_release,"
                           " IFNULL(s.acquisition_id, 0), s.paused, s.source, s.label,"
                           " (SELECT COUNT(*) FROM processes p WHERE p.snapshot_id = s.id),"
                           " (SELECT COUNT(*) FROM modules m WHERE m.snapshot_id = s.id),"
                           " (SELECT COUNT(*) FROM sockets k WHERE k.snapshot_id = s.id)"
                           " FROM snapshots s ORDER BY IFNULL(s.vm_id, 0), s.taken_ns, s.id",
                           &st, b->diag);
        if (r < 0)
                return r;
        while ((r = tl_step(b->db, st, b->diag)) > 0) {
                struct snap *ns = hvs_reallocarray(b->snaps, b->n_snaps + 1, sizeof *ns);
                if (!ns)
                        return -ENOMEM;
                b->snaps = ns;
                struct snap *s = &b->snaps[b->n_snaps++];
                memset(s, 0, sizeof *s);
                s->id = sqlite3_column_int64(st, 0);
                s->vm_id = sqlite3_column_int64(st, 1);
                s->taken_ns = sqlite3_column_int64(st, 2);
                s->guest_ns = sqlite3_column_int64(st, 3);
                s->hostname = tl_col_text(st, 4, &b->oom);
                s->kernel = tl_col_text(st, 5, &b->oom);
                s->acq_id = sqlite3_column_int64(st, 6);
                s->paused = sqlite3_column_int64(st, 7) != 0;
                s->source = tl_col_text(st, 8, &b->oom);
                s->label = tl_col_text(st, 9, &b->oom);
                s->n_procs = sqlite3_column_int64(st, 10);
                s->n_mods = sqlite3_column_int64(st, 11);
                s->n_socks = sqlite3_column_int64(st, 12);
        }
        if (r < 0)
                return r;
        if (b->oom)
                return -ENOMEM;
        b->by_id = hvs_reallocarray(NULL, b->n_snaps ? b->n_snaps : 1, sizeof *b->by_id);
        if (!b->by_id)
                return -ENOMEM;
        for (size_t i = 0; i < b->n_snaps; i++)
                b->by_id[i] = i;
        qsort_r(b->by_id, b->n_snaps, sizeof *b->by_id, snap_id_cmp, b->snaps);
        /* Neighbours with processes / modules, within each VM. */
        ssize_t last_p = -1, last_m = -1;
        for (size_t i = 0; i < b->n_snaps; i++) {
                struct snap *s = &b->snaps[i];
                if (i && b->snaps[i - 1].vm_id != s->vm_id)
                        last_p = last_m = -1;
                s->prev_p = last_p;
                s->prev_m = last_m;
                s->next_p = s->next_m = -1;
                if (s->n_procs) {
                        if (last_p >= 0)
                                b->snaps[last_p].next_p = (ssize_t)i;
                        last_p = (ssize_t)i;
                }
                if (s->n_mods) {
                        if (last_m >= 0)
                                b->snaps[last_m].next_m = (ssize_t)i;
                        last_m = (ssize_t)i;
                }
        }
        /* The latest host name and kernel of each VM, for entries with no snapshot. */
        for (size_t i = 0; i < b->n_snaps; i++) {
                struct vm *v = (struct vm *)vm_get(b, b->snaps[i].vm_id);
                if (!v)
                        continue;
                if (b->snaps[i].hostname) {
                        free(v->hostname);
                        CHECK_OOM(b, v->hostname = xdup(b->snaps[i].hostname));
                }
                if (b->snaps[i].kernel) {
                        free(v->kernel);
                        CHECK_OOM(b, v->kernel = xdup(b->snaps[i].kernel));
                }
        }
        return b->oom ? -ENOMEM : 0;
}

/* Short "2024-05-01T12:00:00.123456Z" of @ns into @buf. */
#define TS(ns, buf) hvs_time_format((ns), (buf), sizeof(buf))

struct proc_row {
        int64_t snap, start, uid;
        int32_t pid, ppid;
        bool kthread;
        char *comm, *cmdline;
};

static void proc_row_clear(struct proc_row *p) {
        free(p->comm);
        free(p->cmdline);
        memset(p, 0, sizeof *p);
}

static void process_fields(struct builder *b, hvs_tl_entry *e, const struct proc_row *p) {
        e->has_process = true;
        e->pid = p->pid;
        e->ppid = p->ppid;
        e->uid = p->uid;
        e->start_ns = p->start;
        e->kthread = p->kthread;
        e->comm = xdup(p->comm);
        e->cmdline = xdup(p->cmdline);
        if ((p->comm && !e->comm) || (p->cmdline && !e->cmdline))
                b->oom = true;
}

static const char *proc_label(const struct proc_row *p) {
        if (p->cmdline && *p->cmdline)
                return p->cmdline;
        return p->comm ? p->comm : "?";
}

/* One process (VM, PID, start time) seen in snapshots @first .. @last. */
static void emit_process(struct builder *b, const struct proc_row *first, const struct snap *fs,
                         const struct snap *ls, const struct proc_row *last) {
        if (b->o.no_kthreads && first->kthread)
                return;
        if (first->start && in_range(b, first->start)) {
                hvs_tl_entry *e = entry_new(b, first->start, HVS_TL_PROCESS);
                if (!e)
                        return;
                e->guest_clock = true;
                e->category = "process";
                e->type = "start";
                e->dataset = "hvscope.process";
                e->desc = "Process Start Time";
                CHECK_OOM(b, e->action = xdup("process-started"));
                CHECK_OOM(b, e->message = xfmt("process %d started%s: %s (parent %d, uid %" PRId64 ")", first->pid,
                                               first->kthread ? " (kernel thread)" : "", proc_label(first),
                                               first->ppid, first->uid));
                entry_vm(b, e, fs->vm_id, fs);
                process_fields(b, e, first);
        }
        if (ls->next_p < 0)
                return;
        /* Absent from the next snapshot that has processes: it ended between. */
        const struct snap *gone = &b->snaps[ls->next_p];
        if (!in_range(b, gone->taken_ns))
                return;
        hvs_tl_entry *e = entry_new(b, gone->taken_ns, HVS_TL_PROCESS);
        if (!e)
                return;
        char t[40];
        e->category = "process";
        e->type = "end";
        e->dataset = "hvscope.process";
        e->desc = "Process Ended (observed)";
        CHECK_OOM(b, e->action = xdup("process-ended"));
        CHECK_OOM(b, e->message = xfmt("process %d no longer present: %s (last seen in snapshot %" PRId64 " at %s)",
                                       last->pid, proc_label(last), ls->id, TS(ls->taken_ns, t)));
        entry_vm(b, e, gone->vm_id, gone);
        process_fields(b, e, last);
}

static int collect_processes(struct builder *b) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = tl_prepare(b->db,
                           "SELECT p.snapshot_id, p.pid, IFNULL(p.ppid, -1), IFNULL(p.uid, -1), p.comm, p.cmdline,"
                           " IFNULL(p.start_ns, 0), p.kthread"
                           " FROM processes p JOIN snapshots s ON s.id = p.snapshot_id"
                           " ORDER BY IFNULL(s.vm_id, 0), p.pid, IFNULL(p.start_ns, 0), s.taken_ns, s.id",
                           &st, b->diag);
        if (r < 0)
                return r;
        /* Rows come grouped by (VM, PID, start): @first is the group's
         * earliest sighting, @last its latest when there are several. */
        struct proc_row first = { 0 }, last = { 0 }, cur = { 0 };
        const struct snap *fs = NULL, *ls = NULL;
        bool has_last = false;
        while ((r = tl_step(b->db, st, b->diag)) > 0 && !b->oom) {
                cur.snap = sqlite3_column_int64(st, 0);
                cur.pid = (int32_t)sqlite3_column_int64(st, 1);
                cur.ppid = (int32_t)sqlite3_column_int64(st, 2);
                cur.uid = sqlite3_column_int64(st, 3);
                cur.comm = tl_col_text(st, 4, &b->oom);
                cur.cmdline = tl_col_text(st, 5, &b->oom);
                cur.start = sqlite3_column_int64(st, 6);
                cur.kthread = sqlite3_column_int64(st, 7) != 0;
                const struct snap *cs = snap_get(b, cur.snap);
                if (!cs) {
                        proc_row_clear(&cur);
                        continue;
                }
                if (fs && fs->vm_id == cs->vm_id && first.pid == cur.pid && first.start == cur.start) {
                        b->tl->n_processes_dedup++;
                        proc_row_clear(&last);
                        last = cur;
                        has_last = true;
                        ls = cs;
                        memset(&cur, 0, sizeof cur);
                        continue;
                }
                if (fs)
                        emit_process(b, &first, fs, ls, has_last ? &last : &first);
                proc_row_clear(&first);
                proc_row_clear(&last);
                has_last = false;
                first = cur;
                fs = ls = cs;
                memset(&cur, 0, sizeof cur);
        }
        if (r >= 0 && fs && !b->oom)
                emit_process(b, &first, fs, ls, has_last ? &last : &first);
        proc_row_clear(&first);
        proc_row_clear(&last);
        proc_row_clear(&cur);
        return r < 0 ? r : b->oom ? -ENOMEM : 0;
}

static void emit_module(struct builder *b, const char *name, uint64_t addr, const struct snap *at, bool loaded,
                        const struct snap *other) {
        if (!in_range(b, at->taken_ns))
                return;
        hvs_tl_entry *e = entry_new(b, at->taken_ns, HVS_TL_MODULE);
        if (!e)
                return;
        char t[40];
        e->category = "driver";
        e->type = loaded ? "start" : "end";
        e->dataset = "hvscope.module";
        e->desc = loaded ? "Module Load (observed)" : "Module Unload (observed)";
        CHECK_OOM(b, e->action = xdup(loaded ? "module-loaded" : "module-unloaded"));
        CHECK_OOM(b, e->module = xdup(name));
        if (loaded)
                CHECK_OOM(b, e->message = xfmt("module %s loaded at 0x%016" PRIx64 " (absent in snapshot %" PRId64
                                               " at %s, present in snapshot %" PRId64 ")",
                                               name, addr, other->id, TS(other->taken_ns, t), at->id));
        else
                CHECK_OOM(b, e->message = xfmt("module %s unloaded from 0x%016" PRIx64 " (present in snapshot %" PRId64
                                               " at %s, absent in snapshot %" PRId64 ")",
                                               name, addr, other->id, TS(other->taken_ns, t), at->id));
        entry_vm(b, e, at->vm_id, at);
}

static int collect_modules(struct builder *b) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = tl_prepare(b->db,
                           "SELECT m.snapshot_id, m.name, m.module_addr"
                           " FROM modules m JOIN snapshots s ON s.id = m.snapshot_id"
                           " ORDER BY IFNULL(s.vm_id, 0), m.name, m.module_addr, s.taken_ns, s.id",
                           &st, b->diag);
        if (r < 0)
                return r;
        _cleanup_free_ char *name = NULL;
        uint64_t addr = 0;
        const struct snap *fs = NULL, *ls = NULL;
        for (;;) {
                r = tl_step(b->db, st, b->diag);
                if (r < 0)
                        return r;
                char *cname = NULL;
                uint64_t caddr = 0;
                const struct snap *cs = NULL;
                if (r > 0) {
                        cs = snap_get(b, sqlite3_column_int64(st, 0));
                        if (!cs)
                                continue;
                        cname = tl_col_text(st, 1, &b->oom);
                        if (b->oom)
                                return -ENOMEM;
                        caddr = (uint64_t)sqlite3_column_int64(st, 2);
                        if (fs && fs->vm_id == cs->vm_id && caddr == addr && name && cname && !strcmp(name, cname)) {
                                ls = cs;
                                free(cname);
                                continue;
                        }
                }
                if (fs && name) {
                        if (fs->prev_m >= 0)
                                emit_module(b, name, addr, fs, true, &b->snaps[fs->prev_m]);
                        if (ls->next_m >= 0)
                                emit_module(b, name, addr, &b->snaps[ls->next_m], false, ls);
                }
                free(name);
                name = cname;
                addr = caddr;
                fs = ls = cs;
                if (r == 0 || b->oom)
                        break;
        }
        return b->oom ? -ENOMEM : 0;
}

static int collect_snapshots(struct builder *b) {
        for (size_t i = 0; i < b->n_snaps && !b->oom; i++) {
                const struct snap *s = &b->snaps[i];
                if (!in_range(b, s->taken_ns))
                        continue;
                hvs_tl_entry *e = entry_new(b, s->taken_ns, HVS_TL_SNAPSHOT);
                if (!e)
                        break;
                char clock[64] = "";
                if (s->guest_ns)
                        snprintf(clock, sizeof clock, ", guest clock %+.0f s from the host's",
                                 ((double)s->guest_ns - (double)s->taken_ns) / 1e9);
                e->kind = "state";
                e->category = "host";
                e->type = "info";
                e->dataset = "hvscope.snapshot";
                e->desc = "Snapshot Time";
                e->row_id = s->id;
                e->acquisition_id = s->acq_id;
                CHECK_OOM(b, e->action = xdup("snapshot-taken"));
                CHECK_OOM(b, e->message = xfmt("snapshot %" PRId64 "%s%s%s of the guest views (%s, %s): %" PRId64
                                               " processes, %" PRId64 " modules, %" PRId64 " sockets%s",
                                               s->id, s->label ? " '" : "", s->label ? s->label : "",
                                               s->label ? "'" : "", s->source ? s->source : "?",
                                               s->paused ? "paused" : "running", s->n_procs, s->n_mods, s->n_socks,
                                               clock));
                entry_vm(b, e, s->vm_id, s);
        }
        return b->oom ? -ENOMEM : 0;
}

static int collect_acquisitions(struct builder *b) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = tl_prepare(b->db,
                           "SELECT id, IFNULL(vm_id, 0), kind, mode, path, size, sha256, compression, smeared,"
                           " downtime_ns, started_ns, finished_ns, tool_version, host, actor, status, detail_json"
                           " FROM acquisitions ORDER BY id",
                           &st, b->diag);
        if (r < 0)
                return r;
        while ((r = tl_step(b->db, st, b->diag)) > 0 && !b->oom) {
                int64_t id = sqlite3_column_int64(st, 0), vm_id = sqlite3_column_int64(st, 1);
                _cleanup_free_ char *kind = tl_col_text(st, 2, &b->oom), *mode = tl_col_text(st, 3, &b->oom);
                bool has_finish = sqlite3_column_type(st, 11) != SQLITE_NULL;
                int64_t started = sqlite3_column_int64(st, 10), finished = sqlite3_column_int64(st, 11);
                _cleanup_free_ char *status = tl_col_text(st, 15, &b->oom);
                bool is_file = kind && strcmp(kind, "views") != 0;
                for (int end = 0; end < 2 && !b->oom; end++) {
                        int64_t ts = end ? finished : started;
                        if ((end && !has_finish) || !in_range(b, ts))
                                continue;
                        hvs_tl_entry *e = entry_new(b, ts, HVS_TL_ACQUISITION);
                        if (!e)
                                break;
                        e->row_id = id;
                        e->acquisition_id = id;
                        e->category = is_file ? "file" : "host";
                        e->type = !end ? (is_file ? "info" : "start") : (is_file ? "creation" : "end");
                        e->dataset = "hvscope.acquisition";
                        e->desc = end ? "Acquisition End" : "Acquisition Start";
                        e->user = tl_col_text(st, 14, &b->oom);
                        e->tool_version = tl_col_text(st, 12, &b->oom);
                        e->data_json = tl_col_text(st, 16, &b->oom);
                        entry_vm(b, e, vm_id, NULL);
                        free(e->host);
                        e->host = tl_col_text(st, 13, &b->oom);
                        if (end) {
                                e->outcome = status && !strcmp(status, "complete") ? "success"
                                             : status && !strcmp(status, "failed") ? "failure"
                                                                                  : "unknown";
                                e->path = tl_col_text(st, 4, &b->oom);
                                e->size = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
                                e->sha256 = tl_col_text(st, 6, &b->oom);
                                if (__builtin_sub_overflow(finished, started, &e->duration_ns))
                                        e->duration_ns = -1;
                                bool smeared = sqlite3_column_int64(st, 8) != 0;
                                CHECK_OOM(b, e->action = xdup(e->outcome[0] == 's' ? "acquisition-finished"
                                                                                   : "acquisition-failed"));
                                CHECK_OOM(b, e->message = xfmt("%s acquisition %" PRId64 " %s (%s)%s%s%s",
                                                               kind ? kind : "?", id, status ? status : "?",
                                                               mode ? mode : "-", smeared ? ", possibly smeared" : "",
                                                               e->path ? ": " : "", e->path ? e->path : ""));
                        } else {
                                CHECK_OOM(b, e->action = xdup("acquisition-started"));
                                CHECK_OOM(b, e->message = xfmt("%s acquisition %" PRId64 " started (%s) by %s on %s",
                                                               kind ? kind : "?", id, mode ? mode : "-",
                                                               e->user ? e->user : "?", e->host ? e->host : "?"));
                        }
                }
        }
        return r < 0 ? r : b->oom ? -ENOMEM : 0;
}

/*
 * One entry of @src for each row of @sql (column 0: its id) whose time
 * (column @ts_col) is in range, filled from the row by @fill.
 */
static int collect_rows(struct builder *b, const char *sql, int ts_col, enum hvs_tl_source src,
                        void (*fill)(struct builder *b, sqlite3_stmt *st, hvs_tl_entry *e)) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = tl_prepare(b->db, sql, &st, b->diag);
        if (r < 0)
                return r;
        while ((r = tl_step(b->db, st, b->diag)) > 0 && !b->oom) {
                int64_t ts = sqlite3_column_int64(st, ts_col);
                if (!in_range(b, ts))
                        continue;
                hvs_tl_entry *e = entry_new(b, ts, src);
                if (!e)
                        break;
                e->row_id = sqlite3_column_int64(st, 0);
                fill(b, st, e);
        }
        return r < 0 ? r : b->oom ? -ENOMEM : 0;
}

static void event_fill(struct builder *b, sqlite3_stmt *st, hvs_tl_entry *e) {
        _cleanup_free_ char *category = tl_col_text(st, 5, &b->oom);
        e->provider = tl_col_text(st, 4, &b->oom);
        e->action = tl_col_text(st, 6, &b->oom);
        ecs_classify(category, e->action, &e->category, &e->type);
        e->dataset = "hvscope.event";
        e->desc = "Event Time";
        if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
                e->has_process = true;
                e->pid = (int32_t)sqlite3_column_int64(st, 7);
                e->comm = tl_col_text(st, 8, &b->oom);
        }
        e->message = tl_col_text(st, 9, &b->oom);
        if (!e->message)
                CHECK_OOM(b, e->message = xdup(""));
        e->data_json = tl_col_text(st, 10, &b->oom);
        entry_vm(b, e, sqlite3_column_int64(st, 1), snap_get(b, sqlite3_column_int64(st, 2)));
}

static int collect_events(struct builder *b) {
        return collect_rows(b,
                            "SELECT id, IFNULL(vm_id, 0), IFNULL(snapshot_id, 0), ts_ns, source, category, action,"
                            " pid, comm, summary, data_json FROM events ORDER BY ts_ns, id",
                            3, HVS_TL_EVENT, event_fill);
}

static void finding_fill(struct builder *b, sqlite3_stmt *st, hvs_tl_entry *e) {
        e->kind = "alert";
        e->category = "intrusion_detection";
        e->type = "info";
        e->dataset = "hvscope.finding";
        e->desc = "Finding Time";
        e->rule_id = tl_col_text(st, 4, &b->oom);
        e->rule_name = tl_col_text(st, 4, &b->oom);
        e->action = tl_col_text(st, 4, &b->oom);
        e->severity = tl_col_text(st, 5, &b->oom);
        e->severity_num = tl_severity_num(e->severity);
        e->message = tl_col_text(st, 6, &b->oom);
        if (!e->message)
                CHECK_OOM(b, e->message = xdup(""));
        e->rule_description = tl_col_text(st, 7, &b->oom);
        e->technique = tl_col_text(st, 8, &b->oom);
        e->data_json = tl_col_text(st, 9, &b->oom);
        entry_vm(b, e, sqlite3_column_int64(st, 1), snap_get(b, sqlite3_column_int64(st, 2)));
}

static int collect_findings(struct builder *b) {
        return collect_rows(b,
                            "SELECT id, IFNULL(vm_id, 0), IFNULL(snapshot_id, 0), ts_ns, check_id, severity, title,"
                            " explanation, attack_technique, evidence_json FROM findings ORDER BY ts_ns, id",
                            3, HVS_TL_FINDING, finding_fill);
}

static void custody_fill(struct builder *b, sqlite3_stmt *st, hvs_tl_entry *e) {
        e->category = "database";
        e->dataset = "hvscope.custody";
        e->desc = "Custody Action Time";
        e->user = tl_col_text(st, 2, &b->oom);
        e->host = tl_col_text(st, 3, &b->oom);
        e->tool_version = tl_col_text(st, 4, &b->oom);
        e->action = tl_col_text(st, 5, &b->oom);
        e->type = e->action && (strstr(e->action, "verify") || strstr(e->action, "report") ||
                                strstr(e->action, "timeline") || strstr(e->action, "export"))
                          ? "access"
                          : "change";
        e->data_json = tl_col_text(st, 6, &b->oom);
        e->sha256 = tl_col_text(st, 7, &b->oom);
        e->custody_hash = tl_col_text(st, 8, &b->oom);
        CHECK_OOM(b, e->message = xfmt("custody #%" PRId64 ": %s by %s on %s", e->row_id, e->action ? e->action : "?",
                                       e->user ? e->user : "?", e->host ? e->host : "?"));
}

static int collect_custody(struct builder *b) {
        return collect_rows(b,
                            "SELECT seq, ts_ns, actor, host, tool_version, action, args_json, result_sha256, hash"
                            " FROM custody ORDER BY seq",
                            1, HVS_TL_CUSTODY, custody_fill);
}

static void builder_free(struct builder *b) {
        for (size_t i = 0; i < b->n_vms; i++) {
                free(b->vms[i].name);
                free(b->vms[i].uuid);
                free(b->vms[i].host);
                free(b->vms[i].hostname);
                free(b->vms[i].kernel);
        }
        free(b->vms);
        for (size_t i = 0; i < b->n_snaps; i++) {
                free(b->snaps[i].hostname);
                free(b->snaps[i].kernel);
                free(b->snaps[i].source);
                free(b->snaps[i].label);
        }
        free(b->snaps);
        free(b->by_id);
        free(b->seqs);
        hvs_timeline_free(b->tl);
}

int hvs_timeline_build_db(sqlite3 *db, const hvs_timeline_opts *opts, hvs_diag *diag, hvs_timeline **ret) {
        struct builder b = { .db = db, .diag = diag };
        if (opts) {
                if (opts->sz < sizeof(size_t) || opts->sz > sizeof *opts)
                        return HVS_DIAG(diag, -EINVAL, "bad timeline options (sz %zu)", opts->sz);
                memcpy(&b.o, opts, opts->sz);
        }
        b.o.sz = sizeof b.o;
        if (!b.o.max_entries)
                b.o.max_entries = HVS_DEFAULT_MAX_TIMELINE;
        if (!db)
                return HVS_DIAG(diag, -EINVAL, "no case database");
        b.tl = hvs_calloc(1, sizeof *b.tl);
        if (!b.tl)
                return HVS_DIAG(diag, -ENOMEM, "out of memory building the timeline");
        int (*const steps[])(struct builder *) = {
                load_vms, load_snapshots, collect_processes, collect_modules, collect_snapshots,
                collect_acquisitions, collect_events, collect_findings, collect_custody,
        };
        int r = tl_exec(db, "SAVEPOINT hvs_timeline", diag);
        for (size_t i = 0; i < ARRAY_SIZE(steps) && r >= 0; i++) {
                r = steps[i](&b);
                if (r >= 0 && b.oom)
                        r = -ENOMEM;
        }
        /* Reads only: releasing cannot lose anything; its failure changes nothing read. */
        (void)sqlite3_exec(db, "RELEASE hvs_timeline", NULL, NULL, NULL);
        if (r >= 0)
                r = cut(&b);
        if (r < 0) {
                if (r == -ENOMEM)
                        HVS_DIAG(diag, -ENOMEM, "out of memory building the timeline");
                builder_free(&b);
                return r;
        }
        *ret = TAKE_PTR(b.tl);
        builder_free(&b);
        return 0;
}
