/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.h - the Linux guest view, built from the guest itself.
 *
 * hvs_linux_open() finds a Linux kernel in guest-physical memory with no
 * profile to download: the version banner, the kernel's physical load address
 * and KASLR slide, its symbols (kallsyms carved from RAM), its type layouts
 * (its own BTF, in RAM), its page tables (init_top_pgt; 4- or 5-level) and
 * the direct map (page_offset_base). The resolved profile is cached on disk,
 * keyed by the kernel build, so a later open of any boot of the same build
 * needs no scan.
 *
 * Analyzers then walk kernel structures through the kernel's page tables.
 * Every walk is bounded (struct hvs_linux_limits) and cycle-checked; results
 * that could not be read completely are returned and marked partial.
 */
#ifndef HVSCOPE_LINUX_H
#define HVSCOPE_LINUX_H

#include <hvscope/mem.h>
#include <hvscope/types.h>
#include <hvscope/vas.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvs_linux hvs_linux;

/**
 * struct hvs_linux_limits - bounds on walks of guest structures; 0 = default
 * from limits.h.
 */
typedef struct hvs_linux_limits {
        uint32_t max_tasks;
        uint32_t max_threads;
        uint32_t max_cmdline;
        uint32_t max_modules;
        uint32_t max_fds;
        uint32_t max_vmas;
        uint32_t max_mounts;
        uint32_t max_sockets;
        uint32_t max_env;
        uint32_t max_dmesg;
} hvs_linux_limits;

/**
 * struct hvs_linux_opts - how to find the kernel.
 * @sz:        sizeof(struct hvs_linux_opts), set by HVS_OPTS()
 * @btf_path:  BTF source to use instead of the guest's own: a raw BTF file
 *             or an ELF vmlinux with .BTF; NULL = BTF found in guest RAM
 * @cache_dir: profile cache directory; NULL = default (types.h)
 * @no_cache:  neither read nor write the profile cache
 * @limits:    walk bounds
 * @isf_path:  a Volatility 3 ISF file (JSON, .json.xz or .json.gz) to take
 *             type layouts from instead of BTF, for kernels without BTF;
 *             its linux_banner must be the guest's (else -ESTALE). Symbols
 *             still come from the guest's kallsyms. The profile cache is
 *             neither read nor written. Exclusive with @btf_path.
 */
typedef struct hvs_linux_opts {
        size_t sz;
        const char *btf_path;
        const char *cache_dir;
        bool no_cache;
        hvs_linux_limits limits;
        const char *isf_path;
} hvs_linux_opts;

/**
 * struct hvs_linux_info - what was found, for the record.
 * @banner:          "Linux version ..." (no trailing newline)
 * @release:         "6.1.0-27-amd64"
 * @text_va, @text_pa: where the kernel's _text is (virtual, physical)
 * @kaslr_slide:     text_va - 0xffffffff81000000
 * @phys_slide:      text_pa - 0x1000000 (the default physical load address)
 * @page_offset_base: start of the direct map of physical memory
 * @root:            physical address of the kernel page tables used
 * @paging:          4 or 5 levels
 * @root_source:     "init_top_pgt" or "cr3"
 * @nsyms:           kallsyms symbols known
 * @profile_source:  "cache" (warm start) or "memory" (recovered now)
 * @btf_source:      "guest" (BTF in RAM), "file", "cache", or "isf" (types
 *                   from a Volatility ISF, --isf)
 * @cache_path:      profile cache file ("" when caching is off)
 * @open_ns:         wall time hvs_linux_open() took
 * @boot_time_ns:    the guest's wall-clock time (ns since the epoch, UTC) at
 *                   boot, from its timekeeper; 0 if it could not be read
 * @guest_time_s:    the guest's wall-clock time (s) when opened; 0 if unknown
 */
typedef struct hvs_linux_info {
        char banner[512];
        char release[128];
        uint64_t text_va, text_pa;
        int64_t kaslr_slide, phys_slide;
        uint64_t page_offset_base;
        uint64_t root;
        enum hvs_paging paging;
        const char *root_source;
        size_t nsyms;
        const char *profile_source;
        const char *btf_source;
        char cache_path[4096];
        uint64_t open_ns;
        int64_t boot_time_ns;
        int64_t guest_time_s;
} hvs_linux_info;

