/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-maple.c - the maple tree walker (lx_maple_walk) on hostile nodes in a
 * fake kernel. Input: an 8-byte root value, then up to FUZZ_NODES nodes of
 * 256 bytes written at a fixed 256-aligned region. So that inputs can point
 * at their own nodes wherever the region is, every 8-byte word (the root
 * included) whose top 16 bits are 0xfeed is relocated to region + its low 16
 * bits (node index * 256 + type bits); fuzz/corpora/maple/ has valid and
 * malformed trees in that form (make-maple-corpus.py). Any result is fine;
 * a crash, a hang or a leak is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_maple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NODES 16u
#define REGION_BYTES (FUZZ_NODES * LX_MAPLE_NODE_SIZE)

static struct fake_linux *fl;
static hvs_linux *k;
static uint64_t region;

static int count(void *userdata, uint64_t first, uint64_t last, uint64_t entry) {
        (void)entry;
        if (last < first)
                abort();        /* the walker promised ranges in order */
        (*(uint64_t *)userdata)++;
        return 0;
}

static uint64_t reloc(uint64_t w) {
        return (w >> 48) == 0xfeed ? region + (w & 0xffff) : w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!fl) {
                if (fake_linux_new(HVS_PAGING_4LEVEL, &fl) < 0)
                        abort();
                uint64_t raw = fake_linux_kalloc(fl, REGION_BYTES + LX_MAPLE_NODE_SIZE);
                region = (raw + LX_MAPLE_NODE_SIZE - 1) & ~(uint64_t)(LX_MAPLE_NODE_SIZE - 1);
        }
        uint8_t nodes[REGION_BYTES] = { 0 };
        uint64_t root = 0;
        if (size >= 8) {
                memcpy(&root, data, 8);
                root = reloc(root);
                size_t n = size - 8 < sizeof nodes ? size - 8 : sizeof nodes;
                memcpy(nodes, data + 8, n);
        }
        for (size_t off = 0; off + 8 <= sizeof nodes; off += 8) {
                uint64_t w;
                memcpy(&w, nodes + off, 8);
                w = reloc(w);
                memcpy(nodes + off, &w, 8);
        }
        fake_linux_write(fl, region, nodes, sizeof nodes);
        if (!k && fake_linux_open(fl, NULL, &k) < 0)
                abort();
        hvs_vas_flush(hvs_linux_kernel_vas(k));
        uint64_t seen = 0;
        hvs_diag d = { 0 };
        int r = lx_maple_walk(hvs_linux_kernel_vas(k), &fake_maple_offsets, root, 4096, count, &seen, &d);
        if (r >= 0 && (uint64_t)r != seen)
                abort();
        return 0;
}
