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
#include <stdbool.h>
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

/* Views of hvs_watch_flight_opts.views. */
#define HVS_WATCH_FLIGHT_PROCS   (1u << 0)  /* process-started / process-exited */
#define HVS_WATCH_FLIGHT_CREDS   (1u << 1)  /* credential-change (needs PROCS' walk) */
#define HVS_WATCH_FLIGHT_MODULES (1u << 2)  /* module-loaded / module-unloaded */
#define HVS_WATCH_FLIGHT_SOCKETS (1u << 3)  /* socket-opened / socket-closed (TCP, UDP) */
#define HVS_WATCH_FLIGHT_ALL     0xfu

/**
 * struct hvs_watch_flight_opts - how the flight recorder reads.
 * @sz:         sizeof(struct hvs_watch_flight_opts), set by HVS_OPTS()
 * @rate_hz:    reads per second; 0 = HVS_WATCH_FLIGHT_DEFAULT_HZ; at most
 *              HVS_WATCH_FLIGHT_MAX_HZ (else -EINVAL)
 * @views:      HVS_WATCH_FLIGHT_* bits; 0 = HVS_WATCH_FLIGHT_ALL
 * @gone_after: consecutive reads an object must be missing from before it
 *              is reported gone; 0 = HVS_WATCH_FLIGHT_GONE_AFTER (2)
 * @baseline:   also emit every object present at the first read (actions
 *              "process-present", "module-present", "socket-present");
 *              by default the first read only sets the baseline silently
 * @kthreads:   also watch kernel threads (kworkers come and go all the time)
 */
typedef struct hvs_watch_flight_opts {
        size_t sz;
        double rate_hz;
        unsigned views;
        uint32_t gone_after;
        bool baseline;
        bool kthreads;
} hvs_watch_flight_opts;

/**
 * hvs_watch_flight_new() - the flight-recorder source over a live session.
 * @s:    the session (borrowed; must outlive the source). The VM is never
 *        paused: every read is of a running guest (see docs/watch.md for
 *        what that means for torn reads).
 * @opts: NULL = defaults
 * @ret:  the source (owned; give it to hvs_watch_loop_add_source() or free
 *        it with its ops->free)
 * @diag: nullable; detail on failure
 *
 * The source reads the selected views every 1/@rate_hz s and emits the
 * differences between two successive reads (category "process", "iam",
 * "driver", "network"). An object is the same object when its identity is
 * the same: a process is (pid, start time), a module (name, base address),
 * a socket (protocol, kernel address, local port). A process whose real or
 * effective UID/GID changed while its comm and start time stayed is a
 * "credential-change" (no exec in between). Objects that fail to read or a
 * walk that stops early (partial/truncated) never make "gone" events for
 * what the walk did not reach: an object is reported gone only after it is
 * missing from @gone_after consecutive complete reads. A view the kernel
 * does not support (a field absent) is switched off with one "watcher"
 * event saying so. step() cost is one walk per view (docs/watch.md gives
 * measured figures).
 *
 * Return: 0; -EINVAL bad @opts; -ENOMEM.
 * Thread-safety: the source uses @s; nothing else may use @s concurrently.
 */
HVS_API int hvs_watch_flight_new(hvs_session *s, const hvs_watch_flight_opts *opts, hvs_watch_source **ret,
                                 hvs_diag *diag);

/**
 * hvs_watch_flight_new_linux() - the same over a bare kernel view (tests,
 * memory images, callers without a session). @k is borrowed and must
 * outlive the source. Return: as hvs_watch_flight_new().
 */
HVS_API int hvs_watch_flight_new_linux(hvs_linux *k, const hvs_watch_flight_opts *opts, hvs_watch_source **ret,
                                       hvs_diag *diag);

/* ---- breakpoints through the gdbstub (src/watch/bp.c) ---------------------- */

