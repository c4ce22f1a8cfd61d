/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * net.c - the guest's sockets: offsets resolved from the profile, the hash
 * tables walked by sockets.c, then each socket's owners found from the open
 * files of every process.
 *
 * Kernel layouts (checked in the BTF of Debian 6.1 and 6.12): both have
 * tcp_hashinfo with lhash2 buckets holding an hlist_nulls_head (5.19+), a
 * global udp_table, and unix sockets in the per-netns net->unx.table
 * (5.19+); kernels before 5.19 had the global unix_socket_table, used when
 * net.unx.table is absent.
 */
#include <inttypes.h>
#include "linux-internal.h"
#include "sockets.h"

struct net_offsets {
        struct lx_sock_offsets s;
        uint32_t skc_family_size, skc_state_size, sk_type_size, inode_ino_size, net_inum_size;
        uint32_t socket_alloc_socket, socket_alloc_inode;
        uint32_t net_unx_buckets;
        struct lx_sock_file_offsets f;
};

#define F(type, path, field, opt)                                                                   \
        { type, { path }, offsetof(struct net_offsets, field), SIZE_MAX, opt }
#define FS(type, path, field, size, opt)                                                            \
        { type, { path }, offsetof(struct net_offsets, field), offsetof(struct net_offsets, size), opt }

static const struct lx_field_row net_rows[] = {
        F("sock_common", "skc_daddr", s.skc_daddr, false),
        F("sock_common", "skc_rcv_saddr", s.skc_rcv_saddr, false),
        F("sock_common", "skc_dport", s.skc_dport, false),
        F("sock_common", "skc_num", s.skc_num, false),
        FS("sock_common", "skc_family", s.skc_family, skc_family_size, false),
        FS("sock_common", "skc_state", s.skc_state, skc_state_size, false),
        F("sock_common", "skc_net", s.skc_net, false),
        { "sock_common", { "skc_node", "skc_nulls_node" }, offsetof(struct net_offsets, s.skc_node), SIZE_MAX, false },
        F("sock_common", "skc_v6_daddr", s.skc_v6_daddr, true),
        F("sock_common", "skc_v6_rcv_saddr", s.skc_v6_rcv_saddr, true),
        F("sock", "sk_socket", s.sk_socket, false),
        FS("sock", "sk_type", s.sk_type, sk_type_size, true),
        F("socket_alloc", "socket", socket_alloc_socket, false),
        F("socket_alloc", "vfs_inode", socket_alloc_inode, false),
        FS("inode", "i_ino", s.inode_ino, inode_ino_size, false),
        FS("net", "ns.inum", s.net_inum, net_inum_size, false),
        F("net", "unx.table.buckets", net_unx_buckets, true),
        F("unix_sock", "addr", s.unix_addr, false),
        F("unix_sock", "peer", s.unix_peer, false),
        F("unix_address", "len", s.uaddr_len, false),
        F("unix_address", "name", s.uaddr_name, false),
        F("inet_hashinfo", "ehash", s.hinfo_ehash, false),
        F("inet_hashinfo", "ehash_mask", s.hinfo_ehash_mask, false),
        F("inet_hashinfo", "lhash2", s.hinfo_lhash2, false),
        F("inet_hashinfo", "lhash2_mask", s.hinfo_lhash2_mask, false),
        F("inet_ehash_bucket", "chain", s.ehash_chain, false),
        F("inet_listen_hashbucket", "nulls_head", s.lhash_head, false),
        F("udp_table", "hash", s.udp_hash, false),
        F("udp_table", "mask", s.udp_mask, false),
        F("udp_hslot", "head", s.hslot_head, false),
        F("file", "f_op", f.file_f_op, false),
        F("file", "private_data", f.file_private_data, false),
        F("socket", "sk", f.socket_sk, false),
        F("socket", "file", f.socket_file, false),
};

