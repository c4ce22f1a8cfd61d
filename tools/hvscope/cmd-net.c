/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope net: the guest's sockets (TCP, UDP, unix) and their owners, like ss -anp. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

struct net_filter {
        unsigned flags;
        bool listening;
        int32_t pid;            /* 0 = any */
};

static const char *family_name(uint16_t f) {
        switch (f) {
        case HVS_AF_INET: return "inet";
        case HVS_AF_INET6: return "inet6";
        case HVS_AF_UNIX: return "unix";
        }
        return "?";
}

static const char *type_name(uint16_t t) {
        switch (t) {
        case 1: return "stream";
        case 2: return "dgram";
        case 3: return "raw";
        case 5: return "seqpacket";
        }
        return NULL;
}

/* An IPv4 or IPv6 address as text (IPv4 when the family is not IPv6). */
static void fmt_ip(const hvs_socket *s, const uint8_t *a, char *buf, size_t cap) {
        if (!inet_ntop(s->family == HVS_AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)cap))
                snprintf(buf, cap, "?");
}

static void fmt_endpoint(const hvs_socket *s, const uint8_t *a, uint16_t port, char *buf, size_t cap) {
        char ip[INET6_ADDRSTRLEN];
        fmt_ip(s, a, ip, sizeof ip);
        bool v6 = s->family == HVS_AF_INET6;
        char p[8];
        if (port)
                snprintf(p, sizeof p, "%u", port);
        else
                snprintf(p, sizeof p, "*");
        snprintf(buf, cap, "%s%s%s:%s", v6 ? "[" : "", ip, v6 ? "]" : "", p);
}

/* The unix name for display: control bytes (guest-controlled) as '?'. */
static void fmt_path(const char *path, char *buf, size_t cap) {
        size_t n = 0;
        for (; path[n] && n + 1 < cap; n++)
                buf[n] = (unsigned char)path[n] < 0x20 || path[n] == 0x7f ? '?' : path[n];
        buf[n] = '\0';
}

static bool selected(const struct net_filter *f, const hvs_socket *s) {
        if (f->listening) {
                bool l = s->proto == HVS_SOCK_UDP ? s->state == HVS_TCP_CLOSE : s->state == HVS_TCP_LISTEN;
                if (!l)
                        return false;
        }
        if (f->pid) {
                for (size_t i = 0; i < s->n_owners; i++)
                        if (s->owners[i].pid == f->pid)
                                return true;
                return false;
        }
        return true;
}

static const hvs_socket *find_sock(const hvs_socket_list *l, uint64_t addr) {
        for (size_t i = 0; addr && i < l->n; i++)
                if (l->socks[i].addr.v == addr)
                        return &l->socks[i];
        return NULL;
}

static json_object *sock_json(const hvs_socket_list *l, const hvs_socket *s) {
        json_object *o = json_object_new_object();
        char buf[INET6_ADDRSTRLEN + HVS_NET_UNIX_PATH_MAX];
        json_object_object_add(o, "proto", json_object_new_string(hvs_sock_proto_name(s->proto, HVS_AF_INET)));
        json_object_object_add(o, "netid", json_object_new_string(hvs_sock_proto_name(s->proto, s->family)));
        json_object_object_add(o, "family", json_object_new_string(family_name(s->family)));
        json_object_object_add(o, "state", json_object_new_string(hvs_sock_state_name(s->proto, s->state)));
        json_object_object_add(o, "state_raw", json_object_new_int(s->state));
        const char *tn = type_name(s->type);
        json_object_object_add(o, "type", tn ? json_object_new_string(tn) : NULL);
        if (s->proto == HVS_SOCK_UNIX) {
                json_object_object_add(o, "path", json_object_new_string(s->path));
                json_object_object_add(o, "peer_address", json_addr(s->peer.v));
                const hvs_socket *peer = find_sock(l, s->peer.v);
                json_object_object_add(o, "peer_inode", peer ? json_object_new_uint64(peer->inode) : NULL);
        } else {
                fmt_ip(s, s->local_addr, buf, sizeof buf);
                json_object_object_add(o, "local_address", json_object_new_string(buf));
                json_object_object_add(o, "local_port", json_object_new_int(s->local_port));
                fmt_ip(s, s->remote_addr, buf, sizeof buf);
                json_object_object_add(o, "remote_address", json_object_new_string(buf));
                json_object_object_add(o, "remote_port", json_object_new_int(s->remote_port));
        }
        json_object_object_add(o, "inode", json_object_new_uint64(s->inode));
        json_object_object_add(o, "netns", json_object_new_int64(s->netns));
        json_object_object_add(o, "sock_address", json_addr(s->addr.v));
        json_object *owners = json_object_new_array();
        for (size_t i = 0; i < s->n_owners; i++) {
                const hvs_sock_owner *w = &s->owners[i];
                json_object *ow = json_object_new_object();
                json_object_object_add(ow, "pid", json_object_new_int(w->pid));
                json_object_object_add(ow, "name", json_object_new_string(w->comm));
                json_object_object_add(ow, "fd", json_object_new_int64(w->fd));
                json_object_object_add(ow, "task_address", json_addr(w->task.v));
                json_object_object_add(ow, "file_address", json_addr(w->file.v));
                json_object_array_add(owners, ow);
        }
        json_object_object_add(o, "owners", owners);
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_SOCK_PARTIAL_INODE, "inode" }, { HVS_SOCK_PARTIAL_NETNS, "netns" },
                { HVS_SOCK_PARTIAL_PATH, "path" }, { HVS_SOCK_PARTIAL_TYPE, "type" },
        };
        for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (s->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

/* "pid/comm" of each owning process once, comma-separated. */
static void fmt_owners(const hvs_socket *s, char *buf, size_t cap) {
        size_t n = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < s->n_owners && n + 1 < cap; i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen |= s->owners[j].pid == s->owners[i].pid;
                if (seen)
                        continue;
                char comm[sizeof s->owners[i].comm];
                fmt_path(s->owners[i].comm, comm, sizeof comm);
                int k = snprintf(buf + n, cap - n, "%s%d/%s", n ? "," : "", s->owners[i].pid, comm);
                if (k < 0 || (size_t)k >= cap - n)
                        break;
                n += (size_t)k;
        }
}

