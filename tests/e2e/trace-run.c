/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trace-run: runs the "kvm" and/or "vmm-syscall" watch sources on one QEMU
 * process for a while, stepping them directly (poll on their descriptors
 * and deadlines, no loop rate limits), and prints every event as one JSON
 * line, then one {"counters": ...} line per source with the reader's CPU
 * time. The e2e tests (tests/e2e/kvm_trace.py) and the benchmark
 * (bench/bench_kvm_trace.py) drive it.
 *
 *   trace-run --pid PID [--source kvm|vmm-syscall]... [--seconds S]
 *             [--tracefs DIR] [--interval-ms MS] [--ring-pages N] [--quiet]
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <hvscope/watch.h>

static int64_t mono_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void jstr(FILE *f, const char *s) {
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static bool quiet;
static uint64_t nevents;

static int print_event(void *ctx, const hvs_watch_event *ev) {
        nevents++;
        if (quiet && strcmp(ev->action, "events-lost") && strcmp(ev->action, "trace-started"))
                return 0;
        printf("{\"@timestamp_ns\":%" PRId64 ",\"source\":", ev->ts_ns);
        jstr(stdout, ev->source);
        printf(",\"category\":");
        jstr(stdout, ev->category);
        printf(",\"action\":");
        jstr(stdout, ev->action);
        printf(",\"severity\":%d,\"summary\":", ev->severity);
        jstr(stdout, ev->summary);
        printf(",\"data\":%s}\n", ev->data_json ? ev->data_json : "null");
        return 0;
}

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
        const char *srcs[4];
        size_t nsrc = 0;
        long pid = 0;
        double seconds = 3;
        hvs_trace_opts o = { .sz = sizeof o };
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--quiet")) {
                        quiet = true;
                        continue;
                }
                if (!v) {
                        fprintf(stderr, "trace-run: '%s' needs a value\n", a);
                        return 2;
                }
                i++;
                if (!strcmp(a, "--pid"))
                        pid = strtol(v, NULL, 10);
                else if (!strcmp(a, "--source") && nsrc < 4)
                        srcs[nsrc++] = v;
                else if (!strcmp(a, "--seconds"))
                        seconds = strtod(v, NULL);
                else if (!strcmp(a, "--tracefs"))
                        o.tracefs = v;
                else if (!strcmp(a, "--interval-ms"))
                        o.interval_ms = (uint32_t)strtoul(v, NULL, 10);
                else if (!strcmp(a, "--ring-pages"))
                        o.ring_pages = (uint32_t)strtoul(v, NULL, 10);
                else {
                        fprintf(stderr, "trace-run: unknown argument '%s'\n", a);
                        return 2;
                }
        }
        if (pid <= 0) {
                fprintf(stderr, "usage: trace-run --pid PID [--source kvm|vmm-syscall]... [--seconds S]\n");
                return 2;
        }
        if (!nsrc)
                srcs[nsrc++] = "kvm";
        hvs_watch_source *s[4] = { 0 };
        for (size_t i = 0; i < nsrc; i++) {
                hvs_diag d = { 0 };
                int r = !strcmp(srcs[i], "kvm") ? hvs_watch_kvm_new((pid_t)pid, &o, &d, &s[i])
                        : !strcmp(srcs[i], "vmm-syscall") ? hvs_watch_vmm_syscall_new((pid_t)pid, &o, &d, &s[i])
                                                          : -EINVAL;
                if (r < 0) {
                        fprintf(stderr, "trace-run: cannot start source '%s': %s\n", srcs[i],
                                d.msg[0] ? d.msg : strerror(-r));
                        for (size_t j = 0; j < i; j++)
                                s[j]->ops->free(s[j]);
                        return r == -ENOENT || r == -EPERM || r == -EACCES ? 77 : 1;
                }
        }
        signal(SIGINT, on_sig);
        signal(SIGTERM, on_sig);
        int64_t t0 = mono_ns(), end = t0 + (int64_t)(seconds * 1e9);
        int rc = 0;
        while (!stop && nsrc) {
                int64_t now = mono_ns();
                if (now >= end)
                        break;
                struct pollfd pf[4];
                int64_t next = end;
                for (size_t i = 0; i < nsrc; i++) {
                        pf[i] = (struct pollfd){ .fd = s[i] ? s[i]->ops->fd(s[i]) : -1, .events = POLLIN };
                        int64_t dl = s[i] ? s[i]->ops->deadline_ns(s[i]) : INT64_MAX;
                        if (dl < next)
                                next = dl;
                }
                int ms = next > now ? (int)((next - now) / 1000000 + 1) : 0;
                if (poll(pf, (nfds_t)nsrc, ms) < 0 && errno != EINTR)
                        break;
                now = mono_ns();
                for (size_t i = 0; i < nsrc; i++) {
                        if (!s[i] || (!(pf[i].revents & POLLIN) && now < s[i]->ops->deadline_ns(s[i])))
                                continue;
                        hvs_diag d = { 0 };
                        int r = s[i]->ops->step(s[i], now, print_event, NULL, &d);
                        if (r < 0) {
                                fprintf(stderr, "trace-run: source '%s' stopped: %s\n", srcs[i], d.msg[0] ? d.msg : strerror(-r));
                                rc = 1;
                                end = now;
                        }
                }
        }
        double wall = (double)(mono_ns() - t0) / 1e9;
        for (size_t i = 0; i < nsrc; i++) {
                hvs_diag d = { 0 };
                /* a last drain, with the interval's summaries */
                s[i]->ops->step(s[i], INT64_MAX / 2, print_event, NULL, &d);
                hvs_trace_counters c;
                hvs_watch_stats st;
                hvs_watch_trace_counters(s[i], &c);
                s[i]->ops->stats(s[i], &st);
                struct rusage ru;
                getrusage(RUSAGE_SELF, &ru);
                double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                             ru.ru_stime.tv_usec / 1e6;
                printf("{\"counters\":{\"source\":\"%s\",\"fired\":%" PRIu64 ",\"read\":%" PRIu64 ",\"lost\":%" PRIu64
                       ",\"malformed\":%" PRIu64 ",\"foreign\":%" PRIu64 ",\"keys\":%" PRIu64 ",\"bytes\":%" PRIu64
                       ",\"emitted\":%" PRIu64 ",\"suppressed\":%" PRIu64 ",\"steps\":%" PRIu64 ",\"wall_s\":%.3f,"
                       "\"cpu_s\":%.3f,\"maxrss_kb\":%ld,\"tracepoints\":",
                       srcs[i], c.fired, c.read, c.lost, c.malformed, c.foreign, c.keys, c.bytes, st.emitted, st.suppressed,
                       st.steps, wall, cpu, ru.ru_maxrss);
                jstr(stdout, hvs_watch_trace_tracepoints(s[i], false));
                printf(",\"missing\":");
                jstr(stdout, hvs_watch_trace_tracepoints(s[i], true));
                printf("}}\n");
                s[i]->ops->free(s[i]);
        }
        return rc;
}
