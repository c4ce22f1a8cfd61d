/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-gdb-rsp.c - the GDB remote protocol client on a hostile gdbstub.
 *
 * The input is everything the "stub" sends, in one go, on a socketpair whose
 * other end is then shut for writing: the client opens (qSupported, maybe
 * QStartNoAckMode, '?'), reads registers, a stop reply and memory. Besides
 * "no crash, no hang, no leak", the framer alone is fed the same bytes and
 * every packet it completes must fit its buffer, and what the parsers
 * accept must keep their promises (a stop reply has a kind, registers only
 * from a long enough reply).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <hvscope/limits.h>
#include "watch/gdb-rsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void framer(const uint8_t *data, size_t size) {
        static char buf[HVS_MAX_RSP_PACKET], out[HVS_MAX_RSP_PACKET];
        struct rsp_rx rx;
        rsp_rx_init(&rx, buf, sizeof buf);
        for (size_t i = 0; i < size; i++) {
                enum rsp_rx_event e = rsp_rx_feed(&rx, data[i]);
                if (e != RSP_RX_PACKET)
                        continue;
                if (rx.len >= sizeof buf)
                        abort();
                int n = rsp_unescape(buf, rx.len, out, sizeof out);
                if (n >= (int)sizeof out || (n >= 0 && out[n] != '\0'))
                        abort();
                if (n < 0)
                        continue;
                struct rsp_stop st;
                if (rsp_parse_stop(out, (size_t)n, &st) == 0 && (st.kind < RSP_STOP_SIGNAL || st.kind > RSP_STOP_KILLED))
                        abort();
                struct rsp_x86_regs r;
                if (rsp_parse_regs_x86_64(out, (size_t)n, &r) == 0 && (size_t)n < 2 * RSP_X86_64_CORE_BYTES)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        framer(data, size);
        /* Bounded so the write below never blocks on a full socket buffer. */
        if (size > 64 * 1024)
                return 0;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 0;
        int one = 256 * 1024;
        (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &one, sizeof one);
        size_t off = 0;
        while (off < size) {
                ssize_t w = send(sv[1], data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        shutdown(sv[1], SHUT_WR);       /* EOF after the input: no waiting on a silent stub */
        struct rsp *c = NULL;
        hvs_diag d = { 0 };
        struct rsp_stop st;
        if (rsp_open_fd(sv[0], 50, &d, &c, &st) == 0) {
                struct rsp_x86_regs r;
                uint8_t mem[16];
                (void)rsp_read_regs(c, 1, &r, &d);
                (void)rsp_wait_stop(c, 0, &st, &d);
                (void)rsp_read_mem(c, 0xffffffff81000000ull, mem, sizeof mem, &d);
                (void)rsp_set_breakpoint(c, 0xffffffff81000000ull, true, &d);
                rsp_close(c);
        }
        close(sv[1]);
        return 0;
}
