/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gdb-rsp.h - a small synchronous client of the GDB remote serial protocol,
 * enough to drive QEMU's gdbstub as an event source: hardware breakpoints
 * (Z1/z1 only: a software breakpoint would write int3 into guest memory),
 * continue, single-step of one vCPU, stop replies, register reads, detach.
 * Internal API of the watch layer.
 *
 * Model: one connection (TCP on loopback, a unix socket, or a caller's fd);
 * one command in flight. Packets are "$data#cs"; the client acks what it
 * receives until no-ack mode is agreed (QStartNoAckMode), resends on '-' a
 * bounded number of times, and skips console output ("O" packets) and
 * notifications ('%'). Run-length encoding ('*') and escapes ('}') in
 * replies are expanded.
 *
 * Everything the stub sends is hostile input: a packet is at most
 * HVS_MAX_RSP_PACKET bytes (raw and expanded; -E2BIG beyond, after which
 * the connection is unusable), a bad checksum is nak'ed and counted, at
 * most HVS_RSP_MAX_JUNK bytes outside packets are skipped per wait, and
 * every wait is a poll() bounded by the connection's timeout.
 *
 * Errors: -ETIMEDOUT, -EIO (closed, read/write failed), -EBADMSG (a reply
 * that does not parse, bad checksums past the retry count, an "E NN" error
 * reply), -E2BIG, -EOPNOTSUPP (empty reply: the stub does not know the
 * command), -ENOMEM. Diag messages name the command.
 * Thread-safety: one thread per connection.
 */
#ifndef HVS_WATCH_GDB_RSP_H
#define HVS_WATCH_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hvscope/common.h>
#include <hvscope/limits.h>

/* ---- the receive state machine (pure; fuzzed) -------------------------------- */

enum rsp_rx_event {
        RSP_RX_NONE = 0,        /* byte consumed, nothing complete */
        RSP_RX_ACK,             /* '+' outside a packet */
        RSP_RX_NAK,             /* '-' outside a packet */
        RSP_RX_PACKET,          /* a packet with a good checksum: rx->buf[0..len) */
        RSP_RX_NOTIFY,          /* a '%' notification with a good checksum */
        RSP_RX_BADSUM,          /* a complete packet whose checksum is wrong */
        RSP_RX_TOOBIG,          /* a packet longer than the buffer: dropped */
        RSP_RX_JUNK,            /* a byte outside any packet */
};

/**
 * struct rsp_rx - byte-at-a-time packet framer.
 * @buf, @cap: where the raw packet data goes (between '$' and '#')
 * @len:       bytes of the current / last packet
 */
struct rsp_rx {
        char *buf;
        size_t cap, len;
        int state;
        bool notify;
        bool toobig;
        uint8_t sum, want;
};

void rsp_rx_init(struct rsp_rx *rx, char *buf, size_t cap);
/* Feed one byte. Return: the event it completes. */
enum rsp_rx_event rsp_rx_feed(struct rsp_rx *rx, uint8_t c);

/**
 * rsp_unescape() - expand escapes ('}' x ^ 0x20) and run-length encoding
 * ('*' n: repeat the previous character n - 29 times) of @in[@n] into
 * @out[@cap] (NUL-terminated; @cap > 0).
 * Return: bytes written (without the NUL); -EBADMSG for an escape or a run
 * with nothing before it or cut at the end, or a bad run count; -E2BIG if
 * it does not fit.
 */
int rsp_unescape(const char *in, size_t n, char *out, size_t cap);

/* ---- decoded replies -------------------------------------------------------------- */

enum rsp_stop_kind {
        RSP_STOP_SIGNAL = 1,    /* 'S' or 'T': stopped with a signal */
        RSP_STOP_EXITED,        /* 'W': the target exited */
        RSP_STOP_KILLED,        /* 'X': terminated by a signal */
};

/**
 * struct rsp_stop - a stop reply.
 * @signal:  the signal (5 = SIGTRAP for a breakpoint or a step, 2 = SIGINT
 *           for an interrupt or a pause by someone else)
 * @thread:  the "thread:" value (QEMU: vCPU index + 1), 0 if absent; with
 *           the multiprocess form "pPID.TID" the TID
 * @hwbreak, @swbreak: the stop reason keys, when the stub says so
 * @watch_addr: the address of a "watch"/"rwatch"/"awatch" key, 0 if none
 */
struct rsp_stop {
        enum rsp_stop_kind kind;
        int signal;
        uint64_t thread;
        bool hwbreak, swbreak;
        uint64_t watch_addr;
};

/**
 * rsp_parse_stop() - decode stop reply @p[@n] (expanded, no framing).
 * Unknown "key:value;" pairs are skipped.
 * Return: 0; -EBADMSG if it is not a stop reply or does not parse.
 */
int rsp_parse_stop(const char *p, size_t n, struct rsp_stop *ret);

/*
 * The first registers of QEMU's x86_64 target description (gdb-xml
 * i386-64bit.xml, target/i386/gdbstub.c), in the order of a 'g' reply:
 * rax rbx rcx rdx rsi rdi rbp rsp r8..r15 rip (8 bytes each), eflags, cs,
 * ss, ds, es, fs, gs (4 bytes each), fs_base, gs_base, k_gs_base (8 bytes
 * each). Little-endian hex. A reply shorter than this is -EBADMSG.
 */
#define RSP_X86_64_CORE_BYTES (17u * 8u + 7u * 4u + 3u * 8u)

struct rsp_x86_regs {
        uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
        uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
        uint64_t rip;
        uint32_t eflags, cs, ss, ds, es, fs, gs;
        uint64_t fs_base, gs_base, k_gs_base;
};

/**
 * rsp_parse_regs_x86_64() - decode a 'g' reply @p[@n] (hex; "xx" for an
 * unavailable byte reads as 0). Bytes past RSP_X86_64_CORE_BYTES (x87,
 * SSE, control registers) are ignored.
 * Return: 0; -EBADMSG (odd length, not hex, too short).
 */
int rsp_parse_regs_x86_64(const char *p, size_t n, struct rsp_x86_regs *ret);

/* ---- the connection ---------------------------------------------------------------- */

struct rsp;

/** struct rsp_stats - counters of one connection. */
struct rsp_stats {
        uint64_t sent, received, resent, badsum, junk, console;
};

/**
 * rsp_open_tcp() / rsp_open_unix() / rsp_open_fd() - connect to a gdbstub
 * (@host a numeric IPv4 or IPv6 address; @fd: taken in every case), then
 * negotiate: qSupported, QStartNoAckMode (kept in ack mode if the stub
 * says no), and '?' (the stub's current stop state, in @ret_stop if not
 * NULL).
 * @timeout_ms: per-call timeout for this and later calls; 0 = HVS_RSP_TIMEOUT_MS
 * Return: 0; -ECONNREFUSED; -ENOENT (no such socket); -EINVAL (bad
 * address); the errors at the top. @ret untouched on failure.
 */
int rsp_open_tcp(const char *host, uint16_t port, int timeout_ms, hvs_diag *diag, struct rsp **ret,
                 struct rsp_stop *ret_stop);
int rsp_open_unix(const char *path, int timeout_ms, hvs_diag *diag, struct rsp **ret, struct rsp_stop *ret_stop);
int rsp_open_fd(int fd, int timeout_ms, hvs_diag *diag, struct rsp **ret, struct rsp_stop *ret_stop);

/** rsp_fd() - the socket (for poll(): POLLIN means a stop reply may be there). */
int rsp_fd(const struct rsp *c);

/**
 * rsp_command() - send @cmd and wait for its reply.
 * @ret, @cap: the expanded reply, NUL-terminated (nullable: only wants "OK")
 * @ret_len:   nullable; its length
 * An "E NN" reply is -EBADMSG (diag "... error NN"); an empty reply is
 * -EOPNOTSUPP. With @ret NULL, anything but "OK" is -EBADMSG.
 */
int rsp_command(struct rsp *c, const char *cmd, char *ret, size_t cap, size_t *ret_len, hvs_diag *diag);

/**
 * rsp_resume() - send a resume command (@cmd: "c", "vCont;s:N", ...) that
 * has no reply until the target stops again; read the stop later with
 * rsp_wait_stop().
 */
int rsp_resume(struct rsp *c, const char *cmd, hvs_diag *diag);

/**
 * rsp_wait_stop() - wait up to @timeout_ms (< 0: the connection's timeout,
 * 0: only what is already readable) for a stop reply.
 * Return: 0 with @ret filled; -EAGAIN nothing yet (timeout 0) or
 * -ETIMEDOUT; the errors at the top.
 */
int rsp_wait_stop(struct rsp *c, int timeout_ms, struct rsp_stop *ret, hvs_diag *diag);

/** rsp_interrupt() - ask a running target to stop (the 0x03 byte); the stop comes as a stop reply. */
int rsp_interrupt(struct rsp *c, hvs_diag *diag);

/** rsp_set_breakpoint() - Z1 (@insert) or z1 at @addr, kind 1. Hardware only, by design. */
int rsp_set_breakpoint(struct rsp *c, uint64_t addr, bool insert, hvs_diag *diag);

/** rsp_read_regs() - select @thread (Hg) when not 0, then 'g'. */
int rsp_read_regs(struct rsp *c, uint64_t thread, struct rsp_x86_regs *ret, hvs_diag *diag);

/**
 * rsp_read_mem() - 'm' @len bytes at guest-virtual @addr as the stopped
 * vCPU sees them (slower than reading through hvs_mem; for tests and
 * checks). @len at most HVS_MAX_RSP_PACKET / 2 - 16.
 */
int rsp_read_mem(struct rsp *c, uint64_t addr, void *buf, size_t len, hvs_diag *diag);

/** rsp_detach() - 'D': the stub removes nothing itself; call after removing the breakpoints. */
int rsp_detach(struct rsp *c, hvs_diag *diag);

/** rsp_get_stats() - counters so far. */
void rsp_get_stats(const struct rsp *c, struct rsp_stats *ret);

/** rsp_no_ack() - true once no-ack mode is on. */
bool rsp_no_ack(const struct rsp *c);

/** rsp_close() - close the socket and free (NULL-safe; sends nothing). Return: NULL. */
struct rsp *rsp_close(struct rsp *c);

#endif
