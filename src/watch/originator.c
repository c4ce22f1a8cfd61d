/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * originator.c - which guest process made a device access: a wrapper around
 * a host-side source (the "kvm" source of src/trace/) whose events name the
 * vCPU thread of an exit ("host.tid"). For each such event it finds the vCPU
 * of that thread (QMP query-cpus-fast: cpu-index and thread-id) and reads the
 * task current on that vCPU from guest memory (__per_cpu_offset[cpu] + the
 * per-CPU current task pointer), and adds the guest process to the event:
 * process.pid, process.thread.id, process.name, user.id, and
 * hvscope.originator.{vcpu, read_lag_ms}.
 *
 * This is the process current when the watcher read the event, not at the
 * exit itself: read_lag_ms says how much later (up to the source's interval
 * for rate summaries). A process that keeps hammering a device is current
 * on its vCPU nearly all the time, so for a storm the answer holds; for a
 * single access it is a pointer, no more. An idle vCPU names the idle task
 * (pid 0).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <hvscope/limits.h>
#include <hvscope/session.h>
#include "mem/mem-internal.h"
#include "mem/qmp.h"
#include "watch/bp-internal.h"
#include "watch/watch-internal.h"
#include "watch/originator.h"

/* How often a thread id that is no vCPU's may make us ask QMP again. */
#define ORIG_REFRESH_NS 1000000000ll

struct orig_source {
        hvs_watch_source base;
        hvs_watch_source *inner;
        hvs_session *s;
        qmp *q;                         /* the session's (borrowed) */
        struct orig_map map;
        uint64_t per_cpu_offset;        /* &__per_cpu_offset[0] */
        uint64_t current_off;           /* per-CPU offset of the current task pointer */
        int64_t refreshed_ns;
        hvs_watch_emit_fn emit;         /* during a step: where events go */
        void *ctx;
        bool fresh;                     /* translations dropped in this step */
        uint64_t annotated, unknown_thread, unread;
        char data[HVS_WATCH_ORIG_DATA];
        char comm[17];
        hvs_watch_event ev;
};

