/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * source.c - the watch-source plumbing the "kvm" and "vmm-syscall" sources
 * share. Host-kernel events can come at millions per second, so nothing here
 * is per event except a hash probe: each key (port, reason, system call) is
 * counted, the first few hits of a new key are emitted on their own, the
 * rest only as a per-interval rate. Memory is fixed at set-up: the key table
 * (HVS_TRACE_MAX_KEYS) and one ring per CPU; a storm costs CPU, not memory.
 */
#include <signal.h>
#include "source.h"

static uint64_t key_hash(uint16_t kind, uint64_t id, uint16_t dir) {
        uint64_t h = id * 0x9e3779b97f4a7c15ull ^ ((uint64_t)kind << 48 | (uint64_t)dir << 32);
        return h ^ (h >> 29);
}

struct trace_key *trace_key_hit(struct trace_src *t, uint16_t kind, uint64_t id, uint16_t dir) {
        const size_t cap = HVS_TRACE_MAX_KEYS * 2;      /* load factor <= 1/2 */
        size_t i = (size_t)(key_hash(kind, id, dir) & (cap - 1));
        for (size_t probe = 0; probe < cap; probe++, i = (i + 1) & (cap - 1)) {
                struct trace_key *k = &t->keys[i];
                if (!k->used) {
                        if (t->nkeys == HVS_TRACE_MAX_KEYS)
                                break;
                        *k = (struct trace_key){ .id = id, .kind = kind, .dir = dir, .used = true };
                        t->nkeys++;
                }
                if (k->id == id && k->kind == kind && k->dir == dir) {
                        k->total++;
                        k->interval++;
                        return k;
                }
        }
        t->overflow_interval++;
        t->overflow_total++;
        t->st.suppressed++;
        return NULL;
}

bool trace_key_individual(struct trace_src *t, struct trace_key *k) {
        if (k->emitted < t->per_key && t->interval_individual < t->per_interval) {
                k->emitted++;
                t->interval_individual++;
                return true;
        }
        k->suppressed++;
        t->st.suppressed++;
        return false;
}

void trace_emit(struct trace_src *t, int64_t ts_ns, const char *category, const char *action, int severity,
                int32_t pid, const char *summary, const char *json) {
        if (t->rc || !t->emit)
                return;
        hvs_watch_event ev = {
                .ts_ns = ts_ns, .source = t->kops->source, .category = category, .action = action,
                .severity = severity, .pid = pid, .summary = summary, .data_json = json,
        };
        t->st.emitted++;
        t->rc = t->emit(t->ctx, &ev);
}

static void on_sample(void *ctx, const struct trace_sample *s) {
        struct trace_src *t = ctx;
        if (s->raw_len < 2)
                return;
        uint16_t type = hvs_le16(s->raw);
        for (size_t i = 0; i < t->ntps; i++)
                if (t->tps[i].id == type) {
                        t->kops->sample(t, i, s);
                        return;
                }
        t->foreign++;
}

static int cmp_keys(const void *a, const void *b) {
        const struct trace_key *x = *(const struct trace_key *const *)a, *y = *(const struct trace_key *const *)b;
        return x->interval < y->interval ? 1 : x->interval > y->interval ? -1 : 0;
}