static int resolve(hvs_linux *k, struct net_offsets *o) {
        int r = lx_resolve_fields(k, net_rows, ARRAY_SIZE(net_rows), o, &k->diag);
        if (r < 0)
                return r;
        static const struct { const char *type; size_t field; } sizes[] = {
                { "sock_common", offsetof(struct net_offsets, s.skc_size) },
                { "inet_ehash_bucket", offsetof(struct net_offsets, s.ehash_bucket_size) },
                { "inet_listen_hashbucket", offsetof(struct net_offsets, s.lhash_bucket_size) },
                { "udp_hslot", offsetof(struct net_offsets, s.hslot_size) },
        };
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                uint32_t sz;
                if ((r = hvs_profile_type_size(k->profile, sizes[i].type, &sz)) < 0)
                        return HVS_DIAG(&k->diag, r, "kernel type '%s': %s", sizes[i].type, hvs_strerror(r));
                memcpy((uint8_t *)o + sizes[i].field, &sz, sizeof sz);
        }
        if (o->skc_family_size != 2 || o->skc_state_size != 1 || o->inode_ino_size != 8 || o->net_inum_size != 4 ||
            (o->s.sk_type != LX_ABSENT && o->sk_type_size != 2))
                return HVS_BADMSG(&k->diag, "socket field sizes implausible (family %u, state %u, i_ino %u, inum %u)",
                                  o->skc_family_size, o->skc_state_size, o->inode_ino_size, o->net_inum_size);
        if (o->socket_alloc_inode < o->socket_alloc_socket)
                return HVS_BADMSG(&k->diag, "socket_alloc.vfs_inode before its socket");
        o->s.socket_inode = o->socket_alloc_inode - o->socket_alloc_socket;
        return lx_sock_offsets_check(&o->s, &k->diag);
}

/* ---- owners ------------------------------------------------------------------ */

struct sock_index {
        uint64_t sk;
        size_t idx;
};

struct owner_walk {
        hvs_linux *k;
        const struct net_offsets *o;
        hvs_socket_list *l;
        const struct sock_index *index;
        size_t n_index;
        uint64_t socket_fops;   /* 0 when the symbol is unknown */
        const hvs_task *task;
        bool oom;
};

static int cmp_sock_index(const void *a, const void *b) {
        const struct sock_index *x = a, *y = b;
        return x->sk < y->sk ? -1 : x->sk > y->sk;
}

static int owner_add(struct owner_walk *ow, size_t idx, uint32_t fd, uint64_t file) {
        hvs_socket *s = &ow->l->socks[idx];
        hvs_sock_owner *no = hvs_reallocarray(s->owners, s->n_owners + 1, sizeof *no);
        if (!no)
                return -ENOMEM;
        s->owners = no;
        hvs_sock_owner *w = &no[s->n_owners++];
        *w = (hvs_sock_owner){ .pid = ow->task->pid, .fd = fd, .task = ow->task->addr, .file = HVS_GVA(file) };
        memcpy(w->comm, ow->task->comm, sizeof w->comm);
        return 0;
}

static int owner_file(void *userdata, uint32_t fd, uint64_t file) {
        struct owner_walk *ow = userdata;
        uint64_t sk;
        if (lx_sock_of_file(ow->k->kvas, &ow->o->f, ow->socket_fops, file, &sk) <= 0)
                return 0;
        struct sock_index key = { sk, 0 };
        const struct sock_index *hit = bsearch(&key, ow->index, ow->n_index, sizeof key, cmp_sock_index);
        if (!hit)
                return 0;
        if (owner_add(ow, hit->idx, fd, file) < 0) {
                ow->oom = true;
                return -ENOMEM;
        }
        return 0;
}

static int find_owners(hvs_linux *k, const struct net_offsets *o, hvs_socket_list *l) {
        _cleanup_free_ struct sock_index *index = hvs_malloc((l->n ? l->n : 1) * sizeof *index);
        if (!index)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                index[i] = (struct sock_index){ l->socks[i].addr.v, i };
        qsort(index, l->n, sizeof *index, cmp_sock_index);

        hvs_task_list *tl = NULL;
        int r = hvs_linux_tasks(k, &tl);
        if (r < 0) {
                snprintf(l->owners_msg, sizeof l->owners_msg, "owners unknown: task list unreadable: %s",
                         hvs_strerror(r));
                return r == -ENOMEM ? r : 0;
        }
        struct owner_walk ow = { .k = k, .o = o, .l = l, .index = index, .n_index = l->n };
        if (hvs_profile_symbol(k->profile, "socket_file_ops", &ow.socket_fops) < 0)
                ow.socket_fops = 0;
        unsigned failed = 0;
        for (size_t i = 0; i < tl->n; i++) {
                const hvs_task *t = &tl->tasks[i];
                if (t->kthread)
                        continue;
                ow.task = t;
                r = lx_task_files(k, t->addr.v, owner_file, &ow);
                if (ow.oom) {
                        hvs_task_list_free(tl);
                        return -ENOMEM;
                }
                if (r < 0 && r != -ENOENT && failed++ == 0)
                        snprintf(l->owners_msg, sizeof l->owners_msg, "files of pid %d: %s", t->pid, hvs_strerror(r));
        }
        if (tl->truncated) {
                size_t len = strlen(l->owners_msg);
                snprintf(l->owners_msg + len, sizeof l->owners_msg - len, "%stask list truncated",
                         len ? "; " : "");
        } else if (failed > 1) {
                size_t len = strlen(l->owners_msg);
                snprintf(l->owners_msg + len, sizeof l->owners_msg - len, " (and %u more processes)", failed - 1);
        }
        l->owners_known = !tl->truncated && failed == 0;
        hvs_task_list_free(tl);
        return 0;
}