/**
 * hvs_linux_open() - find the Linux kernel in @m.
 * @m:    guest memory (borrowed; must outlive the handle)
 * @opts: NULL = defaults
 * @diag: nullable; detail on failure
 * @ret:  the kernel view (owned; hvs_linux_close())
 *
 * Return: 0; -ENOENT if no Linux kernel is found (no banner or no kallsyms:
 * "not a Linux guest?"); -EOPNOTSUPP for a kernel layout not supported (e.g.
 * no BTF in RAM and no @btf_path); -EBADMSG for kernel data that does not
 * decode; -EFAULT if the kernel's page tables do not map it; -ESTALE if the
 * @isf_path file is for another kernel build; -EINVAL for both @btf_path
 * and @isf_path; the errors of hvs_isf_load_file(); -ENOMEM; -EIO.
 * Thread-safety: the handle is used by one thread at a time.
 */
HVS_API int hvs_linux_open(hvs_mem *m, const hvs_linux_opts *opts, hvs_diag *diag, hvs_linux **ret);

/**
 * struct hvs_linux_parts - an already known kernel, for hvs_linux_open_parts()
 * (tests, and callers that resolved the kernel another way).
 * @profile: taken on success
 */
typedef struct hvs_linux_parts {
        hvs_profile *profile;
        const char *banner;
        uint64_t text_va, text_pa, page_offset_base;
        hvs_gpa root;
        enum hvs_paging paging;
} hvs_linux_parts;

/**
 * hvs_linux_open_parts() - a kernel view from known parts, with no discovery.
 * Return: 0; -ENOENT if a field the analyzers need is absent from the
 * profile; -EINVAL; -ENOMEM.
 */
HVS_API int hvs_linux_open_parts(hvs_mem *m, const hvs_linux_parts *parts, const hvs_linux_limits *limits,
                                 hvs_diag *diag, hvs_linux **ret);

/** hvs_linux_get_info() - what was found (borrowed; valid until close). */
HVS_API const hvs_linux_info *hvs_linux_get_info(const hvs_linux *k);

/** hvs_linux_kernel_vas() - the kernel address space (borrowed). */
HVS_API hvs_vas *hvs_linux_kernel_vas(hvs_linux *k);

/** hvs_linux_profile() - the kernel profile (borrowed). */
HVS_API hvs_profile *hvs_linux_profile(hvs_linux *k);

/** hvs_linux_errmsg() - detail of the last failure on @k ("" if none). */
HVS_API const char *hvs_linux_errmsg(const hvs_linux *k);

/**
 * hvs_linux_refresh() - forget cached translations after the guest ran.
 */
HVS_API void hvs_linux_refresh(hvs_linux *k);

/** hvs_linux_close() - NULL-safe. Return: NULL. */
HVS_API hvs_linux *hvs_linux_close(hvs_linux *k);

/* ---- processes ------------------------------------------------------------ */

/* Bits of struct hvs_task.partial: what could not be read. */
#define HVS_TASK_PARTIAL_CMDLINE (1u << 0)  /* arguments unreadable (not resident) */
#define HVS_TASK_PARTIAL_CRED    (1u << 1)
#define HVS_TASK_PARTIAL_PARENT  (1u << 2)
#define HVS_TASK_PARTIAL_SIGNAL  (1u << 3)
#define HVS_TASK_PARTIAL_CMDLINE_TRUNC (1u << 4) /* longer than max_cmdline */

/**
 * struct hvs_task - one process (thread-group leader) as the kernel sees it.
 * @addr:      guest-virtual address of its task_struct
 * @pid, @tgid, @ppid: as in the guest (ppid = real_parent's tgid)
 * @uid, @gid, @euid, @egid: from task->cred (real and effective)
 * @state:     ps state letter (R S D T t X Z P I)
 * @state_raw: task->__state (or ->state on older kernels)
 * @flags:     task->flags (PF_*)
 * @kthread:   a kernel thread (PF_KTHREAD)
 * @start_boottime_ns: start time since boot (CLOCK_BOOTTIME), as ps uses
 * @nr_threads: threads in the group (signal->nr_threads)
 * @comm:      task->comm, NUL-terminated
 * @argv:      the command line read from the process's own memory,
 *             NUL-separated arguments (@argv_len bytes, NUL-terminated
 *             again at @argv_len); NULL for kernel threads or if unreadable
 * @mm:        guest-virtual address of its mm_struct (0 for kernel threads)
 * @partial:   HVS_TASK_PARTIAL_* bits
 */
