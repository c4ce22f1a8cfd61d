/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-net.c - the socket hash-table walkers (sockets.c) on fake tables
 * (tests/fixtures/fake_net.h): every hvs_socket field for TCP (listening,
 * established, TIME_WAIT, IPv6), UDP and unix (pathname, abstract, unbound)
 * sockets; nulls and NULL chain ends; cycles, bad links, unreadable
 * buckets, implausible masks, limits, duplicates; offset checks; the public
 * API's errors on a kernel without socket types (fake_linux.h); names.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include "fake_linux.h"
#include "fake_net.h"

#define IP4(a, b, c, d) { a, b, c, d }
#define LO6 { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }

void hvs_test_fail_alloc_after(unsigned n);

static int setup(void **state) {
        struct fake_net *fn;
        int r = fake_net_new(256, 32, 128, &fn);
        if (r < 0)
                return r;
        *state = fn;
        return 0;
}

static int teardown(void **state) {
        fake_net_free(*state);
        return 0;
}

static hvs_socket_list *walk(struct fake_net *fn, uint32_t max) {
        hvs_socket_list *l = NULL;
        assert_int_equal(fake_net_walk(fn, max, &l), 0);
        assert_non_null(l);
        return l;
}

static const hvs_socket *find(const hvs_socket_list *l, uint64_t addr) {
        for (size_t i = 0; i < l->n; i++)
                if (l->socks[i].addr.v == addr)
                        return &l->socks[i];
        fail_msg("sock 0x%llx not listed", (unsigned long long)addr);
        return NULL;
}

/* ---- a normal guest ----------------------------------------------------------- */

