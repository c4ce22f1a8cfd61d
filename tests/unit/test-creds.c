/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-creds.c - credentials, capabilities, namespaces and cgroup path
 * (creds.c) on a fake kernel with explicit offsets: every field, a pid
 * namespace below the initial one, an overridden subjective cred, unreadable
 * parts (partial, never dropped), a kernfs parent cycle, bad offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include "fake_linux.h"
#include "os/linux/creds.h"

#define UNMAPPED_KVA 0xffffc90000000000ull

/* This test's layout: task fields in the fake task_struct's free space, cred as Linux 6.1. */
enum {
        TASK_NSPROXY = 0x380, TASK_THREAD_PID = 0x388, TASK_CGROUPS = 0x390,
        CRED_SECUREBITS = 0x24, CRED_CAP_INH = 0x28, CRED_CAP_PRM = 0x30, CRED_CAP_EFF = 0x38, CRED_CAP_BND = 0x40,
        CRED_CAP_AMB = 0x48, CRED_USER_NS = 0x88, CRED_GROUP_INFO = 0x98,
        GI_NGROUPS = 4, GI_GID = 8,
        NS_INUM = 0x10, PID_LEVEL = 4, PID_NUMBERS = 0x60, UPID_NS = 8, UPID_SIZE = 16,
        CSS_DFL_CGRP = 0x20, CGROUP_KN = 0x10, KN_PARENT = 8, KN_NAME = 0x10,
};
static const uint32_t nsproxy_off[HVS_NS_COUNT] = {
        [HVS_NS_UTS] = 8, [HVS_NS_IPC] = 0x10, [HVS_NS_MNT] = 0x18, [HVS_NS_PID_FOR_CHILDREN] = 0x20,
        [HVS_NS_NET] = 0x28, [HVS_NS_TIME] = 0x30, [HVS_NS_TIME_FOR_CHILDREN] = 0x38, [HVS_NS_CGROUP] = 0x40,
        [HVS_NS_PID] = LX_ABSENT, [HVS_NS_USER] = LX_ABSENT,
};

static struct lx_creds_offsets test_offsets(void) {
        struct lx_creds_offsets o = {
                .task_real_cred = FAKE_TASK_REAL_CRED, .task_cred = FAKE_TASK_CRED, .task_nsproxy = TASK_NSPROXY,
                .task_thread_pid = TASK_THREAD_PID, .task_cgroups = TASK_CGROUPS,
                .cred_uid = FAKE_CRED_UID, .cred_gid = FAKE_CRED_GID, .cred_suid = FAKE_CRED_SUID,
                .cred_sgid = FAKE_CRED_SGID, .cred_euid = FAKE_CRED_EUID, .cred_egid = FAKE_CRED_EGID,
                .cred_fsuid = FAKE_CRED_FSUID, .cred_fsgid = FAKE_CRED_FSGID, .cred_securebits = CRED_SECUREBITS,
                .cred_user_ns = CRED_USER_NS, .cred_group_info = CRED_GROUP_INFO,
                .cred_cap_inheritable = CRED_CAP_INH, .cred_cap_permitted = CRED_CAP_PRM,
                .cred_cap_effective = CRED_CAP_EFF, .cred_cap_bset = CRED_CAP_BND, .cred_cap_ambient = CRED_CAP_AMB,
                .cap_size = 8, .group_info_ngroups = GI_NGROUPS, .group_info_gid = GI_GID,
                .pid_level = PID_LEVEL, .pid_numbers = PID_NUMBERS, .upid_ns = UPID_NS, .upid_size = UPID_SIZE,
                .css_set_dfl_cgrp = CSS_DFL_CGRP, .cgroup_kn = CGROUP_KN, .kn_parent = KN_PARENT, .kn_name = KN_NAME,
        };
        for (unsigned k = 0; k < HVS_NS_COUNT; k++) {
                o.nsproxy_ns[k] = nsproxy_off[k];
                o.ns_inum[k] = NS_INUM;
        }
        return o;
}

static int setup(void **state) {
        struct fake_linux *fl;
        int r = fake_linux_new(HVS_PAGING_4LEVEL, &fl);
        if (r < 0)
                return r;
        *state = fl;
        return 0;
}
static int teardown(void **state) {
        fake_linux_free(*state);
        return 0;
}

static uint64_t new_ns(struct fake_linux *fl, uint32_t inum) {
        uint64_t ns = fake_linux_kalloc(fl, 64);
        fake_linux_write_u32(fl, ns + NS_INUM, inum);
        return ns;
}

