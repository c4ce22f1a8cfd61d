/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf.c - check "bpf-programs": the eBPF programs loaded in the guest
 * kernel, where each is attached and who holds it (the view is described in
 * bpf.h).
 *
 * Every loaded program has an id in prog_idr, every link one in link_idr.
 * An IDR is an XArray (idr.idr_rt.xa_head): the head is an entry or an
 * internal pointer to a struct xa_node (low bits 10, above 4096) with 64
 * slots, whose shift says how many index bits are below it (a multiple of
 * 6; a child's is its parent's minus 6, which the walk checks, so it cannot
 * loop). The walk is bounded in depth (MAX_XA_DEPTH), in nodes
 * (MAX_XA_NODES) and in entries (MAX_BPF_OBJECTS); value, sibling and retry
 * entries are skipped.
 *
 * Severity (docs/triage.md says why): a program of the tracing family
 * (kprobe, tracepoint, raw tracepoint, fentry/fexit, LSM, perf_event) runs
 * inside the kernel at its hook with helpers that read kernel memory, write
 * user memory and signal processes: medium wherever it is, high on a system
 * call or on the functions rootkits hook to hide files, processes and
 * connections. Programs on the network path (XDP, tc) and filters on packet
 * or raw sockets (they see every frame: the trigger of BPFDoor-like
 * backdoors) are medium. A program that a process holds but prog_idr does
 * not list (hidden from bpftool) is high. Anything else is info.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "os/linux/list.h"
#include "bpf.h"

#define CHECK_ID "bpf-programs"
#define MAX_XA_DEPTH 12u        /* 64-bit index / 6 bits per level + 1 */
#define MAX_XA_NODES 4096u
#define MAX_BPF_OBJECTS 4096u   /* programs, and links, kept */
#define MAX_TRACE_EVENTS 65536u /* ftrace_events walked (Debian 6.12: about 3,000) */
#define MAX_BPF_CALLS 4096u     /* trace events with programs, each resolved once */
#define MAX_PROG_ARRAY 64u      /* programs of one event (the kernel's BPF_TRACE_MAX_PROGS) */
#define XA_CHUNK_SLOTS 64u
#define XA_CHUNK_SHIFT 6u
#define KERNEL_HALF 0xffff800000000000ull

static const char *const prog_types[] = {
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "perf_event",
        "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
        "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
        "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
        "ext", "lsm", "sk_lookup", "syscall", "netfilter",
};
enum { PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_SCHED_ACT = 4, PT_TRACEPOINT = 5, PT_XDP = 6, PT_PERF_EVENT = 7,
       PT_RAW_TP = 17, PT_RAW_TP_W = 24, PT_TRACING = 26, PT_LSM = 29 };

static const char *const link_types[] = {
        "unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp", "perf_event", "kprobe_multi",
        "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap",
};
enum { LT_RAW_TP = 1, LT_TRACING = 2, LT_PERF_EVENT = 7 };

#define AF_PACKET_ 17u
#define SOCK_RAW_ 3u

const char *kint_bpf_at_name(enum kint_bpf_at k) {
        static const char *const n[] = { "kprobe", "kretprobe", "uprobe", "tracepoint", "raw_tracepoint",
                                         "function", "perf_event", "socket", "link" };
        return (size_t)k < ARRAY_SIZE(n) ? n[k] : "unknown";
}

static const char *prog_type_name(uint32_t t) { return t < ARRAY_SIZE(prog_types) ? prog_types[t] : "unknown"; }

/* ---- offsets and symbols ---- */

static const struct {
        const char *type, *path;
        size_t off;
        bool req;
} offset_reqs[] = {
#define R(t, p, f, req) { t, p, offsetof(struct kint_bpf_offsets, f), req }
        R("idr", "idr_rt.xa_head", idr_xa_head, true),
        R("xa_node", "shift", xn_shift, true),
        R("xa_node", "slots", xn_slots, true),
        R("bpf_prog", "type", prog_type, true),
        R("bpf_prog", "aux", prog_aux, true),
        R("bpf_prog_aux", "id", aux_id, true),
        R("bpf_prog_aux", "name", aux_name, true),
        R("bpf_prog", "expected_attach_type", prog_expected, false),
        R("bpf_prog", "jited_len", prog_jited_len, false),
        R("bpf_prog", "tag", prog_tag, false),
        R("bpf_prog", "bpf_func", prog_bpf_func, false),
        R("bpf_prog", "orig_prog", prog_orig, false),
        R("bpf_prog_aux", "attach_func_name", aux_attach_func_name, false),
        R("bpf_link", "id", link_id, false),
        R("bpf_link", "type", link_type, false),
        R("bpf_link", "prog", link_prog, false),
        R("bpf_perf_link", "perf_file", perf_link_file, false),
        R("bpf_raw_tp_link", "btp", raw_tp_link_btp, false),
        R("bpf_raw_event_map", "tp", raw_map_tp, false),
        R("tracepoint", "name", tp_name, false),
        R("trace_event_call", "list", call_list, false),
        R("trace_event_call", "class", call_class, false),
        R("trace_event_call", "name", call_name, false),
        R("trace_event_call", "prog_array", call_prog_array, false),
        R("trace_event_call", "event.type", call_event_type, false),
        R("trace_event_class", "system", class_system, false),
        R("bpf_prog_array", "items", array_items, false),
        R("trace_probe_event", "call", tpe_call, false),
        R("trace_probe_event", "probes", tpe_probes, false),
        R("trace_probe", "list", tp_list, false),
        R("trace_kprobe", "tp", tk_tp, false),
        R("trace_kprobe", "rp.kp", tk_kp, false),
        R("trace_kprobe", "rp.kp.addr", tk_kp_addr, false),
        R("trace_kprobe", "rp.kp.pre_handler", tk_kp_pre, false),
        R("trace_kprobe", "rp.handler", tk_rp_handler, false),
        R("perf_event", "prog", pe_prog, false),
        R("perf_event", "tp_event", pe_tp_event, false),
        R("perf_event", "attr.type", pe_attr_type, false),
        R("perf_event", "attr.config", pe_attr_config, false),
        R("file", "f_op", file_f_op, false),
        R("file", "private_data", file_private_data, false),
        R("socket", "sk", socket_sk, false),
        R("sock", "sk_filter", sk_filter, false),
        R("sock", "__sk_common.skc_family", sk_family, false),
        R("sock", "sk_type", sk_type, false),
        R("sk_filter", "prog", skf_prog, false),
#undef R
};

