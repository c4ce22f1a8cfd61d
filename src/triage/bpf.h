/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf.h - the guest's eBPF programs as the triage checks see them (bpf.c):
 * each loaded program (prog_idr) with its id, name, type, tag and JIT image,
 * where it is attached and which processes hold it; and the BPF links
 * (link_idr).
 *
 * Where a program is attached is not stored in the program: it is in the
 * object that runs it. The walk looks where the kernel looks:
 *   - trace events (the ftrace_events list: tracepoints, syscall events,
 *     kprobe and uprobe events of tracefs) and the local kprobe/uprobe
 *     events perf creates (reached from their perf events): the programs
 *     of the event's prog_array, which trace_call_bpf() runs; a kprobe
 *     event's probed function comes from its trace_kprobe's struct kprobe;
 *   - perf events held by a process (PERF_EVENT_IOC_SET_BPF) or by a BPF
 *     link: perf_event.prog, and its event as above;
 *   - sockets held by a process: sock->sk_filter->prog (SO_ATTACH_BPF, and
 *     classic BPF filters of SO_ATTACH_FILTER, which the kernel converts to
 *     programs that have no id and are not in prog_idr);
 *   - BPF links: raw tracepoint links name their tracepoint, tracing links
 *     (fentry/fexit/LSM) the program's attach_func_name, perf_event links
 *     their perf event; other link types are listed by type.
 * And who holds it: processes with a descriptor of the program, of a link
 * to it, of a perf event running it or of a socket filtered by it.
 *
 * Everything read is guest memory: walks are bounded (the KINT_BPF_MAX_*
 * limits and those of bpf.c, docs/limits.md), an XArray child must have its
 * parent's shift minus 6 (so the walk cannot loop), lists are walked with
 * cycle detection, and a walk that stops early says why in the view.
 */
#ifndef HVS_TRIAGE_BPF_H
#define HVS_TRIAGE_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kint.h"

/* Attach points kept per program (more are counted in at_total). */
#define KINT_BPF_MAX_ATTACH 8u
/* Holders kept per program (more are counted in holders_total). */
#define KINT_BPF_MAX_HOLDERS 8u

enum kint_bpf_at {
        KINT_BPF_AT_KPROBE = 0,         /* a kprobe (perf or tracefs kprobe event): target = "func+0xoff" */
        KINT_BPF_AT_KRETPROBE,          /* a kretprobe: the same */
        KINT_BPF_AT_UPROBE,             /* a uprobe event: target = "uprobes:EVENT" */
        KINT_BPF_AT_TRACEPOINT,         /* a trace event: target = "system:event" */
        KINT_BPF_AT_RAW_TRACEPOINT,     /* a raw tracepoint link: target = tracepoint name */
        KINT_BPF_AT_FUNCTION,           /* fentry/fexit/LSM/freplace: target = attach_func_name */
        KINT_BPF_AT_PERF_EVENT,         /* a perf event without a trace event: target = "type T config C" */
        KINT_BPF_AT_SOCKET,             /* a socket's filter: target = "packet/raw socket" etc. */
        KINT_BPF_AT_LINK,               /* another link type: target = its type name */
};
const char *kint_bpf_at_name(enum kint_bpf_at k);

/* One place where a program runs. */
struct kint_bpf_attach {
        enum kint_bpf_at kind;
        char target[128];
        uint64_t addr;          /* kprobe: the probed address; socket: the struct sock; else 0 */
        uint64_t via;           /* the object that runs it: trace_event_call, perf_event, sk_filter, bpf_link */
        uint64_t kprobe;        /* kprobe/kretprobe: the struct kprobe */
        uint32_t link_id;       /* the BPF link it was reached through (0: none) */
        uint16_t family, sock_type;     /* socket */
        int32_t pid;            /* socket: the process holding it (-1: none) */
        uint32_t fd;
        uint64_t ino;           /* socket: its inode number */
        uint32_t event_id;      /* trace event: its id (tracefs events/.../id; 0: none) */
};

/* A process holding a program through one of its descriptors. */
struct kint_bpf_holder {
        int32_t pid;
        uint32_t fd;
        char comm[17];
        const char *as;         /* "prog", "link", "perf_event", "socket" (static) */
};

struct kint_bpf_prog {
        uint64_t addr;          /* struct bpf_prog */
        uint64_t aux;
        uint32_t id;            /* 0 for classic BPF filters (not in prog_idr) */
        uint32_t type, expected_attach_type;
        uint32_t jited_len;     /* 0: not JIT-compiled (bpf_func is the interpreter) */
        uint8_t tag[8];
        bool has_tag;
        uint64_t bpf_func;      /* JIT image entry */
        bool in_idr;            /* found in prog_idr */
        bool classic;           /* bpf_prog.orig_prog set: converted from classic BPF */
        char name[17];
        char attach_func[128];  /* aux->attach_func_name ("" if none) */
        struct kint_bpf_attach at[KINT_BPF_MAX_ATTACH];
        size_t nat, at_total;
        struct kint_bpf_holder holders[KINT_BPF_MAX_HOLDERS];
        size_t nholders, holders_total;
};

