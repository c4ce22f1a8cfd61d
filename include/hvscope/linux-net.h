/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-net.h - the Linux guest view of sockets (TCP, UDP, unix).
 * Included by linux.h; not meant to be included on its own.
 *
 * The sockets are read from the kernel's own hash tables, as /proc/net/tcp,
 * /proc/net/udp and /proc/net/unix list them: TCP listeners from
 * tcp_hashinfo.lhash2 and every other TCP socket (established, TIME_WAIT,
 * SYN_RECV request sockets...) from tcp_hashinfo.ehash; bound UDP sockets
 * from udp_table.hash; unix sockets from the per-namespace table of
 * init_net (net->unx.table). IPv4 and IPv6 sockets share the TCP and UDP
 * tables. The owners of each socket are found from the other side: every
 * open file of every process whose file operations are the kernel's
 * socket_file_ops names its struct socket, hence its sock.
 *
 * Invariants of a result: each socket (guest address) appears once; walks
 * are bounded by max_sockets and by HVS_NET_MAX_HASH_BUCKETS, and every
 * chain is cycle-checked, so a hostile guest gives a partial result marked
 * truncated, never a hang.
 */
#ifndef HVSCOPE_LINUX_NET_H
#define HVSCOPE_LINUX_NET_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Buckets of one socket hash table walked at most (a table claiming more is
 * implausible: Linux sizes ehash from RAM, 2^20 buckets for 64 GiB). */
#define HVS_NET_MAX_HASH_BUCKETS (1u << 24)

/* Bytes of sockaddr_un.sun_path (the longest unix socket name). */
#define HVS_NET_UNIX_PATH_MAX 108u

/** enum hvs_sock_proto - which table a socket came from. */
enum hvs_sock_proto {
        HVS_SOCK_TCP = 1,
        HVS_SOCK_UDP = 2,
        HVS_SOCK_UNIX = 3,
};

/* Address families as the guest kernel numbers them. */
#define HVS_AF_UNIX 1u
#define HVS_AF_INET 2u
#define HVS_AF_INET6 10u

/* Socket states (sk_state) as the kernel numbers them (include/net/tcp_states.h). */
#define HVS_TCP_ESTABLISHED 1u
#define HVS_TCP_TIME_WAIT 6u
#define HVS_TCP_CLOSE 7u
#define HVS_TCP_LISTEN 10u
#define HVS_TCP_NEW_SYN_RECV 12u

/* Bits of struct hvs_socket.partial: what could not be read. */
#define HVS_SOCK_PARTIAL_INODE (1u << 0)  /* sk->sk_socket or its inode unreadable */
#define HVS_SOCK_PARTIAL_NETNS (1u << 1)  /* skc_net or net->ns.inum unreadable */
#define HVS_SOCK_PARTIAL_PATH  (1u << 2)  /* unix address unreadable or implausible */
#define HVS_SOCK_PARTIAL_TYPE  (1u << 3)  /* sk_type unreadable */

/**
 * struct hvs_sock_owner - one open descriptor of a process on a socket.
 * @pid:  the process (thread-group leader) holding it
 * @fd:   its descriptor number
 * @comm: the process's task->comm, NUL-terminated, control bytes as '?'
 * @task: guest address of the process's task_struct
 * @file: guest address of the struct file
 */
typedef struct hvs_sock_owner {
        int32_t pid;
        uint32_t fd;
        char comm[17];
        hvs_gva task, file;
} hvs_sock_owner;

/**
 * struct hvs_socket - one socket as the kernel's tables hold it.
 * @addr:        guest address of its struct sock (for TIME_WAIT its
 *               inet_timewait_sock, for SYN_RECV its request_sock: each
 *               begins with a struct sock_common)
 * @proto:       HVS_SOCK_TCP, _UDP or _UNIX
 * @family:      HVS_AF_INET, HVS_AF_INET6 or HVS_AF_UNIX (as read: a
 *               guest may show others)
 * @state:       sk_state (HVS_TCP_* numbering, also for UDP and unix)
 * @type:        sk_type (1 stream, 2 datagram, 5 seqpacket); 0 if unknown
 *               or not a full socket
 * @local_addr, @remote_addr: network byte order; IPv4 in the first 4 bytes,
 *               the rest zero; zero for unix sockets
 * @local_port, @remote_port: host byte order; 0 for unix sockets
 * @inode:       the socket's inode number (socket:[INODE] in /proc/PID/fd),
 *               0 when the sock has no struct socket (TIME_WAIT, SYN_RECV,
 *               orphaned) or it was unreadable (see @partial)
 * @netns:       inode number of its network namespace (net->ns.inum), 0 if
 *               unreadable
 * @path:        unix sockets: the bound name as /proc/net/unix shows it
 *               (abstract names start with '@', NUL bytes shown as '@';
 *               other bytes as the guest has them, control bytes included),
 *               "" when unbound
 * @peer:        unix sockets: guest address of the peer's sock (0 if none)
 * @owners, @n_owners: descriptors open on it, in task-list order (owned)
 * @partial:     HVS_SOCK_PARTIAL_* bits
 */
