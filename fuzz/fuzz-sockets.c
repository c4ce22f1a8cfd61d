/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-sockets.c - the socket hash-table walkers (sockets.c) on fake tables
 * (tests/fixtures/fake_net.h) that the input overwrites. Input format:
 *   byte 0      region: 0 table headers (struct net, inet_hashinfo,
 *               udp_table, unix buckets at FAKE_NET_NET_PA), 1 ehash
 *               buckets, 2 lhash2 and udp buckets, 3 socks and their
 *               sockets and unix addresses (FAKE_NET_OBJ_PA)
 *   bytes 1-2   little-endian offset into that region
 *   the rest    bytes written there (clipped to the fixture's memory)
 * Then TCP, UDP and unix tables are walked. Any result is fine; a crash, a
 * hang or a leak is not. Each input starts from a pristine copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/linux.h>
#include "fake_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake_net *fn;
static uint8_t *pristine;
static uint64_t snap_lo, snap_hi;

static void build(void) {
        if (fake_net_new(64, 16, 32, &fn) < 0)
                abort();
        for (uint32_t i = 0; i < 6; i++) {
                fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET,
                        .state = i % 3 ? 1 : 6, .type = 1, .laddr = { 127, 0, 0, 1 }, .lport = (uint16_t)(8000 + i),
                        .raddr = { 127, 0, 0, 1 }, .rport = (uint16_t)(40000 + i), .inode = 100 + i, .bucket = i / 2 });
                fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UDP, .family = i & 1 ? 10 : 2,
                        .state = 7, .type = 2, .lport = (uint16_t)(5000 + i), .inode = 200 + i, .bucket = i / 3 });
                fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UNIX, .family = 1, .state = 1,
                        .type = 1, .inode = 300 + i, .name = i & 1 ? "\0abstract" : "/run/sock",
                        .name_len = i & 1 ? 9 : 10, .bucket = i / 2 });
        }
        fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET6, .state = 10,
                .type = 1, .lport = 22, .inode = 400 });
        snap_lo = FAKE_NET_NET_PA;
        snap_hi = fn->obj_next;
        pristine = malloc(snap_hi - snap_lo);
        if (!pristine)
                abort();
        fake_read(fn->g, HVS_GPA(snap_lo), pristine, snap_hi - snap_lo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint64_t regions[] = { FAKE_NET_NET_PA, FAKE_NET_EHASH_PA, FAKE_NET_LHASH_PA, FAKE_NET_OBJ_PA };
        if (!fn)
                build();
        fake_write(fn->g, HVS_GPA(snap_lo), pristine, snap_hi - snap_lo);
        if (size >= 3) {
                uint64_t at = regions[data[0] % 4] + (uint64_t)(data[1] | data[2] << 8);
                size_t n = size - 3;
                if (at < snap_hi) {
                        if (n > snap_hi - at)
                                n = (size_t)(snap_hi - at);
                        fake_write(fn->g, HVS_GPA(at), data + 3, n);
                }
        }
        hvs_socket_list *l = NULL;
        if (fake_net_walk(fn, 256, &l) == 0) {
                if (l->n > 256)
                        abort();
                for (size_t i = 0; i < l->n; i++)       /* touch every result for ASan */
                        if (strlen(l->socks[i].path) > HVS_NET_UNIX_PATH_MAX + 1 || l->socks[i].n_owners)
                                abort();
                hvs_socket_list_free(l);
        }
        return 0;
}
