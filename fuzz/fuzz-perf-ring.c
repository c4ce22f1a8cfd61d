/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-perf-ring.c - the perf ring record walker (trace_ring_parse) and the
 * tracepoint format parser (trace_format_parse), and field reads of the
 * parsed format on every sample the walk finds.
 *
 * Input (little-endian):
 *   0  u8  size_bits (3 + mod 14: rings of 8 bytes to 64 KiB)
 *   1  u8  reserved
 *   2  u16 format_len (bytes of format text that follow the header)
 *   4  u32 avail (bytes between tail and head; mod 2 x ring size + 1, so
 *          positions the kernel never publishes are fed too)
 *   8  u64 tail (free-running position)
 *   16 format text (format_len), then the ring's bytes (zero-filled to size)
 * fuzz/corpora/make-perf-ring-corpus.py writes valid rings in this format.
 * Any result is fine if it keeps the contract; a crash or a leak is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "trace/trace-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
        const struct trace_format *f;
        uint64_t sum;
};

static void on_sample(void *p, const struct trace_sample *s) {
        struct ctx *c = p;
        c->sum += s->pid + s->tid + s->time_ns;
        for (size_t i = 0; c->f && i < c->f->nfields; i++) {
                uint64_t v;
                if (trace_field_get(&c->f->fields[i], s->raw, s->raw_len, &v) == 0)
                        c->sum += v;
        }
        /* the whole raw area must be readable */
        for (uint32_t i = 0; i < s->raw_len; i++)
                c->sum += s->raw[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 16)
                return 0;
        unsigned bits = 3 + data[0] % 14;
        uint64_t rsize = 1ull << bits;
        size_t flen = hvs_le16(data + 2);
        uint64_t avail = hvs_le32(data + 4) % (2 * rsize + 1);
        uint64_t tail = hvs_le64(data + 8);
        const uint8_t *p = data + 16;
        size_t left = size - 16;
        if (flen > left)
                flen = left;
        static struct trace_format f;
        struct ctx c = { 0 };
        if (trace_format_parse((const char *)p, flen, &f, NULL) == 0)
                c.f = &f;
        p += flen;
        left -= flen;
        uint8_t *ring = calloc(1, rsize);
        uint8_t *scratch = malloc(TRACE_RING_SCRATCH);
        if (!ring || !scratch) {
                free(ring);
                free(scratch);
                return 0;
        }
        memcpy(ring, p, left < rsize ? left : rsize);
        struct trace_ring_stats st = { 0 };
        uint64_t nt = trace_ring_parse(ring, rsize, tail, tail + avail, scratch, on_sample, &c, &st);
        if (nt != tail + avail)
                abort();        /* the walk always ends at head */
        free(ring);
        free(scratch);
        return 0;
}