int kint_bpf_offsets_resolve(hvs_profile *p, struct kint_bpf_offsets *ret) {
        struct kint_bpf_offsets o;
        for (size_t i = 0; i < ARRAY_SIZE(offset_reqs); i++) {
                uint32_t *f = (uint32_t *)((char *)&o + offset_reqs[i].off);
                if (hvs_profile_field(p, offset_reqs[i].type, offset_reqs[i].path, f, NULL) < 0) {
                        if (offset_reqs[i].req)
                                return -ENOENT;
                        *f = UINT32_MAX;
                }
        }
        if (hvs_profile_type_size(p, "bpf_prog_array_item", &o.array_item_size) < 0 || !o.array_item_size)
                o.array_item_size = UINT32_MAX;
        *ret = o;
        return 0;
}

void kint_bpf_syms_resolve(struct kint *c, struct kint_bpf_syms *ret) {
        static const struct {
                const char *name;
                size_t off;
        } syms[] = {
#define S(n) { #n, offsetof(struct kint_bpf_syms, n) }
                S(prog_idr), S(link_idr), S(ftrace_events), S(kprobe_dispatcher), S(pre_handler_kretprobe),
                S(kretprobe_dispatcher), S(bpf_prog_fops), S(bpf_link_fops), S(perf_fops), S(socket_file_ops),
#undef S
                { "dummy_bpf_prog", offsetof(struct kint_bpf_syms, dummy_prog) },
        };
        struct kint_bpf_syms s = { 0 };
        for (size_t i = 0; i < ARRAY_SIZE(syms); i++) {
                uint64_t *f = (uint64_t *)((char *)&s + syms[i].off);
                if (kint_sym(c, syms[i].name, f) < 0)
                        *f = 0;
        }
        *ret = s;
}

/* ---- reading ---- */

