/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-case.c - the evidence store (src/case): opening and refusing bad
 * files, the migration runner on a two-section test schema, the custody
 * chain and what verify finds after an attacker edits, deletes, reorders or
 * truncates log rows, or changes an image, artifact rows, a snapshot, and
 * adds unlogged rows; artifact insert and query; rollback of a failed
 * snapshot; diff on synthetic snapshots; allocation failures.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <hvscope/case.h>

void hvs_test_fail_alloc_after(unsigned n);

struct fx {
        char dir[64];
        char path[128];         /* the case */
        char img[128];          /* an "image" file */
};

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        if (!f)
                return -1;
        snprintf(f->dir, sizeof f->dir, "/tmp/hvs-test-case.XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/case.sqlite", f->dir);
        snprintf(f->img, sizeof f->img, "%s/mem.img", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fx *f = *state;
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        free(f);
        return 0;
}

static void write_file(const char *path, const void *data, size_t n) {
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(data, 1, n, fp), n);
        assert_int_equal(fclose(fp), 0);
}

/* What an attacker with the sqlite3 shell does: a second connection, no triggers, any SQL. */
static void attack(const char *path, const char *sql) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        char *err = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
        if (rc != SQLITE_OK)
                fail_msg("attack SQL failed: %s", err);
        sqlite3_close(db);
}

