/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-watch.c - the watch loop (rate limits, summaries, bounded queue, loss
 * reports, failing sources) with synthetic sources, the JSON writer with
 * hostile strings, and the flight recorder's diffing on the fake kernel
 * (tests/fixtures/fake_linux.h): starts, exits only after two complete
 * reads, exec, credential change without exec, torn (truncated) reads.
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
#include <hvscope/watch.h>
#include "watch/watch-internal.h"
#include "fake_linux.h"

/* ---- a consumer that keeps what it gets ------------------------------------ */

#define MAX_SEEN 8192

struct seen_ev {
        char source[32], action[48], comm[20];
        int32_t pid;
        char *data;
        char *summary;
};

struct sink {
        struct seen_ev ev[MAX_SEEN];
        size_t n;
        int stop_after;         /* return 1 after this many events; 0 = never */
};

static int sink_emit(void *ctx, const hvs_watch_event *ev) {
        struct sink *s = ctx;
        assert_non_null(ev->source);
        assert_non_null(ev->action);
        assert_true(ev->ts_ns > 0);
        if (ev->data_json) {    /* every data_json is one valid JSON object */
                json_object *o = json_tokener_parse(ev->data_json);
                assert_non_null(o);
                assert_true(json_object_is_type(o, json_type_object));
                json_object_put(o);
        }
        if (s->n < MAX_SEEN) {
                struct seen_ev *e = &s->ev[s->n];
                snprintf(e->source, sizeof e->source, "%s", ev->source);
                snprintf(e->action, sizeof e->action, "%s", ev->action);
                snprintf(e->comm, sizeof e->comm, "%s", ev->comm ? ev->comm : "");
                e->pid = ev->pid;
                e->data = ev->data_json ? strdup(ev->data_json) : NULL;
                e->summary = ev->summary ? strdup(ev->summary) : NULL;
        }
        s->n++;
        return s->stop_after && (int)s->n >= s->stop_after ? 1 : 0;
}

static void sink_clear(struct sink *s) {
        for (size_t i = 0; i < s->n && i < MAX_SEEN; i++) {
                free(s->ev[i].data);
                free(s->ev[i].summary);
        }
        s->n = 0;
}

static size_t count(const struct sink *s, const char *action) {
        size_t n = 0;
        for (size_t i = 0; i < s->n && i < MAX_SEEN; i++)
                n += !strcmp(s->ev[i].action, action);
        return n;
}

static const struct seen_ev *find(const struct sink *s, const char *action, int32_t pid) {
        for (size_t i = 0; i < s->n && i < MAX_SEEN; i++)
                if (!strcmp(s->ev[i].action, action) && (pid < 0 || s->ev[i].pid == pid))
                        return &s->ev[i];
        return NULL;
}

/* The integer at @key of the data of every @action event, summed. */
static uint64_t sum_data(const struct sink *s, const char *action, const char *key) {
        uint64_t t = 0;
        for (size_t i = 0; i < s->n && i < MAX_SEEN; i++) {
                if (strcmp(s->ev[i].action, action) || !s->ev[i].data)
                        continue;
                json_object *o = json_tokener_parse(s->ev[i].data), *v;
                if (json_object_object_get_ex(o, key, &v))
                        t += (uint64_t)json_object_get_int64(v);
                json_object_put(o);
        }
        return t;
}

/* ---- a synthetic source ---------------------------------------------------- */

struct synth {
        hvs_watch_source base;
        int64_t next;
        int per_step;           /* events per step */
        int steps_left;         /* then step() fails with -ESRCH; -1 = never */
        uint64_t lost_report;   /* what stats() says was lost */
        const char *action;
        bool *freed;
        hvs_watch_stats st;
};

static int synth_fd(hvs_watch_source *s) { return -1; }
static int64_t synth_deadline(hvs_watch_source *s) { return ((struct synth *)s)->next; }

