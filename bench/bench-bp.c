/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-bp.c - the cost of a breakpoint hit (src/watch/bp.c) on a live VM.
 *
 *   bench-bp QMP_SOCKET PROBES SECONDS
 *
 * Attaches the breakpoint source with PROBES (e.g. "exec,creds"), runs the
 * watch loop for SECONDS (or until SIGINT) while the caller drives a guest
 * workload, detaches,
 * and prints one JSON object: hits, events, mean and longest time from a
 * stop reply to the VM running again (registers, argument decoding, step
 * over, continue), and the attach/detach times. bench/bench_bp.py runs it
 * around a fixed guest workload and also measures the guest's slowdown.
 */
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hvscope/session.h>
#include <hvscope/watch.h>

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile int stop_flag;

static void on_signal(int sig) { stop_flag = sig; }

static int count(void *ctx, const hvs_watch_event *ev) {
        if (strcmp(ev->source, "breakpoint") == 0)
                ++*(uint64_t *)ctx;
        return 0;
}

int main(int argc, char **argv) {
        if (argc != 4) {
                /* bench/run.sh runs every bench-* without arguments: this one needs a VM. */
                fprintf(stderr, "usage: bench-bp QMP_SOCKET PROBES SECONDS (see bench/bench_bp.py)\n");
                return argc == 1 ? 0 : 2;
        }
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        hvs_diag d = { 0 };
        hvs_session *s = NULL;
        hvs_session_opts so = { .sz = sizeof so, .kind = HVS_TARGET_VM_QMP, .path = argv[1] };
        int r = hvs_session_open(&so, &d, &s);
        if (r < 0) {
                fprintf(stderr, "bench-bp: %s\n", d.msg);
                return 1;
        }
        uint64_t events = 0;
        hvs_watch_loop *l = NULL;
        hvs_watch_source *src = NULL;
        if ((r = hvs_watch_loop_new(NULL, count, &events, &l)) < 0) {
                fprintf(stderr, "bench-bp: loop: %d\n", r);
                return 1;
        }
        uint64_t t0 = now_ns();
        r = hvs_watch_bp_new(s, &(hvs_watch_bp_opts){ .sz = sizeof(hvs_watch_bp_opts), .probes = argv[2] }, &src, &d);
        uint64_t t_attach = now_ns() - t0;
        if (r < 0) {
                fprintf(stderr, "bench-bp: %s\n", d.msg);
                return 1;
        }
        hvs_watch_source *keep = src;   /* the loop owns it; read its counters before freeing the loop */
        (void)hvs_watch_loop_add_source(l, src);
        fprintf(stderr, "bench-bp: attached\n");
        (void)hvs_watch_loop_run(l, &stop_flag, (int64_t)(atof(argv[3]) * 1e9), &d);
        hvs_watch_bp_stats st = { 0 };
        (void)hvs_watch_bp_get_stats(keep, &st);
        t0 = now_ns();
        hvs_watch_loop_free(l);         /* detaches */
        uint64_t t_detach = now_ns() - t0;
        printf("{\"probes\":\"%s\",\"hits\":%" PRIu64 ",\"events\":%" PRIu64 ",\"hit_us_mean\":%.1f,"
               "\"hit_us_max\":%.1f,\"foreign_stops\":%" PRIu64 ",\"decode_errors\":%" PRIu64 ","
               "\"attach_ms\":%.1f,\"detach_ms\":%.1f,\"started_stub\":%s}\n",
               argv[2], st.hits, events, st.hits ? st.hit_ns_total / 1e3 / (double)st.hits : 0.0,
               st.hit_ns_max / 1e3, st.foreign_stops, st.decode_errors, t_attach / 1e6, t_detach / 1e6,
               st.started_stub ? "true" : "false");
        hvs_session_close(s);
        return 0;
}
