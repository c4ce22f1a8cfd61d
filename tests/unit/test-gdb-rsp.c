/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-gdb-rsp.c - the GDB remote protocol client (src/watch/gdb-rsp.c):
 * the framer, escapes and run-length encoding, stop replies and x86_64
 * registers as pure functions; then the connection against a fake gdbstub
 * (a thread on a socketpair speaking the protocol as QEMU 7.2 does: a T02
 * as soon as a client connects, acks, optional no-ack mode) with its
 * misbehaviours: a bad checksum, console output, an oversize packet,
 * silence, error and empty replies. The fake stub refuses Z0 and records
 * every command, so the tests check that only Z1/z1 are ever sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include <time.h>
#include "watch/gdb-rsp.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- pure parts ------------------------------------------------------------------ */

static enum rsp_rx_event feed_all(struct rsp_rx *rx, const char *s, size_t *n_events) {
        enum rsp_rx_event last = RSP_RX_NONE;
        *n_events = 0;
        for (; *s; s++) {
                enum rsp_rx_event e = rsp_rx_feed(rx, (uint8_t)*s);
                if (e != RSP_RX_NONE) {
                        last = e;
                        ++*n_events;
                }
        }
        return last;
}

static void test_framer(void **state) {
        char buf[16];
        struct rsp_rx rx;
        size_t n;
        rsp_rx_init(&rx, buf, sizeof buf);
        assert_int_equal(feed_all(&rx, "$OK#9a", &n), RSP_RX_PACKET);
        assert_int_equal(n, 1);
        assert_string_equal(buf, "OK");
        assert_int_equal(feed_all(&rx, "$OK#9b", &n), RSP_RX_BADSUM);
        assert_int_equal(feed_all(&rx, "$OK#z", &n), RSP_RX_BADSUM);
        assert_int_equal(feed_all(&rx, "+", &n), RSP_RX_ACK);
        assert_int_equal(feed_all(&rx, "-", &n), RSP_RX_NAK);
        assert_int_equal(feed_all(&rx, "x", &n), RSP_RX_JUNK);
        assert_int_equal(feed_all(&rx, "%Stop:T05#x", &n), RSP_RX_BADSUM);
        /* 16-byte buffer: 15 data bytes fit, 16 do not. */
        assert_int_equal(feed_all(&rx, "$000000000000000#d0", &n), RSP_RX_PACKET);
        assert_int_equal(rx.len, 15);
        assert_int_equal(feed_all(&rx, "$0000000000000000#00", &n), RSP_RX_TOOBIG);
        /* A '$' inside a packet restarts it. */
        assert_int_equal(feed_all(&rx, "$garb$OK#9a", &n), RSP_RX_PACKET);
        assert_string_equal(buf, "OK");
}

static void test_unescape(void **state) {
        char out[32];
        assert_int_equal(rsp_unescape("0* ", 3, out, sizeof out), 4);     /* ' ' = 32: 3 more */
        assert_string_equal(out, "0000");
        assert_int_equal(rsp_unescape("a}]b", 4, out, sizeof out), 3);   /* '}' ']' = '}' */
        assert_string_equal(out, "a}b");
        assert_int_equal(rsp_unescape("*A", 2, out, sizeof out), -EBADMSG);
        assert_int_equal(rsp_unescape("a}", 2, out, sizeof out), -EBADMSG);
        assert_int_equal(rsp_unescape("a*", 2, out, sizeof out), -EBADMSG);
        assert_int_equal(rsp_unescape("a*\x1f", 3, out, sizeof out), -EBADMSG);  /* count 2: below 3 */
        assert_int_equal(rsp_unescape("a*~", 3, out, 8), -E2BIG);               /* 97 repeats */
        assert_int_equal(rsp_unescape("abcdefgh", 8, out, 8), -E2BIG);
        assert_int_equal(rsp_unescape("abcdefg", 7, out, 8), 7);
}

