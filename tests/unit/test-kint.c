/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-kint.c - the kernel-integrity checks (src/triage/kint.h) on bytes and on a fake kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include <hvscope/triage.h>
#include "triage/kint.h"
#include "fake_linux.h"

#define T FAKE_LINUX_TEXT_VA
#define MOD 0xffffffffc0001000ull       /* "module" code: nothing is loaded there */

/* ---- pure decoders ---- */

static void test_gate_decode(void **state) {
        /* offset 0xffffffff81a01230, selector 0x10, IST 2, interrupt gate (0xe), DPL 3, present */
        const uint8_t raw[16] = { 0x30, 0x12, 0x10, 0x00, 0x02, 0xee, 0xa0, 0x81, 0xff, 0xff, 0xff, 0xff };
        struct kint_gate g;
        kint_gate_decode(raw, &g);
        assert_int_equal(g.offset, 0xffffffff81a01230ull);
        assert_int_equal(g.selector, 0x10);
        assert_int_equal(g.ist, 2);
        assert_int_equal(g.type, 0xe);
        assert_int_equal(g.dpl, 3);
        assert_true(g.present);
        const uint8_t absent[16] = { 0 };
        kint_gate_decode(absent, &g);
        assert_false(g.present);
        assert_int_equal(g.offset, 0);
}

static const struct kint_entry_env ENV = {
        .fentry = T + 0x2000, .ftrace_callers = { T + 0x2040, T + 0x2080 }, .text_lo = T, .text_hi = T + 0x80000,
};

static enum kint_entry_kind classify(const uint8_t *code, size_t len, uint64_t addr, uint64_t fsize,
                                     struct kint_entry *e) {
        size_t h;
        assert_int_equal(kint_capstone_open(&h), 0);
        uint8_t buf[KINT_ENTRY_BYTES] = { 0 };
        memcpy(buf, code, len < sizeof buf ? len : sizeof buf);
        kint_classify_entry(h, buf, sizeof buf, addr, fsize, &ENV, e);
        kint_capstone_close(h);
        return e->kind;
}

static void rel32(uint8_t *p, uint64_t at, uint64_t target) {      /* p[0] is the opcode, at its address */
        int32_t d = (int32_t)(target - (at + 5));
        memcpy(p + 1, &d, 4);
}