static int64_t count(hvs_case *c, const char *sql) {
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(hvs_case_db(c), sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        int64_t n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
}

static hvs_case *open_ok(const char *path, unsigned flags) {
        hvs_case *c = NULL;
        hvs_diag d = { 0 };
        int r = hvs_case_open(path, flags, &d, &c);
        if (r < 0)
                fail_msg("open '%s': %d %s", path, r, d.msg);
        return c;
}

static int open_err(const char *path, unsigned flags, char *msg, size_t cap) {
        hvs_case *c = NULL;
        hvs_diag d = { 0 };
        int r = hvs_case_open(path, flags, &d, &c);
        assert_true(r < 0);
        assert_null(c);
        snprintf(msg, cap, "%s", d.msg);
        return r;
}

/* ---- opening ---- */

static void test_open_missing_is_not_created(void **state) {
        struct fx *f = *state;
        char msg[512];
        assert_int_equal(open_err(f->path, HVS_CASE_READONLY, msg, sizeof msg), -ENOENT);
        assert_non_null(strstr(msg, "does not exist"));
        assert_int_equal(open_err(f->path, 0, msg, sizeof msg), -ENOENT);
        assert_int_equal(access(f->path, F_OK), -1);
}

static void test_create_and_reopen(void **state) {
        struct fx *f = *state;
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        assert_int_equal(count(c, "PRAGMA user_version"), hvs_case_schema_version());
        assert_int_equal(count(c, "PRAGMA application_id"), HVS_CASE_APPLICATION_ID);
        assert_int_equal(count(c, "PRAGMA foreign_keys"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM custody WHERE seq = 1 AND action = 'create'"), 1);
        /* STRICT: a text in an INTEGER column is refused. */
        char *err = NULL;
        assert_int_not_equal(sqlite3_exec(hvs_case_db(c), "INSERT INTO vms(host, first_seen_ns, last_seen_ns) VALUES('h', 'yesterday', 1)",
                                          NULL, NULL, &err),
                             SQLITE_OK);
        sqlite3_free(err);
        hvs_case_close(c);
        c = open_ok(f->path, HVS_CASE_CREATE);         /* existing: opened, not re-created */
        assert_int_equal(count(c, "SELECT count(*) FROM custody"), 1);
        hvs_case_close(c);
        c = open_ok(f->path, HVS_CASE_READONLY);
        int64_t id;
        hvs_acq_record a = { .kind = "memory", .status = "complete", .started_ns = 1 };
        assert_int_equal(hvs_case_add_acquisition(c, &a, &id), -EROFS);
        hvs_case_close(c);
}

static void test_open_bad_files(void **state) {
        struct fx *f = *state;
        char msg[512];
        write_file(f->path, "", 0);
        assert_int_equal(open_err(f->path, HVS_CASE_CREATE, msg, sizeof msg), -EBADMSG);
        assert_non_null(strstr(msg, "empty"));
        char text[200];
        memset(text, 'x', sizeof text);
        memcpy(text, "this is not a database", 22);
        write_file(f->path, text, sizeof text);
        assert_int_equal(open_err(f->path, 0, msg, sizeof msg), -EBADMSG);
        assert_non_null(strstr(msg, "not an SQLite database"));

        /* A real case cut in half. */
        unlink(f->path);
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        hvs_case_close(c);
        struct stat st;
        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(truncate(f->path, st.st_size / 2), 0);
        assert_int_equal(open_err(f->path, HVS_CASE_READONLY, msg, sizeof msg), -EBADMSG);
        assert_non_null(strstr(msg, "truncated"));
        assert_int_equal(truncate(f->path, 50), 0);
        assert_int_equal(open_err(f->path, HVS_CASE_READONLY, msg, sizeof msg), -EBADMSG);

        /* An SQLite database that is not a case. */
        unlink(f->path);
        attack(f->path, "CREATE TABLE t(x)");
        assert_int_equal(open_err(f->path, HVS_CASE_CREATE, msg, sizeof msg), -EBADMSG);
        assert_non_null(strstr(msg, "not a hvscope case"));

        /* A case from a newer hvscope. */
        unlink(f->path);
        hvs_case_close(open_ok(f->path, HVS_CASE_CREATE));
        attack(f->path, "PRAGMA user_version = 99");
        assert_int_equal(open_err(f->path, HVS_CASE_READONLY, msg, sizeof msg), -EPROTONOSUPPORT);
        assert_non_null(strstr(msg, "newer"));
        assert_int_equal(open_err(f->path, 0, msg, sizeof msg), -EPROTONOSUPPORT);
}

static void test_default_path(void **state) {
        (void)state;
        setenv("HVS_CASE", "/x/y.sqlite", 1);
        assert_string_equal(hvs_case_default_path(), "/x/y.sqlite");
        setenv("HVS_CASE", "", 1);
        assert_string_equal(hvs_case_default_path(), HVS_CASE_DEFAULT_PATH);
        unsetenv("HVS_CASE");
        assert_string_equal(hvs_case_default_path(), HVS_CASE_DEFAULT_PATH);
}

/* ---- migrations ---- */

static const char SCHEMA2[] = "-- test schema\n"
                              "-- migrate 1\n"
                              "CREATE TABLE a (x INTEGER) STRICT;\n"
                              "INSERT INTO a VALUES (1);\n"
                              "-- migrate 2\n"
                              "-- a comment only line\n"
                              "ALTER TABLE a ADD COLUMN y TEXT;\n"
                              "CREATE TABLE b (z TEXT) STRICT;\n";

static int64_t db_int(sqlite3 *db, const char *sql) {
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        int rc = sqlite3_step(st);
        int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        return v;
}

static void test_migrate_runner(void **state) {
        (void)state;
        sqlite3 *db;
        hvs_diag d = { 0 };
        int from = -1;
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        assert_int_equal(hvs_case_migrate_db(db, SCHEMA2, &d, &from), 2);
        assert_int_equal(from, 0);
        assert_int_equal(db_int(db, "PRAGMA user_version"), 2);
        assert_int_equal(db_int(db, "SELECT count(*) FROM b"), 0);
        assert_int_equal(hvs_case_migrate_db(db, SCHEMA2, &d, &from), 2);     /* nothing to do */
        assert_int_equal(from, 2);
        assert_int_equal(db_int(db, "SELECT count(*) FROM a"), 1);            /* section 1 did not run again */
        sqlite3_close(db);

        /* A version-1 database gets section 2 only. */
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        static const char ONLY1[] = "-- migrate 1\nCREATE TABLE a (x INTEGER) STRICT;\nINSERT INTO a VALUES (1);\n";
        assert_int_equal(hvs_case_migrate_db(db, ONLY1, &d, &from), 1);
        assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 0);
        assert_int_equal(hvs_case_migrate_db(db, SCHEMA2, &d, &from), 2);
        assert_int_equal(from, 1);
        assert_int_equal(db_int(db, "SELECT count(*) FROM a"), 1);
        assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 1);

        /* Newer than the schema: refused, untouched. */
        assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(hvs_case_migrate_db(db, SCHEMA2, &d, &from), -EPROTONOSUPPORT);
        assert_non_null(strstr(d.msg, "newer"));
        sqlite3_close(db);

        /* Sections out of order, or none. */
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        assert_int_equal(hvs_case_migrate_db(db, "-- migrate 2\nCREATE TABLE a(x);\n", &d, &from), -EBADMSG);
        assert_int_equal(hvs_case_migrate_db(db, "-- migrate 1\n-- migrate 1\n", &d, &from), -EBADMSG);
        assert_int_equal(hvs_case_migrate_db(db, "CREATE TABLE a(x);\n", &d, &from), -EBADMSG);
        assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_schema"), 0);

        /* A failing section rolls back whole; the earlier one stays. */
        static const char BAD2[] = "-- migrate 1\nCREATE TABLE a (x INTEGER) STRICT;\n"
                                   "-- migrate 2\nCREATE TABLE c (x INTEGER) STRICT;\nTHIS IS NOT SQL;\n";
        assert_int_equal(hvs_case_migrate_db(db, BAD2, &d, &from), -EIO);
        assert_non_null(strstr(d.msg, "schema migration 2"));
        assert_int_equal(db_int(db, "PRAGMA user_version"), 1);
        assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'c'"), 0);
        assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'a'"), 1);
        sqlite3_close(db);
}

/* ---- records, the chain, verify ---- */

static hvs_case_verify_result *verify(hvs_case *c) {
        hvs_case_verify_result *r = NULL;
        assert_int_equal(hvs_case_verify(c, &r), 0);
        return r;
}

static bool has_problem(const hvs_case_verify_result *r, enum hvs_case_problem_kind k, const char *table,
                        int64_t row, const char *field) {
        for (size_t i = 0; i < r->n_problems; i++) {
                const hvs_case_problem *p = &r->problems[i];
                if (p->kind == k && !strcmp(p->table, table) && p->row == row && !strcmp(p->field, field))
                        return true;
        }
        return false;
}

static void print_problems(const hvs_case_verify_result *r) {
        for (size_t i = 0; i < r->n_problems; i++)
                print_message("  problem: %s (%s row %lld %s)\n", r->problems[i].msg, r->problems[i].table,
                              (long long)r->problems[i].row, r->problems[i].field);
}

#define ASSERT_PROBLEM(r, k, t, row, field)                                         \
        do {                                                                         \
                if (!has_problem((r), (k), (t), (row), (field))) {                   \
                        print_problems(r);                                           \
                        fail_msg("no problem %d %s row %d %s", (k), (t), (row), (field)); \
                }                                                                    \
        } while (0)

static const char IMG_SHA[] = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"; /* "hello world" */

/* A case with: create, an acquisition of a file, a batch of events, a batch of findings. */
static hvs_case *populated(struct fx *f) {
        write_file(f->img, "hello world", 11);
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        char *argv[] = { "hvscope", "acquire", "memory" };
        assert_int_equal(hvs_case_set_command(c, 3, argv), 0);
        hvs_acq_record a = { .kind = "memory", .mode = "consistent", .path = f->img, .size = 11, .sha256 = IMG_SHA,
                             .compression = "none", .downtime_ns = 1234, .started_ns = 1700000000000000000,
                             .finished_ns = 1700000001000000000, .status = "complete", .vm_name = "vm1",
                             .qmp_path = "/run/vm1.qmp", .qemu_pid = 42, .detail_json = "{\"vcpus\":2}" };
        int64_t id = 0;
        assert_int_equal(hvs_case_add_acquisition(c, &a, &id), 0);
        assert_int_equal(id, 1);
        hvs_event_record ev[3] = {
                { .vm_id = 1, .ts_ns = 1700000002000000000, .source = "test", .category = "process",
                  .action = "process-started", .pid = 7, .comm = "sh", .summary = "sh started" },
                { .ts_ns = 1700000003000000000, .source = "test", .category = "network", .action = "connection",
                  .pid = -1, .summary = "a connection", .data_json = "[1,2]" },
                { .ts_ns = 1700000004000000000, .source = "test", .category = "host", .action = "x", .pid = -1,
                  .summary = "third" },
        };
        assert_int_equal(hvs_case_add_events(c, ev, 3, &id), 0);
        assert_int_equal(id, 1);
        hvs_finding_record fi = { .vm_id = 1, .ts_ns = 1700000005000000000, .check_id = "hidden-module",
                                  .severity = "high", .title = "a hidden module", .attack_technique = "T1014",
                                  .evidence_json = "{\"module\":\"rk\"}" };
        assert_int_equal(hvs_case_add_findings(c, &fi, 1, &id), 0);
        return c;
}

static void test_records_and_clean_verify(void **state) {
        struct fx *f = *state;
        hvs_case *c = populated(f);
        assert_int_equal(count(c, "SELECT count(*) FROM custody"), 4);
        assert_int_equal(count(c, "SELECT count(*) FROM vms WHERE name = 'vm1' AND qemu_pid = 42"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM acquisitions WHERE path LIKE '/%' AND actor LIKE '% (%)'"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM custody WHERE action = 'acquire' AND result_sha256 = "
                                  "(SELECT sha256 FROM acquisitions WHERE id = 1)"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM custody WHERE json_extract(args_json, '$.argv[1]') = 'acquire'"),
                         3);
        /* The same VM again (same name and socket): no new row. */
        int64_t vm = 0;
        assert_int_equal(hvs_case_add_vm(c, &(hvs_vm_record){ .name = "vm1", .qmp_path = "/run/vm1.qmp" }, &vm), 0);
        assert_int_equal(vm, 1);
        assert_int_equal(count(c, "SELECT count(*) FROM custody"), 4);
        hvs_case_verify_result *r = verify(c);
        print_problems(r);
        assert_int_equal(r->n_problems, 0);
        assert_int_equal(r->custody_rows, 4);
        assert_int_equal(r->images, 1);
        assert_int_equal(r->image_bytes, 11);
        assert_int_equal(strlen(r->head_hash), 64);
        assert_int_equal(hvs_case_log_verify(c, r), 0);
        hvs_case_verify_result_free(r);
        r = verify(c);
        assert_int_equal(r->n_problems, 0);
        assert_int_equal(r->custody_rows, 5);
        hvs_case_verify_result_free(r);
        hvs_case_close(c);

        /* Read-only verify gives the same answer. */
        c = open_ok(f->path, HVS_CASE_READONLY);
        r = verify(c);
        assert_int_equal(r->n_problems, 0);
        hvs_case_verify_result_free(r);
        hvs_case_close(c);
}

static void test_record_validation(void **state) {
        struct fx *f = *state;
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        hvs_acq_record a = { .kind = "disk", .status = "complete", .started_ns = 1 };
        assert_int_equal(hvs_case_add_acquisition(c, &a, NULL), -EINVAL);
        a.kind = "memory";
        a.status = "done";
        assert_int_equal(hvs_case_add_acquisition(c, &a, NULL), -EINVAL);
        a.status = "failed";
        a.sha256 = "ABC";
        assert_int_equal(hvs_case_add_acquisition(c, &a, NULL), -EINVAL);
        a.sha256 = NULL;
        a.detail_json = "{not json";
        assert_int_equal(hvs_case_add_acquisition(c, &a, NULL), -EINVAL);
        assert_non_null(strstr(hvs_case_errmsg(c), "JSON"));
        hvs_finding_record fi = { .ts_ns = 1, .check_id = "x", .severity = "severe", .title = "t" };
        assert_int_equal(hvs_case_add_findings(c, &fi, 1, NULL), -EINVAL);
        fi.severity = "low";
        fi.snapshot_id = 99;
        assert_int_equal(hvs_case_add_findings(c, &fi, 1, NULL), -EINVAL);
        hvs_event_record ev[2] = {
                { .ts_ns = 1, .source = "s", .category = "c", .action = "a", .pid = -1, .summary = "ok" },
                { .ts_ns = 1, .source = "s", .category = "c", .action = "a", .pid = -1 },      /* no summary */
        };
        assert_int_equal(hvs_case_add_events(c, ev, 2, NULL), -EINVAL);
        /* Nothing of the failed batches stayed, and the log has only "create". */
        assert_int_equal(count(c, "SELECT count(*) FROM events"), 0);
        assert_int_equal(count(c, "SELECT count(*) FROM acquisitions"), 0);
        assert_int_equal(count(c, "SELECT count(*) FROM custody"), 1);
        hvs_case_close(c);
}

static hvs_case_verify_result *reverify(const char *path) {
        hvs_case *c = open_ok(path, HVS_CASE_READONLY);
        hvs_case_verify_result *r = verify(c);
        hvs_case_close(c);
        return r;
}

#define UNGUARD "DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete; "

static void test_tamper_log_edit(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        attack(f->path, UNGUARD "UPDATE custody SET actor = 'mallory (0)' WHERE seq = 2");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 2, "hash");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_DATABASE, "custody", 0, "triggers");
        assert_false(has_problem(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 3, "prev_hash"));   /* one edit, one problem */
        hvs_case_verify_result_free(r);
}