/**
 * struct hvs_watch_bp_opts - which kernel functions to break on.
 * @sz:         sizeof(struct hvs_watch_bp_opts), set by HVS_OPTS()
 * @probes:     comma-separated probe names; NULL or "" = "exec,creds,module,connect".
 *              "exec"    __x64_sys_execve: file name and argv (read from the
 *                        caller's memory), action "exec", category "process"
 *              "creds"   commit_creds: the new cred's uid/euid/gid/egid against
 *                        the task's current ones, "commit-creds", "iam"
 *              "module"  do_init_module: the module's name, "module-loaded", "driver"
 *              "connect" tcp_connect: source and destination address and port,
 *                        "tcp-connect", "network"
 *              any other kernel function symbol: its first six argument
 *              registers, "kernel-call", "host"
 *              At most HVS_WATCH_BP_MAX (4, the x86 debug address registers).
 * @gdb:        nullable: the gdbstub to use, "tcp:HOST:PORT" (numeric HOST) or
 *              "unix:PATH"; NULL = the VM's own (query-chardev "gdb"), or one
 *              started for the watch with HMP "gdbserver" and removed after
 * @timeout_ms: per gdbstub command; 0 = HVS_RSP_TIMEOUT_MS
 * @max_hit_rate: hits of one probe within a second beyond which its
 *              breakpoint is taken out for a while (every hit stops the whole
 *              VM): 0 = HVS_WATCH_BP_MAX_HIT_RATE, negative = no guard. A
 *              "probe-suspended" event (severity 2) says when and for how
 *              long, "probe-resumed" when it is back (HVS_WATCH_BP_SUSPEND_MS,
 *              doubled up to HVS_WATCH_BP_SUSPEND_MAX_MS while it keeps
 *              tripping). Hits while it is out are not seen.
 */
typedef struct hvs_watch_bp_opts {
        size_t sz;
        const char *probes;
        const char *gdb;
        int timeout_ms;
        int max_hit_rate;
} hvs_watch_bp_opts;

/**
 * struct hvs_watch_bp_stats - the breakpoint source's own counters.
 * @hits:          breakpoint stops handled
 * @hit_ns_total:  host time from reading a stop to the VM running again,
 *                 summed (argument decoding, step over, continue)
 * @hit_ns_max:    the longest one
 * @foreign_stops: stops that were not ours (the VM paused by someone else)
 * @decode_errors: hits whose arguments could not be read (still emitted,
 *                 with "hvscope.partial")
 * @started_stub:  true when the source started the gdbstub itself
 * @suspensions:   times a probe was taken out by the hit-rate guard
 */
typedef struct hvs_watch_bp_stats {
        uint64_t hits, hit_ns_total, hit_ns_max, foreign_stops, decode_errors;
        bool started_stub;
        uint64_t suspensions;
} hvs_watch_bp_stats;

/**
 * hvs_watch_bp_new() - the breakpoint source: hardware breakpoints on guest
 * kernel functions through QEMU's gdbstub; nothing is written into guest
 * memory (only Z1, never software breakpoints).
 * @s:    a live session (borrowed; must outlive the source); its QMP
 *        connection is used to find or start the gdbstub
 * @opts: NULL = the four default probes
 * @ret:  the source (owned; give it to hvs_watch_loop_add_source() or free
 *        it with its ops->free)
 * @diag: nullable; detail on failure
 *
 * Attaching: the VM's gdbstub is found with query-chardev (label "gdb"); if
 * it has none, one is started on 127.0.0.1 and a free port with HMP
 * "gdbserver". Connecting stops the VM (QEMU does so); the breakpoints are
 * set and a VM that was running is continued. A hit stops the whole VM
 * (all-stop): the source reads the registers of the vCPU that hit ('g'),
 * decodes the arguments from guest memory through the session (never
 * through the stub), steps that vCPU over the breakpoint and continues.
 * The guest process is the task current on that vCPU (per-CPU
 * current_task or pcpu_hot.current_task at GS base): its thread-group id,
 * thread id and comm are in the event.
 * ops->free() detaches: interrupts, removes every breakpoint, 'D', then
 * "gdbserver none" if the source started the stub, and puts the VM back in
 * the run state it had before (running, or paused).
 *
 * Return: 0; -E2BIG more than HVS_WATCH_BP_MAX probes (diag "at most 4
 * hardware breakpoints (x86 debug registers)"); -EINVAL an empty, duplicate
 * or malformed probe name or @gdb; -ENOENT a function not in the kernel's
 * symbols or a field the decoder needs absent; -EOPNOTSUPP not a live VM;
 * -EBUSY the gdbstub already has a client; the errors of the gdbstub
 * connection (-ECONNREFUSED, -ETIMEDOUT, -EIO, -EBADMSG) and of QMP;
 * -ENOMEM. On failure the VM is left as it was.
 * Thread-safety: the source uses @s; nothing else may use @s concurrently.
 */
HVS_API int hvs_watch_bp_new(hvs_session *s, const hvs_watch_bp_opts *opts, hvs_watch_source **ret,
                             hvs_diag *diag);

