/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gdb-rsp.c - the GDB remote serial protocol client (gdb-rsp.h).
 *
 * What QEMU 7.2's gdbstub does that shapes this client (gdbstub/gdbstub.c):
 *  - a new connection stops the VM (vm_stop(RUN_STATE_PAUSED)); '?' then
 *    answers "T05thread:NN;", NN = vCPU index + 1;
 *  - it sends '+' before each reply in ack mode and supports
 *    QStartNoAckMode;
 *  - a stop while a client is attached is reported with "T05thread:NN;"
 *    (breakpoint, step) or "T02thread:NN;" (stopped by the monitor, or the
 *    0x03 interrupt);
 *  - packets it accepts are at most 4096 bytes (MAX_PACKET_LENGTH); a 'g'
 *    reply of x86_64 is about 1 KiB of hex.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "util/util.h"
#include "watch/gdb-rsp.h"

/* Resends of one packet the stub nak'ed, and bad checksums in a row, before giving up. */
#define RSP_MAX_RETRY 3

enum { RX_IDLE, RX_DATA, RX_CS1, RX_CS2 };

static int hexval(uint8_t c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

void rsp_rx_init(struct rsp_rx *rx, char *buf, size_t cap) {
        *rx = (struct rsp_rx){ .buf = buf, .cap = cap, .state = RX_IDLE };
}

enum rsp_rx_event rsp_rx_feed(struct rsp_rx *rx, uint8_t c) {
        int v;
        switch (rx->state) {
        case RX_IDLE:
                if (c == '$' || c == '%') {
                        rx->state = RX_DATA;
                        rx->notify = c == '%';
                        rx->len = 0;
                        rx->sum = 0;
                        rx->toobig = false;
                        return RSP_RX_NONE;
                }
                return c == '+' ? RSP_RX_ACK : c == '-' ? RSP_RX_NAK : RSP_RX_JUNK;
        case RX_DATA:
                if (c == '#') {
                        rx->state = RX_CS1;
                        return RSP_RX_NONE;
                }
                if (c == '$') {         /* a packet start inside data: resynchronise on it */
                        rx->len = 0;
                        rx->sum = 0;
                        rx->toobig = false;
                        rx->notify = false;
                        return RSP_RX_JUNK;
                }
                rx->sum = (uint8_t)(rx->sum + c);
                if (rx->len + 1 < rx->cap)
                        rx->buf[rx->len++] = (char)c;
                else
                        rx->toobig = true;
                return RSP_RX_NONE;
        case RX_CS1:
                if ((v = hexval(c)) < 0) {
                        rx->state = RX_IDLE;
                        return RSP_RX_BADSUM;
                }
                rx->want = (uint8_t)(v << 4);
                rx->state = RX_CS2;
                return RSP_RX_NONE;
        default:
                rx->state = RX_IDLE;
                if ((v = hexval(c)) < 0)
                        return RSP_RX_BADSUM;
                rx->want = (uint8_t)(rx->want | v);
                if (rx->cap)
                        rx->buf[rx->len] = '\0';
                if (rx->toobig)
                        return RSP_RX_TOOBIG;
                if (rx->want != rx->sum)
                        return RSP_RX_BADSUM;
                return rx->notify ? RSP_RX_NOTIFY : RSP_RX_PACKET;
        }
}

int rsp_unescape(const char *in, size_t n, char *out, size_t cap) {
        size_t o = 0;
        if (cap == 0)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                uint8_t c = (uint8_t)in[i];
                if (c == '}') {
                        if (++i >= n)
                                return -EBADMSG;
                        c = (uint8_t)in[i] ^ 0x20;
                } else if (c == '*') {
                        /* "x*N": x repeated N - 29 more times; N is a printable character. */
                        if (o == 0 || ++i >= n)
                                return -EBADMSG;
                        int rep = (uint8_t)in[i] - 29;
                        if (rep < 3 || rep > 97)
                                return -EBADMSG;
                        if ((size_t)rep >= cap - o)
                                return -E2BIG;
                        memset(out + o, out[o - 1], (size_t)rep);
                        o += (size_t)rep;
                        continue;
                }
                if (o + 1 >= cap)
                        return -E2BIG;
                out[o++] = (char)c;
        }
        out[o] = '\0';
        return (int)o;
}

