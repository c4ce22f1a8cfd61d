/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-module-scan.c - the hidden-module check's views and structure
 * validator (src/triage/hidden-modules.c) on hostile kernel memory: the
 * input fills module space of a small fake guest (mapped at MODULES_VADDR),
 * where the `modules` list head, the module address tree (mod_tree) and
 * every struct module the views follow live; the list and tree walks, the
 * memory scan (with its self-pointer test) and the comparison run over it.
 * Any result is fine; a crash, a hang, unbounded memory or a leak is not.
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
        .tree_root = 0x8, .mtn_mod = 0x0, .mtn_node = 0x8, .rb_left = 0x10, .rb_right = 0x8,
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
                            .mod_tree = MODVA + 0x1000, .max_modules = 256 };
        hvs_findings *f = NULL;
        if (hvs_findings_new(&f) < 0)
                abort();
        hvs_triage_opts o = { .sz = sizeof o, .time_budget_ms = 2000 };
        (void)hm_compare(&c, &o, f);
        hvs_findings_free(f);
        return 0;
}