static void test_all_kinds(void **state) {
        struct fake_net *fn = *state;
        uint64_t lst = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET,
                .state = HVS_TCP_LISTEN, .type = 1, .lport = 4444, .inode = 2014, .bucket = 3 });
        uint64_t est = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET,
                .state = HVS_TCP_ESTABLISHED, .type = 1, .laddr = IP4(10, 0, 2, 15), .lport = 8080,
                .raddr = IP4(10, 0, 2, 2), .rport = 58788, .inode = 10993, .bucket = 77 });
        uint64_t tw = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET,
                .state = HVS_TCP_TIME_WAIT, .laddr = IP4(127, 0, 0, 1), .lport = 8080, .raddr = IP4(127, 0, 0, 1),
                .rport = 40000, .inode = 999, .bucket = 77 });
        uint64_t l6 = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET6,
                .state = HVS_TCP_LISTEN, .type = 1, .laddr = LO6, .lport = 22, .inode = 3000, .bucket = 3 });
        uint64_t udp = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UDP, .family = HVS_AF_INET,
                .state = HVS_TCP_CLOSE, .type = 2, .lport = 44745, .inode = 11455, .bucket = 44745 });
        uint64_t udp6 = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UDP, .family = HVS_AF_INET6,
                .state = HVS_TCP_ESTABLISHED, .type = 2, .laddr = LO6, .lport = 5353, .raddr = LO6, .rport = 53,
                .inode = 4000, .bucket = 5 });
        uint64_t upath = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UNIX, .family = HVS_AF_UNIX,
                .state = HVS_TCP_ESTABLISHED, .type = 2, .inode = 11454, .name = "/dev/log", .name_len = 9,
                .bucket = 10 });
        uint64_t uabs = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UNIX, .family = HVS_AF_UNIX,
                .state = HVS_TCP_LISTEN, .type = 1, .inode = 5000, .name = "\0dbus\0x", .name_len = 7,
                .bucket = 300 });
        uint64_t unb = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UNIX, .family = HVS_AF_UNIX,
                .state = HVS_TCP_CLOSE, .type = 5, .bucket = 511 });

        hvs_socket_list *l = walk(fn, 1000);
        assert_false(l->truncated);
        assert_int_equal(l->trunc_err, 0);
        assert_int_equal(l->n, 9);
        /* Table order: listeners, ehash, udp, unix. Within a chain, newest first. */
        assert_int_equal(l->socks[0].addr.v, l6);
        assert_int_equal(l->socks[1].addr.v, lst);
        assert_int_equal(l->socks[2].addr.v, tw);
        assert_int_equal(l->socks[3].addr.v, est);
        assert_int_equal(l->socks[4].addr.v, udp6);
        assert_int_equal(l->socks[5].addr.v, udp);
        assert_int_equal(l->socks[6].addr.v, upath);
        assert_int_equal(l->socks[7].addr.v, uabs);
        assert_int_equal(l->socks[8].addr.v, unb);

        const hvs_socket *s = find(l, lst);
        assert_int_equal(s->proto, HVS_SOCK_TCP);
        assert_int_equal(s->family, HVS_AF_INET);
        assert_int_equal(s->state, HVS_TCP_LISTEN);
        assert_int_equal(s->type, 1);
        assert_int_equal(s->local_port, 4444);
        assert_int_equal(s->remote_port, 0);
        assert_int_equal(s->inode, 2014);
        assert_int_equal(s->netns, FAKE_NET_NS_INUM);
        assert_int_equal(s->partial, 0);
        assert_int_equal(s->n_owners, 0);

        s = find(l, est);
        assert_memory_equal(s->local_addr, ((uint8_t[4]){ 10, 0, 2, 15 }), 4);
        assert_memory_equal(s->remote_addr, ((uint8_t[4]){ 10, 0, 2, 2 }), 4);
        assert_int_equal(s->local_port, 8080);
        assert_int_equal(s->remote_port, 58788);
        assert_int_equal(s->inode, 10993);
        assert_int_equal(s->state, HVS_TCP_ESTABLISHED);

        /* A TIME_WAIT sock is only a sock_common: its "sk_socket" is not read. */
        s = find(l, tw);
        assert_int_equal(s->state, HVS_TCP_TIME_WAIT);
        assert_int_equal(s->inode, 0);
        assert_int_equal(s->type, 0);
        assert_int_equal(s->remote_port, 40000);

        s = find(l, l6);
        assert_int_equal(s->family, HVS_AF_INET6);
        assert_memory_equal(s->local_addr, ((uint8_t[16])LO6), 16);
        assert_int_equal(s->local_port, 22);
        s = find(l, udp6);
        assert_memory_equal(s->remote_addr, ((uint8_t[16])LO6), 16);
        assert_int_equal(s->remote_port, 53);
        assert_int_equal(s->state, HVS_TCP_ESTABLISHED);

        s = find(l, udp);
        assert_int_equal(s->proto, HVS_SOCK_UDP);
        assert_int_equal(s->local_port, 44745);
        assert_int_equal(s->inode, 11455);
        assert_int_equal(s->type, 2);

        s = find(l, upath);
        assert_int_equal(s->proto, HVS_SOCK_UNIX);
        assert_string_equal(s->path, "/dev/log");
        assert_int_equal(s->inode, 11454);
        assert_int_equal(s->local_port, 0);
        s = find(l, uabs);
        assert_string_equal(s->path, "@dbus@x");        /* abstract: '@', and NULs as '@' */
        assert_int_equal(s->state, HVS_TCP_LISTEN);
        s = find(l, unb);
        assert_string_equal(s->path, "");
        assert_int_equal(s->inode, 0);
        assert_int_equal(s->type, 5);
        assert_int_equal(s->partial, 0);
        hvs_socket_list_free(l);
}

static void test_empty_tables(void **state) {
        hvs_socket_list *l = walk(*state, 10);
        assert_int_equal(l->n, 0);
        assert_false(l->truncated);
        hvs_socket_list_free(l);
}

