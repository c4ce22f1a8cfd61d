/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * checks.c - the table of triage checks (hvs_triage_checks()), in run order.
 *
 * TO ADD A CHECK: one line in the prototypes below, one line in the table,
 * and the file in src/triage/meson.build's list. Define the check with
 *     TRIAGE_CHECK(triage_my_check) { ... }
 * (triage-internal.h). Ids are stable: they are the --check names, the
 * check_id of findings and the rows of the case. Keep each group's lines
 * together so concurrent edits do not touch the same lines.
 */
#include "triage-internal.h"

/* ---- prototypes ---- */
/* hidden processes and modules (hidden.c ...) */
TRIAGE_CHECK(triage_hidden_procs);
TRIAGE_CHECK(triage_hidden_modules);
/* kernel integrity (integrity.c ...) */
TRIAGE_CHECK(triage_check_syscalls);
TRIAGE_CHECK(triage_check_idt);
TRIAGE_CHECK(triage_check_inline_hooks);
TRIAGE_CHECK(triage_check_ftrace);
TRIAGE_CHECK(triage_check_kprobes);
TRIAGE_CHECK(triage_check_bpf);
/* process anomalies (proc-anomalies.c) */
TRIAGE_CHECK(triage_fileless_exe);
TRIAGE_CHECK(triage_wx_memory);
TRIAGE_CHECK(triage_reverse_shell);
TRIAGE_CHECK(triage_root_from_user);
TRIAGE_CHECK(triage_kthread_masquerade);
/* YARA (yara.c) */
TRIAGE_CHECK(triage_yara);

static const hvs_triage_check checks[] = {
        /* ---- hidden processes and modules ---- */
        { "hidden-process", "processes missing from the task list or the PID table (PID table, run queues, memory scan)", triage_hidden_procs },
        { "hidden-module", "modules missing from the module list (module tree, memory scan, sysfs, module areas, own symbols); code in module space no module owns", triage_hidden_modules },
        /* ---- kernel integrity ---- */
        { "syscall-hook", "system call tables and x64_sys_call point only at kernel handlers", triage_check_syscalls },
        { "idt-hook", "interrupt gates (IDTR of each vCPU) point into kernel text", triage_check_idt },
        { "inline-hook", "no detour at the start of sensitive kernel functions (capstone)", triage_check_inline_hooks },
        { "ftrace-hook", "ftrace callbacks registered from modules, and what they trace", triage_check_ftrace },
        { "kprobe-hook", "kprobes whose handlers are in modules", triage_check_kprobes },
        { "bpf-programs", "loaded eBPF programs, where each is attached (kprobe, tracepoint, socket, link) and who holds it", triage_check_bpf },
        /* ---- process anomalies ---- */
        { "fileless-exe", "executables deleted or run from a memfd", triage_fileless_exe },
        { "wx-memory", "anonymous memory both writable and executable", triage_wx_memory },
        { "reverse-shell", "shells and interpreters whose standard streams are TCP sockets", triage_reverse_shell },
        { "root-from-user", "root processes under a non-root parent with no set-UID executable", triage_root_from_user },
        { "kthread-masquerade", "user processes named like kernel threads", triage_kthread_masquerade },
        /* ---- YARA ---- */
        { "yara", "user YARA rules (--yara) over process and kernel memory", triage_yara },
};

const hvs_triage_check *hvs_triage_checks(size_t *n) {
        if (n)
                *n = ARRAY_SIZE(checks);
        return checks;
}
