/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-timeline.c - the timeline of a case (src/case/timeline.c), its ECS
 * NDJSON and Timesketch CSV exports (timeline-export.c) and the HTML report
 * (report.c), on cases built here row by row: order and tie-breaks, one
 * entry per process across snapshots, processes and modules that come and go
 * between snapshots, filters and the entry cap, every ECS field, CSV quoting,
 * invalid UTF-8, HTML escaping of hostile guest strings, findings by
 * severity, parent cycles, a database that is not a case, and allocation
 * failures.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <hvscope/case.h>
#include <hvscope/timeline.h>
#include "case/timeline-internal.h"
#include "util/util.h"

#define S 1000000000ll
/* 2024-05-01T12:00:00Z */
#define T0 (1714564800ll * S)

/* ---- building cases ---- */

/* The schema, embedded at build time (src/case/meson.build). */
extern const char hvs_case_schema_sql[];

/* A case with no row at all: the schema on an in-memory database. */
static int test_case_schema(sqlite3 *db) {
        hvs_diag d = { 0 };
        int r = hvs_case_migrate_db(db, hvs_case_schema_sql, &d, NULL);
        if (r < 0)
                fail_msg("schema: %s", d.msg);
        return r > 0 ? 0 : r;
}

static sqlite3 *case_new(void) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        assert_int_equal(test_case_schema(db), 0);
        return db;
}

static int64_t exec_id(sqlite3 *db, const char *sql, ...) {
        /* Arguments: a type letter per ?N (i int64, t text or NULL, d double), in order. */
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        va_list ap;
        va_start(ap, sql);
        const char *types = va_arg(ap, const char *);
        for (int i = 0; types[i]; i++) {
                if (types[i] == 'i')
                        sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
                else {
                        const char *s = va_arg(ap, const char *);
                        if (s)
                                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
                }
        }
        va_end(ap);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return sqlite3_last_insert_rowid(db);
}

static int64_t add_vm(sqlite3 *db, const char *name, const char *uuid) {
        return exec_id(db,
                       "INSERT INTO vms(host, name, uuid, qmp, qemu_pid, first_seen_ns, last_seen_ns)"
                       " VALUES('hv1', ?1, ?2, '/run/vm.qmp', 4242, ?3, ?3)",
                       "tti", name, uuid, (int64_t)T0);
}

static int64_t add_snap(sqlite3 *db, int64_t vm, int64_t taken, const char *hostname) {
        return exec_id(db,
                       "INSERT INTO snapshots(vm_id, taken_ns, guest_time_ns, guest_boot_ns, paused, source,"
                       " kernel_release, hostname) VALUES(?1, ?2, ?3, ?4, 0, 'live', '6.1.0-test', ?5)",
                       "iiiit", vm, taken, taken / S * S + 2 * S, T0 - 3600 * S, hostname);
}

static void add_proc(sqlite3 *db, int64_t snap, int64_t pid, int64_t ppid, const char *comm, const char *cmdline,
                     int64_t start, bool kthread) {
        exec_id(db,
                "INSERT INTO processes(snapshot_id, pid, tgid, ppid, uid, gid, euid, egid, state, kthread, comm,"
                " cmdline, start_ns, threads, task_addr) VALUES(?1, ?2, ?2, ?3, 1000, 1000, 0, 0, 'S', ?4, ?5, ?6, ?7,"
                " 1, ?8)",
                "iiiittii", snap, pid, ppid, (int64_t)kthread, comm, cmdline, start,
                (int64_t)(0xffff888000000000ull + (uint64_t)pid * 0x1000));
}

static void add_module(sqlite3 *db, int64_t snap, const char *name, int64_t addr) {
        exec_id(db, "INSERT INTO modules(snapshot_id, name, base, size, state, module_addr) VALUES(?1, ?2, ?3, 4096,"
                    " 'live', ?3)",
                "iti", snap, name, addr);
}

static int64_t add_acq(sqlite3 *db, int64_t vm, int64_t start, int64_t finish, const char *status) {
        return exec_id(db,
                       "INSERT INTO acquisitions(vm_id, kind, mode, path, size, sha256, compression, started_ns,"
                       " finished_ns, tool_version, host, actor, status, downtime_ns)"
                       " VALUES(?1, 'memory', 'consistent', '/cases/mem.elf', 536870912,"
                       " 'aa00000000000000000000000000000000000000000000000000000000000000', 'none', ?2, ?3, '0.1.0',"
                       " 'hv1', 'root', ?4, 1500000)",
                       "iiit", vm, start, finish, status);
}

static void add_event(sqlite3 *db, int64_t vm, int64_t ts, const char *category, const char *action, int64_t pid,
                      const char *summary) {
        exec_id(db,
                "INSERT INTO events(vm_id, ts_ns, source, category, action, pid, comm, summary, data_json)"
                " VALUES(?1, ?2, 'breakpoint', ?3, ?4, ?5, 'sh', ?6, '{\"addr\":\"0xffffffff81000000\"}')",
                "iittit", vm, ts, category, action, pid, summary);
}

static void add_finding(sqlite3 *db, int64_t vm, int64_t ts, const char *check, const char *sev, const char *title,
                        const char *tech) {
        exec_id(db,
                "INSERT INTO findings(vm_id, ts_ns, check_id, severity, title, explanation, attack_technique,"
                " evidence_json) VALUES(?1, ?2, ?3, ?4, ?5, 'because', ?6, '[1,2]')",
                "iitttt", vm, ts, check, sev, title, tech);
}