/* hvs_case_log_action(): a row with the same chaining; its fields checked; an edit of it caught. */
static void test_log_action(void **state) {
        struct fx *f = *state;
        hvs_case *c = populated(f);
        const char sha[] = "8cde84dc4e693c7f19dbb250bf389567a859f3c663eedf2ff00865ed5a6714af";
        int64_t seq = 0;
        assert_int_equal(hvs_case_log_action(c, "report", "{\"path\":\"/tmp/r.html\",\"bytes\":8990}", sha, &seq), 0);
        assert_int_equal(seq, 5);
        assert_int_equal(hvs_case_log_action(c, "vuln-import", NULL, NULL, &seq), 0);
        assert_int_equal(seq, 6);
        assert_int_equal(count(c, "SELECT count(*) FROM custody WHERE seq = 5 AND action = 'report' AND result_sha256 = "
                                  "'8cde84dc4e693c7f19dbb250bf389567a859f3c663eedf2ff00865ed5a6714af' AND "
                                  "json_extract(args_json, '$.bytes') = 8990 AND "
                                  "json_extract(args_json, '$.argv[1]') = 'acquire' AND "
                                  "prev_hash = (SELECT hash FROM custody WHERE seq = 4)"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM meta WHERE key = 'custody_head' AND value = "
                                  "'6:' || (SELECT hash FROM custody WHERE seq = 6)"), 1);
        /* Refused, and nothing written: names the case uses, bad names, args, hashes. */
        const char *bad_actions[] = { "create", "acquire", "verify", "snapshot", "", "Report", "a b",
                                      "123456789012345678901234567890123", NULL };
        for (size_t i = 0; i < sizeof bad_actions / sizeof *bad_actions; i++)
                assert_int_equal(hvs_case_log_action(c, bad_actions[i], NULL, NULL, NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(c, "report", "[1]", NULL, NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(c, "report", "{", NULL, NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(c, "report", "{\"rows\":[]}", NULL, NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(c, "report", "{\"argv\":[]}", NULL, NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(c, "report", NULL, "8CDE84DC4E693C7F19DBB250BF389567A859F3C663EEDF2FF00865ED5A6714AF", NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(c, "report", NULL, "abc", NULL), -EINVAL);
        assert_int_equal(hvs_case_log_action(NULL, "report", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(count(c, "SELECT count(*) FROM custody"), 6);
        hvs_case_verify_result *r = verify(c);
        if (r->n_problems)
                print_problems(r);
        assert_int_equal(r->n_problems, 0);
        assert_int_equal(r->custody_rows, 6);
        hvs_case_verify_result_free(r);
        hvs_case_close(c);
        /* Read-only: refused. */
        c = open_ok(f->path, HVS_CASE_READONLY);
        assert_int_equal(hvs_case_log_action(c, "report", NULL, NULL, NULL), -EROFS);
        hvs_case_close(c);
        /* Someone changes which file the report row names: caught by its hash. */
        attack(f->path, UNGUARD "UPDATE custody SET args_json = replace(args_json, 'r.html', 'x.html') WHERE seq = 5");
        r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 5, "hash");
        hvs_case_verify_result_free(r);
}

static void test_tamper_log_edit_keeps_triggers(void **state) {
        /* The attacker puts the triggers back: the hash still gives the edit away. */
        struct fx *f = *state;
        hvs_case_close(populated(f));
        attack(f->path, UNGUARD "UPDATE custody SET result_sha256 = NULL WHERE seq = 2;"
                        "CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody "
                        "BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;"
                        "CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody "
                        "BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 2, "hash");
        assert_int_equal(r->n_problems, 1);
        hvs_case_verify_result_free(r);
}

static void test_tamper_log_delete(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        attack(f->path, UNGUARD "DELETE FROM custody WHERE seq = 2");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 3, "seq");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 3, "prev_hash");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_UNLOGGED, "acquisitions", 1, "custody");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_UNLOGGED, "vms", 1, "custody");
        hvs_case_verify_result_free(r);
}

static void test_tamper_log_delete_tail(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        attack(f->path, UNGUARD "DELETE FROM custody WHERE seq = 4");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "meta", 0, "custody_head");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_UNLOGGED, "findings", 1, "custody");
        hvs_case_verify_result_free(r);
}

static void test_tamper_log_reorder(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        attack(f->path, UNGUARD "UPDATE custody SET seq = 100 WHERE seq = 2; UPDATE custody SET seq = 2 WHERE seq = 3;"
                                "UPDATE custody SET seq = 3 WHERE seq = 100");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 2, "prev_hash");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 2, "hash");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 3, "hash");
        hvs_case_verify_result_free(r);
}