static int synth_step(hvs_watch_source *src, int64_t now, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag) {
        struct synth *s = (struct synth *)src;
        s->next = now + 1000000;        /* 1 ms */
        if (s->steps_left == 0)
                return HVS_DIAG(diag, -ESRCH, "synthetic source: the VM went away");
        if (s->steps_left > 0)
                s->steps_left--;
        for (int i = 0; i < s->per_step; i++) {
                hvs_watch_event ev = { .source = "synthetic", .category = "process", .action = s->action,
                                       .pid = i, .comm = "x", .summary = "synthetic event" };
                s->st.emitted++;
                int r = emit(ctx, &ev);
                if (r)
                        return r;
        }
        s->st.lost = s->lost_report;
        return 0;
}

static void synth_stats(hvs_watch_source *src, hvs_watch_stats *st) { *st = ((struct synth *)src)->st; }

static void synth_free(hvs_watch_source *src) {
        struct synth *s = (struct synth *)src;
        if (s->freed)
                *s->freed = true;
        free(s);
}

static const hvs_watch_source_ops synth_ops = {
        .name = "synthetic", .fd = synth_fd, .deadline_ns = synth_deadline, .step = synth_step,
        .stats = synth_stats, .free = synth_free,
};

static hvs_watch_source *synth_new(int per_step, int steps, const char *action, bool *freed) {
        struct synth *s = calloc(1, sizeof *s);
        assert_non_null(s);
        *s = (struct synth){ .base.ops = &synth_ops, .per_step = per_step, .steps_left = steps,
                             .action = action, .freed = freed };
        return &s->base;
}

/* ---- the loop ---------------------------------------------------------------- */

static void test_loop_forwards_and_brackets(void **state) {
        struct sink *s = calloc(1, sizeof *s);
        hvs_watch_loop *l = NULL;
        assert_int_equal(hvs_watch_loop_new(NULL, sink_emit, s, &l), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 1000000, NULL), -ENODEV);
        bool freed = false;
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(3, 4, "process-started", &freed)), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 300000000, NULL), 0);
        /* 4 steps x 3 events, then the source fails and is dropped. */
        assert_int_equal(count(s, "process-started"), 12);
        assert_int_equal(count(s, "watch-started"), 1);
        assert_int_equal(count(s, "source-failed"), 1);
        assert_int_equal(count(s, "watch-stopped"), 1);
        assert_true(freed);
        assert_string_equal(s->ev[0].action, "watch-started");
        assert_string_equal(s->ev[s->n - 1].action, "watch-stopped");
        assert_non_null(strstr(find(s, "source-failed", -1)->summary, "the VM went away"));
        hvs_watch_loop_stats st;
        hvs_watch_loop_get_stats(l, &st);
        assert_int_equal(st.sources, 0);
        assert_int_equal(st.suppressed, 0);
        assert_int_equal(st.lost, 0);
        hvs_watch_loop_free(l);
        sink_clear(s);
        free(s);
}

static void test_loop_rate_limit_summarizes(void **state) {
        struct sink *s = calloc(1, sizeof *s);
        hvs_watch_loop *l = NULL;
        hvs_watch_loop_opts o = { .sz = sizeof o, .max_rate = 100000, .max_action_rate = 50, .summary_ms = 100 };
        assert_int_equal(hvs_watch_loop_new(&o, sink_emit, s, &l), 0);
        /* 1,000 events in one step: one bucket of 50 passes. */
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(1000, 1, "process-started", NULL)), 0);
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(5, 1, "module-loaded", NULL)), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 50000000, NULL), 0);
        size_t passed = count(s, "process-started");
        uint64_t held = sum_data(s, "rate-summary", "hvscope.suppressed");
        assert_int_equal(passed, 50);
        assert_int_equal(passed + held, 1000);          /* every event accounted for */
        /* A flood of one action does not starve another. */
        assert_int_equal(count(s, "module-loaded"), 5);
        hvs_watch_loop_stats st;
        hvs_watch_loop_get_stats(l, &st);
        assert_int_equal(st.suppressed, 950);
        hvs_watch_loop_free(l);
        sink_clear(s);
        free(s);
}

