/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockets.c - walkers of the kernel's socket hash tables (see sockets.h).
 *
 * Each sock_common is copied once (C6) and decoded from the copy; fields of
 * a full struct sock beyond it (sk_socket, sk_type, the unix address) are
 * read one by one, and a failure there marks the socket partial instead of
 * dropping it. Bucket arrays are read a guest page at a time, so one
 * missing page skips only the buckets on it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include "linux-internal.h"
#include "sockets.h"

#define PAGE_SIZE_4K 4096u

void lx_sock_mark(struct lx_sock_walk *w, int err, const char *fmt, ...) {
        hvs_socket_list *l = w->l;
        if (l->truncated) {
                w->more_problems++;
                return;
        }
        l->truncated = true;
        l->trunc_err = err;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->trunc_msg, sizeof l->trunc_msg, fmt, ap);
        va_end(ap);
}

int lx_sock_offsets_check(const struct lx_sock_offsets *o, hvs_diag *diag) {
        if (o->skc_size == 0 || o->skc_size > LX_SOCK_MAX_SKC_SIZE)
                return HVS_BADMSG(diag, "sock_common has size %u", o->skc_size);
        /* 64-bit sums: offsets from a profile cache are untrusted. */
        const struct { uint32_t off, len; bool opt; const char *name; } f[] = {
                { o->skc_daddr, 4, false, "skc_daddr" },       { o->skc_rcv_saddr, 4, false, "skc_rcv_saddr" },
                { o->skc_dport, 2, false, "skc_dport" },       { o->skc_num, 2, false, "skc_num" },
                { o->skc_family, 2, false, "skc_family" },     { o->skc_state, 1, false, "skc_state" },
                { o->skc_net, 8, false, "skc_net" },           { o->skc_node, 8, false, "skc_node" },
                { o->skc_v6_daddr, 16, true, "skc_v6_daddr" }, { o->skc_v6_rcv_saddr, 16, true, "skc_v6_rcv_saddr" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
                if (f[i].off == LX_ABSENT && f[i].opt)
                        continue;
                if ((uint64_t)f[i].off + f[i].len > o->skc_size)
                        return HVS_BADMSG(diag, "sock_common.%s at %u outside its size %u", f[i].name, f[i].off,
                                          o->skc_size);
        }
        const struct { uint32_t stride, head; const char *name; } b[] = {
                { o->ehash_bucket_size, o->ehash_chain, "inet_ehash_bucket" },
                { o->lhash_bucket_size, o->lhash_head, "inet_listen_hashbucket" },
                { o->hslot_size, o->hslot_head, "udp_hslot" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(b); i++)
                if (b[i].stride == 0 || b[i].stride > LX_SOCK_MAX_BUCKET_SIZE || (uint64_t)b[i].head + 8 > b[i].stride)
                        return HVS_BADMSG(diag, "%s: head at %u, size %u", b[i].name, b[i].head, b[i].stride);
        return 0;
}

static int grow(struct lx_sock_walk *w) {
        hvs_socket_list *l = w->l;
        if (l->n < w->cap)
                return 0;
        size_t ncap = w->cap ? w->cap * 2 : 64;
        hvs_socket *ns = hvs_reallocarray(l->socks, ncap, sizeof *ns);
        if (!ns)
                return -ENOMEM;
        l->socks = ns;
        w->cap = ncap;
        return 0;
}

static void read_netns(struct lx_sock_walk *w, uint64_t net, hvs_socket *s) {
        if (!(w->net_ok && w->net_ptr == net)) {
                uint32_t inum;
                if (net == 0 || lx_read_u32(w->as, net, w->off->net_inum, &inum) < 0) {
                        s->partial |= HVS_SOCK_PARTIAL_NETNS;
                        return;
                }
                w->net_ptr = net;
                w->net_inum = inum;
                w->net_ok = true;
        }
        s->netns = w->net_inum;
}

/* sock_i_ino(): SOCK_INODE(sk->sk_socket)->i_ino, 0 for a sock with no socket. */
static void read_inode(struct lx_sock_walk *w, hvs_socket *s) {
        const struct lx_sock_offsets *o = w->off;
        uint64_t sock, ino, a;
        if (lx_read_u64(w->as, s->addr.v, o->sk_socket, &sock) < 0) {
                s->partial |= HVS_SOCK_PARTIAL_INODE;
                return;
        }
        if (sock == 0)
                return;
        if (hvs_add_overflow(sock, (uint64_t)o->socket_inode, &a) || lx_read_u64(w->as, a, o->inode_ino, &ino) < 0) {
                s->partial |= HVS_SOCK_PARTIAL_INODE;
                return;
        }
        s->inode = ino;
}

static void read_type(struct lx_sock_walk *w, hvs_socket *s) {
        uint8_t raw[2];
        uint64_t a;
        if (w->off->sk_type == LX_ABSENT || hvs_add_overflow(s->addr.v, (uint64_t)w->off->sk_type, &a) ||
            hvs_vas_read(w->as, HVS_GVA(a), raw, sizeof raw) < 0) {
                s->partial |= HVS_SOCK_PARTIAL_TYPE;
                return;
        }
        s->type = hvs_le16(raw);
}

/* The name as unix_seq_show() prints it (net/unix/af_unix.c). */
static void read_unix(struct lx_sock_walk *w, hvs_socket *s) {
        const struct lx_sock_offsets *o = w->off;
        uint64_t ua, peer;
        if (lx_read_u64(w->as, s->addr.v, o->unix_peer, &peer) == 0)
                s->peer = HVS_GVA(peer);
        if (lx_read_u64(w->as, s->addr.v, o->unix_addr, &ua) < 0) {
                s->partial |= HVS_SOCK_PARTIAL_PATH;
                return;
        }
        if (ua == 0)
                return;
        uint32_t len;
        uint8_t name[2 + HVS_NET_UNIX_PATH_MAX];
        uint64_t na;
        if (lx_read_u32(w->as, ua, o->uaddr_len, &len) < 0 || (int32_t)len <= 2 || len > sizeof name ||
            hvs_add_overflow(ua, (uint64_t)o->uaddr_name, &na) || hvs_vas_read(w->as, HVS_GVA(na), name, len) < 0) {
                s->partial |= HVS_SOCK_PARTIAL_PATH;
                return;
        }
        const uint8_t *path = name + 2;
        size_t plen = len - 2, i = 0, n = 0;
        if (path[0])
                plen--;
        else {
                s->path[n++] = '@';
                i = 1;
        }
        for (; i < plen; i++)
                s->path[n++] = path[i] ? (char)path[i] : '@';
        s->path[n] = '\0';
}

/* Decode the sock at @sk into a new entry of the list. */
static int emit(struct lx_sock_walk *w, uint64_t sk, enum hvs_sock_proto proto, uint8_t *skc) {
        const struct lx_sock_offsets *o = w->off;
        int r = hvs_vas_read(w->as, HVS_GVA(sk), skc, o->skc_size);
        if (r < 0)
                return r;
        if ((r = grow(w)) < 0)
                return r;
        hvs_socket *s = &w->l->socks[w->l->n++];
        *s = (hvs_socket){ .addr = HVS_GVA(sk), .proto = proto };
        s->family = hvs_le16(skc + o->skc_family);
        s->state = skc[o->skc_state];
        if (proto != HVS_SOCK_UNIX) {
                s->local_port = hvs_le16(skc + o->skc_num);
                uint16_t dport = hvs_le16(skc + o->skc_dport);          /* network order in memory */
                s->remote_port = (uint16_t)(dport >> 8 | dport << 8);
                if (s->family == HVS_AF_INET6 && o->skc_v6_rcv_saddr != LX_ABSENT && o->skc_v6_daddr != LX_ABSENT) {
                        memcpy(s->local_addr, skc + o->skc_v6_rcv_saddr, 16);
                        memcpy(s->remote_addr, skc + o->skc_v6_daddr, 16);
                } else {
                        memcpy(s->local_addr, skc + o->skc_rcv_saddr, 4);
                        memcpy(s->remote_addr, skc + o->skc_daddr, 4);
                }
        }
        read_netns(w, hvs_le64(skc + o->skc_net), s);
        /* TIME_WAIT and request socks are only a sock_common plus their own fields. */
        bool full = proto != HVS_SOCK_TCP || (s->state != HVS_TCP_TIME_WAIT && s->state != HVS_TCP_NEW_SYN_RECV);
        if (full) {
                read_inode(w, s);
                read_type(w, s);
                if (proto == HVS_SOCK_UNIX)
                        read_unix(w, s);
        }
        return 0;
}

/*
 * Walk one chain from @first. Brent's method: the node @mark is compared
 * with each later node, and moved forward at powers of two, so a cycle is
 * caught within twice its length plus its tail, in O(1) memory.
 */
static int walk_chain(struct lx_sock_walk *w, uint64_t first, bool nulls, enum hvs_sock_proto proto,
                      const char *table, uint64_t bucket, uint8_t *skc) {
        const struct lx_sock_offsets *o = w->off;
        uint64_t node = first, mark = 1, power = 1, lam = 0;
        while (nulls ? !(node & 1) : node != 0) {
                if (w->visited >= w->max_sockets) {
                        lx_sock_mark(w, -E2BIG, "%s bucket %" PRIu64 ": max_sockets (%u) reached", table, bucket,
                                     w->max_sockets);
                        w->stop = true;
                        return 0;
                }
                if (node == mark) {
                        lx_sock_mark(w, -ELOOP, "%s bucket %" PRIu64 ": chain cycles at 0x%" PRIx64, table, bucket,
                                     node);
                        return 0;
                }
                if (++lam == power) {
                        mark = node;
                        power <<= 1;
                        lam = 0;
                }
                w->visited++;
                uint64_t next;
                if (node < o->skc_node || (node & 7) != 0) {
                        lx_sock_mark(w, -EFAULT, "%s bucket %" PRIu64 ": bad link 0x%" PRIx64, table, bucket, node);
                        return 0;
                }
                int r = emit(w, node - o->skc_node, proto, skc);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || hvs_vas_read_u64(w->as, HVS_GVA(node), &next) < 0) {
                        lx_sock_mark(w, -EFAULT, "%s bucket %" PRIu64 ": sock at 0x%" PRIx64 " unreadable", table,
                                     bucket, node - o->skc_node);
                        return 0;
                }
                node = next;
        }
        return 0;
}

/*
 * Walk @n buckets of @stride bytes at @base, each with its list head at
 * @head. The array is read a guest page at a time.
 */
static int walk_buckets(struct lx_sock_walk *w, uint64_t base, uint64_t n, uint32_t stride, uint32_t head,
                        bool nulls, enum hvs_sock_proto proto, const char *table) {
        uint8_t skc[LX_SOCK_MAX_SKC_SIZE];
        uint8_t buf[PAGE_SIZE_4K + LX_SOCK_MAX_BUCKET_SIZE];
        uint64_t bytes, end;
        if (n > HVS_NET_MAX_HASH_BUCKETS) {
                lx_sock_mark(w, -E2BIG, "%s: %" PRIu64 " buckets exceed the limit %u; first %u walked", table, n,
                             HVS_NET_MAX_HASH_BUCKETS, HVS_NET_MAX_HASH_BUCKETS);
                n = HVS_NET_MAX_HASH_BUCKETS;
        }
        if (hvs_mul_overflow(n, (uint64_t)stride, &bytes) || hvs_add_overflow(base, bytes, &end)) {
                lx_sock_mark(w, -EBADMSG, "%s: %" PRIu64 " buckets at 0x%" PRIx64 " wrap around", table, n, base);
                return 0;
        }
        for (uint64_t i = 0; i < n && !w->stop;) {
                uint64_t at = base + i * stride;
                uint64_t room = PAGE_SIZE_4K - (at & (PAGE_SIZE_4K - 1));
                uint64_t cnt = MAX(room / stride, (uint64_t)1);
                cnt = MIN(cnt, n - i);
                if (hvs_vas_read(w->as, HVS_GVA(at), buf, (size_t)(cnt * stride)) < 0) {
                        lx_sock_mark(w, -EFAULT, "%s: buckets %" PRIu64 "..%" PRIu64 " at 0x%" PRIx64 " unreadable",
                                     table, i, i + cnt - 1, at);
                        i += cnt;
                        continue;
                }
                for (uint64_t j = 0; j < cnt && !w->stop; j++) {
                        int r = walk_chain(w, hvs_le64(buf + j * stride + head), nulls, proto, table, i + j, skc);
                        if (r < 0)
                                return r;
                }
                i += cnt;
        }
        return 0;
}

/* A hash mask read from the guest: 2^k - 1, giving mask + 1 buckets. */
static bool read_mask(struct lx_sock_walk *w, uint64_t base, uint32_t off, const char *what, uint64_t *ret_n) {
        uint32_t mask;
        if (lx_read_u32(w->as, base, off, &mask) < 0) {
                lx_sock_mark(w, -EFAULT, "%s at 0x%" PRIx64 " unreadable", what, base);
                return false;
        }
        if ((mask & (mask + 1ull)) != 0) {
                lx_sock_mark(w, -EBADMSG, "%s 0x%x is not a power of two minus one", what, mask);
                return false;
        }
        *ret_n = (uint64_t)mask + 1;
        return true;
}

int lx_sock_walk_tcp(struct lx_sock_walk *w, uint64_t hashinfo) {
        const struct lx_sock_offsets *o = w->off;
        uint64_t lhash2, ehash, n;
        int r;
        if (w->stop)
                return 0;
        if (lx_read_u64(w->as, hashinfo, o->hinfo_lhash2, &lhash2) < 0) {
                lx_sock_mark(w, -EFAULT, "tcp_hashinfo at 0x%" PRIx64 " unreadable", hashinfo);
                return 0;
        }
        if (read_mask(w, hashinfo, o->hinfo_lhash2_mask, "tcp_hashinfo.lhash2_mask", &n) &&
            (r = walk_buckets(w, lhash2, n, o->lhash_bucket_size, o->lhash_head, true, HVS_SOCK_TCP, "tcp lhash2")) < 0)
                return r;
        if (lx_read_u64(w->as, hashinfo, o->hinfo_ehash, &ehash) < 0) {
                lx_sock_mark(w, -EFAULT, "tcp_hashinfo at 0x%" PRIx64 " unreadable", hashinfo);
                return 0;
        }
        if (read_mask(w, hashinfo, o->hinfo_ehash_mask, "tcp_hashinfo.ehash_mask", &n) &&
            (r = walk_buckets(w, ehash, n, o->ehash_bucket_size, o->ehash_chain, true, HVS_SOCK_TCP, "tcp ehash")) < 0)
                return r;
        return 0;
}

int lx_sock_walk_udp(struct lx_sock_walk *w, uint64_t table) {
        const struct lx_sock_offsets *o = w->off;
        uint64_t hash, n;
        if (w->stop)
                return 0;
        if (lx_read_u64(w->as, table, o->udp_hash, &hash) < 0) {
                lx_sock_mark(w, -EFAULT, "udp_table at 0x%" PRIx64 " unreadable", table);
                return 0;
        }
        if (!read_mask(w, table, o->udp_mask, "udp_table.mask", &n))
                return 0;
        return walk_buckets(w, hash, n, o->hslot_size, o->hslot_head, false, HVS_SOCK_UDP, "udp hash");
}

int lx_sock_walk_unix(struct lx_sock_walk *w, uint64_t buckets, uint32_t nbuckets) {
        if (w->stop)
                return 0;
        return walk_buckets(w, buckets, nbuckets, 8, 0, false, HVS_SOCK_UNIX, "unix table");
}

int lx_sock_of_file(hvs_vas *as, const struct lx_sock_file_offsets *o, uint64_t socket_fops, uint64_t file,
                    uint64_t *ret_sk) {
        uint64_t fop, sock, back, sk;
        if (socket_fops && (lx_read_u64(as, file, o->file_f_op, &fop) < 0 || fop != socket_fops))
                return 0;
        if (lx_read_u64(as, file, o->file_private_data, &sock) < 0 || sock == 0 ||
            lx_read_u64(as, sock, o->socket_file, &back) < 0 || back != file ||
            lx_read_u64(as, sock, o->socket_sk, &sk) < 0 || sk == 0)
                return 0;
        *ret_sk = sk;
        return 1;
}

struct addr_idx {
        uint64_t addr;
        size_t idx;
};

static int cmp_addr_idx(const void *a, const void *b) {
        const struct addr_idx *x = a, *y = b;
        if (x->addr != y->addr)
                return x->addr < y->addr ? -1 : 1;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int lx_sock_walk_finish(struct lx_sock_walk *w) {
        hvs_socket_list *l = w->l;
        if (w->more_problems) {
                size_t len = strlen(l->trunc_msg);
                snprintf(l->trunc_msg + len, sizeof l->trunc_msg - len, " (and %u more problems)", w->more_problems);
                w->more_problems = 0;
        }
        if (l->n < 2)
                return 0;
        _cleanup_free_ struct addr_idx *v = hvs_malloc(l->n * sizeof *v);
        _cleanup_free_ bool *dup = hvs_calloc(l->n, sizeof *dup);
        if (!v || !dup)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                v[i] = (struct addr_idx){ l->socks[i].addr.v, i };
        qsort(v, l->n, sizeof *v, cmp_addr_idx);
        for (size_t i = 1; i < l->n; i++)
                if (v[i].addr == v[i - 1].addr)
                        dup[v[i].idx] = true;
        size_t keep = 0;
        for (size_t i = 0; i < l->n; i++)
                if (!dup[i])
                        l->socks[keep++] = l->socks[i];
        l->n = keep;
        return 0;
}
