/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hidden-modules.c - the hidden-module check: kernel modules missing from
 * the module list.
 *
 * Views:
 *   module-list  the kernel's `modules` list (lsmod, /proc/modules,
 *                find_module() read it)
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
 * A module that the tree or the scan holds and the list does not is hidden
 * from the list; a live module on the list that the tree lacks was taken
 * out of the tree. Modules being loaded or unloaded (UNFORMED, GOING) are
 * skipped: the kernel links them in and out in steps.
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

enum { V_LIST = 1, V_TREE = 2, V_SCAN = 4 };
static const char *const view_names[] = { "module-list", "module-tree", "memory-scan" };

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

struct minfo {
        char name[257];
        uint32_t state;
};

static int read_mod(struct hm_ctx *c, uint64_t mod, struct minfo *mi) {
        uint8_t buf[4096];
        uint32_t need = hm_extent(c->o);
        if (need > sizeof buf)
                return -EBADMSG;
        int e = hvs_vas_read(c->kv, HVS_GVA(mod), buf, need);
        if (e < 0)
                return e;
        mi->state = hvs_le32(buf + c->o->state);
        size_t n = MIN((size_t)c->o->name_size, sizeof mi->name - 1);
        for (size_t i = 0; i < n; i++)
                mi->name[i] = buf[c->o->name + i] >= 0x20 && buf[c->o->name + i] < 0x7f ? (char)buf[c->o->name + i]
                              : buf[c->o->name + i] ? '?' : 0;
        mi->name[n] = 0;
        return 0;
}

static json_object *views_json(unsigned bits) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < ARRAY_SIZE(view_names); i++)
                if (bits & (1u << i))
                        json_object_array_add(a, json_object_new_string(view_names[i]));
        return a;
}

static int report(struct hm_ctx *c, hvs_findings *out, uint64_t mod, unsigned seen, unsigned missing, unsigned ran) {
        struct minfo mi;
        if (read_mod(c, mod, &mi) < 0 || mi.state == MODULE_STATE_GOING || mi.state == MODULE_STATE_UNFORMED)
                return 0;
        bool from_list = missing & V_LIST;
        char title[320];
        snprintf(title, sizeof title, "kernel module %s hidden from the %s", mi.name,
                 from_list ? "module list" : "module address tree");
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "module", triage_json_addr(mod));
        json_object_object_add(ev, "name", json_object_new_string(mi.name));
        json_object_object_add(ev, "state", json_object_new_int((int32_t)mi.state));
        json_object_object_add(ev, "seen_by", views_json(seen));
        json_object_object_add(ev, "missing_from", views_json(missing));
        json_object_object_add(ev, "views_run", views_json(ran));
        return triage_add(out, from_list ? HVS_SEV_HIGH : HVS_SEV_MEDIUM, CHECK_ID, -1, mod, title,
                          from_list ? "A loaded kernel module (its struct module is in the kernel's module address"
                                      " tree or validated in memory) is not on the `modules` list, so lsmod and"
                                      " /proc/modules do not show it: kernel rootkits unlink themselves this way"
                                      " (ATT&CK T1014; loading one is T1547.006)."
                                    : "A live module on the module list has no node in the module address tree, so"
                                      " the kernel cannot attribute its code addresses (stack traces, oopses):"
                                      " a way to hide a module's code.",
                          "T1014", ev);
}