static void test_tamper_rows(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        /* A consistent lie in the evidence rows: the image's hash and the event's text. */
        attack(f->path, "UPDATE acquisitions SET sha256 = '" "0000000000000000000000000000000000000000000000000000000000000000"
                        "' WHERE id = 1; UPDATE events SET summary = 'nothing happened' WHERE id = 2;"
                        "DELETE FROM findings WHERE id = 1;"
                        "INSERT INTO events(ts_ns, source, category, action, summary) VALUES(1, 'x', 'y', 'z', 'forged')");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_ROWS, "acquisitions", 1, "sha256");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_IMAGE, "acquisitions", 1, "sha256");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_ROWS, "events", 1, "sha256");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_ROWS, "findings", 1, "rows");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_UNLOGGED, "events", 4, "custody");
        hvs_case_verify_result_free(r);
}

static void test_tamper_image(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        write_file(f->img, "hello World", 11);
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_IMAGE, "acquisitions", 1, "sha256");
        assert_int_equal(r->n_problems, 1);
        hvs_case_verify_result_free(r);
        write_file(f->img, "hello world!", 12);
        r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_IMAGE, "acquisitions", 1, "size");
        hvs_case_verify_result_free(r);
        unlink(f->img);
        r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_IMAGE, "acquisitions", 1, "file");
        assert_non_null(strstr(r->problems[0].msg, "missing"));
        hvs_case_verify_result_free(r);
        /* A path edited to name a FIFO must not hang verify. */
        assert_int_equal(mkfifo(f->img, 0600), 0);
        r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_IMAGE, "acquisitions", 1, "file");
        hvs_case_verify_result_free(r);
}

