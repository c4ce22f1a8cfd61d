/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of src/trace/: tracepoint format files, perf ring records on
 * synthetic buffers (wrap-around, truncated and lying records, lost
 * records), bounded field reads. No kernel, no VM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/perf_event.h>
#include "trace/trace-internal.h"

/* kvm_pio's format file as Linux 6.x writes it */
static const char kvm_pio_format[] =
        "name: kvm_pio\n"
        "ID: 110\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\n"
        "\tfield:unsigned int rw;\toffset:8;\tsize:4;\tsigned:0;\n"
        "\tfield:unsigned int port;\toffset:12;\tsize:4;\tsigned:0;\n"
        "\tfield:unsigned int size;\toffset:16;\tsize:4;\tsigned:0;\n"
        "\tfield:unsigned int count;\toffset:20;\tsize:4;\tsigned:0;\n"
        "\tfield:unsigned int val;\toffset:24;\tsize:4;\tsigned:0;\n"
        "\n"
        "print fmt: \"pio_%s at 0x%x size %d count %d val 0x%x %s\", REC->rw ? \"write\" : \"read\", REC->port\n";

static const char sys_enter_format[] =
        "name: sys_enter\n"
        "ID: 443\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
        "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n";

static void test_format_kvm_pio(void **state) {
        struct trace_format f;
        assert_int_equal(trace_format_parse(kvm_pio_format, strlen(kvm_pio_format), &f, NULL), 0);
        assert_string_equal(f.name, "kvm_pio");
        assert_int_equal(f.id, 110);
        assert_int_equal(f.nfields, 9);
        const struct trace_field *port = trace_format_field(&f, "port");
        assert_non_null(port);
        assert_int_equal(port->offset, 12);
        assert_int_equal(port->size, 4);
        assert_false(port->is_signed);
        assert_true(trace_format_field(&f, "common_pid")->is_signed);
        assert_null(trace_format_field(&f, "nosuch"));
}

static void test_format_array_field(void **state) {
        struct trace_format f;
        assert_int_equal(trace_format_parse(sys_enter_format, strlen(sys_enter_format), &f, NULL), 0);
        const struct trace_field *args = trace_format_field(&f, "args");
        assert_non_null(args);
        assert_int_equal(args->offset, 16);
        assert_int_equal(args->size, 48);
        /* an array is not a scalar: trace_field_get refuses it */
        uint8_t raw[64] = { 0 };
        uint64_t v;
        assert_int_equal(trace_field_get(args, raw, sizeof raw, &v), -EBADMSG);
}

static void test_format_errors(void **state) {
        struct trace_format f;
        hvs_diag d = { 0 };
        static const char no_id[] = "name: x\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n";
        assert_int_equal(trace_format_parse(no_id, strlen(no_id), &f, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "ID"));
        static const char bad_off[] = "ID: 5\n\tfield:int a;\toffset:70000;\tsize:4;\tsigned:1;\n";
        assert_int_equal(trace_format_parse(bad_off, strlen(bad_off), &f, NULL), -EBADMSG);
        static const char wrap[] = "ID: 5\n\tfield:int a;\toffset:65530;\tsize:4294967295;\tsigned:1;\n";
        assert_int_equal(trace_format_parse(wrap, strlen(wrap), &f, NULL), -EBADMSG);
        static const char no_size[] = "ID: 5\n\tfield:int a;\toffset:4;\n";
        assert_int_equal(trace_format_parse(no_size, strlen(no_size), &f, NULL), -EBADMSG);
        static const char big_id[] = "ID: 99999999\n";
        assert_int_equal(trace_format_parse(big_id, strlen(big_id), &f, NULL), -EBADMSG);
        static const char no_name[] = "ID: 5\n\tfield:int ;\toffset:4;\tsize:4;\n";
        assert_int_equal(trace_format_parse(no_name, strlen(no_name), &f, NULL), -EBADMSG);
        /* more fields than HVS_TRACE_MAX_FIELDS */
        char many[16384] = "ID: 7\n";
        size_t n = strlen(many);
        for (unsigned i = 0; i <= HVS_TRACE_MAX_FIELDS; i++)
                n += (size_t)snprintf(many + n, sizeof many - n, "\tfield:int f%u;\toffset:%u;\tsize:4;\tsigned:1;\n", i, i * 4);
        assert_int_equal(trace_format_parse(many, n, &f, NULL), -E2BIG);
        assert_int_equal(trace_format_parse(many, HVS_TRACE_MAX_FORMAT_BYTES + 1, &f, NULL), -E2BIG);
}

