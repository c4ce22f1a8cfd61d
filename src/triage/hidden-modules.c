/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hidden-modules.c - the hidden-module check: kernel modules missing from
 * the module list.
 *
 * Views that find struct modules:
 *   module-list  the kernel's `modules` list (lsmod, /proc/modules,
 *                /proc/kallsyms and find_module() read it)
 *   module-tree  the module address tree `mod_tree` (a latch tree: two
 *                rb-trees, tree[0] is walked), whose nodes (struct
 *                mod_tree_node, one per memory area of each module) point
 *                at their struct module; the kernel resolves module
 *                addresses with it (__module_address(), stack traces), so a
 *                module that unlinked itself from the list is still there
 *   memory-scan  guest-physical RAM, 64-byte aligned (struct module is
 *                cache-aligned), for structures that validate as a struct
 *                module (hm_module_plausible()) and whose self pointer
 *                (mkobj.mod) translates back to the very bytes scanned: a
 *                stale copy in freed memory fails that test, since vfree()
 *                unmapped its address
 *   sysfs        module_kset's list of kobjects (/sys/module/NAME): a
 *                loadable module's is its own mkobj.kobj, whose mkobj.mod
 *                points back at it; rootkits that unlink from the list
 *                often forget kobject_del()
 * Views that confirm one (module-areas.c, module-syms.c):
 *   module-areas what the page tables map in module space, each area
 *                attributed to a module found by any view or to the
 *                kernel's own users of that space (eBPF, ftrace, kprobes);
 *                a module is seen when memory it states is mapped there
 *   module-symbols  its own symbol table (mod->kallsyms), read and
 *                consistent with its memory
 * Findings: a module that a view holds and the list does not is hidden from
 * the list (with its symbols as evidence: /proc/kallsyms lost them too); a
 * live module on the list that the tree or sysfs lacks was taken out of it;
 * a module whose symbols point outside its memory; executable memory in
 * module space that no module and no known user owns. Modules being loaded
 * or unloaded (UNFORMED, GOING) are skipped: the kernel links them in and
 * out in steps. On a live guest, anything suspicious is looked at a second
 * time (translations flushed, every view but the scan read again) and only
 * what both passes show is reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <hvscope/linux.h>
#include <hvscope/limits.h>
#include "os/linux/linux-internal.h"
#include "os/linux/list.h"
#include "hidden.h"

#define CHECK_ID "hidden-module"
#define MOD_SCAN_ALIGN 64u
#define MODULE_STATE_GOING 2u
#define MODULE_STATE_UNFORMED 3u

const char *const hm_view_names[HM_NVIEWS] = { "module-list", "module-tree", "memory-scan",
                                                "sysfs", "module-areas", "module-symbols" };

static bool kb_mod(const struct kbounds *b, uint64_t p) {
        return p >= b->mod && p < b->mod_end && (p & 7) == 0;
}

static bool kb_any(const struct kbounds *b, uint64_t p) {
        return kb_kernel(b, p) || kb_mod(b, p);
}

int hm_view_list(struct hm_ctx *c, struct addrset *out) {
        hvs_list_iter it;
        hvs_list_iter_init(&it, c->kv, HVS_GVA(c->modules), c->max_modules);
        hvs_gva n;
        int e;
        while ((e = hvs_list_iter_next(&it, &n)) == 1)
                if ((e = addrset_add(out, n.v - c->o->list, c->max_modules)) < 0)
                        return e;
        return e;
}

int hm_view_tree(struct hm_ctx *c, struct addrset *out) {
        const struct hm_offsets *o = c->o;
        if (!c->mod_tree || o->tree_root == HP_ABSENT || o->mtn_mod == HP_ABSENT || o->mtn_node == HP_ABSENT)
                return -ENOENT;
        uint64_t root;
        int e = hvs_vas_read_u64(c->kv, HVS_GVA(c->mod_tree + o->tree_root), &root);
        if (e < 0)
                return e;
        /* Each module has up to 7 areas (6.4+), each a node; the walk is capped at that many per module. */
        uint32_t budget = c->max_modules * 8;
        uint64_t stack[256];
        size_t sp = 0;
        if (root)
                stack[sp++] = root;
        int err = 0;
        while (sp) {
                uint64_t n = stack[--sp];
                if (!budget--)
                        return -E2BIG;
                if (!kb_any(&c->kb, n))
                        continue;
                uint64_t l = 0, r = 0, mod = 0;
                if (hvs_vas_read_u64(c->kv, HVS_GVA(n + o->rb_left), &l) < 0 ||
                    hvs_vas_read_u64(c->kv, HVS_GVA(n + o->rb_right), &r) < 0) {
                        err = -EFAULT;
                        continue;
                }
                if (l && sp < ARRAY_SIZE(stack))
                        stack[sp++] = l;
                if (r && sp < ARRAY_SIZE(stack))
                        stack[sp++] = r;
                if (hvs_vas_read_u64(c->kv, HVS_GVA(n - o->mtn_node + o->mtn_mod), &mod) == 0 && kb_mod(&c->kb, mod) &&
                    (e = addrset_add(out, mod, c->max_modules)) < 0 && e != -E2BIG)
                        return e;
        }
        return err;
}

static uint32_t hm_extent(const struct hm_offsets *o) {
        uint32_t offs[] = { o->list + 16, o->name + o->name_size, o->state + 4, o->mkobj_mod + 8 };
        uint32_t m = 0;
        for (size_t i = 0; i < ARRAY_SIZE(offs); i++)
                if (offs[i] > m)
                        m = offs[i];
        return m;
}