struct kint_bpf_link {
        uint64_t addr;
        uint32_t id, type, prog_id;
        uint64_t prog;
        char target[128];       /* what it attaches to, when known */
};

/*
 * The result of a collection. A walk that stopped early keeps what it found
 * and sets its error: -E2BIG (a bound), -EFAULT (unreadable), -ELOOP (a
 * cycle), -EBADMSG (an XArray node with an impossible shift).
 */
struct kint_bpf_view {
        struct kint_bpf_prog *progs;    /* sorted by address */
        size_t nprogs;
        struct kint_bpf_link *links;
        size_t nlinks;
        int prog_err, link_err, events_err, calls_err;
        uint32_t events;                /* trace events visited */
};
void kint_bpf_view_free(struct kint_bpf_view *v);

/* Field offsets (bytes; UINT32_MAX = absent in this kernel). */
struct kint_bpf_offsets {
        uint32_t idr_xa_head, xn_shift, xn_slots;                       /* idr, xa_node */
        uint32_t prog_type, prog_expected, prog_jited_len, prog_tag, prog_bpf_func, prog_aux, prog_orig;
        uint32_t aux_id, aux_name, aux_attach_func_name;
        uint32_t link_id, link_type, link_prog;                         /* bpf_link */
        uint32_t perf_link_file, raw_tp_link_btp, raw_map_tp, tp_name;  /* bpf_perf_link, bpf_raw_tp_link, ... */
        uint32_t call_list, call_class, call_name, call_prog_array;     /* trace_event_call */
        uint32_t call_event_type;                                       /* its event.type: the event id */
        uint32_t class_system;                                          /* trace_event_class */
        uint32_t array_items, array_item_size;                          /* bpf_prog_array(_item) */
        uint32_t tpe_call, tpe_probes, tp_list, tk_tp;                  /* trace_probe_event, trace_probe, trace_kprobe */
        uint32_t tk_kp, tk_kp_addr, tk_kp_pre, tk_rp_handler;           /* trace_kprobe.rp.kp, .rp.kp.addr, ... */
        uint32_t pe_prog, pe_tp_event, pe_attr_type, pe_attr_config;    /* perf_event */
        uint32_t file_f_op, file_private_data;
        uint32_t socket_sk, sk_filter, sk_family, sk_type, skf_prog;    /* socket, sock, sk_filter */
};

/* Kernel addresses the walk compares with or starts from (0 = unknown). */
struct kint_bpf_syms {
        uint64_t prog_idr, link_idr, ftrace_events;
        uint64_t kprobe_dispatcher, pre_handler_kretprobe, kretprobe_dispatcher;
        uint64_t dummy_prog;    /* dummy_bpf_prog: a prog_array's placeholder for a removed program */
        uint64_t bpf_prog_fops, bpf_link_fops, perf_fops, socket_file_ops;
};

/* One open descriptor of a process (from the files view). */
struct kint_bpf_fd {
        int32_t pid;
        uint32_t fd;
        uint64_t file;          /* struct file */
        uint64_t ino;
        char comm[17];
};

struct kint_bpf_ctx {
        hvs_vas *as;                    /* the kernel's address space */
        const struct kint_bpf_offsets *o;
        struct kint_bpf_syms s;
        const struct kint_bpf_fd *fds;  /* every process's descriptors (nullable) */
        size_t nfds;
        hvs_ksyms *syms;                /* names of probed addresses (nullable) */
};

/*
 * kint_bpf_offsets_resolve() - the offsets of @p's types (absent ones
 * UINT32_MAX). Return: 0; -ENOENT when the kernel has no eBPF programs'
 * types (idr, xa_node, bpf_prog, bpf_prog_aux id/name).
 */
int kint_bpf_offsets_resolve(hvs_profile *p, struct kint_bpf_offsets *ret);

/* kint_bpf_syms_resolve() - the symbols of @c (absent ones 0). */
void kint_bpf_syms_resolve(struct kint *c, struct kint_bpf_syms *ret);

/*
 * kint_bpf_collect() - walk prog_idr, the trace events, the descriptors and
 * link_idr as @x says. Partial results are kept (see struct kint_bpf_view).
 * @ret: owned (kint_bpf_view_free()); not written on failure.
 * Return: 0; -ENOMEM.
 */
int kint_bpf_collect(const struct kint_bpf_ctx *x, struct kint_bpf_view *ret);

/*
 * kint_bpf_load() - everything for the kernel of @c: offsets, symbols, the
 * processes' descriptors (hvs_linux_files()) and kint_bpf_collect(). For
 * other checks that need the programs (e.g. to attribute JIT images in the
 * module area: prog.bpf_func, prog.jited_len).
 * Return: 0; -ENOENT when the kernel's types or prog_idr are unknown; -ENOMEM.
 */
int kint_bpf_load(struct kint *c, struct kint_bpf_view *ret);

/*
 * kint_bpf_report() - the "bpf-programs" findings for @v: one per program,
 * its severity from its type and where it runs (docs/triage.md), and one
 * info finding listing the links and one per walk cut short.
 * Return: 0; -ENOMEM.
 */
int kint_bpf_report(struct kint *c, const struct kint_bpf_view *v, hvs_findings *out);

#endif
