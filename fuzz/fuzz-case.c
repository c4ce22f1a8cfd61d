/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-case.c - verify, diff and the readers of a case that a tampering hand
 * changed: the case is read back as hostile input (custody rows with any
 * hash, seq or args_json, rows ranges of any size, acquisitions naming any
 * path, artifacts and views with any text, a head in meta that lies, rows
 * whose snapshot is gone).
 *
 * A valid case is built once through the library (create, an acquisition,
 * events, a finding, two snapshots with processes, modules and sockets).
 * Each input starts from a copy of it (the failed acquisition's file is
 * missing, as a failed acquisition leaves it), with the custody triggers
 * dropped as an attacker would, then applies a stream of mutations: one selector byte
 * (mutation = byte % N_MUTATIONS), then its parameters, each an 8-byte
 * little-endian integer or a string (a length byte, then that many bytes);
 * a parameter past the end of input is 0 or "". A mutation SQLite refuses is
 * skipped. Paths are confined under a directory that does not exist, so no
 * host file is read.
 *
 * Checks: verify returns 0 with a bounded list of problems, each with a
 * table name from the schema and non-NULL texts; a case left untouched
 * verifies clean; diff returns 0 or -ENOENT/-EBADMSG, never a crash; the
 * readers walk every row.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <hvscope/case.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parameters: 'i' integer, 't' text. */