static void render_table(const hvs_socket_list *l, const struct net_filter *f) {
        printf("%-5s %-10s %-28s %-28s %8s %-18s %s\n", "Netid", "State", "Local Address:Port", "Peer Address:Port",
               "Inode", "Sock", "Process");
        for (size_t i = 0; i < l->n; i++) {
                const hvs_socket *s = &l->socks[i];
                if (!selected(f, s))
                        continue;
                char local[HVS_NET_UNIX_PATH_MAX + 8], peer[INET6_ADDRSTRLEN + 16], owners[512];
                if (s->proto == HVS_SOCK_UNIX) {
                        fmt_path(s->path[0] ? s->path : "*", local, sizeof local);
                        const hvs_socket *p = find_sock(l, s->peer.v);
                        if (p)
                                snprintf(peer, sizeof peer, "* %" PRIu64, p->inode);
                        else
                                snprintf(peer, sizeof peer, "*");
                } else {
                        fmt_endpoint(s, s->local_addr, s->local_port, local, sizeof local);
                        fmt_endpoint(s, s->remote_addr, s->remote_port, peer, sizeof peer);
                }
                fmt_owners(s, owners, sizeof owners);
                const char *netid = s->proto == HVS_SOCK_UNIX && type_name(s->type)
                                            ? (s->type == 1 ? "u_str" : s->type == 2 ? "u_dgr" : "u_seq")
                                            : hvs_sock_proto_name(s->proto, s->family);
                printf("%-5s %-10s %-28s %-28s %8" PRIu64 " 0x%016" PRIx64 " %s\n", netid,
                       hvs_sock_state_name(s->proto, s->state), local, peer, s->inode, s->addr.v, owners);
        }
}

json_object *view_net_json(hvs_session *s, const hvs_socket_list *l, unsigned protos, bool listening, int32_t pid) {
        const struct net_filter f = { .flags = protos, .listening = listening, .pid = pid };
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "source", json_object_new_string(hvs_mem_get_info(hvs_session_mem(s))->source));
        json_object_object_add(root, "truncated", json_object_new_boolean(l->truncated));
        json_object_object_add(root, "truncated_reason", l->truncated ? json_object_new_string(l->trunc_msg) : NULL);
        json_object_object_add(root, "owners_known", json_object_new_boolean(l->owners_known));
        json_object_object_add(root, "owners_reason", l->owners_known ? NULL : json_object_new_string(l->owners_msg));
        for (size_t n = 0; n < l->n; n++)
                if (selected(&f, &l->socks[n]))
                        json_object_array_add(arr, sock_json(l, &l->socks[n]));
        json_object_object_add(root, "sockets", arr);
        return root;
}

static void net_usage(FILE *f) {
        fputs("usage: hvscope net [-t] [-u] [-x] [-l] [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE)\n"
              "\n"
              "List the guest's sockets from its kernel's hash tables, like ss -anp: protocol,\n"
              "state, local and remote endpoint (unix: bound name), inode, the guest address of\n"
              "each sock and the processes holding it (PID/name). All protocols by default.\n"
              "\n"
              "  -t, --tcp          TCP sockets (IPv4 and IPv6)\n"
              "  -u, --udp          UDP sockets (IPv4 and IPv6)\n"
              "  -x, --unix         unix sockets\n"
              "  -l, --listening    only listening sockets (UDP: unconnected)\n"
              "  -p, --process PID  only sockets held by guest process PID\n" TARGET_HELP,
              f);
}

int cmd_net(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "tcp", no_argument, NULL, 't' },
                { "udp", no_argument, NULL, 'u' },
                { "unix", no_argument, NULL, 'x' },
                { "listening", no_argument, NULL, 'l' },
                { "process", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        struct net_filter f = { 0 };
        int c;
        while ((c = getopt_long(argc, argv, "vtuxlp:h", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case 't':
                        f.flags |= HVS_NET_TCP;
                        break;
                case 'u':
                        f.flags |= HVS_NET_UDP;
                        break;
                case 'x':
                        f.flags |= HVS_NET_UNIX;
                        break;
                case 'l':
                        f.listening = true;
                        break;
                case 'p': {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || v <= 0 || v > INT32_MAX) {
                                errorf("invalid --process '%s'", optarg);
                                return 1;
                        }
                        f.pid = (int32_t)v;
                        break;
                }
                case 'h':
                        net_usage(stdout);
                        return 0;
                default:
                        net_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("net: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (!(f.flags & (HVS_NET_TCP | HVS_NET_UDP | HVS_NET_UNIX)))
                f.flags |= HVS_NET_TCP | HVS_NET_UDP | HVS_NET_UNIX;
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_linux *k = hvs_session_linux(s);
        hvs_socket_list *l = NULL;
        int r = hvs_linux_sockets(k, f.flags | HVS_NET_OWNERS, &l);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                errorf("cannot list sockets: %s", hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (l->truncated)
                warnf("partial result: %s", l->trunc_msg);
        if (!l->owners_known)
                warnf("owners incomplete: %s", l->owners_msg);
        if (t.json) {
                print_json(view_net_json(s, l, f.flags, f.listening, f.pid));
        } else {
                render_table(l, &f);
        }
        hvs_socket_list_free(l);
        hvs_session_close(s);
        if (fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return 0;
}