/* A full sun_path (108 bytes, no NUL) is shown whole. */
static void test_unix_longest_name(void **state) {
        struct fake_net *fn = *state;
        char name[HVS_NET_UNIX_PATH_MAX];
        memset(name, 'a', sizeof name);
        name[0] = '\0';
        fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UNIX, .family = HVS_AF_UNIX, .type = 1,
                .inode = 7, .name = name, .name_len = sizeof name });
        hvs_socket_list *l = walk(fn, 10);
        assert_int_equal(l->n, 1);
        assert_int_equal(strlen(l->socks[0].path), HVS_NET_UNIX_PATH_MAX);
        assert_int_equal(l->socks[0].path[0], '@');
        hvs_socket_list_free(l);
}

static void test_unix_bad_address(void **state) {
        struct fake_net *fn = *state;
        uint64_t sk = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UNIX, .family = HVS_AF_UNIX,
                .type = 1, .inode = 7, .name = "/x", .name_len = 3 });
        uint64_t ua = fake_read_u64(fn->g, HVS_GPA(fake_net_pa(sk).v + fn->off.unix_addr));
        uint64_t len_pa = fake_net_pa(ua).v + fn->off.uaddr_len;
        const uint32_t bad[] = { 0, 2, 111, 0x80000000u, 0xffffffffu };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                fake_write_u32(fn->g, HVS_GPA(len_pa), bad[i]);
                hvs_socket_list *l = walk(fn, 10);
                assert_int_equal(l->n, 1);
                assert_true(l->socks[0].partial & HVS_SOCK_PARTIAL_PATH);
                assert_string_equal(l->socks[0].path, "");
                assert_int_equal(l->socks[0].inode, 7);
                hvs_socket_list_free(l);
        }
        /* An address pointer to nowhere. */
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sk).v + fn->off.unix_addr), 0xffffc90000000000ull);
        hvs_socket_list *l = walk(fn, 10);
        assert_true(l->socks[0].partial & HVS_SOCK_PARTIAL_PATH);
        hvs_socket_list_free(l);
}

static void test_unreadable_socket_and_net(void **state) {
        struct fake_net *fn = *state;
        uint64_t sk = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_UDP, .family = HVS_AF_INET,
                .state = HVS_TCP_CLOSE, .lport = 9, .inode = 5 });
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sk).v + fn->off.sk_socket), 0xffffc90000001000ull);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sk).v + fn->off.skc_net), 0);
        hvs_socket_list *l = walk(fn, 10);
        assert_int_equal(l->n, 1);
        assert_false(l->truncated);
        assert_int_equal(l->socks[0].partial, HVS_SOCK_PARTIAL_INODE | HVS_SOCK_PARTIAL_NETNS);
        assert_int_equal(l->socks[0].inode, 0);
        assert_int_equal(l->socks[0].netns, 0);
        assert_int_equal(l->socks[0].local_port, 9);
        hvs_socket_list_free(l);
}

/* ---- hostile chains ----------------------------------------------------------------- */

static uint64_t add_n(struct fake_net *fn, enum hvs_sock_proto proto, uint8_t state, uint32_t bucket, size_t n,
                      uint64_t *addrs) {
        uint64_t last = 0;
        for (size_t i = 0; i < n; i++) {
                last = fake_net_add(fn, &(struct fake_sock_spec){ .proto = proto, .family = HVS_AF_INET,
                        .state = state, .lport = (uint16_t)(1000 + i), .inode = 100 + i, .bucket = bucket });
                if (addrs)
                        addrs[i] = last;
        }
        return last;
}

static void test_cycle_in_ehash(void **state) {
        struct fake_net *fn = *state;
        uint64_t a[5];
        add_n(fn, HVS_SOCK_TCP, HVS_TCP_ESTABLISHED, 9, 5, a);
        add_n(fn, HVS_SOCK_UDP, HVS_TCP_CLOSE, 1, 2, NULL);
        /* The chain is a[4] -> a[3] -> ... -> a[0]; make a[0] point back to a[2]. */
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(a[0]).v + fn->off.skc_node), a[2] + fn->off.skc_node);
        hvs_socket_list *l = walk(fn, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_non_null(strstr(l->trunc_msg, "tcp ehash bucket 9"));
        assert_int_equal(l->n, 7);      /* each sock once, and the UDP table still walked */
        for (size_t i = 0; i < 5; i++)
                find(l, a[i]);
        hvs_socket_list_free(l);
}

