/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-task-scan.c - the hidden-process check's views and structure
 * validator (src/triage/hidden-procs.c) on hostile kernel memory: the input
 * is the whole object region of a small fake guest (direct-mapped), where
 * init_task, the PID namespace (its xarray), the run queue and every
 * task_struct the views follow live. The task list, PID table and run-queue
 * walks, the memory scan and the comparison then run over it. Any result is
 * fine; a crash, a hang, unbounded memory or a leak is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "triage/hidden.h"
#include "fake_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (4u << 20)
#define POB 0xffff888000000000ull
#define OBJ_PA 0x100000ull
#define OBJ_LEN (1u << 20)

static const struct hp_offsets HO = {
        .task_size = 0x400, .tasks = 0x100, .pid = 0x128, .tgid = 0x12c, .comm = 0x2f0, .comm_size = 16,
        .flags = 0x2c, .exit_state = 0x120, .state = 0x18, .mm = 0x110, .active_mm = 0x118, .cred = 0x2e0,
        .real_cred = 0x2d8, .group_leader = 0x140, .pid_links = 0x150,
        .pid_tasks = 0x8, .idr_xa_head = 0x10, .xn_shift = 0, .xn_slots = 0x28,
        .task_se = 0x200, .se_run_node = 0x0, .se_my_q = 0x40,
        .rq_curr = 0x10, .rq_cfs = 0x40, .cfs_timeline = 0x8, .cfs_curr = 0x20, .rb_left = 0x10, .rb_right = 0x8,
};

static struct fake_guest *g;
static hvs_vas *kv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!g) {
                if (fake_guest_new(RAM, HVS_PAGING_4LEVEL, &g) < 0)
                        abort();
                fake_map_direct(g, HVS_GVA(POB));
                if (hvs_vas_new(g->mem, g->root, HVS_PAGING_4LEVEL, &kv) < 0)
                        abort();
        }
        static uint8_t zero[OBJ_LEN];
        fake_write(g, HVS_GPA(OBJ_PA), zero, sizeof zero);
        fake_write(g, HVS_GPA(OBJ_PA), data, size < OBJ_LEN ? size : OBJ_LEN);
        hvs_vas_flush(kv);

        /* The validator alone, on the input as one candidate. */
        struct kbounds kb = { .pob = POB, .pob_end = POB + RAM, .img = 0xffffffff81000000ull,
                              .img_end = 0xffffffff82000000ull, .mod = 0xffffffffc0000000ull,
                              .mod_end = 0xffffffffff000000ull };
        (void)hp_task_plausible(&HO, &kb, data, size);

        uint64_t cpu_off[2] = { 0, 0x1000 };
        struct hp_ctx c = { .kv = kv, .mem = g->mem, .o = &HO, .kb = kb, .init_task = POB + OBJ_PA,
                            .idr = POB + OBJ_PA + 0x800, .runqueues = POB + OBJ_PA + 0xc00, .cpu_off = cpu_off,
                            .ncpus = 2, .max_tasks = 512 };
        hvs_findings *f = NULL;
        if (hvs_findings_new(&f) < 0)
                abort();
        hvs_triage_opts o = { .sz = sizeof o, .time_budget_ms = 2000 };
        (void)hp_compare(&c, &o, f);
        hvs_findings_free(f);
        return 0;
}