/**
 * hvs_watch_bp_get_stats() - the breakpoint counters of @src (a source from
 * hvs_watch_bp_new()). Return: 0; -EINVAL if @src is another kind of source.
 */
HVS_API int hvs_watch_bp_get_stats(hvs_watch_source *src, hvs_watch_bp_stats *ret);

/* ---- kvm tracepoints and the VMM's system calls (src/trace/) --------------- */

/**
 * struct hvs_trace_opts - how the "kvm" and "vmm-syscall" sources read.
 * @sz:           sizeof(struct hvs_trace_opts), set by HVS_OPTS()
 * @tracefs:      the tracefs mount; NULL = /sys/kernel/tracing,
 *                /sys/kernel/debug/tracing, else any tracefs in
 *                /proc/self/mounts (hvscope never mounts it)
 * @interval_ms:  how often per-key rates are emitted ("rate-summary"),
 *                threads rescanned and losses reported; 0 = 1000
 * @per_key_events: hits of one new key (port+direction, MMIO address, MSR,
 *                hypercall, exit reason, system call) emitted on their own;
 *                0 = HVS_TRACE_DEFAULT_PER_KEY
 * @max_events_per_interval: individual events per interval over all keys;
 *                0 = HVS_TRACE_DEFAULT_PER_INTERVAL
 * @ring_pages:   data pages of each CPU's ring (a power of two up to
 *                HVS_TRACE_MAX_RING_PAGES); 0 = HVS_TRACE_DEFAULT_RING_PAGES,
 *                halved while all CPUs' rings exceed HVS_TRACE_MAX_RING_BYTES
 */
typedef struct hvs_trace_opts {
        size_t sz;
        const char *tracefs;
        uint32_t interval_ms;
        uint32_t per_key_events;
        uint32_t max_events_per_interval;
        uint32_t ring_pages;
} hvs_trace_opts;

/**
 * hvs_watch_kvm_new() - the "kvm" source: kvm:kvm_pio (required),
 * kvm_mmio, kvm_msr, kvm_hypercall and kvm_exit (each when this kernel has
 * it) of the vCPU threads ("CPU n/KVM"; every thread when none is so named)
 * of the QEMU process @qemu_pid, read through perf_event_open rings (one per
 * CPU; no perf binary). New vCPU threads are attached at each interval.
 * @opts: NULL = defaults
 * @diag: nullable; detail on failure (names a missing tracefs, a refused
 *        perf_event_open)
 * @ret:  the source (owned; give it to hvs_watch_loop_add_source() or free
 *        it with its ops->free)
 *
 * Events (source "kvm", category "host"): one "trace-started" naming the
 * tracepoints enabled and those this kernel lacks; the first
 * @per_key_events hits of each key as "port-io", "mmio", "msr", "hypercall"
 * or "vm-exit" (data: port/gpa/msr/nr/reason, direction, size, value,
 * host.tid), time = the kernel's CLOCK_REALTIME stamp of the hit; every
 * interval one "rate-summary" per busy key, busiest first, at most
 * HVS_TRACE_MAX_RATE_EVENTS (summary "port-io 0x3f5 write 12000/s ...",
 * data kind, key, key_hex, direction, count, per_second, total,
 * suppressed), one more line for the rest, and "events-lost" when the
 * kernel dropped records (ring full) or a record was malformed. Samples of
 * another process are never reported (counted as foreign). Memory is fixed
 * at creation: a port-I/O storm costs CPU time, not memory.
 * Return: 0; -ENOENT tracefs or kvm:kvm_pio absent; -EPERM/-EACCES
 * perf_event_open refused; -ESRCH no such process; -EINVAL bad @opts;
 * -ENOMEM; -E2BIG more than HVS_TRACE_MAX_FDS events.
 * Thread-safety: one thread per source.
 */
HVS_API int hvs_watch_kvm_new(pid_t qemu_pid, const hvs_trace_opts *opts, hvs_diag *diag, hvs_watch_source **ret);