static bool modname_ok(const uint8_t *s, size_t n) {
        size_t i = 0;
        while (i < n && s[i]) {
                uint8_t ch = s[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                      ch == '-'))
                        return false;
                i++;
        }
        if (i == 0 || i == n)
                return false;
        for (; i < n; i++)
                if (s[i])
                        return false;
        return true;
}

bool hm_module_plausible(const struct hm_offsets *o, const struct kbounds *kb, const uint8_t *p, size_t len) {
        if (o->name_size < 2 || o->name_size > 256 || hm_extent(o) > len)
                return false;
        if (hvs_le32(p + o->state) > MODULE_STATE_UNFORMED)
                return false;
        if (!kb_mod(kb, hvs_le64(p + o->mkobj_mod)))
                return false;
        if (!kb_any(kb, hvs_le64(p + o->list)) || !kb_any(kb, hvs_le64(p + o->list + 8)))
                return false;
        return modname_ok(p + o->name, o->name_size);
}

struct scan_ud {
        struct hm_ctx *c;
        struct addrset *out;
        uint32_t need;
};

static int scan_one(void *ud_, uint64_t pa, const uint8_t *p, size_t avail) {
        struct scan_ud *ud = ud_;
        struct hm_ctx *c = ud->c;
        if (avail < ud->need || hvs_le32(p + c->o->state) > MODULE_STATE_UNFORMED ||
            !hm_module_plausible(c->o, &c->kb, p, avail))
                return 0;
        uint64_t self = hvs_le64(p + c->o->mkobj_mod);
        hvs_gpa got;
        if (hvs_vas_translate(c->kv, HVS_GVA(self), &got) < 0 || got.v != pa)
                return 0;
        int e = addrset_add(ud->out, self, c->max_modules);
        return e == -E2BIG ? 0 : e;
}

int hm_view_scan(struct hm_ctx *c, struct triage_budget *b, struct addrset *out) {
        struct scan_ud ud = { .c = c, .out = out, .need = hm_extent(c->o) };
        if (ud.need > 65536)
                return -EBADMSG;
        return hscan_phys(c->mem, b, MOD_SCAN_ALIGN, ud.need, scan_one, &ud);
}

/* Kobjects on module_kset besides loadable modules': built-in code with parameters (~150 on Debian). */
#define HM_MAX_BUILTIN_KOBJS 4096u
/* A struct module within this distance of an unowned area, outside the memory it states, is named in its
 * finding (6.4+ allocates a module's text and data areas separately, usually side by side). */
#define HM_NEAR (1ull << 20)
/* Bytes of an unowned area's code given in its finding (hex). */
#define HM_CODE_HEAD 32u
/* Areas listed in the summary's evidence (the counts cover all). */
#define HM_AREAS_LISTED 64u

int hm_view_sysfs(struct hm_ctx *c, struct addrset *out) {
        const struct hm_offsets *o = c->o;
        if (!c->module_kset || o->mkobj == HP_ABSENT || o->kobj_entry == HP_ABSENT || o->kset_list == HP_ABSENT ||
            o->mkobj_mod < o->mkobj)
                return -ENOENT;
        uint64_t kset;
        int e = hvs_vas_read_u64(c->kv, HVS_GVA(c->module_kset), &kset);
        if (e < 0)
                return e;
        if (!kb_kernel(&c->kb, kset))
                return -EFAULT;
        hvs_list_iter it;
        hvs_gva n;
        hvs_list_iter_init(&it, c->kv, HVS_GVA(kset + o->kset_list), c->max_modules + HM_MAX_BUILTIN_KOBJS);
        while ((e = hvs_list_iter_next(&it, &n)) == 1) {
                uint64_t kobj = n.v - o->kobj_entry, mod;
                /* struct module_kobject { struct kobject kobj; struct module *mod; ... }: mod is NULL for built-in code */
                if (hvs_vas_read_u64(c->kv, HVS_GVA(kobj + (o->mkobj_mod - o->mkobj)), &mod) < 0 || !mod)
                        continue;
                if (!kb_mod(&c->kb, mod) || mod + o->mkobj != kobj)
                        continue;
                int r = addrset_add(out, mod, c->max_modules);
                if (r < 0 && r != -E2BIG)
                        return r;
        }
        return e;
}

