/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idt.c - check "idt-hook": the interrupt descriptor table.
 *
 * The table is found where the CPU finds it: IDTR of each vCPU (QMP "info
 * registers" for a live VM, the QEMU CPU-state note of an ELF core). On
 * x86-64 Linux that is the read-only alias of idt_table in the CPU entry
 * area (0xfffffe0000000000), so the base is also translated and compared
 * with idt_table's physical page: a vCPU whose IDTR points at another table
 * was given one by someone else (lidt). Without registers (a raw image)
 * idt_table itself is read.
 *
 * Each of the 256 16-byte gates is decoded (offset split in three parts,
 * Intel SDM vol. 3 figure 6-8); a present gate's handler must lie in kernel
 * text (the entry, irqentry and noinstr sections are all inside [_text,
 * _etext)). A handler in a module or elsewhere is an interrupt hook.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include "kint.h"

#define CHECK_ID "idt-hook"
#define IDT_ENTRIES 256u
#define IDT_BYTES (IDT_ENTRIES * 16u)
#define MAX_TABLES 8u           /* distinct IDT bases looked at (one per vCPU at most) */

void kint_gate_decode(const uint8_t raw[16], struct kint_gate *ret) {
        ret->offset = (uint64_t)hvs_le16(raw) | (uint64_t)hvs_le16(raw + 6) << 16 | (uint64_t)hvs_le32(raw + 8) << 32;
        ret->selector = hvs_le16(raw + 2);
        ret->ist = raw[4] & 7;
        ret->type = raw[5] & 0xf;
        ret->dpl = (raw[5] >> 5) & 3;
        ret->present = raw[5] >> 7;
}

/* Bytes of one stub of early_idt_handler_array (EARLY_IDT_HANDLER_SIZE, arch/x86/include/asm/segment.h):
 * 9, plus 4 for the endbr64 of kernels built with IBT (6.12). */
#define EARLY_IDT_HANDLER_SIZE 9u
#define ENDBR_INSN_SIZE 4u

static int check_table(struct kint *c, uint64_t base, const char *source, hvs_findings *out, unsigned *ret_gates,
                       unsigned *ret_early) {
        uint8_t raw[IDT_BYTES];
        int r = hvs_vas_read(c->as, HVS_GVA(base), raw, sizeof raw);
        if (r < 0) {
                char t[160];
                snprintf(t, sizeof t, "IDT at 0x%" PRIx64 " (%s) unreadable: %s", base, source, strerror(-r));
                return triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, base, t, NULL, NULL, NULL);
        }
        for (unsigned v = 0; v < IDT_ENTRIES; v++) {
                struct kint_gate g;
                kint_gate_decode(raw + v * 16, &g);
                if (!g.present)
                        continue;
                (*ret_gates)++;
                const struct kint_module *m = NULL;
                enum kint_where w = kint_where(c, g.offset, &m);
                if (w == KINT_IN_KERNEL)
                        continue;
                /* Linux installs early_idt_handler_array's stubs (init text) for the 32 exception vectors at
                 * boot and replaces only the defined ones: reserved vectors (20-31 without #CP/#VC/#HV) keep
                 * their boot stub, freed with init memory, never raised by the CPU. The kernel's own. */
                uint64_t early;
                if (v < 32 && w == KINT_IN_INITTEXT && kint_sym(c, "early_idt_handler_array", &early) == 0 &&
                    (g.offset == early + (uint64_t)v * EARLY_IDT_HANDLER_SIZE ||
                     g.offset == early + (uint64_t)v * (EARLY_IDT_HANDLER_SIZE + ENDBR_INSN_SIZE))) {
                        (*ret_early)++;
                        continue;
                }
                char title[256];
                if (m)
                        snprintf(title, sizeof title, "IDT vector %u (0x%02x) hooked: handler in module %s at 0x%" PRIx64,
                                 v, v, m->name, g.offset);
                else
                        snprintf(title, sizeof title, "IDT vector %u (0x%02x) handler 0x%" PRIx64 " is %s", v, v,
                                 g.offset, kint_where_name(w));
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "idt_base", triage_json_addr(base));
                        json_object_object_add(ev, "source", json_object_new_string(source));
                        json_object_object_add(ev, "vector", json_object_new_int((int)v));
                        json_object_object_add(ev, "gate_addr", triage_json_addr(base + v * 16));
                        json_object_object_add(ev, "selector", json_object_new_int(g.selector));
                        json_object_object_add(ev, "type", json_object_new_int(g.type));
                        json_object_object_add(ev, "dpl", json_object_new_int(g.dpl));
                        json_object_object_add(ev, "ist", json_object_new_int(g.ist));
                        kint_json_target(c, ev, "handler", g.offset);
                        if (m)
                                json_object_object_add(ev, "module", json_object_new_string(m->name));
                }
                r = triage_add(out, m ? HVS_SEV_HIGH : HVS_SEV_CRITICAL, CHECK_ID, -1, base + v * 16, title,
                               "Every interrupt and exception handler of Linux is in kernel text (entry code); a "
                               "gate that points elsewhere runs foreign code on that interrupt or exception.",
                               "T1014", ev);
                if (r < 0)
                        return r;
        }
        return 0;
}

