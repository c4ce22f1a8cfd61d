/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc-anomalies.h - the executable of a process and the interpreter names (proc-anomalies.c), for checks and tests. */
#ifndef HVS_TRIAGE_PROC_ANOMALIES_H
#define HVS_TRIAGE_PROC_ANOMALIES_H

#include <hvscope/linux.h>
#include <hvscope/limits.h>
#include <hvscope/triage.h>

/* What mm->exe_file says about a process's executable (fields 0 when unread). */
struct triage_exe {
        uint64_t file;          /* struct file */
        uint64_t inode;         /* struct inode */
        uint64_t ino;
        uint32_t mode;          /* i_mode */
        uint32_t uid;           /* i_uid, when @uid_known */
        bool uid_known;
        bool deleted;           /* unlinked (" (deleted)" in @path) */
        bool memfd;             /* "/memfd:NAME": an anonymous memfd file */
        int path_err;           /* 0 or why @path is incomplete */
        char fstype[32];
        char path[HVS_MAX_PATH_BYTES + 1];
};

struct exe_reader;
/* The executable of @t. Return: 0; -ENOENT (no mm or no exe_file); -EFAULT. */
int triage_task_exe(struct exe_reader *r, const hvs_task *t, struct triage_exe *ret);

/* The ATT&CK technique of a shell or interpreter named @name (a comm, a path
 * or argv[0]: its base name counts, a login shell's '-' is ignored); NULL
 * when @name is none of them. */
const char *triage_interpreter(const char *name);

/* The checks on a kernel view (the table's entries call these with the
 * session's view; unit tests with a fake kernel's). As hvs_triage_check_fn. */
int triage_fileless_exe_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_wx_memory_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_reverse_shell_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_root_from_user_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_kthread_masquerade_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);

#endif