static void test_parse_stop(void **state) {
        struct rsp_stop s;
        const char *t = "T05thread:p01.02;hwbreak:;06:0000000000000000;";
        assert_int_equal(rsp_parse_stop(t, strlen(t), &s), 0);
        assert_int_equal(s.kind, RSP_STOP_SIGNAL);
        assert_int_equal(s.signal, 5);
        assert_int_equal(s.thread, 2);
        assert_true(s.hwbreak);
        assert_int_equal(rsp_parse_stop("T02thread:01;", 13, &s), 0);
        assert_int_equal(s.signal, 2);
        assert_int_equal(s.thread, 1);
        assert_int_equal(rsp_parse_stop("T05watch:ffffffff81000000;thread:1f;", 36, &s), 0);
        assert_int_equal(s.watch_addr, 0xffffffff81000000ull);
        assert_int_equal(s.thread, 0x1f);
        assert_int_equal(rsp_parse_stop("S05", 3, &s), 0);
        assert_int_equal(rsp_parse_stop("W00", 3, &s), 0);
        assert_int_equal(s.kind, RSP_STOP_EXITED);
        assert_int_equal(rsp_parse_stop("X09", 3, &s), 0);
        assert_int_equal(s.kind, RSP_STOP_KILLED);
        /* Not stop replies, or broken ones. */
        assert_int_equal(rsp_parse_stop("OK", 2, &s), -EBADMSG);
        assert_int_equal(rsp_parse_stop("T5", 2, &s), -EBADMSG);
        assert_int_equal(rsp_parse_stop("S05x", 4, &s), -EBADMSG);
        assert_int_equal(rsp_parse_stop("T05thread:01", 12, &s), -EBADMSG);        /* no ';' */
        assert_int_equal(rsp_parse_stop("T05thread;", 10, &s), -EBADMSG);          /* no ':' */
        assert_int_equal(rsp_parse_stop("T05thread:zz;", 13, &s), -EBADMSG);
        assert_int_equal(rsp_parse_stop("T05thread:11111111111111111;", 28, &s), -EBADMSG);  /* 17 digits */
        assert_int_equal(rsp_parse_stop("T05thread:p1;", 13, &s), -EBADMSG);
}

/* Hex of a 'g' reply: little-endian registers in QEMU's x86_64 order. */
static void put_le(char *hex, size_t *at, uint64_t v, unsigned size) {
        for (unsigned i = 0; i < size; i++) {
                snprintf(hex + 2 * *at, 3, "%02x", (unsigned)(v >> (8 * i)) & 0xff);
                ++*at;
        }
}

static size_t regs_hex(char *hex, uint64_t rip, uint64_t gs_base, uint64_t rdi) {
        size_t at = 0;
        for (unsigned i = 0; i < 16; i++)
                put_le(hex, &at, i == 5 ? rdi : 0x1000u + i, 8);        /* rdi is the 6th */
        put_le(hex, &at, rip, 8);
        for (unsigned i = 0; i < 7; i++)
                put_le(hex, &at, 0x10u + i, 4);
        put_le(hex, &at, 0x7f0000001000ull, 8); /* fs_base */
        put_le(hex, &at, gs_base, 8);
        put_le(hex, &at, 0, 8);
        for (unsigned i = 0; i < 100; i++)      /* x87, SSE: ignored */
                put_le(hex, &at, 0, 1);
        return 2 * at;
}

static void test_parse_regs(void **state) {
        char hex[2048];
        struct rsp_x86_regs r;
        size_t n = regs_hex(hex, 0xffffffff81372700ull, 0xffff88801f000000ull, 0xffffc90000123f58ull);
        assert_int_equal(rsp_parse_regs_x86_64(hex, n, &r), 0);
        assert_int_equal(r.rip, 0xffffffff81372700ull);
        assert_int_equal(r.gs_base, 0xffff88801f000000ull);
        assert_int_equal(r.rdi, 0xffffc90000123f58ull);
        assert_int_equal(r.rax, 0x1000);
        assert_int_equal(r.r15, 0x100f);
        assert_int_equal(r.eflags, 0x10);
        assert_int_equal(r.gs, 0x16);
        assert_int_equal(r.fs_base, 0x7f0000001000ull);
        /* "xx" = unavailable. */
        memcpy(hex, "xx", 2);
        assert_int_equal(rsp_parse_regs_x86_64(hex, n, &r), 0);
        assert_int_equal(r.rax, 0x1000 & ~0xffull);
        assert_int_equal(rsp_parse_regs_x86_64(hex, 2 * RSP_X86_64_CORE_BYTES - 2, &r), -EBADMSG);
        assert_int_equal(rsp_parse_regs_x86_64(hex, n - 1, &r), -EBADMSG);
        hex[10] = 'g';
        assert_int_equal(rsp_parse_regs_x86_64(hex, n, &r), -EBADMSG);
}