/* Parse hex digits of @p[0..@n) into @ret; at most 16 digits. Return: digits used; -1 if none. */
static int parse_hex(const char *p, size_t n, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0;
        int d;
        for (; i < n && (d = hexval((uint8_t)p[i])) >= 0; i++) {
                if (i >= 16)
                        return -1;
                v = v << 4 | (uint64_t)d;
        }
        if (i == 0)
                return -1;
        *ret = v;
        return (int)i;
}

int rsp_parse_stop(const char *p, size_t n, struct rsp_stop *ret) {
        struct rsp_stop s = { 0 };
        uint64_t v;
        if (n < 3)
                return -EBADMSG;
        if (p[0] == 'W' || p[0] == 'X') {
                if (parse_hex(p + 1, n - 1, &v) < 0)
                        return -EBADMSG;
                s.kind = p[0] == 'W' ? RSP_STOP_EXITED : RSP_STOP_KILLED;
                s.signal = (int)(v & 0xff);
                *ret = s;
                return 0;
        }
        if ((p[0] != 'S' && p[0] != 'T') || parse_hex(p + 1, 2, &v) != 2)
                return -EBADMSG;
        s.kind = RSP_STOP_SIGNAL;
        s.signal = (int)v;
        if (p[0] == 'S') {
                if (n != 3)
                        return -EBADMSG;
                *ret = s;
                return 0;
        }
        size_t i = 3;
        while (i < n) {
                const char *key = p + i;
                const char *colon = memchr(key, ':', n - i);
                if (!colon)
                        return -EBADMSG;
                const char *end = memchr(colon, ';', n - (size_t)(colon - p));
                if (!end)
                        return -EBADMSG;        /* every pair ends with ';' */
                size_t klen = (size_t)(colon - key);
                const char *val = colon + 1;
                size_t vlen = (size_t)(end - val);
                if (klen == 6 && memcmp(key, "thread", 6) == 0) {
                        if (vlen > 0 && val[0] == 'p') {        /* pPID.TID */
                                const char *dot = memchr(val, '.', vlen);
                                if (!dot)
                                        return -EBADMSG;
                                vlen -= (size_t)(dot + 1 - val);
                                val = dot + 1;
                        }
                        if (vlen == 2 && memcmp(val, "-1", 2) == 0)
                                s.thread = 0;
                        else if (parse_hex(val, vlen, &v) != (int)vlen)
                                return -EBADMSG;
                        else
                                s.thread = v;
                } else if (klen == 7 && memcmp(key, "hwbreak", 7) == 0) {
                        s.hwbreak = true;
                } else if (klen == 7 && memcmp(key, "swbreak", 7) == 0) {
                        s.swbreak = true;
                } else if ((klen == 5 && memcmp(key, "watch", 5) == 0) ||
                           (klen == 6 && (memcmp(key, "rwatch", 6) == 0 || memcmp(key, "awatch", 6) == 0))) {
                        if (parse_hex(val, vlen, &v) != (int)vlen)
                                return -EBADMSG;
                        s.watch_addr = v;
                }
                i = (size_t)(end - p) + 1;
        }
        *ret = s;
        return 0;
}

/* @len little-endian bytes from hex at @p ("xx" = unavailable = 0). */
static int hex_le(const char *p, size_t len, uint64_t *ret) {
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++) {
                int hi = hexval((uint8_t)p[2 * i]), lo = hexval((uint8_t)p[2 * i + 1]);
                uint64_t b;
                if (hi >= 0 && lo >= 0)
                        b = (uint64_t)(hi << 4 | lo);
                else if (p[2 * i] == 'x' && p[2 * i + 1] == 'x')
                        b = 0;
                else
                        return -EBADMSG;
                v |= b << (8 * i);
        }
        *ret = v;
        return 0;
}

