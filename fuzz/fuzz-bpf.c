/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-bpf.c - the eBPF view (src/triage/bpf.h) on hostile bytes: the
 * prog_idr and link_idr XArrays, the ftrace_events list, trace events and
 * their prog_arrays, kprobe events, perf events, links, sockets and the
 * descriptors that lead to them are all read from the input.
 *
 * Input: up to REGION bytes, copied to guest-physical REGION_PA (zero-filled
 * when short), seen by the kernel at BASE = POB + REGION_PA through the
 * direct map. Offsets are fake_bpf.h's. Fixed places in it:
 *   BASE + 0x00   prog_idr (its xa_head at + 0x8)
 *   BASE + 0x40   link_idr
 *   BASE + 0x80   ftrace_events (list_head)
 *   BASE + 0x100 + 0x40 * i (i < 4)   struct file of fd i of pid 1 + i
 * The f_op values that make a file a program, link, perf event or socket
 * are fake_bpf.h's FAKE_BPF_*_FOPS; the kprobe handlers FAKE_BPF_*.
 * fuzz/corpora/make-bpf-corpus.py writes seeds (nothing loaded; the lab
 * scenario's kprobe, tracepoint link and packet socket filter; cycles).
 * Any result is fine if it keeps the contract; a crash, a leak, a hang or
 * an error other than -ENOMEM is not.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/triage.h>
#include "fake_bpf.h"
#include "fake_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (4u << 20)
#define POB 0xffff888000000000ull
#define REGION_PA 0x100000ull
#define REGION 0x10000u
#define BASE (POB + REGION_PA)

static struct fake_guest *g;
static hvs_vas *kv;
static hvs_ksyms *syms;

static void init(void) {
        if (fake_guest_new(RAM, HVS_PAGING_4LEVEL, &g) < 0)
                abort();
        fake_map_direct(g, HVS_GVA(POB));
        if (hvs_vas_new(g->mem, g->root, HVS_PAGING_4LEVEL, &kv) < 0 || hvs_ksyms_new(&syms) < 0)
                abort();
        static const struct {
                const char *name;
                uint64_t off;
        } s[] = { { "_text", 0 }, { "__x64_sys_getdents64", 0x1000 }, { "vfs_read", 0x1100 }, { "_etext", 0x100000 } };
        for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
                if (hvs_ksyms_add(syms, s[i].name, 'T', FAKE_BPF_TEXT + s[i].off, false) < 0)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!g)
                init();
        uint8_t *region = calloc(1, REGION);
        if (!region)
                abort();
        memcpy(region, data, size < REGION ? size : REGION);
        fake_write(g, HVS_GPA(REGION_PA), region, REGION);
        free(region);
        hvs_vas_flush(kv);

        struct kint_bpf_fd fds[4];
        for (unsigned i = 0; i < 4; i++)
                fds[i] = (struct kint_bpf_fd){ .pid = (int32_t)(1 + i), .fd = i, .file = BASE + 0x100 + 0x40 * i,
                                               .ino = 100 + i, .comm = "fuzz" };
        const struct kint_bpf_ctx x = {
                .as = kv, .o = &FAKE_BPF_OFF, .fds = fds, .nfds = 4, .syms = syms,
                .s = { .prog_idr = BASE, .link_idr = BASE + 0x40, .ftrace_events = BASE + 0x80,
                       .kprobe_dispatcher = FAKE_BPF_KPROBE_DISPATCHER,
                       .pre_handler_kretprobe = FAKE_BPF_PRE_HANDLER_KRETPROBE,
                       .kretprobe_dispatcher = FAKE_BPF_KRETPROBE_DISPATCHER, .dummy_prog = FAKE_BPF_DUMMY_PROG,
                       .bpf_prog_fops = FAKE_BPF_PROG_FOPS, .bpf_link_fops = FAKE_BPF_LINK_FOPS,
                       .perf_fops = FAKE_BPF_PERF_FOPS, .socket_file_ops = FAKE_BPF_SOCKET_FOPS },
        };
        struct kint_bpf_view v;
        int r = kint_bpf_collect(&x, &v);
        if (r == -ENOMEM)
                return 0;
        if (r < 0)
                abort();        /* the walk reports what it cannot read; it does not fail */
        for (size_t i = 0; i < v.nprogs; i++) {
                const struct kint_bpf_prog *p = &v.progs[i];
                if (p->nat > KINT_BPF_MAX_ATTACH || p->nholders > KINT_BPF_MAX_HOLDERS || p->at_total < p->nat ||
                    !memchr(p->name, 0, sizeof p->name) || !memchr(p->attach_func, 0, sizeof p->attach_func) ||
                    (i && p[-1].addr >= p->addr))
                        abort();
                for (size_t j = 0; j < p->nat; j++)
                        if (!memchr(p->at[j].target, 0, sizeof p->at[j].target))
                                abort();
        }
        struct kint c = { .as = kv, .syms = syms, .text_lo = FAKE_BPF_TEXT, .text_hi = FAKE_BPF_TEXT + 0x100000 };
        hvs_findings *f = NULL;
        if (hvs_findings_new(&f) < 0)
                abort();
        r = kint_bpf_report(&c, &v, f);
        if (r < 0 && r != -ENOMEM)
                abort();
        hvs_findings_free(f);
        kint_bpf_view_free(&v);
        return 0;
}