bool hm_offsets_ok(const struct hm_offsets *o) {
        const uint64_t sz = o->mod_size;
        if (sz == 0 || o->name_size < 2 || o->name_size > 256)
                return false;
        const struct { uint32_t off, len; } f[] = {
                { o->list, 16 }, { o->name, o->name_size }, { o->state, 4 }, { o->mkobj_mod, 8 },
                { o->core_base, 8 }, { o->core_size, 4 }, { o->init_base, 8 }, { o->init_size, 4 },
                { o->percpu, 8 }, { o->percpu_size, 4 }, { o->its_num, 4 }, { o->its_array, 8 },
                { o->kallsyms, 8 }, { o->mkobj, 8 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(f); i++)
                if (f[i].off != HP_ABSENT && !hvs_range_ok(f[i].off, f[i].len, sz))
                        return false;
        if (o->mem != HP_ABSENT) {
                if (o->mem_elem == 0 || o->mem_elem == HP_ABSENT || o->mem_bytes % o->mem_elem ||
                    o->mem_bytes / o->mem_elem == 0 || o->mem_bytes / o->mem_elem > 16 ||
                    !hvs_range_ok(o->mem, o->mem_bytes, sz) || !hvs_range_ok(o->mem_base, 8, o->mem_elem) ||
                    !hvs_range_ok(o->mem_size, 4, o->mem_elem))
                        return false;
        } else if (o->core_base == HP_ABSENT || o->core_size == HP_ABSENT) {
                return false;
        }
        return true;
}

/* ---- the comparison ---- */

enum { VL_LIST, VL_TREE, VL_SCAN, VL_SYSFS, VL_NFIND };  /* the views that find struct modules */

/* Everything known about one struct module that some view found. */
struct hm_mod {
        uint64_t addr;
        unsigned seen;                  /* HM_V_* */
        bool readable;
        char name[57];
        uint32_t state;
        struct hm_modmem mem;
        bool mem_ok;
        uint32_t syms_defined, syms_outside;    /* hm_syms' counts (names are read only for what is reported) */
        int syms_err;
        uint32_t area_pages, area_exec;
};

struct hm_pass {
        struct addrset sets[VL_NFIND];
        int errs[VL_NFIND];
        double ms[HM_NVIEWS];
        struct hm_mod *mods;            /* sorted by addr */
        size_t nmods;
        struct hm_areas areas;
        int areas_err;
        struct hm_claims claims;
        unsigned ran;                   /* HM_V_* that ran */
        size_t nsyms_read;
};

static void pass_free(struct hm_pass *p) {
        for (int v = 0; v < VL_NFIND; v++)
                addrset_free(&p->sets[v]);
        free(p->mods);
        hm_areas_free(&p->areas);
        hm_claims_free(&p->claims);
        *p = (struct hm_pass){ 0 };
}

static struct hm_mod *find_mod(struct hm_pass *p, uint64_t addr) {
        size_t lo = 0, hi = p->nmods;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (p->mods[mid].addr == addr)
                        return &p->mods[mid];
                if (p->mods[mid].addr < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void read_modinfo(struct hm_ctx *c, struct hm_mod *m) {
        uint8_t buf[512];
        const struct hm_offsets *o = c->o;
        if (o->name_size > sizeof buf || hvs_vas_read(c->kv, HVS_GVA(m->addr + o->name), buf, o->name_size) < 0 ||
            hvs_vas_read_u32(c->kv, HVS_GVA(m->addr + o->state), &m->state) < 0)
                return;
        size_t n = MIN((size_t)o->name_size, sizeof m->name - 1);
        for (size_t i = 0; i < n; i++)
                m->name[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : buf[i] ? '?' : 0;
        m->name[n] = 0;
        m->readable = true;
}

static double ms_since(uint64_t t0) {
        return (double)(hvs_now_ns() - t0) / 1e6;
}

/* One reading of every view. @scan: the scan's set from an earlier pass (reused: the scan is the costly
 * view and a struct module does not move), or NULL to scan. */
static int run_pass(struct hm_ctx *c, struct triage_budget *b, const struct addrset *scan, struct hm_pass *p) {
        int e;
        for (int v = 0; v < VL_NFIND; v++) {
                uint64_t t0 = hvs_now_ns();
                if (v == VL_LIST)
                        p->errs[v] = hm_view_list(c, &p->sets[v]);
                else if (v == VL_TREE)
                        p->errs[v] = hm_view_tree(c, &p->sets[v]);
                else if (v == VL_SYSFS)
                        p->errs[v] = hm_view_sysfs(c, &p->sets[v]);
                else if (!scan)
                        p->errs[v] = hm_view_scan(c, b, &p->sets[v]);
                else {
                        p->errs[v] = 0;
                        for (size_t i = 0; i < scan->n && p->errs[v] == 0; i++)
                                p->errs[v] = addrset_add(&p->sets[v], scan->v[i], c->max_modules);
                }
                if (p->errs[v] == -ENOMEM)
                        return -ENOMEM;
                p->ms[v] = ms_since(t0);
                addrset_sort(&p->sets[v]);
                if (p->sets[v].n || p->errs[v] == 0)
                        p->ran |= 1u << v;
        }
        /* The union, each struct module once, with the views that saw it. */
        struct addrset u = { 0 };
        e = 0;
        for (int v = 0; v < VL_NFIND && e >= 0; v++)
                for (size_t i = 0; i < p->sets[v].n && e >= 0; i++)
                        e = addrset_add(&u, p->sets[v].v[i], (size_t)c->max_modules * VL_NFIND);
        addrset_sort(&u);
        if (e == -ENOMEM || (u.n && !(p->mods = hvs_calloc(u.n, sizeof *p->mods)))) {
                addrset_free(&u);
                return -ENOMEM;
        }
        p->nmods = u.n;
        for (size_t i = 0; i < u.n; i++) {
                struct hm_mod *m = &p->mods[i];
                m->addr = u.v[i];
                for (int v = 0; v < VL_NFIND; v++)
                        if (addrset_has(&p->sets[v], m->addr))
                                m->seen |= 1u << v;
        }
        addrset_free(&u);

        /* Each module's memory and symbols; its memory is a claim on module space. A guest that makes the
         * views find very many struct modules is read until the check's time budget is spent. */
        uint64_t t_syms = 0;
        for (size_t i = 0; i < p->nmods && !triage_budget_over(b); i++) {
                struct hm_mod *m = &p->mods[i];
                struct hm_syms sy;
                read_modinfo(c, m);
                if (!m->readable || hm_module_mem(c, m->addr, &m->mem) < 0)
                        continue;
                m->mem_ok = true;
                for (size_t r = 0; r < m->mem.n; r++)
                        if ((e = hm_claims_add(&p->claims, m->mem.r[r].lo, m->mem.r[r].hi, m->addr, HM_OWN_MODULE,
                                               false)) == -ENOMEM)
                                return e;
                if ((e = hm_module_its(c, &m->mem, m->addr, &p->claims)) == -ENOMEM)
                        return e;
                uint64_t t0 = hvs_now_ns();
                m->syms_err = hm_module_syms(c, m->addr, &m->mem, false, &sy);
                t_syms += hvs_now_ns() - t0;
                if (m->syms_err == -ENOMEM)
                        return -ENOMEM;
                if (m->syms_err == 0) {
                        p->nsyms_read++;
                        m->syms_defined = sy.defined;
                        m->syms_outside = sy.outside;
                        if (sy.defined && !sy.outside)
                                m->seen |= HM_V_SYMS;
                }
        }
        p->ms[5] = (double)t_syms / 1e6;
        if (p->nsyms_read)
                p->ran |= HM_V_SYMS;

        /* Module space as mapped, and who owns each area. */
        uint64_t t0 = hvs_now_ns();
        if ((e = hm_view_areas(c, &p->areas)) < 0) {
                if (e == -ENOMEM)
                        return e;
                p->areas_err = e;
        } else {
                p->areas_err = p->areas.err;
                if ((e = hm_known_claims(c, &p->claims)) < 0 || (e = hm_attribute(&p->areas, &p->claims)) < 0)
                        return e;
                p->ran |= HM_V_AREAS;
                for (size_t i = 0; i < p->areas.n; i++) {
                        const struct hm_area *a = &p->areas.v[i];
                        struct hm_mod *m = a->owner_kind == HM_OWN_MODULE ? find_mod(p, a->owner) : NULL;
                        if (!m)
                                continue;
                        m->area_pages += a->pages;
                        m->area_exec += a->exec_pages;
                        m->seen |= HM_V_AREAS;
                }
        }
        p->ms[4] = ms_since(t0);
        return 0;
}

static bool transient(const struct hm_mod *m) {
        return !m->readable || m->state == MODULE_STATE_GOING || m->state == MODULE_STATE_UNFORMED;
}

/* What is suspicious about a module: HM_V_* bits of the views it is missing from, plus SUSP_SYMS. */
#define SUSP_SYMS (1u << 16)

static unsigned mod_suspicion(const struct hm_pass *p, const struct hm_mod *m) {
        if (transient(m))
                return 0;
        unsigned s = 0;
        if (!(m->seen & HM_V_LIST))
                s |= HM_V_LIST;
        else {
                if ((p->ran & HM_V_TREE) && p->sets[VL_TREE].n && !(m->seen & HM_V_TREE))
                        s |= HM_V_TREE;
                /* A module still loading (COMING) gets its sysfs directory after it is on the list. */
                if ((p->ran & HM_V_SYSFS) && p->sets[VL_SYSFS].n && !(m->seen & HM_V_SYSFS) &&
                    m->state == HVS_MODULE_LIVE)
                        s |= HM_V_SYSFS;
        }
        if (m->syms_err == 0 && m->syms_outside && m->state == HVS_MODULE_LIVE)
                s |= SUSP_SYMS;
        return s;
}

static bool area_suspicious(const struct hm_area *a) {
        return a->exec_pages && a->owner_kind == HM_OWN_NONE;
}

static json_object *views_json(unsigned bits) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < HM_NVIEWS; i++)
                if (bits & (1u << i))
                        json_object_array_add(a, json_object_new_string(hm_view_names[i]));
        return a;
}

/* The memory areas a module states, with what of them is mapped. */
static json_object *memory_json(const struct hm_pass *p, const struct hm_mod *m) {
        json_object *arr = json_object_new_array();
        for (size_t r = 0; arr && r < m->mem.n; r++) {
                uint64_t lo = m->mem.r[r].lo, hi = m->mem.r[r].hi, mapped = 0, exec = 0;
                for (size_t i = 0; i < p->areas.n; i++) {
                        const struct hm_area *a = &p->areas.v[i];
                        if (a->hi <= lo || a->lo >= hi)
                                continue;
                        mapped += MIN(a->hi, hi) - MAX(a->lo, lo);
                        if (a->exec_hi > lo && a->exec_lo < hi)
                                exec += MIN(a->exec_hi, hi) - MAX(a->exec_lo, lo);
                }
                json_object *j = json_object_new_object();
                json_object_object_add(j, "start", triage_json_addr(lo));
                json_object_object_add(j, "end", triage_json_addr(hi));
                json_object_object_add(j, "mapped_pages", json_object_new_int64((int64_t)(mapped / 4096)));
                json_object_object_add(j, "exec_pages", json_object_new_int64((int64_t)(exec / 4096)));
                json_object_array_add(arr, j);
        }
        return arr;
}

static json_object *symbols_json(const struct hm_syms *s) {
        json_object *j = json_object_new_object(), *names = json_object_new_array();
        json_object_object_add(j, "count", json_object_new_int64(s->defined));
        json_object_object_add(j, "num_symtab", json_object_new_int64(s->num));
        json_object_object_add(j, "outside_memory", json_object_new_int64(s->outside));
        if (s->outside)
                json_object_object_add(j, "first_outside", triage_json_addr(s->first_outside));
        for (uint32_t i = 0; names && i < s->nnames; i++) {
                char t[80];
                snprintf(t, sizeof t, "%c %s", s->types[i], s->names[i]);
                json_object_array_add(names, json_object_new_string(t));
        }
        json_object_object_add(j, "names", names);
        return j;
}

/* The functions among @s's names, "a, b, c" for a title. */
static void func_list(const struct hm_syms *s, char *buf, size_t cap) {
        size_t l = 0;
        buf[0] = 0;
        for (uint32_t i = 0; i < s->nnames && i < 4 && l + 2 < cap; i++) {
                if (s->types[i] != 't' && s->types[i] != 'T')
                        break;
                int w = snprintf(buf + l, cap - l, "%s%s", l ? ", " : "", s->names[i]);
                if (w < 0 || (size_t)w >= cap - l)
                        break;
                l += (size_t)w;
        }
}

static int report_module(struct hm_ctx *c, const struct hm_pass *p, struct hm_mod *m, unsigned susp,
                         hvs_findings *out) {
        /* Names only for what is reported: read again, with them. */
        struct hm_syms s = { .defined = m->syms_defined, .outside = m->syms_outside };
        if (m->syms_err == 0 && m->mem_ok && hm_module_syms(c, m->addr, &m->mem, true, &s) < 0)
                s = (struct hm_syms){ .defined = m->syms_defined, .outside = m->syms_outside };
        unsigned missing = p->ran & ~m->seen;
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "module", triage_json_addr(m->addr));
        json_object_object_add(ev, "name", json_object_new_string(m->name));
        json_object_object_add(ev, "state", json_object_new_int((int32_t)m->state));
        json_object_object_add(ev, "seen_by", views_json(m->seen));
        json_object_object_add(ev, "missing_from", views_json(missing));
        json_object_object_add(ev, "views_run", views_json(p->ran));
        if (m->mem_ok)
                json_object_object_add(ev, "memory", memory_json(p, m));
        if (m->syms_err == 0)
                json_object_object_add(ev, "symbols", symbols_json(&s));
        char title[400], funcs[200];
        func_list(&s, funcs, sizeof funcs);
        if (susp & HM_V_LIST) {
                snprintf(title, sizeof title, "kernel module %s hidden from the module list%s%s%s", m->name,
                         funcs[0] ? " (functions " : "", funcs, funcs[0] ? ")" : "");
                return triage_add(out, HVS_SEV_HIGH, CHECK_ID, -1, m->addr, title,
                                  "A loaded kernel module (its struct module is in the kernel's module address tree,"
                                  " in /sys/module or validated in memory) is not on the `modules` list, so lsmod,"
                                  " /proc/modules and /proc/kallsyms do not show it: kernel rootkits unlink themselves"
                                  " this way (ATT&CK T1014; loading one is T1547.006). Its own symbol table names the"
                                  " code it hides; module-areas says whether that code is mapped.",
                                  "T1014", ev);
        }
        if (susp & (HM_V_TREE | HM_V_SYSFS)) {
                snprintf(title, sizeof title, "kernel module %s hidden from %s%s%s", m->name,
                         susp & HM_V_TREE ? "the module address tree" : "",
                         (susp & HM_V_TREE) && (susp & HM_V_SYSFS) ? " and " : "",
                         susp & HM_V_SYSFS ? "/sys/module" : "");
                return triage_add(out, HVS_SEV_MEDIUM, CHECK_ID, -1, m->addr, title,
                                  "A live module on the module list is missing from a structure the kernel keeps for"
                                  " every loaded module: from the module address tree the kernel cannot attribute its"
                                  " code addresses (stack traces, oopses); from /sys/module (kobject_del) tools that"
                                  " list modules there do not see it. A way to hide a module.",
                                  "T1014", ev);
        }
        snprintf(title, sizeof title, "symbols of kernel module %s point outside its memory (%u of %u, first 0x%" PRIx64 ")",
                 m->name, s.outside, s.defined, s.first_outside);
        return triage_add(out, HVS_SEV_MEDIUM, CHECK_ID, -1, m->addr, title,
                          "A module's own symbol table (mod->kallsyms, what /proc/kallsyms prints for it) names"
                          " addresses outside the memory its struct module states: the table was redirected, or the"
                          " module's memory areas were rewritten to hide code.",
                          "T1014", ev);
}

static bool owns(const struct hm_mod *m, uint64_t a) {
        for (size_t r = 0; m->mem_ok && r < m->mem.n; r++)
                if (a >= m->mem.r[r].lo && a < m->mem.r[r].hi)
                        return true;
        return false;
}

static int report_area(struct hm_ctx *c, const struct hm_pass *p, const struct hm_area *a, hvs_findings *out) {
        /* The closest struct module (any view) inside the area, or near it and outside the memory it states
         * (its memory areas were erased or rewritten); modules packed around it that own their memory are
         * not candidates. */
        const struct hm_mod *near = NULL;
        uint64_t best = UINT64_MAX;
        for (size_t i = 0; i < p->nmods; i++) {
                uint64_t x = p->mods[i].addr;
                uint64_t d = x < a->lo ? a->lo - x : x >= a->hi ? x - a->hi + 1 : 0;
                if (d && (d > HM_NEAR || owns(&p->mods[i], x)))
                        continue;
                if (d < best && p->mods[i].readable) {
                        best = d;
                        near = &p->mods[i];
                }
        }
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "start", triage_json_addr(a->lo));
        json_object_object_add(ev, "end", triage_json_addr(a->hi));
        json_object_object_add(ev, "phys", triage_json_addr(a->pa));
        json_object_object_add(ev, "pages", json_object_new_int64(a->pages));
        json_object_object_add(ev, "exec_start", triage_json_addr(a->exec_lo));
        json_object_object_add(ev, "exec_end", triage_json_addr(a->exec_hi));
        json_object_object_add(ev, "exec_pages", json_object_new_int64(a->exec_pages));
        json_object_object_add(ev, "wx_pages", json_object_new_int64(a->wx_pages));
        uint8_t head[HM_CODE_HEAD];
        if (hvs_vas_read(c->kv, HVS_GVA(a->exec_lo), head, sizeof head) == 0) {
                char hex[2 * HM_CODE_HEAD + 1];
                for (size_t i = 0; i < sizeof head; i++)
                        snprintf(hex + 2 * i, 3, "%02x", head[i]);
                json_object_object_add(ev, "code_head", json_object_new_string(hex));
        }
        json_object_object_add(ev, "views_run", views_json(p->ran));
        if (near) {
                json_object *n = json_object_new_object();
                json_object_object_add(n, "module", triage_json_addr(near->addr));
                json_object_object_add(n, "name", json_object_new_string(near->name));
                json_object_object_add(n, "distance", json_object_new_int64((int64_t)best));
                json_object_object_add(n, "seen_by", views_json(near->seen));
                json_object_object_add(ev, "nearest_module", n);
        }
        char title[300];
        snprintf(title, sizeof title,
                 "code in the module area that belongs to no listed module: 0x%" PRIx64 "-0x%" PRIx64
                 " (%u executable pages%s%s)",
                 a->lo, a->hi, a->exec_pages, near ? ", struct module nearby: " : "", near ? near->name : "");
        return triage_add(out, HVS_SEV_HIGH, CHECK_ID, -1, a->lo, title,
                          "Executable memory is mapped in module space (MODULES_VADDR..MODULES_END, read from the page"
                          " tables) that no struct module found by any view states as its memory and that none of"
                          " the kernel's registries of its other code there (eBPF JIT images and packs, ftrace"
                          " trampolines, kprobe instruction slots) names: code loaded as a module whose struct module"
                          " was erased or rewritten, or placed there by other means (ATT&CK T1014).",
                          "T1014", ev);
}

