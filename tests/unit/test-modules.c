/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-modules.c - the module list walk (modules.c lx_modules_walk) on a fake
 * guest: struct modules, module_use links and kernel_params placed in the
 * direct map with a layout given explicitly (both the 6.4+ mem[] areas and
 * the older core/init layouts), and hostile lists (cycles, broken links,
 * caps, huge parameter counts).
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
#include "os/linux/linux-internal.h"
#include "os/linux/modules-walk.h"
#include "fake_guest.h"

#define RAM (4u << 20)
#define POB 0xffff888000000000ull
#define KVA(pa) (POB + (pa))

/* struct module */
#define M_SIZE 0x200u
#define M_STATE 0x00u
#define M_LIST 0x08u
#define M_NAME 0x18u
#define M_NAME_LEN 56u
#define M_KP 0x50u
#define M_NUM_KP 0x58u
#define M_INIT 0x60u
#define M_EXIT 0x68u
#define M_MEM 0x80u             /* 7 x struct module_memory, or core_layout then init_layout */
#define MM_SIZE 32u             /* struct module_memory { base @0; size @8; } */
#define M_CORE_BASE 0x80u
#define M_CORE_SIZE 0x88u
#define M_INIT_SIZE 0xb8u
#define M_TAINTS 0x168u
#define M_REFCNT 0x170u
#define M_SOURCE_LIST 0x178u
/* struct module_use { source_list @0; target_list @16; source @32; target @40; } */
#define U_SIZE 48u
/* struct kernel_param */
#define KP_SIZE 40u

#define OPS_INT 0xffffffff82020c20ull
#define OPS_BOOL 0xffffffff82020b40ull
#define OPS_CHARP 0xffffffff82020b60ull
#define OPS_STRING 0xffffffff82020aa0ull
#define OPS_ARRAY 0xffffffff82020ac0ull
#define OPS_UINT 0xffffffff82020c00ull
#define OPS_OTHER 0xffffffff8206de00ull

static const struct lx_param_ops ops[] = {
        { OPS_INT, "int" }, { OPS_BOOL, "bool" }, { OPS_CHARP, "charp" },
        { OPS_STRING, "string" }, { OPS_ARRAY, "array" }, { OPS_UINT, "uint" },
};

static struct lx_module_offsets offsets(bool mem) {
        return (struct lx_module_offsets){
                .mod_size = M_SIZE, .list = M_LIST, .name = M_NAME, .name_size = M_NAME_LEN, .state = M_STATE,
                .taints = M_TAINTS, .refcnt = M_REFCNT, .init = M_INIT, .exit = M_EXIT,
                .source_list = M_SOURCE_LIST, .kp = M_KP, .num_kp = M_NUM_KP,
                .mem = mem ? M_MEM : LX_ABSENT, .mem_bytes = mem ? 7 * MM_SIZE : 0, .mem_elem = MM_SIZE,
                .mem_base = 0, .mem_len = 8,
                .core_base = mem ? LX_ABSENT : M_CORE_BASE, .core_len = mem ? LX_ABSENT : M_CORE_SIZE,
                .init_len = mem ? LX_ABSENT : M_INIT_SIZE,
                .use_source_list = 0, .use_source = 32,
                .kp_size = KP_SIZE, .kp_name = 0, .kp_ops = 16, .kp_perm = 24, .kp_arg = 32,
                .kps_maxlen = 0, .kps_string = 8,
                .kpa_max = 0, .kpa_elemsize = 4, .kpa_num = 8, .kpa_ops = 16, .kpa_elem = 24,
        };
}

struct fx {
        struct fake_guest *g;
        hvs_vas *as;
        uint64_t next_pa;
        uint64_t head;          /* pa of the `modules` list head */
};

static uint64_t alloc(struct fx *f, size_t n) {
        uint64_t pa = f->next_pa;
        f->next_pa += (n + 63) & ~(size_t)63;
        assert_true(f->next_pa < RAM / 2);
        return pa;
}

static uint64_t put_str(struct fx *f, const char *s) {
        uint64_t pa = alloc(f, strlen(s) + 1);
        fake_write(f->g, HVS_GPA(pa), s, strlen(s) + 1);
        return KVA(pa);
}