static void summarize(struct trace_src *t) {
        int64_t now = trace_realtime_ns(), now_mono = (int64_t)hvs_now_ns();
        double secs = (double)(now_mono - t->interval_start_ns) / 1e9;
        if (secs <= 0)
                secs = 1e-9;
        if (t->kops->interval)
                t->kops->interval(t, now);
        /* lost records: what the kernel dropped since the last report */
        if (t->rs.lost > t->lost_reported || t->rs.bad > t->bad_reported) {
                uint64_t dl = t->rs.lost - t->lost_reported, db = t->rs.bad - t->bad_reported;
                t->st.lost += dl;
                snprintf(t->summary, sizeof t->summary, "%s: %" PRIu64 " events lost (ring full), %" PRIu64
                         " malformed records skipped in %.2f s", t->kops->source, dl, db, secs);
                snprintf(t->json, sizeof t->json, "{\"lost\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"lost_total\":%" PRIu64
                         ",\"interval_ms\":%.0f}", dl, db, t->rs.lost, secs * 1e3);
                trace_emit(t, now, "host", "events-lost", 2, -1, t->summary, t->json);
                t->lost_reported = t->rs.lost;
                t->bad_reported = t->rs.bad;
        }
        /* rates, the busiest keys first; the rest in one line */
        struct trace_key *top[HVS_TRACE_MAX_RATE_EVENTS];
        size_t ntop = 0;
        uint64_t rest = 0, rest_keys = 0;
        for (size_t i = 0; i < HVS_TRACE_MAX_KEYS * 2; i++) {
                struct trace_key *k = &t->keys[i];
                if (!k->used || !k->interval)
                        continue;
                if (ntop < ARRAY_SIZE(top)) {
                        top[ntop++] = k;
                        continue;
                }
                /* replace the smallest kept one when this one is busier */
                size_t m = 0;
                for (size_t j = 1; j < ntop; j++)
                        if (top[j]->interval < top[m]->interval)
                                m = j;
                if (top[m]->interval < k->interval) {
                        rest += top[m]->interval;
                        top[m] = k;
                } else
                        rest += k->interval;
                rest_keys++;
        }
        qsort(top, ntop, sizeof top[0], cmp_keys);
        for (size_t i = 0; i < ntop; i++) {
                struct trace_key *k = top[i];
                char what[160], members[512];
                t->kops->key_text(t, k, what, sizeof what, members, sizeof members);
                char rate[48] = "";
                if (secs * 1e3 >= HVS_TRACE_MIN_RATE_MS) {
                        snprintf(t->summary, sizeof t->summary, "%s %.0f/s (%" PRIu64 " in %.2f s, %" PRIu64 " since start)",
                                 what, (double)k->interval / secs, k->interval, secs, k->total);
                        snprintf(rate, sizeof rate, ",\"per_second\":%.1f", (double)k->interval / secs);
                } else {
                        snprintf(t->summary, sizeof t->summary, "%s %" PRIu64 " in the last %.0f ms (%" PRIu64 " since start)",
                                 what, k->interval, secs * 1e3, k->total);
                }
                snprintf(t->json, sizeof t->json, "{%s,\"count\":%" PRIu64 "%s,\"interval_ms\":%.0f,"
                         "\"total\":%" PRIu64 ",\"suppressed\":%" PRIu64 ",\"qemu.pid\":%d,\"host.tid\":%u}",
                         members, k->interval, rate, secs * 1e3, k->total, k->suppressed, (int)t->pid, k->last_tid);
                trace_emit(t, now, t->kops->category, "rate-summary", 0, -1, t->summary, t->json);
                k->interval = 0;
        }
        if (rest_keys || t->overflow_interval) {
                snprintf(t->summary, sizeof t->summary, "%s: %" PRIu64 " more events over %" PRIu64 " quieter keys, %"
                         PRIu64 " over keys beyond the table of %u", t->kops->source, rest, rest_keys, t->overflow_interval,
                         HVS_TRACE_MAX_KEYS);
                snprintf(t->json, sizeof t->json, "{\"other_keys\":%" PRIu64 ",\"other_count\":%" PRIu64
                         ",\"overflow_count\":%" PRIu64 ",\"interval_ms\":%.0f}", rest_keys, rest, t->overflow_interval,
                         secs * 1e3);
                trace_emit(t, now, t->kops->category, "rate-summary", 1, -1, t->summary, t->json);
                for (size_t i = 0; i < HVS_TRACE_MAX_KEYS * 2; i++)
                        t->keys[i].interval = 0;
                t->overflow_interval = 0;
        }
        t->interval_individual = 0;
        t->interval_start_ns = now_mono;
}

/* New vCPU threads (hot-plug) are attached at each interval; with inherit
 * every later thread is covered already. */
static int rescan(struct trace_src *t, hvs_diag *d) {
        if (kill(t->pid, 0) < 0 && errno == ESRCH)
                return HVS_DIAG(d, -ESRCH, "the QEMU process %d is gone", (int)t->pid);
        if (t->inherit)
                return 0;
        pid_t tids[256];
        int n = trace_threads(t->pid, t->vcpu_only, tids, ARRAY_SIZE(tids));
        if (n < 0)
                return HVS_DIAG(d, n, "cannot list the threads of QEMU process %d", (int)t->pid);
        uint32_t ids[TRACE_MAX_TPS];
        for (size_t i = 0; i < t->ntps; i++)
                ids[i] = t->tps[i].id;
        for (int i = 0; i < n; i++)
                if (!trace_perf_has(t->perf, tids[i]))
                        (void)trace_perf_attach(t->perf, tids[i], ids, NULL, t->ntps, false, NULL);
        return 0;
}