/**
 * hvs_watch_vmm_syscall_new() - the "vmm-syscall" source: raw_syscalls
 * sys_enter and sys_exit of every thread of the QEMU process @qemu_pid and
 * of every thread or process it starts later (inherited), x86-64 names.
 * Parameters and return values as hvs_watch_kvm_new().
 *
 * Events (source "vmm-syscall", category "process", action "vmm-syscall"):
 * flagged calls with their arguments and, from sys_exit, their return value
 * (severity 2 to 4: execve/execveat, ptrace, process_vm_readv/writev,
 * init_module/finit_module, kexec_*, fork/vfork/clone of a process,
 * socket/connect/bind/listen/accept, mmap/mprotect with PROT_EXEC,
 * setuid/setresuid/capset, bpf); the first call of each other name once
 * (severity 0); per-name "rate-summary" and "events-lost" as for "kvm".
 * A flagged call whose return does not come within an interval is emitted
 * without it. The data's "child_of_qemu" says the caller is a process QEMU
 * started, not QEMU itself.
 */
HVS_API int hvs_watch_vmm_syscall_new(pid_t qemu_pid, const hvs_trace_opts *opts, hvs_diag *diag,
                                      hvs_watch_source **ret);

/**
 * hvs_watch_originator_new() - @inner (a "kvm" source of the VM of @s) with
 * the guest process behind each access: every event whose data names a vCPU
 * thread ("host.tid": individual accesses and rate summaries) also gets the
 * task current on that vCPU, read from guest memory when the event is
 * handled (QMP query-cpus-fast maps threads to vCPUs, refreshed at most once
 * a second for an unknown thread; __per_cpu_offset[cpu] + the per-CPU
 * current task pointer): process.pid, process.thread.id, process.name,
 * user.id, user.effective.id, hvscope.originator.{vcpu, read_lag_ms, task},
 * and the event's pid and comm. It is the process current when the watcher
 * read the event, read_lag_ms after the exit (up to the interval for a rate
 * summary): right for a process that keeps hammering a device, a pointer for
 * a single access. Events whose thread is no vCPU, or whose task does not
 * read, pass unchanged.
 * @s:     a live session with the guest kernel (borrowed; must outlive the
 *         source; its QMP connection is used)
 * @inner: owned by the wrapper on success (freed with it); on failure it
 *         stays the caller's
 * @ret:   the wrapper (owned; a source like @inner)
 * Return: 0; -EINVAL (no session or kernel); -ENOENT (no __per_cpu_offset
 * or current task symbol); QMP's errors; -ENOMEM.
 */
HVS_API int hvs_watch_originator_new(hvs_session *s, hvs_watch_source *inner, hvs_diag *diag,
                                     hvs_watch_source **ret);

/**
 * struct hvs_trace_counters - what one "kvm" or "vmm-syscall" source read.
 * @fired:     times the attached tracepoints fired (the kernel's counts:
 *             records produced, read or lost)
 * @read:      samples read from the rings
 * @lost:      records the kernel dropped (PERF_RECORD_LOST; ring full)
 * @malformed: records skipped as inconsistent
 * @foreign:   samples of other processes or tracepoints (dropped)
 * @keys:      distinct keys counted (at most HVS_TRACE_MAX_KEYS)
 * @bytes:     ring bytes consumed
 */
typedef struct hvs_trace_counters {
        uint64_t fired, read, lost, malformed, foreign, keys, bytes;
} hvs_trace_counters;

/**
 * hvs_watch_trace_counters() - the counters of @src (a "kvm" or
 * "vmm-syscall" source; any other source gives zeros). Reads the kernel's
 * counts (one read() per event): not for every step.
 */
HVS_API void hvs_watch_trace_counters(hvs_watch_source *src, hvs_trace_counters *ret);

/**
 * hvs_watch_trace_tracepoints() - "sys:name ..." of the tracepoints @src
 * enabled, or with @missing those this kernel lacks. Static to @src; ""
 * for other sources.
 */
HVS_API const char *hvs_watch_trace_tracepoints(hvs_watch_source *src, bool missing);

/* ---- the loop (src/watch/loop.c) ------------------------------------------- */

typedef struct hvs_watch_loop hvs_watch_loop;

/**
 * struct hvs_watch_loop_opts - the loop's limits; 0 = the default of limits.h.
 * @sz:              sizeof(struct hvs_watch_loop_opts), set by HVS_OPTS()
 * @max_rate:        events per second forwarded in total (token bucket,
 *                   HVS_WATCH_DEFAULT_RATE); the loop's own events-lost and
 *                   rate-summary events are not counted against it
 * @max_action_rate: events per second forwarded per (source, action)
 *                   (HVS_WATCH_DEFAULT_ACTION_RATE)
 * @burst:           bucket depth, in seconds of rate (1)
 * @summary_ms:      how often suppressed and lost counts become
 *                   "rate-summary" / "events-lost" events
 *                   (HVS_WATCH_SUMMARY_MS)
 * @max_queue:       events held between a source's step() and the consumer
 *                   (HVS_WATCH_MAX_QUEUE); beyond it events are lost and
 *                   counted
 * @poll_ms:         longest sleep without looking at the stop flag (100)
 */
