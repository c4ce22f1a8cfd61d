/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-watch-orig.c - the guest process behind a device access
 * (src/watch/originator.c) on a fake kernel: vCPU threads from QMP
 * query-cpus-fast, the thread id of a kvm event, the task current on a vCPU
 * through __per_cpu_offset[], and the event data with the process added;
 * hostile input: a per-CPU table or task pointer that does not read, data
 * that is not an object, a buffer too small, absurd numbers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <hvscope/limits.h>
#include "fake_linux.h"
#include "watch/originator.h"

#define CURRENT_OFF 0x40u       /* the per-CPU current task pointer's offset */

struct fx {
        struct fake_linux *fl;
        hvs_linux *k;
        uint64_t task, table;
};

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        if (!f || fake_linux_new(HVS_PAGING_4LEVEL, &f->fl) < 0)
                return -1;
        f->task = fake_linux_add_task(f->fl, &(struct fake_task_spec){ .pid = 77, .comm = "hammer", .uid = 1000,
                                                                        .gid = 1000, .euid = 0, .egid = 1000 });
        /* Two CPUs: cpu 0's area holds 0 (nothing current yet), cpu 1's the task. */
        uint64_t area0 = fake_linux_kalloc(f->fl, 0x100), area1 = fake_linux_kalloc(f->fl, 0x100);
        fake_linux_write_u64(f->fl, area1 + CURRENT_OFF, f->task);
        f->table = fake_linux_kalloc(f->fl, 16);
        fake_linux_write_u64(f->fl, f->table, area0);
        fake_linux_write_u64(f->fl, f->table + 8, area1);
        if (fake_linux_open(f->fl, NULL, &f->k) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fx *f = *state;
        hvs_linux_close(f->k);
        fake_linux_free(f->fl);
        free(f);
        return 0;
}

static void test_map(void **state) {
        (void)state;
        json_object *cpus = json_tokener_parse(
                "[{\"cpu-index\":0,\"thread-id\":4100,\"qom-path\":\"/machine/unattached/device[0]\"},"
                "{\"cpu-index\":1,\"thread-id\":4101},"
                "{\"cpu-index\":2},{\"thread-id\":9},{\"cpu-index\":-1,\"thread-id\":7},"
                "{\"cpu-index\":3,\"thread-id\":99999999999}, 5]");
        assert_non_null(cpus);
        struct orig_map *m = calloc(1, sizeof *m);
        assert_int_equal(orig_map_from_qmp(cpus, m), 0);
        assert_int_equal(m->n, 2);
        assert_int_equal(orig_map_cpu(m, 4100), 0);
        assert_int_equal(orig_map_cpu(m, 4101), 1);
        assert_int_equal(orig_map_cpu(m, 9), -1);
        json_object_put(cpus);
        json_object *notarray = json_tokener_parse("{\"return\":1}");
        assert_int_equal(orig_map_from_qmp(notarray, m), -EBADMSG);
        assert_int_equal(m->n, 0);
        json_object_put(notarray);
        free(m);
}

static void test_event_tid(void **state) {
        (void)state;
        uint32_t tid = 0;
        assert_true(orig_event_tid("{\"kvm.event\":\"kvm_pio\",\"port\":1013,\"qemu.pid\":4000,\"host.tid\":4101,"
                                   "\"first_of_key\":1}", &tid));
        assert_int_equal(tid, 4101);
        assert_false(orig_event_tid("{\"port\":1013}", &tid));
        assert_false(orig_event_tid("{\"host.tid\":0}", &tid));
        assert_false(orig_event_tid("{\"host.tid\":\"x\"}", &tid));
        assert_false(orig_event_tid("{\"host.tid\":99999999999}", &tid));
        assert_false(orig_event_tid(NULL, &tid));
}