static void test_tamper_bad_args_json(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        /* Hostile JSON in the log: verify reports it, never crashes. */
        attack(f->path, UNGUARD "UPDATE custody SET args_json = '{\"rows\":[{\"table\":\"events\",\"first\":1,"
                                "\"last\":9223372036854775807}]}' WHERE seq = 3;"
                                "UPDATE custody SET args_json = '{\"rows\": [' WHERE seq = 4");
        hvs_case_verify_result *r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 3, "args_json");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 4, "args_json");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_CUSTODY, "custody", 4, "hash");
        hvs_case_verify_result_free(r);
}

/* ---- snapshots ---- */

struct synth {
        hvs_task tasks[4];
        hvs_task_list tl;
        hvs_module mods[3];
        hvs_module_list ml;
        hvs_socket socks[3];
        hvs_socket_list sl;
};

static void synth_fill(struct synth *s, bool second) {
        memset(s, 0, sizeof *s);
        /* A: pids 1 (sh), 2 (gone later), 3; B: 1 renamed, 3, 4 (new). */
        static char argv1[] = "/bin/sh\0/init";
        int32_t pids[3] = { 1, second ? 3 : 2, second ? 4 : 3 };
        for (int i = 0; i < 3; i++) {
                hvs_task *t = &s->tasks[i];
                t->pid = t->tgid = pids[i];
                t->ppid = 1;
                t->state = 'S';
                t->start_boottime_ns = 1000000ull * (uint64_t)pids[i];
                t->nr_threads = 1;
                t->addr = HVS_GVA(0xffff888000100000ull + 0x1000ull * (uint64_t)pids[i]);
                snprintf(t->comm, sizeof t->comm, "proc%d", pids[i]);
        }
        if (second)
                snprintf(s->tasks[0].comm, sizeof s->tasks[0].comm, "evil");
        s->tasks[0].argv = argv1;
        s->tasks[0].argv_len = sizeof argv1 - 1;
        s->tl.tasks = s->tasks;
        s->tl.n = 3;
        const char *names[2] = { second ? "m2" : "m1", second ? "m3" : "m2" };
        for (int i = 0; i < 2; i++) {
                hvs_module *m = &s->mods[i];
                snprintf(m->name, sizeof m->name, "%s", names[i]);
                m->size = !strcmp(names[i], "m2") && second ? 8192 : 4096;
                m->base = 0xffffffffc0000000ull + 0x10000ull * (uint64_t)(names[i][1] - '0');
                m->addr = HVS_GVA(m->base + 0x100);
        }
        s->ml.modules = s->mods;
        s->ml.n = 2;
        hvs_socket *k = &s->socks[0];
        k->proto = HVS_SOCK_TCP;
        k->family = HVS_AF_INET;
        k->state = HVS_TCP_LISTEN;
        k->local_port = second ? 4444 : 8080;
        k->inode = second ? 200 : 100;
        k->addr = HVS_GVA(0xffff888000200000ull);
        s->sl.socks = s->socks;
        s->sl.n = 1;
}

