/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * session.h - one investigation target: where its memory comes from and the
 * guest kernel found in it. The session wires mem -> vas -> types -> os, holds
 * the limits and keeps the detail of the last failure.
 */
#ifndef HVSCOPE_SESSION_H
#define HVSCOPE_SESSION_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvs_session hvs_session;

enum hvs_target_kind {
        HVS_TARGET_VM_QMP = 1,  /* live VM by its QMP socket */
        HVS_TARGET_VM_PID,      /* live VM by QEMU's PID */
        HVS_TARGET_IMAGE,       /* dump file: ELF core or raw */
};

/**
 * struct hvs_session_opts - what to open and how.
 * @sz:        sizeof(struct hvs_session_opts), set by HVS_OPTS()
 * @kind:      the target kind
 * @path:      QMP socket (VM_QMP) or dump file (IMAGE)
 * @pid:       QEMU's PID (VM_PID)
 * @kernel:    how to find the kernel (may be zero-initialised; its .sz is
 *             filled in by the session)
 */
typedef struct hvs_session_opts {
        size_t sz;
        enum hvs_target_kind kind;
        const char *path;
        pid_t pid;
        hvs_linux_opts kernel;
} hvs_session_opts;

/**
 * hvs_session_open() - open the target's memory and find its kernel.
 * Return: 0; the errors of hvs_mem_open_qemu(), hvs_mem_open_qemu_pid(),
 * hvs_mem_open_image() and hvs_linux_open(). On failure, @diag (nullable)
 * holds a one-line reason that names the target.
 */
HVS_API int hvs_session_open(const hvs_session_opts *opts, hvs_diag *diag, hvs_session **ret);

/**
 * hvs_session_new_parts() - a session over memory and a kernel view the
 * caller already opened (a program that opens the memory first and finds
 * out only then whether a Linux kernel is in it; tests over fake guests).
 * @mem: the memory (borrowed: must outlive the session; not closed by it)
 * @k:   the kernel found in @mem (borrowed likewise)
 * @ret: the session (owned; hvs_session_close())
 *
 * The session is the same as one from hvs_session_open() for every user of
 * a session (triage checks, watch sources), except that closing it closes
 * neither part: their owner does, after the session.
 * Return: 0; -EINVAL a NULL argument; -ENOMEM.
 */
HVS_API int hvs_session_new_parts(hvs_mem *mem, hvs_linux *k, hvs_session **ret);

/** hvs_session_mem() / hvs_session_linux() - borrowed parts; valid until close. */
HVS_API hvs_mem *hvs_session_mem(hvs_session *s);
HVS_API hvs_linux *hvs_session_linux(hvs_session *s);

/**
 * hvs_session_pause() / hvs_session_resume() - stop the VM for a consistent
 * view and let it run again (live targets; images are always consistent).
 * Resume flushes cached translations. Return: 0; -EOPNOTSUPP for an image;
 * other errors of hvs_mem_pause().
 */
HVS_API int hvs_session_pause(hvs_session *s);
HVS_API int hvs_session_resume(hvs_session *s);

/**
 * hvs_session_close() - NULL-safe; resumes a VM it paused; closes the
 * kernel view and the memory unless they were given to
 * hvs_session_new_parts(). Return: NULL.
 */
HVS_API hvs_session *hvs_session_close(hvs_session *s);

#ifdef __cplusplus
}
#endif
#endif
