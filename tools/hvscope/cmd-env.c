/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope env: the environment of the guest's processes, read from their own memory. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static json_object *env_json(const hvs_task *t, const hvs_env *e, const char *err) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int(t->pid));
        json_object_object_add(o, "name", json_object_new_string(t->comm));
        json_object_object_add(o, "task_address", json_addr(t->addr.v));
        json_object_object_add(o, "mm_address", json_addr(t->mm.v));
        if (err) {
                json_object_object_add(o, "error", json_object_new_string(err));
                return o;
        }
        json_object_object_add(o, "env_start", json_addr(e->start));
        json_object_object_add(o, "env_end", json_addr(e->end));
        json_object *vars = json_object_new_array();
        for (size_t i = 0; i < e->n; i++)
                json_object_array_add(vars, json_object_new_string(e->vars[i]));
        json_object_object_add(o, "variables", vars);
        json_object *partial = json_object_new_array();
        if (e->partial & HVS_ENV_PARTIAL_UNREADABLE)
                json_object_array_add(partial, json_object_new_string("not_resident"));
        if (e->partial & HVS_ENV_PARTIAL_TRUNCATED)
                json_object_array_add(partial, json_object_new_string("truncated"));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

json_object *view_env_json(hvs_session *s, const hvs_task_list *tl, hvs_env *const *envs, char *const *errs) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(hvs_linux_get_info(hvs_session_linux(s))->banner));
        json_object_object_add(root, "truncated", json_object_new_boolean(tl->truncated));
        for (size_t i = 0; i < tl->n; i++)
                if (envs[i] || errs[i])
                        json_object_array_add(arr, env_json(&tl->tasks[i], envs[i], errs[i]));
        json_object_object_add(root, "processes", arr);
        return root;
}

static void print_env(const hvs_task *t, const hvs_env *e) {
        printf("PID %d (%s) mm 0x%016" PRIx64 " env 0x%" PRIx64 "-0x%" PRIx64 ", %zu variables%s%s\n", t->pid, t->comm,
               t->mm.v, e->start, e->end, e->n, e->partial & HVS_ENV_PARTIAL_UNREADABLE ? " (partial: not resident)" : "",
               e->partial & HVS_ENV_PARTIAL_TRUNCATED ? " (truncated)" : "");
        for (size_t i = 0; i < e->n; i++) {
                fputs("  ", stdout);
                for (const char *p = e->vars[i]; *p; p++)     /* guest-controlled: keep the terminal safe */
                        putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
                putchar('\n');
        }
}

static void env_usage(FILE *f) {
        fputs("usage: hvscope env [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "The environment of the guest's processes (as /proc/PID/environ), read from\n"
              "each process's own memory; pages that are not resident end the read and are\n"
              "reported. Kernel threads have none and are skipped.\n"
              "\n"
              "  -p, --process PID  only this guest process\n" TARGET_HELP,
              f);
}

int cmd_env(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "process", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        long want = -1;
        int c;
        while ((c = getopt_long(argc, argv, "vhp:", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                char *end;
                switch (c) {
                case 'p':
                        want = strtol(optarg, &end, 10);
                        if (*end || end == optarg || want < 0 || want > INT32_MAX) {
                                errorf("invalid --process '%s'", optarg);
                                return 1;
                        }
                        break;
                case 'h':
                        env_usage(stdout);
                        return 0;
                default:
                        env_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("env: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_linux *k = hvs_session_linux(s);
        hvs_task_list *tl = NULL;
        int r = hvs_linux_tasks(k, &tl);
        if (r < 0) {
                if (t.pause)
                        hvs_session_resume(s);
                errorf("cannot list processes: %s", hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (tl->truncated)
                warnf("partial process list: %s", tl->trunc_msg);

        hvs_env **envs = calloc(tl->n ? tl->n : 1, sizeof *envs);
        char **errs = calloc(tl->n ? tl->n : 1, sizeof *errs);
        int rc = 0;
        bool found = false;
        for (size_t i = 0; envs && errs && i < tl->n; i++) {
                const hvs_task *task = &tl->tasks[i];
                if (want >= 0 ? task->pid != want : (task->kthread || task->mm.v == 0))
                        continue;
                found = true;
                r = hvs_linux_task_env(k, task, &envs[i]);
                if (r < 0) {
                        const char *m = hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r);
                        errs[i] = strdup(m);
                        if (want >= 0) {
                                errorf("cannot read the environment of process %d: %s", task->pid, m);
                                rc = 1;
                        } else {
                                warnf("process %d (%s): %s", task->pid, task->comm, m);
                        }
                } else if (envs[i]->partial) {
                        warnf("process %d (%s): partial environment (%s)", task->pid, task->comm,
                              envs[i]->partial & HVS_ENV_PARTIAL_UNREADABLE ? "a page is not resident" : "longer than the limit");
                }
        }
        if (t.pause)
                hvs_session_resume(s);
        if (!envs || !errs) {
                errorf("out of memory");
                rc = 1;
        } else if (want >= 0 && !found) {
                errorf("no process %ld in the guest", want);
                rc = 1;
        }
        if (rc == 0 && t.json) {
                print_json(view_env_json(s, tl, envs, errs));
        } else if (rc == 0) {
                for (size_t i = 0; i < tl->n; i++)
                        if (envs[i])
                                print_env(&tl->tasks[i], envs[i]);
        }
        for (size_t i = 0; envs && errs && i < tl->n; i++) {
                hvs_env_free(envs[i]);
                free(errs[i]);
        }
        free(envs);
        free(errs);
        hvs_task_list_free(tl);
        hvs_session_close(s);
        if (rc == 0 && fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return rc;
}
