/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bpf.c - the eBPF view and the "bpf-programs" findings
 * (src/triage/bpf.c) on a fake guest: prog_idr and link_idr XArrays, trace
 * events (a syscall event, a static tracepoint's, a tracefs kretprobe's, a
 * local perf kprobe's), perf events, BPF links, sockets with filters and the
 * processes' descriptors, built here at the offsets of fake_bpf.h; then the
 * same structures made hostile (cycles, bad shifts, unterminated arrays,
 * unreadable pointers) and allocation failures.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fake_bpf.h"
#include "fake_guest.h"

#define RAM (16u << 20)
#define POB 0xffff888000000000ull
#define T FAKE_BPF_TEXT
#define O FAKE_BPF_OFF

struct world {
        struct fake_guest *g;
        hvs_vas *kv;
        hvs_ksyms *syms;
        uint64_t next;                  /* bump allocator, physical */
        struct kint_bpf_ctx x;
        struct kint_bpf_fd fds[32];
        uint64_t idr, link_idr, events;
};

static uint64_t kalloc(struct world *w, size_t n) {
        uint64_t pa = w->next;
        w->next += (n + 63) & ~63ull;
        assert_true(w->next < RAM);
        return POB + pa;
}

static void w64(struct world *w, uint64_t va, uint64_t v) { fake_write_u64(w->g, HVS_GPA(va - POB), v); }
static void w32(struct world *w, uint64_t va, uint32_t v) { fake_write_u32(w->g, HVS_GPA(va - POB), v); }
static void w16(struct world *w, uint64_t va, uint16_t v) { fake_write(w->g, HVS_GPA(va - POB), &v, 2); }
static void wbytes(struct world *w, uint64_t va, const void *p, size_t n) { fake_write(w->g, HVS_GPA(va - POB), p, n); }

static uint64_t str(struct world *w, const char *s) {
        uint64_t va = kalloc(w, strlen(s) + 1);
        wbytes(w, va, s, strlen(s) + 1);
        return va;
}

static void addsym(struct world *w, const char *name, uint64_t addr) {
        assert_int_equal(hvs_ksyms_add(w->syms, name, 'T', addr, false), 0);
}

static struct world *world_new(void) {
        struct world *w = calloc(1, sizeof *w);
        assert_non_null(w);
        assert_int_equal(fake_guest_new(RAM, HVS_PAGING_4LEVEL, &w->g), 0);
        fake_map_direct(w->g, HVS_GVA(POB));
        assert_int_equal(hvs_vas_new(w->g->mem, w->g->root, HVS_PAGING_4LEVEL, &w->kv), 0);
        assert_int_equal(hvs_ksyms_new(&w->syms), 0);
        addsym(w, "_text", T);
        addsym(w, "__x64_sys_getdents64", T + 0x1000);
        addsym(w, "vfs_read", T + 0x1100);
        addsym(w, "schedule", T + 0x1200);
        addsym(w, "__bpf_prog_run32", T + 0x1300);
        addsym(w, "_etext", T + 0x100000);
        w->next = 0x100000;
        w->idr = kalloc(w, 0x40);
        w->link_idr = kalloc(w, 0x40);
        w->events = kalloc(w, 16);
        w64(w, w->events, w->events);   /* an empty list_head */
        w64(w, w->events + 8, w->events);
        w->x = (struct kint_bpf_ctx){
                .as = w->kv, .o = &O, .fds = w->fds, .syms = w->syms,
                .s = { .prog_idr = w->idr, .link_idr = w->link_idr, .ftrace_events = w->events,
                       .kprobe_dispatcher = FAKE_BPF_KPROBE_DISPATCHER,
                       .pre_handler_kretprobe = FAKE_BPF_PRE_HANDLER_KRETPROBE,
                       .kretprobe_dispatcher = FAKE_BPF_KRETPROBE_DISPATCHER, .dummy_prog = FAKE_BPF_DUMMY_PROG,
                       .bpf_prog_fops = FAKE_BPF_PROG_FOPS, .bpf_link_fops = FAKE_BPF_LINK_FOPS,
                       .perf_fops = FAKE_BPF_PERF_FOPS, .socket_file_ops = FAKE_BPF_SOCKET_FOPS },
        };
        return w;
}

static void world_free(struct world *w) {
        hvs_ksyms_free(w->syms);
        hvs_vas_free(w->kv);
        fake_guest_free(w->g);
        free(w);
}

/* A bpf_prog of @type with its aux; @tag8 fills the tag; jited at T + 0x80000 + 0x100 * id. */
static uint64_t prog(struct world *w, uint32_t type, uint32_t id, const char *name, const char *attach_func,
                     bool classic) {
        uint64_t p = kalloc(w, FAKE_BPF_PROG_SIZE), aux = kalloc(w, FAKE_BPF_AUX_SIZE);
        uint8_t tag[8];
        for (int i = 0; i < 8; i++)
                tag[i] = (uint8_t)(0x10 * id + i);
        w32(w, p + O.prog_type, type);
        w32(w, p + O.prog_jited_len, classic ? 0 : 40 + id);
        wbytes(w, p + O.prog_tag, tag, 8);
        w64(w, p + O.prog_bpf_func, classic ? T + 0x1300 : 0xffffffffc0000000ull + 0x100 * id);
        w64(w, p + O.prog_aux, aux);
        if (classic)
                w64(w, p + O.prog_orig, kalloc(w, 16));
        w32(w, aux + O.aux_id, id);
        wbytes(w, aux + O.aux_name, name, strlen(name));
        if (attach_func)
                w64(w, aux + O.aux_attach_func_name, str(w, attach_func));
        return p;
}

/* An xa_node of @shift; returns its address (not tagged). */
static uint64_t xa_node(struct world *w, uint8_t shift) {
        uint64_t n = kalloc(w, FAKE_BPF_XA_NODE_SIZE);
        wbytes(w, n + O.xn_shift, &shift, 1);
        return n;
}

static void xa_slot(struct world *w, uint64_t node, unsigned slot, uint64_t entry) {
        w64(w, node + O.xn_slots + 8ull * slot, entry);
}

/* Store @entry at index @id of a two-level XArray rooted at @root (root node shift 6, leaves shift 0). */
static void idr_put(struct world *w, uint64_t root, uint32_t id, uint64_t entry) {
        uint64_t head = 0, top, leaf;
        fake_read(w->g, HVS_GPA(root + O.idr_xa_head - POB), &head, 8);
        if (!head) {
                top = xa_node(w, 6);
                w64(w, root + O.idr_xa_head, top | 2);
        } else {
                top = head - 2;
        }
        uint64_t l = fake_read_u64(w->g, HVS_GPA(top + O.xn_slots + 8ull * (id >> 6) - POB));
        if (!l) {
                leaf = xa_node(w, 0);
                xa_slot(w, top, id >> 6, leaf | 2);
        } else {
                leaf = l - 2;
        }
        xa_slot(w, leaf, id & 63, entry);
}

/* A bpf_prog_array of @n programs (NULL-terminated). */
static uint64_t prog_array(struct world *w, const uint64_t *progs, size_t n) {
        uint64_t a = kalloc(w, O.array_items + (n + 1) * O.array_item_size);
        for (size_t i = 0; i < n; i++)
                w64(w, a + O.array_items + i * O.array_item_size, progs[i]);
        return a;
}

/* A trace_event_call of class @system; @name a string, or with @tp a struct tracepoint named @name. */
static uint64_t call_at(struct world *w, uint64_t call, const char *system, const char *name, bool tp,
                        uint32_t event_id, uint64_t array) {
        uint64_t cls = kalloc(w, 0x48);
        w64(w, cls + O.class_system, str(w, system));
        w64(w, call + O.call_class, cls);
        uint64_t n = str(w, name);
        if (tp) {
                uint64_t t = kalloc(w, 0x50);
                w64(w, t + O.tp_name, n);
                n = t;
        }
        w64(w, call + O.call_name, n);
        w32(w, call + O.call_event_type, event_id);
        w64(w, call + O.call_prog_array, array);
        return call;
}

/* Append @call to ftrace_events. */
static void event_link(struct world *w, uint64_t call) {
        uint64_t head = w->events, node = call + O.call_list;
        uint64_t last = fake_read_u64(w->g, HVS_GPA(head + 8 - POB));
        w64(w, node, head);
        w64(w, node + 8, last);
        w64(w, last, node);
        w64(w, head + 8, node);
}

/* A kprobe event (trace_probe_event + trace_kprobe) on @addr; returns its call. */
static uint64_t kprobe_event(struct world *w, const char *name, uint64_t addr, bool ret, uint64_t array) {
        uint64_t tpe = kalloc(w, FAKE_BPF_TPE_SIZE), tk = kalloc(w, FAKE_BPF_TK_SIZE);
        call_at(w, tpe + O.tpe_call, "kprobes", name, false, 0, array);
        w64(w, tpe + O.tpe_probes, tk + O.tk_tp + O.tp_list);
        w64(w, tk + O.tk_tp + O.tp_list, tpe + O.tpe_probes);
        w64(w, tk + O.tk_kp_addr, addr);
        w64(w, tk + O.tk_kp_pre, ret ? FAKE_BPF_PRE_HANDLER_KRETPROBE : FAKE_BPF_KPROBE_DISPATCHER);
        if (ret)
                w64(w, tk + O.tk_rp_handler, FAKE_BPF_KRETPROBE_DISPATCHER);
        return tpe + O.tpe_call;
}

static uint64_t perf_event(struct world *w, uint64_t p, uint64_t call) {
        uint64_t e = kalloc(w, FAKE_BPF_PERF_EVENT_SIZE);
        w64(w, e + O.pe_prog, p);
        w64(w, e + O.pe_tp_event, call);
        return e;
}

static uint64_t file(struct world *w, uint64_t fop, uint64_t priv) {
        uint64_t f = kalloc(w, FAKE_BPF_FILE_SIZE);
        w64(w, f + O.file_f_op, fop);
        w64(w, f + O.file_private_data, priv);
        return f;
}

static void fd(struct world *w, int32_t pid, uint32_t n, uint64_t f, uint64_t ino) {
        struct kint_bpf_fd *d = &w->fds[w->x.nfds++];
        *d = (struct kint_bpf_fd){ .pid = pid, .fd = n, .file = f, .ino = ino };
        snprintf(d->comm, sizeof d->comm, "loader%d", pid);
}

/* A struct socket with a sock of @family/@type filtered by @p. */
static uint64_t sock(struct world *w, uint16_t family, uint16_t type, uint64_t p) {
        uint64_t so = kalloc(w, 0x80), sk = kalloc(w, FAKE_BPF_SOCK_SIZE), filt = kalloc(w, 0x20);
        w64(w, so + O.socket_sk, sk);
        w64(w, sk + O.sk_filter, filt);
        w16(w, sk + O.sk_family, family);
        w16(w, sk + O.sk_type, type);
        w64(w, filt + O.skf_prog, p);
        return so;
}

static uint64_t bpf_link(struct world *w, uint32_t type, uint32_t id, uint64_t p) {
        uint64_t l = kalloc(w, FAKE_BPF_LINK_SIZE);
        w32(w, l + O.link_type, type);
        w32(w, l + O.link_id, id);
        w64(w, l + O.link_prog, p);
        idr_put(w, w->link_idr, id, l);
        return l;
}

/* The programs of the scenario test; addresses in @ret[12]. */
static void build_all(struct world *w, uint64_t *P) {
        /* P0 kprobe on __x64_sys_getdents64+0x4: a local perf kprobe event, held by pid 100 (fds 3, 4) */
        P[0] = prog(w, 2, 1, "kp_getdents", NULL, false);
        idr_put(w, w->idr, 1, P[0]);
        uint64_t kcall = kprobe_event(w, "__x64_sys_getdents64", T + 0x1004, false, prog_array(w, &P[0], 1));
        fd(w, 100, 3, file(w, FAKE_BPF_PROG_FOPS, P[0]), 0);
        fd(w, 100, 4, file(w, FAKE_BPF_PERF_FOPS, perf_event(w, P[0], kcall)), 0);
        /* P1 tracepoint on syscalls:sys_enter_kill (id 183) behind the dummy prog, by a perf_event link (id 1) */
        P[1] = prog(w, 5, 2, "tp_kill", NULL, false);
        idr_put(w, w->idr, 2, P[1]);
        uint64_t arr1[] = { FAKE_BPF_DUMMY_PROG, P[1] };
        uint64_t call1 = call_at(w, kalloc(w, FAKE_BPF_CALL_SIZE), "syscalls", "sys_enter_kill", false, 183,
                                 prog_array(w, arr1, 2));
        event_link(w, call1);
        uint64_t l1 = bpf_link(w, 7, 1, P[1]);
        w64(w, l1 + O.perf_link_file, file(w, FAKE_BPF_PERF_FOPS, perf_event(w, P[1], call1)));
        fd(w, 100, 7, file(w, FAKE_BPF_LINK_FOPS, l1), 0);
        /* P2 socket filter on a packet raw socket, pid 100 fd 9 */
        P[2] = prog(w, 1, 3, "sock", NULL, false);
        idr_put(w, w->idr, 3, P[2]);
        fd(w, 100, 9, file(w, FAKE_BPF_SOCKET_FOPS, sock(w, 17, 3, P[2])), 300);
        /* P3 raw tracepoint program on sys_enter, by a raw_tracepoint link (id 2) */
        P[3] = prog(w, 17, 4, "rawtp", NULL, false);
        idr_put(w, w->idr, 4, P[3]);
        uint64_t l2 = bpf_link(w, 1, 2, P[3]), btp = kalloc(w, 0x20), tp = kalloc(w, 0x50);
        w64(w, l2 + O.raw_tp_link_btp, btp);
        w64(w, btp + O.raw_map_tp, tp);
        w64(w, tp + O.tp_name, str(w, "sys_enter"));
        /* P4 tracepoint on sched:sched_switch, a static tracepoint's event (name union = struct tracepoint) */
        P[4] = prog(w, 5, 5, "sched", NULL, false);
        idr_put(w, w->idr, 5, P[4]);
        event_link(w, call_at(w, kalloc(w, FAKE_BPF_CALL_SIZE), "sched", "sched_switch", true, 300,
                              prog_array(w, &P[4], 1)));
        /* P5 cgroup_skb, id 70 (second leaf), attached nowhere */
        P[5] = prog(w, 8, 70, "cg", NULL, false);
        idr_put(w, w->idr, 70, P[5]);
        /* P6 kprobe on a tracefs kretprobe event on vfs_read */
        P[6] = prog(w, 2, 7, "kret", NULL, false);
        idr_put(w, w->idr, 7, P[6]);
        event_link(w, kprobe_event(w, "myret", T + 0x1100, true, prog_array(w, &P[6], 1)));
        /* P7 a kprobe program held by pid 200 fd 5 but not in prog_idr */
        P[7] = prog(w, 2, 8, "ghost", NULL, false);
        fd(w, 200, 5, file(w, FAKE_BPF_PROG_FOPS, P[7]), 0);
        /* P8 classic filter on an inet dgram socket (pid 200 fd 6) */
        P[8] = prog(w, 1, 0, "", NULL, true);
        fd(w, 200, 6, file(w, FAKE_BPF_SOCKET_FOPS, sock(w, 2, 2, P[8])), 301);
        /* P9 fentry on tcp_v4_connect by a tracing link (id 3) */
        P[9] = prog(w, 26, 10, "fentry", "tcp_v4_connect", false);
        idr_put(w, w->idr, 10, P[9]);
        bpf_link(w, 2, 3, P[9]);
        /* P10 perf_event program on a hardware event (no trace event), pid 100 fd 12 */
        P[10] = prog(w, 7, 11, "perf", NULL, false);
        idr_put(w, w->idr, 11, P[10]);
        uint64_t pe = perf_event(w, P[10], 0);
        w32(w, pe + O.pe_attr_type, 0);
        w64(w, pe + O.pe_attr_config, 1);
        fd(w, 100, 12, file(w, FAKE_BPF_PERF_FOPS, pe), 0);
        /* P11 XDP by an xdp link (id 4) */
        P[11] = prog(w, 6, 12, "xdp", NULL, false);
        idr_put(w, w->idr, 12, P[11]);
        bpf_link(w, 6, 4, P[11]);
        /* P12 tracepoint on two events: a short name whose next bytes look like a kernel address's top,
         * and a tracepoint whose struct tracepoint is a __tracepoint_ symbol with a text-like name pointer */
        P[12] = prog(w, 5, 13, "two", NULL, false);
        idr_put(w, w->idr, 13, P[12]);
        uint64_t c1 = call_at(w, kalloc(w, FAKE_BPF_CALL_SIZE), "synthetic", "ab", false, 400, prog_array(w, &P[12], 1));
        uint64_t ab = fake_read_u64(w->g, HVS_GPA(c1 + O.call_name - POB));
        wbytes(w, ab + 3, "\x11\x22\x33\xff\xff", 5);
        event_link(w, c1);
        uint64_t c2 = call_at(w, kalloc(w, FAKE_BPF_CALL_SIZE), "irq", "softirq_entry", true, 401,
                              prog_array(w, &P[12], 1));
        /* the name pointer's bytes read "aAz\0...": only the symbol tells it from a name */
        uint64_t tp2 = fake_read_u64(w->g, HVS_GPA(c2 + O.call_name - POB)), name2 = POB + 0x7a4161;
        assert_true(w->next < 0x7a0000);
        wbytes(w, name2, "softirq_entry", 14);
        w64(w, tp2 + O.tp_name, name2);
        addsym(w, "__tracepoint_softirq_entry", tp2);
        event_link(w, c2);
}

static const struct kint_bpf_prog *by_addr(const struct kint_bpf_view *v, uint64_t a) {
        for (size_t i = 0; i < v->nprogs; i++)
                if (v->progs[i].addr == a)
                        return &v->progs[i];
        return NULL;
}

static void test_view(void **state) {
        struct world *w = world_new();
        uint64_t P[13];
        build_all(w, P);
        struct kint_bpf_view v;
        assert_int_equal(kint_bpf_collect(&w->x, &v), 0);
        assert_int_equal(v.nprogs, 13);
        assert_int_equal(v.prog_err, 0);
        assert_int_equal(v.link_err, 0);
        assert_int_equal(v.events_err, 0);
        assert_int_equal(v.events, 5);
        assert_int_equal(v.nlinks, 4);
        for (size_t i = 1; i < v.nprogs; i++)
                assert_true(v.progs[i - 1].addr < v.progs[i].addr);

        const struct kint_bpf_prog *p = by_addr(&v, P[0]);
        assert_non_null(p);
        assert_int_equal(p->id, 1);
        assert_string_equal(p->name, "kp_getdents");
        assert_true(p->in_idr && p->has_tag && p->tag[0] == 0x10 && p->tag[7] == 0x17);
        assert_int_equal(p->bpf_func, 0xffffffffc0000100ull);
        assert_int_equal(p->jited_len, 41);
        assert_int_equal(p->nat, 1);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_KPROBE);
        assert_string_equal(p->at[0].target, "__x64_sys_getdents64+0x4");
        assert_int_equal(p->at[0].addr, T + 0x1004);
        assert_int_equal(p->nholders, 2);
        assert_string_equal(p->holders[1].as, "perf_event");
        assert_int_equal(p->holders[1].fd, 4);

        p = by_addr(&v, P[1]);
        assert_int_equal(p->nat, 1);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_TRACEPOINT);
        assert_string_equal(p->at[0].target, "syscalls:sys_enter_kill");
        assert_int_equal(p->at[0].event_id, 183);
        assert_int_equal(p->at[0].link_id, 1);
        assert_int_equal(p->nholders, 1);
        assert_string_equal(p->holders[0].as, "link");
        assert_null(by_addr(&v, FAKE_BPF_DUMMY_PROG));

        p = by_addr(&v, P[2]);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_SOCKET);
        assert_string_equal(p->at[0].target, "packet raw socket");
        assert_int_equal(p->at[0].ino, 300);
        assert_int_equal(p->at[0].pid, 100);

        p = by_addr(&v, P[3]);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_RAW_TRACEPOINT);
        assert_string_equal(p->at[0].target, "sys_enter");
        assert_int_equal(p->at[0].link_id, 2);
        assert_string_equal(by_addr(&v, P[4])->at[0].target, "sched:sched_switch");
        assert_int_equal(by_addr(&v, P[5])->nat, 0);
        assert_int_equal(by_addr(&v, P[5])->id, 70);
        p = by_addr(&v, P[6]);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_KRETPROBE);
        assert_string_equal(p->at[0].target, "vfs_read+0x0");
        p = by_addr(&v, P[7]);
        assert_false(p->in_idr);
        assert_false(p->classic);
        p = by_addr(&v, P[8]);
        assert_true(p->classic && !p->in_idr);
        assert_string_equal(p->at[0].target, "inet dgram socket");
        p = by_addr(&v, P[9]);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_FUNCTION);
        assert_string_equal(p->at[0].target, "tcp_v4_connect");
        assert_string_equal(by_addr(&v, P[10])->at[0].target, "perf event type 0 config 0x1");
        p = by_addr(&v, P[11]);
        assert_int_equal(p->at[0].kind, KINT_BPF_AT_LINK);
        assert_string_equal(p->at[0].target, "xdp");
        p = by_addr(&v, P[12]);
        assert_int_equal(p->nat, 2);
        assert_string_equal(p->at[0].target, "synthetic:ab");
        assert_string_equal(p->at[1].target, "irq:softirq_entry");
        assert_int_equal(p->at[1].event_id, 401);

        /* the findings */
        struct kint c = { .as = w->kv, .syms = w->syms, .text_lo = T, .text_hi = T + 0x100000 };
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(kint_bpf_report(&c, &v, f), 0);
        size_t n[5] = { 0 };
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                n[hvs_findings_get(f, i)->severity]++;
        /* high: getdents kprobe, sys_enter_kill, raw sys_enter, vfs_read kretprobe, ghost, fentry tcp;
         * medium: socket, sched_switch, perf_event, xdp, the two events; info: cgroup, classic, the links */
        assert_int_equal(n[HVS_SEV_HIGH], 6);
        assert_int_equal(n[HVS_SEV_MEDIUM], 5);
        assert_int_equal(n[HVS_SEV_INFO], 3);
        assert_int_equal(n[HVS_SEV_LOW] + n[HVS_SEV_CRITICAL], 0);
        bool saw_kprobe = false, saw_ghost = false, saw_sock = false, saw_classic = false;
        for (size_t i = 0; i < hvs_findings_count(f); i++) {
                const hvs_finding *x = hvs_findings_get(f, i);
                if (strstr(x->title, "'kp_getdents' (kprobe) on kprobe __x64_sys_getdents64+0x4")) {
                        saw_kprobe = true;
                        assert_int_equal(x->pid, 100);
                        assert_int_equal(x->addr, P[0]);
                        assert_non_null(strstr(x->evidence_json, "\"tag\":\"1011121314151617\""));
                        assert_non_null(strstr(x->evidence_json, "\"bpf_func\":\"0xffffffffc0000100\""));
                }
                if (strstr(x->title, "'ghost'")) {
                        saw_ghost = true;
                        assert_int_equal(x->severity, HVS_SEV_HIGH);
                        assert_non_null(strstr(x->title, "not in prog_idr"));
                }
                if (strstr(x->title, "'sock' (socket_filter) on socket packet raw socket")) {
                        saw_sock = true;
                        assert_string_equal(x->technique, "T1205.002");
                }
                if (strstr(x->title, "classic BPF filter (socket_filter) on socket inet dgram socket")) {
                        saw_classic = true;
                        assert_int_equal(x->severity, HVS_SEV_INFO);
                        assert_non_null(strstr(x->evidence_json, "\"interpreter\":\"__bpf_prog_run32\""));
                }
        }
        assert_true(saw_kprobe && saw_ghost && saw_sock && saw_classic);
        hvs_findings_free(f);
        kint_bpf_view_free(&v);
        world_free(w);
}

