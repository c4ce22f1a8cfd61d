/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-env.h - the Linux guest view of process environments, read from each
 * process's own memory (mm->env_start..env_end) as /proc/PID/environ shows
 * it. Included by linux.h; not meant to be included on its own.
 */
#ifndef HVSCOPE_LINUX_ENV_H
#define HVSCOPE_LINUX_ENV_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of struct hvs_env.partial. */
#define HVS_ENV_PARTIAL_UNREADABLE (1u << 0)  /* a page is not resident: @data stops before it */
#define HVS_ENV_PARTIAL_TRUNCATED  (1u << 1)  /* longer than max_env: the first max_env bytes */

/**
 * struct hvs_env - the environment of one process.
 * @mm:          guest address of its mm_struct
 * @start, @end: mm->env_start and env_end (user addresses)
 * @data, @len:  the bytes read from [start, end): NUL-separated "NAME=value"
 *               strings, exactly as in memory; @data[@len] is an extra NUL
 *               (owned)
 * @vars, @n:    the strings in @data, in order; pointers into @data (owned
 *               array). A string cut by the end of what was read is included
 *               and is NUL-terminated by the extra NUL.
 * @partial:     HVS_ENV_PARTIAL_* bits
 */
typedef struct hvs_env {
        hvs_gva mm;
        uint64_t start, end;
        char *data;
        size_t len;
        char **vars;
        size_t n;
        uint32_t partial;
} hvs_env;

/**
 * hvs_linux_task_env() - the environment of process @t (from
 * hvs_linux_tasks(); borrowed for the call), read through its own page
 * tables, at most k's max_env bytes, page by page: it stops at the first page
 * that is not resident (swapped out or never touched) and says so in
 * @partial; what was read before is kept.
 * @ret: owned; free with hvs_env_free()
 *
 * Return: 0; -ENOENT if @t has no address space (a kernel thread, an exited
 * process) or the kernel's mm_struct has no env_start; -EFAULT if the
 * mm_struct or the process's page tables are unreadable; -EBADMSG if
 * env_end is below env_start; -ENOMEM. Detail in hvs_linux_errmsg(@k).
 * Thread-safety: as @k.
 */
HVS_API int hvs_linux_task_env(hvs_linux *k, const hvs_task *t, hvs_env **ret);

/** hvs_env_free() - NULL-safe. Return: NULL. */
HVS_API hvs_env *hvs_env_free(hvs_env *e);

#ifdef __cplusplus
}
#endif
#endif