TRIAGE_CHECK(triage_check_idt) {
        return triage_check_idt_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_idt_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        struct kint c;
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        uint64_t bases[MAX_TABLES];
        size_t nb = 0;
        unsigned gates = 0, early = 0;
        uint64_t idt_table = 0;
        hvs_gpa idt_pa = HVS_GPA(0);
        bool have_idt_pa = kint_sym(&c, "idt_table", &idt_table) == 0 &&
                           hvs_vas_translate(c.as, HVS_GVA(idt_table), &idt_pa) == 0;
        const hvs_vcpu_regs *regs = NULL;
        size_t nregs = 0;
        if (hvs_mem_vcpus(hvs_vas_mem(c.as), &regs, &nregs) < 0)
                nregs = 0;
        for (size_t i = 0; i < nregs; i++) {
                if (!(regs[i].valid & HVS_REG_DT))
                        continue;
                uint64_t base = regs[i].idt_base;
                bool seen = false;
                for (size_t j = 0; j < nb; j++)
                        seen |= bases[j] == base;
                if (seen || nb == MAX_TABLES)
                        continue;
                bases[nb++] = base;
                hvs_gpa pa;
                if (have_idt_pa && hvs_vas_translate(c.as, HVS_GVA(base), &pa) == 0 && pa.v != idt_pa.v) {
                        char title[200];
                        snprintf(title, sizeof title, "vCPU %u: IDTR 0x%" PRIx64 " is not idt_table", regs[i].cpu,
                                 base);
                        json_object *ev = json_object_new_object();
                        if (ev) {
                                json_object_object_add(ev, "cpu", json_object_new_int((int)regs[i].cpu));
                                json_object_object_add(ev, "idtr_base", triage_json_addr(base));
                                json_object_object_add(ev, "idtr_pa", triage_json_addr(pa.v));
                                json_object_object_add(ev, "idt_table", triage_json_addr(idt_table));
                                json_object_object_add(ev, "idt_table_pa", triage_json_addr(idt_pa.v));
                        }
                        if ((r = triage_add(out, HVS_SEV_HIGH, CHECK_ID, -1, base, title,
                                            "Linux loads one IDT (idt_table, through its read-only alias in the CPU "
                                            "entry area) on every CPU. This vCPU's IDTR maps other memory.",
                                            "T1014", ev)) < 0)
                                goto done;
                }
                if ((r = check_table(&c, base, "IDTR", out, &gates, &early)) < 0)
                        goto done;
        }
        if (nb == 0) {
                if (!idt_table) {
                        r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, "no IDTR and no idt_table symbol",
                                       "The interrupt table could not be located.", NULL, NULL);
                        goto done;
                }
                if ((r = check_table(&c, idt_table, "idt_table", out, &gates, &early)) < 0)
                        goto done;
        }
        if (early) {
                char t[160];
                snprintf(t, sizeof t, "%u reserved exception vectors keep their boot stub (early_idt_handler_array)",
                         early);
                if ((r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, t,
                                    "Linux leaves the boot-time handler of the exception vectors it does not use; "
                                    "each gate points at its own stub of early_idt_handler_array (freed init text, "
                                    "never raised by the CPU). Not a hook.",
                                    NULL, NULL)) < 0)
                        goto done;
        }
        if (c.mods_partial)
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, c.mods_err, NULL, NULL, NULL);
done:
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "idt-hook: %s", strerror(-r)) : 0;
}