static void add_custody(sqlite3 *db, int64_t ts, const char *action) {
        exec_id(db,
                "INSERT INTO custody(ts_ns, actor, host, tool_version, action, args_json, result_sha256, prev_hash,"
                " hash) VALUES(?1, 'root', 'hv1', '0.1.0', ?2, '{\"argv\":[\"hvscope\"]}', NULL, ?3, ?3)",
                "itt", ts, action, "0000000000000000000000000000000000000000000000000000000000000000");
}

/*
 * The standard case: VM "lab" with two snapshots (at T0+100 s and T0+200 s):
 *   pid 1 init (start T0-3600 s) and pid 2 kthreadd (kernel thread) in both;
 *   pid 50 "nc" in both, same start (one process);
 *   pid 60 "old" only in the first (ended in between);
 *   pid 70 "new" only in the second (started at T0+150 s);
 *   pid 80 reused: "a" start T0+10 s in the first, "b" start T0+160 s in the second;
 * VM "other" with one snapshot at T0+120 s holding pid 50 with the same start
 * as lab's (a different process); modules: "ext4" in both lab snapshots,
 * "gone" only in the first, "rootkit" only in the second; an acquisition from
 * T0+100 s to T0+101 s; an event at T0+150 s; findings at T0+210 s; custody at
 * T0+100 s (same time as the first snapshot and the acquisition start).
 */
struct fx {
        sqlite3 *db;
        int64_t lab, other, s1, s2, s3, acq;
};

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        f->db = case_new();
        sqlite3 *db = f->db;
        f->lab = add_vm(db, "lab", "11111111-2222-3333-4444-555555555555");
        f->other = add_vm(db, "other", NULL);
        f->s1 = add_snap(db, f->lab, T0 + 100 * S, "labhost");
        f->s2 = add_snap(db, f->lab, T0 + 200 * S, "labhost");
        f->s3 = add_snap(db, f->other, T0 + 120 * S, "otherhost");
        int64_t boot = T0 - 3600 * S;
        for (int i = 0; i < 2; i++) {
                int64_t s = i ? f->s2 : f->s1;
                add_proc(db, s, 1, 0, "init", "/sbin/init", boot, false);
                add_proc(db, s, 2, 0, "kthreadd", NULL, boot + S / 10, true);
                add_proc(db, s, 50, 1, "nc", "nc -ll -p 4444 -e /bin/cat", T0 + 5 * S, false);
                add_module(db, s, "ext4", 0x1000);
        }
        add_proc(db, f->s1, 60, 1, "old", "old --x", T0 + 20 * S, false);
        add_proc(db, f->s2, 70, 1, "new", "new --y", T0 + 150 * S, false);
        add_proc(db, f->s1, 80, 1, "a", "a", T0 + 10 * S, false);
        add_proc(db, f->s2, 80, 1, "b", "b", T0 + 160 * S, false);
        add_proc(db, f->s3, 50, 1, "nc", "nc other", T0 + 5 * S, false);
        add_module(db, f->s1, "gone", 0x2000);
        add_module(db, f->s2, "rootkit", 0x3000);
        f->acq = add_acq(db, f->lab, T0 + 100 * S, T0 + 101 * S, "complete");
        add_event(db, f->lab, T0 + 150 * S, "process", "process-exec", 70, "exec of /usr/bin/new");
        add_finding(db, f->lab, T0 + 210 * S, "hidden-module", "high", "module hidden from the module list", "T1014");
        add_finding(db, f->lab, T0 + 210 * S, "odd-socket", "low", "unusual listener", NULL);
        add_custody(db, T0 + 100 * S, "acquire memory");
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fx *f = *state;
        sqlite3_close(f->db);
        free(f);
        return 0;
}

static hvs_timeline *build(sqlite3 *db, const hvs_timeline_opts *o) {
        hvs_timeline *tl = NULL;
        hvs_diag d = { 0 };
        int r = hvs_timeline_build_db(db, o, &d, &tl);
        if (r < 0)
                fail_msg("timeline: %d %s", r, d.msg);
        return tl;
}

static size_t count_action(const hvs_timeline *tl, const char *action, int32_t pid) {
        size_t n = 0;
        for (size_t i = 0; i < tl->n; i++)
                n += tl->entries[i].action && !strcmp(tl->entries[i].action, action) &&
                     (pid < 0 || (tl->entries[i].has_process && tl->entries[i].pid == pid));
        return n;
}

static const hvs_tl_entry *find(const hvs_timeline *tl, const char *action, int32_t pid, int64_t vm) {
        for (size_t i = 0; i < tl->n; i++) {
                const hvs_tl_entry *e = &tl->entries[i];
                if (e->action && !strcmp(e->action, action) && (pid < 0 || e->pid == pid) && (vm < 0 || e->vm_id == vm))
                        return e;
        }
        return NULL;
}

/* ---- building the timeline ---- */