static void test_field_get(void **state) {
        uint8_t raw[16] = { 0xff, 0xff, 0xff, 0xff, 0x34, 0x12 };
        struct trace_field s4 = { .offset = 0, .size = 4, .is_signed = true };
        struct trace_field u2 = { .offset = 4, .size = 2 };
        struct trace_field out = { .offset = 14, .size = 4 };
        uint64_t v;
        assert_int_equal(trace_field_get(&s4, raw, sizeof raw, &v), 0);
        assert_int_equal((int64_t)v, -1);
        assert_int_equal(trace_field_get(&u2, raw, sizeof raw, &v), 0);
        assert_int_equal(v, 0x1234);
        assert_int_equal(trace_field_get(&out, raw, sizeof raw, &v), -EBADMSG);
}

/* ---- rings ---- */

struct collect {
        unsigned n;
        uint32_t pid[16], tid[16];
        uint64_t time[16];
        uint32_t port[16];
};

static void on_sample(void *ctx, const struct trace_sample *s) {
        struct collect *c = ctx;
        if (c->n < 16) {
                c->pid[c->n] = s->pid;
                c->tid[c->n] = s->tid;
                c->time[c->n] = s->time_ns;
                c->port[c->n] = s->raw_len >= 16 ? hvs_le32(s->raw + 12) : 0;
        }
        c->n++;
}

/* Writes bytes at ring position @pos, wrapping. */
static void ring_put(uint8_t *ring, uint64_t size, uint64_t pos, const void *src, size_t len) {
        for (size_t i = 0; i < len; i++)
                ring[(pos + i) & (size - 1)] = ((const uint8_t *)src)[i];
}

/* A kvm_pio sample record (56 bytes, as the kernel writes it); returns its size. */
static size_t pio_record(uint8_t *rec, uint32_t pid, uint32_t tid, uint64_t t, uint32_t port) {
        uint8_t raw[28] = { 110, 0 };
        memcpy(raw + 12, &port, 4);
        struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = 8 + 8 + 8 + 4 + 28 };
        uint32_t raw_size = sizeof raw;
        memcpy(rec, &h, 8);
        memcpy(rec + 8, &pid, 4);
        memcpy(rec + 12, &tid, 4);
        memcpy(rec + 16, &t, 8);
        memcpy(rec + 24, &raw_size, 4);
        memcpy(rec + 28, raw, 28);
        return h.size;
}

static void test_ring_samples_and_wrap(void **state) {
        uint8_t ring[256], scratch[TRACE_RING_SCRATCH], rec[64];
        memset(ring, 0xaa, sizeof ring);
        /* three records starting near the end: the second wraps */
        uint64_t tail = 1000 * 256 + 200, pos = tail;
        for (uint32_t i = 0; i < 3; i++) {
                size_t n = pio_record(rec, 42, 43 + i, 1000 + i, 0x3f0 + i);
                ring_put(ring, sizeof ring, pos, rec, n);
                pos += n;
        }
        struct collect c = { 0 };
        struct trace_ring_stats st = { 0 };
        uint64_t nt = trace_ring_parse(ring, sizeof ring, tail, pos, scratch, on_sample, &c, &st);
        assert_int_equal(nt, pos);
        assert_int_equal(c.n, 3);
        assert_int_equal(st.samples, 3);
        assert_int_equal(st.bad, 0);
        assert_int_equal(st.bytes, 3 * 56);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(c.pid[i], 42);
                assert_int_equal(c.tid[i], 43 + i);
                assert_int_equal(c.time[i], 1000 + i);
                assert_int_equal(c.port[i], 0x3f0 + i);
        }
}

static void test_ring_header_wraps(void **state) {
        /* the 8-byte header itself is split by the ring's end */
        uint8_t ring[128] = { 0 }, scratch[TRACE_RING_SCRATCH], rec[64];
        uint64_t tail = 124;
        size_t n = pio_record(rec, 7, 8, 9, 0x3f5);
        ring_put(ring, sizeof ring, tail, rec, n);
        struct collect c = { 0 };
        struct trace_ring_stats st = { 0 };
        trace_ring_parse(ring, sizeof ring, tail, tail + n, scratch, on_sample, &c, &st);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.port[0], 0x3f5);
}

static void test_ring_lost_and_other(void **state) {
        uint8_t ring[256] = { 0 }, scratch[TRACE_RING_SCRATCH];
        struct perf_event_header h = { .type = PERF_RECORD_LOST, .size = 24 };
        uint64_t id = 1, lost = 12345;
        ring_put(ring, sizeof ring, 0, &h, 8);
        ring_put(ring, sizeof ring, 8, &id, 8);
        ring_put(ring, sizeof ring, 16, &lost, 8);
        struct perf_event_header other = { .type = PERF_RECORD_THROTTLE, .size = 32 };
        ring_put(ring, sizeof ring, 24, &other, 8);
        struct collect c = { 0 };
        struct trace_ring_stats st = { 0 };
        trace_ring_parse(ring, sizeof ring, 0, 56, scratch, on_sample, &c, &st);
        assert_int_equal(st.lost, 12345);
        assert_int_equal(st.records, 2);
        assert_int_equal(c.n, 0);
        assert_int_equal(st.bad, 0);
}