static void test_self_loop(void **state) {
        struct fake_net *fn = *state;
        uint64_t sk = add_n(fn, HVS_SOCK_UNIX, HVS_TCP_CLOSE, 0, 1, NULL);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sk).v + fn->off.skc_node), sk + fn->off.skc_node);
        hvs_socket_list *l = walk(fn, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_int_equal(l->n, 1);
        hvs_socket_list_free(l);
}

/* A plain hlist must end at NULL: an odd pointer there is a bad link. */
static void test_bad_links(void **state) {
        struct fake_net *fn = *state;
        uint64_t a[2];
        add_n(fn, HVS_SOCK_UDP, HVS_TCP_CLOSE, 4, 2, a);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(a[0]).v + fn->off.skc_node), 0xffff888000300003ull);
        hvs_socket_list *l = walk(fn, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_int_equal(l->n, 2);
        hvs_socket_list_free(l);
        /* A link below skc_node, and one to unmapped memory. */
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(a[0]).v + fn->off.skc_node), 0x8);
        l = walk(fn, 1000);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_int_equal(l->n, 2);
        hvs_socket_list_free(l);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(a[0]).v + fn->off.skc_node), 0xffffc90000000068ull);
        l = walk(fn, 1000);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_non_null(strstr(l->trunc_msg, "unreadable"));
        assert_int_equal(l->n, 2);
        hvs_socket_list_free(l);
}

/* The same sock in two chains (moved while a live guest was read) is listed once. */
static void test_duplicates_dropped(void **state) {
        struct fake_net *fn = *state;
        uint64_t sk = add_n(fn, HVS_SOCK_TCP, HVS_TCP_ESTABLISHED, 1, 1, NULL);
        uint64_t other = add_n(fn, HVS_SOCK_TCP, HVS_TCP_ESTABLISHED, 2, 1, NULL);
        /* bucket 2: other -> sk -> (bucket 1's nulls marker) */
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(other).v + fn->off.skc_node), sk + fn->off.skc_node);
        hvs_socket_list *l = walk(fn, 1000);
        assert_false(l->truncated);
        assert_int_equal(l->n, 2);
        assert_int_equal(l->socks[0].addr.v, sk);
        assert_int_equal(l->socks[1].addr.v, other);
        hvs_socket_list_free(l);
}

static void test_max_sockets(void **state) {
        struct fake_net *fn = *state;
        add_n(fn, HVS_SOCK_TCP, HVS_TCP_LISTEN, 0, 3, NULL);
        add_n(fn, HVS_SOCK_UDP, HVS_TCP_CLOSE, 7, 3, NULL);
        add_n(fn, HVS_SOCK_UNIX, HVS_TCP_CLOSE, 8, 2, NULL);
        hvs_socket_list *l = walk(fn, 8);       /* exactly enough */
        assert_false(l->truncated);
        assert_int_equal(l->n, 8);
        hvs_socket_list_free(l);
        l = walk(fn, 5);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_non_null(strstr(l->trunc_msg, "max_sockets"));
        assert_int_equal(l->n, 5);
        hvs_socket_list_free(l);
        l = walk(fn, 0);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 0);
        hvs_socket_list_free(l);
}