static void test_loop_global_rate(void **state) {
        struct sink *s = calloc(1, sizeof *s);
        hvs_watch_loop *l = NULL;
        hvs_watch_loop_opts o = { .sz = sizeof o, .max_rate = 30, .max_action_rate = 1000 };
        assert_int_equal(hvs_watch_loop_new(&o, sink_emit, s, &l), 0);
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(20, 1, "a", NULL)), 0);
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(20, 1, "b", NULL)), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 20000000, NULL), 0);
        assert_int_equal(count(s, "a") + count(s, "b"), 30);
        assert_int_equal(sum_data(s, "rate-summary", "hvscope.suppressed"), 10);
        hvs_watch_loop_free(l);
        sink_clear(s);
        free(s);
}

static void test_loop_queue_bounded_losses_reported(void **state) {
        struct sink *s = calloc(1, sizeof *s);
        hvs_watch_loop *l = NULL;
        hvs_watch_loop_opts o = { .sz = sizeof o, .max_rate = 1000000, .max_action_rate = 1000000, .max_queue = 16 };
        assert_int_equal(hvs_watch_loop_new(&o, sink_emit, s, &l), 0);
        struct synth *src = (struct synth *)synth_new(100, 2, "exec", NULL);
        src->lost_report = 7;   /* and the source itself says it lost 7 */
        assert_int_equal(hvs_watch_loop_add_source(l, &src->base), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 20000000, NULL), 0);
        assert_int_equal(count(s, "exec"), 32);         /* 16 per step */
        assert_int_equal(sum_data(s, "events-lost", "hvscope.lost"), 2 * 84 + 7);
        hvs_watch_loop_stats st;
        hvs_watch_loop_get_stats(l, &st);
        assert_int_equal(st.lost, 2 * 84 + 7);
        assert_int_equal(st.queue_high, 16);
        assert_int_equal(sum_data(s, "watch-stopped", "hvscope.lost"), 2 * 84 + 7);
        hvs_watch_loop_free(l);
        sink_clear(s);
        free(s);
}

static void test_loop_consumer_stops_and_stop_flag(void **state) {
        struct sink *s = calloc(1, sizeof *s);
        hvs_watch_loop *l = NULL;
        s->stop_after = 5;
        assert_int_equal(hvs_watch_loop_new(NULL, sink_emit, s, &l), 0);
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(3, -1, "x", NULL)), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 0, NULL), 1);
        assert_int_equal(s->n, 5);
        hvs_watch_loop_free(l);
        sink_clear(s);
        /* A stop flag already set: nothing but the brackets. */
        volatile int stop = 1;
        s->stop_after = 0;
        assert_int_equal(hvs_watch_loop_new(NULL, sink_emit, s, &l), 0);
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(3, -1, "x", NULL)), 0);
        assert_int_equal(hvs_watch_loop_run(l, &stop, 0, NULL), 0);
        assert_int_equal(count(s, "x"), 0);
        assert_int_equal(count(s, "watch-stopped"), 1);
        hvs_watch_loop_free(l);
        sink_clear(s);
        free(s);
}

static void test_loop_bad_args(void **state) {
        hvs_watch_loop *l = NULL;
        assert_int_equal(hvs_watch_loop_new(NULL, NULL, NULL, &l), -EINVAL);
        hvs_watch_loop_opts o = { .sz = sizeof o + 8 };
        assert_int_equal(hvs_watch_loop_new(&o, sink_emit, NULL, &l), -EINVAL);
        assert_null(hvs_watch_loop_free(NULL));
        /* More sources than the limit: refused, and the extra one freed. */
        struct sink *s = calloc(1, sizeof *s);
        assert_int_equal(hvs_watch_loop_new(NULL, sink_emit, s, &l), 0);
        for (unsigned i = 0; i < HVS_WATCH_MAX_SOURCES; i++)
                assert_int_equal(hvs_watch_loop_add_source(l, synth_new(0, -1, "x", NULL)), 0);
        bool freed = false;
        assert_int_equal(hvs_watch_loop_add_source(l, synth_new(0, -1, "x", &freed)), -E2BIG);
        assert_true(freed);
        hvs_watch_loop_free(l);
        free(s);
}

/* ---- JSON writer ---------------------------------------------------------- */

