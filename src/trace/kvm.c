/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm.c - the "kvm" watch source: kvm:* tracepoints of one QEMU process's
 * vCPU threads. Every field is found by name in the tracepoint's format
 * file (layouts differ between kernels); a field that is absent leaves its
 * value 0. Ports, addresses and values are the guest's: hostile, printed as
 * numbers only.
 */
#include <dirent.h>
#include "source.h"

enum { K_PIO, K_MMIO, K_MSR, K_HYPERCALL, K_EXIT, K_N };

static const char *const kvm_tps[K_N] = { "kvm_pio", "kvm_mmio", "kvm_msr", "kvm_hypercall", "kvm_exit" };
static const char *const kvm_actions[K_N] = { "port-io", "mmio", "msr", "hypercall", "vm-exit" };

/* The fields each kind reads: [0] the key, [1] the direction, [2..] details. */
static const char *const kvm_fields[K_N][5] = {
        [K_PIO] = { "port", "rw", "size", "count", "val" },
        [K_MMIO] = { "gpa", "type", "len", "val", NULL },
        [K_MSR] = { "ecx", "write", "data", "exception", NULL },
        [K_HYPERCALL] = { "nr", NULL, "a0", "a1", "a2" },
        [K_EXIT] = { "exit_reason", NULL, "guest_rip", "isa", "info1" },
};

struct kvm_priv {
        int kind[TRACE_MAX_TPS];                        /* tp index -> K_* */
        const struct trace_field *f[TRACE_MAX_TPS][5];
};

static const char *dir_name(int kind, uint16_t dir) {
        switch (kind) {
        case K_PIO:
        case K_MSR: return dir ? "write" : "read";
        case K_MMIO: return dir == 2 ? "write" : dir == 1 ? "read" : "unsatisfied-read";
        default: return "";
        }
}

static void kvm_key_text(const struct trace_src *t, const struct trace_key *k, char *buf, size_t cap, char *json,
                         size_t jcap) {
        const char *dn = dir_name(k->kind, k->dir);
        snprintf(buf, cap, "%s %#" PRIx64 "%s%s", kvm_actions[k->kind], k->id, dn[0] ? " " : "", dn);
        snprintf(json, jcap, "\"kind\":\"%s\",\"key\":%" PRIu64 ",\"key_hex\":\"%#" PRIx64 "\",\"direction\":\"%s\"",
                 kvm_actions[k->kind], k->id, k->id, dn);
}

static void kvm_sample(struct trace_src *t, size_t tp, const struct trace_sample *s) {
        struct kvm_priv *kp = t->priv;
        if ((pid_t)s->pid != t->pid) {
                t->foreign++;           /* never another VM's events */
                return;
        }
        int kind = kp->kind[tp];
        uint64_t v[5] = { 0 };
        for (int i = 0; i < 5; i++)
                if (kp->f[tp][i] && trace_field_get(kp->f[tp][i], s->raw, s->raw_len, &v[i]) < 0) {
                        t->rs.bad++;
                        return;
                }
        uint16_t dir = (uint16_t)MIN(v[1], 0xffffu);
        struct trace_key *k = trace_key_hit(t, (uint16_t)kind, v[0], dir);
        if (k)
                k->last_tid = s->tid;
        if (!k || !trace_key_individual(t, k))
                return;
        const char *dn = dir_name(kind, dir);
        switch (kind) {
        case K_PIO:
                snprintf(t->summary, sizeof t->summary, "port-io %s port %#" PRIx64 " size %" PRIu64 " count %" PRIu64
                         " value %#" PRIx64 " (vCPU thread %u)", dn, v[0], v[2], v[3], v[4], s->tid);
                snprintf(t->json, sizeof t->json, "{\"kvm.event\":\"kvm_pio\",\"port\":%" PRIu64 ",\"port_hex\":\"%#" PRIx64
                         "\",\"direction\":\"%s\",\"size\":%" PRIu64 ",\"count\":%" PRIu64 ",\"value\":\"%#" PRIx64 "\"",
                         v[0], v[0], dn, v[2], v[3], v[4]);
                break;
        case K_MMIO:
                snprintf(t->summary, sizeof t->summary, "mmio %s gpa %#" PRIx64 " len %" PRIu64 " value %#" PRIx64
                         " (vCPU thread %u)", dn, v[0], v[2], v[3], s->tid);
                snprintf(t->json, sizeof t->json, "{\"kvm.event\":\"kvm_mmio\",\"gpa\":\"%#" PRIx64 "\",\"direction\":\"%s\","
                         "\"len\":%" PRIu64 ",\"value\":\"%#" PRIx64 "\"", v[0], dn, v[2], v[3]);
                break;
        case K_MSR:
                snprintf(t->summary, sizeof t->summary, "msr %s %#" PRIx64 " = %#" PRIx64 "%s (vCPU thread %u)", dn, v[0], v[2],
                         v[3] ? " (#GP)" : "", s->tid);
                snprintf(t->json, sizeof t->json, "{\"kvm.event\":\"kvm_msr\",\"msr\":\"%#" PRIx64 "\",\"direction\":\"%s\","
                         "\"value\":\"%#" PRIx64 "\",\"gp_fault\":%s", v[0], dn, v[2], v[3] ? "true" : "false");
                break;
        case K_HYPERCALL:
                snprintf(t->summary, sizeof t->summary, "hypercall %#" PRIx64 " (%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64
                         ") (vCPU thread %u)", v[0], v[2], v[3], v[4], s->tid);
                snprintf(t->json, sizeof t->json, "{\"kvm.event\":\"kvm_hypercall\",\"nr\":%" PRIu64 ",\"a0\":\"%#" PRIx64
                         "\",\"a1\":\"%#" PRIx64 "\",\"a2\":\"%#" PRIx64 "\"", v[0], v[2], v[3], v[4]);
                break;
        default:
                snprintf(t->summary, sizeof t->summary, "vm-exit reason %" PRIu64 " at rip %#" PRIx64 " (vCPU thread %u)",
                         v[0], v[2], s->tid);
                snprintf(t->json, sizeof t->json, "{\"kvm.event\":\"kvm_exit\",\"reason\":%" PRIu64 ",\"guest_rip\":\"%#"
                         PRIx64 "\",\"isa\":%" PRIu64 ",\"info1\":\"%#" PRIx64 "\"", v[0], v[2], v[3], v[4]);
                break;
        }
        size_t n = strlen(t->json);
        snprintf(t->json + n, sizeof t->json - n, ",\"qemu.pid\":%d,\"host.tid\":%u,\"first_of_key\":%" PRIu64 "}",
                 (int)t->pid, s->tid, k->emitted);
        trace_emit(t, (int64_t)s->time_ns + t->clock_off, "host", kvm_actions[kind], 1, -1, t->summary, t->json);
}