static int64_t add_snapshot(hvs_case *c, bool second, const char *label) {
        struct synth s;
        synth_fill(&s, second);
        hvs_snapshot_record rec = { .vm = { .name = "vm1", .qmp_path = "/run/vm1.qmp" }, .guest_boot_ns = 1000000000,
                                    .source = "live", .kernel_release = "6.1.0", .hostname = "lab", .label = label };
        hvs_case_snap *sn = NULL;
        assert_int_equal(hvs_case_snapshot_begin(c, &rec, &sn), 0);
        assert_int_equal(hvs_case_snapshot_begin(c, &rec, &(hvs_case_snap *){ NULL }), -EBUSY);
        assert_int_equal(hvs_case_snap_add_tasks(sn, &s.tl), 0);
        assert_int_equal(hvs_case_snap_add_modules(sn, &s.ml), 0);
        assert_int_equal(hvs_case_snap_add_sockets(sn, &s.sl), 0);
        hvs_vma v = { .start = 0x400000, .end = 0x401000, .perms = "r-xp", .kind = HVS_VMA_FILE, .name = "/bin/sh",
                      .addr = HVS_GVA(0xffff888000300000ull) };
        hvs_vma_list vl = { .vmas = &v, .n = 1 };
        assert_int_equal(hvs_case_snap_add_maps(sn, 1, &vl), 0);
        uint32_t groups[2] = { 0, 10 };
        hvs_creds cr = { .uid = 0, .groups = groups, .groups_n = 2, .cap_effective = 0x1ff, .cgroup = "/",
                         .cred = HVS_GVA(0xffff888000400000ull) };
        cr.ns[HVS_NS_MNT].inum = 4026531841u;
        assert_int_equal(hvs_case_snap_add_creds(sn, 1, &cr), 0);
        hvs_fd fd = { .fd = 0, .type = HVS_FILE_CHR, .path = "/dev/console", .addr = HVS_GVA(0xffff888000500000ull) };
        hvs_proc_files pf = { .pid = 1, .fds = &fd, .n = 1 };
        hvs_files_list fl = { .procs = &pf, .n = 1 };
        assert_int_equal(hvs_case_snap_add_files(sn, &fl), 0);
        hvs_mount mt = { .id = 1, .devname = "rootfs", .path = "/", .fstype = "rootfs", .addr = HVS_GVA(0x1000) };
        hvs_mount_list mtl = { .mounts = &mt, .n = 1 };
        assert_int_equal(hvs_case_snap_add_mounts(sn, &mtl), 0);
        assert_int_equal(hvs_case_snap_add_view_json(sn, "ps", "{\"processes\":[]}"), 0);
        int64_t id = 0;
        char sha[65];
        assert_int_equal(hvs_case_snapshot_commit(sn, &id, sha), 0);
        assert_int_equal(strlen(sha), 64);
        return id;
}

static int snap_cb(void *ud, const hvs_case_snapshot *s) {
        hvs_case_snapshot *out = ud;
        *out = *s;
        out->label = NULL;      /* borrowed: not kept past the callback */
        return 0;
}