/* Nothing loaded: no finding at all. */
static void test_empty(void **state) {
        struct world *w = world_new();
        struct kint_bpf_view v;
        assert_int_equal(kint_bpf_collect(&w->x, &v), 0);
        assert_int_equal(v.nprogs + v.nlinks, 0);
        struct kint c = { .as = w->kv, .syms = w->syms, .text_lo = T, .text_hi = T + 0x100000 };
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(kint_bpf_report(&c, &v, f), 0);
        assert_int_equal(hvs_findings_count(f), 0);
        hvs_findings_free(f);
        kint_bpf_view_free(&v);
        world_free(w);
}

/* A node that is its own child, a node with a shift that is no multiple of 6, an unreadable root. */
static void test_xarray_hostile(void **state) {
        struct world *w = world_new();
        uint64_t p = prog(w, 2, 1, "ok", NULL, false);
        idr_put(w, w->idr, 1, p);
        uint64_t top = fake_read_u64(w->g, HVS_GPA(w->idr + O.idr_xa_head - POB)) - 2;
        xa_slot(w, top, 5, top | 2);                    /* cycle */
        uint64_t odd = xa_node(w, 3);
        xa_slot(w, odd, 0, p);
        xa_slot(w, top, 6, odd | 2);                    /* bad shift */
        xa_slot(w, top, 7, 0xffff888fff000000ull | 2);  /* unmapped */
        struct kint_bpf_view v;
        assert_int_equal(kint_bpf_collect(&w->x, &v), 0);
        assert_int_equal(v.nprogs, 1);
        assert_int_equal(v.prog_err, -EBADMSG);
        kint_bpf_view_free(&v);

        w64(w, w->idr + O.idr_xa_head, 0xffff888fff000000ull | 2);
        assert_int_equal(kint_bpf_collect(&w->x, &v), 0);
        assert_int_equal(v.nprogs, 0);
        assert_int_equal(v.prog_err, -EFAULT);
        kint_bpf_view_free(&v);
        world_free(w);
}

