/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-kint.c - the kernel-integrity scanners (src/triage/kint.h) on hostile
 * bytes: IDT gate decoding and the capstone classifier of function entries
 * on the raw input, then the syscall-hook, idt-hook and inline-hook checks
 * on a fake kernel whose code, sys_call_table and idt_table are the input.
 *
 * Input: any bytes, read in this order (zero-filled when short):
 *   [0, 32)        classified as a function start at _text + 0x1000
 *   [0, 16)        decoded as a gate
 *   [32, 32+0x300) the fake kernel's code: handlers at _text + 0x1000 +
 *                  0x40 * i (i < 4), x64_sys_call at + 0x1100, the
 *                  sensitive functions at + 0x1200 ... + 0x12c0
 *   next 64        sys_call_table (8 entries)
 *   next 4096      idt_table (256 gates)
 * fuzz/corpora/make-kint-corpus.py writes seeds (clean and hooked kernels).
 * Any result is fine if it keeps the contract; a crash, a leak, or a check
 * that fails instead of reporting is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/linux.h>
#include <hvscope/triage.h>
#include "triage/kint.h"
#include "fake_linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T FAKE_LINUX_TEXT_VA
#define CODE_LEN 0x300u
#define TABLE_LEN 64u
#define IDT_LEN 4096u

static struct fake_linux *fl;
static hvs_linux *k;

static void addsym(const char *name, char type, uint64_t addr) {
        hvs_ksyms *s = NULL;
        if (hvs_profile_ksyms(hvs_linux_profile(k), &s) < 0 || hvs_ksyms_add(s, name, type, addr, false) < 0)
                abort();
}

static void init(void) {
        if (fake_linux_new(HVS_PAGING_4LEVEL, &fl) < 0 || fake_linux_open(fl, NULL, &k) < 0)
                abort();
        static const char *const handlers[] = { "__x64_sys_read", "__x64_sys_write", "__x64_sys_open",
                                                "__x64_sys_close" };
        for (size_t i = 0; i < 4; i++)
                addsym(handlers[i], 'T', T + 0x1000 + 0x40 * i);
        addsym("x64_sys_call", 'T', T + 0x1100);
        addsym("do_sys_openat2", 'T', T + 0x1200);
        addsym("vfs_read", 'T', T + 0x1240);
        addsym("filldir64", 'T', T + 0x1280);
        addsym("iterate_dir", 'T', T + 0x12c0);
        addsym("zz_end_of_functions", 't', T + 0x1300);
        addsym("__fentry__", 'T', T + 0x2000);
        addsym("ftrace_caller", 'T', T + 0x2040);
        addsym("_etext", 'T', T + 0x80000);
        addsym("sys_call_table", 'D', T + 0x120000);
        addsym("zz_after_table", 'd', T + 0x120000 + TABLE_LEN);
        addsym("idt_table", 'b', T + 0x130000);
        addsym("zz_after_idt", 'b', T + 0x130000 + IDT_LEN);
        addsym("_sinittext", 'T', T + 0x140000);
        addsym("early_idt_handler_array", 'T', T + 0x140000);
        addsym("_einittext", 'T', T + 0x141000);
}

static void put(uint64_t va, const uint8_t *data, size_t size, size_t *pos, size_t len) {
        uint8_t *b = calloc(1, len);
        if (!b)
                abort();
        size_t n = *pos < size ? size - *pos : 0;
        memcpy(b, data + (*pos < size ? *pos : 0), n < len ? n : len);
        *pos += len;
        fake_linux_write(fl, va, b, len);
        free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!k)
                init();
        /* the pure decoders on the raw bytes */
        uint8_t head[KINT_ENTRY_BYTES] = { 0 };
        memcpy(head, data, size < sizeof head ? size : sizeof head);
        struct kint_gate g;
        kint_gate_decode(head, &g);
        size_t h;
        if (kint_capstone_open(&h) < 0)
                abort();
        const struct kint_entry_env env = { .fentry = T + 0x2000, .ftrace_callers = { T + 0x2040 },
                                            .text_lo = T, .text_hi = T + 0x80000 };
        struct kint_entry e;
        kint_classify_entry(h, head, sizeof head, T + 0x1000, size % 97, &env, &e);
        if (e.kind > KINT_ENTRY_UNDECODABLE || memchr(e.insn, 0, sizeof e.insn) == NULL)
                abort();
        kint_capstone_close(h);

        /* the checks on a kernel made of the input */
        size_t pos = sizeof head;
        put(T + 0x1000, data, size, &pos, CODE_LEN);
        put(T + 0x120000, data, size, &pos, TABLE_LEN);
        put(T + 0x130000, data, size, &pos, IDT_LEN);
        int (*const checks[])(hvs_linux *, const hvs_triage_opts *, hvs_findings *, hvs_diag *) = {
                triage_check_syscalls_k, triage_check_idt_k, triage_check_inline_hooks_k,
        };
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
                hvs_findings *f = NULL;
                hvs_diag d = { 0 };
                if (hvs_findings_new(&f) < 0)
                        abort();
                int r = checks[i](k, NULL, f, &d);
                if (r < 0 && r != -ENOMEM)
                        abort();        /* the checks report what they cannot read; they do not fail */
                hvs_findings_free(f);
        }
        return 0;
}