/* ---- the fake gdbstub --------------------------------------------------------------- */

enum stub_quirk {
        Q_NONE = 0,
        Q_NOACK = 1 << 0,        /* offers QStartNoAckMode */
        Q_BADSUM_ONCE = 1 << 1,  /* the first reply to 'g' has a wrong checksum */
        Q_CONSOLE = 1 << 2,      /* console output before each 'g' reply */
        Q_OVERSIZE = 1 << 3,     /* answers 'g' with 20000 bytes */
        Q_SILENT_G = 1 << 4,     /* never answers 'g' */
        Q_RLE = 1 << 5,          /* run-length encodes the 'g' reply */
        Q_JUNK = 1 << 6,         /* 70000 junk bytes before the 'g' reply */
};

struct stub {
        int fd;
        unsigned quirks;
        bool no_ack;
        pthread_t th;
        char log[64][64];       /* the commands received */
        size_t nlog;
        uint64_t bps[8];
        size_t nbps;
};

static void stub_write(struct stub *s, const void *p, size_t n) {
        const char *b = p;
        while (n) {
                ssize_t w = send(s->fd, b, n, MSG_NOSIGNAL);
                if (w <= 0)
                        return;
                b += w;
                n -= (size_t)w;
        }
}

static void stub_send(struct stub *s, const char *payload, bool bad) {
        size_t n = strlen(payload);
        unsigned sum = 0;
        for (size_t i = 0; i < n; i++)
                sum += (uint8_t)payload[i];
        char *out = malloc(n + 5);
        out[0] = '$';
        memcpy(out + 1, payload, n);
        snprintf(out + 1 + n, 4, "#%02x", (sum + bad) & 0xff);
        stub_write(s, out, n + 4);
        free(out);
}

/* One command from the client (acks skipped, interrupt as "\x03"); false on EOF. */
static bool stub_recv(struct stub *s, char *cmd, size_t cap) {
        char c;
        size_t n = 0;
        do {
                if (read(s->fd, &c, 1) != 1)
                        return false;
                if (c == 3) {
                        snprintf(cmd, cap, "\x03");
                        return true;
                }
        } while (c != '$');
        while (read(s->fd, &c, 1) == 1 && c != '#')
                if (n + 1 < cap)
                        cmd[n++] = c;
        cmd[n] = '\0';
        char cs[2];
        if (read(s->fd, cs, 2) != 2)
                return false;
        if (!s->no_ack)
                stub_write(s, "+", 1);
        return true;
}