int rsp_parse_regs_x86_64(const char *p, size_t n, struct rsp_x86_regs *ret) {
        static const struct { size_t off; uint8_t size; } order[] = {
#define R8(f) { offsetof(struct rsp_x86_regs, f), 8 }
#define R4(f) { offsetof(struct rsp_x86_regs, f), 4 }
                R8(rax), R8(rbx), R8(rcx), R8(rdx), R8(rsi), R8(rdi), R8(rbp), R8(rsp),
                R8(r8), R8(r9), R8(r10), R8(r11), R8(r12), R8(r13), R8(r14), R8(r15), R8(rip),
                R4(eflags), R4(cs), R4(ss), R4(ds), R4(es), R4(fs), R4(gs),
                R8(fs_base), R8(gs_base), R8(k_gs_base),
#undef R8
#undef R4
        };
        struct rsp_x86_regs r = { 0 };
        if (n % 2 || n / 2 < RSP_X86_64_CORE_BYTES)
                return -EBADMSG;
        size_t at = 0;
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                uint64_t v;
                if (hex_le(p + 2 * at, order[i].size, &v) < 0)
                        return -EBADMSG;
                if (order[i].size == 8)
                        memcpy((char *)&r + order[i].off, &v, 8);
                else {
                        uint32_t v32 = (uint32_t)v;
                        memcpy((char *)&r + order[i].off, &v32, 4);
                }
                at += order[i].size;
        }
        *ret = r;
        return 0;
}

/* ---- the connection ------------------------------------------------------------ */

struct rsp {
        int fd;
        int timeout_ms;
        bool no_ack;
        bool broken;            /* framing lost (oversize packet, I/O error): every call fails */
        bool have_pending;      /* a packet arrived while waiting for an ack: it is in pkt */
        bool have_stop;         /* a stop reply arrived while waiting for something else */
        struct rsp_stop stop;
        struct rsp_rx rx;
        uint8_t in[4096];
        size_t in_pos, in_len;
        size_t pkt_len;
        struct rsp_stats st;
        char raw[HVS_MAX_RSP_PACKET];
        char pkt[HVS_MAX_RSP_PACKET];
        char out[HVS_MAX_RSP_PACKET + 4];
};

static int64_t remaining_ms(uint64_t deadline) {
        uint64_t now = hvs_now_ns();
        return now >= deadline ? 0 : (int64_t)((deadline - now + 999999) / 1000000);
}

static int write_all(struct rsp *c, const void *p, size_t n, hvs_diag *diag) {
        const char *b = p;
        while (n > 0) {
                ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        struct pollfd pf = { .fd = c->fd, .events = POLLOUT };
                        if (poll(&pf, 1, c->timeout_ms) <= 0) {
                                c->broken = true;
                                return HVS_DIAG(diag, -ETIMEDOUT, "gdbstub: cannot send (socket full)");
                        }
                        continue;
                }
                if (w <= 0) {
                        c->broken = true;
                        return HVS_DIAG(diag, -EIO, "gdbstub: send failed: %s", strerror(errno));
                }
                b += w;
                n -= (size_t)w;
        }
        return 0;
}

/*
 * The next framing event, waiting until @deadline (0 = only what is
 * readable now: -EAGAIN otherwise). A packet is expanded into c->pkt.
 */
