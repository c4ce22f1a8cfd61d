/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope ps: the guest's processes, from its kernel's task list. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"
#include "util/util.h"

/* The command line for display: arguments joined by spaces, control bytes as '?'. */
static char *display_cmdline(const hvs_task *t) {
        if (!t->argv || t->argv_len == 0) {
                char *s = malloc(sizeof t->comm + 2);
                if (s)
                        snprintf(s, sizeof t->comm + 2, "[%s]", t->comm);
                return s;
        }
        char *s = malloc(t->argv_len + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < t->argv_len; i++) {
                unsigned char c = (unsigned char)t->argv[i];
                s[i] = c == '\0' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        s[t->argv_len] = '\0';
        return s;
}

/*
 * START: the wall-clock time (UTC) when the guest's clock is known, like ps's
 * STIME (time of day if it started within a day of the reading, else the
 * date); otherwise the time since boot, prefixed with '+'.
 */
static void fmt_start(const hvs_linux_info *i, uint64_t ns, char *buf, size_t cap) {
        if (i->boot_time_ns) {
                time_t t = (time_t)((i->boot_time_ns + (int64_t)ns) / 1000000000);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(buf, cap, i->guest_time_s - t < 86400 ? "%H:%M:%S" : "%Y-%m-%d", &tm);
                return;
        }
        uint64_t s = ns / 1000000000ull;
        if (s >= 86400)
                snprintf(buf, cap, "+%" PRIu64 "-%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 86400, s / 3600 % 24,
                         s / 60 % 60, s % 60);
        else
                snprintf(buf, cap, "+%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
}

/* ISO 8601 UTC with milliseconds, or "" when the guest's clock is unknown. */
void fmt_iso_time(int64_t ns, char *buf, size_t cap) {
        if (ns <= 0) {
                buf[0] = '\0';
                return;
        }
        time_t t = (time_t)(ns / 1000000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, cap - n, ".%03dZ", (int)(ns / 1000000 % 1000));
}

static json_object *task_json(const hvs_linux_info *info, const hvs_task *t) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int(t->pid));
        json_object_object_add(o, "ppid", json_object_new_int(t->ppid));
        json_object_object_add(o, "tgid", json_object_new_int(t->tgid));
        json_object_object_add(o, "uid", json_object_new_int64(t->uid));
        json_object_object_add(o, "gid", json_object_new_int64(t->gid));
        json_object_object_add(o, "euid", json_object_new_int64(t->euid));
        json_object_object_add(o, "egid", json_object_new_int64(t->egid));
        char st[2] = { t->state, 0 };
        json_object_object_add(o, "state", json_object_new_string(st));
        json_object_object_add(o, "start_boottime_ns", json_object_new_uint64(t->start_boottime_ns));
        char when[40];
        fmt_iso_time(info->boot_time_ns ? info->boot_time_ns + (int64_t)t->start_boottime_ns : 0, when, sizeof when);
        json_object_object_add(o, "start_time", when[0] ? json_object_new_string(when) : NULL);
        json_object_object_add(o, "threads", json_object_new_int64(t->nr_threads));
        json_object_object_add(o, "name", json_object_new_string(t->comm));
        json_object_object_add(o, "kernel_thread", json_object_new_boolean(t->kthread));
        json_object *argv = json_object_new_array();
        for (size_t i = 0; t->argv && i < t->argv_len; i += strlen(t->argv + i) + 1)
                json_object_array_add(argv, json_object_new_string(t->argv + i));
        json_object_object_add(o, "argv", argv);
        char addr[32];
        snprintf(addr, sizeof addr, "0x%016" PRIx64, t->addr.v);
        json_object_object_add(o, "task_address", json_object_new_string(addr));
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_TASK_PARTIAL_CMDLINE, "cmdline" }, { HVS_TASK_PARTIAL_CMDLINE_TRUNC, "cmdline_truncated" },
                { HVS_TASK_PARTIAL_CRED, "cred" }, { HVS_TASK_PARTIAL_PARENT, "parent" },
                { HVS_TASK_PARTIAL_SIGNAL, "threads" },
        };
        for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (t->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

static const hvs_task *find_pid(const hvs_task_list *l, int32_t pid) {
        for (size_t i = 0; i < l->n; i++)
                if (l->tasks[i].pid == pid)
                        return &l->tasks[i];
        return NULL;
}

/* A task is a root of the tree when its parent is not in the list (or is itself). */
static bool is_root(const hvs_task_list *l, const hvs_task *t) {
        return t->ppid == t->pid || !find_pid(l, t->ppid);
}

static void print_row(const hvs_linux_info *info, const hvs_task *t, int depth) {
        char start[32];
        fmt_start(info, t->start_boottime_ns, start, sizeof start);
        char *cmd = display_cmdline(t);
        printf("%7d %7d %6u %6u %c %10s %4u 0x%016" PRIx64 " %*s%s%s\n", t->pid, t->ppid, t->uid, t->gid, t->state,
               start, t->nr_threads, t->addr.v, depth * 2, "", depth ? "\\_ " : "", cmd ? cmd : "?");
        free(cmd);
}

/* Depth-first, bounded by the list size so a guest-made parent cycle cannot loop. */
static void print_tree(const hvs_linux_info *info, const hvs_task_list *l, const hvs_task *t, int depth,
                       size_t budget, bool *done) {
        size_t idx = (size_t)(t - l->tasks);
        if (done[idx] || (size_t)depth > budget)
                return;
        done[idx] = true;
        print_row(info, t, depth);
        for (size_t i = 0; i < l->n; i++)
                if (l->tasks[i].ppid == t->pid && &l->tasks[i] != t && !done[i])
                        print_tree(info, l, &l->tasks[i], depth + 1, budget, done);
}

static json_object *tree_json(const hvs_linux_info *info, const hvs_task_list *l, const hvs_task *t, size_t depth,
                              bool *done) {
        size_t idx = (size_t)(t - l->tasks);
        done[idx] = true;
        json_object *o = task_json(info, t), *kids = json_object_new_array();
        for (size_t i = 0; i < l->n && depth < l->n; i++)
                if (l->tasks[i].ppid == t->pid && !done[i])
                        json_object_array_add(kids, tree_json(info, l, &l->tasks[i], depth + 1, done));
        json_object_object_add(o, "children", kids);
        return o;
}

json_object *view_ps_json(hvs_session *s, const hvs_task_list *l, bool tree) {
        _cleanup_free_ bool *done = calloc(l->n ? l->n : 1, sizeof *done);
        if (!done)
                return NULL;
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "source", json_object_new_string(hvs_mem_get_info(hvs_session_mem(s))->source));
        char boot[40];
        fmt_iso_time(i->boot_time_ns, boot, sizeof boot);
        json_object_object_add(root, "boot_time", boot[0] ? json_object_new_string(boot) : NULL);
        json_object_object_add(root, "truncated", json_object_new_boolean(l->truncated));
        if (l->truncated)
                json_object_object_add(root, "truncated_reason", json_object_new_string(l->trunc_msg));
        for (size_t k = 0; k < l->n; k++) {
                if (!tree)
                        json_object_array_add(arr, task_json(i, &l->tasks[k]));
                else if (is_root(l, &l->tasks[k]) && !done[k])
                        json_object_array_add(arr, tree_json(i, l, &l->tasks[k], 0, done));
        }
        for (size_t k = 0; tree && k < l->n; k++)   /* tasks only reachable through a parent cycle */
                if (!done[k])
                        json_object_array_add(arr, tree_json(i, l, &l->tasks[k], 0, done));
        json_object_object_add(root, "processes", arr);
        return root;
}