static void *stub_main(void *arg) {
        struct stub *s = arg;
        char cmd[256];
        bool bad_sent = false;
        stub_send(s, "T02thread:01;", false);   /* connecting stopped the VM, as QEMU says */
        while (stub_recv(s, cmd, sizeof cmd)) {
                if (s->nlog < 64)
                        snprintf(s->log[s->nlog++], 64, "%.63s", cmd);
                if (strncmp(cmd, "qSupported", 10) == 0) {
                        stub_send(s, s->quirks & Q_NOACK ? "PacketSize=1000;QStartNoAckMode+" : "PacketSize=1000",
                                  false);
                } else if (strcmp(cmd, "QStartNoAckMode") == 0) {
                        stub_send(s, s->quirks & Q_NOACK ? "OK" : "", false);
                        if (s->quirks & Q_NOACK)
                                s->no_ack = true;
                } else if (strcmp(cmd, "?") == 0) {
                        stub_send(s, "T05thread:01;", false);
                } else if (strncmp(cmd, "Hg", 2) == 0) {
                        stub_send(s, strcmp(cmd, "Hg9") == 0 ? "E22" : "OK", false);
                } else if (strcmp(cmd, "g") == 0) {
                        char hex[2048];
                        regs_hex(hex, 0xffffffff810d3bc0ull, 0xffff88801f000000ull, 0xffff888004abcd00ull);
                        if (s->quirks & Q_SILENT_G)
                                continue;
                        if (s->quirks & Q_CONSOLE)
                                stub_send(s, "O68656c6c6f0a", false);      /* "hello\n" */
                        if (s->quirks & Q_JUNK) {
                                char *junk = malloc(70000);
                                memset(junk, 'j', 70000);
                                stub_write(s, junk, 70000);
                                free(junk);
                        }
                        if (s->quirks & Q_OVERSIZE) {
                                char *big = malloc(20001);
                                memset(big, '0', 20000);
                                big[20000] = '\0';
                                stub_send(s, big, false);
                                free(big);
                                continue;
                        }
                        if ((s->quirks & Q_BADSUM_ONCE) && !bad_sent) {
                                bad_sent = true;
                                stub_send(s, hex, true);
                                /* A client in ack mode naks: the reply goes again. */
                                char nak;
                                if (read(s->fd, &nak, 1) == 1 && nak == '-')
                                        stub_send(s, hex, false);
                                continue;
                        }
                        if (s->quirks & Q_RLE) {
                                /* Registers past the core are zeros: send the tail as "0*" runs. */
                                size_t n = strlen(hex), keep = 2 * RSP_X86_64_CORE_BYTES;
                                char enc[2048];
                                memcpy(enc, hex, keep);
                                size_t o = keep, left = n - keep;
                                while (left >= 4) {     /* "0" + "*" + count: 1 + up to 97 repeats */
                                        size_t run = left - 1 > 97 ? 97 : left - 1;
                                        if (strchr("#$*}", (int)(run + 29)))      /* not allowed as counts */
                                                run -= 2;
                                        if (run < 3)
                                                break;
                                        enc[o++] = '0';
                                        enc[o++] = '*';
                                        enc[o++] = (char)(run + 29);
                                        left -= run + 1;
                                }
                                while (left--)
                                        enc[o++] = '0';
                                enc[o] = '\0';
                                stub_send(s, enc, false);
                                continue;
                        }
                        stub_send(s, hex, false);
                } else if (cmd[0] == 'Z' || cmd[0] == 'z') {
                        uint64_t a;
                        if (cmd[1] != '1' || sscanf(cmd + 3, "%" SCNx64, &a) != 1) {
                                stub_send(s, "E01", false);
                                continue;
                        }
                        if (cmd[0] == 'Z' && s->nbps < 8)
                                s->bps[s->nbps++] = a;
                        stub_send(s, "OK", false);
                } else if (strcmp(cmd, "c") == 0) {
                        stub_send(s, "T05thread:02;", false);      /* a vCPU hits at once */
                } else if (strncmp(cmd, "vCont;s:", 8) == 0) {
                        stub_send(s, "T05thread:02;", false);
                } else if (strcmp(cmd, "\x03") == 0) {
                        stub_send(s, "T02thread:01;", false);
                } else if (strcmp(cmd, "D") == 0) {
                        stub_send(s, "OK", false);
                } else if (cmd[0] == 'm') {
                        stub_send(s, "0f1f440000", false);
                } else {
                        stub_send(s, "", false);
                }
        }
        return NULL;
}

static struct stub *stub_start(unsigned quirks, int *client_fd) {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        struct stub *s = calloc(1, sizeof *s);
        s->fd = sv[1];
        s->quirks = quirks;
        assert_int_equal(pthread_create(&s->th, NULL, stub_main, s), 0);
        *client_fd = sv[0];
        return s;
}

static void stub_stop(struct stub *s) {
        shutdown(s->fd, SHUT_RDWR);
        pthread_join(s->th, NULL);
        close(s->fd);
        for (size_t i = 0; i < s->nlog; i++)    /* never a software breakpoint */
                assert_false(s->log[i][0] == 'Z' && s->log[i][1] == '0');
        free(s);
}

