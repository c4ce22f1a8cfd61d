/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ring.c - records of a perf ring buffer's data area, parsed with every
 * length checked (the walk is a pure function over bytes: fuzzed).
 */
#include <linux/perf_event.h>
#include "trace-internal.h"

/* Copy @len bytes at ring position @pos (wrapping) into @out. */
static void ring_copy(const uint8_t *data, uint64_t size, uint64_t pos, void *out, size_t len) {
        uint64_t off = pos & (size - 1);
        size_t first = (size_t)MIN((uint64_t)len, size - off);
        memcpy(out, data + off, first);
        if (first < len)
                memcpy((uint8_t *)out + first, data, len - first);
}

static void parse_sample(const uint8_t *rec, size_t len, trace_sample_fn fn, void *ctx, struct trace_ring_stats *st) {
        /* struct perf_event_header; u32 pid, tid; u64 time; u32 raw size; raw bytes */
        const size_t fixed = sizeof(struct perf_event_header) + 8 + 8 + 4;
        if (len < fixed) {
                st->bad++;
                return;
        }
        struct trace_sample s = {
                .pid = hvs_le32(rec + 8),
                .tid = hvs_le32(rec + 12),
                .time_ns = hvs_le64(rec + 16),
                .raw_len = hvs_le32(rec + 24),
                .raw = rec + fixed,
        };
        if (s.raw_len > len - fixed) {
                st->bad++;
                return;
        }
        st->samples++;
        if (fn)
                fn(ctx, &s);
}

uint64_t trace_ring_parse(const uint8_t *data, uint64_t size, uint64_t tail, uint64_t head, uint8_t *scratch,
                          trace_sample_fn fn, void *ctx, struct trace_ring_stats *st) {
        uint64_t avail = head - tail;
        if (!size || (size & (size - 1)) || avail > size) {
                /* Positions the kernel would never publish: nothing in between can be trusted. */
                st->bad++;
                return head;
        }
        while (head - tail >= sizeof(struct perf_event_header)) {
                struct perf_event_header h;
                ring_copy(data, size, tail, &h, sizeof h);
                if (h.size < sizeof h || h.size > head - tail) {
                        st->bad++;
                        st->bytes += head - tail;
                        return head;
                }
                uint64_t off = tail & (size - 1);
                const uint8_t *rec = data + off;
                if (off + h.size > size) {
                        ring_copy(data, size, tail, scratch, h.size);
                        rec = scratch;
                }
                st->records++;
                if (h.type == PERF_RECORD_SAMPLE)
                        parse_sample(rec, h.size, fn, ctx, st);
                else if (h.type == PERF_RECORD_LOST) {
                        /* u64 id; u64 lost */
                        if (h.size >= sizeof h + 16)
                                st->lost += hvs_le64(rec + sizeof h + 8);
                        else
                                st->bad++;
                }
                tail += h.size;
                st->bytes += h.size;
        }
        if (tail != head) {
                st->bad++;
                st->bytes += head - tail;
        }
        return head;
}