int hm_compare(struct hm_ctx *c, const hvs_triage_opts *opts, hvs_findings *out) {
        struct addrset sets[3] = { 0 };
        int errs[3];
        uint64_t ns[3];
        struct triage_budget b;
        triage_budget_init(&b, opts);
        for (int v = 0; v < 3; v++) {
                uint64_t t0 = hvs_now_ns();
                errs[v] = v == 0 ? hm_view_list(c, &sets[0]) : v == 1 ? hm_view_tree(c, &sets[1]) : hm_view_scan(c, &b, &sets[2]);
                ns[v] = hvs_now_ns() - t0;
                addrset_sort(&sets[v]);
        }
        unsigned ran = V_LIST;
        for (int v = 1; v < 3; v++)
                if (sets[v].n || errs[v] == 0)
                        ran |= 1u << v;
        int e = 0;
        size_t nhidden = 0;
        if (errs[0] == 0) {
                /* Union of the other views, each module once. */
                struct addrset u = { 0 };
                for (int v = 1; v < 3 && e >= 0; v++)
                        for (size_t i = 0; i < sets[v].n && e >= 0; i++)
                                e = addrset_add(&u, sets[v].v[i], (size_t)c->max_modules * 2);
                addrset_sort(&u);
                for (size_t i = 0; i < u.n && e >= 0; i++) {
                        uint64_t m = u.v[i];
                        if (addrset_has(&sets[0], m))
                                continue;
                        unsigned seen = (addrset_has(&sets[1], m) ? V_TREE : 0) | (addrset_has(&sets[2], m) ? V_SCAN : 0);
                        size_t before = hvs_findings_count(out);
                        e = report(c, out, m, seen, V_LIST, ran);
                        nhidden += hvs_findings_count(out) - before;
                }
                addrset_free(&u);
                if (errs[1] == 0 && sets[1].n)
                        for (size_t i = 0; i < sets[0].n && e >= 0; i++)
                                if (!addrset_has(&sets[1], sets[0].v[i]))
                                        e = report(c, out, sets[0].v[i], V_LIST | (addrset_has(&sets[2], sets[0].v[i]) ? V_SCAN : 0),
                                                   V_TREE, ran);
        }
        if (e >= 0) {
                json_object *ev = json_object_new_object();
                for (int v = 0; v < 3; v++) {
                        json_object *j = json_object_new_object();
                        json_object_object_add(j, "modules", json_object_new_int64((int64_t)sets[v].n));
                        json_object_object_add(j, "ms", json_object_new_double((double)ns[v] / 1e6));
                        if (errs[v] < 0)
                                json_object_object_add(j, "error", json_object_new_string(hvs_strerror(errs[v])));
                        json_object_object_add(ev, view_names[v], j);
                }
                json_object_object_add(ev, "hidden", json_object_new_int64((int64_t)nhidden));
                char title[200];
                snprintf(title, sizeof title, "module views compared: module list %zu, module tree %zu, memory scan %zu%s",
                         sets[0].n, sets[1].n, sets[2].n, errs[0] ? " (module list unreadable: nothing compared)" : "");
                e = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, title,
                               "How many struct modules each view held; a module missing from a view that should"
                               " hold it is reported separately.", NULL, ev);
        }
        if (e >= 0)
                e = triage_budget_report(&b, out, CHECK_ID);
        for (int v = 0; v < 3; v++)
                addrset_free(&sets[v]);
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
};
#undef O

TRIAGE_CHECK(triage_hidden_modules) {
        hvs_linux *k = hvs_session_linux(s);
        hvs_mem *m = hvs_session_mem(s);
        if (!k || !m)
                return HVS_DIAG(diag, -EINVAL, "no kernel view");
        struct hm_offsets off;
        int e = lx_resolve_fields(k, hm_rows, ARRAY_SIZE(hm_rows), &off, diag);
        if (e < 0)
                return e;
        hvs_profile *p = hvs_linux_profile(k);
        struct hm_ctx c = {
                .kv = hvs_linux_kernel_vas(k), .mem = m, .o = &off,
                .max_modules = k->limits.max_modules ? k->limits.max_modules : HVS_DEFAULT_MAX_MODULES,
        };
        hidden_kbounds(k, m, &c.kb);
        if (hvs_profile_symbol(p, "modules", &c.modules) < 0)
                return HVS_DIAG(diag, -ENOENT, "kernel has no 'modules' symbol");
        if (hvs_profile_symbol(p, "mod_tree", &c.mod_tree) < 0)
                c.mod_tree = 0;
        e = hm_compare(&c, o, out);
        return e < 0 ? HVS_DIAG(diag, e, "hidden-module: %s", hvs_strerror(e)) : 0;
}