static void test_session_ack_mode(void **state) {
        int fd;
        struct stub *s = stub_start(Q_NONE, &fd);
        struct rsp *c = NULL;
        struct rsp_stop st;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(fd, 2000, &d, &c, &st), 0);
        assert_false(rsp_no_ack(c));
        assert_int_equal(st.signal, 5);         /* '?', not the T02 of connecting */
        /* The T02 of connecting was superseded by '?': nothing is pending. */
        assert_int_equal(rsp_wait_stop(c, 0, &st, &d), -EAGAIN);
        struct rsp_x86_regs r;
        assert_int_equal(rsp_read_regs(c, 2, &r, &d), 0);
        assert_int_equal(r.rip, 0xffffffff810d3bc0ull);
        assert_int_equal(r.rdi, 0xffff888004abcd00ull);
        assert_int_equal(rsp_set_breakpoint(c, 0xffffffff810d3bc0ull, true, &d), 0);
        assert_int_equal(rsp_resume(c, "c", &d), 0);
        assert_int_equal(rsp_wait_stop(c, -1, &st, &d), 0);
        assert_int_equal(st.thread, 2);
        uint8_t code[5];
        assert_int_equal(rsp_read_mem(c, 0xffffffff810d3bc0ull, code, 5, &d), 0);
        assert_memory_equal(code, "\x0f\x1f\x44\x00\x00", 5);
        assert_int_equal(rsp_set_breakpoint(c, 0xffffffff810d3bc0ull, false, &d), 0);
        assert_int_equal(rsp_detach(c, &d), 0);
        /* Errors: "E22" and an empty reply. */
        assert_int_equal(rsp_read_regs(c, 9, &r, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "error 22"));
        assert_int_equal(rsp_command(c, "qXfer:nothing", NULL, 0, NULL, &d), -EOPNOTSUPP);
        rsp_close(c);
        assert_int_equal(s->nbps, 1);
        assert_int_equal(s->bps[0], 0xffffffff810d3bc0ull);
        bool z1 = false;
        for (size_t i = 0; i < s->nlog; i++)
                z1 |= strcmp(s->log[i], "Z1,ffffffff810d3bc0,1") == 0;
        assert_true(z1);
        stub_stop(s);
}

static void test_session_no_ack(void **state) {
        int fd;
        struct stub *s = stub_start(Q_NOACK | Q_RLE | Q_CONSOLE, &fd);
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(fd, 2000, &d, &c, NULL), 0);
        assert_true(rsp_no_ack(c));
        struct rsp_x86_regs r;
        assert_int_equal(rsp_read_regs(c, 0, &r, &d), 0);
        assert_int_equal(r.gs_base, 0xffff88801f000000ull);
        struct rsp_stats st;
        rsp_get_stats(c, &st);
        assert_int_equal(st.console, 1);
        rsp_close(c);
        stub_stop(s);
}

static void test_bad_checksum_resent(void **state) {
        int fd;
        struct stub *s = stub_start(Q_BADSUM_ONCE, &fd);
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(fd, 2000, &d, &c, NULL), 0);
        struct rsp_x86_regs r;
        assert_int_equal(rsp_read_regs(c, 0, &r, &d), 0);
        assert_int_equal(r.rip, 0xffffffff810d3bc0ull);
        struct rsp_stats st;
        rsp_get_stats(c, &st);
        assert_int_equal(st.badsum, 1);
        rsp_close(c);
        stub_stop(s);
}

static void test_oversize_packet(void **state) {
        int fd;
        struct stub *s = stub_start(Q_OVERSIZE, &fd);
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(fd, 2000, &d, &c, NULL), 0);
        struct rsp_x86_regs r;
        assert_int_equal(rsp_read_regs(c, 0, &r, &d), -E2BIG);
        /* Framing is lost: the connection refuses further use. */
        assert_int_equal(rsp_command(c, "?", NULL, 0, NULL, &d), -EIO);
        rsp_close(c);
        stub_stop(s);
}

static void test_junk_flood(void **state) {
        int fd;
        struct stub *s = stub_start(Q_JUNK, &fd);
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(fd, 2000, &d, &c, NULL), 0);
        struct rsp_x86_regs r;
        assert_int_equal(rsp_read_regs(c, 0, &r, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "outside packets"));
        rsp_close(c);
        stub_stop(s);
}