static const struct {
        const char *sql, *params;
} mutations[] = {
        { "UPDATE custody SET args_json = ?2 WHERE seq = ?1", "it" },
        { "UPDATE custody SET hash = ?2 WHERE seq = ?1", "it" },
        { "UPDATE custody SET prev_hash = ?2 WHERE seq = ?1", "it" },
        { "UPDATE custody SET seq = ?2 WHERE seq = ?1", "ii" },
        { "DELETE FROM custody WHERE seq = ?1", "i" },
        { "INSERT INTO custody(seq, ts_ns, actor, host, tool_version, action, args_json, result_sha256, prev_hash,"
          " hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "iitttttttt" },
        { "UPDATE custody SET args_json = json_set(args_json, '$.rows[0].first', ?2) WHERE seq = ?1", "ii" },
        { "UPDATE custody SET args_json = json_set(args_json, '$.rows[0].last', ?2) WHERE seq = ?1", "ii" },
        { "UPDATE custody SET args_json = json_set(args_json, '$.rows[0].table', ?2) WHERE seq = ?1", "it" },
        { "UPDATE acquisitions SET sha256 = ?2, size = ?3 WHERE id = ?1", "iti" },
        { "UPDATE acquisitions SET path = '/nonexistent-hvs-fuzz/' || ?2 WHERE id = ?1", "it" },
        { "INSERT INTO processes(snapshot_id, pid, ppid, comm, cmdline, start_boot_ns, start_ns, state, task_addr)"
          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", "iiittiiti" },
        { "DELETE FROM processes WHERE id = ?1", "i" },
        { "UPDATE processes SET comm = ?2, start_boot_ns = ?3, cmdline = ?4 WHERE id = ?1", "itit" },
        { "INSERT INTO modules(snapshot_id, name, size, base, module_addr, params_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
          "itiiit" },
        { "INSERT INTO sockets(snapshot_id, proto, family, state, local_addr, local_port, remote_addr, remote_port,"
          " path, inode, owners_json, sock_addr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
          "ittttitititi" },
        { "UPDATE meta SET value = ?1 WHERE key = 'custody_head'", "t" },
        { "UPDATE snapshots SET content_sha256 = ?2, label = ?3 WHERE id = ?1", "itt" },
        { "INSERT INTO events(vm_id, snapshot_id, ts_ns, source, category, action, pid, comm, summary, data_json)"
          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "iiitttittt" },
        { "INSERT INTO view_json(snapshot_id, view, json) VALUES(?1, ?2, ?3)", "itt" },
        { "DELETE FROM snapshots WHERE id = ?1", "i" },
        { "UPDATE vms SET name = ?2, host = ?3 WHERE id = ?1", "itt" },
        { "UPDATE findings SET severity = ?2, evidence_json = ?3 WHERE id = ?1", "itt" },
};
#define N_MUTATIONS (sizeof mutations / sizeof mutations[0])

static char template_path[256], work_path[256];
static uint8_t *template_bytes;
static size_t template_len;

/* An invariant of the target itself: say which, then crash (the fuzzer keeps the input). */
#define must(cond)                                                                       \
        do {                                                                             \
                if (!(cond)) {                                                           \
                        fprintf(stderr, "fuzz-case: %s:%d: '%s' does not hold\n", __FILE__, \
                                __LINE__, #cond);                                        \
                        abort();                                                         \
                }                                                                        \
        } while (0)

static void add_snapshot(hvs_case *c, int variant) {
        static char argv1[] = "/bin/sh\0-c\0sleep 1";
        hvs_task tasks[3] = { 0 };
        for (int i = 0; i < 3; i++) {
                tasks[i].pid = tasks[i].tgid = i + 1 + variant;
                tasks[i].ppid = 1;
                tasks[i].state = 'S';
                tasks[i].start_boottime_ns = (uint64_t)(i + 1) * 1000;
                tasks[i].addr = HVS_GVA(0xffff888000001000ull * (uint64_t)(i + 1));
                snprintf(tasks[i].comm, sizeof tasks[i].comm, "p%d", i + variant);
        }
        tasks[0].argv = argv1;
        tasks[0].argv_len = sizeof argv1 - 1;
        hvs_task_list tl = { .tasks = tasks, .n = 3 };
        hvs_module mods[2] = { 0 };
        snprintf(mods[0].name, sizeof mods[0].name, "virtio");
        snprintf(mods[1].name, sizeof mods[1].name, variant ? "rootkit" : "ext4");
        mods[0].size = 4096;
        mods[1].size = 8192;
        hvs_module_list ml = { .modules = mods, .n = 2 };
        hvs_socket sock = { .proto = HVS_SOCK_TCP, .family = HVS_AF_INET, .state = 10, .local_port = 8080,
                            .inode = 100 + (uint64_t)variant };
        hvs_socket_list sl = { .socks = &sock, .n = 1 };
        hvs_snapshot_record rec = { .vm = { .name = "vm" }, .taken_ns = 1700000000000000000 + variant,
                                    .guest_boot_ns = 1690000000000000000, .source = "live" };
        hvs_case_snap *s = NULL;
        must(hvs_case_snapshot_begin(c, &rec, &s) == 0);
        must(hvs_case_snap_add_tasks(s, &tl) == 0);
        must(hvs_case_snap_add_modules(s, &ml) == 0);
        must(hvs_case_snap_add_sockets(s, &sl) == 0);
        must(hvs_case_snap_add_view_json(s, "ps", "{\"processes\":[]}") == 0);
        must(hvs_case_snapshot_commit(s, NULL, NULL) == 0);
}

static int read_whole(const char *path, uint8_t **ret, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return -1;
        size_t cap = 1 << 20, n = 0;
        uint8_t *b = malloc(cap);
        size_t k;
        while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
                n += k;
                if (n == cap)
                        b = realloc(b, cap *= 2);
        }
        fclose(f);
        *ret = b;
        *ret_len = n;
        return b ? 0 : -1;
}

static void write_whole(const char *path, const uint8_t *b, size_t n) {
        FILE *f = fopen(path, "wb");
        must(f && fwrite(b, 1, n, f) == n);
        must(fclose(f) == 0);
}

/* The valid case every input starts from, built once. */
static void build_template(void) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(template_path, sizeof template_path, "%s/hvs-fuzz-case-%d.tmpl", dir, (int)getpid());
        snprintf(work_path, sizeof work_path, "%s/hvs-fuzz-case-%d.sqlite", dir, (int)getpid());
        unlink(template_path);
        hvs_case *c = NULL;
        must(hvs_case_open(template_path, HVS_CASE_CREATE, NULL, &c) == 0);
        hvs_acq_record a = { .kind = "memory", .mode = "live", .path = "/nonexistent-hvs-fuzz/mem.elf", .size = 1,
                             .sha256 = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
                             .downtime_ns = -1, .started_ns = 1, .status = "failed", .vm_name = "vm" };
        must(hvs_case_add_acquisition(c, &a, NULL) == 0);
        hvs_event_record ev[2] = {
                { .ts_ns = 5, .source = "s", .category = "process", .action = "start", .pid = 3, .summary = "x" },
                { .ts_ns = 6, .source = "s", .category = "network", .action = "conn", .pid = -1, .summary = "y",
                  .data_json = "{}" },
        };
        must(hvs_case_add_events(c, ev, 2, NULL) == 0);
        hvs_finding_record fi = { .ts_ns = 7, .check_id = "c", .severity = "high", .title = "t" };
        must(hvs_case_add_findings(c, &fi, 1, NULL) == 0);
        add_snapshot(c, 0);
        add_snapshot(c, 1);
        hvs_case_close(c);
        must(read_whole(template_path, &template_bytes, &template_len) == 0);
        unlink(template_path);
}

struct in {
        const uint8_t *p;
        size_t n;
};

static int64_t take_int(struct in *in) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
                if (in->n) {
                        v |= (uint64_t)*in->p << (8 * i);
                        in->p++;
                        in->n--;
                }
        return (int64_t)v;
}

