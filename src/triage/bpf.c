/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf.c - check "bpf-programs": the eBPF programs loaded in the guest kernel
 * and the links that attach them.
 *
 * Every loaded program has an id in prog_idr, every link one in link_idr.
 * An IDR is an XArray (idr.idr_rt.xa_head): the head is an entry or an
 * internal pointer to a struct xa_node (low bits 10, above 4096) with 64
 * slots, whose shift says how many index bits are below it. The walk is
 * bounded in depth (MAX_XA_DEPTH), in nodes (MAX_XA_NODES) and in entries
 * (MAX_BPF_OBJECTS); value, sibling and retry entries are skipped.
 *
 * For each program: bpf_prog.type, expected_attach_type and its aux (id,
 * name, attach_func_name for fentry/fexit/LSM/freplace programs). Programs
 * are info findings. Types that can change what the kernel reports or does
 * (kprobe, tracing, LSM, raw tracepoints) attached to a system call or a
 * network function, and the network-path types (XDP, tc) are medium:
 * BPF rootkits (ebpfkit, TripleCross, boopkit) are made of exactly these.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include "kint.h"

#define CHECK_ID "bpf-programs"
#define MAX_XA_DEPTH 12u        /* 64-bit index / 6 bits per level + 1 */
#define MAX_XA_NODES 4096u
#define MAX_BPF_OBJECTS 4096u
#define XA_CHUNK_SLOTS 64u

static const char *const prog_types[] = {
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "perf_event",
        "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
        "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
        "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
        "ext", "lsm", "sk_lookup", "syscall", "netfilter",
};
enum { PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_SCHED_ACT = 4, PT_TRACEPOINT = 5, PT_XDP = 6, PT_RAW_TP = 17,
       PT_RAW_TP_W = 24, PT_TRACING = 26, PT_LSM = 29 };

static const char *const link_types[] = {
        "unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp", "perf_event", "kprobe_multi",
        "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap",
};

struct xa_off {
        uint32_t head;                  /* idr.idr_rt.xa_head */
        uint32_t shift, slots;          /* xa_node */
};

/* Call @fn for every pointer entry of the XArray whose head is at @root. Return: entries; -E2BIG when cut. */
static int xa_walk(hvs_vas *as, const struct xa_off *o, uint64_t root, int (*fn)(void *ud, uint64_t entry),
                   void *ud) {
        struct { uint64_t node; unsigned slot; } stack[MAX_XA_DEPTH];
        unsigned depth = 0, nodes = 0, entries = 0;
        uint64_t e;
        if (hvs_vas_read_u64(as, HVS_GVA(root + o->head), &e) < 0)
                return -EFAULT;
        for (;;) {
                if (e && (e & 3) == 2 && e > 4096) {            /* internal: a node */
                        if (depth == MAX_XA_DEPTH || ++nodes > MAX_XA_NODES)
                                return -E2BIG;
                        stack[depth].node = e - 2;
                        stack[depth].slot = 0;
                        depth++;
                } else if (e && (e & 3) == 0) {                 /* a pointer entry */
                        if (++entries > MAX_BPF_OBJECTS)
                                return -E2BIG;
                        int r = fn(ud, e);
                        if (r < 0)
                                return r;
                }
                /* next slot, popping finished nodes */
                for (;;) {
                        if (depth == 0)
                                return (int)entries;
                        if (stack[depth - 1].slot < XA_CHUNK_SLOTS)
                                break;
                        depth--;
                }
                uint64_t slot = stack[depth - 1].node + o->slots + 8ull * stack[depth - 1].slot++;
                if (hvs_vas_read_u64(as, HVS_GVA(slot), &e) < 0)
                        e = 0;
        }
}

struct bpf_off {
        uint32_t type, expected, aux, bpf_func;
        uint32_t aux_id, aux_name, aux_attach_func_name;
        uint32_t link_id, link_type, link_prog;
};

struct bpf_walk {
        struct kint *c;
        const struct bpf_off *o;
        hvs_findings *out;
        unsigned progs, links;
        json_object *link_list;
};