/* Whether process @pid holds /dev/kvm open (a TCG QEMU does not: no kvm event
 * will come). Bounded by the fd table; -1 when it cannot tell. */
static int uses_kvm(pid_t pid) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
        DIR *dir = opendir(path);
        if (!dir)
                return -1;
        int found = 0;
        struct dirent *de;
        for (unsigned n = 0; !found && n < HVS_DEFAULT_MAX_FDS && (de = readdir(dir)); n++) {
                char fp[320], target[64];
                snprintf(fp, sizeof fp, "/proc/%d/fd/%s", (int)pid, de->d_name);
                ssize_t l = readlink(fp, target, sizeof target - 1);
                if (l > 0) {
                        target[l] = '\0';
                        found = !strcmp(target, "/dev/kvm");
                }
        }
        closedir(dir);
        return found;
}

static const struct trace_kind_ops kvm_kops = {
        .source = "kvm",
        .category = "host",
        .sample = kvm_sample,
        .key_text = kvm_key_text,
};

int hvs_watch_kvm_new(pid_t qemu_pid, const hvs_trace_opts *opts, hvs_diag *diag, hvs_watch_source **ret) {
        struct trace_src *t = hvs_calloc(1, sizeof *t);
        struct kvm_priv *kp = hvs_calloc(1, sizeof *kp);
        if (!t || !kp) {
                free(t);
                free(kp);
                return -ENOMEM;
        }
        t->base.ops = &trace_kvm_ops;
        t->kops = &kvm_kops;
        t->priv = kp;
        t->vcpu_only = true;
        /* kvm_pio is required: without it this kernel has no KVM tracing worth the name */
        int r = trace_src_init(t, qemu_pid, opts, "kvm", kvm_tps, NULL, K_N, 1, diag);
        if (r < 0) {
                trace_kvm_ops.free(&t->base);
                return r;
        }
        if (uses_kvm(qemu_pid) == 0)
                snprintf(t->note, sizeof t->note, "QEMU process %d has no /dev/kvm open (TCG?): no kvm event will come",
                         (int)qemu_pid);
        for (size_t i = 0; i < t->ntps; i++) {
                int kind = 0;
                for (int k = 0; k < K_N; k++)
                        if (!strcmp(t->tp_names[i], kvm_tps[k]))
                                kind = k;
                kp->kind[i] = kind;
                for (int j = 0; j < 5; j++)
                        kp->f[i][j] = kvm_fields[kind][j] ? trace_format_field(&t->tps[i], kvm_fields[kind][j]) : NULL;
                if (!kp->f[i][0]) {
                        HVS_DIAG(diag, -EOPNOTSUPP, "tracepoint 'kvm:%s' has no field '%s'", t->tp_names[i],
                                 kvm_fields[kind][0]);
                        trace_kvm_ops.free(&t->base);
                        return -EOPNOTSUPP;
                }
        }
        *ret = &t->base;
        return 0;
}