static int src_fd(hvs_watch_source *s) {
        return trace_perf_fd(((struct trace_src *)s)->perf);
}

static int64_t src_deadline(hvs_watch_source *s) {
        return ((struct trace_src *)s)->deadline_ns;
}

static int src_step(hvs_watch_source *s, int64_t now_ns, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag) {
        struct trace_src *t = (struct trace_src *)s;
        t->emit = emit;
        t->ctx = ctx;
        t->rc = 0;
        t->st.steps++;
        if (!t->announced) {
                t->announced = true;
                int n = snprintf(t->summary, sizeof t->summary, "%s: tracing QEMU process %d: %s", t->kops->source,
                                 (int)t->pid, t->enabled);
                if (t->missing[0] && n > 0 && (size_t)n < sizeof t->summary)
                        snprintf(t->summary + n, sizeof t->summary - (size_t)n, "; not on this kernel: %s", t->missing);
                n = (int)strlen(t->summary);
                if (t->note[0] && (size_t)n < sizeof t->summary)
                        snprintf(t->summary + n, sizeof t->summary - (size_t)n, "; %s", t->note);
                char en[300], mi[300];
                trace_json_str(en, sizeof en, t->enabled);
                trace_json_str(mi, sizeof mi, t->missing);
                snprintf(t->json, sizeof t->json, "{\"qemu.pid\":%d,\"tracepoints\":\"%s\",\"missing\":\"%s\",\"tracefs\":\"%s\"}",
                         (int)t->pid, en, mi, t->tracefs);
                trace_emit(t, trace_realtime_ns(), "host", "trace-started", 0, -1, t->summary, t->json);
        }
        trace_perf_drain(t->perf, on_sample, t, &t->rs);
        int r = 0;
        if (now_ns >= t->deadline_ns) {
                summarize(t);
                t->clock_off = trace_clock_offset_ns();
                r = rescan(t, diag);
                t->deadline_ns += t->interval_ns;
                if (t->deadline_ns <= now_ns)
                        t->deadline_ns = now_ns + t->interval_ns;
        }
        t->emit = NULL;
        return t->rc ? t->rc : r;
}

static void src_stats(hvs_watch_source *s, hvs_watch_stats *st) {
        struct trace_src *t = (struct trace_src *)s;
        *st = t->st;
        st->lost = t->rs.lost;
}

static void src_free(hvs_watch_source *s) {
        struct trace_src *t = (struct trace_src *)s;
        if (!t)
                return;
        trace_perf_free(t->perf);
        free(t->keys);
        free(t->priv);
        free(t);
}

const hvs_watch_source_ops trace_kvm_ops = {
        .name = "kvm",
        .fd = src_fd,
        .deadline_ns = src_deadline,
        .step = src_step,
        .stats = src_stats,
        .free = src_free,
};

const hvs_watch_source_ops trace_vmmsys_ops = {
        .name = "vmm-syscall",
        .fd = src_fd,
        .deadline_ns = src_deadline,
        .step = src_step,
        .stats = src_stats,
        .free = src_free,
};

static bool is_trace_src(const hvs_watch_source *s) {
        return s && (s->ops == &trace_kvm_ops || s->ops == &trace_vmmsys_ops);
}