static json_object *summary_json(const struct hm_ctx *c, const struct hm_pass *p, size_t nfound, int passes) {
        json_object *ev = json_object_new_object();
        for (int v = 0; v < VL_NFIND; v++) {
                json_object *j = json_object_new_object();
                json_object_object_add(j, "modules", json_object_new_int64((int64_t)p->sets[v].n));
                json_object_object_add(j, "ms", json_object_new_double(p->ms[v]));
                if (p->errs[v] < 0)
                        json_object_object_add(j, "error", json_object_new_string(hvs_strerror(p->errs[v])));
                json_object_object_add(ev, hm_view_names[v], j);
        }
        uint64_t by[HM_NOWNERS] = { 0 }, pages = 0, exec = 0;
        size_t unowned_exec = 0;
        for (size_t i = 0; i < p->areas.n; i++) {
                by[p->areas.v[i].owner_kind]++;
                pages += p->areas.v[i].pages;
                exec += p->areas.v[i].exec_pages;
                unowned_exec += area_suspicious(&p->areas.v[i]);
        }
        json_object *a = json_object_new_object();
        json_object_object_add(a, "start", triage_json_addr(c->kb.mod));
        json_object_object_add(a, "end", triage_json_addr(c->kb.mod_end));
        json_object_object_add(a, "areas", json_object_new_int64((int64_t)p->areas.n));
        json_object_object_add(a, "pages", json_object_new_int64((int64_t)pages));
        json_object_object_add(a, "exec_pages", json_object_new_int64((int64_t)exec));
        json_object *o = json_object_new_object();
        for (int k = 0; k < HM_NOWNERS; k++)
                json_object_object_add(o, hm_owner_names[k], json_object_new_int64((int64_t)by[k]));
        json_object_object_add(a, "areas_by_owner", o);
        json_object_object_add(a, "unowned_code_areas", json_object_new_int64((int64_t)unowned_exec));
        json_object *known = json_object_new_array();
        for (int k = HM_OWN_BPF; k < HM_NOWNERS; k++)
                if (p->claims.known & (1u << k))
                        json_object_array_add(known, json_object_new_string(hm_owner_names[k]));
        json_object_object_add(a, "registries_read", known);
        json_object *list = json_object_new_array();
        for (size_t i = 0; list && i < p->areas.n && i < HM_AREAS_LISTED; i++) {
                const struct hm_area *ar = &p->areas.v[i];
                const struct hm_mod *m = ar->owner_kind == HM_OWN_MODULE ? find_mod((struct hm_pass *)p, ar->owner) : NULL;
                char line[200];
                snprintf(line, sizeof line, "0x%" PRIx64 "-0x%" PRIx64 " %u pages, %u exec: %s%s%s", ar->lo, ar->hi,
                         ar->pages, ar->exec_pages, hm_owner_names[ar->owner_kind], m ? " " : "", m ? m->name : "");
                json_object_array_add(list, json_object_new_string(line));
        }
        json_object_object_add(a, "list", list);
        if (p->areas.n > HM_AREAS_LISTED)
                json_object_object_add(a, "list_truncated", json_object_new_boolean(true));
        json_object_object_add(a, "page_tables_read", json_object_new_int64((int64_t)p->areas.st.tables));
        json_object_object_add(a, "ms", json_object_new_double(p->ms[4]));
        if (p->areas_err < 0)
                json_object_object_add(a, "error", json_object_new_string(hvs_strerror(p->areas_err)));
        json_object_object_add(ev, hm_view_names[4], a);
        json_object *sy = json_object_new_object();
        json_object_object_add(sy, "modules", json_object_new_int64((int64_t)p->nsyms_read));
        json_object_object_add(sy, "ms", json_object_new_double(p->ms[5]));
        json_object_object_add(ev, hm_view_names[5], sy);
        json_object_object_add(ev, "findings", json_object_new_int64((int64_t)nfound));
        json_object_object_add(ev, "passes", json_object_new_int(passes));
        return ev;
}

