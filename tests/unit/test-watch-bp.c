/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-watch-bp.c - the breakpoint source's argument decoders (bp.c:
 * bp_current(), bp_decode()) on a fake kernel: the current task from the
 * per-CPU area at GS base (or KERNEL_GS_BASE in user mode), execve's file
 * name and argv read through the caller's own page tables, commit_creds
 * against the task's creds, a module's name, a TCP connect's addresses
 * (IPv4 and IPv6); and hostile input: unmapped pointers (the event is still
 * made, marked partial), argv without end and strings without NUL (bounded
 * by the limits), a module name filling its array.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/limits.h>
#include "fake_linux.h"
#include "watch/bp-internal.h"

#define PCPU_CURRENT 0x40u
#define UNMAPPED_KVA 0xffffc90000000000ull

struct fx {
        struct fake_linux *fl;
        hvs_linux *k;
        uint64_t task;
        uint64_t pcpu;
        struct bp_offsets o;
        struct bp_event ev;
};

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        if (!f || fake_linux_new(HVS_PAGING_4LEVEL, &f->fl) < 0)
                return -1;
        static const char argv[] = "bash\0-i";
        f->task = fake_linux_add_task(f->fl, &(struct fake_task_spec){ .pid = 77, .comm = "bash", .uid = 1000,
                                                                        .gid = 1001, .euid = 1000, .egid = 1001,
                                                                        .argv = argv, .argv_len = sizeof argv });
        f->pcpu = fake_linux_kalloc(f->fl, 0x100);
        fake_linux_write_u64(f->fl, f->pcpu + PCPU_CURRENT, f->task);
        f->o = (struct bp_offsets){
                .regs_di = 0x70, .regs_si = 0x68, .module_name = 0x18, .module_name_size = 56,
                .skc_daddr = 0, .skc_rcv_saddr = 4, .skc_dport = 0xc, .skc_num = 0xe, .skc_family = 0x10,
                .skc_v6_daddr = 0x38, .skc_v6_rcv_saddr = 0x48, .current_task = PCPU_CURRENT,
        };
        if (fake_linux_open(f->fl, NULL, &f->k) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fx *f = *state;
        hvs_linux_close(f->k);
        fake_linux_free(f->fl);
        free(f);
        return 0;
}

static void has(const char *json, const char *frag) {
        if (!strstr(json, frag))
                fail_msg("'%s' not in %s", frag, json);
}

static void test_current(void **state) {
        struct fx *f = *state;
        struct rsp_x86_regs r = { .gs_base = f->pcpu };
        uint64_t t = 0;
        assert_int_equal(bp_current(f->k, &f->o, &r, &t), 0);
        assert_int_equal(t, f->task);
        /* In user mode GS base is the user's; the kernel's is in KERNEL_GS_BASE. */
        r = (struct rsp_x86_regs){ .gs_base = 0x7f0000000000ull, .k_gs_base = f->pcpu };
        t = 0;
        assert_int_equal(bp_current(f->k, &f->o, &r, &t), 0);
        assert_int_equal(t, f->task);
        r = (struct rsp_x86_regs){ 0 };
        assert_int_equal(bp_current(f->k, &f->o, &r, &t), -ENOENT);
        r.gs_base = UNMAPPED_KVA;
        assert_int_equal(bp_current(f->k, &f->o, &r, &t), -EFAULT);
        r.gs_base = 0xffffffffffffffffull;      /* + offset overflows */
        assert_int_equal(bp_current(f->k, &f->o, &r, &t), -EFAULT);
}

/* execve's user memory: file name and argv on the task's argument page. */
static uint64_t user_exec(struct fx *f, const char *file, const char *const *argv, size_t argc) {
        const struct fake_task *ft = fake_linux_task(f->fl, f->task);
        uint64_t base = FAKE_LINUX_ARGS_VA, fn = base + 0x400, vec = base + 0x500, str = base + 0x700;
        fake_write_virt(f->fl->g, ft->pgd, HVS_GVA(fn), file, strlen(file) + 1);
        for (size_t i = 0; i < argc; i++) {
                fake_write_virt_u64(f->fl->g, ft->pgd, HVS_GVA(vec + 8 * i), str);
                fake_write_virt(f->fl->g, ft->pgd, HVS_GVA(str), argv[i], strlen(argv[i]) + 1);
                str += strlen(argv[i]) + 1;
        }
        fake_write_virt_u64(f->fl->g, ft->pgd, HVS_GVA(vec + 8 * argc), 0);
        uint64_t regs = fake_linux_kalloc(f->fl, 0x100);
        fake_linux_write_u64(f->fl, regs + f->o.regs_di, fn);
        fake_linux_write_u64(f->fl, regs + f->o.regs_si, vec);
        return regs;
}