static void test_classify(void **state) {
        struct kint_entry e;
        const uint64_t F = T + 0x1000;
        /* 6.1 at run time: the fentry site is a nop5 */
        const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x41, 0x54, 0xc3 };
        assert_int_equal(classify(nop5, sizeof nop5, F, 64, &e), KINT_ENTRY_CLEAN);
        /* 6.12: endbr64 then the nop5 */
        const uint8_t ibt[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };
        assert_int_equal(classify(ibt, sizeof ibt, F, 64, &e), KINT_ENTRY_CLEAN);
        /* the image's call __fentry__, and a tail jmp inside the function */
        uint8_t c[16] = { 0xe8 };
        rel32(c, F, ENV.fentry);
        assert_int_equal(classify(c, 5, F, 64, &e), KINT_ENTRY_CLEAN);
        const uint8_t jshort[] = { 0xeb, 0x02, 0x90, 0x90, 0xc3 };
        assert_int_equal(classify(jshort, sizeof jshort, F, 64, &e), KINT_ENTRY_CLEAN);
        /* traced by ftrace */
        rel32(c, F, ENV.ftrace_callers[1]);
        assert_int_equal(classify(c, 5, F, 64, &e), KINT_ENTRY_FTRACE);
        assert_int_equal(e.target, ENV.ftrace_callers[1]);
        /* a call at the fentry site to code outside kernel text (after endbr64) */
        uint8_t tr[16] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xe8 };
        rel32(tr + 4, F + 4, MOD);
        assert_int_equal(classify(tr, 9, F, 64, &e), KINT_ENTRY_TRAMPOLINE);
        assert_int_equal(e.target, MOD);
        assert_int_equal(e.offset, 4);
        /* kprobe */
        const uint8_t bp[] = { 0xcc, 0x1f, 0x44, 0x00, 0x00 };
        assert_int_equal(classify(bp, sizeof bp, F, 64, &e), KINT_ENTRY_INT3);
        /* detours: jmp rel32, jmp [rip+0] + address, movabs rax; jmp rax, push imm32; ret */
        uint8_t j[16] = { 0xe9 };
        rel32(j, F, MOD);
        assert_int_equal(classify(j, 5, F, 64, &e), KINT_ENTRY_JMP_OUT);
        assert_int_equal(e.target, MOD);
        assert_non_null(strstr(e.insn, "jmp"));
        uint8_t ind[14] = { 0xff, 0x25, 0, 0, 0, 0 };
        uint64_t mod = MOD;
        memcpy(ind + 6, &mod, 8);
        assert_int_equal(classify(ind, sizeof ind, F, 64, &e), KINT_ENTRY_JMP_OUT);
        assert_int_equal(e.target, MOD);
        uint8_t mv[16] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0xb8 };
        memcpy(mv + 6, &mod, 8);
        mv[14] = 0xff, mv[15] = 0xe0;
        assert_int_equal(classify(mv, sizeof mv, F, 64, &e), KINT_ENTRY_JMP_OUT);
        assert_int_equal(e.target, MOD);
        const uint8_t pr[] = { 0x68, 0x00, 0x10, 0x00, 0xc0, 0xc3 };   /* push 0xc0001000 (sign-extended) */
        assert_int_equal(classify(pr, sizeof pr, F, 64, &e), KINT_ENTRY_JMP_OUT);
        assert_int_equal(e.target, MOD);
        /* not x86-64 code at all */
        const uint8_t bad[] = { 0x06 };
        struct kint_entry u;
        size_t h;
        assert_int_equal(kint_capstone_open(&h), 0);
        kint_classify_entry(h, bad, 1, F, 64, &ENV, &u);
        kint_capstone_close(h);
        assert_int_equal(u.kind, KINT_ENTRY_UNDECODABLE);
}

/* ---- the checks on a fake kernel ---- */

struct fx {
        struct fake_linux *fl;
        hvs_linux *k;
};

static void addsym(hvs_linux *k, const char *name, char type, uint64_t addr) {
        hvs_ksyms *s = NULL;
        assert_int_equal(hvs_profile_ksyms(hvs_linux_profile(k), &s), 0);
        assert_int_equal(hvs_ksyms_add(s, name, type, addr, false), 0);
}

static void code(struct fake_linux *fl, uint64_t at, const uint8_t *b, size_t n) {
        fake_linux_write(fl, at, b, n);
}