static void test_bucket_page_unreadable(void **state) {
        struct fake_net *fn = *state;
        uint64_t a = add_n(fn, HVS_SOCK_TCP, HVS_TCP_ESTABLISHED, 0, 1, NULL);
        uint64_t b = add_n(fn, HVS_SOCK_TCP, HVS_TCP_ESTABLISHED, 255, 1, NULL);
        uint64_t u = add_n(fn, HVS_SOCK_UDP, HVS_TCP_CLOSE, 0, 1, NULL);
        /* Move ehash to straddle a mapped page and an unmapped one: buckets 0..255 at
         * the last 1 KiB of the direct map's end... simpler: point it at an address
         * whose first page is mapped (a copy) and the second is not. */
        const uint64_t hole = 0xffffc90000000000ull;
        struct fake_guest *g = fn->g;
        hvs_gpa page = fake_alloc_pages(g, 1);
        fake_map(g, HVS_GVA(hole), page, X86_PAGE_SIZE_4K, 0);
        /* 256 buckets x 8 bytes = 2 KiB starting 1 KiB before the end of the mapped page. */
        uint64_t base = hole + 4096 - 1024;
        uint8_t buckets[1024];
        fake_read(g, HVS_GPA(FAKE_NET_EHASH_PA), buckets, sizeof buckets);
        fake_write(g, HVS_GPA(page.v + 4096 - 1024), buckets, sizeof buckets);
        fake_write_u64(g, HVS_GPA(FAKE_NET_HINFO_PA + fn->off.hinfo_ehash), base);
        hvs_socket_list *l = walk(fn, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_non_null(strstr(l->trunc_msg, "tcp ehash: buckets 128..255"));
        assert_int_equal(l->n, 2);      /* bucket 0's sock and the UDP table's */
        find(l, a);
        find(l, u);
        for (size_t i = 0; i < l->n; i++)
                assert_int_not_equal(l->socks[i].addr.v, b);
        hvs_socket_list_free(l);
}

static void test_bad_masks(void **state) {
        struct fake_net *fn = *state;
        add_n(fn, HVS_SOCK_UDP, HVS_TCP_CLOSE, 0, 1, NULL);
        add_n(fn, HVS_SOCK_TCP, HVS_TCP_LISTEN, 0, 1, NULL);
        fake_write_u32(fn->g, HVS_GPA(FAKE_NET_HINFO_PA + fn->off.hinfo_ehash_mask), 1000);   /* not 2^k - 1 */
        hvs_socket_list *l = walk(fn, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EBADMSG);
        assert_int_equal(l->n, 2);      /* listener and UDP still there */
        hvs_socket_list_free(l);
        /* A huge table: capped at HVS_NET_MAX_HASH_BUCKETS, the rest unread. Point it
         * at unmapped memory so the walk is quick. */
        fake_write_u32(fn->g, HVS_GPA(FAKE_NET_HINFO_PA + fn->off.hinfo_ehash_mask), 0xffffffffu);
        fake_write_u64(fn->g, HVS_GPA(FAKE_NET_HINFO_PA + fn->off.hinfo_ehash), 0xffffc90000000000ull);
        l = walk(fn, 1000);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_non_null(strstr(l->trunc_msg, "exceed the limit"));
        assert_int_equal(l->n, 2);
        hvs_socket_list_free(l);
        /* A table whose end wraps around the address space. */
        fake_write_u32(fn->g, HVS_GPA(FAKE_NET_UDPTABLE_PA + fn->off.udp_mask), 0xffff);
        fake_write_u64(fn->g, HVS_GPA(FAKE_NET_UDPTABLE_PA + fn->off.udp_hash), 0xfffffffffffff000ull);
        fake_write_u32(fn->g, HVS_GPA(FAKE_NET_HINFO_PA + fn->off.hinfo_ehash_mask), 255);
        fake_write_u64(fn->g, HVS_GPA(FAKE_NET_HINFO_PA + fn->off.hinfo_ehash), FAKE_NET_POB + FAKE_NET_EHASH_PA);
        l = walk(fn, 1000);
        assert_int_equal(l->trunc_err, -EBADMSG);
        assert_non_null(strstr(l->trunc_msg, "wrap"));
        assert_int_equal(l->n, 1);
        hvs_socket_list_free(l);
}

static void test_unreadable_tables(void **state) {
        struct fake_net *fn = *state;
        fn->hashinfo = 0xffffc90000000000ull;
        fn->udp_table = 0xffffc90000000000ull;
        fn->unix_buckets = 0xffffc90000000000ull;
        hvs_socket_list *l = walk(fn, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_non_null(strstr(l->trunc_msg, "tcp_hashinfo"));
        assert_non_null(strstr(l->trunc_msg, "2 more problems"));
        assert_int_equal(l->n, 0);
        hvs_socket_list_free(l);
}

static void test_alloc_failures(void **state) {
        struct fake_net *fn = *state;
        add_n(fn, HVS_SOCK_TCP, HVS_TCP_ESTABLISHED, 0, 70, NULL);     /* > the first 64 slots */
        add_n(fn, HVS_SOCK_UNIX, HVS_TCP_CLOSE, 0, 3, NULL);
        for (unsigned n = 0;; n++) {
                hvs_test_fail_alloc_after(n);
                hvs_socket_list *l = NULL;
                int r = fake_net_walk(fn, 1000, &l);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (r == 0) {
                        assert_int_equal(l->n, 73);
                        hvs_socket_list_free(l);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                assert_null(l);
        }
}

/* ---- offsets ------------------------------------------------------------------------ */

static void test_offsets_check(void **state) {
        struct fake_net *fn = *state;
        hvs_diag d = { 0 };
        assert_int_equal(lx_sock_offsets_check(&fn->off, &d), 0);
        struct lx_sock_offsets o = fn->off;
        o.skc_v6_daddr = LX_ABSENT;     /* optional */
        assert_int_equal(lx_sock_offsets_check(&o, &d), 0);
        o = fn->off;
        o.skc_size = 0;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        o = fn->off;
        o.skc_size = LX_SOCK_MAX_SKC_SIZE + 1;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        o = fn->off;
        o.skc_node = o.skc_size - 4;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "skc_node"));
        o = fn->off;
        o.skc_family = UINT32_MAX - 1;  /* would wrap in 32 bits */
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        o = fn->off;
        o.skc_v6_rcv_saddr = o.skc_size - 8;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        o = fn->off;
        o.lhash_head = o.lhash_bucket_size - 4;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        o = fn->off;
        o.hslot_size = 0;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
        o = fn->off;
        o.ehash_bucket_size = LX_SOCK_MAX_BUCKET_SIZE + 8;
        assert_int_equal(lx_sock_offsets_check(&o, &d), -EBADMSG);
}

/* IPv6 addresses absent from the kernel (no CONFIG_IPV6): IPv4 fields are used. */
static void test_no_ipv6_fields(void **state) {
        struct fake_net *fn = *state;
        fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET6,
                .state = HVS_TCP_LISTEN, .laddr = LO6, .lport = 22, .inode = 1 });
        fn->off.skc_v6_daddr = fn->off.skc_v6_rcv_saddr = LX_ABSENT;
        hvs_socket_list *l = walk(fn, 10);
        assert_int_equal(l->n, 1);
        assert_int_equal(l->socks[0].local_port, 22);
        hvs_socket_list_free(l);
}