static int next_event(struct rsp *c, uint64_t deadline, bool nowait, size_t *junk, hvs_diag *diag) {
        for (;;) {
                while (c->in_pos < c->in_len) {
                        enum rsp_rx_event e = rsp_rx_feed(&c->rx, c->in[c->in_pos++]);
                        switch (e) {
                        case RSP_RX_NONE:
                                continue;
                        case RSP_RX_JUNK:
                                c->st.junk++;
                                if (++*junk > HVS_RSP_MAX_JUNK) {
                                        c->broken = true;
                                        return HVS_BADMSG(diag, "gdbstub: more than %u bytes outside packets",
                                                          HVS_RSP_MAX_JUNK);
                                }
                                continue;
                        case RSP_RX_TOOBIG:
                                c->broken = true;
                                return HVS_DIAG(diag, -E2BIG, "gdbstub: packet longer than %u bytes",
                                                HVS_MAX_RSP_PACKET);
                        case RSP_RX_PACKET: {
                                c->st.received++;
                                int n = rsp_unescape(c->raw, c->rx.len, c->pkt, sizeof c->pkt);
                                if (n == -E2BIG) {
                                        c->broken = true;
                                        return HVS_DIAG(diag, -E2BIG, "gdbstub: packet expands past %u bytes",
                                                        HVS_MAX_RSP_PACKET);
                                }
                                if (n < 0) {
                                        c->pkt[0] = '\0';
                                        n = -1;         /* malformed: reported to the caller as such */
                                }
                                c->pkt_len = n < 0 ? SIZE_MAX : (size_t)n;
                                return e;
                        }
                        default:
                                return e;
                        }
                }
                int64_t ms = nowait ? 0 : remaining_ms(deadline);
                if (!nowait && ms <= 0)
                        return -ETIMEDOUT;
                struct pollfd pf = { .fd = c->fd, .events = POLLIN };
                int pr = poll(&pf, 1, (int)(ms > INT32_MAX ? INT32_MAX : ms));
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr < 0) {
                        c->broken = true;
                        return HVS_DIAG(diag, -EIO, "gdbstub: poll failed: %s", strerror(errno));
                }
                if (pr == 0)
                        return nowait ? -EAGAIN : -ETIMEDOUT;
                ssize_t r = recv(c->fd, c->in, sizeof c->in, 0);
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (r <= 0) {
                        c->broken = true;
                        return HVS_DIAG(diag, -EIO, "gdbstub: connection %s", r == 0 ? "closed" : "failed");
                }
                c->in_pos = 0;
                c->in_len = (size_t)r;
        }
}

/* "O" + hex: console output of the target, not a reply. "OK" has an even length. */
static bool is_console(const char *p, size_t n) {
        if (n < 3 || p[0] != 'O' || n % 2 == 0)
                return false;
        for (size_t i = 1; i < n; i++)
                if (hexval((uint8_t)p[i]) < 0)
                        return false;
        return true;
}

/*
 * A stop reply that comes while waiting for the reply to another command
 * (QEMU sends "T02" as soon as a client connects, because connecting
 * stopped the VM) is kept for rsp_wait_stop(): none of the other replies
 * this client asks for can start with 'T', 'S', 'W' or 'X'.
 */
static bool stash_stop(struct rsp *c) {
        struct rsp_stop st;
        if (c->pkt_len == SIZE_MAX || !strchr("TSWX", c->pkt[0]) || c->pkt[0] == '\0' ||
            rsp_parse_stop(c->pkt, c->pkt_len, &st) < 0)
                return false;
        c->stop = st;
        c->have_stop = true;
        return true;
}

