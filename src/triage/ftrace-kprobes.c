/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftrace-kprobes.c - checks "ftrace-hook" and "kprobe-hook": the two ways a
 * module can run its code at the start of any kernel function without
 * patching it by hand.
 *
 * ftrace: every registered struct ftrace_ops is on the list that starts at
 * ftrace_ops_list and ends at &ftrace_list_end (walk bounded by
 * MAX_FTRACE_OPS, cycle-checked). An ops whose callback (->func, or
 * ->saved_func) is in a module is a module hooking kernel functions: the
 * ftrace-based rootkits (Reptile's khook successors, KoviD, ...) and
 * livepatch look like this. The functions it traces are read from its filter
 * hash (ops->func_hash->filter_hash: 1 << size_bits hlist buckets of struct
 * ftrace_func_entry {hlist, ip}).
 *
 * kprobes: kprobe_table[KPROBE_TABLE_SIZE] hlists of struct kprobe; an
 * aggregate probe (pre_handler == aggr_pre_handler) holds its probes on its
 * ->list. A pre/post handler in a module is a module hooking that address.
 * Probes whose handlers are the kernel's own (kprobe events of tracefs,
 * kretprobes, BPF kprobes) are listed as info.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include "kint.h"

#define MAX_FTRACE_OPS 1024u            /* registered ftrace_ops walked */
#define MAX_HASH_BITS 12u               /* ftrace_hash size_bits (FTRACE_HASH_MAX_BITS is 12) */
#define MAX_TRACED_LISTED 32u           /* traced functions named per ops */
#define MAX_TRACED_WALK 4096u           /* filter-hash entries visited per ops */
#define MAX_KPROBE_BUCKETS 256u         /* KPROBE_TABLE_SIZE is 64 */
#define MAX_KPROBES 4096u               /* kprobes visited */

static int field(struct kint *c, const char *type, const char *path, uint32_t *ret) {
        return hvs_profile_field(c->p, type, path, ret, NULL);
}

static bool seen_before(const uint64_t *v, size_t n, uint64_t a) {
        for (size_t i = 0; i < n; i++)
                if (v[i] == a)
                        return true;
        return false;
}

/* ---- ftrace ---- */

struct ft_off {
        uint32_t func, next, saved_func, func_hash, trampoline, flags;
        uint32_t hash_filter, fh_size_bits, fh_buckets, fh_count, fe_ip;
};

static int ft_offsets(struct kint *c, struct ft_off *o) {
        int r;
        if ((r = field(c, "ftrace_ops", "func", &o->func)) < 0 || (r = field(c, "ftrace_ops", "next", &o->next)) < 0)
                return r;
        if (field(c, "ftrace_ops", "saved_func", &o->saved_func) < 0)
                o->saved_func = UINT32_MAX;
        if (field(c, "ftrace_ops", "trampoline", &o->trampoline) < 0)
                o->trampoline = UINT32_MAX;
        if (field(c, "ftrace_ops", "flags", &o->flags) < 0)
                o->flags = UINT32_MAX;
        if (field(c, "ftrace_ops", "func_hash", &o->func_hash) < 0 ||
            field(c, "ftrace_ops_hash", "filter_hash", &o->hash_filter) < 0 ||
            field(c, "ftrace_hash", "size_bits", &o->fh_size_bits) < 0 ||
            field(c, "ftrace_hash", "buckets", &o->fh_buckets) < 0 || field(c, "ftrace_hash", "count", &o->fh_count) < 0 ||
            field(c, "ftrace_func_entry", "ip", &o->fe_ip) < 0)
                o->func_hash = UINT32_MAX;
        return 0;
}