int hm_compare(struct hm_ctx *c, const hvs_triage_opts *opts, hvs_findings *out) {
        struct triage_budget b;
        triage_budget_init(&b, opts);
        struct hm_pass p1 = { 0 }, p2 = { 0 }, *p = &p1;
        int e = run_pass(c, &b, NULL, &p1);
        size_t nfound = 0;
        if (e < 0)
                goto done;
        bool any = false;
        for (size_t i = 0; i < p1.nmods && !any; i++)
                any = mod_suspicion(&p1, &p1.mods[i]) != 0;
        for (size_t i = 0; i < p1.areas.n && !any; i++)
                any = area_suspicious(&p1.areas.v[i]);
        if (any && p1.errs[VL_LIST] == 0) {
                /* A live guest may have loaded or freed a module between two views: look again. */
                hvs_vas_flush(c->kv);
                if ((e = run_pass(c, &b, &p1.sets[VL_SCAN], &p2)) < 0)
                        goto done;
                p2.ms[VL_SCAN] = p1.ms[VL_SCAN];
                p2.errs[VL_SCAN] = p1.errs[VL_SCAN];
                p = &p2;
        }
        if (p1.errs[VL_LIST] == 0) {
                for (size_t i = 0; i < p->nmods && e >= 0; i++) {
                        struct hm_mod *m = &p->mods[i];
                        unsigned s = mod_suspicion(p, m);
                        struct hm_mod *m1 = p == &p2 ? find_mod(&p1, m->addr) : m;
                        if (!s || !m1 || !(mod_suspicion(&p1, m1) & s))
                                continue;
                        s &= mod_suspicion(&p1, m1);
                        size_t before = hvs_findings_count(out);
                        if (s & HM_V_LIST)
                                e = report_module(c, p, m, HM_V_LIST, out);
                        else if (s & (HM_V_TREE | HM_V_SYSFS))
                                e = report_module(c, p, m, s & (HM_V_TREE | HM_V_SYSFS), out);
                        if (e >= 0 && (s & SUSP_SYMS))
                                e = report_module(c, p, m, SUSP_SYMS, out);
                        nfound += hvs_findings_count(out) - before;
                }
                for (size_t i = 0; i < p->areas.n && e >= 0; i++) {
                        const struct hm_area *a = &p->areas.v[i];
                        if (!area_suspicious(a))
                                continue;
                        bool before = p == &p1;
                        for (size_t j = 0; j < p1.areas.n && !before; j++)
                                before = area_suspicious(&p1.areas.v[j]) && p1.areas.v[j].lo < a->hi &&
                                         a->lo < p1.areas.v[j].hi;
                        if (!before)
                                continue;
                        size_t n0 = hvs_findings_count(out);
                        e = report_area(c, p, a, out);
                        nfound += hvs_findings_count(out) - n0;
                }
        }
        if (e >= 0) {
                size_t unowned = 0;
                for (size_t i = 0; i < p->areas.n; i++)
                        unowned += area_suspicious(&p->areas.v[i]);
                char title[320];
                snprintf(title, sizeof title,
                         "module views compared: module list %zu, module tree %zu, memory scan %zu, sysfs %zu,"
                         " module areas %zu (%zu of unowned code), module symbols %zu%s",
                         p->sets[VL_LIST].n, p->sets[VL_TREE].n, p->sets[VL_SCAN].n, p->sets[VL_SYSFS].n, p->areas.n,
                         unowned, p->nsyms_read,
                         p1.errs[VL_LIST] ? " (module list unreadable: nothing compared)" : "");
                e = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, title,
                               "How many struct modules each view held, how module space is mapped and who owns each"
                               " area; a module or an area that does not add up is reported separately.",
                               NULL, summary_json(c, p, nfound, p == &p2 ? 2 : 1));
        }
        if (e >= 0)
                e = triage_budget_report(&b, out, CHECK_ID);