static void list_init(struct fx *f, uint64_t pa) {
        fake_write_u64(f->g, HVS_GPA(pa), KVA(pa));
        fake_write_u64(f->g, HVS_GPA(pa + 8), KVA(pa));
}

/* list_add_tail(@node_pa, @head_pa) */
static void list_add_tail(struct fx *f, uint64_t node_pa, uint64_t head_pa) {
        uint64_t prev = fake_read_u64(f->g, HVS_GPA(head_pa + 8)) - POB;
        fake_write_u64(f->g, HVS_GPA(node_pa), KVA(head_pa));
        fake_write_u64(f->g, HVS_GPA(node_pa + 8), KVA(prev));
        fake_write_u64(f->g, HVS_GPA(prev), KVA(node_pa));
        fake_write_u64(f->g, HVS_GPA(head_pa + 8), KVA(node_pa));
}

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        if (!f || fake_guest_new(RAM, HVS_PAGING_4LEVEL, &f->g) < 0)
                return -1;
        fake_map_direct(f->g, HVS_GVA(POB));
        if (hvs_vas_new(f->g->mem, f->g->root, HVS_PAGING_4LEVEL, &f->as) < 0)
                return -1;
        f->next_pa = 0x10000;
        f->head = alloc(f, 16);
        list_init(f, f->head);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fx *f = *state;
        hvs_vas_free(f->as);
        fake_guest_free(f->g);
        free(f);
        return 0;
}

struct mod_spec {
        const char *name;
        uint32_t state, refcnt;
        uint64_t taints, base, sizes[7];
        bool init, exit;
};

/* A module appended to the list (as the newest: list_add_rcu adds at the head, but order is the test's). */
static uint64_t add_module(struct fx *f, const struct mod_spec *s, bool mem) {
        uint64_t pa = alloc(f, M_SIZE);
        uint8_t m[M_SIZE] = { 0 };
        memcpy(m + M_NAME, s->name, strlen(s->name));
        memcpy(m + M_STATE, &s->state, 4);
        memcpy(m + M_TAINTS, &s->taints, 8);
        memcpy(m + M_REFCNT, &s->refcnt, 4);
        uint64_t fn = 0xffffffffc0001000ull;
        if (s->init)
                memcpy(m + M_INIT, &fn, 8);
        if (s->exit)
                memcpy(m + M_EXIT, &fn, 8);
        if (mem) {
                for (int i = 0; i < 7; i++) {
                        uint64_t base = i == 0 ? s->base : s->sizes[i] ? s->base + 0x100000ull * (uint64_t)i : 0;
                        uint32_t sz = (uint32_t)s->sizes[i];
                        memcpy(m + M_MEM + i * MM_SIZE, &base, 8);
                        memcpy(m + M_MEM + i * MM_SIZE + 8, &sz, 4);
                }
        } else {
                uint32_t core = (uint32_t)s->sizes[0], init = (uint32_t)s->sizes[1];
                memcpy(m + M_CORE_BASE, &s->base, 8);
                memcpy(m + M_CORE_SIZE, &core, 4);
                memcpy(m + M_INIT_SIZE, &init, 4);
        }
        fake_write(f->g, HVS_GPA(pa), m, sizeof m);
        list_init(f, pa + M_SOURCE_LIST);
        list_add_tail(f, pa + M_LIST, f->head);
        return pa;
}

/* @user uses @used: a module_use on @used's source_list. */
static void add_use(struct fx *f, uint64_t used_pa, uint64_t user_pa) {
        uint64_t u = alloc(f, U_SIZE);
        fake_write_u64(f->g, HVS_GPA(u + 32), KVA(user_pa));
        fake_write_u64(f->g, HVS_GPA(u + 40), KVA(used_pa));
        list_add_tail(f, u, used_pa + M_SOURCE_LIST);
}

struct kp_spec {
        const char *name;
        uint64_t ops;
        uint16_t perm;
        uint64_t arg;
};

