/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-tasks.c - the task walker (hvs_linux_tasks) on a fake kernel whose
 * kernel objects are hostile: the input overwrites the kernel object region
 * (task_structs with their list links, creds, signal_structs, mm_structs;
 * see tests/fixtures/fake_linux.h) from its start, then the task list is
 * walked. Any result is fine; a crash, a hang or a leak is not.
 *
 * The fake kernel is built once; each input starts from a pristine copy of
 * the object region, and gets a fresh kernel view (so no translation cache
 * carries over from the previous input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/linux.h>
#include "fake_linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake_linux *fl;
static uint8_t *pristine;
static size_t pristine_len;

static void build(void) {
        if (fake_linux_new(HVS_PAGING_4LEVEL, &fl) < 0)
                abort();
        uint64_t init = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 1, .comm = "init", .argv = "/sbin/init\0", .argv_len = 11, .state = 1 });
        uint64_t kthreadd = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 2, .comm = "kthreadd", .flags = FAKE_PF_KTHREAD, .state = 1 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 3, .parent = kthreadd, .comm = "rcu_gp", .flags = FAKE_PF_KTHREAD, .state = 0x402 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 100, .parent = init, .comm = "sh", .argv = "sh\0-c\0sleep 1000\0", .argv_len = 17,
                .uid = 1000, .gid = 1000, .euid = 1000, .egid = 1000, .nr_threads = 2 });
        pristine_len = fl->obj_next - FAKE_LINUX_OBJ_PA;
        pristine = malloc(pristine_len);
        if (!pristine)
                abort();
        fake_read(fl->g, HVS_GPA(FAKE_LINUX_OBJ_PA), pristine, pristine_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!fl)
                build();
        fake_write(fl->g, HVS_GPA(FAKE_LINUX_OBJ_PA), pristine, pristine_len);
        fake_write(fl->g, HVS_GPA(FAKE_LINUX_OBJ_PA), data, size < pristine_len ? size : pristine_len);

        /* Small caps keep each input fast; the walk must stop within them. */
        const hvs_linux_limits limits = { .max_tasks = 512, .max_cmdline = 8192 };
        hvs_linux *k = NULL;
        if (fake_linux_open(fl, &limits, &k) < 0)
                abort();        /* the profile does not depend on the input */
        hvs_task_list *l = NULL;
        if (hvs_linux_tasks(k, &l) == 0) {
                for (size_t i = 0; i < l->n; i++)       /* touch every result for ASan */
                        if (l->tasks[i].argv && strlen(l->tasks[i].argv) > l->tasks[i].argv_len)
                                abort();
                hvs_task_list_free(l);
        }
        hvs_linux_close(k);
        return 0;
}
