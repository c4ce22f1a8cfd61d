/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-module-syms.c - a module's memory areas and its own symbol table
 * (src/triage/module-areas.c hm_module_mem(), module-syms.c
 * hm_module_syms()) on hostile bytes: the input fills module space of a
 * small fake guest from MODULES_VADDR, with a struct module at +0x40 (6.1
 * layout with core/init layouts when bit 0 of the first byte is clear, the
 * 6.4+ mem[] layout when set) whose kallsyms pointer, counts, string and
 * type tables all come from the input. Besides "no crash, no hang", the
 * results must keep the reader's promises: counts within the limit and
 * each other, names NUL-terminated and printable, areas inside module
 * space and page-aligned.
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

#define HM_COMMON                                                                                              \
        .mod_size = 0x200, .list = 0x8, .name = 0x18, .name_size = 56, .state = 0x0, .mkobj_mod = 0x80,       \
        .tree_root = 0x8, .mtn_mod = 0x0, .mtn_node = 0x8, .rb_left = 0x10, .rb_right = 0x8, .percpu = 0x120,   \
        .percpu_size = 0x128, .its_num = 0x12c, .its_array = 0x130, .kallsyms = 0x138, .ks_symtab = 0,        \
        .ks_num = 8, .ks_strtab = 0x10, .ks_typetab = 0x18, .mkobj = 0x60, .kobj_entry = 0x8, .kset_list = 0
static const struct hm_offsets MO = {
        HM_COMMON, .mem = HP_ABSENT, .mem_bytes = HP_ABSENT, .mem_elem = HP_ABSENT, .mem_base = HP_ABSENT,
        .mem_size = HP_ABSENT, .core_base = 0x100, .core_size = 0x108, .init_base = 0x110, .init_size = 0x118,
};
static const struct hm_offsets MO2 = {
        HM_COMMON, .mem = 0x140, .mem_bytes = 7 * 0x18, .mem_elem = 0x18, .mem_base = 0, .mem_size = 8,
        .core_base = HP_ABSENT, .core_size = HP_ABSENT, .init_base = HP_ABSENT, .init_size = HP_ABSENT,
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

        struct hm_ctx c = { .kv = kv, .mem = g->mem, .o = size && (data[0] & 1) ? &MO2 : &MO, .max_modules = 16 };
        c.kb = (struct kbounds){ .pob = POB, .pob_end = POB + RAM, .img = 0xffffffff81000000ull,
                                 .img_end = 0xffffffff82000000ull, .mod = MODVA, .mod_end = 0xffffffffff000000ull };
        struct hm_modmem mm;
        if (hm_module_mem(&c, MODVA + 0x40, &mm) < 0)
                memset(&mm, 0, sizeof mm);
        if (mm.n > HM_MAX_MOD_RANGES)
                abort();
        struct hm_claims cl = { 0 };
        (void)hm_module_its(&c, &mm, MODVA + 0x40, &cl);
        if (cl.n > HVS_MAX_MODULE_ITS_PAGES)
                abort();
        hm_claims_free(&cl);
        for (size_t i = 0; i < mm.n; i++)
                if (mm.r[i].lo >= mm.r[i].hi || mm.r[i].lo < c.kb.mod || mm.r[i].hi > c.kb.mod_end || (mm.r[i].hi & 0xfff))
                        abort();
        for (int names = 0; names < 2; names++) {
                struct hm_syms s;
                if (hm_module_syms(&c, MODVA + 0x40, &mm, names, &s) < 0)
                        continue;
                if (s.read > s.num || s.read > HVS_MAX_MODULE_SYMBOLS || s.defined > s.read || s.outside > s.defined ||
                    s.nnames > HM_SYMS_LISTED || (!names && s.nnames))
                        abort();
                for (uint32_t i = 0; i < s.nnames; i++) {
                        size_t l = strnlen(s.names[i], sizeof s.names[i]);
                        if (l == 0 || l == sizeof s.names[i])
                                abort();
                        for (size_t j = 0; j < l; j++)
                                if ((unsigned char)s.names[i][j] < 0x20 || (unsigned char)s.names[i][j] > 0x7e)
                                        abort();
                }
        }
        return 0;
}