static void test_exec(void **state) {
        struct fx *f = *state;
        static const char *const argv[] = { "ls", "-l", "two words", "\"q\"" };
        struct rsp_x86_regs r = { .rdi = user_exec(f, "/bin/ls", argv, 4), .rip = 0xffffffff81372700ull };
        assert_int_equal(bp_decode(f->k, &f->o, BP_EXEC, "__x64_sys_execve", &r, f->task, 42, &f->ev), 0);
        const hvs_watch_event *e = &f->ev.ev;
        assert_int_equal(e->pid, 77);
        assert_string_equal(e->comm, "bash");
        assert_string_equal(e->action, "exec");
        assert_string_equal(e->category, "process");
        assert_string_equal(e->source, "breakpoint");
        assert_int_equal(e->ts_ns, 42);
        assert_string_equal(e->summary, "exec /bin/ls -l two words \"q\"");
        has(e->data_json, "\"process.executable\":\"/bin/ls\"");
        has(e->data_json, "\"process.args\":[\"ls\",\"-l\",\"two words\",\"\\\"q\\\"\"]");
        has(e->data_json, "\"process.args_count\":4");
        has(e->data_json, "\"process.pid\":77");
        assert_null(strstr(e->data_json, "partial"));
        assert_null(strstr(e->data_json, "truncated"));
}