static void test_snapshot_store_and_query(void **state) {
        struct fx *f = *state;
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        int64_t a = add_snapshot(c, false, "before");
        assert_int_equal(a, 1);
        hvs_case_snapshot s = { 0 };
        assert_int_equal(hvs_case_foreach_snapshot(c, snap_cb, &s), 0);
        assert_int_equal(s.id, 1);
        assert_int_equal(s.n_processes, 3);
        assert_int_equal(s.n_modules, 2);
        assert_int_equal(s.n_sockets, 1);
        assert_int_equal(count(c, "SELECT count(*) FROM processes WHERE pid = 1 AND cmdline = '/bin/sh /init' AND "
                                  "start_ns = 1001000000 AND start_boot_ns = 1000000"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM sockets WHERE proto = 'tcp' AND family = 'inet' AND "
                                  "local_addr = '0.0.0.0' AND local_port = 8080 AND state = 'LISTEN'"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM credentials WHERE json_extract(ns_json, '$.mnt') = 4026531841"
                                  " AND json_array_length(groups_json) = 2"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM mappings WHERE kind = 'file' AND path = '/bin/sh'"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM files WHERE path = '/dev/console'"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM mounts WHERE fstype = 'rootfs'"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM acquisitions WHERE kind = 'views' AND status = 'complete' AND "
                                  "sha256 = (SELECT content_sha256 FROM snapshots WHERE id = 1)"), 1);
        char *json = NULL;
        assert_int_equal(hvs_case_get_view_json(c, 1, "ps", &json), 0);
        assert_string_equal(json, "{\"processes\":[]}");
        free(json);
        assert_int_equal(hvs_case_get_view_json(c, 1, "net", &json), -ENOENT);
        hvs_case_verify_result *r = verify(c);
        print_problems(r);
        assert_int_equal(r->n_problems, 0);
        assert_int_equal(r->snapshots, 1);
        hvs_case_verify_result_free(r);
        hvs_case_close(c);

        /* An artifact edited afterwards changes the content hash. */
        attack(f->path, "UPDATE mappings SET perms = 'rwxp'");
        r = reverify(f->path);
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_SNAPSHOT, "snapshots", 1, "content_sha256");
        ASSERT_PROBLEM(r, HVS_CASE_PROBLEM_ROWS, "snapshots", 1, "sha256");
        hvs_case_verify_result_free(r);
}

static void test_snapshot_failure_rolls_back(void **state) {
        struct fx *f = *state;
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        add_snapshot(c, false, "kept");
        int64_t before = count(c, "SELECT count(*) FROM custody");
        struct synth s;
        synth_fill(&s, true);
        hvs_snapshot_record rec = { .vm = { .name = "vm2" }, .source = "live" };

        /* Abandoned midway (the target died): nothing of it stays. */
        hvs_case_snap *sn = NULL;
        assert_int_equal(hvs_case_snapshot_begin(c, &rec, &sn), 0);
        assert_int_equal(hvs_case_snap_add_tasks(sn, &s.tl), 0);
        assert_null(hvs_case_snapshot_abort(sn));

        /* A step failed: commit refuses and rolls back. */
        assert_int_equal(hvs_case_snapshot_begin(c, &rec, &sn), 0);
        assert_int_equal(hvs_case_snap_add_tasks(sn, &s.tl), 0);
        assert_int_equal(hvs_case_snap_add_view_json(sn, "ps", "{broken"), -EINVAL);
        assert_int_equal(hvs_case_snap_add_modules(sn, &s.ml), -EINVAL);       /* failed: no more adds */
        assert_int_equal(hvs_case_snapshot_commit(sn, NULL, NULL), -EINVAL);

        /* Closing the case with a snapshot open rolls it back too. */
        assert_int_equal(hvs_case_snapshot_begin(c, &rec, &sn), 0);
        assert_int_equal(hvs_case_snap_add_tasks(sn, &s.tl), 0);
        hvs_case_close(c);

        c = open_ok(f->path, HVS_CASE_READONLY);
        assert_int_equal(count(c, "SELECT count(*) FROM custody"), before);
        assert_int_equal(count(c, "SELECT count(*) FROM snapshots"), 1);
        assert_int_equal(count(c, "SELECT count(*) FROM processes"), 3);
        assert_int_equal(count(c, "SELECT count(*) FROM vms WHERE name = 'vm2'"), 0);
        hvs_case_verify_result *r = verify(c);
        assert_int_equal(r->n_problems, 0);
        hvs_case_verify_result_free(r);
        hvs_case_close(c);
}

static void test_snapshot_duplicate_pids_kept(void **state) {
        /* A hostile guest shows two processes with one PID: both are evidence. */
        struct fx *f = *state;
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        struct synth s;
        synth_fill(&s, false);
        s.tasks[1] = s.tasks[0];
        s.tasks[1].addr = HVS_GVA(0xffff888000999000ull);
        hvs_case_snap *sn = NULL;
        assert_int_equal(hvs_case_snapshot_begin(c, &(hvs_snapshot_record){ .source = "raw" }, &sn), 0);
        assert_int_equal(hvs_case_snap_add_tasks(sn, &s.tl), 0);
        assert_int_equal(hvs_case_snapshot_commit(sn, NULL, NULL), 0);
        assert_int_equal(count(c, "SELECT count(*) FROM processes WHERE pid = 1"), 2);
        hvs_case_close(c);
}

