/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * env.c - a process's environment, read from its own memory as
 * fs/proc/base.c (environ_read()) does: the bytes between mm->env_start and
 * mm->env_end, through the process's page tables. Read page by page so a
 * page that is not resident ends the read there (the kernel would fault it
 * in; from outside we can only say it is missing) and keeps what came
 * before. The length comes from the guest and is clamped by max_env (C7).
 */
#include <inttypes.h>
#include "linux-internal.h"

#define PAGE_SIZE 4096u

struct env_offsets {
        uint32_t mm_env_start, mm_env_end;
};

#define O(f) offsetof(struct env_offsets, f)
static const struct lx_field_row env_rows[] = {
        { "mm_struct", { "env_start" }, O(mm_env_start), SIZE_MAX, false },
        { "mm_struct", { "env_end" }, O(mm_env_end), SIZE_MAX, false },
};
#undef O

/* Split @e->data into @e->vars. */
static int split_vars(hvs_env *e) {
        size_t n = 0;
        for (size_t i = 0; i < e->len; i += strlen(e->data + i) + 1)
                n++;
        e->vars = hvs_calloc(n ? n : 1, sizeof *e->vars);
        if (!e->vars)
                return -ENOMEM;
        for (size_t i = 0; i < e->len; i += strlen(e->data + i) + 1)
                e->vars[e->n++] = e->data + i;
        return 0;
}

static int read_env(hvs_linux *k, const struct env_offsets *o, uint64_t mm, hvs_env *e) {
        hvs_vas *kv = k->kvas;
        int r;
        if ((r = lx_read_u64(kv, mm, o->mm_env_start, &e->start)) < 0 || (r = lx_read_u64(kv, mm, o->mm_env_end, &e->end)) < 0)
                return HVS_DIAG(&k->diag, r == -ENOENT ? -EFAULT : r, "mm_struct at 0x%" PRIx64 " unreadable", mm);
        if (e->end < e->start)
                return HVS_BADMSG(&k->diag, "mm_struct at 0x%" PRIx64 ": env_end 0x%" PRIx64 " below env_start 0x%" PRIx64,
                                  mm, e->end, e->start);
        uint64_t want = e->end - e->start;
        if (want > k->limits.max_env) {
                want = k->limits.max_env;
                e->partial |= HVS_ENV_PARTIAL_TRUNCATED;
        }
        _cleanup_(hvs_vas_freep) hvs_vas *uv = NULL;
        if (want > 0 && (r = lx_mm_vas(k, mm, &uv)) < 0)
                return HVS_DIAG(&k->diag, r == -ENOENT ? -EFAULT : r, "page tables of mm_struct 0x%" PRIx64 " unreadable", mm);
        e->data = hvs_malloc((size_t)want + 1);
        if (!e->data)
                return -ENOMEM;
        uint64_t got = 0;
        while (got < want) {
                uint64_t at = e->start + got;
                uint64_t chunk = MIN(want - got, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
                if (hvs_vas_read(uv, HVS_GVA(at), e->data + got, (size_t)chunk) < 0) {
                        e->partial |= HVS_ENV_PARTIAL_UNREADABLE;
                        break;
                }
                got += chunk;
        }
        e->len = (size_t)got;
        e->data[e->len] = '\0';
        /* The final NUL ends the last string; it is not an empty variable. */
        size_t n = e->len;
        while (n > 0 && e->data[n - 1] == '\0')
                n--;
        size_t keep = e->len;
        e->len = n;
        r = split_vars(e);
        e->len = keep;
        return r;
}

int hvs_linux_task_env(hvs_linux *k, const hvs_task *t, hvs_env **ret) {
        if (t->kthread || t->mm.v == 0)
                return HVS_DIAG(&k->diag, -ENOENT, "process %d has no address space", t->pid);
        struct env_offsets o;
        int r = lx_resolve_fields(k, env_rows, ARRAY_SIZE(env_rows), &o, &k->diag);
        if (r < 0)
                return r;
        hvs_env *e = hvs_calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        e->mm = t->mm;
        if ((r = read_env(k, &o, t->mm.v, e)) < 0) {
                hvs_env_free(e);
                return r;
        }
        *ret = e;
        return 0;
}

hvs_env *hvs_env_free(hvs_env *e) {
        if (!e)
                return NULL;
        free(e->vars);
        free(e->data);
        free(e);
        return NULL;
}