static void test_order(void **state) {
        struct fx *f = *state;
        hvs_timeline *tl = build(f->db, NULL);
        assert_false(tl->truncated);
        assert_int_equal(tl->n, tl->n_matched);
        for (size_t i = 1; i < tl->n; i++) {
                const hvs_tl_entry *a = &tl->entries[i - 1], *b = &tl->entries[i];
                assert_true(a->ts_ns < b->ts_ns || (a->ts_ns == b->ts_ns && a->source <= b->source));
        }
        /* The first entries are the boot-time processes on the guest clock. */
        assert_int_equal(tl->entries[0].ts_ns, T0 - 3600 * S);
        assert_string_equal(tl->entries[0].action, "process-started");
        assert_true(tl->entries[0].guest_clock);
        /* At T0+100 s: snapshot, then acquisition start, then custody (source order). */
        size_t i = 0;
        while (i < tl->n && tl->entries[i].ts_ns < T0 + 100 * S)
                i++;
        assert_true(i + 3 <= tl->n);
        assert_int_equal(tl->entries[i].source, HVS_TL_SNAPSHOT);
        assert_int_equal(tl->entries[i + 1].source, HVS_TL_ACQUISITION);
        assert_string_equal(tl->entries[i + 1].action, "acquisition-started");
        assert_int_equal(tl->entries[i + 2].source, HVS_TL_CUSTODY);
        assert_false(tl->entries[i].guest_clock);
        /* The same case gives the same timeline. */
        hvs_timeline *again = build(f->db, NULL);
        assert_int_equal(again->n, tl->n);
        for (size_t k = 0; k < tl->n; k++) {
                assert_int_equal(again->entries[k].ts_ns, tl->entries[k].ts_ns);
                assert_string_equal(again->entries[k].message, tl->entries[k].message);
        }
        hvs_timeline_free(again);
        hvs_timeline_free(tl);
}

static void test_dedup(void **state) {
        struct fx *f = *state;
        hvs_timeline *tl = build(f->db, NULL);
        /* init, kthreadd, nc: in both lab snapshots, one start each. */
        assert_int_equal(count_action(tl, "process-started", 1), 1);
        assert_int_equal(count_action(tl, "process-started", 2), 1);
        /* nc: once for lab, once for the other VM (a different process). */
        assert_int_equal(count_action(tl, "process-started", 50), 2);
        assert_non_null(find(tl, "process-started", 50, f->lab));
        assert_non_null(find(tl, "process-started", 50, f->other));
        /* pid 80 reused with another start: two processes; "a" ended. */
        assert_int_equal(count_action(tl, "process-started", 80), 2);
        assert_int_equal(tl->n_processes_dedup, 3);
        const hvs_tl_entry *e = find(tl, "process-started", 50, f->lab);
        assert_int_equal(e->ts_ns, T0 + 5 * S);
        assert_int_equal(e->snapshot_id, f->s1);        /* from the earliest snapshot */
        assert_string_equal(e->cmdline, "nc -ll -p 4444 -e /bin/cat");
        assert_int_equal(e->ppid, 1);
        assert_int_equal(e->uid, 1000);
        assert_string_equal(e->hostname, "labhost");
        assert_string_equal(e->vm_name, "lab");
        /* Ended between the snapshots: 60 "old" and 80 "a", at the second snapshot. */
        assert_int_equal(count_action(tl, "process-ended", -1), 2);
        e = find(tl, "process-ended", 60, -1);
        assert_non_null(e);
        assert_int_equal(e->ts_ns, T0 + 200 * S);
        assert_false(e->guest_clock);
        assert_string_equal(e->type, "end");
        e = find(tl, "process-ended", 80, -1);
        assert_string_equal(e->comm, "a");
        /* 70 started between the snapshots: its own start time. */
        e = find(tl, "process-started", 70, -1);
        assert_int_equal(e->ts_ns, T0 + 150 * S);
        hvs_timeline_free(tl);
}

static void test_modules(void **state) {
        struct fx *f = *state;
        hvs_timeline *tl = build(f->db, NULL);
        assert_int_equal(count_action(tl, "module-loaded", -1), 1);
        assert_int_equal(count_action(tl, "module-unloaded", -1), 1);
        const hvs_tl_entry *e = find(tl, "module-loaded", -1, -1);
        assert_string_equal(e->module, "rootkit");
        assert_int_equal(e->ts_ns, T0 + 200 * S);
        assert_string_equal(e->category, "driver");
        assert_string_equal(e->type, "start");
        e = find(tl, "module-unloaded", -1, -1);
        assert_string_equal(e->module, "gone");
        assert_string_equal(e->type, "end");
        hvs_timeline_free(tl);
}

static void test_filters(void **state) {
        struct fx *f = *state;
        hvs_timeline *all = build(f->db, NULL);
        hvs_timeline_opts o = { .sz = sizeof o, .from_ns = T0 + 100 * S, .to_ns = T0 + 150 * S };
        hvs_timeline *tl = build(f->db, &o);
        size_t want = 0;
        for (size_t i = 0; i < all->n; i++)
                want += all->entries[i].ts_ns >= o.from_ns && all->entries[i].ts_ns <= o.to_ns;
        assert_int_equal(tl->n, want);
        assert_true(want >= 5);
        for (size_t i = 0; i < tl->n; i++)
                assert_true(tl->entries[i].ts_ns >= o.from_ns && tl->entries[i].ts_ns <= o.to_ns);
        hvs_timeline_free(tl);

        o = (hvs_timeline_opts){ .sz = sizeof o, .no_kthreads = true };
        tl = build(f->db, &o);
        assert_int_equal(tl->n, all->n - 1);
        assert_int_equal(count_action(tl, "process-started", 2), 0);
        hvs_timeline_free(tl);

        /* The cap keeps the earliest entries, whatever order they were read in. */
        o = (hvs_timeline_opts){ .sz = sizeof o, .max_entries = 3 };
        tl = build(f->db, &o);
        assert_true(tl->truncated);
        assert_int_equal(tl->n, 3);
        assert_int_equal(tl->n_matched, all->n);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(tl->entries[i].ts_ns, all->entries[i].ts_ns);
        hvs_timeline_free(tl);
        hvs_timeline_free(all);

        hvs_diag d = { 0 };
        o = (hvs_timeline_opts){ .sz = sizeof o + 64 };
        assert_int_equal(hvs_timeline_build_db(f->db, &o, &d, &tl), -EINVAL);
}

