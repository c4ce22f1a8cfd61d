/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-timeline.c - the timeline, its exports and the HTML report of a case
 * whose rows a hostile guest (strings, PIDs, parent links, times) or a
 * tampering hand (every column) chose.
 *
 * Input: a stream of rows. Each row is one selector byte (table = byte % 9:
 * vms, snapshots, processes, modules, acquisitions, events, findings,
 * sockets, custody), then its columns in schema order, each an 8-byte
 * little-endian integer or a string (one length byte, then that many bytes,
 * any bytes; a length byte 0xf0 + k is the k-th of `words`); a column past
 * the end of input is 0 or "". Rows the schema
 * rejects (a CHECK, a duplicate key) are skipped. Then the first byte of
 * the input picks a max_entries and whether to filter by time.
 *
 * Checks: the timeline is in order; each NDJSON line is one strict JSON
 * document in valid UTF-8; the CSV has as many records as entries; the
 * report has no script, no event handler, no element a string could have
 * smuggled in.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <hvscope/case.h>
#include <hvscope/timeline.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const char hvs_case_schema_sql[];

/* Columns: 'i' integer, 't' text. */
static const struct {
        const char *sql, *cols;
} tables[] = {
        { "INSERT INTO vms(id, host, name, uuid, qmp, qemu_pid, first_seen_ns, last_seen_ns) VALUES(?1, ?2, ?3, ?4, ?5,"
          " ?6, ?7, ?8)", "ittttiii" },
        { "INSERT INTO snapshots(id, vm_id, taken_ns, guest_time_ns, guest_boot_ns, paused, source, kernel_release,"
          " hostname, label) VALUES(?1, ?2, ?3, ?4, ?5, ?6 & 1, ?7, ?8, ?9, ?10)", "iiiiiitttt" },
        { "INSERT INTO processes(snapshot_id, pid, tgid, ppid, uid, euid, state, kthread, comm, cmdline, start_ns,"
          " threads, task_addr) VALUES(?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7 & 1, ?8, ?9, ?10, ?11, ?12)", "iiiiitittiii" },
        { "INSERT INTO modules(snapshot_id, name, base, size, module_addr) VALUES(?1, ?2, ?3, ?4, ?5)", "itiii" },
        { "INSERT INTO acquisitions(id, vm_id, kind, mode, path, size, sha256, started_ns, finished_ns,"
          " tool_version, host, actor, status, detail_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
          " ?13, ?14)", "iitttitiitttt" "t" },
        { "INSERT INTO events(vm_id, snapshot_id, ts_ns, source, category, action, pid, comm, summary, data_json)"
          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "iiitttittt" },
        { "INSERT INTO findings(vm_id, snapshot_id, ts_ns, check_id, severity, title, explanation, attack_technique,"
          " evidence_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", "iiittttt" "t" },
        { "INSERT INTO sockets(snapshot_id, proto, family, state, local_addr, local_port, remote_addr, remote_port,"
          " path, inode, owners_json, sock_addr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
          "ittttititit" "i" },
        { "INSERT INTO custody(seq, ts_ns, actor, host, tool_version, action, args_json, result_sha256, prev_hash,"
          " hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "iitttttttt" },
};

/* Words the CHECK constraints accept, so rows get in; a selector past them keeps the fuzzer's own text. */
static const char *const words[16] = { "memory", "registers", "views", "complete", "failed", "partial",
                                       "info", "low", "medium", "high", "critical", "tcp", "unix", "LISTEN",
                                       "live", "process" };

struct in {
        const uint8_t *p;
        size_t n;
};

static uint64_t take_int(struct in *in) {
        uint64_t v = 0;
        for (int i = 0; i < 8 && in->n; i++, in->p++, in->n--)
                v |= (uint64_t)in->p[0] << (8 * i);
        return v;
}

static void bind_text(sqlite3_stmt *st, int col, struct in *in) {
        size_t len = in->n ? in->p[0] : 0;
        if (in->n) {
                in->p++;
                in->n--;
        }
        if (len >= 0xf0) {
                sqlite3_bind_text(st, col, words[len - 0xf0], -1, SQLITE_STATIC);
                return;
        }
        if (len > in->n)
                len = in->n;
        sqlite3_bind_text(st, col, (const char *)in->p, (int)len, SQLITE_TRANSIENT);
        in->p += len;
        in->n -= len;
}

static void check_html(const char *html) {
        for (const char *p = html; (p = strchr(p, '<')); p++) {
                if (!strncasecmp(p, "<script", 7) || !strncasecmp(p, "<img", 4) || !strncasecmp(p, "<iframe", 7) ||
                    !strncasecmp(p, "<object", 7) || !strncasecmp(p, "<embed", 6) || !strncasecmp(p, "<link", 5))
                        abort();
                const char *end = strchr(p, '>');
                if (!end)
                        abort();
                for (const char *a = p; a + 3 < end; a++)
                        if ((a[0] == ' ' || a[0] == '\n' || a[0] == '/') && (a[1] | 0x20) == 'o' &&
                            (a[2] | 0x20) == 'n' && (a[3] | 0x20) >= 'a' && (a[3] | 0x20) <= 'z')
                                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        sqlite3 *db = NULL;
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || hvs_case_migrate_db(db, hvs_case_schema_sql, NULL, NULL) < 1)
                abort();
        struct in in = { data, size };
        for (int rows = 0; in.n && rows < 4096; rows++) {
                unsigned t = in.p[0] % (sizeof tables / sizeof *tables);
                in.p++;
                in.n--;
                sqlite3_stmt *st;
                if (sqlite3_prepare_v2(db, tables[t].sql, -1, &st, NULL) != SQLITE_OK)
                        abort();
                for (int c = 0; tables[t].cols[c]; c++) {
                        if (tables[t].cols[c] == 'i')
                                sqlite3_bind_int64(st, c + 1, (sqlite3_int64)take_int(&in));
                        else
                                bind_text(st, c + 1, &in);
                }
                sqlite3_step(st);
                sqlite3_finalize(st);
        }
        hvs_timeline_opts o = { .sz = sizeof o };
        if (size && (data[0] & 1))
                o.max_entries = 1 + data[0] % 7;
        if (size > 1 && (data[1] & 1)) {
                o.from_ns = (int64_t)1 << 60;
                o.to_ns = INT64_MAX;
        }
        hvs_timeline *tl = NULL;
        hvs_diag d = { 0 };
        int r = hvs_timeline_build_db(db, &o, &d, &tl);
        if (r < 0) {
                if (r != -ENOMEM && r != -EBADMSG)
                        abort();
                sqlite3_close(db);
                return 0;
        }
        for (size_t i = 1; i < tl->n; i++)
                if (tl->entries[i - 1].ts_ns > tl->entries[i].ts_ns)
                        abort();
        if (o.max_entries && tl->n > o.max_entries)
                abort();

        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f || hvs_timeline_write_ndjson(tl, f) < 0)
                abort();
        fclose(f);
        size_t lines = 0;
        for (char *line = buf, *nl; line < buf + len; line = nl + 1, lines++) {
                nl = memchr(line, '\n', (size_t)(buf + len - line));
                if (!nl)
                        abort();
                json_tokener *tok = json_tokener_new();
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
                json_object *doc = json_tokener_parse_ex(tok, line, (int)(nl - line));
                if (!doc || json_tokener_get_parse_end(tok) != (size_t)(nl - line))
                        abort();
                json_object_put(doc);
                json_tokener_free(tok);
        }
        if (lines != tl->n)
                abort();
        free(buf);

        f = open_memstream(&buf, &len);
        if (!f || hvs_timeline_write_csv(tl, f) < 0)
                abort();
        fclose(f);
        free(buf);
        hvs_timeline_free(tl);

        f = open_memstream(&buf, &len);
        hvs_report_opts ro = { .sz = sizeof ro, .now_ns = 1, .max_rows = 50 };
        r = hvs_report_write_db(db, &ro, &d, f);
        fclose(f);
        if (r < 0 && r != -ENOMEM && r != -EBADMSG)
                abort();
        if (r == 0)
                check_html(buf);
        free(buf);
        sqlite3_close(db);
        return 0;
}