static int render(const struct target_opts *t, hvs_session *s, const hvs_task_list *l, bool tree) {
        if (t->json) {
                json_object *root = view_ps_json(s, l, tree);
                if (!root)
                        return -ENOMEM;
                print_json(root);
                return 0;
        }
        _cleanup_free_ bool *done = calloc(l->n ? l->n : 1, sizeof *done);
        if (!done)
                return -ENOMEM;
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        printf("%7s %7s %6s %6s %c %10s %4s %-18s %s\n", "PID", "PPID", "UID", "GID", 'S', "START", "THR", "TASK",
               "COMMAND");
        for (size_t k = 0; k < l->n; k++) {
                if (!tree)
                        print_row(i, &l->tasks[k], 0);
                else if (is_root(l, &l->tasks[k]))
                        print_tree(i, l, &l->tasks[k], 0, l->n, done);
        }
        for (size_t k = 0; tree && k < l->n; k++)
                if (!done[k])
                        print_tree(i, l, &l->tasks[k], 0, l->n, done);
        return 0;
}

static void ps_usage(FILE *f) {
        fputs("usage: hvscope ps [--tree] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "List the guest's processes as its kernel sees them: PID, PPID, UID, GID,\n"
              "state, start time since boot, threads, task_struct address and the full\n"
              "command line, read from each process's own memory.\n"
              "\n"
              "  --tree             show the process tree\n" TARGET_HELP,
              f);
}

int cmd_ps(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "tree", no_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        bool tree = false;
        int c;
        while ((c = getopt_long(argc, argv, "vth", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case 't':
                        tree = true;
                        break;
                case 'h':
                        ps_usage(stdout);
                        return 0;
                default:
                        ps_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("ps: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_task_list *l = NULL;
        int r = hvs_linux_tasks(hvs_session_linux(s), &l);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                errorf("cannot list processes: %s", hvs_linux_errmsg(hvs_session_linux(s))[0]
                                                            ? hvs_linux_errmsg(hvs_session_linux(s))
                                                            : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (l->truncated)
                warnf("partial result: %s", l->trunc_msg);
        r = render(&t, s, l, tree);
        hvs_task_list_free(l);
        hvs_session_close(s);
        if (r < 0 || fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return 0;
}