/* A fake kernel with text [_text, _text + 0x80000), handlers, x64_sys_call, a table and an IDT. */
static int setup(void **state) {
        struct fx *x = calloc(1, sizeof *x);
        assert_non_null(x);
        assert_int_equal(fake_linux_new(HVS_PAGING_4LEVEL, &x->fl), 0);
        assert_int_equal(fake_linux_open(x->fl, NULL, &x->k), 0);
        hvs_linux *k = x->k;
        struct fake_linux *fl = x->fl;
        static const char *const handlers[] = { "__x64_sys_read", "__x64_sys_write", "__x64_sys_open",
                                                "__x64_sys_close" };
        const uint8_t clean[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x31, 0xc0, 0xc3 };
        for (size_t i = 0; i < 4; i++) {
                addsym(k, handlers[i], 'T', T + 0x1000 + 0x40 * i);
                code(fl, T + 0x1000 + 0x40 * i, clean, sizeof clean);
        }
        /* __x64_sys_open is inline-hooked */
        uint8_t j[8] = { 0xe9 };
        rel32(j, T + 0x1080, MOD + 0x100);
        code(fl, T + 0x1080, j, 5);
        /* x64_sys_call: call read; call write; call <module>; ret */
        uint8_t d[16] = { 0 };
        d[0] = 0xe8, rel32(d, T + 0x1100, T + 0x1000);
        d[5] = 0xe8, rel32(d + 5, T + 0x1105, T + 0x1040);
        d[10] = 0xe8, rel32(d + 10, T + 0x110a, MOD + 0x200);
        d[15] = 0xc3;
        addsym(k, "x64_sys_call", 'T', T + 0x1100);
        code(fl, T + 0x1100, d, sizeof d);
        addsym(k, "do_sys_openat2", 'T', T + 0x1200);           /* clean: call __fentry__ */
        uint8_t f[8] = { 0xe8 };
        rel32(f, T + 0x1200, T + 0x2000);
        code(fl, T + 0x1200, f, 5);
        addsym(k, "vfs_read", 'T', T + 0x1240);                 /* traced: call ftrace_caller */
        rel32(f, T + 0x1240, T + 0x2040);
        code(fl, T + 0x1240, f, 5);
        addsym(k, "filldir64", 'T', T + 0x1280);                /* kprobe */
        code(fl, T + 0x1280, (const uint8_t[]){ 0xcc, 0x1f, 0x44, 0x00, 0x00 }, 5);
        addsym(k, "iterate_dir", 'T', T + 0x12c0);              /* endbr64; movabs rax, MOD; jmp rax */
        uint8_t mv[16] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0xb8 };
        uint64_t m = MOD + 0x300;
        memcpy(mv + 6, &m, 8);
        mv[14] = 0xff, mv[15] = 0xe0;
        code(fl, T + 0x12c0, mv, sizeof mv);
        addsym(k, "zz_end_of_functions", 't', T + 0x1300);
        addsym(k, "__fentry__", 'T', T + 0x2000);
        addsym(k, "ftrace_caller", 'T', T + 0x2040);
        addsym(k, "_etext", 'T', T + 0x80000);
        /* sys_call_table: read, write, open, <unknown>, close, then alignment zeros */
        const uint64_t tbl = T + 0x120000;
        const uint64_t ent[] = { T + 0x1000, T + 0x1040, T + 0x1080, MOD, T + 0x10c0 };
        for (size_t i = 0; i < 5; i++)
                fake_linux_write_u64(fl, tbl + 8 * i, ent[i]);
        addsym(k, "sys_call_table", 'D', tbl);
        addsym(k, "zz_after_table", 'd', tbl + 8 * 8);
        /* idt_table: every gate into entry code, vector 0x80 into "module" code, vector 20 at its boot stub */
        const uint64_t idt = T + 0x130000, early = T + 0x140000;
        for (unsigned v = 0; v < 256; v++) {
                uint64_t off = v == 0x80 ? MOD + 0x400 : v == 20 ? early + 20 * 9 : T + 0x3000 + v * 16;
                uint8_t g[16] = { (uint8_t)off, (uint8_t)(off >> 8), 0x10, 0, 0, 0x8e, (uint8_t)(off >> 16),
                                  (uint8_t)(off >> 24) };
                uint32_t hi = (uint32_t)(off >> 32);
                memcpy(g + 8, &hi, 4);
                fake_linux_write(fl, idt + 16 * v, g, 16);
        }
        addsym(k, "idt_table", 'b', idt);
        addsym(k, "zz_after_idt", 'b', idt + 4096);
        addsym(k, "_sinittext", 'T', early);
        addsym(k, "early_idt_handler_array", 'T', early);
        addsym(k, "_einittext", 'T', early + 0x1000);
        *state = x;
        return 0;
}

static int teardown(void **state) {
        struct fx *x = *state;
        hvs_linux_close(x->k);
        fake_linux_free(x->fl);
        free(x);
        return 0;
}

static const hvs_finding *find(const hvs_findings *f, const char *check, enum hvs_severity min, const char *needle) {
        for (size_t i = 0; i < hvs_findings_count(f); i++) {
                const hvs_finding *x = hvs_findings_get(f, i);
                if (!strcmp(x->check_id, check) && x->severity >= min && strstr(x->title, needle))
                        return x;
        }
        return NULL;
}

static size_t count(const hvs_findings *f, const char *check, enum hvs_severity min) {
        size_t n = 0;
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                n += !strcmp(hvs_findings_get(f, i)->check_id, check) && hvs_findings_get(f, i)->severity >= min;
        return n;
}