static void test_silent_stub_times_out(void **state) {
        int fd;
        struct stub *s = stub_start(Q_SILENT_G, &fd);
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(fd, 200, &d, &c, NULL), 0);
        struct rsp_x86_regs r;
        uint64_t t0 = now_ns();
        assert_int_equal(rsp_read_regs(c, 0, &r, &d), -ETIMEDOUT);
        uint64_t dt = now_ns() - t0;
        assert_true(dt >= 150000000ull && dt < 2000000000ull);
        rsp_close(c);
        stub_stop(s);
}

static void test_closed_stub(void **state) {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        close(sv[1]);
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_fd(sv[0], 200, &d, &c, NULL), -EIO);
        assert_null(c);
}


/* A stub behind a listening socket: accept one client, then speak as stub_main(). */
struct listener {
        int lfd;
        struct stub *s;
        pthread_t th;
};

static void *accept_main(void *arg) {
        struct listener *l = arg;
        l->s->fd = accept(l->lfd, NULL, NULL);
        if (l->s->fd >= 0)
                stub_main(l->s);
        return NULL;
}

static void run_listener(struct listener *l, int (*open_fn)(void *), void *arg) {
        l->s = calloc(1, sizeof *l->s);
        assert_int_equal(listen(l->lfd, 1), 0);
        assert_int_equal(pthread_create(&l->th, NULL, accept_main, l), 0);
        assert_int_equal(open_fn(arg), 0);
        shutdown(l->s->fd, SHUT_RDWR);
        pthread_join(l->th, NULL);
        close(l->s->fd);
        close(l->lfd);
        free(l->s);
}

static int open_and_read(struct rsp *c, int r, hvs_diag *d) {
        if (r < 0)
                return r;
        struct rsp_x86_regs regs;
        r = rsp_read_regs(c, 1, &regs, d);
        if (r == 0 && regs.rip != 0xffffffff810d3bc0ull)
                r = -EBADMSG;
        rsp_close(c);
        return r;
}

static int open_tcp(void *arg) {
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        int r = rsp_open_tcp("127.0.0.1", *(uint16_t *)arg, 2000, &d, &c, NULL);
        return open_and_read(c, r, &d);
}

static int open_unix(void *arg) {
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        int r = rsp_open_unix(arg, 2000, &d, &c, NULL);
        return open_and_read(c, r, &d);
}

static void test_tcp_and_unix(void **state) {
        struct listener l = { .lfd = socket(AF_INET, SOCK_STREAM, 0) };
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        assert_int_equal(bind(l.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
        assert_int_equal(getsockname(l.lfd, (struct sockaddr *)&sa, &len), 0);
        uint16_t port = ntohs(sa.sin_port);
        run_listener(&l, open_tcp, &port);

        char path[] = "/tmp/hvs-test-rsp-XXXXXX";
        int tfd = mkstemp(path);
        assert_true(tfd >= 0);
        close(tfd);
        unlink(path);
        struct sockaddr_un su = { .sun_family = AF_UNIX };
        snprintf(su.sun_path, sizeof su.sun_path, "%s", path);
        l = (struct listener){ .lfd = socket(AF_UNIX, SOCK_STREAM, 0) };
        assert_int_equal(bind(l.lfd, (struct sockaddr *)&su, sizeof su), 0);
        run_listener(&l, open_unix, path);
        unlink(path);

        /* Nothing listening; not an address. */
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(rsp_open_tcp("127.0.0.1", port, 500, &d, &c, NULL), -ECONNREFUSED);
        assert_int_equal(rsp_open_unix(path, 500, &d, &c, NULL), -ENOENT);
        assert_int_equal(rsp_open_tcp("localhost", port, 500, &d, &c, NULL), -EINVAL);
        assert_null(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_framer),
                cmocka_unit_test(test_unescape),
                cmocka_unit_test(test_parse_stop),
                cmocka_unit_test(test_parse_regs),
                cmocka_unit_test(test_session_ack_mode),
                cmocka_unit_test(test_session_no_ack),
                cmocka_unit_test(test_bad_checksum_resent),
                cmocka_unit_test(test_oversize_packet),
                cmocka_unit_test(test_junk_flood),
                cmocka_unit_test(test_silent_stub_times_out),
                cmocka_unit_test(test_closed_stub),
                cmocka_unit_test(test_tcp_and_unix),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