/* Wait for one reply packet into c->pkt (acking it in ack mode). */
static int recv_packet(struct rsp *c, uint64_t deadline, bool nowait, bool want_stop, hvs_diag *diag) {
        size_t junk = 0;
        unsigned bad = 0;
        if (c->have_pending) {
                c->have_pending = false;
                if (want_stop || !stash_stop(c))
                        return 0;
        }
        for (;;) {
                int e = next_event(c, deadline, nowait, &junk, diag);
                if (e < 0)
                        return e;
                switch (e) {
                case RSP_RX_PACKET:
                        if (!c->no_ack) {
                                int r = write_all(c, "+", 1, diag);
                                if (r < 0)
                                        return r;
                        }
                        if (c->pkt_len != SIZE_MAX && is_console(c->pkt, c->pkt_len)) {
                                c->st.console++;
                                continue;
                        }
                        if (!want_stop && stash_stop(c))
                                continue;
                        return 0;
                case RSP_RX_BADSUM:
                        c->st.badsum++;
                        if (++bad > RSP_MAX_RETRY)
                                return HVS_BADMSG(diag, "gdbstub: %u packets in a row with bad checksums", bad);
                        if (!c->no_ack) {
                                int r = write_all(c, "-", 1, diag);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                default:        /* stray acks, notifications */
                        continue;
                }
        }
}

static int send_packet(struct rsp *c, const char *payload, uint64_t deadline, hvs_diag *diag) {
        size_t n = strlen(payload);
        if (n + 4 > sizeof c->out)
                return HVS_DIAG(diag, -E2BIG, "gdbstub: command too long");
        uint8_t sum = 0;
        for (size_t i = 0; i < n; i++) {
                if (strchr("$#}*", payload[i]))
                        return HVS_DIAG(diag, -EINVAL, "gdbstub: command '%.32s' needs escaping", payload);
                sum = (uint8_t)(sum + (uint8_t)payload[i]);
        }
        c->out[0] = '$';
        memcpy(c->out + 1, payload, n);
        (void)snprintf(c->out + 1 + n, 4, "#%02x", sum);
        for (unsigned tries = 0;; tries++) {
                int r = write_all(c, c->out, n + 4, diag);
                if (r < 0)
                        return r;
                c->st.sent++;
                if (c->no_ack)
                        return 0;
                size_t junk = 0;
                for (;;) {
                        int e = next_event(c, deadline, false, &junk, diag);
                        if (e < 0)
                                return e == -ETIMEDOUT ? HVS_DIAG(diag, e, "gdbstub: no ack for '%.32s'", payload) : e;
                        if (e == RSP_RX_ACK)
                                return 0;
                        if (e == RSP_RX_PACKET) {       /* the reply without an ack: take it as one */
                                if (!c->no_ack && (r = write_all(c, "+", 1, diag)) < 0)
                                        return r;
                                c->have_pending = true;
                                return 0;
                        }
                        if (e == RSP_RX_NAK)
                                break;
                }
                c->st.resent++;
                if (tries >= RSP_MAX_RETRY)
                        return HVS_BADMSG(diag, "gdbstub: '%.32s' refused %u times", payload, tries + 1);
        }
}

static uint64_t deadline_of(const struct rsp *c) {
        return hvs_now_ns() + (uint64_t)c->timeout_ms * 1000000u;
}

int rsp_command(struct rsp *c, const char *cmd, char *ret, size_t cap, size_t *ret_len, hvs_diag *diag) {
        if (c->broken)
                return HVS_DIAG(diag, -EIO, "gdbstub: connection unusable");
        uint64_t deadline = deadline_of(c);
        int r = send_packet(c, cmd, deadline, diag);
        if (r < 0 || (r = recv_packet(c, deadline, false, strcmp(cmd, "?") == 0, diag)) < 0)
                return r == -ETIMEDOUT ? HVS_DIAG(diag, r, "gdbstub: no reply to '%.32s'", cmd) : r;
        if (c->pkt_len == SIZE_MAX)
                return HVS_BADMSG(diag, "gdbstub: malformed reply to '%.32s'", cmd);
        if (c->pkt_len == 0)
                return HVS_DIAG(diag, -EOPNOTSUPP, "gdbstub: '%.32s' not supported", cmd);
        if (c->pkt_len == 3 && c->pkt[0] == 'E' && hexval((uint8_t)c->pkt[1]) >= 0 && hexval((uint8_t)c->pkt[2]) >= 0)
                return HVS_BADMSG(diag, "gdbstub: '%.32s' failed: error %s", cmd, c->pkt + 1);
        if (!ret) {
                if (strcmp(c->pkt, "OK") != 0)
                        return HVS_BADMSG(diag, "gdbstub: '%.32s' answered '%.32s'", cmd, c->pkt);
                return 0;
        }
        if (c->pkt_len >= cap)
                return HVS_DIAG(diag, -E2BIG, "gdbstub: reply to '%.32s' longer than %zu bytes", cmd, cap);
        memcpy(ret, c->pkt, c->pkt_len + 1);
        if (ret_len)
                *ret_len = c->pkt_len;
        return 0;
}

int rsp_resume(struct rsp *c, const char *cmd, hvs_diag *diag) {
        if (c->broken)
                return HVS_DIAG(diag, -EIO, "gdbstub: connection unusable");
        return send_packet(c, cmd, deadline_of(c), diag);
}

int rsp_wait_stop(struct rsp *c, int timeout_ms, struct rsp_stop *ret, hvs_diag *diag) {
        if (c->broken)
                return HVS_DIAG(diag, -EIO, "gdbstub: connection unusable");
        if (c->have_stop) {
                c->have_stop = false;
                *ret = c->stop;
                return 0;
        }
        int ms = timeout_ms < 0 ? c->timeout_ms : timeout_ms;
        int r = recv_packet(c, hvs_now_ns() + (uint64_t)ms * 1000000u, timeout_ms == 0, true, diag);
        if (r < 0)
                return r;
        if (c->pkt_len == SIZE_MAX || rsp_parse_stop(c->pkt, c->pkt_len, ret) < 0)
                return HVS_BADMSG(diag, "gdbstub: '%.32s' is not a stop reply", c->pkt);
        return 0;
}

int rsp_interrupt(struct rsp *c, hvs_diag *diag) {
        if (c->broken)
                return HVS_DIAG(diag, -EIO, "gdbstub: connection unusable");
        return write_all(c, "\x03", 1, diag);
}

int rsp_set_breakpoint(struct rsp *c, uint64_t addr, bool insert, hvs_diag *diag) {
        char cmd[48];
        /* Type 1 = hardware breakpoint. Type 0 (Z0) would write int3 into guest memory: never. */
        (void)snprintf(cmd, sizeof cmd, "%c1,%" PRIx64 ",1", insert ? 'Z' : 'z', addr);
        return rsp_command(c, cmd, NULL, 0, NULL, diag);
}

int rsp_read_regs(struct rsp *c, uint64_t thread, struct rsp_x86_regs *ret, hvs_diag *diag) {
        int r;
        if (thread) {
                char cmd[32];
                (void)snprintf(cmd, sizeof cmd, "Hg%" PRIx64, thread);
                if ((r = rsp_command(c, cmd, NULL, 0, NULL, diag)) < 0)
                        return r;
        }
        size_t n;
        /* The reply lands in c->pkt; parse it in place rather than copying 1 KiB. */
        if ((r = rsp_command(c, "g", c->raw, sizeof c->raw, &n, diag)) < 0)
                return r;
        if (rsp_parse_regs_x86_64(c->raw, n, ret) < 0)
                return HVS_BADMSG(diag, "gdbstub: 'g' reply of %zu characters is not x86_64 registers", n);
        return 0;
}

int rsp_read_mem(struct rsp *c, uint64_t addr, void *buf, size_t len, hvs_diag *diag) {
        char cmd[48];
        size_t n;
        if (len > HVS_MAX_RSP_PACKET / 2 - 16)
                return -E2BIG;
        (void)snprintf(cmd, sizeof cmd, "m%" PRIx64 ",%zx", addr, len);
        int r = rsp_command(c, cmd, c->raw, sizeof c->raw, &n, diag);
        if (r < 0)
                return r;
        if (n != 2 * len)
                return HVS_BADMSG(diag, "gdbstub: '%s' returned %zu characters", cmd, n);
        uint8_t *b = buf;
        for (size_t i = 0; i < len; i++) {
                int hi = hexval((uint8_t)c->raw[2 * i]), lo = hexval((uint8_t)c->raw[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return HVS_BADMSG(diag, "gdbstub: '%s' returned non-hex", cmd);
                b[i] = (uint8_t)(hi << 4 | lo);
        }
        return 0;
}

int rsp_detach(struct rsp *c, hvs_diag *diag) {
        return rsp_command(c, "D", NULL, 0, NULL, diag);
}

void rsp_get_stats(const struct rsp *c, struct rsp_stats *ret) { *ret = c->st; }
bool rsp_no_ack(const struct rsp *c) { return c->no_ack; }
int rsp_fd(const struct rsp *c) { return c->fd; }

struct rsp *rsp_close(struct rsp *c) {
        if (!c)
                return NULL;
        if (c->fd >= 0)
                close(c->fd);
        free(c);
        return NULL;
}

static void rsp_closep(struct rsp **c) { rsp_close(*c); }

int rsp_open_fd(int fd, int timeout_ms, hvs_diag *diag, struct rsp **ret, struct rsp_stop *ret_stop) {
        if (fd < 0)
                return -EINVAL;
        _cleanup_(rsp_closep) struct rsp *c = hvs_calloc(1, sizeof *c);
        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->fd = fd;
        c->timeout_ms = timeout_ms > 0 ? timeout_ms : (int)HVS_RSP_TIMEOUT_MS;
        rsp_rx_init(&c->rx, c->raw, sizeof c->raw);
        char reply[1024];
        int r = rsp_command(c, "qSupported:swbreak+;hwbreak+;vContSupported+", reply, sizeof reply, NULL, diag);
        if (r < 0 && r != -EOPNOTSUPP)
                return r;
        if (r == 0 && strstr(reply, "QStartNoAckMode+")) {
                if ((r = rsp_command(c, "QStartNoAckMode", NULL, 0, NULL, diag)) < 0)
                        return r;
                c->no_ack = true;
        }
        struct rsp_stop st;
        if ((r = rsp_command(c, "?", reply, sizeof reply, NULL, diag)) < 0)
                return r;
        if (rsp_parse_stop(reply, strlen(reply), &st) < 0)
                return HVS_BADMSG(diag, "gdbstub: '?' answered '%.32s'", reply);
        c->have_stop = false;   /* the stop of connecting, which '?' has just described */
        if (ret_stop)
                *ret_stop = st;
        *ret = TAKE_PTR(c);
        return 0;
}

static int connect_fd(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms, hvs_diag *diag,
                      const char *what) {
        /* Non-blocking connect so a filtered port cannot hang us past the timeout. */
        if (connect(fd, sa, len) == 0)
                return 0;
        if (errno != EINPROGRESS) {
                int e = -errno;
                return HVS_DIAG(diag, e, "gdbstub: cannot connect to %s: %s", what, strerror(-e));
        }
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        int pr = poll(&pf, 1, timeout_ms > 0 ? timeout_ms : (int)HVS_RSP_TIMEOUT_MS);
        if (pr <= 0)
                return HVS_DIAG(diag, -ETIMEDOUT, "gdbstub: connecting to %s timed out", what);
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
                return HVS_DIAG(diag, -(err ? err : errno), "gdbstub: cannot connect to %s: %s", what,
                                strerror(err ? err : errno));
        return 0;
}

int rsp_open_tcp(const char *host, uint16_t port, int timeout_ms, hvs_diag *diag, struct rsp **ret,
                 struct rsp_stop *ret_stop) {
        struct sockaddr_storage ss = { 0 };
        socklen_t len;
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        if (host && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
                s4->sin_family = AF_INET;
                s4->sin_port = htons(port);
                len = sizeof *s4;
        } else if (host && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons(port);
                len = sizeof *s6;
        } else {
                return HVS_DIAG(diag, -EINVAL, "gdbstub: '%s' is not a numeric address", host ? host : "");
        }
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        char what[80];
        (void)snprintf(what, sizeof what, "%s port %u", host, port);
        int r = connect_fd(fd, (struct sockaddr *)&ss, len, timeout_ms, diag, what);
        if (r < 0) {
                close(fd);
                return r;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);     /* small packets, round trips */
        return rsp_open_fd(fd, timeout_ms, diag, ret, ret_stop);
}

int rsp_open_unix(const char *path, int timeout_ms, hvs_diag *diag, struct rsp **ret, struct rsp_stop *ret_stop) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (!path || strlen(path) >= sizeof sa.sun_path)
                return HVS_DIAG(diag, -ENAMETOOLONG, "gdbstub: socket path too long");
        hvs_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        int r = connect_fd(fd, (struct sockaddr *)&sa, sizeof sa, timeout_ms, diag, path);
        if (r < 0) {
                close(fd);
                return r;
        }
        return rsp_open_fd(fd, timeout_ms, diag, ret, ret_stop);
}
