/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * btf-fixture.h - the BTF that test-btf.c parses and test-isf.c writes as an
 * ISF, built with libbpf's writer. Include after <cmocka.h>.
 *
 * The types, in C:
 *
 *   typedef struct { unsigned int val; } kuid_t;
 *   struct list_head { struct list_head *next, *prev; };
 *   struct cred { int usage; kuid_t uid; const volatile kuid_t euid; };
 *   struct mm_struct {
 *           struct { long start; union { long pgd; long pgd_alias; }; long arg_start; };   // anonymous
 *           long tail;
 *   };
 *   typedef struct mm_struct mm_t;
 *   struct task_struct {
 *           volatile long __state;             // 0
 *           unsigned int flags:3, ptrace:5;    // 8 (bitfields)
 *           int pid;                           // 12
 *           char comm[16];                     // 16
 *           const struct cred *cred;           // 32
 *           struct list_head tasks;            // 40
 *           mm_t mm_embedded;                  // 56
 *           union { int u_a; struct { int u_deep; int u_deep2; }; };   // 88
 *           struct cred real_cred;             // 96
 *   };                                         // 112
 *   union un { int i; long l; };
 *
 * FIXTURE_DEEP adds struct deep: 20 anonymous structs nested, deeper than
 * HVS_MAX_TYPE_DEPTH. FIXTURE_WRITER adds what the ISF writer must handle:
 * char signed, _Bool, double, enums (one anonymous, negative, behind a
 * typedef), a typedef-named anonymous union (pte_t), a forward declaration
 * never defined (union ghost), a function pointer; task_struct grows to 184
 * bytes with an enum bitfield 'kind' (after ptrace) and, after real_cred,
 * 'grid' (int[3][4]), 'ghost', 'fn', 'ratio', 'on'; then a second struct
 * named cred, tk_core's member types and a per-CPU variable 'runqueues'.
 */
#ifndef HVS_TEST_BTF_FIXTURE_H
#define HVS_TEST_BTF_FIXTURE_H

#include <stdbool.h>
#include <bpf/btf.h>

#define FIXTURE_DEEP   (1u << 0)
#define FIXTURE_WRITER (1u << 1)