/* More entries than MAX_BPF_OBJECTS (65 full leaves of one program): cut, the program once. */
static void test_xarray_bound(void **state) {
        struct world *w = world_new();
        uint64_t p = prog(w, 8, 1, "many", NULL, false);
        uint64_t top = xa_node(w, 6);
        w64(w, w->idr + O.idr_xa_head, top | 2);
        for (unsigned l = 0; l < 64; l++) {
                uint64_t leaf = xa_node(w, 0);
                for (unsigned i = 0; i < 64; i++)
                        xa_slot(w, leaf, i, p);
                xa_slot(w, top, l, leaf | 2);
        }
        /* one more level of the same size: 4096 entries above, then one more leaf through a shift-12 root */
        uint64_t root = xa_node(w, 12), leaf = xa_node(w, 0);
        xa_slot(w, root, 0, top | 2);
        uint64_t top2 = xa_node(w, 6);
        xa_slot(w, root, 1, top2 | 2);
        xa_slot(w, top2, 0, leaf | 2);
        xa_slot(w, leaf, 0, p);
        w64(w, w->idr + O.idr_xa_head, root | 2);
        struct kint_bpf_view v;
        assert_int_equal(kint_bpf_collect(&w->x, &v), 0);
        assert_int_equal(v.nprogs, 1);
        assert_int_equal(v.prog_err, -E2BIG);
        kint_bpf_view_free(&v);
        world_free(w);
}