static uint64_t kstr(struct fake_linux *fl, const char *s) {
        uint64_t va = fake_linux_kalloc(fl, strlen(s) + 1);
        fake_linux_write(fl, va, s, strlen(s) + 1);
        return va;
}

static uint64_t new_kn(struct fake_linux *fl, uint64_t parent, const char *name) {
        uint64_t kn = fake_linux_kalloc(fl, 64);
        fake_linux_write_u64(fl, kn + KN_PARENT, parent);
        fake_linux_write_u64(fl, kn + KN_NAME, kstr(fl, name));
        return kn;
}

struct proc {
        uint64_t task, cred, nsproxy, ns[HVS_NS_COUNT], kn_leaf, kn_root;
};

/* A process with uid 1000 (euid 0: setuid), three groups, caps, a child pid namespace and a cgroup. */
static struct proc build(struct fake_linux *fl) {
        struct proc p = { 0 };
        p.task = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 700, .comm = "passwd", .argv = "passwd\0", .argv_len = 7, .uid = 1000, .gid = 1001,
                .euid = 0, .egid = 42, .state = 1 });
        p.cred = fake_linux_task(fl, p.task)->cred;
        fake_linux_write_u32(fl, p.cred + CRED_SECUREBITS, 0x2f);
        /* kernel_cap_t as 6.1 has it, u32 cap[2] low word first: the same bytes as 6.3+'s u64. */
        fake_linux_write_u32(fl, p.cred + CRED_CAP_PRM, 0xffffffff);
        fake_linux_write_u32(fl, p.cred + CRED_CAP_PRM + 4, 0x1ff);
        fake_linux_write_u64(fl, p.cred + CRED_CAP_INH, 0x0);
        fake_linux_write_u64(fl, p.cred + CRED_CAP_EFF, 0x3000);
        fake_linux_write_u64(fl, p.cred + CRED_CAP_BND, 0x000001ffffffffffull);
        fake_linux_write_u64(fl, p.cred + CRED_CAP_AMB, 0x400);
        uint64_t gi = fake_linux_kalloc(fl, 64);
        fake_linux_write_u32(fl, gi + GI_NGROUPS, 3);
        fake_linux_write_u32(fl, gi + GI_GID, 4);
        fake_linux_write_u32(fl, gi + GI_GID + 4, 27);
        fake_linux_write_u32(fl, gi + GI_GID + 8, 100);
        fake_linux_write_u64(fl, p.cred + CRED_GROUP_INFO, gi);
        p.ns[HVS_NS_USER] = new_ns(fl, 4026531837u);
        fake_linux_write_u64(fl, p.cred + CRED_USER_NS, p.ns[HVS_NS_USER]);

        p.nsproxy = fake_linux_kalloc(fl, 128);
        for (unsigned k = 0; k < HVS_NS_COUNT; k++) {
                if (nsproxy_off[k] == LX_ABSENT)
                        continue;
                p.ns[k] = new_ns(fl, 4026531830u + k);
                fake_linux_write_u64(fl, p.nsproxy + nsproxy_off[k], p.ns[k]);
        }
        fake_linux_write_u64(fl, p.task + TASK_NSPROXY, p.nsproxy);
        /* struct pid at level 1: numbers[0] in the initial namespace, numbers[1] in a child. */
        uint64_t pid = fake_linux_kalloc(fl, PID_NUMBERS + 2 * UPID_SIZE);
        p.ns[HVS_NS_PID] = new_ns(fl, 4026532200u);
        fake_linux_write_u32(fl, pid + PID_LEVEL, 1);
        fake_linux_write_u64(fl, pid + PID_NUMBERS + UPID_NS, new_ns(fl, 4026531836u));
        fake_linux_write_u64(fl, pid + PID_NUMBERS + UPID_SIZE + UPID_NS, p.ns[HVS_NS_PID]);
        fake_linux_write_u64(fl, p.task + TASK_THREAD_PID, pid);
        /* cgroup: root (name "") <- system.slice <- passwd.service */
        p.kn_root = new_kn(fl, 0, "");
        p.kn_leaf = new_kn(fl, new_kn(fl, p.kn_root, "system.slice"), "passwd.service");
        uint64_t cgrp = fake_linux_kalloc(fl, 64), cset = fake_linux_kalloc(fl, 64);
        fake_linux_write_u64(fl, cgrp + CGROUP_KN, p.kn_leaf);
        fake_linux_write_u64(fl, cset + CSS_DFL_CGRP, cgrp);
        fake_linux_write_u64(fl, p.task + TASK_CGROUPS, cset);
        return p;
}