static int rd64(struct kint *c, uint64_t base, uint32_t off, uint64_t *ret) {
        uint64_t a;
        if (off == UINT32_MAX || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read_u64(c->as, HVS_GVA(a), ret);
}

/* The functions an ops traces (its filter hash) into @arr; an empty filter means every function. */
static void ft_traced(struct kint *c, const struct ft_off *o, uint64_t ops, json_object *arr, unsigned *ret_n,
                      bool *ret_syscall) {
        uint64_t fh, hash, buckets;
        uint32_t bits, count;
        *ret_n = 0;
        if (rd64(c, ops, o->func_hash, &fh) < 0 || !fh || rd64(c, fh, o->hash_filter, &hash) < 0 || !hash ||
            hvs_vas_read_u32(c->as, HVS_GVA(hash + o->fh_size_bits), &bits) < 0 ||
            hvs_vas_read_u32(c->as, HVS_GVA(hash + o->fh_count), &count) < 0 || rd64(c, hash, o->fh_buckets, &buckets) < 0)
                return;
        bits &= 0xffff;
        if (bits > MAX_HASH_BITS || !buckets)
                return;
        unsigned visited = 0;
        for (uint64_t b = 0; b < (1ull << bits) && visited < MAX_TRACED_WALK; b++) {
                uint64_t node;
                if (hvs_vas_read_u64(c->as, HVS_GVA(buckets + b * 8), &node) < 0)
                        continue;
                uint64_t first = node;
                while (node && visited < MAX_TRACED_WALK) {
                        uint64_t ip;
                        visited++;
                        if (rd64(c, node, o->fe_ip, &ip) < 0)
                                break;
                        (*ret_n)++;
                        char sym[160];
                        kint_symname(c, ip, sym, sizeof sym);
                        if (strncmp(sym, "__x64_sys_", 10) == 0 || strncmp(sym, "__ia32_sys_", 11) == 0)
                                *ret_syscall = true;
                        if (json_object_array_length(arr) < MAX_TRACED_LISTED)
                                json_object_array_add(arr, json_object_new_string(sym[0] ? sym : "?"));
                        if (hvs_vas_read_u64(c->as, HVS_GVA(node), &node) < 0 || node == first)
                                break;  /* hlist_node.next at offset 0 */
                }
        }
}

size_t kint_ftrace_ops(struct kint *c, struct kint_ftrace_ops *v, size_t cap) {
        struct ft_off off;
        uint64_t list, end, p;
        size_t n = 0;
        if (ft_offsets(c, &off) < 0 || kint_sym(c, "ftrace_ops_list", &list) < 0 ||
            kint_sym(c, "ftrace_list_end", &end) < 0 || hvs_vas_read_u64(c->as, HVS_GVA(list), &p) < 0)
                return 0;
        for (unsigned steps = 0; p && p != end && n < cap && steps < MAX_FTRACE_OPS; steps++) {
                struct kint_ftrace_ops o = { .ops = p };
                bool loop = false;
                for (size_t i = 0; i < n; i++)
                        loop |= v[i].ops == p;
                if (loop || rd64(c, p, off.func, &o.callback) < 0)
                        break;
                uint64_t saved = 0;
                if (rd64(c, p, off.saved_func, &saved) == 0 && saved && kint_where(c, o.callback, NULL) == KINT_IN_KERNEL &&
                    kint_where(c, saved, NULL) != KINT_IN_KERNEL)
                        o.callback = saved;
                (void)rd64(c, p, off.trampoline, &o.trampoline);
                v[n++] = o;
                if (rd64(c, p, off.next, &p) < 0)
                        break;
        }
        return n;
}

TRIAGE_CHECK(triage_check_ftrace) {
        return triage_check_ftrace_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_ftrace_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        static const char *const CHECK = "ftrace-hook";
        struct kint c;
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        struct ft_off off;
        uint64_t list, end, p;
        if (ft_offsets(&c, &off) < 0 || kint_sym(&c, "ftrace_ops_list", &list) < 0 ||
            kint_sym(&c, "ftrace_list_end", &end) < 0) {
                r = triage_add(out, HVS_SEV_INFO, CHECK, -1, 0, "ftrace not found (no ftrace_ops_list or its type)",
                               NULL, NULL, NULL);
                goto done;
        }
        if ((r = hvs_vas_read_u64(c.as, HVS_GVA(list), &p)) < 0) {
                r = triage_add(out, HVS_SEV_INFO, CHECK, -1, list, "ftrace_ops_list unreadable", NULL, NULL, NULL);
                goto done;
        }
        uint64_t seen[MAX_FTRACE_OPS];
        size_t n = 0;
        json_object *kernel_ops = json_object_new_array();
        while (p && p != end) {
                if (n == MAX_FTRACE_OPS || seen_before(seen, n, p)) {
                        char t[160];
                        snprintf(t, sizeof t, "ftrace_ops list %s after %zu entries",
                                 n == MAX_FTRACE_OPS ? "too long" : "loops", n);
                        r = triage_add(out, n == MAX_FTRACE_OPS ? HVS_SEV_INFO : HVS_SEV_MEDIUM, CHECK, -1, p, t,
                                       "The list of registered ftrace callbacks is bounded and must end at "
                                       "ftrace_list_end; the walk stopped here.",
                                       NULL, NULL);
                        break;
                }
                seen[n++] = p;
                uint64_t func = 0, saved = 0, tramp = 0, next = 0;
                if (rd64(&c, p, off.func, &func) < 0 || rd64(&c, p, off.next, &next) < 0) {
                        r = triage_add(out, HVS_SEV_INFO, CHECK, -1, p, "ftrace_ops unreadable: walk stopped", NULL,
                                       NULL, NULL);
                        break;
                }
                (void)rd64(&c, p, off.saved_func, &saved);
                (void)rd64(&c, p, off.trampoline, &tramp);
                uint64_t cb = func;
                enum kint_where w = kint_where(&c, func, NULL);
                if (w == KINT_IN_KERNEL && saved && kint_where(&c, saved, NULL) != KINT_IN_KERNEL)
                        cb = saved, w = kint_where(&c, saved, NULL);
                char sym[160];
                if (w == KINT_IN_KERNEL) {
                        kint_symname(&c, cb, sym, sizeof sym);
                        if (kernel_ops)
                                json_object_array_add(kernel_ops, json_object_new_string(sym[0] ? sym : "?"));
                        p = next;
                        continue;
                }
                const struct kint_module *m = NULL;
                (void)kint_where(&c, cb, &m);
                json_object *ev = json_object_new_object(), *traced = json_object_new_array();
                unsigned ntraced = 0;
                bool syscall = false;
                if (traced)
                        ft_traced(&c, &off, p, traced, &ntraced, &syscall);
                char title[512];
                const char *first = traced && json_object_array_length(traced)
                                            ? json_object_get_string(json_object_array_get_idx(traced, 0))
                                            : NULL;
                snprintf(title, sizeof title, "ftrace hook %s%s: callback 0x%" PRIx64 " traces %s%s",
                         m ? "by module " : "", m ? m->name : kint_where_name(w), cb,
                         first ? first : ntraced ? "?" : "every function",
                         ntraced > 1 ? " and more" : "");
                if (ev) {
                        json_object_object_add(ev, "ops", triage_json_addr(p));
                        kint_json_target(&c, ev, "callback", cb);
                        if (tramp)
                                kint_json_target(&c, ev, "trampoline", tramp);
                        json_object_object_add(ev, "traced_count", json_object_new_int((int)ntraced));
                        json_object_object_add(ev, "traced", traced);
                        traced = NULL;
                        if (m)
                                json_object_object_add(ev, "module", json_object_new_string(m->name));
                }
                json_object_put(traced);
                r = triage_add(out, !m || syscall ? HVS_SEV_HIGH : HVS_SEV_MEDIUM, CHECK, -1, p, title,
                               "A callback outside kernel text is registered with ftrace: it runs at the start of "
                               "every function in its filter and can change their arguments or return path "
                               "(ftrace-based rootkits, also livepatch and out-of-tree tracers).",
                               "T1014", ev);
                if (r < 0)
                        break;
                p = next;
        }
        if (r >= 0 && kernel_ops && json_object_array_length(kernel_ops)) {
                char t[160];
                snprintf(t, sizeof t, "%zu ftrace_ops with kernel callbacks registered",
                         json_object_array_length(kernel_ops));
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "callbacks", kernel_ops);
                        kernel_ops = NULL;
                }
                r = triage_add(out, HVS_SEV_INFO, CHECK, -1, 0, t,
                               "The kernel's own users of ftrace (function tracer, kprobes on ftrace, BPF "
                               "trampolines, perf) are listed for the record.",
                               NULL, ev);
        }
        json_object_put(kernel_ops);
