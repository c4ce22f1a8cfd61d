/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-module-scan.c - the hidden-module check's views and structure
 * validator (src/triage/hidden-modules.c, module-areas.c) on hostile kernel
 * memory: the input fills module space of a small fake guest (mapped at
 * MODULES_VADDR), where the `modules` list head (+0), the module address
 * tree mod_tree (+0x1000), the module_kset pointer (+0x1800), the heads of
 * the registries of module-space users (+0x1a00: pack_list, bpf_kallsyms,
 * ftrace_ops_trampoline_list, a kprobe_insn_cache) and every struct module,
 * symbol table and kobject the views follow live; the list, tree and sysfs
 * walks, the memory scan (with its self-pointer test), the page-table walk
 * of module space with its attribution, the symbol reader and the
 * comparison run over it. Any result is fine; a crash, a hang, unbounded
 * memory or a leak is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "triage/hidden.h"
#include "fake_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (4u << 20)
#define POB 0xffff888000000000ull
#define MODVA 0xffffffffc0000000ull
#define MOD_PA 0x100000ull
#define MOD_LEN (1u << 20)

static const struct hm_offsets MO = {
        .mod_size = 0x200, .list = 0x8, .name = 0x18, .name_size = 56, .state = 0x0, .mkobj_mod = 0x80,
        .tree_root = 0x8, .mtn_mod = 0x0, .mtn_node = 0x8, .rb_left = 0x10, .rb_right = 0x8, .percpu = 0x120,
        .percpu_size = 0x128, .its_num = 0x12c, .its_array = 0x130, .kallsyms = 0x138, .ks_symtab = 0,
        .ks_num = 8, .ks_strtab = 0x10, .ks_typetab = 0x18, .mkobj = 0x60, .kobj_entry = 0x8, .kset_list = 0,
        .mem = HP_ABSENT, .mem_bytes = HP_ABSENT, .mem_elem = HP_ABSENT, .mem_base = HP_ABSENT,
        .mem_size = HP_ABSENT, .core_base = 0x100, .core_size = 0x108, .init_base = 0x110, .init_size = 0x118,
};
static const struct hm_known_offsets KO = {
        .ksym_start = 0, .ksym_end = 8, .ksym_lnode = 0x10, .pack_list = 0, .pack_ptr = 0x10, .kic_pages = 0x20,
        .kip_list = 0, .kip_insns = 0x10, .ops_list = 0x40, .ops_tramp = 0x50, .ops_tramp_size = 0x58,
};

static struct fake_guest *g;
static hvs_vas *kv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!g) {
                if (fake_guest_new(RAM, HVS_PAGING_4LEVEL, &g) < 0)
                        abort();
                fake_map_direct(g, HVS_GVA(POB));
                fake_map_range(g, HVS_GVA(MODVA), HVS_GPA(MOD_PA), MOD_LEN, X86_PTE_P | X86_PTE_RW);
                if (hvs_vas_new(g->mem, g->root, HVS_PAGING_4LEVEL, &kv) < 0)
                        abort();
        }
        static uint8_t zero[MOD_LEN];
        fake_write(g, HVS_GPA(MOD_PA), zero, sizeof zero);
        fake_write(g, HVS_GPA(MOD_PA), data, size < MOD_LEN ? size : MOD_LEN);
        hvs_vas_flush(kv);

        struct kbounds kb = { .pob = POB, .pob_end = POB + RAM, .img = 0xffffffff81000000ull,
                              .img_end = 0xffffffff82000000ull, .mod = MODVA, .mod_end = 0xffffffffff000000ull };
        (void)hm_module_plausible(&MO, &kb, data, size);

        struct hm_ctx c = { .kv = kv, .mem = g->mem, .o = &MO, .kb = kb, .modules = MODVA,
                            .mod_tree = MODVA + 0x1000, .max_modules = 256, .module_kset = MODVA + 0x1800,
                            .ko = &KO, .bpf_packs = MODVA + 0x1a00, .bpf_kallsyms = MODVA + 0x1a10,
                            .ftrace_tramps = MODVA + 0x1a20, .kprobe_caches = { MODVA + 0x1a30 - 0x20 } };
        hvs_findings *f = NULL;
        if (hvs_findings_new(&f) < 0)
                abort();
        hvs_triage_opts o = { .sz = sizeof o, .time_budget_ms = 2000 };
        (void)hm_compare(&c, &o, f);
        hvs_findings_free(f);
        return 0;
}