static void test_exec_hostile(void **state) {
        struct fx *f = *state;
        const struct fake_task *ft = fake_linux_task(f->fl, f->task);
        /* argv of 200 pointers to one string of 600 bytes with no NUL, and a file name without one either. */
        uint64_t base = FAKE_LINUX_ARGS_VA, vec = base + 0x800, str = base + 0x100;
        char big[600];
        memset(big, 'A', sizeof big);
        fake_write_virt(f->fl->g, ft->pgd, HVS_GVA(str), big, sizeof big);
        for (size_t i = 0; i < 200; i++)
                fake_write_virt_u64(f->fl->g, ft->pgd, HVS_GVA(vec + 8 * i), str);
        uint64_t regs = fake_linux_kalloc(f->fl, 0x100);
        fake_linux_write_u64(f->fl, regs + f->o.regs_di, str);
        fake_linux_write_u64(f->fl, regs + f->o.regs_si, vec);
        struct rsp_x86_regs r = { .rdi = regs };
        assert_int_equal(bp_decode(f->k, &f->o, BP_EXEC, "__x64_sys_execve", &r, f->task, 1, &f->ev), 0);
        const char *d = f->ev.ev.data_json;
        has(d, "\"hvscope.truncated\":true");
        assert_true(strlen(d) < HVS_WATCH_MAX_ARGS + 2048);
        assert_true(strlen(f->ev.ev.summary) < sizeof f->ev.summary);
        /* Unmapped argv and file name: still an event, marked partial. */
        fake_linux_write_u64(f->fl, regs + f->o.regs_di, 0x7ffd00000000ull);
        fake_linux_write_u64(f->fl, regs + f->o.regs_si, 0x7ffd00000000ull);
        assert_int_equal(bp_decode(f->k, &f->o, BP_EXEC, "__x64_sys_execve", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
        assert_int_equal(f->ev.ev.pid, 77);
        /* pt_regs pointer itself bad. */
        r.rdi = UNMAPPED_KVA;
        assert_int_equal(bp_decode(f->k, &f->o, BP_EXEC, "__x64_sys_execve", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
        r.rdi = 0x1000;         /* a user address where a kernel one belongs */
        assert_int_equal(bp_decode(f->k, &f->o, BP_EXEC, "__x64_sys_execve", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
}

static uint64_t new_cred(struct fx *f, uint32_t uid, uint32_t gid) {
        uint64_t c = fake_linux_kalloc(f->fl, FAKE_CRED_SIZE);
        fake_linux_write_u32(f->fl, c + FAKE_CRED_UID, uid);
        fake_linux_write_u32(f->fl, c + FAKE_CRED_EUID, uid);
        fake_linux_write_u32(f->fl, c + FAKE_CRED_GID, gid);
        fake_linux_write_u32(f->fl, c + FAKE_CRED_EGID, gid);
        return c;
}

static void test_creds(void **state) {
        struct fx *f = *state;
        struct rsp_x86_regs r = { .rdi = new_cred(f, 0, 0) };
        assert_int_equal(bp_decode(f->k, &f->o, BP_CREDS, "commit_creds", &r, f->task, 1, &f->ev), 0);
        const hvs_watch_event *e = &f->ev.ev;
        assert_string_equal(e->action, "commit-creds");
        assert_string_equal(e->category, "iam");
        assert_int_equal(e->severity, 3);       /* to root from a user */
        has(e->data_json, "\"user.id\":1000");
        has(e->data_json, "\"user.changes.id\":0");
        has(e->data_json, "\"user.group.id\":1001");
        has(e->data_json, "\"hvscope.changed\":true");
        assert_string_equal(e->summary, "commit_creds uid 1000->0 euid 1000->0 gid 1001->0 egid 1001->0");
        r.rdi = new_cred(f, 1000, 1001);
        assert_int_equal(bp_decode(f->k, &f->o, BP_CREDS, "commit_creds", &r, f->task, 1, &f->ev), 0);
        assert_int_equal(f->ev.ev.severity, 0);
        has(f->ev.ev.data_json, "\"hvscope.changed\":false");
        r.rdi = new_cred(f, 2000, 1001);
        assert_int_equal(bp_decode(f->k, &f->o, BP_CREDS, "commit_creds", &r, f->task, 1, &f->ev), 0);
        assert_int_equal(f->ev.ev.severity, 2);
        r.rdi = UNMAPPED_KVA;
        assert_int_equal(bp_decode(f->k, &f->o, BP_CREDS, "commit_creds", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
        /* The task's own cred unreadable: the new one is still reported. */
        fake_linux_set_cred(f->fl, f->task, UNMAPPED_KVA);
        r.rdi = new_cred(f, 0, 0);
        assert_int_equal(bp_decode(f->k, &f->o, BP_CREDS, "commit_creds", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"user.changes.id\":0");
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
}

static void test_module(void **state) {
        struct fx *f = *state;
        uint64_t mod = fake_linux_kalloc(f->fl, 0x200);
        fake_linux_write(f->fl, mod + 0x18, "evil_mod", 9);
        struct rsp_x86_regs r = { .rdi = mod };
        assert_int_equal(bp_decode(f->k, &f->o, BP_MODULE, "do_init_module", &r, f->task, 1, &f->ev), 0);
        assert_string_equal(f->ev.ev.action, "module-loaded");
        assert_string_equal(f->ev.ev.summary, "module load evil_mod");
        has(f->ev.ev.data_json, "\"hvscope.module.name\":\"evil_mod\"");
        /* A name filling all 56 bytes (no NUL) and with bytes that are not UTF-8. */
        char name[56];
        memset(name, 'x', sizeof name);
        name[3] = '\xff';
        fake_linux_write(f->fl, mod + 0x18, name, sizeof name);
        assert_int_equal(bp_decode(f->k, &f->o, BP_MODULE, "do_init_module", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.module.name\":\"xxx\\u00ffxxxx");
        r.rdi = 0;
        assert_int_equal(bp_decode(f->k, &f->o, BP_MODULE, "do_init_module", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
}

static void test_connect(void **state) {
        struct fx *f = *state;
        uint64_t sk = fake_linux_kalloc(f->fl, 0x100);
        uint8_t d4[4] = { 10, 0, 2, 2 }, s4[4] = { 10, 0, 2, 15 };
        fake_linux_write(f->fl, sk + f->o.skc_daddr, d4, 4);
        fake_linux_write(f->fl, sk + f->o.skc_rcv_saddr, s4, 4);
        uint16_t dport = htons(5999), sport = 43158, fam = AF_INET;
        fake_linux_write(f->fl, sk + f->o.skc_dport, &dport, 2);
        fake_linux_write(f->fl, sk + f->o.skc_num, &sport, 2);
        fake_linux_write(f->fl, sk + f->o.skc_family, &fam, 2);
        struct rsp_x86_regs r = { .rdi = sk };
        assert_int_equal(bp_decode(f->k, &f->o, BP_CONNECT, "tcp_connect", &r, f->task, 1, &f->ev), 0);
        const hvs_watch_event *e = &f->ev.ev;
        assert_string_equal(e->action, "tcp-connect");
        assert_string_equal(e->category, "network");
        assert_string_equal(e->summary, "tcp connect 10.0.2.15:43158 -> 10.0.2.2:5999");
        has(e->data_json, "\"destination.ip\":\"10.0.2.2\",\"destination.port\":5999");
        has(e->data_json, "\"network.type\":\"ipv4\"");
        assert_null(strstr(e->data_json, "partial"));
        /* IPv6. */
        uint8_t d6[16] = { 0xfe, 0x80, [15] = 1 }, s6[16] = { 0xfe, 0x80, [15] = 2 };
        fam = AF_INET6;
        fake_linux_write(f->fl, sk + f->o.skc_v6_daddr, d6, 16);
        fake_linux_write(f->fl, sk + f->o.skc_v6_rcv_saddr, s6, 16);
        fake_linux_write(f->fl, sk + f->o.skc_family, &fam, 2);
        assert_int_equal(bp_decode(f->k, &f->o, BP_CONNECT, "tcp_connect", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"destination.ip\":\"fe80::1\"");
        has(f->ev.ev.data_json, "\"network.type\":\"ipv6\"");
        /* A family that is neither: reported, partial. */
        fam = 0xbeef;
        fake_linux_write(f->fl, sk + f->o.skc_family, &fam, 2);
        assert_int_equal(bp_decode(f->k, &f->o, BP_CONNECT, "tcp_connect", &r, f->task, 1, &f->ev), 0);
        has(f->ev.ev.data_json, "\"hvscope.partial\":true");
}

static void test_func_and_unknown_task(void **state) {
        struct fx *f = *state;
        struct rsp_x86_regs r = { .rdi = 1, .rsi = 2, .rdx = 3, .rcx = 4, .r8 = 5, .r9 = 6 };
        assert_int_equal(bp_decode(f->k, &f->o, BP_FUNC, "vfs_read", &r, 0, 1, &f->ev), 0);
        const hvs_watch_event *e = &f->ev.ev;
        assert_string_equal(e->action, "kernel-call");
        assert_int_equal(e->pid, -1);
        assert_null(e->comm);
        has(e->data_json, "\"hvscope.function\":\"vfs_read\"");
        has(e->data_json, "\"hvscope.arg5\":6");
        has(e->data_json, "\"hvscope.partial\":true");
        assert_int_equal(bp_decode(f->k, &f->o, (enum bp_kind)99, "x", &r, 0, 1, &f->ev), -EINVAL);
        /* A task pointer into nothing: no pid, no name. */
        assert_int_equal(bp_decode(f->k, &f->o, BP_FUNC, "vfs_read", &r, UNMAPPED_KVA, 1, &f->ev), 0);
        assert_int_equal(f->ev.ev.pid, -1);
        assert_string_equal(f->ev.ev.comm, "");
}

/* The hit-rate guard: trips above the limit within a second, backs off while
 * it keeps tripping, calms down after HVS_WATCH_BP_CALM_MS. */
static void test_governor(void **state) {
        (void)state;
        const int64_t S = 1000000000ll, MS = 1000000ll;
        struct bp_governor g;
        bp_governor_init(&g, 3);
        int64_t t = 5 * S;
        for (int i = 0; i < 3; i++)
                assert_false(bp_governor_hit(&g, t + i * MS));
        assert_true(bp_governor_hit(&g, t + 3 * MS));           /* the 4th within a second */
        assert_true(g.suspended);
        assert_int_equal(g.suspensions, 1);
        assert_int_equal(g.until, t + 3 * MS + (int64_t)HVS_WATCH_BP_SUSPEND_MS * MS);
        assert_false(bp_governor_hit(&g, t + 4 * MS));          /* out: hits are not counted */
        /* Three hits a second for ever: never trips (the window restarts each second). */
        struct bp_governor calm;
        bp_governor_init(&calm, 3);
        for (int sec = 0; sec < 10; sec++)
                for (int i = 0; i < 3; i++)
                        assert_false(bp_governor_hit(&calm, t + sec * S + i * 300 * MS));
        /* Put back, trips again at once: twice as long, up to the cap. */
        int64_t now = g.until;
        uint32_t want = HVS_WATCH_BP_SUSPEND_MS;
        for (int round = 0; round < 8; round++) {
                bp_governor_rearm(&g, now);
                assert_false(g.suspended);
                for (int i = 0; i < 3; i++)
                        assert_false(bp_governor_hit(&g, now + i * MS));
                assert_true(bp_governor_hit(&g, now + 3 * MS));
                want = want * 2 > HVS_WATCH_BP_SUSPEND_MAX_MS ? HVS_WATCH_BP_SUSPEND_MAX_MS : want * 2;
                assert_int_equal(g.backoff_ms, want);
                now = g.until;
        }
        assert_int_equal(g.backoff_ms, HVS_WATCH_BP_SUSPEND_MAX_MS);
        /* Calm for longer than HVS_WATCH_BP_CALM_MS after being put back: back to the first length. */
        bp_governor_rearm(&g, now);
        now += (int64_t)HVS_WATCH_BP_CALM_MS * MS + S;
        for (int i = 0; i < 3; i++)
                assert_false(bp_governor_hit(&g, now + i * MS));
        assert_true(bp_governor_hit(&g, now + 3 * MS));
        assert_int_equal(g.backoff_ms, HVS_WATCH_BP_SUSPEND_MS);
        /* No guard. */
        struct bp_governor off;
        bp_governor_init(&off, 0);
        for (int i = 0; i < 100000; i++)
                assert_false(bp_governor_hit(&off, t + i));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_governor),
                cmocka_unit_test_setup_teardown(test_current, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec_hostile, setup, teardown),
                cmocka_unit_test_setup_teardown(test_creds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_module, setup, teardown),
                cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
                cmocka_unit_test_setup_teardown(test_func_and_unknown_task, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