/* ---- public API -------------------------------------------------------------- */

static int walk_tables(hvs_linux *k, const struct net_offsets *o, unsigned flags, struct lx_sock_walk *w) {
        hvs_profile *p = k->profile;
        uint64_t va;
        int r;
        if (flags & HVS_NET_TCP) {
                if (hvs_profile_symbol(p, "tcp_hashinfo", &va) < 0)
                        lx_sock_mark(w, -ENOENT, "symbol 'tcp_hashinfo' not found");
                else if ((r = lx_sock_walk_tcp(w, va)) < 0)
                        return r;
        }
        if (flags & HVS_NET_UDP) {
                if (hvs_profile_symbol(p, "udp_table", &va) < 0)
                        lx_sock_mark(w, -ENOENT, "symbol 'udp_table' not found");
                else if ((r = lx_sock_walk_udp(w, va)) < 0)
                        return r;
        }
        if (flags & HVS_NET_UNIX) {
                uint64_t buckets = 0;
                if (o->net_unx_buckets != LX_ABSENT) {
                        if (hvs_profile_symbol(p, "init_net", &va) < 0) {
                                lx_sock_mark(w, -ENOENT, "symbol 'init_net' not found");
                                return 0;
                        }
                        if (lx_read_u64(k->kvas, va, o->net_unx_buckets, &buckets) < 0) {
                                lx_sock_mark(w, -EFAULT, "init_net.unx.table at 0x%" PRIx64 " unreadable", va);
                                return 0;
                        }
                } else if (hvs_profile_symbol(p, "unix_socket_table", &buckets) < 0) {
                        lx_sock_mark(w, -ENOENT, "neither net.unx.table nor symbol 'unix_socket_table' found");
                        return 0;
                }
                if ((r = lx_sock_walk_unix(w, buckets, LX_UNIX_HASH_SIZE)) < 0)
                        return r;
        }
        return 0;
}

int hvs_linux_sockets(hvs_linux *k, unsigned flags, hvs_socket_list **ret) {
        struct net_offsets o;
        if (flags == 0)
                flags = HVS_NET_ALL;
        int r = resolve(k, &o);
        if (r < 0)
                return r;
        hvs_socket_list *l = hvs_calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        struct lx_sock_walk w = { .as = k->kvas, .off = &o.s, .max_sockets = k->limits.max_sockets, .l = l };
        if ((r = walk_tables(k, &o, flags, &w)) < 0 || (r = lx_sock_walk_finish(&w)) < 0 ||
            ((flags & HVS_NET_OWNERS) && (r = find_owners(k, &o, l)) < 0)) {
                hvs_socket_list_free(l);
                return r;
        }
        if (!(flags & HVS_NET_OWNERS))
                snprintf(l->owners_msg, sizeof l->owners_msg, "owners not requested");
        *ret = l;
        return 0;
}

hvs_socket_list *hvs_socket_list_free(hvs_socket_list *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                free(l->socks[i].owners);
        free(l->socks);
        free(l);
        return NULL;
}

const char *hvs_sock_state_name(enum hvs_sock_proto proto, uint8_t state) {
        /* ss(8)'s names, indexed by include/net/tcp_states.h. */
        static const char *const names[] = {
                [1] = "ESTAB",      [2] = "SYN-SENT",   [3] = "SYN-RECV",   [4] = "FIN-WAIT-1",
                [5] = "FIN-WAIT-2", [6] = "TIME-WAIT",  [7] = "UNCONN",     [8] = "CLOSE-WAIT",
                [9] = "LAST-ACK",   [10] = "LISTEN",    [11] = "CLOSING",   [12] = "SYN-RECV",
                [13] = "BOUND-INACTIVE",
        };
        (void)proto;
        if (state < ARRAY_SIZE(names) && names[state])
                return names[state];
        return "UNKNOWN";
}

const char *hvs_sock_proto_name(enum hvs_sock_proto proto, uint16_t family) {
        bool v6 = family == HVS_AF_INET6;
        switch (proto) {
        case HVS_SOCK_TCP:
                return v6 ? "tcp6" : "tcp";
        case HVS_SOCK_UDP:
                return v6 ? "udp6" : "udp";
        case HVS_SOCK_UNIX:
                return "unix";
        }
        return "?";
}