static hvs_creds *read_creds(struct fake_linux *fl, const struct lx_creds_offsets *o, uint64_t task) {
        hvs_linux *k = NULL;
        hvs_creds *c = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        assert_int_equal(lx_creds_read(k, o, task, &c), 0);
        hvs_linux_close(k);
        return c;
}

static void test_creds_full(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build(fl);
        struct lx_creds_offsets o = test_offsets();
        hvs_creds *c = read_creds(fl, &o, p.task);
        assert_int_equal(c->partial, 0);
        assert_int_equal(c->cred.v, p.cred);
        assert_false(c->subjective_differs);
        assert_int_equal(c->uid, 1000);
        assert_int_equal(c->euid, 0);
        assert_int_equal(c->suid, 0);
        assert_int_equal(c->fsuid, 0);
        assert_int_equal(c->gid, 1001);
        assert_int_equal(c->egid, 42);
        assert_int_equal(c->sgid, 42);
        assert_int_equal(c->fsgid, 42);
        assert_int_equal(c->securebits, 0x2f);
        assert_int_equal(c->ngroups, 3);
        assert_int_equal(c->groups_n, 3);
        assert_int_equal(c->groups[0], 4);
        assert_int_equal(c->groups[1], 27);
        assert_int_equal(c->groups[2], 100);
        assert_int_equal(c->cap_inheritable, 0);
        assert_int_equal(c->cap_permitted, 0x000001ffffffffffull);
        assert_int_equal(c->cap_effective, 0x3000);
        assert_int_equal(c->cap_bset, 0x000001ffffffffffull);
        assert_int_equal(c->cap_ambient, 0x400);
        for (unsigned k = 0; k < HVS_NS_COUNT; k++) {
                assert_int_equal(c->ns[k].addr.v, p.ns[k]);
                uint32_t want = k == HVS_NS_USER ? 4026531837u : k == HVS_NS_PID ? 4026532200u : 4026531830u + k;
                assert_int_equal(c->ns[k].inum, want);
        }
        assert_string_equal(c->cgroup, "/system.slice/passwd.service");
        hvs_creds_free(c);
}

static void test_creds_names(void **state) {
        (void)state;
        assert_string_equal(hvs_ns_name(HVS_NS_NET), "net");
        assert_string_equal(hvs_ns_name(HVS_NS_PID_FOR_CHILDREN), "pid_for_children");
        assert_string_equal(hvs_ns_name(HVS_NS_COUNT), "?");
}

/* The root cgroup is "/"; a kernel without time namespaces reports inum 0, not partial. */
static void test_creds_root_cgroup_no_timens(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build(fl);
        uint64_t cgrp = fake_linux_kalloc(fl, 64), cset = fake_linux_kalloc(fl, 64);
        fake_linux_write_u64(fl, cgrp + CGROUP_KN, p.kn_root);
        fake_linux_write_u64(fl, cset + CSS_DFL_CGRP, cgrp);
        fake_linux_write_u64(fl, p.task + TASK_CGROUPS, cset);
        struct lx_creds_offsets o = test_offsets();
        o.nsproxy_ns[HVS_NS_TIME] = o.nsproxy_ns[HVS_NS_TIME_FOR_CHILDREN] = LX_ABSENT;
        hvs_creds *c = read_creds(fl, &o, p.task);
        assert_string_equal(c->cgroup, "/");
        assert_int_equal(c->ns[HVS_NS_TIME].inum, 0);
        assert_int_equal(c->partial, 0);
        hvs_creds_free(c);
}

static void test_creds_subjective_differs(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build(fl);
        fake_linux_write_u64(fl, p.task + FAKE_TASK_CRED, fake_linux_kalloc(fl, FAKE_CRED_SIZE));
        struct lx_creds_offsets o = test_offsets();
        hvs_creds *c = read_creds(fl, &o, p.task);
        assert_true(c->subjective_differs);
        assert_int_equal(c->uid, 1000);         /* /proc shows the objective cred */
        hvs_creds_free(c);
}

