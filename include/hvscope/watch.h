/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch.h - live, normalized events about a running VM, gathered only from
 * the hypervisor side (hvscope watch).
 *
 * An event source is an object with a small vtable (struct
 * hvs_watch_source_ops). The watch loop (src/watch/loop.c) polls every
 * source's file descriptor and deadline, calls step() when one is due, and
 * hands each event the source emits to one emit callback, which rate-limits,
 * summarizes and forwards it (printer, NDJSON writer, case store). Sources:
 *   flight recorder  re-reads the guest views at a rate and emits the
 *                    differences (src/watch/flight.c)
 *   breakpoints      hardware breakpoints through QEMU's gdbstub on kernel
 *                    functions, arguments decoded (src/watch/bp.c)
 *   kvm              kvm:* tracepoints of the VM's vCPU threads through
 *                    perf_event_open rings (src/trace/)
 *   vmm-syscalls     raw_syscalls of the QEMU process (src/trace/)
 *
 * Events are borrowed for the duration of the emit call only: a consumer
 * that keeps one copies it. Every string may come from a hostile guest.
 * The library never prints.
 */
#ifndef HVSCOPE_WATCH_H
#define HVSCOPE_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <hvscope/common.h>
#include <hvscope/session.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct hvs_watch_event - one normalized event (Elastic Common Schema names).
 * @ts_ns:       host time, CLOCK_REALTIME ns
 * @guest_ts_ns: guest time where known, 0 = unknown
 * @source:      "flight-recorder", "breakpoint", "kvm", "vmm-syscall" or
 *               "watcher" (the loop's own: losses, summaries, start/stop)
 * @category:    ECS event.category ("process", "driver", "network", "iam",
 *               "host", "intrusion_detection")
 * @action:      ECS event.action, e.g. "process-started", "process-exited",
 *               "module-loaded", "module-unloaded", "socket-opened",
 *               "socket-closed", "credential-change", "exec", "commit-creds",
 *               "tcp-connect", "port-io", "mmio", "msr", "hypercall",
 *               "vm-exit", "vmm-syscall", "events-lost", "rate-summary"
 * @severity:    0 info ... 4 critical (as enum hvs_severity in triage.h)
 * @pid:         the guest process that caused it, -1 = unknown
 * @comm:        its name, nullable
 * @summary:     one line for people
 * @data_json:   one JSON object with the details (ECS-shaped keys where they
 *               exist: "process.ppid", "process.args", "user.id", ...), nullable
 */
typedef struct hvs_watch_event {
        int64_t ts_ns;
        int64_t guest_ts_ns;
        const char *source;
        const char *category;
        const char *action;
        int severity;
        int32_t pid;
        const char *comm;
        const char *summary;
        const char *data_json;
} hvs_watch_event;

/** hvs_watch_emit_fn - receives each event; a non-zero return stops the loop with that value. */
typedef int (*hvs_watch_emit_fn)(void *ctx, const hvs_watch_event *ev);

/** struct hvs_watch_stats - a source's counters since it started. */
typedef struct hvs_watch_stats {
        uint64_t emitted;       /* events handed to emit */
        uint64_t lost;          /* lost before hvscope saw them (ring overflow, missed polls) */
        uint64_t suppressed;    /* seen but not emitted (rate limit; summarized instead) */
        uint64_t steps;         /* step() calls */
} hvs_watch_stats;

typedef struct hvs_watch_source hvs_watch_source;

/**
 * struct hvs_watch_source_ops - the vtable of a source.
 * @name:     "flight-recorder", "breakpoint", "kvm", "vmm-syscall"
 * @fd:       a file descriptor the loop polls for input (POLLIN), -1 = none
 * @deadline_ns: the CLOCK_MONOTONIC time at which step() must run even
 *            without input; INT64_MAX = none
 * @step:     do the due work and emit its events. Return: 0, or -errno when
 *            the source can no longer work (the VM went away: -ESRCH, ...);
 *            the loop then emits a "watcher" event, drops the source and
 *            goes on with the others.
 * @stats:    fill @st
 * @free:     stop and release everything (the VM is left exactly as before)
 */
typedef struct hvs_watch_source_ops {
        const char *name;
        int (*fd)(hvs_watch_source *src);
        int64_t (*deadline_ns)(hvs_watch_source *src);
        int (*step)(hvs_watch_source *src, int64_t now_ns, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag);
        void (*stats)(hvs_watch_source *src, hvs_watch_stats *st);
        void (*free)(hvs_watch_source *src);
} hvs_watch_source_ops;

/** struct hvs_watch_source - every source embeds this as its first member. */
struct hvs_watch_source {
        const hvs_watch_source_ops *ops;
};

/* ---- flight recorder (src/watch/flight.c) --------------------------------- */
/* (the flight-recorder helper declares its constructor here) */

/* ---- breakpoints through the gdbstub (src/watch/bp.c) ---------------------- */
/* (the breakpoint helper declares its constructor here) */

/* ---- kvm tracepoints and the VMM's system calls (src/trace/) --------------- */
/* (the kvm-trace helper declares its constructors here) */

/* ---- the loop (src/watch/loop.c) ------------------------------------------- */
/* (the flight-recorder helper, who owns the loop, declares it here) */

#ifdef __cplusplus
}
#endif
#endif
