/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the hvscope program's subcommands: target options and reporting. */
#ifndef HVSCOPE_TOOL_H
#define HVSCOPE_TOOL_H

#include <getopt.h>
#include <stdio.h>
#include <json-c/json.h>
#include <hvscope/hvscope.h>

/* Options every subcommand that reads a guest takes. */
struct target_opts {
        hvs_session_opts session;
        bool json;
        bool pause;
        bool verbose;
};

/* getopt_long entries and handling for the target options; ids >= 0x100. */
#define TARGET_LONG_OPTS                                                    \
        { "vm", required_argument, NULL, 0x100 },                           \
        { "pid", required_argument, NULL, 0x101 },                          \
        { "image", required_argument, NULL, 0x102 },                        \
        { "btf", required_argument, NULL, 0x103 },                          \
        { "no-cache", no_argument, NULL, 0x104 },                           \
        { "cache-dir", required_argument, NULL, 0x105 },                    \
        { "json", no_argument, NULL, 0x106 },                               \
        { "pause", no_argument, NULL, 0x107 },                              \
        { "isf", required_argument, NULL, 0x108 },                          \
        { "verbose", no_argument, NULL, 'v' }

#define TARGET_HELP                                                                    \
        "  --vm QMP_SOCKET    a live QEMU VM, by its QMP unix socket\n"                \
        "  --pid QEMU_PID     a live QEMU VM, by the PID of its QEMU process\n"        \
        "  --image FILE       a memory dump (ELF core from dump-guest-memory or\n"     \
        "                     virsh dump --memory-only, or a raw physical image)\n"    \
        "  --btf FILE         kernel types from this BTF or vmlinux file instead of\n" \
        "                     the guest's own BTF\n"                                   \
        "  --isf FILE         kernel types from this Volatility 3 ISF (.json, .json.xz,\n"\
        "                     .json.gz) instead of BTF, for kernels without BTF\n"      \
        "  --no-cache         neither read nor write the kernel profile cache\n"       \
        "  --cache-dir DIR    profile cache directory (default ~/.cache/hvscope)\n"    \
        "  --pause            pause a live VM while reading, for a consistent view\n"  \
        "  --json             machine-readable output\n"                               \
        "  -v, --verbose      say how the kernel was found, on stderr\n"

/* Returns 1 if @c was a target option (consumed), 0 if not, -1 on bad input. */
int target_opt(struct target_opts *t, int c, const char *arg);

/*
 * The options of a command whose own are only -p/--process PID and -h: the
 * target options, the PID (0 to INT32_MAX; *@ret_pid = -1 when not given),
 * the usage for -h (stdout) or a bad option (stderr), stray arguments.
 * @name: the command, for "NAME: unexpected argument"; @bad_pid: the message
 * for a bad PID, before " 'ARG'".
 * Return: -1 to go on; else the command's exit status (an error is printed).
 */
int process_opts_parse(int argc, char **argv, const char *name, void (*usage)(FILE *f), const char *bad_pid,
                       struct target_opts *t, long *ret_pid);

/*
 * A per-process view (maps, creds, env: task-view.c): one item read from each
 * of the guest's processes, then shown as a table or as JSON. Items are
 * opaque to the runner; the callbacks take what @read returned.
 */
struct task_view {
        const char *name;               /* the command: "NAME: unexpected argument" */
        void (*usage)(FILE *f);
        const char *what;               /* "cannot read WHAT of process PID" */
        bool kthreads;                  /* without -p, also kernel threads and tasks with no mm */
        bool layout_errors_end;         /* -ENOENT, -EBADMSG (the kernel's layout, not one process's
                                         * data) are errors that end the walk, not warnings */
        bool mm_address;                /* the JSON of each process has its mm_address */
        /* Reads @t's item into *@ret (untouched on error); 0 or -errno (hvs_linux_errmsg()). */
        int (*read)(hvs_linux *k, const hvs_task *t, void **ret);
        void (*free)(void *item);       /* NULL-safe */
        /* Warns (warnf) when @item was read only in part. */
        void (*warn_partial)(const hvs_task *t, const void *item);
        /* Adds @item's fields to the JSON object @o of its process. */
        void (*item_json)(json_object *o, const void *item);
        void (*print_header)(void);     /* the table's header line, or NULL */
        void (*print)(const hvs_task *t, const void *item);
};

/*
 * Runs the command of @v: options (-p PID: only that process, whatever it is;
 * an error if it is absent or unreadable), the process list, one read per
 * process (failures: warnings and a JSON "error"), then the table or --json.
 * Return: the exit status.
 */
int task_view_run(const struct task_view *v, int argc, char **argv);
/* Opens the session; on failure prints the one-line error and returns -errno. */
int target_open(struct target_opts *t, hvs_session **ret);
/* Prints "hvscope: <fmt>" to stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints guest-chosen text @s (NULL: nothing) on stdout with control bytes
 * and backslashes as \ooo, so it cannot forge lines or terminal sequences. */
void print_escaped(const char *s);
/* Milliseconds of the monotonic clock (for durations). */
double now_ms(void);
/* Nanoseconds since the epoch (wall clock). */
int64_t wall_ns(void);

/* Prints @o (pretty, no slash escapes) on stdout and releases it. */
void print_json(json_object *o);
/* "0x%016x" string of a guest address. */
json_object *json_addr(uint64_t v);

/* ISO 8601 UTC with milliseconds of @ns since the epoch, or "" if @ns <= 0. */
void fmt_iso_time(int64_t ns, char *buf, size_t cap);

int cmd_ps(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_modules(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_maps(int argc, char **argv);
int cmd_creds(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_net(int argc, char **argv);
int cmd_files(int argc, char **argv);
int cmd_mounts(int argc, char **argv);
int cmd_acquire(int argc, char **argv);
int cmd_symbols(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_case(int argc, char **argv);
int cmd_vuln(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_triage(int argc, char **argv);
/* Whether hvscope has the command @name (the commands[] table of main.c). */
bool hvscope_has_command(const char *name);

/* Opens a case read-only (@path NULL: $HVS_CASE or the default); on failure
 * prints the one-line error and returns -errno (cmd-timeline.c). */
struct hvs_case;
int case_open_readonly(const char *path, struct hvs_case **ret);

/* The snapshot record of a run that read @s from @taken_ns (wall clock) on:
 * the VM or image, its kernel and clock; paused if @paused and @s is a live
 * VM; @si: the guest's facts (the hostname), or NULL. Strings are borrowed
 * from @s, @si and @label (cmd-collect.c). */
hvs_snapshot_record snapshot_record(hvs_session *s, bool paused, const hvs_sysinfo *si, const char *label,
                                    int64_t taken_ns);

/* Output to stdout ("-" or NULL) or to a file written under a temporary name
 * and renamed when complete (out-file.c). */
struct out_file {
        FILE *f;
        const char *path;
        char *tmp;
        bool direct;    /* not a regular file: written in place */
};
/* Return: 0; -errno (printed). */
int out_file_open(struct out_file *o, const char *path);
/* @ok: keep the output (flush, sync, rename); else discard the temporary file.
 * Return: 0; -ECANCELED (!@ok); -errno (printed). */
int out_file_close(struct out_file *o, bool ok);

#endif