done:
        pass_free(&p1);
        pass_free(&p2);
        return e;
}

#define O(f) offsetof(struct hm_offsets, f)
static const struct lx_field_row hm_rows[] = {
        { "module", { "list" }, O(list), SIZE_MAX, false },
        { "module", { "name" }, O(name), O(name_size), false },
        { "module", { "state" }, O(state), SIZE_MAX, false },
        { "module", { "mkobj.mod" }, O(mkobj_mod), SIZE_MAX, false },
        { "mod_tree_root", { "root.tree" }, O(tree_root), SIZE_MAX, true },
        { "mod_tree_node", { "mod" }, O(mtn_mod), SIZE_MAX, true },
        { "mod_tree_node", { "node" }, O(mtn_node), SIZE_MAX, true },
        { "rb_node", { "rb_left" }, O(rb_left), SIZE_MAX, false },
        { "rb_node", { "rb_right" }, O(rb_right), SIZE_MAX, false },
        { "module", { "mem" }, O(mem), O(mem_bytes), true },
        { "module_memory", { "base" }, O(mem_base), SIZE_MAX, true },
        { "module_memory", { "size" }, O(mem_size), SIZE_MAX, true },
        { "module", { "core_layout.base" }, O(core_base), SIZE_MAX, true },
        { "module", { "core_layout.size" }, O(core_size), SIZE_MAX, true },
        { "module", { "init_layout.base" }, O(init_base), SIZE_MAX, true },
        { "module", { "init_layout.size" }, O(init_size), SIZE_MAX, true },
        { "module", { "percpu" }, O(percpu), SIZE_MAX, true },
        { "module", { "percpu_size" }, O(percpu_size), SIZE_MAX, true },
        { "module", { "its_num_pages" }, O(its_num), SIZE_MAX, true },
        { "module", { "its_page_array" }, O(its_array), SIZE_MAX, true },
        { "module", { "kallsyms" }, O(kallsyms), SIZE_MAX, true },
        { "mod_kallsyms", { "symtab" }, O(ks_symtab), SIZE_MAX, true },
        { "mod_kallsyms", { "num_symtab" }, O(ks_num), SIZE_MAX, true },
        { "mod_kallsyms", { "strtab" }, O(ks_strtab), SIZE_MAX, true },
        { "mod_kallsyms", { "typetab" }, O(ks_typetab), SIZE_MAX, true },
        { "module", { "mkobj" }, O(mkobj), SIZE_MAX, true },
        { "kobject", { "entry" }, O(kobj_entry), SIZE_MAX, true },
        { "kset", { "list" }, O(kset_list), SIZE_MAX, true },
};
#undef O