typedef struct hvs_watch_loop_opts {
        size_t sz;
        uint32_t max_rate;
        uint32_t max_action_rate;
        uint32_t burst;
        uint32_t summary_ms;
        uint32_t max_queue;
        uint32_t poll_ms;
} hvs_watch_loop_opts;

/**
 * struct hvs_watch_loop_stats - totals of one loop (all sources).
 * @forwarded:  events given to the consumer (including the loop's own)
 * @suppressed: events the rate limiter held back (each one is counted in a
 *              rate-summary event)
 * @lost:       events lost: queue full, or reported lost by a source
 * @queue_high: most events queued at once
 * @steps:      step() calls
 * @sources:    sources still running
 */
typedef struct hvs_watch_loop_stats {
        uint64_t forwarded, suppressed, lost, queue_high, steps;
        uint32_t sources;
} hvs_watch_loop_stats;

/**
 * hvs_watch_loop_new() - an event loop with nothing to watch yet.
 * @opts: NULL = defaults
 * @emit: the consumer: each forwarded event, in order, from the thread that
 *        runs hvs_watch_loop_run(); a non-zero return stops the loop and
 *        hvs_watch_loop_run() returns it
 * @ctx:  passed to @emit
 * @ret:  the loop (owned; hvs_watch_loop_free())
 *
 * The loop copies what sources emit into a bounded queue (strings longer
 * than HVS_WATCH_MAX_FIELD bytes are cut, data_json longer than
 * HVS_WATCH_MAX_DATA is replaced by {"hvscope.truncated":true}), applies the
 * global and per-action rate limits, and hands the queue to @emit after
 * every step. Events held back are counted per (source, action) and
 * reported every @summary_ms as one "rate-summary" event each (source
 * "watcher", category "host", data {"hvscope.suppressed":N,
 * "hvscope.for_source":..., "hvscope.for_action":...}); losses as
 * "events-lost" (data {"hvscope.lost":N, "hvscope.for_source":...}). The
 * loop also emits "watch-started", "watch-stopped" (with the totals) and
 * "source-failed" when a source's step() fails.
 * Return: 0; -EINVAL bad @opts or NULL @emit; -ENOMEM.
 */
HVS_API int hvs_watch_loop_new(const hvs_watch_loop_opts *opts, hvs_watch_emit_fn emit, void *ctx,
                               hvs_watch_loop **ret);

/**
 * hvs_watch_loop_add_source() - watch @src too. The loop takes @src in
 * every case (on failure it is freed).
 * Return: 0; -E2BIG more than HVS_WATCH_MAX_SOURCES; -EINVAL NULL @src.
 */
HVS_API int hvs_watch_loop_add_source(hvs_watch_loop *l, hvs_watch_source *src);

/**
 * hvs_watch_loop_run() - run until *@stop becomes non-zero (nullable; set it
 * from a signal handler), @duration_ns passed (0 = no limit), every source
 * failed, or @emit returned non-zero.
 * @diag: nullable; names the last source that failed
 *
 * Sources that fail are dropped (with a "source-failed" event); that alone
 * is not an error of the run. The run ends with a "watch-stopped" event.
 * May be called again after it returned (it resumes).
 * Return: 0; the non-zero value @emit returned; -ENODEV if no source was
 * ever added; -ENOMEM.
 * Thread-safety: one thread per loop.
 */
HVS_API int hvs_watch_loop_run(hvs_watch_loop *l, const volatile int *stop, int64_t duration_ns, hvs_diag *diag);

/** hvs_watch_loop_get_stats() - the totals so far (cannot fail). */
HVS_API void hvs_watch_loop_get_stats(const hvs_watch_loop *l, hvs_watch_loop_stats *st);

/** hvs_watch_loop_free() - frees the loop and every source in it; NULL-safe. Return: NULL. */
HVS_API hvs_watch_loop *hvs_watch_loop_free(hvs_watch_loop *l);

/**
 * hvs_watch_now_ns() - host time for hvs_watch_event.ts_ns (CLOCK_REALTIME
 * ns). A source may leave ts_ns 0: the loop then stamps the event when it
 * receives it.
 */
HVS_API int64_t hvs_watch_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif
