/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trace-internal.h - host-kernel tracing under the two watch sources "kvm"
 * and "vmm-syscall": tracefs lookups, tracepoint format files, perf ring
 * buffers. TRACE is a side layer over util (scripts/lint).
 *
 * Invariants: every length in a ring record or a format file is checked
 * against the bytes actually present before it is used; the parsers are pure
 * functions over buffers (fuzz/fuzz-perf-ring.c) and never allocate per
 * record. The kernel writes the rings, but the values in the samples (ports,
 * addresses, syscall arguments) come from the guest or from QEMU and are
 * treated as hostile.
 */
#ifndef HVS_TRACE_INTERNAL_H
#define HVS_TRACE_INTERNAL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <hvscope/watch.h>
#include "util/util.h"

/* ---- tracefs and format files (tracefs.c) ---------------------------------- */

struct trace_field {
        char name[HVS_TRACE_MAX_NAME];
        uint32_t offset, size;
        bool is_signed;
};

struct trace_format {
        char name[HVS_TRACE_MAX_NAME];
        uint32_t id;
        size_t nfields;
        struct trace_field fields[HVS_TRACE_MAX_FIELDS];
};

/*
 * Find the tracefs mount: @hint when given (it must hold events/), else
 * /sys/kernel/tracing, /sys/kernel/debug/tracing, then any tracefs line of
 * /proc/self/mounts. Return: 0; -ENOENT (none, with the reason in @d).
 */
int trace_tracefs_find(const char *hint, char *buf, size_t cap, hvs_diag *d);

/*
 * Parse the text of one events/<sys>/<event>/format file: "name:", "ID:" and
 * the "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" lines. Array fields
 * keep their name without the [N]. Bounded by HVS_TRACE_MAX_FORMAT_BYTES,
 * HVS_TRACE_MAX_FIELDS and HVS_TRACE_MAX_NAME; offset + size must stay under
 * HVS_TRACE_MAX_RAW. Return: 0; -EBADMSG (no ID, a malformed field line);
 * -E2BIG (too long, too many fields).
 */
int trace_format_parse(const char *text, size_t len, struct trace_format *ret, hvs_diag *d);

/* The field @name of @f, or NULL. */
const struct trace_field *trace_format_field(const struct trace_format *f, const char *name);

/*
 * Read and parse <tracefs>/events/<sys>/<event>/format.
 * Return: 0; -ENOENT (no such tracepoint on this kernel); parse errors.
 */
int trace_event_load(const char *tracefs, const char *sys, const char *event, struct trace_format *ret, hvs_diag *d);

/*
 * The value of @f in the raw tracepoint record @raw of @len bytes: 1, 2, 4 or
 * 8 bytes, sign-extended when signed. Return: 0; -EBADMSG (outside @raw or
 * another size).
 */
int trace_field_get(const struct trace_field *f, const uint8_t *raw, size_t len, uint64_t *ret);

/* ---- perf ring records (ring.c) -------------------------------------------- */

/* One PERF_RECORD_SAMPLE with sample_type TID|TIME|RAW; @raw borrowed. */
struct trace_sample {
        uint32_t pid, tid;
        uint64_t time_ns;
        const uint8_t *raw;
        uint32_t raw_len;
};

struct trace_ring_stats {
        uint64_t records;       /* records of any type */
        uint64_t samples;       /* PERF_RECORD_SAMPLE handed to the callback */
        uint64_t lost;          /* sum of PERF_RECORD_LOST counts */
        uint64_t bad;           /* records too short or inconsistent (skipped) */
        uint64_t bytes;         /* bytes consumed */
};

typedef void (*trace_sample_fn)(void *ctx, const struct trace_sample *s);

/* Scratch a record that wraps the ring's end is copied into (max u16 size). */
#define TRACE_RING_SCRATCH 65536u

/*
 * Walk the records in [@tail, @head) of a ring data area of @size bytes (a
 * power of two; positions are free-running 64-bit counters as in
 * perf_event_mmap_page). Records that wrap are copied into @scratch
 * (TRACE_RING_SCRATCH bytes). A record whose header claims fewer than 8
 * bytes, or more than remain, ends the walk: the rest up to @head is skipped
 * and counted as bad (the stream cannot be resynchronized). Return: the new
 * tail (always @head unless @size is not a power of two or the positions are
 * inconsistent, then @head too, with everything counted bad).
 */
uint64_t trace_ring_parse(const uint8_t *data, uint64_t size, uint64_t tail, uint64_t head, uint8_t *scratch,
                          trace_sample_fn fn, void *ctx, struct trace_ring_stats *st);

/* ---- perf_event_open sessions (perf.c) ------------------------------------- */

struct trace_perf;

/*
 * A set of per-CPU rings (@ring_pages data pages each, a power of two) behind
 * one epoll descriptor. Return: 0; -ENOMEM; -errno of epoll/sysconf.
 */
int trace_perf_new(unsigned ring_pages, struct trace_perf **ret, hvs_diag *d);

/*
 * Open the tracepoints @ids (sampling every hit: TID|TIME|RAW, times in
 * CLOCK_MONOTONIC) on thread @tid, one event per CPU, each writing into that
 * CPU's ring. @filters: per tracepoint a kernel filter expression, or NULL.
 * @inherit: threads and processes @tid creates later are traced too.
 * Return: 0; -EPERM/-EACCES (not allowed: perf_event_paranoid, capabilities);
 * -ESRCH (the thread is gone); -E2BIG (HVS_TRACE_MAX_FDS); -errno.
 */
int trace_perf_attach(struct trace_perf *p, pid_t tid, const uint32_t *ids, const char *const *filters, size_t nids,
                      bool inherit, hvs_diag *d);

/* Whether @tid was attached already. */
bool trace_perf_has(const struct trace_perf *p, pid_t tid);

/* The epoll descriptor: readable when a ring passed its watermark. */
int trace_perf_fd(const struct trace_perf *p);

/*
 * Read every ring once up to its current head (acquire), hand each sample to
 * @fn, then publish the new tail (release). Bounded: one ring's size per CPU.
 */
void trace_perf_drain(struct trace_perf *p, trace_sample_fn fn, void *ctx, struct trace_ring_stats *st);

/* How many times the attached tracepoints fired (read() of every event): the
 * records produced, kept or lost. */
uint64_t trace_perf_fired(const struct trace_perf *p);

void trace_perf_free(struct trace_perf *p);

/* QEMU's threads: fills @tids (at most @cap) with the threads of @pid whose
 * comm matches "CPU <n>/KVM" when @vcpu_only. Return: count; -ESRCH; -errno. */
int trace_threads(pid_t pid, bool vcpu_only, pid_t *tids, size_t cap);

/* CLOCK_REALTIME in ns. */
int64_t trace_realtime_ns(void);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC now, in ns (sample times to host time). */
int64_t trace_clock_offset_ns(void);

/* JSON-escape @s into @buf (always NUL-terminated, truncated to fit). */
void trace_json_str(char *buf, size_t cap, const char *s);

#endif