#define K(f) offsetof(struct hm_known_offsets, f)
static const struct lx_field_row hm_known_rows[] = {
        { "bpf_ksym", { "start" }, K(ksym_start), SIZE_MAX, true },
        { "bpf_ksym", { "end" }, K(ksym_end), SIZE_MAX, true },
        { "bpf_ksym", { "lnode" }, K(ksym_lnode), SIZE_MAX, true },
        { "bpf_prog_pack", { "list" }, K(pack_list), SIZE_MAX, true },
        { "bpf_prog_pack", { "ptr" }, K(pack_ptr), SIZE_MAX, true },
        { "kprobe_insn_cache", { "pages" }, K(kic_pages), SIZE_MAX, true },
        { "kprobe_insn_page", { "list" }, K(kip_list), SIZE_MAX, true },
        { "kprobe_insn_page", { "insns" }, K(kip_insns), SIZE_MAX, true },
        { "ftrace_ops", { "list" }, K(ops_list), SIZE_MAX, true },
        { "ftrace_ops", { "trampoline" }, K(ops_tramp), SIZE_MAX, true },
        { "ftrace_ops", { "trampoline_size" }, K(ops_tramp_size), SIZE_MAX, true },
};
#undef K

static uint64_t sym_or_0(hvs_profile *p, const char *name) {
        uint64_t a;
        return hvs_profile_symbol(p, name, &a) == 0 ? a : 0;
}

