/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-triage-procs.c - the process checks of src/triage/proc-anomalies.c
 * (fileless-exe, wx-memory, reverse-shell, root-from-user,
 * kthread-masquerade) on a fake kernel whose objects are hostile: the input
 * overwrites the kernel object region (task_structs, creds, mm_structs; see
 * tests/fixtures/fake_linux.h) from its start, then every check runs and
 * every finding is read back. Any result is fine (a check may fail with
 * -errno); a crash, a hang, a leak or a finding with bad evidence is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <hvscope/linux.h>
#include <hvscope/triage.h>
#include "triage/proc-anomalies.h"
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
                .pid = 3, .parent = kthreadd, .comm = "kworker/0:1", .flags = FAKE_PF_KTHREAD, .state = 0x402 });
        uint64_t sh = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 100, .parent = init, .comm = "sh", .argv = "sh\0-c\0sleep 1000\0", .argv_len = 17,
                .uid = 1000, .gid = 1000, .euid = 1000, .egid = 1000, .nr_threads = 2 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 101, .parent = sh, .comm = "kworker/9:9", .argv = "[kworker/9:9]\0", .argv_len = 14 });
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

        const hvs_linux_limits limits = { .max_tasks = 512, .max_cmdline = 8192, .max_vmas = 256, .max_fds = 256,
                                          .max_sockets = 256 };
        hvs_linux *k = NULL;
        if (fake_linux_open(fl, &limits, &k) < 0)
                abort();
        hvs_findings *f = NULL;
        if (hvs_findings_new(&f) < 0)
                abort();
        const hvs_triage_opts o = { .sz = sizeof o, .time_budget_ms = 2000, .scan_max_bytes = 1 << 20 };
        int (*const checks[])(hvs_linux *, const hvs_triage_opts *, hvs_findings *, hvs_diag *) = {
                triage_fileless_exe_k, triage_wx_memory_k, triage_reverse_shell_k, triage_root_from_user_k,
                triage_kthread_masquerade_k,
        };
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
                hvs_diag d = { 0 };
                (void)checks[i](k, &o, f, &d);
        }
        for (size_t i = 0; i < hvs_findings_count(f); i++) {
                const hvs_finding *g = hvs_findings_get(f, i);
                if (!g->check_id || !g->title || !hvs_severity_name(g->severity))
                        abort();
                if (g->evidence_json) {
                        json_object *o2 = json_tokener_parse(g->evidence_json);
                        if (!o2 || !json_object_is_type(o2, json_type_object))
                                abort();
                        json_object_put(o2);
                }
        }
        hvs_findings_free(f);
        hvs_linux_close(k);
        return 0;
}