/* ---- from an open file to its sock ---------------------------------------------------- */

static void test_sock_of_file(void **state) {
        struct fake_net *fn = *state;
        const uint64_t fops = 0xffffffff82000000ull;
        uint64_t sk = fake_net_add(fn, &(struct fake_sock_spec){ .proto = HVS_SOCK_TCP, .family = HVS_AF_INET,
                .state = HVS_TCP_LISTEN, .lport = 80, .inode = 42 });
        uint64_t file = fake_net_file(fn, sk, fops);
        hvs_vas *as = NULL;
        assert_int_equal(hvs_vas_new(fn->g->mem, fn->g->root, fn->g->paging, &as), 0);
        uint64_t got = 0;
        assert_int_equal(lx_sock_of_file(as, &fn->foff, fops, file, &got), 1);
        assert_int_equal(got, sk);
        got = 0;
        assert_int_equal(lx_sock_of_file(as, &fn->foff, 0, file, &got), 1);      /* symbol unknown */
        assert_int_equal(got, sk);
        got = 7;
        assert_int_equal(lx_sock_of_file(as, &fn->foff, fops + 8, file, &got), 0); /* another file type */
        assert_int_equal(lx_sock_of_file(as, &fn->foff, fops, 0xffffc90000000000ull, &got), 0);
        /* private_data naming a socket that does not point back: a stale or forged link. */
        uint64_t sock = fake_read_u64(fn->g, HVS_GPA(fake_net_pa(file).v + fn->foff.file_private_data));
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sock).v + fn->foff.socket_file), file + 0x100);
        assert_int_equal(lx_sock_of_file(as, &fn->foff, fops, file, &got), 0);
        assert_int_equal(lx_sock_of_file(as, &fn->foff, 0, file, &got), 0);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sock).v + fn->foff.socket_file), file);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(sock).v + fn->foff.socket_sk), 0);   /* no sock */
        assert_int_equal(lx_sock_of_file(as, &fn->foff, fops, file, &got), 0);
        fake_write_u64(fn->g, HVS_GPA(fake_net_pa(file).v + fn->foff.file_private_data), 0);
        assert_int_equal(lx_sock_of_file(as, &fn->foff, 0, file, &got), 0);
        assert_int_equal(got, 7);       /* untouched when not a socket's file */
        hvs_vas_free(as);
}