/* Unreadable parts: flagged, the rest still read. */
static void test_creds_partial(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build(fl);
        struct lx_creds_offsets o = test_offsets();
        fake_linux_write_u64(fl, p.task + FAKE_TASK_REAL_CRED, UNMAPPED_KVA);
        fake_linux_write_u64(fl, p.nsproxy + nsproxy_off[HVS_NS_NET], UNMAPPED_KVA);
        fake_linux_write_u64(fl, p.kn_leaf + KN_NAME, UNMAPPED_KVA);
        hvs_creds *c = read_creds(fl, &o, p.task);
        assert_int_equal(c->partial, HVS_CREDS_PARTIAL_CRED | HVS_CREDS_PARTIAL_GROUPS | HVS_CREDS_PARTIAL_NS |
                                     HVS_CREDS_PARTIAL_CGROUP);
        assert_int_equal(c->uid, 0);
        assert_int_equal(c->ns[HVS_NS_NET].inum, 0);
        assert_int_equal(c->ns[HVS_NS_MNT].inum, 4026531830u + HVS_NS_MNT);
        assert_int_equal(c->ns[HVS_NS_PID].inum, 4026532200u);
        assert_int_equal(c->ns[HVS_NS_USER].inum, 0);
        assert_null(c->cgroup);
        hvs_creds_free(c);
        /* No nsproxy (an exiting task), pid level beyond MAX_PID_NS_LEVEL, group_info unreadable. */
        p = build(fl);
        fake_linux_write_u64(fl, p.task + TASK_NSPROXY, 0);
        uint64_t pid = fake_linux_kalloc(fl, 128);
        fake_linux_write_u32(fl, pid + PID_LEVEL, 1000000);
        fake_linux_write_u64(fl, p.task + TASK_THREAD_PID, pid);
        fake_linux_write_u64(fl, p.cred + CRED_GROUP_INFO, UNMAPPED_KVA);
        c = read_creds(fl, &o, p.task);
        assert_int_equal(c->partial, HVS_CREDS_PARTIAL_NS | HVS_CREDS_PARTIAL_GROUPS);
        assert_int_equal(c->uid, 1000);
        assert_int_equal(c->ns[HVS_NS_PID].inum, 0);
        assert_int_equal(c->ns[HVS_NS_USER].inum, 4026531837u);
        assert_null(c->groups);
        hvs_creds_free(c);
}

/* A kernfs parent cycle ends at LX_MAX_CGROUP_DEPTH; more groups than kept are flagged. */
static void test_creds_hostile(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build(fl);
        fake_linux_write_u64(fl, p.kn_leaf + KN_PARENT, p.kn_leaf);
        uint64_t gi = fake_linux_kalloc(fl, 64);
        fake_linux_write_u32(fl, gi + GI_NGROUPS, 0x7fffffff);
        fake_linux_write_u64(fl, p.cred + CRED_GROUP_INFO, gi);
        struct lx_creds_offsets o = test_offsets();
        hvs_creds *c = read_creds(fl, &o, p.task);
        assert_null(c->cgroup);
        assert_true(c->partial & HVS_CREDS_PARTIAL_CGROUP);
        assert_true(c->partial & HVS_CREDS_PARTIAL_GROUPS);
        assert_int_equal(c->ngroups, 0x7fffffff);
        assert_true(c->groups_n <= LX_MAX_GROUPS);
        hvs_creds_free(c);
}

static void test_creds_errors(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build(fl);
        hvs_linux *k = NULL;
        hvs_creds *c = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        struct lx_creds_offsets o = test_offsets();
        assert_int_equal(lx_creds_read(k, &o, UNMAPPED_KVA, &c), -EFAULT);
        o.cap_size = 3;
        assert_int_equal(lx_creds_read(k, &o, p.task, &c), -EBADMSG);
        o = test_offsets();
        o.cred_uid = 1u << 20;
        assert_int_equal(lx_creds_read(k, &o, p.task, &c), -EBADMSG);
        assert_null(c);
        /* The fake kernel's BTF has no nsproxy: the public call says which field. */
        hvs_task t = { .pid = 700, .addr = HVS_GVA(p.task) };
        assert_int_equal(hvs_linux_task_creds(k, &t, &c), -ENOENT);
        assert_non_null(strstr(hvs_linux_errmsg(k), "task_struct"));
        assert_null(c);
        hvs_linux_close(k);
        assert_null(hvs_creds_free(NULL));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_creds_full),
                T(test_creds_names),
                T(test_creds_root_cgroup_no_timens),
                T(test_creds_subjective_differs),
                T(test_creds_partial),
                T(test_creds_hostile),
                T(test_creds_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