done:
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "ftrace-hook: %s", strerror(-r)) : 0;
}

/* ---- kprobes ---- */

struct kp_off {
        uint32_t hlist, list, addr, symbol_name, offset, pre, post;
};

struct kp_walk {
        struct kint *c;
        const struct kp_off *o;
        uint64_t aggr;          /* aggr_pre_handler */
        uint64_t seen[MAX_KPROBES];
        size_t n;
        hvs_findings *out;
        json_object *kernel_probes;
        int err;
};

static int kp_report(struct kp_walk *w, uint64_t kp) {
        struct kint *c = w->c;
        uint64_t addr = 0, pre = 0, post = 0, symp = 0;
        (void)rd64(c, kp, w->o->addr, &addr);
        (void)rd64(c, kp, w->o->pre, &pre);
        (void)rd64(c, kp, w->o->post, &post);
        (void)rd64(c, kp, w->o->symbol_name, &symp);
        char at[160], sym[128] = "";
        kint_symname(c, addr, at, sizeof at);
        if (symp && hvs_vas_read_str(c->as, HVS_GVA(symp), sym, sizeof sym) < 0)
                sym[0] = 0;
        for (char *q = sym; *q; q++)
                if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
                        *q = '?';
        const struct kint_module *m = NULL;
        uint64_t bad = 0;
        enum kint_where wh = KINT_IN_KERNEL;
        if (pre && (wh = kint_where(c, pre, &m)) != KINT_IN_KERNEL)
                bad = pre;
        else if (post && (wh = kint_where(c, post, &m)) != KINT_IN_KERNEL)
                bad = post;
        if (!bad) {
                char h[160], line[400];
                kint_symname(c, pre, h, sizeof h);
                snprintf(line, sizeof line, "%s (handler %s)", at[0] ? at : sym, h[0] ? h : "-");
                if (w->kernel_probes)
                        json_object_array_add(w->kernel_probes, json_object_new_string(line));
                return 0;
        }
        char title[512];
        snprintf(title, sizeof title, "kprobe on %s with a handler in %s%s", at[0] ? at : sym[0] ? sym : "?",
                 m ? "module " : "", m ? m->name : kint_where_name(wh));
        json_object *ev = json_object_new_object();
        if (ev) {
                json_object_object_add(ev, "kprobe", triage_json_addr(kp));
                kint_json_target(c, ev, "probed", addr);
                if (sym[0])
                        json_object_object_add(ev, "symbol_name", json_object_new_string(sym));
                if (pre)
                        kint_json_target(c, ev, "pre_handler", pre);
                if (post)
                        kint_json_target(c, ev, "post_handler", post);
                if (m)
                        json_object_object_add(ev, "module", json_object_new_string(m->name));
        }
        return triage_add(w->out, m ? HVS_SEV_HIGH : HVS_SEV_CRITICAL, "kprobe-hook", -1, kp, title,
                          "A kprobe runs its handler on every hit of the probed instruction, with the registers "
                          "in hand: a module's handler there can read or change what the kernel does.",
                          "T1014", ev);
}