/* Read @n bytes at @base + @off; -ENOENT for an absent field. */
static int rd(hvs_vas *as, uint64_t base, uint32_t off, void *buf, size_t n) {
        uint64_t a;
        if (off == UINT32_MAX || !base || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read(as, HVS_GVA(a), buf, n);
}

static uint64_t rd64(hvs_vas *as, uint64_t base, uint32_t off) {
        uint64_t v;
        return rd(as, base, off, &v, 8) < 0 ? 0 : hvs_le64(&v);
}

static uint32_t rd32(hvs_vas *as, uint64_t base, uint32_t off, uint32_t dflt) {
        uint32_t v;
        return rd(as, base, off, &v, 4) < 0 ? dflt : hvs_le32(&v);
}

static uint16_t rd16(hvs_vas *as, uint64_t base, uint32_t off) {
        uint8_t v[2];
        return rd(as, base, off, v, 2) < 0 ? 0 : (uint16_t)(v[0] | v[1] << 8);
}

static void printable(char *s) {
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
                        *s = '?';
}

/* The string a kernel pointer at @base + @off points to ("" when unreadable). */
static void rdstr_at(hvs_vas *as, uint64_t ptr, char *buf, size_t cap) {
        buf[0] = 0;
        if (!ptr || hvs_vas_read_str(as, HVS_GVA(ptr), buf, cap) < 0)
                buf[0] = 0;
        printable(buf);
}

/* ---- the collection ---- */

struct collect {
        const struct kint_bpf_ctx *x;
        struct kint_bpf_view v;
        size_t pcap, lcap;
        uint32_t *order;        /* indices of v.progs sorted by address (v.progs grows in place) */
        uint64_t *calls;        /* trace events resolved, sorted */
        size_t ncalls, ccap;
};

/* Index into c->order of the first program at or above @addr. */
static size_t order_lower(const struct collect *c, uint64_t addr) {
        size_t lo = 0, hi = c->v.nprogs;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (c->v.progs[c->order[mid]].addr < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static struct kint_bpf_prog *prog_find(struct collect *c, uint64_t addr) {
        size_t i = order_lower(c, addr);
        return i < c->v.nprogs && c->v.progs[c->order[i]].addr == addr ? &c->v.progs[c->order[i]] : NULL;
}

/* Read the program at @addr. Return: 0; -EFAULT when its type is unreadable (not a program). */
static int prog_read(const struct kint_bpf_ctx *x, uint64_t addr, struct kint_bpf_prog *p) {
        const struct kint_bpf_offsets *o = x->o;
        hvs_vas *as = x->as;
        *p = (struct kint_bpf_prog){ .addr = addr };
        p->type = rd32(as, addr, o->prog_type, UINT32_MAX);
        if (p->type == UINT32_MAX)
                return -EFAULT;
        p->expected_attach_type = rd32(as, addr, o->prog_expected, 0);
        p->jited_len = rd32(as, addr, o->prog_jited_len, 0);
        p->has_tag = rd(as, addr, o->prog_tag, p->tag, sizeof p->tag) == 0;
        p->bpf_func = rd64(as, addr, o->prog_bpf_func);
        p->classic = rd64(as, addr, o->prog_orig) != 0;
        p->aux = rd64(as, addr, o->prog_aux);
        if (p->aux) {
                p->id = rd32(as, p->aux, o->aux_id, 0);
                if (rd(as, p->aux, o->aux_name, p->name, 16) < 0)
                        p->name[0] = 0;
                p->name[16] = 0;
                printable(p->name);
                rdstr_at(as, rd64(as, p->aux, o->aux_attach_func_name), p->attach_func, sizeof p->attach_func);
        }
        return 0;
}

/*
 * The program at @addr, read and added if new. NULL when it is unreadable,
 * when the view is full (MAX_BPF_OBJECTS) or, with *@err = -ENOMEM, out of
 * memory. The pointer is valid until the next program is added.
 */
static struct kint_bpf_prog *prog_get(struct collect *c, uint64_t addr, int *err) {
        size_t at = order_lower(c, addr);
        if (at < c->v.nprogs && c->v.progs[c->order[at]].addr == addr)
                return &c->v.progs[c->order[at]];
        if (c->v.nprogs == MAX_BPF_OBJECTS)
                return NULL;
        struct kint_bpf_prog p;
        if (prog_read(c->x, addr, &p) < 0)
                return NULL;
        if (c->v.nprogs == c->pcap) {
                size_t cap = c->pcap ? c->pcap * 2 : 16;
                struct kint_bpf_prog *v = hvs_reallocarray(c->v.progs, cap, sizeof *v);
                if (!v) {
                        *err = -ENOMEM;
                        return NULL;
                }
                c->v.progs = v;
                uint32_t *ord = hvs_reallocarray(c->order, cap, sizeof *ord);
                if (!ord) {
                        *err = -ENOMEM;
                        return NULL;
                }
                c->order = ord;
                c->pcap = cap;
        }
        size_t n = c->v.nprogs++;
        c->v.progs[n] = p;
        memmove(c->order + at + 1, c->order + at, (n - at) * sizeof *c->order);
        c->order[at] = (uint32_t)n;
        return &c->v.progs[n];
}

static int cmp_prog(const void *a, const void *b) {
        const struct kint_bpf_prog *x = a, *y = b;
        return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add_attach(struct collect *c, uint64_t prog, const struct kint_bpf_attach *a) {
        int err = 0;
        if (!prog || prog == c->x->s.dummy_prog)
                return 0;
        struct kint_bpf_prog *p = prog_get(c, prog, &err);
        if (!p)
                return err;
        for (size_t i = 0; i < p->nat; i++)
                if (p->at[i].kind == a->kind && p->at[i].via == a->via) {
                        if (a->link_id)
                                p->at[i].link_id = a->link_id;
                        return 0;
                }
        p->at_total++;
        if (p->nat < KINT_BPF_MAX_ATTACH)
                p->at[p->nat++] = *a;
        return 0;
}

static int add_holder(struct collect *c, uint64_t prog, const struct kint_bpf_fd *f, const char *as) {
        int err = 0;
        if (!prog)
                return 0;
        struct kint_bpf_prog *p = prog_get(c, prog, &err);
        if (!p)
                return err;
        for (size_t i = 0; i < p->nholders; i++)
                if (p->holders[i].pid == f->pid && p->holders[i].fd == f->fd)
                        return 0;
        p->holders_total++;
        if (p->nholders < KINT_BPF_MAX_HOLDERS) {
                struct kint_bpf_holder *h = &p->holders[p->nholders++];
                *h = (struct kint_bpf_holder){ .pid = f->pid, .fd = f->fd, .as = as };
                hvs_strlcpy(h->comm, f->comm, sizeof h->comm);
        }
        return 0;
}

/*
 * Walk the XArray whose head is at @root; @fn gets each pointer entry.
 * Return: 0 or @fn's error; walk problems (cut, unreadable, bad shift) in
 * *@ret_err, the first one, the walk going on past them where it can.
 */
static int xa_walk(hvs_vas *as, const struct kint_bpf_offsets *o, uint64_t root,
                   int (*fn)(struct collect *c, uint64_t entry), struct collect *c, int *ret_err) {
        struct {
                uint64_t node;
                unsigned slot, shift;
        } stack[MAX_XA_DEPTH];
        unsigned depth = 0, nodes = 0, entries = 0;
        uint64_t e;
        *ret_err = 0;
        if (hvs_vas_read_u64(as, HVS_GVA(root + o->idr_xa_head), &e) < 0) {
                *ret_err = -EFAULT;
                return 0;
        }
        for (;;) {
                if (e && (e & 3) == 2 && e > 4096) {            /* internal: a node */
                        uint8_t shift = 0;
                        if (depth == MAX_XA_DEPTH || ++nodes > MAX_XA_NODES) {
                                *ret_err = -E2BIG;
                                return 0;
                        }
                        if (rd(as, e - 2, o->xn_shift, &shift, 1) < 0) {
                                if (!*ret_err)
                                        *ret_err = -EFAULT;
                        } else if (shift % XA_CHUNK_SHIFT || shift > 60 ||
                                   (depth && shift + XA_CHUNK_SHIFT != stack[depth - 1].shift)) {
                                if (!*ret_err)
                                        *ret_err = -EBADMSG;
                        } else {
                                stack[depth].node = e - 2;
                                stack[depth].slot = 0;
                                stack[depth].shift = shift;
                                depth++;
                        }
                } else if (e && (e & 3) == 0) {                 /* a pointer entry */
                        if (++entries > MAX_BPF_OBJECTS) {
                                *ret_err = -E2BIG;
                                return 0;
                        }
                        int r = fn(c, e);
                        if (r < 0)
                                return r;
                }
                /* next slot, popping finished nodes */
                for (;;) {
                        if (depth == 0)
                                return 0;
                        if (stack[depth - 1].slot < XA_CHUNK_SLOTS)
                                break;
                        depth--;
                }
                uint64_t slot = stack[depth - 1].node + o->xn_slots + 8ull * stack[depth - 1].slot++;
                if (hvs_vas_read_u64(as, HVS_GVA(slot), &e) < 0)
                        e = 0;
        }
}

static int on_prog(struct collect *c, uint64_t prog) {
        int err = 0;
        struct kint_bpf_prog *p = prog_get(c, prog, &err);
        if (p)
                p->in_idr = true;
        return err;
}

/* "name+0xoff" of kernel address @a, or its hex when no symbol is known. */
static void addr_name(const struct kint_bpf_ctx *x, uint64_t a, char *buf, size_t cap) {
        hvs_ksym ks;
        uint64_t off;
        if (x->syms && a >= KERNEL_HALF && hvs_ksyms_lookup_addr(x->syms, a, &ks, &off) == 0 && off < (1u << 20))
                snprintf(buf, cap, "%s+0x%" PRIx64, ks.name, off);
        else
                snprintf(buf, cap, "0x%" PRIx64, a);
}

static bool name_char(uint8_t ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-' || ch == '.';
}

/*
 * Whether the name union of a trace_event_call (char *name, or struct
 * tracepoint *tp for a tracepoint's event; TRACE_EVENT_FL_TRACEPOINT says
 * which, but its bit differs between kernel versions) holds a tracepoint:
 * @np is a __tracepoint_* symbol; or its first bytes are a kernel address
 * (the tracepoint's name pointer, whose top bytes are 0xff), not a name
 * (characters of [A-Za-z0-9_.-] up to a NUL).
 */
static bool names_tracepoint(const struct kint_bpf_ctx *x, uint64_t np) {
        hvs_ksym ks;
        uint64_t off;
        uint8_t b[8];
        if (x->syms && np >= KERNEL_HALF && hvs_ksyms_lookup_addr(x->syms, np, &ks, &off) == 0 && off == 0 &&
            !strncmp(ks.name, "__tracepoint_", 13))
                return true;
        if (!np || hvs_vas_read(x->as, HVS_GVA(np), b, sizeof b) < 0 || hvs_le64(b) < KERNEL_HALF)
                return false;
        for (size_t i = 0; i < sizeof b; i++) {
                if (!b[i])
                        return i == 0;
                if (!name_char(b[i]))
                        return true;
        }
        return true;
}

/*
 * What trace event @call is: kind and target. A kprobe event's probed
 * function comes from its trace_kprobe (trace_probe_event.probes holds its
 * trace_probe, embedded in the trace_kprobe), confirmed by the kprobe's
 * handler being the kernel's kprobe_dispatcher (or, for a kretprobe,
 * pre_handler_kretprobe with kretprobe_dispatcher).
 */
static void call_describe(const struct kint_bpf_ctx *x, uint64_t call, struct kint_bpf_attach *a) {
        const struct kint_bpf_offsets *o = x->o;
        hvs_vas *as = x->as;
        char sys[48], name[80];
        rdstr_at(as, rd64(as, rd64(as, call, o->call_class), o->class_system), sys, sizeof sys);
        uint64_t np = rd64(as, call, o->call_name);
        rdstr_at(as, names_tracepoint(x, np) ? rd64(as, np, o->tp_name == UINT32_MAX ? 0 : o->tp_name) : np, name,
                 sizeof name);
        *a = (struct kint_bpf_attach){ .kind = KINT_BPF_AT_TRACEPOINT, .via = call, .pid = -1,
                                       .event_id = rd32(as, call, o->call_event_type, 0) };
        snprintf(a->target, sizeof a->target, "%s:%s", sys[0] ? sys : "?", name[0] ? name : "?");
        if (!strcmp(sys, "uprobes")) {
                a->kind = KINT_BPF_AT_UPROBE;
                return;
        }
        if (strcmp(sys, "kprobes") || o->tpe_call == UINT32_MAX || o->tpe_probes == UINT32_MAX ||
            o->tk_tp == UINT32_MAX || call < o->tpe_call)
                return;
        uint64_t tpe = call - o->tpe_call, node = rd64(as, tpe, o->tpe_probes);
        uint32_t tpl = o->tp_list == UINT32_MAX ? 0 : o->tp_list;
        if (!node || node == tpe + o->tpe_probes || node < (uint64_t)tpl + o->tk_tp)
                return;
        uint64_t tk = node - tpl - o->tk_tp;
        uint64_t pre = rd64(as, tk, o->tk_kp_pre), addr = rd64(as, tk, o->tk_kp_addr);
        if (pre && pre == x->s.kprobe_dispatcher)
                a->kind = KINT_BPF_AT_KPROBE;
        else if (pre && pre == x->s.pre_handler_kretprobe &&
                 (!x->s.kretprobe_dispatcher || rd64(as, tk, o->tk_rp_handler) == x->s.kretprobe_dispatcher))
                a->kind = KINT_BPF_AT_KRETPROBE;
        else
                return;
        if (o->tk_kp != UINT32_MAX)
                a->kprobe = tk + o->tk_kp;
        a->addr = addr;
        addr_name(x, addr, a->target, sizeof a->target);
}

/* The programs trace event @call runs (its prog_array), once per event. */
static int do_call(struct collect *c, uint64_t call) {
        const struct kint_bpf_offsets *o = c->x->o;
        hvs_vas *as = c->x->as;
        size_t lo = 0, hi = c->ncalls;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (c->calls[mid] < call)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < c->ncalls && c->calls[lo] == call)
                return 0;
        if (c->ncalls == MAX_BPF_CALLS) {
                c->v.calls_err = -E2BIG;
                return 0;
        }
        if (c->ncalls == c->ccap) {
                size_t cap = c->ccap ? c->ccap * 2 : 16;
                uint64_t *v = hvs_reallocarray(c->calls, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                c->calls = v;
                c->ccap = cap;
        }
        memmove(c->calls + lo + 1, c->calls + lo, (c->ncalls - lo) * sizeof *c->calls);
        c->calls[lo] = call;
        c->ncalls++;
        uint64_t arr = rd64(as, call, o->call_prog_array);
        if (!arr || o->array_items == UINT32_MAX || o->array_item_size == UINT32_MAX)
                return 0;
        struct kint_bpf_attach a;
        call_describe(c->x, call, &a);
        for (uint32_t i = 0; i < MAX_PROG_ARRAY; i++) {
                uint64_t prog = rd64(as, arr, o->array_items + i * o->array_item_size);
                if (!prog)
                        break;
                int r = add_attach(c, prog, &a);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Every trace event of ftrace_events with programs. */
static int walk_events(struct collect *c) {
        const struct kint_bpf_offsets *o = c->x->o;
        if (!c->x->s.ftrace_events || o->call_list == UINT32_MAX || o->call_prog_array == UINT32_MAX)
                return 0;
        hvs_list_iter it;
        hvs_gva node;
        int r;
        hvs_list_iter_init(&it, c->x->as, HVS_GVA(c->x->s.ftrace_events), MAX_TRACE_EVENTS);
        while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                uint64_t call = node.v - o->call_list;
                c->v.events++;
                if (rd64(c->x->as, call, o->call_prog_array) && (r = do_call(c, call)) < 0)
                        return r;
        }
        c->v.events_err = r;
        return 0;
}

/* A perf event running a program: its trace event, or the perf event itself. */
static int do_perf_event(struct collect *c, uint64_t event, uint32_t link_id, uint64_t *ret_prog) {
        const struct kint_bpf_offsets *o = c->x->o;
        hvs_vas *as = c->x->as;
        uint64_t prog = rd64(as, event, o->pe_prog), call = rd64(as, event, o->pe_tp_event);
        *ret_prog = prog;
        if (!prog)
                return 0;
        if (call) {
                int r = do_call(c, call);
                if (r < 0)
                        return r;
                struct kint_bpf_prog *p = prog_find(c, prog);
                for (size_t i = 0; p && i < p->nat; i++)
                        if (p->at[i].via == call) {
                                if (link_id)
                                        p->at[i].link_id = link_id;
                                return 0;
                        }
                /* not in the event's prog_array (being attached or detached): say so from here */
                struct kint_bpf_attach a;
                call_describe(c->x, call, &a);
                a.link_id = link_id;
                return add_attach(c, prog, &a);
        }
        struct kint_bpf_attach a = { .kind = KINT_BPF_AT_PERF_EVENT, .via = event, .link_id = link_id, .pid = -1 };
        snprintf(a.target, sizeof a.target, "perf event type %u config 0x%" PRIx64,
                 rd32(as, event, o->pe_attr_type, UINT32_MAX), rd64(as, event, o->pe_attr_config));
        return add_attach(c, prog, &a);
}

static void socket_target(uint16_t family, uint16_t type, char *buf, size_t cap) {
        static const char *const fam[] = { [1] = "unix", [2] = "inet", [10] = "inet6", [16] = "netlink",
                                           [17] = "packet" };
        static const char *const typ[] = { [1] = "stream", [2] = "dgram", [3] = "raw", [4] = "rdm",
                                           [5] = "seqpacket", [10] = "packet" };
        const char *f = family < ARRAY_SIZE(fam) && fam[family] ? fam[family] : NULL;
        const char *t = type < ARRAY_SIZE(typ) && typ[type] ? typ[type] : NULL;
        char fb[16], tb[16];
        if (!f)
                snprintf(fb, sizeof fb, "family %u", family), f = fb;
        if (!t)
                snprintf(tb, sizeof tb, "type %u", type), t = tb;
        snprintf(buf, cap, "%s %s socket", f, t);
}

/* The descriptors of every process: programs, links, perf events and filtered sockets they hold. */
static int walk_fds(struct collect *c) {
        const struct kint_bpf_ctx *x = c->x;
        const struct kint_bpf_offsets *o = x->o;
        hvs_vas *as = x->as;
        if (o->file_f_op == UINT32_MAX || o->file_private_data == UINT32_MAX)
                return 0;
        for (size_t i = 0; i < x->nfds; i++) {
                const struct kint_bpf_fd *f = &x->fds[i];
                uint64_t fop = rd64(as, f->file, o->file_f_op), priv = rd64(as, f->file, o->file_private_data);
                int r = 0;
                if (!fop || !priv)
                        continue;
                if (fop == x->s.bpf_prog_fops) {
                        r = add_holder(c, priv, f, "prog");
                } else if (fop == x->s.bpf_link_fops) {
                        r = add_holder(c, rd64(as, priv, o->link_prog), f, "link");
                } else if (fop == x->s.perf_fops) {
                        uint64_t prog = 0;
                        if ((r = do_perf_event(c, priv, 0, &prog)) == 0 && prog)
                                r = add_holder(c, prog, f, "perf_event");
                } else if (fop == x->s.socket_file_ops) {
                        uint64_t sk = rd64(as, priv, o->socket_sk), filt = rd64(as, sk, o->sk_filter);
                        uint64_t prog = rd64(as, filt, o->skf_prog);
                        if (!prog)
                                continue;
                        struct kint_bpf_attach a = { .kind = KINT_BPF_AT_SOCKET, .addr = sk, .via = filt,
                                                     .family = rd16(as, sk, o->sk_family),
                                                     .sock_type = rd16(as, sk, o->sk_type), .pid = f->pid,
                                                     .fd = f->fd, .ino = f->ino };
                        socket_target(a.family, a.sock_type, a.target, sizeof a.target);
                        if ((r = add_attach(c, prog, &a)) == 0)
                                r = add_holder(c, prog, f, "socket");
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int on_link(struct collect *c, uint64_t link) {
        const struct kint_bpf_ctx *x = c->x;
        const struct kint_bpf_offsets *o = x->o;
        hvs_vas *as = x->as;
        uint32_t type = rd32(as, link, o->link_type, UINT32_MAX);
        if (type == UINT32_MAX)
                return 0;
        if (c->v.nlinks == c->lcap) {
                size_t cap = c->lcap ? c->lcap * 2 : 16;
                struct kint_bpf_link *v = hvs_reallocarray(c->v.links, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                c->v.links = v;
                c->lcap = cap;
        }
        struct kint_bpf_link *l = &c->v.links[c->v.nlinks++];
        *l = (struct kint_bpf_link){ .addr = link, .type = type, .id = rd32(as, link, o->link_id, 0),
                                     .prog = rd64(as, link, o->link_prog) };
        l->prog_id = rd32(as, rd64(as, l->prog, o->prog_aux), o->aux_id, 0);
        struct kint_bpf_attach a = { .via = link, .link_id = l->id, .pid = -1 };
        int r = 0;
        if (type == LT_RAW_TP) {
                a.kind = KINT_BPF_AT_RAW_TRACEPOINT;
                uint64_t tp = rd64(as, rd64(as, link, o->raw_tp_link_btp), o->raw_map_tp);
                rdstr_at(as, rd64(as, tp, o->tp_name), a.target, sizeof a.target);
                r = add_attach(c, l->prog, &a);
        } else if (type == LT_TRACING) {
                a.kind = KINT_BPF_AT_FUNCTION;
                int err = 0;
                struct kint_bpf_prog *p = l->prog ? prog_get(c, l->prog, &err) : NULL;
                if (err < 0)
                        return err;
                hvs_strlcpy(a.target, p && p->attach_func[0] ? p->attach_func : "?", sizeof a.target);
                r = add_attach(c, l->prog, &a);
        } else if (type == LT_PERF_EVENT) {
                uint64_t event = rd64(as, rd64(as, link, o->perf_link_file), o->file_private_data), prog = 0;
                r = event ? do_perf_event(c, event, l->id, &prog) : 0;
        } else {
                a.kind = KINT_BPF_AT_LINK;
                hvs_strlcpy(a.target, type < ARRAY_SIZE(link_types) ? link_types[type] : "unknown",
                            sizeof a.target);
                r = add_attach(c, l->prog, &a);
        }
        struct kint_bpf_prog *p = prog_find(c, l->prog);
        for (size_t i = 0; p && i < p->nat; i++)
                if (p->at[i].link_id == l->id && l->id)
                        hvs_strlcpy(l->target, p->at[i].target, sizeof l->target);
        return r;
}

void kint_bpf_view_free(struct kint_bpf_view *v) {
        if (!v)
                return;
        free(v->progs);
        free(v->links);
        *v = (struct kint_bpf_view){ 0 };
}

int kint_bpf_collect(const struct kint_bpf_ctx *x, struct kint_bpf_view *ret) {
        struct collect c = { .x = x };
        int r = 0;
        if (x->s.prog_idr)
                r = xa_walk(x->as, x->o, x->s.prog_idr, on_prog, &c, &c.v.prog_err);
        if (r >= 0)
                r = walk_events(&c);
        if (r >= 0)
                r = walk_fds(&c);
        if (r >= 0 && x->s.link_idr && x->o->link_type != UINT32_MAX)
                r = xa_walk(x->as, x->o, x->s.link_idr, on_link, &c, &c.v.link_err);
        free(c.calls);
        free(c.order);
        if (r < 0) {
                kint_bpf_view_free(&c.v);
                return r;
        }
        if (c.v.nprogs > 1)
                qsort(c.v.progs, c.v.nprogs, sizeof *c.v.progs, cmp_prog);
        *ret = c.v;
        return 0;
}

int kint_bpf_load(struct kint *c, struct kint_bpf_view *ret) {
        struct kint_bpf_offsets o;
        struct kint_bpf_ctx x = { .as = c->as, .o = &o, .syms = c->syms };
        int r = kint_bpf_offsets_resolve(c->p, &o);
        if (r < 0)
                return r;
        kint_bpf_syms_resolve(c, &x.s);
        if (!x.s.prog_idr)
                return -ENOENT;
        _cleanup_(hvs_files_list_freep) hvs_files_list *fl = NULL;
        _cleanup_free_ struct kint_bpf_fd *fds = NULL;
        if (hvs_linux_files(c->k, -1, &fl) == 0) {
                size_t n = 0;
                for (size_t i = 0; i < fl->n; i++)
                        n += fl->procs[i].n;
                fds = n ? hvs_calloc(n, sizeof *fds) : NULL;
                if (n && !fds)
                        return -ENOMEM;
                for (size_t i = 0; i < fl->n; i++)
                        for (size_t j = 0; j < fl->procs[i].n; j++) {
                                const hvs_fd *d = &fl->procs[i].fds[j];
                                struct kint_bpf_fd *f = &fds[x.nfds++];
                                *f = (struct kint_bpf_fd){ .pid = fl->procs[i].pid, .fd = d->fd, .file = d->addr.v,
                                                           .ino = d->ino };
                                hvs_strlcpy(f->comm, fl->procs[i].comm, sizeof f->comm);
                        }
                x.fds = fds;
        }
        return kint_bpf_collect(&x, ret);
}

/* ---- findings ---- */

static bool tracing_family(uint32_t t) {
        return t == PT_KPROBE || t == PT_TRACEPOINT || t == PT_RAW_TP || t == PT_RAW_TP_W || t == PT_TRACING ||
               t == PT_LSM || t == PT_PERF_EVENT;
}

/* System calls, and the functions rootkits hook to hide files, processes and connections. */
static bool sensitive(const char *f) {
        static const char *const pat[] = { "sys_", "tcp", "udp", "inet", "ip_", "ip6", "nf_", "sock", "xdp", "netif",
                                           "skb", "packet", "getdents", "filldir", "vfs_", "proc_" };
        for (size_t i = 0; i < ARRAY_SIZE(pat); i++)
                if (strstr(f, pat[i]))
                        return true;
        return false;
}

static bool hook_kind(enum kint_bpf_at k) {
        return k == KINT_BPF_AT_KPROBE || k == KINT_BPF_AT_KRETPROBE || k == KINT_BPF_AT_TRACEPOINT ||
               k == KINT_BPF_AT_RAW_TRACEPOINT || k == KINT_BPF_AT_FUNCTION;
}

struct verdict {
        enum hvs_severity sev;
        const char *why, *technique;
};

static struct verdict judge(const struct kint_bpf_prog *p) {
        struct verdict v = { HVS_SEV_INFO, "A loaded eBPF program, for the record.", NULL };
        bool on_sensitive = p->attach_func[0] && sensitive(p->attach_func), on_packets = false;
        for (size_t i = 0; i < p->nat; i++) {
                if (hook_kind(p->at[i].kind) && sensitive(p->at[i].target))
                        on_sensitive = true;
                if (p->at[i].kind == KINT_BPF_AT_SOCKET &&
                    (p->at[i].family == AF_PACKET_ || p->at[i].sock_type == SOCK_RAW_))
                        on_packets = true;
        }
        if (tracing_family(p->type) && on_sensitive)
                v = (struct verdict){ HVS_SEV_HIGH,
                                      "An eBPF tracing program on a system call or on a function rootkits hook to hide "
                                      "files, processes or connections: it runs in the kernel on every call, reads its "
                                      "arguments and kernel memory, and can rewrite what user space gets back "
                                      "(bpf_probe_write_user) or kill the caller (bpf_send_signal): the way eBPF "
                                      "rootkits (ebpfkit, TripleCross, boopkit) work. Tracing agents do the same for "
                                      "observability: check who loaded it.",
                                      "T1014" };
        else if (tracing_family(p->type))
                v = (struct verdict){ HVS_SEV_MEDIUM,
                                      "An eBPF tracing program (kprobe, tracepoint, fentry/fexit, LSM, perf_event) runs "
                                      "in the kernel at its hook and can read kernel memory, write user memory and "
                                      "signal processes; legitimate in tracing agents, the building block of eBPF "
                                      "rootkits.",
                                      "T1014" };
        else if (p->type == PT_XDP || p->type == PT_SCHED_CLS || p->type == PT_SCHED_ACT)
                v = (struct verdict){ HVS_SEV_MEDIUM,
                                      "An eBPF program on the network path (XDP, tc) can drop, rewrite or hide packets "
                                      "before the kernel's stack sees them (eBPF backdoors listen this way).",
                                      "T1014" };
        else if (on_packets)
                v = (struct verdict){ HVS_SEV_MEDIUM,
                                      "A BPF filter on a packet or raw socket sees every frame of the interfaces before "
                                      "any firewall: how passive backdoors (BPFDoor) wait for their magic packet.",
                                      "T1205.002" };
        if (!p->in_idr && !p->classic && v.sev < HVS_SEV_HIGH)
                v = (struct verdict){ HVS_SEV_HIGH,
                                      "A program that a process holds but prog_idr does not list: hidden from bpftool "
                                      "and BPF_PROG_GET_NEXT_ID, as only a rootkit does.",
                                      "T1014" };
        return v;
}

static void hexstr(const uint8_t *b, size_t n, char *out) {
        static const char hx[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hx[b[i] >> 4];
                out[2 * i + 1] = hx[b[i] & 15];
        }
        out[2 * n] = 0;
}

static json_object *attach_json(const struct kint_bpf_attach *a) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        json_object_object_add(o, "kind", json_object_new_string(kint_bpf_at_name(a->kind)));
        json_object_object_add(o, "target", json_object_new_string(a->target));
        if (a->addr)
                json_object_object_add(o, a->kind == KINT_BPF_AT_SOCKET ? "sock" : "address", triage_json_addr(a->addr));
        if (a->kprobe)
                json_object_object_add(o, "kprobe", triage_json_addr(a->kprobe));
        if (a->via)
                json_object_object_add(o, "via", triage_json_addr(a->via));
        if (a->link_id)
                json_object_object_add(o, "link_id", json_object_new_int64(a->link_id));
        if (a->event_id)
                json_object_object_add(o, "event_id", json_object_new_int64(a->event_id));
        if (a->kind == KINT_BPF_AT_SOCKET) {
                json_object_object_add(o, "family", json_object_new_int(a->family));
                json_object_object_add(o, "sock_type", json_object_new_int(a->sock_type));
                json_object_object_add(o, "pid", json_object_new_int(a->pid));
                json_object_object_add(o, "fd", json_object_new_int64(a->fd));
                json_object_object_add(o, "inode", json_object_new_uint64(a->ino));
        }
        return o;
}

static int report_prog(struct kint *c, const struct kint_bpf_prog *p, hvs_findings *out) {
        struct verdict v = judge(p);
        const char *tn = prog_type_name(p->type);
        char tag[17] = "", title[320], where[200] = "";
        if (p->has_tag)
                hexstr(p->tag, sizeof p->tag, tag);
        if (p->nat)
                snprintf(where, sizeof where, " on %s %s%s", kint_bpf_at_name(p->at[0].kind), p->at[0].target,
                         p->at_total > 1 ? " (and more)" : "");
        else if (p->attach_func[0])
                snprintf(where, sizeof where, " for %s", p->attach_func);
        else if (tracing_family(p->type))
                snprintf(where, sizeof where, ", not seen attached");
        if (p->classic)
                snprintf(title, sizeof title, "classic BPF filter (%s)%s", tn, where);
        else
                snprintf(title, sizeof title, "eBPF program %u '%s' (%s)%s%s", p->id, p->name, tn, where,
                         p->in_idr ? "" : ", not in prog_idr");
        json_object *ev = json_object_new_object();
        if (ev) {
                json_object_object_add(ev, "prog", triage_json_addr(p->addr));
                json_object_object_add(ev, "id", json_object_new_int64(p->id));
                json_object_object_add(ev, "name", json_object_new_string(p->name));
                json_object_object_add(ev, "type", json_object_new_string(tn));
                json_object_object_add(ev, "type_id", json_object_new_int64(p->type));
                json_object_object_add(ev, "expected_attach_type", json_object_new_int64(p->expected_attach_type));
                if (tag[0])
                        json_object_object_add(ev, "tag", json_object_new_string(tag));
                json_object_object_add(ev, "jited", json_object_new_boolean(p->jited_len != 0));
                if (p->bpf_func) {
                        json_object_object_add(ev, "bpf_func", triage_json_addr(p->bpf_func));
                        if (!p->jited_len) {
                                char sym[160];
                                kint_symname(c, p->bpf_func, sym, sizeof sym);
                                if (sym[0])
                                        json_object_object_add(ev, "interpreter", json_object_new_string(sym));
                        }
                }
                json_object_object_add(ev, "jited_len", json_object_new_int64(p->jited_len));
                json_object_object_add(ev, "in_prog_idr", json_object_new_boolean(p->in_idr));
                if (p->classic)
                        json_object_object_add(ev, "classic", json_object_new_boolean(true));
                if (p->attach_func[0])
                        json_object_object_add(ev, "attach_func_name", json_object_new_string(p->attach_func));
                json_object *at = json_object_new_array(), *ho = json_object_new_array();
                for (size_t i = 0; at && i < p->nat; i++)
                        json_object_array_add(at, attach_json(&p->at[i]));
                json_object_object_add(ev, "attached", at);
                if (p->at_total > p->nat)
                        json_object_object_add(ev, "attached_total", json_object_new_uint64(p->at_total));
                for (size_t i = 0; ho && i < p->nholders; i++) {
                        json_object *h = json_object_new_object();
                        if (!h)
                                continue;
                        json_object_object_add(h, "pid", json_object_new_int(p->holders[i].pid));
                        json_object_object_add(h, "comm", json_object_new_string(p->holders[i].comm));
                        json_object_object_add(h, "fd", json_object_new_int64(p->holders[i].fd));
                        json_object_object_add(h, "as", json_object_new_string(p->holders[i].as));
                        json_object_array_add(ho, h);
                }
                json_object_object_add(ev, "holders", ho);
                if (p->holders_total > p->nholders)
                        json_object_object_add(ev, "holders_total", json_object_new_uint64(p->holders_total));
        }
        return triage_add(out, v.sev, CHECK_ID, p->nholders ? p->holders[0].pid : -1, p->addr, title, v.why,
                          v.technique, ev);
}

static int report_cut(hvs_findings *out, int err, uint64_t addr, const char *what) {
        if (!err)
                return 0;
        char t[160];
        snprintf(t, sizeof t, "%s %s", what,
                 err == -E2BIG     ? "cut at its bound"
                 : err == -ELOOP   ? "cut at a cycle"
                 : err == -EBADMSG ? "has an implausible node (skipped)"
                                   : "unreadable in part");
        return triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, addr, t, NULL, NULL, NULL);
}

int kint_bpf_report(struct kint *c, const struct kint_bpf_view *v, hvs_findings *out) {
        int r = 0;
        for (size_t i = 0; i < v->nprogs && r >= 0; i++)
                r = report_prog(c, &v->progs[i], out);
        if (r >= 0 && v->nlinks) {
                char t[128];
                snprintf(t, sizeof t, "%zu eBPF links", v->nlinks);
                json_object *ev = json_object_new_object(), *arr = json_object_new_array();
                for (size_t i = 0; arr && i < v->nlinks && i < 256; i++) {
                        const struct kint_bpf_link *l = &v->links[i];
                        json_object *o = json_object_new_object();
                        if (!o)
                                continue;
                        json_object_object_add(o, "link", triage_json_addr(l->addr));
                        json_object_object_add(o, "id", json_object_new_int64(l->id));
                        json_object_object_add(o, "type", json_object_new_string(l->type < ARRAY_SIZE(link_types)
                                                                                         ? link_types[l->type]
                                                                                         : "unknown"));
                        json_object_object_add(o, "prog_id", json_object_new_int64(l->prog_id));
                        if (l->target[0])
                                json_object_object_add(o, "target", json_object_new_string(l->target));
                        json_object_array_add(arr, o);
                }
                if (ev)
                        json_object_object_add(ev, "links", arr);
                else
                        json_object_put(arr);
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, t,
                               "The attachments of eBPF programs (link_idr): type, program id, target.", NULL, ev);
        }
        if (r >= 0)
                r = report_cut(out, v->prog_err, 0, "prog_idr walk");
        if (r >= 0)
                r = report_cut(out, v->link_err, 0, "link_idr walk");
        if (r >= 0)
                r = report_cut(out, v->events_err, 0, "ftrace_events walk");
        if (r >= 0)
                r = report_cut(out, v->calls_err, 0, "trace events with programs");
        return r;
}

TRIAGE_CHECK(triage_check_bpf) {
        return triage_check_bpf_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_bpf_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        struct kint c;
        struct kint_bpf_view v = { 0 };
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        r = kint_bpf_load(&c, &v);
        if (r == -ENOENT)
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, "eBPF not found (no prog_idr or its types)", NULL,
                               NULL, NULL);
        else if (r >= 0)
                r = kint_bpf_report(&c, &v, out);
        kint_bpf_view_free(&v);
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "bpf-programs: %s", strerror(-r)) : 0;
}
