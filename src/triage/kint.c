/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kint.c - the kernel as the integrity checks see it: its text range from
 * kallsyms, the loaded modules' memory (the modules view), and lookups of
 * where an address points.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "kint.h"

static int cmp_mod(const void *a, const void *b) {
        const struct kint_module *x = a, *y = b;
        return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int kint_sym(struct kint *c, const char *name, uint64_t *ret) {
        return hvs_profile_symbol(c->p, name, ret);
}

int kint_open(hvs_linux *k, hvs_diag *diag, struct kint *ret) {
        struct kint c = { .k = k };
        if (!c.k)
                return HVS_DIAG(diag, -EINVAL, "no kernel in this session");
        c.as = hvs_linux_kernel_vas(c.k);
        c.p = hvs_linux_profile(c.k);
        int r = hvs_profile_ksyms(c.p, &c.syms);
        if (r < 0)
                return HVS_DIAG(diag, r, "kernel symbols: %s", strerror(-r));
        if (kint_sym(&c, "_text", &c.text_lo) < 0 || kint_sym(&c, "_etext", &c.text_hi) < 0 ||
            c.text_hi <= c.text_lo)
                return HVS_DIAG(diag, -ENOENT, "kernel text range (_text, _etext) not in kallsyms");
        if (kint_sym(&c, "_sinittext", &c.inittext_lo) < 0 || kint_sym(&c, "_einittext", &c.inittext_hi) < 0 ||
            c.inittext_hi <= c.inittext_lo)
                c.inittext_lo = c.inittext_hi = 0;

        hvs_module_list *ml = NULL;
        r = hvs_linux_modules(c.k, &ml);
        if (r < 0) {
                c.mods_partial = true;
                snprintf(c.mods_err, sizeof c.mods_err, "module list unreadable: %s", strerror(-r));
        } else {
                if (ml->truncated) {
                        c.mods_partial = true;
                        snprintf(c.mods_err, sizeof c.mods_err, "module list truncated: %.96s", ml->trunc_msg);
                }
                c.mods = ml->n ? hvs_calloc(ml->n, sizeof *c.mods) : NULL;
                if (ml->n && !c.mods) {
                        hvs_module_list_free(ml);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < ml->n; i++) {
                        const hvs_module *m = &ml->modules[i];
                        uint64_t hi;
                        if (!m->base || hvs_add_overflow(m->base, m->size, &hi))
                                continue;
                        struct kint_module *d = &c.mods[c.nmods++];
                        d->lo = m->base;
                        d->hi = hi;
                        d->addr = m->addr.v;
                        hvs_strlcpy(d->name, m->name, sizeof d->name);
                }
                qsort(c.mods, c.nmods, sizeof *c.mods, cmp_mod);
                hvs_module_list_free(ml);
        }
        *ret = c;
        return 0;
}

void kint_close(struct kint *c) {
        free(c->mods);
        c->mods = NULL;
        c->nmods = 0;
}

enum kint_where kint_where(const struct kint *c, uint64_t addr, const struct kint_module **ret_mod) {
        if (addr >= c->text_lo && addr < c->text_hi)
                return KINT_IN_KERNEL;
        /* The last module starting at or below addr. Module sizes (/proc/modules) add up every
         * area, so on 6.4+ where areas are separate allocations a range may overlap the next
         * module: the closest start wins. */
        size_t lo = 0, hi = c->nmods;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (c->mods[mid].lo <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo > 0 && addr < c->mods[lo - 1].hi) {
                if (ret_mod)
                        *ret_mod = &c->mods[lo - 1];
                return KINT_IN_MODULE;
        }
        if (c->inittext_hi && addr >= c->inittext_lo && addr < c->inittext_hi)
                return KINT_IN_INITTEXT;
        return KINT_IN_UNKNOWN;
}

const char *kint_where_name(enum kint_where w) {
        switch (w) {
        case KINT_IN_KERNEL: return "kernel text";
        case KINT_IN_MODULE: return "module";
        case KINT_IN_INITTEXT: return "freed init text";
        case KINT_IN_UNKNOWN: break;
        }
        return "outside kernel and modules";
}

const char *kint_owner(const struct kint *c, uint64_t addr) {
        const struct kint_module *m = NULL;
        enum kint_where w = kint_where(c, addr, &m);
        return w == KINT_IN_MODULE ? m->name : w == KINT_IN_KERNEL ? "" : kint_where_name(w);
}

void kint_symname(struct kint *c, uint64_t addr, char *buf, size_t cap) {
        hvs_ksym ks;
        uint64_t off;
        buf[0] = 0;
        if (kint_where(c, addr, NULL) != KINT_IN_KERNEL || hvs_ksyms_lookup_addr(c->syms, addr, &ks, &off) < 0)
                return;
        if (off)
                snprintf(buf, cap, "%s+0x%" PRIx64, ks.name, off);
        else
                snprintf(buf, cap, "%s", ks.name);
}

void kint_json_target(struct kint *c, json_object *o, const char *key, uint64_t addr) {
        const struct kint_module *m = NULL;
        enum kint_where w = kint_where(c, addr, &m);
        json_object *t = json_object_new_object();
        char sym[160];
        if (!t)
                return;
        json_object_object_add(t, "addr", triage_json_addr(addr));
        json_object_object_add(t, "where", json_object_new_string(kint_where_name(w)));
        if (m) {
                json_object_object_add(t, "module", json_object_new_string(m->name));
                json_object_object_add(t, "module_base", triage_json_addr(m->lo));
        }
        kint_symname(c, addr, sym, sizeof sym);
        if (sym[0])
                json_object_object_add(t, "symbol", json_object_new_string(sym));
        json_object_object_add(o, key, t);
}

int kint_sym_extent(struct kint *c, uint64_t addr, uint64_t *ret_start, uint64_t *ret_end, const char **ret_name) {
        size_t n = hvs_ksyms_count(c->syms), lo = 0, hi = n;
        while (lo < hi) {       /* first symbol above addr */
                size_t mid = lo + (hi - lo) / 2;
                const hvs_ksym *s = hvs_ksyms_get(c->syms, mid);
                if (s && s->addr <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return -ENOENT;
        const hvs_ksym *s = hvs_ksyms_get(c->syms, lo - 1), *next = hvs_ksyms_get(c->syms, lo);
        if (!s)
                return -ENOENT;
        /* Several names may share the start: prefer a global function name. */
        size_t j = lo - 1;
        while (j > 0) {
                const hvs_ksym *p = hvs_ksyms_get(c->syms, j - 1);
                if (!p || p->addr != s->addr)
                        break;
                if (p->type == 'T' && s->type != 'T')
                        s = p;
                j--;
        }
        if (ret_start)
                *ret_start = s->addr;
        if (ret_end)
                *ret_end = next ? next->addr : s->addr;
        if (ret_name)
                *ret_name = s->name;
        return 0;
}