/* ---- public API ------------------------------------------------------------------------ */

/* fake_linux has no socket types in its BTF: the view says which field is missing. */
static void test_api_without_socket_types(void **state) {
        (void)state;
        struct fake_linux *fl;
        assert_int_equal(fake_linux_new(HVS_PAGING_4LEVEL, &fl), 0);
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        hvs_socket_list *l = (hvs_socket_list *)0x1;
        assert_int_equal(hvs_linux_sockets(k, 0, &l), -ENOENT);
        assert_ptr_equal(l, (hvs_socket_list *)0x1);    /* untouched on failure */
        assert_non_null(strstr(hvs_linux_errmsg(k), "sock_common"));
        hvs_linux_close(k);
        fake_linux_free(fl);
        assert_null(hvs_socket_list_free(NULL));
}

static void test_names(void **state) {
        (void)state;
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_TCP, HVS_TCP_ESTABLISHED), "ESTAB");
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_TCP, HVS_TCP_LISTEN), "LISTEN");
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_TCP, HVS_TCP_TIME_WAIT), "TIME-WAIT");
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_UDP, HVS_TCP_CLOSE), "UNCONN");
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_TCP, HVS_TCP_NEW_SYN_RECV), "SYN-RECV");
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_TCP, 0), "UNKNOWN");
        assert_string_equal(hvs_sock_state_name(HVS_SOCK_TCP, 255), "UNKNOWN");
        assert_string_equal(hvs_sock_proto_name(HVS_SOCK_TCP, HVS_AF_INET), "tcp");
        assert_string_equal(hvs_sock_proto_name(HVS_SOCK_TCP, HVS_AF_INET6), "tcp6");
        assert_string_equal(hvs_sock_proto_name(HVS_SOCK_UDP, HVS_AF_INET6), "udp6");
        assert_string_equal(hvs_sock_proto_name(HVS_SOCK_UNIX, HVS_AF_UNIX), "unix");
        assert_string_equal(hvs_sock_proto_name((enum hvs_sock_proto)99, 0), "?");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_all_kinds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_tables, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unix_longest_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unix_bad_address, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_socket_and_net, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cycle_in_ehash, setup, teardown),
                cmocka_unit_test_setup_teardown(test_self_loop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_links, setup, teardown),
                cmocka_unit_test_setup_teardown(test_duplicates_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_max_sockets, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bucket_page_unreadable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_masks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_tables, setup, teardown),
                cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
                cmocka_unit_test_setup_teardown(test_offsets_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_ipv6_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sock_of_file, setup, teardown),
                cmocka_unit_test(test_api_without_socket_types),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
