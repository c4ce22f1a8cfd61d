/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-process view commands (maps, creds, env): their options, the walk
 * of the guest's process list reading one item each, the errors and warnings
 * of that walk, and the rendering; each command supplies only what is its
 * own (struct task_view in hvscope.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hvscope.h"
#include "views.h"

int process_opts_parse(int argc, char **argv, const char *name, void (*usage)(FILE *f), const char *bad_pid,
                       struct target_opts *t, long *ret_pid) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "process", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        long want = -1;
        int c;
        while ((c = getopt_long(argc, argv, "vhp:", longopts, NULL)) != -1) {
                int k = target_opt(t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                char *end;
                switch (c) {
                case 'p':
                        want = strtol(optarg, &end, 10);
                        if (*end || end == optarg || want < 0 || want > INT32_MAX) {
                                errorf("%s '%s'", bad_pid, optarg);
                                return 1;
                        }
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("%s: unexpected argument '%s'", name, argv[optind]);
                return 1;
        }
        *ret_pid = want;
        return -1;
}

static json_object *task_json(const struct task_view *v, const hvs_task *t, const void *item, const char *err) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int(t->pid));
        json_object_object_add(o, "name", json_object_new_string(t->comm));
        json_object_object_add(o, "task_address", json_addr(t->addr.v));
        if (v->mm_address)
                json_object_object_add(o, "mm_address", json_addr(t->mm.v));
        if (err)
                json_object_object_add(o, "error", json_object_new_string(err));
        else
                v->item_json(o, item);
        return o;
}

json_object *task_view_json(hvs_session *s, const struct task_view *v, const hvs_task_list *tl, void *const *items,
                            char *const *errs) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        const hvs_linux_info *info = hvs_linux_get_info(hvs_session_linux(s));
        json_object_object_add(root, "kernel", json_object_new_string(info->banner));
        json_object_object_add(root, "truncated", json_object_new_boolean(tl->truncated));
        for (size_t i = 0; i < tl->n; i++)
                if (items[i] || errs[i])
                        json_object_array_add(arr, task_json(v, &tl->tasks[i], items[i], errs[i]));
        json_object_object_add(root, "processes", arr);
        return root;
}

int task_view_run(const struct task_view *v, int argc, char **argv) {
        struct target_opts t = { 0 };
        long want;
        int rc = process_opts_parse(argc, argv, v->name, v->usage, "invalid --process", &t, &want);
        if (rc >= 0)
                return rc;
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

        /* Read everything first (while paused), render afterwards. */
        void **items = calloc(tl->n ? tl->n : 1, sizeof *items);
        char **errs = calloc(tl->n ? tl->n : 1, sizeof *errs);
        rc = 0;
        bool found = false;
        for (size_t i = 0; items && errs && i < tl->n; i++) {
                const hvs_task *task = &tl->tasks[i];
                if (want >= 0 ? task->pid != want : !v->kthreads && (task->kthread || task->mm.v == 0))
                        continue;
                found = true;
                r = v->read(k, task, &items[i]);
                if (r < 0) {
                        const char *m = hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r);
                        errs[i] = strdup(m);
                        if (want >= 0 || (v->layout_errors_end && (r == -ENOENT || r == -EBADMSG))) {
                                errorf("cannot read %s of process %d: %s", v->what, task->pid, m);
                                rc = 1;
                                if (v->layout_errors_end)
                                        break;
                        } else {
                                warnf("process %d (%s): %s", task->pid, task->comm, m);
                        }
                } else {
                        v->warn_partial(task, items[i]);
                }
        }
        if (t.pause)
                hvs_session_resume(s);
        if (!items || !errs) {
                errorf("out of memory");
                rc = 1;
        } else if (want >= 0 && !found) {
                errorf("no process %ld in the guest", want);
                rc = 1;
        }
        if (rc == 0 && t.json) {
                print_json(task_view_json(s, v, tl, items, errs));
        } else if (rc == 0) {
                if (v->print_header)
                        v->print_header();
                for (size_t i = 0; i < tl->n; i++)
                        if (items[i])
                                v->print(&tl->tasks[i], items[i]);
        }
        for (size_t i = 0; items && errs && i < tl->n; i++) {
                v->free(items[i]);
                free(errs[i]);
        }
        free(items);
        free(errs);
        hvs_task_list_free(tl);
        hvs_session_close(s);
        if (rc == 0 && fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return rc;
}