/* The fixture's BTF (libbpf's; btf__free() it). */
static inline struct btf *fixture_btf(unsigned flags) {
        bool w = flags & FIXTURE_WRITER;
        struct btf *b = btf__new_empty();
        assert_non_null(b);
        int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
        int t_uint = btf__add_int(b, "unsigned int", 4, 0);
        int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
        int t_char = btf__add_int(b, "char", 1, w ? BTF_INT_CHAR | BTF_INT_SIGNED : BTF_INT_CHAR);

        int anon_uid = btf__add_struct(b, NULL, 4);
        btf__add_field(b, "val", t_uint, 0, 0);
        int t_kuid = btf__add_typedef(b, "kuid_t", anon_uid);

        int t_lhp = btf__add_ptr(b, btf__add_fwd(b, "list_head", BTF_FWD_STRUCT));
        int t_lh = btf__add_struct(b, "list_head", 16);
        btf__add_field(b, "next", t_lhp, 0, 0);
        btf__add_field(b, "prev", t_lhp, 64, 0);

        int t_cvkuid = btf__add_const(b, btf__add_volatile(b, t_kuid));
        int t_cred = btf__add_struct(b, "cred", 12);
        btf__add_field(b, "usage", t_int, 0, 0);
        btf__add_field(b, "uid", t_kuid, 32, 0);
        btf__add_field(b, "euid", t_cvkuid, 64, 0);

        int anon_pgd = btf__add_union(b, NULL, 8);
        btf__add_field(b, "pgd", t_long, 0, 0);
        btf__add_field(b, "pgd_alias", t_long, 0, 0);
        int anon_mm = btf__add_struct(b, NULL, 24);
        btf__add_field(b, "start", t_long, 0, 0);
        btf__add_field(b, NULL, anon_pgd, 64, 0);
        btf__add_field(b, "arg_start", t_long, 128, 0);
        int t_mm = btf__add_struct(b, "mm_struct", 32);
        btf__add_field(b, NULL, anon_mm, 0, 0);
        btf__add_field(b, "tail", t_long, 192, 0);
        int t_mmt = btf__add_typedef(b, "mm_t", t_mm);

        int t_comm = btf__add_array(b, t_int, t_char, 16);
        int t_ccredp = btf__add_ptr(b, btf__add_const(b, t_cred));
        int anon_deep = btf__add_struct(b, NULL, 8);
        btf__add_field(b, "u_deep", t_int, 0, 0);
        btf__add_field(b, "u_deep2", t_int, 32, 0);
        int anon_u = btf__add_union(b, NULL, 8);
        btf__add_field(b, "u_a", t_int, 0, 0);
        btf__add_field(b, NULL, anon_deep, 0, 0);

        int t_bool = 0, t_float = 0, t_enum = 0, t_ghostp = 0, t_grid = 0, t_fnp = 0;
        if (w) {
                t_bool = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
                btf__add_int(b, "long unsigned int", 8, 0);     /* curated symbol types of several words */
                t_float = btf__add_float(b, "double", 8);
                t_enum = btf__add_enum(b, "pid_type", 4);
                btf__add_enum_value(b, "PIDTYPE_PID", 0);
                btf__add_enum_value(b, "PIDTYPE_TGID", 1);
                btf__add_enum_value(b, "PIDTYPE_MAX", 4);
                int t_senum = btf__add_enum(b, NULL, 4);
                btf__add_enum_value(b, "NEG", -2);
                btf__add_typedef(b, "neg_t", t_senum);
                int anon_pte = btf__add_union(b, NULL, 8);
                btf__add_field(b, "raw", t_long, 0, 0);
                btf__add_typedef(b, "pte_t", anon_pte);
                t_ghostp = btf__add_ptr(b, btf__add_fwd(b, "ghost", BTF_FWD_UNION));
                t_grid = btf__add_array(b, t_int, btf__add_array(b, t_int, t_int, 4), 3);
                int proto = btf__add_func_proto(b, t_int);
                btf__add_func_param(b, "x", t_long);
                t_fnp = btf__add_ptr(b, proto);
        }

        /* Fields must directly follow their struct: referenced types first. */
        int t_vlong = btf__add_volatile(b, t_long);
        int t_task = btf__add_struct(b, "task_struct", w ? 184 : 112);
        btf__add_field(b, "__state", t_vlong, 0, 0);
        btf__add_field(b, "flags", t_uint, 64, 3);
        btf__add_field(b, "ptrace", t_uint, 67, 5);
        if (w)
                btf__add_field(b, "kind", t_enum, 72, 4);       /* enum bitfield */
        btf__add_field(b, "pid", t_int, 96, 0);
        btf__add_field(b, "comm", t_comm, 128, 0);
        btf__add_field(b, "cred", t_ccredp, 256, 0);
        btf__add_field(b, "tasks", t_lh, 320, 0);
        btf__add_field(b, "mm_embedded", t_mmt, 448, 0);
        btf__add_field(b, NULL, anon_u, 704, 0);
        btf__add_field(b, "real_cred", t_cred, 768, 0);
        if (w) {
                btf__add_field(b, "grid", t_grid, 896, 0);
                btf__add_field(b, "ghost", t_ghostp, 1280, 0);
                btf__add_field(b, "fn", t_fnp, 1344, 0);
                btf__add_field(b, "ratio", t_float, 1408, 0);
                btf__add_field(b, "on", t_bool, 1472, 0);
        }
        assert_true(t_task > 0);

        int t_un = btf__add_union(b, "un", 8);
        btf__add_field(b, "i", t_int, 0, 0);
        btf__add_field(b, "l", t_long, 0, 0);
        assert_true(t_un > 0);

        if (flags & FIXTURE_DEEP) {
                int inner = btf__add_struct(b, NULL, 4);
                btf__add_field(b, "bottom", t_int, 0, 0);
                for (int i = 0; i < 20; i++) {
                        int outer = btf__add_struct(b, NULL, 4);
                        btf__add_field(b, NULL, inner, 0, 0);
                        inner = outer;
                }
                btf__add_struct(b, "deep", 4);
                btf__add_field(b, NULL, inner, 0, 0);
        }
        if (w) {
                /* Another 'cred', distinct: keeps the name only for the first. */
                btf__add_struct(b, "cred", 4);
                btf__add_field(b, "other", t_int, 0, 0);

                /* tk_core's member types (tk_core itself is anonymous and has no VAR). */
                int t_seqc = btf__add_struct(b, "seqcount_raw_spinlock", 4);
                btf__add_field(b, "sequence", t_uint, 0, 0);
                btf__add_typedef(b, "seqcount_raw_spinlock_t", t_seqc);
                btf__add_struct(b, "timekeeper", 24);
                btf__add_field(b, "xtime_sec", t_long, 0, 0);
                btf__add_field(b, "offs_real", t_long, 64, 0);
                btf__add_field(b, "offs_boot", t_long, 128, 0);

                int var = btf__add_var(b, "runqueues", BTF_VAR_GLOBAL_ALLOCATED, t_un);
                btf__add_datasec(b, ".data..percpu", 8);
                btf__add_datasec_var_info(b, var, 0, 8);
        }
        return b;
}

#endif