static void test_json_hostile_strings(void **state) {
        char buf[512];
        struct jbuf j;
        static const char args[] = "a\"b\0c\\d\0\xff\xfe\0\x01\n\0\xc3\xa9t\xc3\xa9";
        jb_init(&j, buf, sizeof buf);
        jb_str(&j, "process.name", "we\"ird\x1b[31m");
        jb_args(&j, "process.args", args, sizeof args - 1, 16);
        jb_i64(&j, "process.pid", -1);
        const char *out = jb_end(&j);
        assert_non_null(out);
        json_object *o = json_tokener_parse(out), *v;
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "process.name", &v));
        assert_string_equal(json_object_get_string(v), "we\"ird\x1b[31m");
        assert_true(json_object_object_get_ex(o, "process.args", &v));
        assert_int_equal(json_object_array_length(v), 5);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "c\\d");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 2)), "\xc3\xbf\xc3\xbe");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 4)), "\xc3\xa9t\xc3\xa9");
        json_object_put(o);
        /* Too small a buffer: the writer says so rather than cutting JSON. */
        jb_init(&j, buf, 16);
        jb_str(&j, "k", "a long value that does not fit");
        assert_null(jb_end(&j));
}

/* ---- flight recorder on the fake kernel ------------------------------------- */

struct fr {
        struct fake_linux *fl;
        hvs_linux *k;
        hvs_watch_source *src;
        struct sink *s;
};

static int fr_setup(void **state) {
        struct fr *f = calloc(1, sizeof *f);
        if (!f || fake_linux_new(HVS_PAGING_4LEVEL, &f->fl) < 0)
                return -1;
        f->s = calloc(1, sizeof *f->s);
        *state = f;
        return 0;
}

static int fr_teardown(void **state) {
        struct fr *f = *state;
        if (f->src)
                f->src->ops->free(f->src);
        hvs_linux_close(f->k);
        fake_linux_free(f->fl);
        sink_clear(f->s);
        free(f->s);
        free(f);
        return 0;
}

#define PROC(p, name, args, u)                                                                     \
        (struct fake_task_spec) {                                                                  \
                .pid = (p), .comm = (name), .argv = (args), .argv_len = sizeof(args) - 1,          \
                .uid = (u), .euid = (u), .gid = (u), .egid = (u), .state = FAKE_TASK_INTERRUPTIBLE, \
                .start_boottime = 1000000000ull * (uint64_t)(p)                                    \
        }

static void fr_open(struct fr *f, const hvs_watch_flight_opts *o) {
        assert_int_equal(fake_linux_open(f->fl, NULL, &f->k), 0);
        assert_int_equal(hvs_watch_flight_new_linux(f->k, o, &f->src, NULL), 0);
}

static void fr_step(struct fr *f) {
        assert_int_equal(f->src->ops->step(f->src, f->src->ops->deadline_ns(f->src), sink_emit, f->s, NULL), 0);
}

static void test_flight_start_exit_exec_creds(void **state) {
        struct fr *f = *state;
        uint64_t a = fake_linux_add_task(f->fl, &PROC(100, "bash", "bash\0", 0));
        hvs_watch_flight_opts o = { .sz = sizeof o, .views = HVS_WATCH_FLIGHT_PROCS | HVS_WATCH_FLIGHT_CREDS };
        fr_open(f, &o);
        fr_step(f);
        assert_int_equal(f->s->n, 0);   /* the baseline is silent */

        uint64_t b = fake_linux_add_task(f->fl, &PROC(200, "sleep", "sleep\0002\0", 1000));
        fr_step(f);
        const struct seen_ev *e = find(f->s, "process-started", 200);
        assert_non_null(e);
        assert_string_equal(e->comm, "sleep");
        json_object *o1 = json_tokener_parse(e->data), *v;
        assert_true(json_object_object_get_ex(o1, "process.args", &v));
        assert_int_equal(json_object_array_length(v), 2);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "2");
        assert_true(json_object_object_get_ex(o1, "user.id", &v));
        assert_string_equal(json_object_get_string(v), "1000");
        assert_true(json_object_object_get_ex(o1, "process.parent.pid", &v));
        assert_int_equal(json_object_get_int(v), 0);
        json_object_put(o1);
        assert_int_equal(f->s->n, 1);

        /* Credential change without exec: same comm and argv, uid 1000 -> 0. */
        uint64_t cred = fake_linux_task(f->fl, b)->cred;
        fake_linux_write_u32(f->fl, cred + FAKE_CRED_UID, 0);
        fake_linux_write_u32(f->fl, cred + FAKE_CRED_EUID, 0);
        fr_step(f);
        e = find(f->s, "credential-change", 200);
        assert_non_null(e);
        assert_non_null(strstr(e->summary, "uid 1000->0"));
        assert_non_null(strstr(e->data, "\"hvscope.to_root\":true"));
        assert_int_equal(count(f->s, "exec"), 0);

        /* An exec: the comm changes (and creds with it): "exec", not a credential change. */
        fake_linux_write(f->fl, a + FAKE_TASK_COMM, "python3\0\0\0\0\0\0\0\0", 16);
        fake_linux_write_u32(f->fl, fake_linux_task(f->fl, a)->cred + FAKE_CRED_EUID, 1000);
        fr_step(f);
        assert_non_null(find(f->s, "exec", 100));
        assert_null(find(f->s, "credential-change", 100));

        /* Exit: unlink b (the last task) from the list. Reported after two reads. */
        fake_linux_set_next(f->fl, a, fake_task_link(f->fl->init_task));
        size_t before = count(f->s, "process-exited");
        fr_step(f);
        assert_int_equal(count(f->s, "process-exited"), before);
        fr_step(f);
        assert_int_equal(count(f->s, "process-exited"), before + 1);
        assert_non_null(find(f->s, "process-exited", 200));
        fr_step(f);
        assert_int_equal(count(f->s, "process-exited"), before + 1);
}