static void take_text(struct in *in, char *buf, size_t cap) {
        size_t len = in->n ? *in->p : 0;
        if (in->n) {
                in->p++;
                in->n--;
        }
        if (len > in->n)
                len = in->n;
        if (len >= cap)
                len = cap - 1;
        memcpy(buf, in->p, len);
        buf[len] = '\0';        /* text stops at a NUL, as text bound from C does */
        in->p += len;
        in->n -= len;
}

static int vm_cb(void *ud, const hvs_case_vm *v) {
        (*(size_t *)ud) += v->name != NULL;
        return 0;
}
static int acq_cb(void *ud, const hvs_case_acq *a) {
        (*(size_t *)ud) += a->path != NULL;
        return 0;
}
static int snap_cb(void *ud, const hvs_case_snapshot *s) {
        (*(size_t *)ud) += s->label != NULL;
        return 0;
}
static int custody_cb(void *ud, const hvs_case_custody *r) {
        (*(size_t *)ud) += r->args_json != NULL;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!template_bytes)
                build_template();
        write_whole(work_path, template_bytes, template_len);
        hvs_case *c = NULL;
        if (hvs_case_open(work_path, 0, NULL, &c) < 0)
                abort();        /* the template is a valid case */
        sqlite3 *db = hvs_case_db(c);
        if (size)
                must(sqlite3_exec(db, "DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete; "
                                      "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) == SQLITE_OK);
        struct in in = { data, size };
        while (in.n) {
                unsigned sel = *in.p % N_MUTATIONS;
                in.p++;
                in.n--;
                sqlite3_stmt *st = NULL;
                if (sqlite3_prepare_v2(db, mutations[sel].sql, -1, &st, NULL) != SQLITE_OK)
                        abort();
                for (int i = 0; mutations[sel].params[i]; i++) {
                        if (mutations[sel].params[i] == 'i') {
                                sqlite3_bind_int64(st, i + 1, take_int(&in));
                        } else {
                                char buf[256];
                                take_text(&in, buf, sizeof buf);
                                sqlite3_bind_text(st, i + 1, buf, -1, SQLITE_TRANSIENT);
                        }
                }
                (void)sqlite3_step(st);         /* a refused mutation is skipped */
                sqlite3_finalize(st);
        }
        hvs_case_verify_result *r = NULL;
        must(hvs_case_verify(c, &r) == 0);
        must(r->n_problems <= HVS_MAX_CASE_PROBLEMS);
        for (size_t i = 0; i < r->n_problems; i++)
                must(r->problems[i].table && r->problems[i].field && r->problems[i].msg && r->problems[i].expected &&
                     r->problems[i].found);
        if (size == 0)
                must(r->n_problems == 0);
        hvs_case_verify_result_free(r);
        for (int64_t a = 1; a <= 3; a++)
                for (int64_t b = 1; b <= 3; b++) {
                        hvs_diff *d = NULL;
                        int e = hvs_case_diff(c, a, b, &d);
                        must(e == 0 || e == -ENOENT || e == -EBADMSG);
                        for (size_t i = 0; e == 0 && i < d->n; i++)
                                must(d->items[i].key && d->items[i].label);
                        hvs_diff_free(d);
                }
        size_t n = 0;
        (void)hvs_case_foreach_vm(c, vm_cb, &n);
        (void)hvs_case_foreach_acquisition(c, acq_cb, &n);
        (void)hvs_case_foreach_snapshot(c, snap_cb, &n);
        (void)hvs_case_foreach_custody(c, custody_cb, &n);
        char *json = NULL;
        if (hvs_case_get_view_json(c, 1, "ps", &json) == 0)
                free(json);
        hvs_case_close(c);
        unlink(work_path);
        return 0;
}
