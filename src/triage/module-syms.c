/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * module-syms.c - a module's own symbol table: the "module-symbols" view of
 * the hidden-module check.
 *
 * Each struct module carries its symbols (module.kallsyms -> struct
 * mod_kallsyms { Elf64_Sym *symtab; unsigned int num_symtab; char *strtab;
 * char *typetab; }), the table /proc/kallsyms prints after the kernel's
 * own symbols. The kernel reaches it only through the `modules` list
 * (module_kallsyms_on_each_symbol(), /proc/kallsyms), so a module unlinked
 * from that list also vanishes from /proc/kallsyms: its symbols, read here
 * through a struct module another view found, are the names of the code it
 * hides. After init, mod->kallsyms points at core_kallsyms: the symbols of
 * the module's core sections (functions; data too with KALLSYMS_ALL, and
 * per-cpu variables at their per-cpu address), whose addresses lie in the
 * module's own memory. A symbol outside it is an inconsistency: a table
 * pointed elsewhere, or memory areas rewritten to hide code.
 *
 * Everything is guest data: the count is clamped (HVS_MAX_MODULE_SYMBOLS),
 * the table is read in bounded chunks, names are read with a 64-byte cap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hidden.h"

#define ELF64_SYM_SIZE 24u
#define SYM_CHUNK 4096u                 /* symbols read at once (96 KiB) */
#define SHN_UNDEF 0u

static int rdp(struct hm_ctx *c, uint64_t base, uint32_t off, void *buf, size_t n) {
        uint64_t a;
        if (off == HP_ABSENT || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read(c->kv, HVS_GVA(a), buf, n);
}

static bool in_mem(const struct hm_modmem *m, uint64_t a) {
        for (size_t i = 0; i < m->n; i++)
                if (a >= m->r[i].lo && a < m->r[i].hi)
                        return true;
        return m->percpu && a >= m->percpu && a < m->percpu_hi;
}

struct pick {
        uint32_t name;                  /* st_name */
        char type;
};

int hm_module_syms(struct hm_ctx *c, uint64_t mod, const struct hm_modmem *mem, bool names, struct hm_syms *ret) {
        const struct hm_offsets *o = c->o;
        if (o->kallsyms == HP_ABSENT || o->ks_symtab == HP_ABSENT || o->ks_num == HP_ABSENT || o->ks_strtab == HP_ABSENT)
                return -ENOENT;
        uint8_t raw[8];
        uint64_t ks, symtab, strtab, typetab = 0;
        uint32_t num;
        int e;
        if ((e = rdp(c, mod, o->kallsyms, raw, 8)) < 0)
                return e;
        ks = hvs_le64(raw);
        if (!ks)
                return -EFAULT;
        if ((e = rdp(c, ks, o->ks_symtab, raw, 8)) < 0)
                return e;
        symtab = hvs_le64(raw);
        if ((e = rdp(c, ks, o->ks_num, raw, 4)) < 0)
                return e;
        num = hvs_le32(raw);
        if ((e = rdp(c, ks, o->ks_strtab, raw, 8)) < 0)
                return e;
        strtab = hvs_le64(raw);
        if (rdp(c, ks, o->ks_typetab, raw, 8) == 0)
                typetab = hvs_le64(raw);

        struct hm_syms s = { .num = num };
        uint32_t n = MIN(num, HVS_MAX_MODULE_SYMBOLS);
        uint64_t end;
        if (hvs_mul_overflow((uint64_t)n, (uint64_t)ELF64_SYM_SIZE, &end) || hvs_add_overflow(symtab, end, &end))
                return -EBADMSG;
        _cleanup_free_ uint8_t *buf = hvs_malloc((size_t)SYM_CHUNK * ELF64_SYM_SIZE);
        _cleanup_free_ char *types = hvs_malloc(SYM_CHUNK);
        if (!buf || !types)
                return -ENOMEM;
        /* Twice as many candidates as kept: 6.12's __pfx_ padding symbols double every function. */
        struct pick funcs[2 * HM_SYMS_LISTED], others[HM_SYMS_LISTED];
        size_t nf = 0, no = 0;
        for (uint32_t at = 0; at < n; at += SYM_CHUNK) {
                uint32_t k = MIN(SYM_CHUNK, n - at);
                if ((e = hvs_vas_read(c->kv, HVS_GVA(symtab + (uint64_t)at * ELF64_SYM_SIZE), buf,
                                      (size_t)k * ELF64_SYM_SIZE)) < 0) {
                        /* The table ends in an unmapped page before its count: keep what precedes it. */
                        uint32_t ok = 0;
                        while (ok < k && hvs_vas_read(c->kv, HVS_GVA(symtab + (uint64_t)(at + ok) * ELF64_SYM_SIZE),
                                                      buf + (size_t)ok * ELF64_SYM_SIZE, ELF64_SYM_SIZE) == 0)
                                ok++;
                        if (!ok)
                                break;
                        k = ok;
                        n = at + k;     /* the last chunk */
                }
                if (!typetab || hvs_vas_read(c->kv, HVS_GVA(typetab + at), types, k) < 0)
                        memset(types, '?', k);
                for (uint32_t i = 0; i < k; i++) {
                        const uint8_t *sym = buf + (size_t)i * ELF64_SYM_SIZE;
                        uint64_t value = hvs_le64(sym + 8);
                        uint32_t name = hvs_le32(sym);
                        if (at + i == 0 || !value || hvs_le16(sym + 6) == SHN_UNDEF)
                                continue;
                        s.defined++;
                        if (!in_mem(mem, value) && s.outside++ == 0)
                                s.first_outside = value;
                        char t = types[i] >= 0x21 && types[i] < 0x7f ? types[i] : '?';
                        if (!names || !name)
                                continue;
                        if ((t == 't' || t == 'T') && nf < ARRAY_SIZE(funcs))
                                funcs[nf++] = (struct pick){ name, t };
                        else if (t != 't' && t != 'T' && no < HM_SYMS_LISTED)
                                others[no++] = (struct pick){ name, t };
                }
                s.read = at + k;
        }
        if (s.read == 0 && n > 0)
                return e < 0 ? e : -EFAULT;
        for (size_t i = 0; names && strtab && i < nf + no && s.nnames < HM_SYMS_LISTED; i++) {
                const struct pick *p = i < nf ? &funcs[i] : &others[i - nf];
                char *dst = s.names[s.nnames];
                uint64_t at;
                if (hvs_add_overflow(strtab, (uint64_t)p->name, &at))
                        continue;
                int r = hvs_vas_read_str(c->kv, HVS_GVA(at), dst, sizeof s.names[0]);
                if ((r < 0 && r != -E2BIG) || !dst[0] || strncmp(dst, "__pfx_", 6) == 0)
                        continue;
                for (char *q = dst; *q; q++)
                        if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
                                *q = '?';
                s.types[s.nnames++] = p->type;
        }
        *ret = s;
        return 0;
}
