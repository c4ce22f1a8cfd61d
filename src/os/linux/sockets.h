/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockets.h - walkers of the kernel's socket hash tables, driven by an
 * explicit table of offsets (resolved from BTF by net.c, or written by hand
 * in tests and fuzz targets), so they can run on a fake guest.
 *
 * Lists walked:
 *  - hlist_nulls (TCP ehash and lhash2): a chain ends at an odd "nulls"
 *    marker, not at NULL;
 *  - hlist (UDP hash slots, unix buckets): a chain ends at NULL.
 * Nodes are the sock_common's skc_node / skc_nulls_node (one union), so a
 * node's sock is at node - skc_node. Every chain is cycle-checked (Brent),
 * the whole walk is capped by max_sockets, and bucket arrays by
 * HVS_NET_MAX_HASH_BUCKETS. Problems mark the list truncated and the walk
 * goes on with the next bucket where that makes sense.
 */
#ifndef HVS_OS_LINUX_SOCKETS_H
#define HVS_OS_LINUX_SOCKETS_H

#include "linux-internal.h"

/* Largest struct sock_common / bucket stride accepted from a profile. */
#define LX_SOCK_MAX_SKC_SIZE 512u
#define LX_SOCK_MAX_BUCKET_SIZE 256u
/* Buckets of the unix socket table (UNIX_HASH_SIZE, include/net/af_unix.h:
 * 256 * 2 in 5.19+, and 2 * 256 in the global unix_socket_table before). */
#define LX_UNIX_HASH_SIZE 512u

/*
 * Offsets (bytes) of the fields the walkers read. Optional fields are
 * LX_ABSENT when the kernel lacks them (IPv6 addresses without CONFIG_IPV6).
 */
struct lx_sock_offsets {
        /* struct sock_common, at offset 0 of sock, inet_timewait_sock, request_sock */
        uint32_t skc_size;
        uint32_t skc_daddr, skc_rcv_saddr, skc_dport, skc_num, skc_family, skc_state;
        uint32_t skc_net, skc_node, skc_v6_daddr, skc_v6_rcv_saddr;
        /* struct sock */
        uint32_t sk_socket, sk_type;
        /* struct socket_alloc: vfs_inode relative to socket; struct inode */
        uint32_t socket_inode, inode_ino;
        /* struct net */
        uint32_t net_inum;
        /* struct unix_sock, struct unix_address */
        uint32_t unix_addr, unix_peer, uaddr_len, uaddr_name;
        /* struct inet_hashinfo and its buckets */
        uint32_t hinfo_ehash, hinfo_ehash_mask, hinfo_lhash2, hinfo_lhash2_mask;
        uint32_t ehash_bucket_size, ehash_chain, lhash_bucket_size, lhash_head;
        /* struct udp_table and struct udp_hslot */
        uint32_t udp_hash, udp_mask, hslot_size, hslot_head;
};

/*
 * State of one walk over one or more tables; results are appended to @l.
 * Set @as, @off, @max_sockets and @l, zero the rest.
 */
struct lx_sock_walk {
        hvs_vas *as;
        const struct lx_sock_offsets *off;
        uint32_t max_sockets;
        hvs_socket_list *l;
        size_t cap;
        uint64_t visited;       /* chain nodes seen, against max_sockets */
        bool stop;              /* max_sockets reached: later walks do nothing */
        unsigned more_problems; /* truncation causes after the first */
        uint64_t net_ptr;       /* last skc_net decoded, and its ns.inum */
        uint32_t net_inum;
        bool net_ok;
};

/*
 * lx_sock_offsets_check() - whether @o is usable: every fixed-size field
 * inside sock_common's @skc_size, buckets' heads inside their stride, sizes
 * within the LX_SOCK_MAX_* bounds. Return: 0; -EBADMSG (detail in @diag).
 */
int lx_sock_offsets_check(const struct lx_sock_offsets *o, hvs_diag *diag);

/*
 * lx_sock_walk_tcp() - TCP listeners (lhash2) then the established hash
 * (ehash) of the struct inet_hashinfo at @hashinfo.
 * lx_sock_walk_udp() - bound UDP sockets of the struct udp_table at @table.
 * lx_sock_walk_unix() - unix sockets of @nbuckets hlist_heads at @buckets.
 * Return: 0 (problems in the guest mark w->l truncated); -ENOMEM.
 */
int lx_sock_walk_tcp(struct lx_sock_walk *w, uint64_t hashinfo);
int lx_sock_walk_udp(struct lx_sock_walk *w, uint64_t table);
int lx_sock_walk_unix(struct lx_sock_walk *w, uint64_t buckets, uint32_t nbuckets);

/*
 * lx_sock_walk_finish() - drop repeated sockets (a chain walked before its
 * cycle was noticed, or a socket moved between chains of a running guest),
 * keeping the first, and complete the truncation message. Return: 0; -ENOMEM.
 */
int lx_sock_walk_finish(struct lx_sock_walk *w);

/* Offsets that lead from an open file to its sock: file.f_op,
 * file.private_data (the struct socket), socket.sk, socket.file. */
struct lx_sock_file_offsets {
        uint32_t file_f_op, file_private_data, socket_sk, socket_file;
};

/*
 * lx_sock_of_file() - the sock behind the struct file at @file, if it is a
 * socket's: its f_op is @socket_fops (not checked when 0, the symbol being
 * unknown) and its struct socket (private_data) points back at it
 * (socket->file), which also rejects a stale or forged private_data.
 * Return: 1 with *@ret_sk set; 0 if not a socket's file or unreadable.
 */
int lx_sock_of_file(hvs_vas *as, const struct lx_sock_file_offsets *o, uint64_t socket_fops, uint64_t file,
                    uint64_t *ret_sk);

/* lx_sock_mark() - record a truncation cause in w->l (the first one wins). */
void lx_sock_mark(struct lx_sock_walk *w, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