/* ---- diff ---- */

static const hvs_diff_item *find_item(const hvs_diff *d, enum hvs_diff_what w, enum hvs_diff_change ch,
                                      const char *key) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].what == w && d->items[i].change == ch && !strcmp(d->items[i].key, key))
                        return &d->items[i];
        return NULL;
}

static void test_diff(void **state) {
        struct fx *f = *state;
        hvs_case *c = open_ok(f->path, HVS_CASE_CREATE);
        int64_t a = add_snapshot(c, false, "a"), b = add_snapshot(c, true, "b");
        hvs_diff *d = NULL;
        assert_int_equal(hvs_case_diff(c, a, b, &d), 0);
        for (size_t i = 0; i < d->n; i++)
                print_message("  %s %s %s\n", hvs_diff_change_name(d->items[i].change),
                              hvs_diff_what_name(d->items[i].what), d->items[i].key);
        const hvs_diff_item *it = find_item(d, HVS_DIFF_PROCESS, HVS_DIFF_REMOVED, "2 2000000");
        assert_non_null(it);
        assert_int_equal(it->pid, 2);
        assert_non_null(find_item(d, HVS_DIFF_PROCESS, HVS_DIFF_ADDED, "4 4000000"));
        it = find_item(d, HVS_DIFF_PROCESS, HVS_DIFF_CHANGED, "1 1000000");
        assert_non_null(it);
        assert_int_equal(it->n_fields, 1);
        assert_string_equal(it->fields[0].name, "comm");
        assert_string_equal(it->fields[0].a, "proc1");
        assert_string_equal(it->fields[0].b, "evil");
        assert_null(find_item(d, HVS_DIFF_PROCESS, HVS_DIFF_CHANGED, "3 3000000"));      /* unchanged: not listed */
        assert_non_null(find_item(d, HVS_DIFF_MODULE, HVS_DIFF_REMOVED, "m1"));
        assert_non_null(find_item(d, HVS_DIFF_MODULE, HVS_DIFF_ADDED, "m3"));
        it = find_item(d, HVS_DIFF_MODULE, HVS_DIFF_CHANGED, "m2");
        assert_non_null(it);
        assert_string_equal(it->fields[0].name, "size");
        assert_non_null(find_item(d, HVS_DIFF_SOCKET, HVS_DIFF_REMOVED, "tcp 0.0.0.0:8080 0.0.0.0:0 inode 100"));
        assert_non_null(find_item(d, HVS_DIFF_SOCKET, HVS_DIFF_ADDED, "tcp 0.0.0.0:4444 0.0.0.0:0 inode 200"));
        assert_int_equal(d->n, 8);
        hvs_diff_free(d);

        /* A snapshot with itself: nothing. */
        assert_int_equal(hvs_case_diff(c, b, b, &d), 0);
        assert_int_equal(d->n, 0);
        hvs_diff_free(d);
        assert_int_equal(hvs_case_diff(c, a, 99, &d), -ENOENT);
        assert_non_null(strstr(hvs_case_errmsg(c), "no snapshot 99"));
        hvs_case_close(c);
}

/* ---- allocation failures ---- */

static void test_alloc_failures(void **state) {
        struct fx *f = *state;
        hvs_case_close(populated(f));
        for (unsigned n = 0;; n++) {
                hvs_case *c = NULL;
                hvs_test_fail_alloc_after(n);
                int r = hvs_case_open(f->path, 0, NULL, &c);
                hvs_case_verify_result *res = NULL;
                if (r == 0)
                        r = hvs_case_verify(c, &res);
                int64_t first = 0;
                hvs_event_record ev = { .ts_ns = 5, .source = "s", .category = "c", .action = "a", .pid = -1,
                                        .summary = "x" };
                if (r == 0)
                        r = hvs_case_add_events(c, &ev, 1, &first);
                hvs_test_fail_alloc_after(UINT32_MAX);
                hvs_case_verify_result_free(res);
                hvs_case_close(c);
                if (r == 0)
                        break;
                assert_int_equal(r, -ENOMEM);
                assert_true(n < 1000);
        }
        /* Whatever failed, the case is whole. */
        hvs_case_verify_result *r = reverify(f->path);
        print_problems(r);
        assert_int_equal(r->n_problems, 0);
        hvs_case_verify_result_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_missing_is_not_created, setup, teardown),
                cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_bad_files, setup, teardown),
                cmocka_unit_test(test_default_path),
                cmocka_unit_test(test_migrate_runner),
                cmocka_unit_test_setup_teardown(test_records_and_clean_verify, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_validation, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_log_edit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_log_action, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_log_edit_keeps_triggers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_log_delete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_log_delete_tail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_log_reorder, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_rows, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_image, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper_bad_args_json, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_store_and_query, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_failure_rolls_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_duplicate_pids_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
                cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