static void test_not_a_case(void **state) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "CREATE TABLE vms(x)", NULL, NULL, NULL), SQLITE_OK);
        hvs_timeline *tl = (hvs_timeline *)0x1;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_timeline_build_db(db, NULL, &d, &tl), -EBADMSG);
        assert_ptr_equal(tl, (hvs_timeline *)0x1);
        assert_non_null(strstr(d.msg, "cannot read the case"));
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_int_equal(hvs_report_write_db(db, NULL, &d, f), -EBADMSG);
        fclose(f);
        free(buf);
        sqlite3_close(db);

        /* An empty case: an empty timeline, not an error. */
        db = case_new();
        tl = build(db, NULL);
        assert_int_equal(tl->n, 0);
        hvs_timeline_free(tl);
        sqlite3_close(db);
}

static void test_alloc_failures(void **state) {
        struct fx *f = *state;
        for (unsigned n = 0;; n++) {
                hvs_timeline *tl = NULL;
                hvs_test_fail_alloc_after(n);
                int r = hvs_timeline_build_db(f->db, NULL, NULL, &tl);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (r == 0) {
                        assert_true(tl->n > 20);
                        hvs_timeline_free(tl);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                assert_null(tl);
                assert_true(n < 100000);
        }
}

/* ---- time ---- */

static void test_time(void **state) {
        char b[40];
        assert_string_equal(hvs_time_format(T0 + 123456789, b, sizeof b), "2024-05-01T12:00:00.123456Z");
        assert_string_equal(hvs_time_format(-1, b, sizeof b), "1969-12-31T23:59:59.999999Z");
        assert_string_equal(hvs_time_format(0, b, sizeof b), "1970-01-01T00:00:00.000000Z");
        int64_t t = 0;
        assert_int_equal(hvs_time_parse("2024-05-01", &t), 0);
        assert_int_equal(t, T0 - 12 * 3600 * S);
        assert_int_equal(hvs_time_parse("2024-05-01T12:00:00Z", &t), 0);
        assert_int_equal(t, T0);
        assert_int_equal(hvs_time_parse("2024-05-01 14:00+02:00", &t), 0);
        assert_int_equal(t, T0);
        assert_int_equal(hvs_time_parse("2024-05-01T12:00:00.25", &t), 0);
        assert_int_equal(t, T0 + S / 4);
        assert_int_equal(hvs_time_parse("2024-05-01T11:30:00-0030", &t), 0);
        assert_int_equal(t, T0);
        assert_int_equal(hvs_time_parse("@1714564800", &t), 0);
        assert_int_equal(t, T0);
        assert_int_equal(hvs_time_parse("2024-02-29", &t), 0);
        t = 42;
        static const char *const bad[] = {
                "", "2024", "2024-13-01", "2023-02-29", "2024-04-31", "2024-05-01T25:00", "2024-05-01T12",
                "2024-05-01T12:00:00.", "2024-05-01Z1", "@", "@12x", "@99999999999999999999", "9999-01-01",
                "2024-05-01T12:00+24:00", "x2024-05-01",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                if (hvs_time_parse(bad[i], &t) != -EINVAL)
                        fail_msg("'%s' parsed", bad[i]);
        assert_int_equal(t, 42);
        /* Round trip. */
        assert_int_equal(hvs_time_parse(hvs_time_format(T0 + 987654000, b, sizeof b), &t), 0);
        assert_int_equal(t, T0 + 987654000);
}

/* ---- text from the case ---- */

static void test_utf8(void **state) {
        static const struct {
                const char *in;
                size_t len;
                const char *out;
        } cases[] = {
                { "abc", 3, "abc" },
                { "caf\xc3\xa9", 5, "caf\xc3\xa9" },
                { "\xe2\x82\xac\xf0\x9f\x98\x80", 7, "\xe2\x82\xac\xf0\x9f\x98\x80" },
                { "a\xff" "b", 3, "a\xef\xbf\xbd" "b" },                        /* invalid byte */
                { "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },                  /* overlong '/' */
                { "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },  /* surrogate */
                { "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
                { "x\xe2\x82", 3, "x\xef\xbf\xbd\xef\xbf\xbd" },                /* truncated */
                { "a\0b", 3, "a\xef\xbf\xbd" "b" },                             /* NUL */
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *s = tl_utf8_dup(cases[i].in, cases[i].len, 1000);
                assert_non_null(s);
                assert_string_equal(s, cases[i].out);
                free(s);
        }
        /* The cap cuts at a character boundary. */
        char *s = tl_utf8_dup("ab\xe2\x82\xac", 5, 4);
        assert_string_equal(s, "ab");
        free(s);
}

/* ---- NDJSON ---- */

static char *write_to_string(int (*fn)(const hvs_timeline *, FILE *), const hvs_timeline *tl) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(fn(tl, f), 0);
        fclose(f);
        return buf;
}

static json_object *jget(json_object *o, const char *path) {
        char p[256];
        hvs_strlcpy(p, path, sizeof p);
        char *save = NULL;
        for (char *k = strtok_r(p, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
                if (!json_object_object_get_ex(o, k, &o))
                        return NULL;
        return o;
}

static const char *jstr(json_object *o, const char *path) {
        json_object *v = jget(o, path);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *jarr0(json_object *o, const char *path) {
        json_object *v = jget(o, path);
        if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) != 1)
                return NULL;
        return json_object_get_string(json_object_array_get_idx(v, 0));
}

/* Lines of NDJSON as parsed objects; every line must be strict JSON in valid UTF-8. */
static json_object **parse_ndjson(char *text, size_t *ret_n) {
        json_object **docs = NULL;
        size_t n = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_tokener *tok = json_tokener_new();
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
                json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
                if (!o || json_tokener_get_parse_end(tok) != strlen(line))
                        fail_msg("not one JSON document: %s", line);
                json_tokener_free(tok);
                docs = realloc(docs, (n + 1) * sizeof *docs);
                docs[n++] = o;
        }
        *ret_n = n;
        return docs;
}

static json_object *doc_with(json_object **docs, size_t n, const char *action, int pid) {
        for (size_t i = 0; i < n; i++) {
                const char *a = jstr(docs[i], "event.action");
                json_object *p = jget(docs[i], "process.pid");
                if (a && !strcmp(a, action) && (pid < 0 || (p && json_object_get_int(p) == pid)))
                        return docs[i];
        }
        return NULL;
}

static void test_ndjson(void **state) {
        struct fx *f = *state;
        /* A hostile, invalid-UTF-8 name must still give strict JSON. */
        add_proc(f->db, f->s2, 99, 1, "bad\xff\"name\n", "x\x01y", T0 + 170 * S, false);
        hvs_timeline *tl = build(f->db, NULL);
        char *text = write_to_string(hvs_timeline_write_ndjson, tl);
        size_t n = 0;
        json_object **docs = parse_ndjson(text, &n);
        assert_int_equal(n, tl->n);
        static const char *const kinds[] = { "event", "alert", "state" };
        for (size_t i = 0; i < n; i++) {
                const char *ts = jstr(docs[i], "@timestamp");
                assert_non_null(ts);
                assert_int_equal(strlen(ts), 27);
                assert_int_equal(ts[26], 'Z');
                assert_non_null(jstr(docs[i], "message"));
                assert_string_equal(jstr(docs[i], "ecs.version"), "8.11.0");
                assert_string_equal(jstr(docs[i], "event.module"), "hvscope");
                assert_non_null(jstr(docs[i], "event.dataset"));
                assert_non_null(jarr0(docs[i], "event.category"));
                assert_non_null(jarr0(docs[i], "event.type"));
                bool kind_ok = false;
                for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
                        kind_ok |= !strcmp(jstr(docs[i], "event.kind"), kinds[k]);
                assert_true(kind_ok);
                /* In timeline order. */
                if (i)
                        assert_true(strcmp(jstr(docs[i - 1], "@timestamp"), ts) <= 0);
        }
        json_object *o = doc_with(docs, n, "process-started", 50);
        assert_non_null(o);
        assert_string_equal(jstr(o, "@timestamp"), "2024-05-01T12:00:05.000000Z");
        assert_string_equal(jstr(o, "event.kind"), "event");
        assert_string_equal(jarr0(o, "event.category"), "process");
        assert_string_equal(jarr0(o, "event.type"), "start");
        assert_string_equal(jstr(o, "event.dataset"), "hvscope.process");
        assert_string_equal(jstr(o, "process.name"), "nc");
        assert_string_equal(jstr(o, "process.command_line"), "nc -ll -p 4444 -e /bin/cat");
        assert_int_equal(json_object_get_int(jget(o, "process.parent.pid")), 1);
        assert_string_equal(jstr(o, "process.user.id"), "1000");        /* ECS keyword: a string */
        assert_string_equal(jstr(o, "process.start"), "2024-05-01T12:00:05.000000Z");
        assert_non_null(jstr(o, "process.entity_id"));
        assert_string_equal(jstr(o, "host.name"), "lab");
        assert_string_equal(jstr(o, "host.hostname"), "labhost");
        assert_string_equal(jstr(o, "host.id"), "11111111-2222-3333-4444-555555555555");
        assert_string_equal(jstr(o, "host.os.kernel"), "6.1.0-test");
        assert_string_equal(jstr(o, "hvscope.clock"), "guest");
        assert_string_equal(jstr(o, "hvscope.timestamp_desc"), "Process Start Time");

        o = doc_with(docs, n, "process-started", 2);
        assert_null(jget(o, "process.command_line"));   /* kernel thread */
        assert_true(json_object_get_boolean(jget(o, "hvscope.kthread")));

        o = doc_with(docs, n, "process-started", 99);
        assert_string_equal(jstr(o, "process.name"), "bad\xef\xbf\xbd\"name\n");

        o = doc_with(docs, n, "acquisition-finished", -1);
        assert_non_null(o);
        assert_string_equal(jarr0(o, "event.category"), "file");
        assert_string_equal(jarr0(o, "event.type"), "creation");
        assert_string_equal(jstr(o, "event.outcome"), "success");
        assert_int_equal(json_object_get_int64(jget(o, "event.duration")), S);
        assert_string_equal(jstr(o, "file.path"), "/cases/mem.elf");
        assert_int_equal(json_object_get_int64(jget(o, "file.size")), 536870912);
        assert_string_equal(jstr(o, "file.hash.sha256"),
                            "aa00000000000000000000000000000000000000000000000000000000000000");
        assert_string_equal(jstr(o, "observer.hostname"), "hv1");
        assert_string_equal(jstr(o, "observer.version"), "0.1.0");
        assert_string_equal(jstr(o, "user.name"), "root");
        assert_non_null(doc_with(docs, n, "acquisition-started", -1));

        o = doc_with(docs, n, "hidden-module", -1);
        assert_non_null(o);
        assert_string_equal(jstr(o, "event.kind"), "alert");
        assert_string_equal(jarr0(o, "event.category"), "intrusion_detection");
        assert_string_equal(jarr0(o, "event.type"), "info");
        assert_int_equal(json_object_get_int(jget(o, "event.severity")), 4);
        assert_string_equal(jstr(o, "rule.name"), "hidden-module");
        assert_string_equal(jstr(o, "rule.id"), "hidden-module");
        assert_string_equal(jstr(o, "rule.description"), "because");
        assert_string_equal(jarr0(o, "threat.technique.id"), "T1014");
        assert_string_equal(jstr(o, "threat.framework"), "MITRE ATT&CK");
        assert_string_equal(jstr(o, "message"), "module hidden from the module list");
        assert_true(json_object_is_type(jget(o, "hvscope.data"), json_type_array));
        assert_null(jget(doc_with(docs, n, "odd-socket", -1), "threat"));

        o = doc_with(docs, n, "process-exec", -1);
        assert_string_equal(jarr0(o, "event.category"), "process");
        assert_string_equal(jarr0(o, "event.type"), "start");
        assert_string_equal(jstr(o, "event.provider"), "breakpoint");
        assert_int_equal(json_object_get_int(jget(o, "process.pid")), 70);
        assert_string_equal(jstr(o, "hvscope.data.addr"), "0xffffffff81000000");

        o = doc_with(docs, n, "snapshot-taken", -1);
        assert_string_equal(jstr(o, "event.kind"), "state");
        assert_string_equal(jarr0(o, "event.category"), "host");

        o = doc_with(docs, n, "acquire memory", -1);
        assert_string_equal(jarr0(o, "event.category"), "database");
        assert_string_equal(jarr0(o, "event.type"), "change");
        assert_int_equal(json_object_get_int(jget(o, "hvscope.custody.seq")), 1);

        o = doc_with(docs, n, "module-loaded", -1);
        assert_string_equal(jarr0(o, "event.category"), "driver");
        assert_string_equal(jstr(o, "hvscope.module"), "rootkit");

        for (size_t i = 0; i < n; i++)
                json_object_put(docs[i]);
        free(docs);
        free(text);
        hvs_timeline_free(tl);
}

static void test_ecs_event_rows(void **state) {
        sqlite3 *db = case_new();
        int64_t vm = add_vm(db, "v", NULL);
        /* A category ECS does not have becomes "host"; a type its category forbids becomes the default. */
        add_event(db, vm, T0, "made-up", "thing-started", 1, "a");
        add_event(db, vm, T0 + 1, "network", "tcp-connect", 1, "b");
        add_event(db, vm, T0 + 2, "file", "file-unlink", 1, "c");
        add_event(db, vm, T0 + 3, "process", "process-connect", 1, "d");
        add_event(db, vm, T0 + 4, "library", "x", 1, "e");
        hvs_timeline *tl = build(db, NULL);
        assert_int_equal(tl->n, 5);
        static const char *const want[][2] = {
                { "host", "start" }, { "network", "connection" }, { "file", "deletion" },
                { "process", "info" }, { "library", "start" },
        };
        for (size_t i = 0; i < 5; i++) {
                assert_string_equal(tl->entries[i].category, want[i][0]);
                assert_string_equal(tl->entries[i].type, want[i][1]);
        }
        hvs_timeline_free(tl);
        sqlite3_close(db);
}

/* ---- CSV ---- */

/* RFC 4180: the fields of the record at *@p (advanced past it); NULL at the end. */
static char **csv_record(const char **p, size_t *ret_n) {
        if (!**p)
                return NULL;
        char **fields = NULL;
        size_t n = 0;
        for (;;) {
                char *v = calloc(1, strlen(*p) + 1);
                size_t k = 0;
                if (**p == '"') {
                        for ((*p)++;; (*p)++) {
                                assert_true(**p != '\0');
                                if (**p == '"' && (*p)[1] == '"')
                                        v[k++] = '"', (*p)++;
                                else if (**p == '"') {
                                        (*p)++;
                                        break;
                                } else
                                        v[k++] = **p;
                        }
                } else
                        while (**p && **p != ',' && **p != '\n') {
                                assert_true(**p != '"' && **p != '\r');
                                v[k++] = *(*p)++;
                        }
                fields = realloc(fields, (n + 1) * sizeof *fields);
                fields[n++] = v;
                if (**p == ',') {
                        (*p)++;
                        continue;
                }
                assert_int_equal(**p, '\n');
                (*p)++;
                break;
        }
        *ret_n = n;
        return fields;
}

static void free_fields(char **f, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(f[i]);
        free(f);
}

static void test_csv(void **state) {
        struct fx *f = *state;
        add_proc(f->db, f->s2, 91, 1, "q,uote", "sh -c \"echo a,b\"\nline2\r\nend", T0 + 170 * S, false);
        hvs_timeline *tl = build(f->db, NULL);
        char *text = write_to_string(hvs_timeline_write_csv, tl);
        const char *p = text;
        size_t nh = 0, n;
        char **head = csv_record(&p, &nh);
        static const char *const first[] = { "message", "datetime", "timestamp_desc", "timestamp" };
        for (size_t i = 0; i < 4; i++)
                assert_string_equal(head[i], first[i]);
        size_t c_cmd = 0, c_name = 0, c_pid = 0, c_sha = 0, c_action = 0;
        for (size_t i = 0; i < nh; i++) {
                if (!strcmp(head[i], "command_line"))
                        c_cmd = i;
                if (!strcmp(head[i], "process_name"))
                        c_name = i;
                if (!strcmp(head[i], "pid"))
                        c_pid = i;
                if (!strcmp(head[i], "sha256"))
                        c_sha = i;
                if (!strcmp(head[i], "event_action"))
                        c_action = i;
        }
        assert_true(c_cmd && c_name && c_pid && c_sha && c_action);
        size_t rows = 0;
        bool saw91 = false, saw_sha = false;
        char **rec;
        while ((rec = csv_record(&p, &n))) {
                assert_int_equal(n, nh);
                const hvs_tl_entry *e = &tl->entries[rows++];
                assert_string_equal(rec[0], e->message);
                /* timestamp: microseconds, the same instant as datetime. */
                int64_t us = strtoll(rec[3], NULL, 10), t = 0;
                assert_int_equal(us, e->ts_ns / 1000);
                assert_int_equal(hvs_time_parse(rec[1], &t), 0);
                assert_int_equal(t / 1000, us);
                assert_string_equal(rec[2], e->desc);
                if (!strcmp(rec[c_pid], "91") && !strcmp(rec[c_action], "process-started")) {
                        saw91 = true;
                        assert_string_equal(rec[c_name], "q,uote");
                        assert_string_equal(rec[c_cmd], "sh -c \"echo a,b\"\nline2\r\nend");
                }
                saw_sha |= !strcmp(rec[c_sha], "aa00000000000000000000000000000000000000000000000000000000000000");
                free_fields(rec, n);
        }
        assert_int_equal(rows, tl->n);
        assert_true(saw91 && saw_sha);
        free_fields(head, nh);
        free(text);
        hvs_timeline_free(tl);
}

/* ---- the report ---- */

static char *report(sqlite3 *db) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        hvs_diag d = { 0 };
        hvs_report_opts o = { .sz = sizeof o, .case_path = "/cases/<x>.db", .now_ns = T0 + 1000 * S };
        int r = hvs_report_write_db(db, &o, &d, f);
        fclose(f);
        if (r < 0)
                fail_msg("report: %d %s", r, d.msg);
        return buf;
}

/* Every tag and attribute the page has: no script, no handler, no external URL. */
static void assert_inert(const char *html) {
        for (const char *p = html; (p = strchr(p, '<')); p++) {
                if (!strncasecmp(p, "<script", 7) || !strncasecmp(p, "<img", 4) || !strncasecmp(p, "<iframe", 7) ||
                    !strncasecmp(p, "<link", 5) || !strncasecmp(p, "<object", 7) || !strncasecmp(p, "<embed", 6))
                        fail_msg("live element: %.60s", p);
                const char *end = strchr(p, '>');
                assert_non_null(end);
                for (const char *a = p; a < end; a++) {
                        if ((a[0] == ' ' || a[0] == '\t') && !strncasecmp(a + 1, "on", 2) &&
                            strchr("abcdefghijklmnopqrstuvwxyz", a[3] | 0x20) && a[3])
                                fail_msg("event handler attribute: %.60s", a);
                        if (!strncasecmp(a, " src=", 5) || (!strncasecmp(a, " href=", 6) && a[7] != '#'))
                                fail_msg("resource: %.60s", a);
                }
        }
        assert_null(strstr(html, "javascript:"));
}

static void test_report_escaping(void **state) {
        struct fx *f = *state;
        add_proc(f->db, f->s2, 666, 1, "<script>alert(1)</script>", "\"><img src=x onerror=alert(2)> '&",
                 T0 + 180 * S, false);
        add_proc(f->db, f->s2, 667, 666, "<svg onload=1>", "x\x1b[2Jy", T0 + 181 * S, false);
        exec_id(f->db,
                "INSERT INTO sockets(snapshot_id, proto, family, state, local_addr, local_port, remote_addr,"
                " remote_port, inode, owners_json, sock_addr) VALUES(?1, 'tcp', 'inet', 'LISTEN', '0.0.0.0', 4444,"
                " '0.0.0.0', 0, 77, ?2, 1)",
                "it", f->s2, "[{\"pid\":666,\"comm\":\"<script>alert(3)</script>\",\"fd\":3}]");
        exec_id(f->db,
                "INSERT INTO sockets(snapshot_id, proto, family, state, path, inode, owners_json, sock_addr)"
                " VALUES(?1, 'unix', 'unix', 'LISTEN', ?2, 78, 'not json <b>', 2)",
                "it", f->s2, "/tmp/<iframe src=//evil>");
        exec_id(f->db, "UPDATE snapshots SET hostname = '<b onmouseover=alert(4)>h</b>' WHERE id = ?1", "i", f->s2);
        add_finding(f->db, f->lab, T0 + 300 * S, "<x>", "critical", "<iframe src=//evil></iframe>", "T1055");
        char *html = report(f->db);
        assert_inert(html);
        assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_non_null(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt; &#39;&amp;"));
        assert_non_null(strstr(html, "&lt;svg onload=1&gt;"));
        assert_non_null(strstr(html, "x\\x1b[2Jy"));
        assert_non_null(strstr(html, "&lt;script&gt;alert(3)&lt;/script&gt;"));
        assert_non_null(strstr(html, "not json &lt;b&gt;"));
        assert_non_null(strstr(html, "/tmp/&lt;iframe src=//evil&gt;"));
        assert_non_null(strstr(html, "&lt;b onmouseover=alert(4)&gt;h&lt;/b&gt;"));
        assert_non_null(strstr(html, "/cases/&lt;x&gt;.db"));
        assert_non_null(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""));
        /* The chart is there, inline. */
        assert_non_null(strstr(html, "<svg class=chart"));
        assert_non_null(strstr(html, "processes ("));
        free(html);
}

static void test_report_content(void **state) {
        struct fx *f = *state;
        add_finding(f->db, f->lab, T0 + 205 * S, "crit-check", "critical", "the critical one", NULL);
        add_finding(f->db, f->lab, T0 + 206 * S, "info-check", "info", "the info one", NULL);
        exec_id(f->db,
                "INSERT INTO sockets(snapshot_id, proto, family, state, local_addr, local_port, remote_addr,"
                " remote_port, inode, owners_json, sock_addr) VALUES(?1, 'tcp', 'inet', 'ESTAB', '10.0.2.15', 8080,"
                " '10.0.2.2', 40000, 91, '[{\"pid\":50,\"comm\":\"nc\",\"fd\":4}]', 1)",
                "i", f->s2);
        char *html = report(f->db);
        assert_inert(html);
        /* Findings by severity: critical, high, low, info. */
        const char *c = strstr(html, "the critical one"), *h = strstr(html, "module hidden from the module list"),
                   *l = strstr(html, "unusual listener"), *i = strstr(html, "the info one");
        assert_true(c && h && l && i);
        assert_true(c < h && h < l && l < i);
        /* The latest snapshot's processes, as a tree, with their command lines. */
        assert_non_null(strstr(html, "nc -ll -p 4444 -e /bin/cat"));
        assert_non_null(strstr(html, "new --y"));
        assert_null(strstr(html, ">old --x<"));          /* only in the first snapshot */
        assert_non_null(strstr(html, "Process tree (5 processes)"));
        /* The connection with its owner. */
        assert_non_null(strstr(html, "10.0.2.15:8080"));
        assert_non_null(strstr(html, "10.0.2.2:40000"));
        assert_non_null(strstr(html, "<b>nc</b> (50, fd 4)"));
        /* The acquisition with its hash. */
        assert_non_null(strstr(html, "aa00000000000000000000000000000000000000000000000000000000000000"));
        assert_non_null(strstr(html, "/cases/mem.elf"));
        assert_non_null(strstr(html, "512.0 MiB"));
        free(html);

        /* An empty case: every section says so. */
        sqlite3 *db = case_new();
        html = report(db);
        assert_inert(html);
        assert_non_null(strstr(html, "No findings"));
        assert_non_null(strstr(html, "No VM recorded"));
        assert_non_null(strstr(html, "No acquisition recorded"));
        assert_non_null(strstr(html, "Nothing with a time"));
        assert_non_null(strstr(html, "The custody log is empty"));
        assert_true(strstr(html, "</html>\n") && !strstr(html, "</html>\n")[8]);
        free(html);
        sqlite3_close(db);
}

static void test_report_cycle(void **state) {
        sqlite3 *db = case_new();
        int64_t vm = add_vm(db, "cyc", NULL);
        int64_t s = add_snap(db, vm, T0, "h");
        add_proc(db, s, 1, 0, "init", "init", T0 - S, false);
        add_proc(db, s, 10, 11, "ten", "ten", T0 - S, false);   /* 10 <-> 11: a parent cycle */
        add_proc(db, s, 11, 10, "eleven", "eleven", T0 - S, false);
        add_proc(db, s, 12, 12, "self", "self", T0 - S, false);  /* its own parent */
        add_proc(db, s, 13, 1, "child", "child", T0 - S, false);
        char *html = report(db);
        assert_non_null(strstr(html, ">ten<"));
        assert_non_null(strstr(html, ">eleven<"));
        assert_non_null(strstr(html, ">self<"));
        assert_non_null(strstr(html, "parent links form a cycle"));
        /* Each process once. */
        const char *p = strstr(html, "Process tree");
        size_t rows = 0;
        for (const char *q = p; (q = strstr(q, "<tr><td class=n>")) && q < strstr(p, "</table>"); q++)
                rows++;
        assert_int_equal(rows, 5);
        /* child comes right under init. */
        assert_true(strstr(html, ">init<") < strstr(html, ">child<") && strstr(html, ">child<") < strstr(html, ">self<"));
        free(html);
        sqlite3_close(db);
}

static void test_report_limits(void **state) {
        struct fx *f = *state;
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        hvs_report_opts o = { .sz = sizeof o, .max_rows = 2 };
        assert_int_equal(hvs_report_write_db(f->db, &o, NULL, out), 0);
        fclose(out);
        assert_non_null(strstr(buf, "more processes not shown"));
        assert_non_null(strstr(buf, "more entries not shown"));
        free(buf);
        o.sz = 3;
        assert_int_equal(hvs_report_write_db(f->db, &o, NULL, stdout), -EINVAL);
        /* A stream that fails: its errno. */
        FILE *full = fopen("/dev/full", "w");
        if (full) {
                setvbuf(full, NULL, _IONBF, 0);
                assert_int_equal(hvs_report_write_db(f->db, NULL, NULL, full), -ENOSPC);
                hvs_timeline *tl = build(f->db, NULL);
                assert_int_equal(hvs_timeline_write_ndjson(tl, full), -ENOSPC);
                clearerr(full);
                assert_int_equal(hvs_timeline_write_csv(tl, full), -ENOSPC);
                hvs_timeline_free(tl);
                fclose(full);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
                cmocka_unit_test(test_not_a_case),
                cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
                cmocka_unit_test(test_time),
                cmocka_unit_test(test_utf8),
                cmocka_unit_test_setup_teardown(test_ndjson, setup, teardown),
                cmocka_unit_test(test_ecs_event_rows),
                cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
                cmocka_unit_test_setup_teardown(test_report_escaping, setup, teardown),
                cmocka_unit_test_setup_teardown(test_report_content, setup, teardown),
                cmocka_unit_test(test_report_cycle),
                cmocka_unit_test_setup_teardown(test_report_limits, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