static void test_flight_truncated_read_reports_nothing_gone(void **state) {
        struct fr *f = *state;
        uint64_t a = fake_linux_add_task(f->fl, &PROC(100, "a", "a\0", 0));
        uint64_t b = fake_linux_add_task(f->fl, &PROC(101, "b", "b\0", 0));
        uint64_t c = fake_linux_add_task(f->fl, &PROC(102, "c", "c\0", 0));
        hvs_watch_flight_opts o = { .sz = sizeof o, .views = HVS_WATCH_FLIGHT_PROCS };
        fr_open(f, &o);
        fr_step(f);
        /* A torn read: b's link points nowhere, the walk stops after b. */
        fake_linux_set_next(f->fl, b, 0xdead000000000000ull);
        for (int i = 0; i < 5; i++)
                fr_step(f);
        assert_int_equal(count(f->s, "process-exited"), 0);
        /* The list is whole again: c was there all along, nothing happened. */
        fake_linux_set_next(f->fl, b, fake_task_link(c));
        fr_step(f);
        fr_step(f);
        assert_int_equal(f->s->n, 0);
        /* A complete read without c, twice: now it is gone. */
        fake_linux_set_next(f->fl, b, fake_task_link(f->fl->init_task));
        fr_step(f);
        fr_step(f);
        assert_int_equal(count(f->s, "process-exited"), 1);
        assert_non_null(find(f->s, "process-exited", 102));
        (void)a;
}

static void test_flight_pid_reuse_is_a_new_process(void **state) {
        struct fr *f = *state;
        uint64_t a = fake_linux_add_task(f->fl, &PROC(100, "a", "a\0", 0));
        hvs_watch_flight_opts o = { .sz = sizeof o, .views = HVS_WATCH_FLIGHT_PROCS, .gone_after = 1 };
        fr_open(f, &o);
        fr_step(f);
        /* Same pid, later start time: the old one exited, a new one started. */
        fake_linux_write_u64(f->fl, a + FAKE_TASK_START_BOOTTIME, 999000000000ull);
        fr_step(f);
        assert_int_equal(count(f->s, "process-exited"), 1);
        assert_int_equal(count(f->s, "process-started"), 1);
        assert_int_equal(count(f->s, "exec"), 0);
}

static void test_flight_baseline_and_kthreads(void **state) {
        struct fr *f = *state;
        fake_linux_add_task(f->fl, &PROC(100, "a", "a\0", 0));
        fake_linux_add_task(f->fl, &(struct fake_task_spec){ .pid = 2, .comm = "kthreadd",
                                                              .flags = FAKE_PF_KTHREAD });
        hvs_watch_flight_opts o = { .sz = sizeof o, .views = HVS_WATCH_FLIGHT_PROCS, .baseline = true };
        fr_open(f, &o);
        fr_step(f);
        assert_int_equal(count(f->s, "process-present"), 1);    /* not the kernel thread */
        assert_non_null(find(f->s, "process-present", 100));
}