static int rd(hvs_vas *as, uint64_t base, uint32_t off, void *buf, size_t n) {
        uint64_t a;
        if (off == UINT32_MAX || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read(as, HVS_GVA(a), buf, n);
}

static void printable(char *s) {
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
                        *s = '?';
}

static bool syscall_or_net(const char *f) {
        static const char *const pat[] = { "sys_", "tcp", "udp", "inet", "ip_", "ip6", "nf_", "sock", "xdp", "netif",
                                           "skb", "packet", "getdents", "filldir", "vfs_", "proc_" };
        for (size_t i = 0; i < ARRAY_SIZE(pat); i++)
                if (strstr(f, pat[i]))
                        return true;
        return false;
}

static int on_prog(void *ud, uint64_t prog) {
        struct bpf_walk *w = ud;
        hvs_vas *as = w->c->as;
        uint32_t type = UINT32_MAX, expected = 0, id = 0;
        uint64_t aux = 0, func = 0, afn = 0;
        char name[17] = "", attach[128] = "";
        if (rd(as, prog, w->o->type, &type, 4) < 0)
                return 0;
        (void)rd(as, prog, w->o->expected, &expected, 4);
        (void)rd(as, prog, w->o->bpf_func, &func, 8);
        if (rd(as, prog, w->o->aux, &aux, 8) == 0 && aux) {
                (void)rd(as, aux, w->o->aux_id, &id, 4);
                if (rd(as, aux, w->o->aux_name, name, 16) < 0)
                        name[0] = 0;
                name[16] = 0;
                if (rd(as, aux, w->o->aux_attach_func_name, &afn, 8) == 0 && afn &&
                    hvs_vas_read_str(as, HVS_GVA(afn), attach, sizeof attach) < 0)
                        attach[0] = 0;
        }
        type = hvs_le32(&type);
        printable(name);
        printable(attach);
        w->progs++;
        const char *tn = type < ARRAY_SIZE(prog_types) ? prog_types[type] : "unknown";
        enum hvs_severity sev = HVS_SEV_INFO;
        const char *why = "A loaded eBPF program, for the record.";
        bool tracing = type == PT_KPROBE || type == PT_TRACING || type == PT_LSM || type == PT_RAW_TP ||
                       type == PT_RAW_TP_W || type == PT_TRACEPOINT;
        if (tracing && attach[0] && syscall_or_net(attach)) {
                sev = HVS_SEV_MEDIUM;
                why = "A tracing/LSM eBPF program attached to a system call or network function can read and "
                      "change what that function sees or returns (eBPF rootkits).";
        } else if (type == PT_XDP || type == PT_SCHED_CLS || type == PT_SCHED_ACT) {
                sev = HVS_SEV_MEDIUM;
                why = "An eBPF program on the network path (XDP, tc) can drop, rewrite or hide packets before the "
                      "kernel's stack sees them (eBPF backdoors listen this way).";
        } else if (type == PT_KPROBE) {
                sev = HVS_SEV_LOW;
                why = "A kprobe eBPF program: it can read kernel memory where attached (its attach point is in "
                      "its perf event; see kprobe-hook for kernel probes).";
        }
        char title[256];
        snprintf(title, sizeof title, "eBPF program %u '%s' (%s)%s%s", id, name, tn, attach[0] ? " attached to " : "",
                 attach);
        json_object *ev = json_object_new_object();
        if (ev) {
                json_object_object_add(ev, "prog", triage_json_addr(prog));
                json_object_object_add(ev, "id", json_object_new_int64(id));
                json_object_object_add(ev, "name", json_object_new_string(name));
                json_object_object_add(ev, "type", json_object_new_string(tn));
                json_object_object_add(ev, "type_id", json_object_new_int64(type));
                json_object_object_add(ev, "expected_attach_type", json_object_new_int64(expected));
                if (attach[0])
                        json_object_object_add(ev, "attach_func_name", json_object_new_string(attach));
                if (func)
                        json_object_object_add(ev, "bpf_func", triage_json_addr(func));
        }
        return triage_add(w->out, sev, CHECK_ID, -1, prog, title, why, sev > HVS_SEV_INFO ? "T1014" : NULL, ev);
}

static int on_link(void *ud, uint64_t link) {
        struct bpf_walk *w = ud;
        hvs_vas *as = w->c->as;
        uint32_t id = 0, type = UINT32_MAX, pid = 0;
        uint64_t prog = 0;
        if (rd(as, link, w->o->link_type, &type, 4) < 0)
                return 0;
        (void)rd(as, link, w->o->link_id, &id, 4);
        (void)rd(as, link, w->o->link_prog, &prog, 8);
        uint64_t aux = 0;
        if (prog && rd(as, prog, w->o->aux, &aux, 8) == 0 && aux)
                (void)rd(as, aux, w->o->aux_id, &pid, 4);
        w->links++;
        json_object *l = json_object_new_object();
        if (l && w->link_list && json_object_array_length(w->link_list) < 256) {
                json_object_object_add(l, "link", triage_json_addr(link));
                json_object_object_add(l, "id", json_object_new_int64(id));
                json_object_object_add(l, "type", json_object_new_string(type < ARRAY_SIZE(link_types)
                                                                                 ? link_types[type]
                                                                                 : "unknown"));
                json_object_object_add(l, "prog_id", json_object_new_int64(pid));
                json_object_array_add(w->link_list, l);
        } else {
                json_object_put(l);
        }
        return 0;
}

TRIAGE_CHECK(triage_check_bpf) {
        return triage_check_bpf_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_bpf_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        struct kint c;
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        struct xa_off xo;
        struct bpf_off bo;
        uint64_t prog_idr, link_idr;
        hvs_profile *p = c.p;
        if (hvs_profile_field(p, "idr", "idr_rt.xa_head", &xo.head, NULL) < 0 ||
            hvs_profile_field(p, "xa_node", "shift", &xo.shift, NULL) < 0 ||
            hvs_profile_field(p, "xa_node", "slots", &xo.slots, NULL) < 0 ||
            hvs_profile_field(p, "bpf_prog", "type", &bo.type, NULL) < 0 ||
            hvs_profile_field(p, "bpf_prog", "aux", &bo.aux, NULL) < 0 ||
            hvs_profile_field(p, "bpf_prog_aux", "id", &bo.aux_id, NULL) < 0 ||
            hvs_profile_field(p, "bpf_prog_aux", "name", &bo.aux_name, NULL) < 0 ||
            kint_sym(&c, "prog_idr", &prog_idr) < 0) {
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, "eBPF not found (no prog_idr or its types)", NULL,
                               NULL, NULL);
                goto done;
        }
        if (hvs_profile_field(p, "bpf_prog", "expected_attach_type", &bo.expected, NULL) < 0)
                bo.expected = UINT32_MAX;
        if (hvs_profile_field(p, "bpf_prog", "bpf_func", &bo.bpf_func, NULL) < 0)
                bo.bpf_func = UINT32_MAX;
        if (hvs_profile_field(p, "bpf_prog_aux", "attach_func_name", &bo.aux_attach_func_name, NULL) < 0)
                bo.aux_attach_func_name = UINT32_MAX;
        bool links = kint_sym(&c, "link_idr", &link_idr) == 0 &&
                     hvs_profile_field(p, "bpf_link", "id", &bo.link_id, NULL) == 0 &&
                     hvs_profile_field(p, "bpf_link", "type", &bo.link_type, NULL) == 0 &&
                     hvs_profile_field(p, "bpf_link", "prog", &bo.link_prog, NULL) == 0;
        struct bpf_walk w = { .c = &c, .o = &bo, .out = out, .link_list = json_object_new_array() };
        int n = xa_walk(c.as, &xo, prog_idr, on_prog, &w);
        if (n == -ENOMEM) {
                r = n;
                goto out;
        }
        if (n < 0 && (r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, prog_idr,
                                     n == -E2BIG ? "prog_idr walk cut at its bound" : "prog_idr unreadable", NULL, NULL,
                                     NULL)) < 0)
                goto out;
        if (links && (n = xa_walk(c.as, &xo, link_idr, on_link, &w)) < 0 && n == -ENOMEM) {
                r = n;
                goto out;
        }
        if (w.links) {
                char t[128];
                snprintf(t, sizeof t, "%u eBPF links", w.links);
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "links", w.link_list);
                        w.link_list = NULL;
                }
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, link_idr, t,
                               "The attachments of eBPF programs (link_idr): type and program id.", NULL, ev);
        }
out:
        json_object_put(w.link_list);
done:
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "bpf-programs: %s", strerror(-r)) : 0;
}
