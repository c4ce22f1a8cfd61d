/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * syscall-storm - a process that makes system calls (getppid) as fast as it
 * can for SECONDS, then prints how many it made and its rate. The load for
 * bench/bench_kvm_trace.py's reader test at rates a guest's exits cannot reach
 * on this host: the reader under test (src/trace/: perf rings, record walk,
 * aggregation) is the same for kvm:* and raw_syscalls:* tracepoints.
 *
 *   syscall-storm SECONDS [THREADS]   prints {"calls":N,"seconds":S,"per_second":R}
 *
 * THREADS (default 1) threads call at once: the kernel's tracing costs the
 * calling thread a few microseconds per traced call, so one thread cannot
 * produce much more than ~300,000 events/s here.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct worker {
        pthread_t th;
        double end;
        unsigned long long n;
};

static void *storm(void *arg) {
        struct worker *w = arg;
        while (now() < w->end) {        /* clock_gettime is a vDSO call: no system call */
                for (int i = 0; i < 4096; i++)
                        syscall(SYS_getppid);
                w->n += 4096;
        }
        return NULL;
}

int main(int argc, char **argv) {
        double secs = argc > 1 ? strtod(argv[1], NULL) : 0;
        long nth = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
        if (!(secs > 0 && secs < 3600) || nth < 1 || nth > 64) {
                fprintf(stderr, "usage: syscall-storm SECONDS [THREADS]\n");
                return 1;
        }
        struct worker w[64] = { 0 };
        double t0 = now();
        for (long i = 0; i < nth; i++) {
                w[i].end = t0 + secs;
                if (pthread_create(&w[i].th, NULL, storm, &w[i])) {
                        fprintf(stderr, "syscall-storm: cannot start a thread\n");
                        return 1;
                }
        }
        unsigned long long n = 0;
        for (long i = 0; i < nth; i++) {
                pthread_join(w[i].th, NULL);
                n += w[i].n;
        }
        double t = now() - t0;
        printf("{\"calls\":%llu,\"seconds\":%.3f,\"per_second\":%.0f}\n", n, t, (double)n / t);
        return 0;
}