static void set_params(struct fx *f, uint64_t mod_pa, const struct kp_spec *kp, uint32_t n) {
        uint64_t pa = alloc(f, (size_t)n * KP_SIZE);
        for (uint32_t i = 0; i < n; i++) {
                uint8_t raw[KP_SIZE] = { 0 };
                uint64_t name = put_str(f, kp[i].name);
                memcpy(raw, &name, 8);
                memcpy(raw + 16, &kp[i].ops, 8);
                memcpy(raw + 24, &kp[i].perm, 2);
                memcpy(raw + 32, &kp[i].arg, 8);
                fake_write(f->g, HVS_GPA(pa + (uint64_t)i * KP_SIZE), raw, sizeof raw);
        }
        fake_write_u64(f->g, HVS_GPA(mod_pa + M_KP), KVA(pa));
        fake_write_u32(f->g, HVS_GPA(mod_pa + M_NUM_KP), n);
}

static uint64_t put_u32(struct fx *f, uint32_t v) {
        uint64_t pa = alloc(f, 8);
        fake_write_u32(f->g, HVS_GPA(pa), v);
        return KVA(pa);
}

static hvs_module_list *walk(struct fx *f, bool mem, uint32_t max) {
        struct lx_module_offsets o = offsets(mem);
        hvs_module_list *l = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(lx_modules_walk(f->as, &o, ops, ARRAY_SIZE(ops), KVA(f->head), max, &d, &l), 0);
        assert_non_null(l);
        return l;
}