static void test_flight_unsupported_view_switched_off(void **state) {
        struct fr *f = *state;
        /* The fake kernel has no module list: one view-unavailable, then quiet. */
        hvs_watch_flight_opts o = { .sz = sizeof o, .views = HVS_WATCH_FLIGHT_MODULES };
        fr_open(f, &o);
        fr_step(f);
        fr_step(f);
        assert_int_equal(count(f->s, "view-unavailable"), 1);
}

static void test_flight_bad_opts(void **state) {
        struct fr *f = *state;
        assert_int_equal(fake_linux_open(f->fl, NULL, &f->k), 0);
        hvs_watch_source *src = NULL;
        hvs_watch_flight_opts o = { .sz = sizeof o, .rate_hz = 1000 };
        assert_int_equal(hvs_watch_flight_new_linux(f->k, &o, &src, NULL), -EINVAL);
        o = (hvs_watch_flight_opts){ .sz = sizeof o, .rate_hz = -1 };
        assert_int_equal(hvs_watch_flight_new_linux(f->k, &o, &src, NULL), -EINVAL);
        o = (hvs_watch_flight_opts){ .sz = sizeof o, .views = 0x100 };
        assert_int_equal(hvs_watch_flight_new_linux(f->k, &o, &src, NULL), -EINVAL);
        assert_null(src);
}

/* The flight recorder inside the loop: a process started between reads. */
static void test_flight_in_loop(void **state) {
        struct fr *f = *state;
        fake_linux_add_task(f->fl, &PROC(100, "a", "a\0", 0));
        hvs_watch_flight_opts o = { .sz = sizeof o, .rate_hz = 50, .views = HVS_WATCH_FLIGHT_PROCS };
        fr_open(f, &o);
        hvs_watch_loop *l = NULL;
        assert_int_equal(hvs_watch_loop_new(NULL, sink_emit, f->s, &l), 0);
        hvs_watch_source *src = f->src;
        f->src = NULL;  /* the loop owns it now */
        assert_int_equal(hvs_watch_loop_add_source(l, src), 0);
        assert_int_equal(hvs_watch_loop_run(l, NULL, 60000000, NULL), 0);
        fake_linux_add_task(f->fl, &PROC(300, "nc", "nc\0-l\0", 0));
        assert_int_equal(hvs_watch_loop_run(l, NULL, 60000000, NULL), 0);
        const struct seen_ev *e = find(f->s, "process-started", 300);
        assert_non_null(e);
        assert_string_equal(e->source, "flight-recorder");
        hvs_watch_loop_stats st;
        hvs_watch_loop_get_stats(l, &st);
        assert_true(st.steps >= 4);
        hvs_watch_loop_free(l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_loop_forwards_and_brackets),
                cmocka_unit_test(test_loop_rate_limit_summarizes),
                cmocka_unit_test(test_loop_global_rate),
                cmocka_unit_test(test_loop_queue_bounded_losses_reported),
                cmocka_unit_test(test_loop_consumer_stops_and_stop_flag),
                cmocka_unit_test(test_loop_bad_args),
                cmocka_unit_test(test_json_hostile_strings),
                cmocka_unit_test_setup_teardown(test_flight_start_exit_exec_creds, fr_setup, fr_teardown),
                cmocka_unit_test_setup_teardown(test_flight_truncated_read_reports_nothing_gone, fr_setup, fr_teardown),
                cmocka_unit_test_setup_teardown(test_flight_pid_reuse_is_a_new_process, fr_setup, fr_teardown),
                cmocka_unit_test_setup_teardown(test_flight_baseline_and_kthreads, fr_setup, fr_teardown),
                cmocka_unit_test_setup_teardown(test_flight_unsupported_view_switched_off, fr_setup, fr_teardown),
                cmocka_unit_test_setup_teardown(test_flight_bad_opts, fr_setup, fr_teardown),
                cmocka_unit_test_setup_teardown(test_flight_in_loop, fr_setup, fr_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