TRIAGE_CHECK(triage_hidden_modules) {
        hvs_linux *k = hvs_session_linux(s);
        hvs_mem *m = hvs_session_mem(s);
        if (!k || !m)
                return HVS_DIAG(diag, -EINVAL, "no kernel view");
        struct hm_offsets off;
        struct hm_known_offsets ko;
        int e = lx_resolve_fields(k, hm_rows, ARRAY_SIZE(hm_rows), &off, diag);
        if (e < 0 || (e = lx_resolve_fields(k, hm_known_rows, ARRAY_SIZE(hm_known_rows), &ko, diag)) < 0)
                return e;
        hvs_profile *p = hvs_linux_profile(k);
        if ((e = hvs_profile_type_size(p, "module", &off.mod_size)) < 0)
                return HVS_DIAG(diag, e, "kernel type 'module': %s", hvs_strerror(e));
        off.mem_elem = HP_ABSENT;
        if (off.mem != HP_ABSENT && (off.mem_base == HP_ABSENT || off.mem_size == HP_ABSENT ||
                                     hvs_profile_type_size(p, "module_memory", &off.mem_elem) < 0))
                off.mem = HP_ABSENT;
        if (!hm_offsets_ok(&off))
                return HVS_BADMSG(diag, "struct module field offsets do not fit its size %u", off.mod_size);
        struct hm_ctx c = {
                .kv = hvs_linux_kernel_vas(k), .mem = m, .o = &off, .ko = &ko,
                .max_modules = k->limits.max_modules ? k->limits.max_modules : HVS_DEFAULT_MAX_MODULES,
        };
        hidden_kbounds(k, m, &c.kb);
        if (hvs_profile_symbol(p, "modules", &c.modules) < 0)
                return HVS_DIAG(diag, -ENOENT, "kernel has no 'modules' symbol");
        c.mod_tree = sym_or_0(p, "mod_tree");
        c.module_kset = sym_or_0(p, "module_kset");
        c.bpf_kallsyms = sym_or_0(p, "bpf_kallsyms");
        c.bpf_packs = sym_or_0(p, "pack_list");
        c.kprobe_caches[0] = sym_or_0(p, "kprobe_insn_slots");
        c.kprobe_caches[1] = sym_or_0(p, "kprobe_optinsn_slots");
        c.ftrace_tramps = sym_or_0(p, "ftrace_ops_trampoline_list");
        e = hm_compare(&c, o, out);
        return e < 0 ? HVS_DIAG(diag, e, "hidden-module: %s", hvs_strerror(e)) : 0;
}