int orig_map_from_qmp(json_object *cpus, struct orig_map *m) {
        m->n = 0;
        if (!json_object_is_type(cpus, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(cpus);
        for (size_t i = 0; i < n && m->n < ARRAY_SIZE(m->tid); i++) {
                json_object *c = json_object_array_get_idx(cpus, i), *idx, *tid;
                if (!json_object_object_get_ex(c, "cpu-index", &idx) || !json_object_object_get_ex(c, "thread-id", &tid))
                        continue;
                int64_t ci = json_object_get_int64(idx), ti = json_object_get_int64(tid);
                if (ci < 0 || ci >= (int64_t)HVS_MAX_VCPUS || ti <= 0 || ti > INT32_MAX)
                        continue;
                m->tid[m->n] = (uint32_t)ti;
                m->cpu[m->n] = (uint32_t)ci;
                m->n++;
        }
        return 0;
}

int orig_map_cpu(const struct orig_map *m, uint32_t tid) {
        for (size_t i = 0; i < m->n; i++)
                if (m->tid[i] == tid)
                        return (int)m->cpu[i];
        return -1;
}

bool orig_event_tid(const char *json, uint32_t *ret) {
        const char *p = json ? strstr(json, "\"host.tid\":") : NULL;
        if (!p)
                return false;
        p += strlen("\"host.tid\":");
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > INT32_MAX)
                return false;
        *ret = (uint32_t)v;
        return true;
}

int orig_current(hvs_linux *k, uint64_t per_cpu_offset, uint64_t current_off, uint32_t cpu, uint64_t *ret) {
        uint64_t a, base, task;
        if (cpu >= HVS_MAX_VCPUS || hvs_add_overflow(per_cpu_offset, 8ull * cpu, &a))
                return -EINVAL;
        int r = hvs_vas_read_u64(k->kvas, HVS_GVA(a), &base);
        if (r < 0)
                return r;
        if (hvs_add_overflow(base, current_off, &a))
                return -EBADMSG;
        if ((r = hvs_vas_read_u64(k->kvas, HVS_GVA(a), &task)) < 0)
                return r;
        if (!kernel_addr(task))
                return -EBADMSG;
        *ret = task;
        return 0;
}

int orig_annotate(hvs_linux *k, uint64_t per_cpu_offset, uint64_t current_off, uint32_t cpu, int64_t lag_ns,
                  const char *json, char *out, size_t cap, int32_t *ret_pid, char *comm, size_t comm_cap) {
        uint64_t task;
        int r = orig_current(k, per_cpu_offset, current_off, cpu, &task);
        if (r < 0)
                return r;
        struct task_info ti;
        bp_task_info(k, task, &ti, comm, comm_cap);
        if (ti.pid < 0)
                return -EFAULT;
        /* The source's members, then ours. */
        struct jbuf j;
        if ((json && strlen(json) >= cap) || !jb_reopen(&j, out, cap, json))
                return -EBADMSG;
        jb_i64(&j, "process.pid", ti.pid);
        jb_i64(&j, "process.thread.id", ti.tid);
        jb_str(&j, "process.name", comm);
        if (ti.have_cred) {
                jb_u64(&j, "user.id", ti.uid);
                jb_u64(&j, "user.effective.id", ti.euid);
        }
        jb_u64(&j, "hvscope.originator.vcpu", cpu);
        jb_i64(&j, "hvscope.originator.read_lag_ms", lag_ns > 0 ? lag_ns / 1000000 : 0);
        jb_u64(&j, "hvscope.originator.task", task);
        if (!jb_end(&j))
                return -E2BIG;
        *ret_pid = ti.pid;
        return 0;
}

/* ---- the wrapper ------------------------------------------------------------- */

static int refresh_map(struct orig_source *o, hvs_diag *diag) {
        json_object *res = NULL;
        int r = qmp_execute(o->q, "query-cpus-fast", NULL, diag, &res);
        if (r == 0)
                r = orig_map_from_qmp(res, &o->map);
        json_object_put(res);
        o->refreshed_ns = (int64_t)hvs_now_ns();
        return r;
}

static int orig_emit(void *ctx, const hvs_watch_event *ev) {
        struct orig_source *o = ctx;
        uint32_t tid;
        if (ev->pid >= 0 || !orig_event_tid(ev->data_json, &tid))
                return o->emit(o->ctx, ev);
        int cpu = orig_map_cpu(&o->map, tid);
        if (cpu < 0 && (int64_t)hvs_now_ns() - o->refreshed_ns > ORIG_REFRESH_NS) {
                hvs_diag d = { 0 };
                (void)refresh_map(o, &d);
                cpu = orig_map_cpu(&o->map, tid);
        }
        if (cpu < 0) {
                o->unknown_thread++;
                return o->emit(o->ctx, ev);
        }
        hvs_linux *k = hvs_session_linux(o->s);
        if (!o->fresh) {
                /* The guest ran since the last step: drop cached translations, once. */
                hvs_linux_refresh(k);
                o->fresh = true;
        }
        int64_t lag = ev->ts_ns ? hvs_watch_now_ns() - ev->ts_ns : 0;
        int32_t pid;
        if (orig_annotate(k, o->per_cpu_offset, o->current_off, (uint32_t)cpu, lag, ev->data_json, o->data,
                          sizeof o->data, &pid, o->comm, sizeof o->comm) < 0) {
                o->unread++;
                return o->emit(o->ctx, ev);
        }
        o->annotated++;
        o->ev = *ev;
        o->ev.pid = pid;
        o->ev.comm = o->comm;
        o->ev.data_json = o->data;
        return o->emit(o->ctx, &o->ev);
}

static int orig_fd(hvs_watch_source *src) {
        hvs_watch_source *in = ((struct orig_source *)src)->inner;
        return in->ops->fd ? in->ops->fd(in) : -1;
}

static int64_t orig_deadline(hvs_watch_source *src) {
        hvs_watch_source *in = ((struct orig_source *)src)->inner;
        return in->ops->deadline_ns ? in->ops->deadline_ns(in) : INT64_MAX;
}

static int orig_step(hvs_watch_source *src, int64_t now_ns, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag) {
        struct orig_source *o = (struct orig_source *)src;
        o->emit = emit;
        o->ctx = ctx;
        o->fresh = false;
        return o->inner->ops->step(o->inner, now_ns, orig_emit, o, diag);
}

static void orig_stats(hvs_watch_source *src, hvs_watch_stats *st) {
        hvs_watch_source *in = ((struct orig_source *)src)->inner;
        if (in->ops->stats)
                in->ops->stats(in, st);
        else
                *st = (hvs_watch_stats){ 0 };
}

static void orig_free(hvs_watch_source *src) {
        struct orig_source *o = (struct orig_source *)src;
        if (!o)
                return;
        if (o->inner)
                o->inner->ops->free(o->inner);
        free(o);
}

static const hvs_watch_source_ops orig_ops = {
        .name = "kvm",
        .fd = orig_fd,
        .deadline_ns = orig_deadline,
        .step = orig_step,
        .stats = orig_stats,
        .free = orig_free,
};

int hvs_watch_originator_new(hvs_session *s, hvs_watch_source *inner, hvs_diag *diag, hvs_watch_source **ret) {
        if (!inner || !s || !ret || !hvs_session_linux(s))
                return HVS_DIAG(diag, -EINVAL, "the guest process of an access needs the guest kernel");
        struct orig_source *o = calloc(1, sizeof *o);
        if (!o)
                return -ENOMEM;
        o->base.ops = &orig_ops;
        o->inner = inner;
        o->s = s;
        hvs_linux *k = hvs_session_linux(s);
        struct qemu_ram_source *rs = NULL;
        size_t nrs;
        int r;
        if ((r = qemu_live_parts(hvs_session_mem(s), &o->q, &rs, &nrs)) < 0) {
                HVS_DIAG(diag, r, "the guest process of an access needs a live vm (--vm or --pid)");
                goto fail;
        }
        free(rs);
        if (hvs_profile_symbol(hvs_linux_profile(k), "__per_cpu_offset", &o->per_cpu_offset) < 0) {
                r = HVS_DIAG(diag, -ENOENT, "no '__per_cpu_offset' symbol in the guest kernel");
                goto fail;
        }
        if ((r = bp_current_task_offset(k, &o->current_off, diag)) < 0 || (r = refresh_map(o, diag)) < 0)
                goto fail;
        *ret = &o->base;
        return 0;
fail:
        o->inner = NULL;        /* stays the caller's */
        orig_free(&o->base);
        return r;
}