static void test_annotate(void **state) {
        struct fx *f = *state;
        uint64_t task = 0;
        assert_int_equal(orig_current(f->k, f->table, CURRENT_OFF, 1, &task), 0);
        assert_int_equal(task, f->task);
        assert_int_equal(orig_current(f->k, f->table, CURRENT_OFF, 0, &task), -EBADMSG);  /* NULL: no task */
        const char *src = "{\"kvm.event\":\"kvm_pio\",\"port\":1013,\"direction\":\"write\",\"host.tid\":4101}";
        char out[HVS_WATCH_ORIG_DATA], comm[17];
        int32_t pid = -1;
        assert_int_equal(orig_annotate(f->k, f->table, CURRENT_OFF, 1, 12000000, src, out, sizeof out, &pid, comm,
                                       sizeof comm), 0);
        assert_int_equal(pid, 77);
        assert_string_equal(comm, "hammer");
        json_object *o = json_tokener_parse(out);
        assert_non_null(o);
        json_object *v;
        assert_true(json_object_object_get_ex(o, "port", &v) && json_object_get_int(v) == 1013);
        assert_true(json_object_object_get_ex(o, "process.pid", &v) && json_object_get_int(v) == 77);
        assert_true(json_object_object_get_ex(o, "process.name", &v) && !strcmp(json_object_get_string(v), "hammer"));
        assert_true(json_object_object_get_ex(o, "user.id", &v) && json_object_get_int(v) == 1000);
        assert_true(json_object_object_get_ex(o, "user.effective.id", &v) && json_object_get_int(v) == 0);
        assert_true(json_object_object_get_ex(o, "hvscope.originator.vcpu", &v) && json_object_get_int(v) == 1);
        assert_true(json_object_object_get_ex(o, "hvscope.originator.read_lag_ms", &v) && json_object_get_int(v) == 12);
        json_object_put(o);
        /* An empty object takes the members without a leading comma. */
        assert_int_equal(orig_annotate(f->k, f->table, CURRENT_OFF, 1, 0, "{}", out, sizeof out, &pid, comm,
                                       sizeof comm), 0);
        o = json_tokener_parse(out);
        assert_non_null(o);
        json_object_put(o);
}

static void test_hostile(void **state) {
        struct fx *f = *state;
        char out[256], comm[17];
        int32_t pid;
        uint64_t task;
        const char *src = "{\"host.tid\":4101}";
        /* A vCPU beyond the table reads whatever follows: not a kernel pointer, or not mapped. */
        assert_true(orig_current(f->k, f->table, CURRENT_OFF, 1000, &task) < 0);
        assert_int_equal(orig_current(f->k, f->table, CURRENT_OFF, HVS_MAX_VCPUS, &task), -EINVAL);
        assert_true(orig_current(f->k, 0xffffc90000000000ull, CURRENT_OFF, 0, &task) < 0);       /* unmapped table */
        assert_int_equal(orig_current(f->k, UINT64_MAX - 4, CURRENT_OFF, 1, &task), -EINVAL);      /* overflow */
        /* The current pointer names unmapped memory: the task does not read. */
        uint64_t area = fake_linux_kalloc(f->fl, 0x100), table = fake_linux_kalloc(f->fl, 8);
        fake_linux_write_u64(f->fl, area + CURRENT_OFF, 0xffffc90000001000ull);
        fake_linux_write_u64(f->fl, table, area);
        assert_int_equal(orig_annotate(f->k, table, CURRENT_OFF, 0, 0, src, out, sizeof out, &pid, comm, sizeof comm),
                         -EFAULT);
        /* Data that is not an object, or too big for the buffer. */
        assert_int_equal(orig_annotate(f->k, f->table, CURRENT_OFF, 1, 0, "[1]", out, sizeof out, &pid, comm,
                                       sizeof comm), -EBADMSG);
        assert_int_equal(orig_annotate(f->k, f->table, CURRENT_OFF, 1, 0, "", out, sizeof out, &pid, comm,
                                       sizeof comm), -EBADMSG);
        assert_int_equal(orig_annotate(f->k, f->table, CURRENT_OFF, 1, 0, src, out, 40, &pid, comm, sizeof comm),
                         -E2BIG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_map),
                cmocka_unit_test(test_event_tid),
                cmocka_unit_test_setup_teardown(test_annotate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