static void test_ring_truncated_and_lying(void **state) {
        uint8_t ring[256] = { 0 }, scratch[TRACE_RING_SCRATCH], rec[64];
        size_t n = pio_record(rec, 1, 2, 3, 0x3f5);
        ring_put(ring, sizeof ring, 0, rec, n);
        struct collect c = { 0 };
        struct trace_ring_stats st = { 0 };
        /* head in the middle of the record: it is not parsed, the walk stops */
        uint64_t nt = trace_ring_parse(ring, sizeof ring, 0, 30, scratch, on_sample, &c, &st);
        assert_int_equal(nt, 30);
        assert_int_equal(c.n, 0);
        assert_int_equal(st.bad, 1);
        /* a header claiming 4 bytes (less than itself) */
        struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = 4 };
        ring_put(ring, sizeof ring, 0, &h, 8);
        memset(&st, 0, sizeof st);
        trace_ring_parse(ring, sizeof ring, 0, 64, scratch, on_sample, &c, &st);
        assert_int_equal(st.bad, 1);
        assert_int_equal(c.n, 0);
        /* raw size larger than the record */
        n = pio_record(rec, 1, 2, 3, 0x3f5);
        uint32_t huge = 1000;
        memcpy(rec + 24, &huge, 4);
        ring_put(ring, sizeof ring, 0, rec, n);
        memset(&st, 0, sizeof st);
        trace_ring_parse(ring, sizeof ring, 0, n, scratch, on_sample, &c, &st);
        assert_int_equal(st.bad, 1);
        assert_int_equal(st.samples, 0);
        /* a sample too short for its fixed part */
        struct perf_event_header shorth = { .type = PERF_RECORD_SAMPLE, .size = 16 };
        ring_put(ring, sizeof ring, 0, &shorth, 8);
        memset(&st, 0, sizeof st);
        trace_ring_parse(ring, sizeof ring, 0, 16, scratch, on_sample, &c, &st);
        assert_int_equal(st.bad, 1);
        /* positions the kernel never publishes: more than the ring, a size not a power of two */
        memset(&st, 0, sizeof st);
        assert_int_equal(trace_ring_parse(ring, sizeof ring, 0, 1000, scratch, on_sample, &c, &st), 1000);
        assert_int_equal(st.bad, 1);
        memset(&st, 0, sizeof st);
        assert_int_equal(trace_ring_parse(ring, 200, 0, 10, scratch, on_sample, &c, &st), 10);
        assert_int_equal(st.bad, 1);
        assert_int_equal(c.n, 0);
}

static void test_ring_empty_and_64bit_positions(void **state) {
        uint8_t ring[64] = { 0 }, scratch[TRACE_RING_SCRATCH], rec[64];
        struct collect c = { 0 };
        struct trace_ring_stats st = { 0 };
        assert_int_equal(trace_ring_parse(ring, sizeof ring, 77, 77, scratch, on_sample, &c, &st), 77);
        assert_int_equal(st.records + st.bad, 0);
        /* free-running positions near 2^64 wrap like the kernel's */
        uint64_t tail = UINT64_MAX - 20;
        size_t n = pio_record(rec, 5, 6, 7, 0x80);
        ring_put(ring, sizeof ring, tail, rec, n);
        trace_ring_parse(ring, sizeof ring, tail, tail + n, scratch, on_sample, &c, &st);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.port[0], 0x80);
}

static void test_tracefs_hint(void **state) {
        char buf[256];
        hvs_diag d = { 0 };
        assert_int_equal(trace_tracefs_find("/nonexistent-hvs", buf, sizeof buf, &d), -ENOENT);
        assert_non_null(strstr(d.msg, "not a tracefs"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_kvm_pio),
                cmocka_unit_test(test_format_array_field),
                cmocka_unit_test(test_format_errors),
                cmocka_unit_test(test_field_get),
                cmocka_unit_test(test_ring_samples_and_wrap),
                cmocka_unit_test(test_ring_header_wraps),
                cmocka_unit_test(test_ring_lost_and_other),
                cmocka_unit_test(test_ring_truncated_and_lying),
                cmocka_unit_test(test_ring_empty_and_64bit_positions),
                cmocka_unit_test(test_tracefs_hint),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