static void test_syscalls(void **state) {
        struct fx *x = *state;
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_check_syscalls_k(x->k, NULL, f, &d), 0);
        /* the table entry 3 (close) and the third call of x64_sys_call; nothing else */
        assert_int_equal(count(f, "syscall-hook", HVS_SEV_LOW), 2);
        const hvs_finding *a = find(f, "syscall-hook", HVS_SEV_CRITICAL, "sys_call_table[3] (close)");
        assert_non_null(a);
        assert_int_equal(a->addr, T + 0x120000 + 3 * 8);
        assert_string_equal(a->technique, "T1014");
        assert_non_null(strstr(a->evidence_json, "\"index\":3"));
        assert_non_null(strstr(a->evidence_json, "\"syscall\":\"close\""));
        const hvs_finding *b = find(f, "syscall-hook", HVS_SEV_CRITICAL, "x64_sys_call patched");
        assert_non_null(b);
        assert_int_equal(b->addr, T + 0x110a);
        assert_non_null(strstr(b->evidence_json, "0xffffffffc0001200"));
        hvs_findings_free(f);
}

static void test_idt(void **state) {
        struct fx *x = *state;
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_check_idt_k(x->k, NULL, f, &d), 0);
        assert_int_equal(count(f, "idt-hook", HVS_SEV_LOW), 1);
        const hvs_finding *a = find(f, "idt-hook", HVS_SEV_CRITICAL, "vector 128 (0x80)");
        assert_non_null(a);
        assert_int_equal(a->addr, T + 0x130000 + 0x80 * 16);
        assert_non_null(strstr(a->evidence_json, "\"source\":\"idt_table\""));
        assert_non_null(find(f, "idt-hook", HVS_SEV_INFO, "1 reserved exception vectors keep their boot stub"));
        hvs_findings_free(f);
}

static void test_inline_hooks(void **state) {
        struct fx *x = *state;
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_check_inline_hooks_k(x->k, NULL, f, &d), 0);
        /* __x64_sys_open (a table target) and iterate_dir detoured; filldir64 probed; nothing else above info */
        assert_int_equal(count(f, "inline-hook", HVS_SEV_LOW), 3);
        const hvs_finding *a = find(f, "inline-hook", HVS_SEV_CRITICAL, "__x64_sys_open inline-hooked");
        assert_non_null(a);
        assert_non_null(strstr(a->evidence_json, "\"target\":{\"addr\":\"0xffffffffc0001100\""));
        assert_non_null(find(f, "inline-hook", HVS_SEV_CRITICAL, "iterate_dir inline-hooked"));
        const hvs_finding *b = find(f, "inline-hook", HVS_SEV_MEDIUM, "filldir64 starts with int3");
        assert_non_null(b);
        assert_int_equal(b->severity, HVS_SEV_MEDIUM);
        assert_non_null(find(f, "inline-hook", HVS_SEV_INFO, "1 sensitive functions are traced by ftrace"));
        hvs_findings_free(f);
}

/* Without ftrace, kprobe or BPF types in the kernel's BTF, the checks say so and do not fail. */
static void test_absent(void **state) {
        struct fx *x = *state;
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_check_ftrace_k(x->k, NULL, f, &d), 0);
        assert_int_equal(triage_check_kprobes_k(x->k, NULL, f, &d), 0);
        assert_int_equal(triage_check_bpf_k(x->k, NULL, f, &d), 0);
        assert_int_equal(hvs_findings_count(f), 3);
        assert_int_equal(hvs_findings_max_severity(f), HVS_SEV_INFO);
        hvs_findings_free(f);
}

/* A table whose every entry is garbage: bounded by its symbol, one finding per entry, no failure. */
static void test_garbage_table(void **state) {
        struct fx *x = *state;
        for (unsigned i = 0; i < 8; i++)
                fake_linux_write_u64(x->fl, T + 0x120000 + 8 * i, 0x4141414141414141ull + i);
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_check_syscalls_k(x->k, NULL, f, &d), 0);
        assert_int_equal(count(f, "syscall-hook", HVS_SEV_CRITICAL), 8 + 1);
        hvs_findings_free(f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gate_decode),
                cmocka_unit_test(test_classify),
                cmocka_unit_test_setup_teardown(test_syscalls, setup, teardown),
                cmocka_unit_test_setup_teardown(test_idt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inline_hooks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage_table, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