static void check_normal(struct fx *f, bool mem) {
        uint64_t ext4 = add_module(f, &(struct mod_spec){ .name = "ext4", .refcnt = 2, .base = 0xffffffffc02a3000ull,
                                                         .sizes = { 0x80000, 0x20000, 0x40000, 0x1000 },
                                                         .init = true, .exit = true }, mem);
        uint64_t jbd2 = add_module(f, &(struct mod_spec){ .name = "jbd2", .refcnt = 2, .base = 0xffffffffc0279000ull,
                                                         .sizes = { 0x10000, 0x8000 }, .init = true, .exit = true },
                                   mem);
        uint64_t oot = add_module(f, &(struct mod_spec){ .name = "hvs_oot", .refcnt = 1, .state = 1,
                                                        .taints = (1u << 12) | (1u << 13), .base = 0xffffffffc0001000ull,
                                                        .sizes = { 0x1000 }, .init = true }, mem);
        add_use(f, jbd2, ext4);
        add_use(f, jbd2, oot);
        uint64_t s_pa = alloc(f, 16), arr_pa = alloc(f, 32), elems = alloc(f, 16);
        fake_write_u32(f->g, HVS_GPA(s_pa), 16);
        fake_write_u64(f->g, HVS_GPA(s_pa + 8), put_str(f, "hello"));
        fake_write_u32(f->g, HVS_GPA(arr_pa), 4);                      /* max */
        fake_write_u32(f->g, HVS_GPA(arr_pa + 4), 4);                  /* elemsize */
        fake_write_u64(f->g, HVS_GPA(arr_pa + 8), put_u32(f, 3));      /* *num = 3 */
        fake_write_u64(f->g, HVS_GPA(arr_pa + 16), OPS_INT);
        fake_write_u64(f->g, HVS_GPA(arr_pa + 24), KVA(elems));
        for (uint32_t i = 0; i < 4; i++)
                fake_write_u32(f->g, HVS_GPA(elems + 4 * i), (uint32_t)-(int32_t)i);
        uint64_t charp = alloc(f, 8);
        fake_write_u64(f->g, HVS_GPA(charp), put_str(f, "a\tb"));
        uint64_t nullp = alloc(f, 8);
        const struct kp_spec kp[] = {
                { "count", OPS_INT, 0444, put_u32(f, (uint32_t)-5) },
                { "enable", OPS_BOOL, 0644, put_u32(f, 1) },
                { "label", OPS_CHARP, 0444, KVA(charp) },
                { "none", OPS_CHARP, 0444, KVA(nullp) },
                { "greeting", OPS_STRING, 0644, KVA(s_pa) },
                { "list", OPS_ARRAY, 0444, KVA(arr_pa) },
                { "custom", OPS_OTHER, 0, put_u32(f, 7) },
                { "big", OPS_UINT, 0, put_u32(f, 4000000000u) },
        };
        set_params(f, oot, kp, ARRAY_SIZE(kp));

        hvs_module_list *l = walk(f, mem, 100);
        assert_false(l->truncated);
        assert_int_equal(l->n, 3);
        assert_int_equal(l->list_addr.v, KVA(f->head));
        const hvs_module *m = &l->modules[0];
        assert_string_equal(m->name, "ext4");
        assert_int_equal(m->addr.v, KVA(ext4));
        assert_int_equal(m->base, 0xffffffffc02a3000ull);
        assert_int_equal(m->size, mem ? 0x80000 + 0x20000 + 0x40000 + 0x1000 : 0x80000 + 0x20000);
        assert_int_equal(m->refcount, 1);
        assert_string_equal(m->users, "");
        assert_string_equal(m->flags, "");
        assert_int_equal(m->partial, 0);
        assert_int_equal(m->nparams, 0);
        m = &l->modules[1];
        assert_string_equal(m->name, "jbd2");
        assert_string_equal(m->users, "ext4,hvs_oot,");
        m = &l->modules[2];
        assert_string_equal(m->name, "hvs_oot");
        assert_int_equal(m->state, HVS_MODULE_COMING);
        assert_string_equal(m->flags, "(OE+)");
        assert_string_equal(m->users, "[permanent],");
        assert_int_equal(m->refcount, 0);
        assert_int_equal(m->nparams, ARRAY_SIZE(kp));
        const char *want[][3] = {
                { "count", "int", "-5" }, { "enable", "bool", "Y" }, { "label", "charp", "a?b" },
                { "none", "charp", "(null)" }, { "greeting", "string", "hello" }, { "list", "array", "0,-1,-2" },
                { "custom", "other", NULL }, { "big", "uint", "4000000000" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                assert_string_equal(m->params[i].name, want[i][0]);
                assert_string_equal(m->params[i].type, want[i][1]);
                if (want[i][2])
                        assert_string_equal(m->params[i].value, want[i][2]);
                else
                        assert_null(m->params[i].value);
        }
        assert_int_equal(m->params[0].perm, 0444);
        hvs_module_list_free(l);
}

static void test_normal_mem(void **state) { check_normal(*state, true); }
static void test_normal_layout(void **state) { check_normal(*state, false); }

static void test_empty(void **state) {
        hvs_module_list *l = walk(*state, true, 100);
        assert_int_equal(l->n, 0);
        assert_false(l->truncated);
        hvs_module_list_free(l);
}

static void test_cycle(void **state) {
        struct fx *f = *state;
        uint64_t a = add_module(f, &(struct mod_spec){ .name = "a", .refcnt = 1 }, true);
        add_module(f, &(struct mod_spec){ .name = "b", .refcnt = 1 }, true);
        uint64_t c = add_module(f, &(struct mod_spec){ .name = "c", .refcnt = 1 }, true);
        fake_write_u64(f->g, HVS_GPA(c + M_LIST), KVA(a + M_LIST));     /* c -> a, never back to the head */
        hvs_module_list *l = walk(f, true, 100);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_int_equal(l->n, 3);
        for (size_t i = 0; i < l->n; i++)
                for (size_t j = i + 1; j < l->n; j++)
                        assert_int_not_equal(l->modules[i].addr.v, l->modules[j].addr.v);
        hvs_module_list_free(l);
}

static void test_broken_next(void **state) {
        struct fx *f = *state;
        uint64_t a = add_module(f, &(struct mod_spec){ .name = "a", .refcnt = 1 }, true);
        add_module(f, &(struct mod_spec){ .name = "b", .refcnt = 1 }, true);
        fake_write_u64(f->g, HVS_GPA(a + M_LIST), 0xffffc90000000000ull);      /* unmapped */
        hvs_module_list *l = walk(f, true, 100);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_int_equal(l->n, 1);
        assert_string_equal(l->modules[0].name, "a");
        hvs_module_list_free(l);
}

static void test_cap(void **state) {
        struct fx *f = *state;
        for (int i = 0; i < 5; i++)
                add_module(f, &(struct mod_spec){ .name = "m", .refcnt = 1 }, true);
        hvs_module_list *l = walk(f, true, 5);
        assert_false(l->truncated);
        assert_int_equal(l->n, 5);
        hvs_module_list_free(l);
        l = walk(f, true, 4);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 4);
        hvs_module_list_free(l);
}

