/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * source.h - what the "kvm" and "vmm-syscall" watch sources share: the perf
 * session of one QEMU process, the per-key aggregation (a key is a port, an
 * MMIO address, an MSR, a hypercall, an exit reason or a system call) with
 * its bounded table, rate limits and per-interval summaries.
 */
#ifndef HVS_TRACE_SOURCE_H
#define HVS_TRACE_SOURCE_H

#include "trace-internal.h"

#define TRACE_MAX_TPS 8

struct trace_key {
        uint64_t id;            /* port, gpa, msr, nr, reason, syscall nr */
        uint16_t kind;          /* the source's own kind index */
        uint16_t dir;           /* read/write, or a flag of the kind */
        bool used;
        uint64_t total, interval, emitted, suppressed;
        uint32_t last_tid;      /* the host thread of the latest hit (a vCPU thread for kvm) */
};

struct trace_src;

/* What differs between the two sources. */
struct trace_kind_ops {
        const char *source;     /* "kvm", "vmm-syscall" */
        const char *category;   /* ECS event.category of its events */
        /* decode one sample of tracepoint @tp (index into the source's tps) */
        void (*sample)(struct trace_src *t, size_t tp, const struct trace_sample *s);
        /* "port-io 0x3f5 write" for a key (rate summaries) and its JSON members */
        void (*key_text)(const struct trace_src *t, const struct trace_key *k, char *buf, size_t cap,
                         char *json, size_t jcap);
        /* at the end of each interval, before the summaries (may be NULL) */
        void (*interval)(struct trace_src *t, int64_t now_ns);
};

struct trace_src {
        hvs_watch_source base;
        const struct trace_kind_ops *kops;
        pid_t pid;
        bool inherit, vcpu_only;
        char tracefs[1024];
        struct trace_perf *perf;
        size_t ntps;
        struct trace_format tps[TRACE_MAX_TPS];
        const char *tp_names[TRACE_MAX_TPS];
        char enabled[256], missing[256];
        char note[160];                 /* said once in trace-started */
        /* options */
        int64_t interval_ns;
        uint32_t per_key, per_interval;
        /* aggregation */
        struct trace_key *keys;         /* HVS_TRACE_MAX_KEYS, open addressing */
        size_t nkeys;
        uint64_t overflow_interval, overflow_total;
        uint32_t interval_individual;
        int64_t interval_start_ns, deadline_ns;
        int64_t clock_off;              /* sample time (MONOTONIC) + this = host time */
        bool announced;
        /* counters */
        hvs_watch_stats st;
        struct trace_ring_stats rs;
        uint64_t foreign, lost_reported, bad_reported;
        /* the step in progress */
        hvs_watch_emit_fn emit;
        void *ctx;
        int rc;
        char summary[512], json[2048];
        void *priv;             /* the kind's own state */
};

/* Count a hit on (kind, id, dir). NULL when the table is full (then counted
 * in overflow_*). */
struct trace_key *trace_key_hit(struct trace_src *t, uint16_t kind, uint64_t id, uint16_t dir);

/* Whether the next hit of @k may be emitted on its own (per key and per
 * interval limits); counts it as suppressed otherwise. */
bool trace_key_individual(struct trace_src *t, struct trace_key *k);

/* Hand one event to the consumer (stops emitting after a non-zero return). */
void trace_emit(struct trace_src *t, int64_t ts_ns, const char *category, const char *action, int severity,
                int32_t pid, const char *summary, const char *json);

/* Common set-up: tracefs, the tracepoints (@names of system @sys; the
 * @required first ones must exist), the perf session, the threads.
 * @filters: per tracepoint, a tracefs filter expression or NULL. */
int trace_src_init(struct trace_src *t, pid_t pid, const hvs_trace_opts *opts, const char *sys,
                   const char *const *names, const char *const *filters, size_t n, size_t required, hvs_diag *d);

extern const hvs_watch_source_ops trace_kvm_ops, trace_vmmsys_ops;

#endif