/* Visit @kp once (cycle and count bounded). Return: true when new. */
static bool kp_visit(struct kp_walk *w, uint64_t kp) {
        if (w->n == MAX_KPROBES || seen_before(w->seen, w->n, kp))
                return false;
        w->seen[w->n++] = kp;
        return true;
}

/* The probes of an aggregate kprobe: its ->list head holds the members' ->list. */
static void kp_aggr(struct kp_walk *w, uint64_t aggr) {
        uint64_t head = aggr + w->o->list, node;
        if (hvs_vas_read_u64(w->c->as, HVS_GVA(head), &node) < 0)
                return;
        for (unsigned steps = 0; node && node != head && steps < MAX_KPROBES; steps++) {
                uint64_t kp = node - w->o->list;
                if (!kp_visit(w, kp))
                        break;
                if ((w->err = kp_report(w, kp)) < 0)
                        return;
                if (hvs_vas_read_u64(w->c->as, HVS_GVA(node), &node) < 0)
                        break;
        }
}

TRIAGE_CHECK(triage_check_kprobes) {
        return triage_check_kprobes_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_kprobes_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        static const char *const CHECK = "kprobe-hook";
        struct kint c;
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        struct kp_off off;
        uint64_t table, start, end;
        struct kp_walk *w = NULL;
        if (field(&c, "kprobe", "hlist", &off.hlist) < 0 || field(&c, "kprobe", "list", &off.list) < 0 ||
            field(&c, "kprobe", "addr", &off.addr) < 0 || field(&c, "kprobe", "symbol_name", &off.symbol_name) < 0 ||
            field(&c, "kprobe", "pre_handler", &off.pre) < 0 || field(&c, "kprobe", "post_handler", &off.post) < 0 ||
            kint_sym(&c, "kprobe_table", &table) < 0 || kint_sym_extent(&c, table, &start, &end, NULL) < 0 ||
            start != table) {
                r = triage_add(out, HVS_SEV_INFO, CHECK, -1, 0, "kprobes not found (no kprobe_table or its type)",
                               NULL, NULL, NULL);
                goto done;
        }
        uint64_t nb = (end - table) / 8;
        if (nb > MAX_KPROBE_BUCKETS)
                nb = 64;        /* KPROBE_TABLE_SIZE; the next symbol is far (alignment) */
        w = hvs_calloc(1, sizeof *w);
        if (!w) {
                r = -ENOMEM;
                goto done;
        }
        *w = (struct kp_walk){ .c = &c, .o = &off, .out = out, .kernel_probes = json_object_new_array() };
        (void)kint_sym(&c, "aggr_pre_handler", &w->aggr);
        for (uint64_t b = 0; b < nb && w->err >= 0; b++) {
                uint64_t node;
                if (hvs_vas_read_u64(c.as, HVS_GVA(table + b * 8), &node) < 0)
                        continue;
                while (node && w->err >= 0) {
                        uint64_t kp = node - off.hlist, pre = 0;
                        if (!kp_visit(w, kp))
                                break;
                        (void)rd64(&c, kp, off.pre, &pre);
                        if (w->aggr && pre == w->aggr)
                                kp_aggr(w, kp);
                        else
                                w->err = kp_report(w, kp);
                        if (hvs_vas_read_u64(c.as, HVS_GVA(node), &node) < 0)   /* hlist_node.next */
                                break;
                }
        }
        r = w->err;
        if (r >= 0 && w->kernel_probes && json_object_array_length(w->kernel_probes)) {
                char t[160];
                snprintf(t, sizeof t, "%zu kprobes with kernel handlers", json_object_array_length(w->kernel_probes));
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "probes", w->kernel_probes);
                        w->kernel_probes = NULL;
                }
                r = triage_add(out, HVS_SEV_INFO, CHECK, -1, 0, t,
                               "Probes whose handlers are the kernel's own (kprobe events, kretprobes, BPF, "
                               "perf) are listed for the record.",
                               NULL, ev);
        }
        json_object_put(w->kernel_probes);
done:
        free(w);
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "kprobe-hook: %s", strerror(-r)) : 0;
}