typedef struct hvs_socket {
        hvs_gva addr;
        enum hvs_sock_proto proto;
        uint16_t family;
        uint8_t state;
        uint16_t type;
        uint8_t local_addr[16], remote_addr[16];
        uint16_t local_port, remote_port;
        uint64_t inode;
        uint32_t netns;
        char path[HVS_NET_UNIX_PATH_MAX + 2];
        hvs_gva peer;
        hvs_sock_owner *owners;
        size_t n_owners;
        uint32_t partial;
} hvs_socket;

/**
 * struct hvs_socket_list - the result of hvs_linux_sockets().
 * @socks, @n:    the sockets: TCP listeners, other TCP sockets, UDP, unix,
 *                each table in bucket order
 * @truncated:    some walk stopped early or skipped part of a table;
 *                @trunc_err says why (-EFAULT unreadable bucket or link,
 *                -ELOOP cycle, -E2BIG max_sockets or a bucket count over
 *                HVS_NET_MAX_HASH_BUCKETS, -ENOENT table symbol absent) and
 *                @trunc_msg where (the first problem, and how many more)
 * @owners_known: the owner mapping ran over the whole task list; false
 *                when it was not asked for or could not run (@owners_msg)
 * @owners_msg:   why owners are unknown or incomplete ("" when complete)
 */
typedef struct hvs_socket_list {
        hvs_socket *socks;
        size_t n;
        bool truncated;
        int trunc_err;
        char trunc_msg[256];
        bool owners_known;
        char owners_msg[256];
} hvs_socket_list;

/* Flags of hvs_linux_sockets(): which tables to walk, and whether to find owners. */
#define HVS_NET_TCP    (1u << 0)
#define HVS_NET_UDP    (1u << 1)
#define HVS_NET_UNIX   (1u << 2)
#define HVS_NET_OWNERS (1u << 3)
#define HVS_NET_ALL    (HVS_NET_TCP | HVS_NET_UDP | HVS_NET_UNIX | HVS_NET_OWNERS)

/**
 * hvs_linux_sockets() - list the guest's TCP, UDP and unix sockets.
 * @k:     the kernel view
 * @flags: HVS_NET_* bits; 0 means HVS_NET_ALL
 * @ret:   owned; free with hvs_socket_list_free(); untouched on failure
 *
 * Tables are those of the initial network namespace (tcp_hashinfo and
 * udp_table serve every namespace that has no table of its own, so their
 * sockets may belong to other namespaces: see hvs_socket.netns; unix sockets
 * of other namespaces are not listed). A table that cannot be walked
 * completely gives the sockets read so far and marks the list truncated:
 * that is a result (return 0), not an error. With HVS_NET_OWNERS the task
 * list and each process's descriptor table are walked too; a failure there
 * leaves owners_known false and the sockets as read.
 *
 * Return: 0; -ENOENT if a kernel type or field the view needs is absent
 * (the diag of @k names it); -EBADMSG for implausible field offsets;
 * -ENOMEM.
 * Thread-safety: one thread per @k.
 */
HVS_API int hvs_linux_sockets(hvs_linux *k, unsigned flags, hvs_socket_list **ret);

/** hvs_socket_list_free() - NULL-safe. Return: NULL. */
HVS_API hvs_socket_list *hvs_socket_list_free(hvs_socket_list *l);

/**
 * hvs_sock_state_name() - the name ss(8) gives @state of a socket of @proto:
 * "ESTAB", "LISTEN", "TIME-WAIT", "UNCONN" (TCP_CLOSE) ...; "UNKNOWN" for a
 * value Linux does not define. Static storage; never NULL.
 */
HVS_API const char *hvs_sock_state_name(enum hvs_sock_proto proto, uint8_t state);

/**
 * hvs_sock_proto_name() - "tcp", "udp", "unix" (with "6" appended for IPv6
 * when @family is HVS_AF_INET6: "tcp6"), "?" otherwise. Static storage.
 */
HVS_API const char *hvs_sock_proto_name(enum hvs_sock_proto proto, uint16_t family);

#ifdef __cplusplus
}
#endif
#endif