/* ftrace_events with a cycle that misses the head; a prog_array with no end; unreadable pointers. */
static void test_lists_hostile(void **state) {
        struct world *w = world_new();
        uint64_t progs[100];
        for (size_t i = 0; i < 100; i++)
                progs[i] = prog(w, 5, (uint32_t)(i + 1), "tp", NULL, false);
        progs[3] = 0xffff888fff000000ull;               /* unreadable: not a program */
        uint64_t arr = prog_array(w, progs, 100);
        uint64_t a = call_at(w, kalloc(w, FAKE_BPF_CALL_SIZE), "sched", "a", false, 1, arr);
        uint64_t b = call_at(w, kalloc(w, FAKE_BPF_CALL_SIZE), "sched", "b", false, 2, 0);
        event_link(w, a);
        event_link(w, b);
        w64(w, b + O.call_list, a + O.call_list);      /* b -> a -> b ... */
        fd(w, 1, 0, 0xffff888fff000000ull, 0);          /* unreadable file */
        fd(w, 1, 1, file(w, FAKE_BPF_PERF_FOPS, 0xffff888fff000000ull), 0);
        struct kint_bpf_view v;
        assert_int_equal(kint_bpf_collect(&w->x, &v), 0);
        assert_int_equal(v.events_err, -ELOOP);
        assert_int_equal(v.nprogs, 63);                 /* the first 64 of the array, less the unreadable one */
        struct kint c = { .as = w->kv, .syms = w->syms, .text_lo = T, .text_hi = T + 0x100000 };
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(kint_bpf_report(&c, &v, f), 0);
        bool cut = false;
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                cut |= strstr(hvs_findings_get(f, i)->title, "ftrace_events walk cut at a cycle") != NULL;
        assert_true(cut);
        hvs_findings_free(f);
        kint_bpf_view_free(&v);
        world_free(w);
}

/* Every allocation failing in turn: -ENOMEM, nothing leaked (ASan), then success. */
static void test_enomem(void **state) {
        struct world *w = world_new();
        uint64_t P[13];
        build_all(w, P);
        for (unsigned n = 0;; n++) {
                struct kint_bpf_view v;
                hvs_test_fail_alloc_after(n);
                int r = kint_bpf_collect(&w->x, &v);
                hvs_test_fail_alloc_after(UINT32_MAX);
                if (r == 0) {
                        assert_int_equal(v.nprogs, 13);
                        kint_bpf_view_free(&v);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                assert_true(n < 1000);
        }
        world_free(w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_view),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_xarray_hostile),
                cmocka_unit_test(test_xarray_bound),
                cmocka_unit_test(test_lists_hostile),
                cmocka_unit_test(test_enomem),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
