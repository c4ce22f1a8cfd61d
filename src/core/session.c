/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <hvscope/session.h>
#include "util/util.h"

struct hvs_session {
        hvs_mem *mem;
        hvs_linux *kernel;
        bool paused;
        bool borrowed;          /* hvs_session_new_parts(): mem and kernel are the caller's */
};

int hvs_session_open(const hvs_session_opts *opts, hvs_diag *diag, hvs_session **ret) {
        if (!opts)
                return -EINVAL;
        hvs_session *s = hvs_calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        int r;
        switch (opts->kind) {
        case HVS_TARGET_VM_QMP:
                r = hvs_mem_open_qemu(opts->path, NULL, diag, &s->mem);
                break;
        case HVS_TARGET_VM_PID:
                r = hvs_mem_open_qemu_pid(opts->pid, NULL, diag, &s->mem);
                break;
        case HVS_TARGET_IMAGE:
                r = hvs_mem_open_image(opts->path, diag, &s->mem);
                break;
        default:
                r = HVS_DIAG(diag, -EINVAL, "no target given");
        }
        if (r == 0) {
                hvs_linux_opts lo = opts->kernel;
                lo.sz = sizeof lo;
                r = hvs_linux_open(s->mem, &lo, diag, &s->kernel);
        }
        if (r < 0) {
                hvs_session_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

int hvs_session_new_parts(hvs_mem *mem, hvs_linux *k, hvs_session **ret) {
        if (!mem || !k || !ret)
                return -EINVAL;
        hvs_session *s = hvs_calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        *s = (hvs_session){ .mem = mem, .kernel = k, .borrowed = true };
        *ret = s;
        return 0;
}

hvs_mem *hvs_session_mem(hvs_session *s) { return s->mem; }
hvs_linux *hvs_session_linux(hvs_session *s) { return s->kernel; }

int hvs_session_pause(hvs_session *s) {
        int r = hvs_mem_pause(s->mem);
        if (r == 0)
                s->paused = true;
        return r;
}

int hvs_session_resume(hvs_session *s) {
        int r = hvs_mem_resume(s->mem);
        if (r == 0) {
                s->paused = false;
                hvs_linux_refresh(s->kernel);
        }
        return r;
}

hvs_session *hvs_session_close(hvs_session *s) {
        if (!s)
                return NULL;
        if (s->borrowed) {
                if (s->paused)
                        (void)hvs_mem_resume(s->mem);
        } else {
                hvs_linux_close(s->kernel);
                hvs_mem_close(s->mem);  /* resumes a VM this session paused */
        }
        free(s);
        return NULL;
}