typedef struct hvs_task {
        hvs_gva addr;
        int32_t pid, tgid, ppid;
        uint32_t uid, gid, euid, egid;
        char state;
        uint64_t state_raw;
        uint32_t flags;
        bool kthread;
        uint64_t start_boottime_ns;
        uint32_t nr_threads;
        char comm[17];
        char *argv;
        size_t argv_len;
        hvs_gva mm;
        uint32_t partial;
} hvs_task;

/**
 * struct hvs_task_list - the result of a task walk.
 * @tasks, @n:   the tasks in list order; each task_struct appears at most
 *               once, even when the walk stopped on a cycle
 * @truncated:   the walk stopped early; @trunc_err says why (-EFAULT broken
 *               link, -ELOOP cycle, -E2BIG max_tasks reached) and
 *               @trunc_msg where
 * @uptime_ns:   guest time since boot when read (0 if unknown)
 */
typedef struct hvs_task_list {
        hvs_task *tasks;
        size_t n;
        bool truncated;
        int trunc_err;
        char trunc_msg[256];
} hvs_task_list;

/**
 * hvs_linux_tasks() - walk the task list from init_task.
 * @ret: owned; free with hvs_task_list_free()
 *
 * A broken or cyclic list gives the tasks read so far, marked truncated:
 * that is a result (return 0), not an error.
 * Return: 0; -EFAULT if init_task itself is unreadable; -ENOMEM.
 */
HVS_API int hvs_linux_tasks(hvs_linux *k, hvs_task_list **ret);

/** hvs_task_list_free() - NULL-safe. Return: NULL. */
HVS_API hvs_task_list *hvs_task_list_free(hvs_task_list *l);

/* ---- kernel facts ----------------------------------------------------------- */

/* Bits of struct hvs_sysinfo.partial: what could not be read. */
#define HVS_SYSINFO_PARTIAL_CMDLINE (1u << 0)  /* saved_command_line unreadable */
#define HVS_SYSINFO_PARTIAL_UTS     (1u << 1)  /* init_uts_ns unreadable */
#define HVS_SYSINFO_PARTIAL_CPUS    (1u << 2)  /* nr_cpu_ids or __num_online_cpus unreadable */
#define HVS_SYSINFO_PARTIAL_CMDLINE_TRUNC (1u << 3)  /* longer than the buffer */

/**
 * struct hvs_sysinfo - facts about the running kernel, as the guest reports
 * them in /proc/cmdline, uname(2) and its CPU count.
 * @cmdline:      the boot command line (saved_command_line, as /proc/cmdline)
 * @cmdline_addr: guest address of that string (0 if unknown)
 * @sysname, @nodename, @release, @version, @machine, @domainname: the
 *                initial UTS namespace (init_uts_ns.name): what uname -a
 *                and hostname show in a process that did not unshare it
 * @uts_addr:     guest address of init_uts_ns (0 if unknown)
 * @nr_cpu_ids:   the bound on CPU numbers (possible CPUs)
 * @online_cpus:  CPUs online (__num_online_cpus), as nproc shows
 * @partial:      HVS_SYSINFO_PARTIAL_* bits; the fields they name are ""/0
 * All strings are NUL-terminated, with control bytes shown as '?'.
 */
typedef struct hvs_sysinfo {
        char cmdline[4096];
        hvs_gva cmdline_addr;
        char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
        hvs_gva uts_addr;
        uint32_t nr_cpu_ids, online_cpus;
        uint32_t partial;
} hvs_sysinfo;

/**
 * hvs_linux_sysinfo() - read the kernel facts of struct hvs_sysinfo.
 * @k:   the kernel view
 * @ret: filled on success (caller-owned storage); untouched on failure
 *
 * Each group of facts is read independently: one that is missing or
 * unreadable (a kernel without the symbol, an unmapped page) sets its
 * partial bit and the others are still returned.
 * Thread-safety: as the other calls on @k (one thread at a time).
 * Return: 0 (possibly partial); -ENOENT if none of the facts could be read
 * (detail in hvs_linux_errmsg()).
 */
HVS_API int hvs_linux_sysinfo(hvs_linux *k, hvs_sysinfo *ret);

#ifdef __cplusplus
}
#endif

/* The other views, one header each (they need the types above). */
#include <hvscope/linux-modules.h>
#include <hvscope/linux-dmesg.h>
#include <hvscope/linux-creds.h>
#include <hvscope/linux-env.h>
#include <hvscope/linux-maps.h>
#include <hvscope/linux-files.h>
#include <hvscope/linux-mounts.h>
#include <hvscope/linux-net.h>
#endif