int trace_src_init(struct trace_src *t, pid_t pid, const hvs_trace_opts *opts, const char *sys,
                   const char *const *names, const char *const *filters, size_t n, size_t required, hvs_diag *d) {
        hvs_trace_opts o = { 0 };
        if (opts) {
                if (opts->sz < sizeof(size_t) || opts->sz > sizeof o)
                        return HVS_DIAG(d, -EINVAL, "hvs_trace_opts of unknown size %zu", opts->sz);
                memcpy(&o, opts, opts->sz);
        }
        if (pid <= 0)
                return HVS_DIAG(d, -EINVAL, "no QEMU process id");
        if (kill(pid, 0) < 0 && errno == ESRCH)
                return HVS_DIAG(d, -ESRCH, "no process %d", (int)pid);
        t->pid = pid;
        t->interval_ns = (int64_t)(o.interval_ms ? o.interval_ms : 1000) * 1000000;
        t->per_key = o.per_key_events ? o.per_key_events : HVS_TRACE_DEFAULT_PER_KEY;
        t->per_interval = o.max_events_per_interval ? o.max_events_per_interval : HVS_TRACE_DEFAULT_PER_INTERVAL;
        int r = trace_tracefs_find(o.tracefs, t->tracefs, sizeof t->tracefs, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && i < TRACE_MAX_TPS; i++) {
                hvs_diag dd = { 0 };
                r = trace_event_load(t->tracefs, sys, names[i], &t->tps[t->ntps], &dd);
                char *list = r == 0 ? t->enabled : t->missing;
                size_t len = strlen(list);
                snprintf(list + len, sizeof t->enabled - len, "%s%s:%s", len ? " " : "", sys, names[i]);
                if (r == 0) {
                        t->tp_names[t->ntps++] = names[i];
                        continue;
                }
                if (i < required || r != -ENOENT) {
                        hvs_diag_copy(d, &dd);
                        return r;
                }
        }
        if (!t->ntps)
                return HVS_DIAG(d, -ENOENT, "none of the %s tracepoints exists on this kernel", sys);
        t->keys = hvs_calloc(HVS_TRACE_MAX_KEYS * 2, sizeof *t->keys);
        if (!t->keys)
                return -ENOMEM;
        unsigned pages = o.ring_pages;
        if (!pages) {
                /* the default, halved until all CPUs' rings fit HVS_TRACE_MAX_RING_BYTES */
                long ncpu = sysconf(_SC_NPROCESSORS_CONF), pg = sysconf(_SC_PAGESIZE);
                pages = HVS_TRACE_DEFAULT_RING_PAGES;
                while (pages > 16 && ncpu > 0 && pg > 0 && (uint64_t)pages * (uint64_t)pg * (uint64_t)ncpu > HVS_TRACE_MAX_RING_BYTES)
                        pages /= 2;
        }
        r = trace_perf_new(pages, &t->perf, d);
        if (r < 0)
                return r;
        pid_t tids[256];
        int nt = trace_threads(pid, t->vcpu_only, tids, ARRAY_SIZE(tids));
        if (nt < 0)
                return HVS_DIAG(d, nt, "cannot list the threads of process %d", (int)pid);
        if (nt == 0 && t->vcpu_only) {
                /* no "CPU n/KVM" names (an old QEMU, or not KVM): every thread */
                t->vcpu_only = false;
                nt = trace_threads(pid, false, tids, ARRAY_SIZE(tids));
                if (nt < 0)
                        return HVS_DIAG(d, nt, "cannot list the threads of process %d", (int)pid);
        }
        uint32_t ids[TRACE_MAX_TPS];
        const char *flt[TRACE_MAX_TPS] = { 0 };
        for (size_t i = 0; i < t->ntps; i++) {
                ids[i] = t->tps[i].id;
                for (size_t j = 0; filters && j < n; j++)
                        if (!strcmp(names[j], t->tp_names[i]))
                                flt[i] = filters[j];
        }
        size_t attached = 0;
        for (int i = 0; i < nt; i++) {
                r = trace_perf_attach(t->perf, tids[i], ids, flt, t->ntps, t->inherit, d);
                if (r == -ESRCH)
                        continue;       /* a thread that just ended */
                if (r < 0)
                        return r;
                attached++;
        }
        if (!attached)
                return HVS_DIAG(d, -ESRCH, "no thread of process %d to trace", (int)pid);
        t->clock_off = trace_clock_offset_ns();
        t->interval_start_ns = (int64_t)hvs_now_ns();
        t->deadline_ns = t->interval_start_ns + t->interval_ns;
        return 0;
}

void hvs_watch_trace_counters(hvs_watch_source *src, hvs_trace_counters *ret) {
        struct trace_src *t = (struct trace_src *)src;
        if (!is_trace_src(src)) {
                *ret = (hvs_trace_counters){ 0 };
                return;
        }
        *ret = (hvs_trace_counters){
                .fired = trace_perf_fired(t->perf),
                .read = t->rs.samples,
                .lost = t->rs.lost,
                .malformed = t->rs.bad,
                .foreign = t->foreign,
                .keys = t->nkeys,
                .bytes = t->rs.bytes,
        };
}

const char *hvs_watch_trace_tracepoints(hvs_watch_source *src, bool missing) {
        struct trace_src *t = (struct trace_src *)src;
        if (!is_trace_src(src))
                return "";
        return missing ? t->missing : t->enabled;
}