static void test_hostile_fields(void **state) {
        struct fx *f = *state;
        uint64_t a = add_module(f, &(struct mod_spec){ .name = "a", .refcnt = 1 }, true);
        /* A name filling all 56 bytes with no NUL, with control bytes. */
        uint8_t name[M_NAME_LEN];
        memset(name, 'x', sizeof name);
        name[3] = '\n';
        fake_write(f->g, HVS_GPA(a + M_NAME), name, sizeof name);
        /* A huge parameter count pointing at unmapped memory, a source_list pointing nowhere. */
        fake_write_u64(f->g, HVS_GPA(a + M_KP), 0xffffc90000000000ull);
        fake_write_u32(f->g, HVS_GPA(a + M_NUM_KP), 0xffffffffu);
        fake_write_u64(f->g, HVS_GPA(a + M_SOURCE_LIST), 0xffffc90000000000ull);
        hvs_module_list *l = walk(f, true, 100);
        assert_int_equal(l->n, 1);
        assert_int_equal(strlen(l->modules[0].name), M_NAME_LEN);
        assert_int_equal(l->modules[0].name[3], '?');
        assert_true(l->modules[0].partial & HVS_MODULE_PARTIAL_PARAMS);
        assert_true(l->modules[0].partial & HVS_MODULE_PARTIAL_USERS);
        assert_int_equal(l->modules[0].nparams, 0);
        hvs_module_list_free(l);
}

static void test_bad_offsets(void **state) {
        struct fx *f = *state;
        hvs_module_list *l = NULL;
        hvs_diag d = { 0 };
        struct lx_module_offsets o = offsets(true);
        o.taints = M_SIZE - 4;
        assert_int_equal(lx_modules_walk(f->as, &o, ops, ARRAY_SIZE(ops), KVA(f->head), 10, &d, &l), -EBADMSG);
        assert_null(l);
        o = offsets(true);
        o.mem_bytes = 1000 * MM_SIZE;
        assert_int_equal(lx_modules_walk(f->as, &o, ops, ARRAY_SIZE(ops), KVA(f->head), 10, &d, &l), -EBADMSG);
        o = offsets(false);
        o.core_base = LX_ABSENT;
        assert_int_equal(lx_modules_walk(f->as, &o, ops, ARRAY_SIZE(ops), KVA(f->head), 10, &d, &l), -EBADMSG);
        o = offsets(true);
        o.mod_size = UINT32_MAX;
        assert_int_equal(lx_modules_walk(f->as, &o, ops, ARRAY_SIZE(ops), KVA(f->head), 10, &d, &l), -EBADMSG);
        assert_null(l);
}

static void test_alloc_failure(void **state) {
        struct fx *f = *state;
        add_module(f, &(struct mod_spec){ .name = "a", .refcnt = 1 }, true);
        add_module(f, &(struct mod_spec){ .name = "b", .refcnt = 1 }, true);
        struct lx_module_offsets o = offsets(true);
        for (unsigned n = 0; n < 12; n++) {
                hvs_module_list *l = NULL;
                hvs_diag d = { 0 };
                hvs_test_fail_alloc_after(n);
                int r = lx_modules_walk(f->as, &o, ops, ARRAY_SIZE(ops), KVA(f->head), 10, &d, &l);
                hvs_test_fail_alloc_after(UINT32_MAX);
                assert_true(r == 0 || r == -ENOMEM);
                if (r == 0)
                        hvs_module_list_free(l);
                else
                        assert_null(l);
        }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_normal_mem), T(test_normal_layout), T(test_empty), T(test_cycle), T(test_broken_next),
                T(test_cap), T(test_hostile_fields), T(test_bad_offsets), T(test_alloc_failure),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
