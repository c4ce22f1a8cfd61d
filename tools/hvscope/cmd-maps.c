/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope maps: the memory regions of the guest's processes, as /proc/PID/maps shows them. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static const char *kind_name(enum hvs_vma_kind k) {
        switch (k) {
        case HVS_VMA_FILE: return "file";
        case HVS_VMA_HEAP: return "heap";
        case HVS_VMA_STACK: return "stack";
        case HVS_VMA_SPECIAL: return "special";
        default: return "anonymous";
        }
}

static json_object *vma_json(const hvs_vma *v) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "start", json_addr(v->start));
        json_object_object_add(o, "end", json_addr(v->end));
        json_object_object_add(o, "perms", json_object_new_string(v->perms));
        json_object_object_add(o, "offset", json_object_new_uint64(v->offset));
        char dev[24];
        snprintf(dev, sizeof dev, "%02x:%02x", v->dev_major, v->dev_minor);
        json_object_object_add(o, "dev", json_object_new_string(dev));
        json_object_object_add(o, "inode", json_object_new_uint64(v->inode));
        json_object_object_add(o, "name", json_object_new_string(v->name ? v->name : ""));
        json_object_object_add(o, "kind", json_object_new_string(kind_name(v->kind)));
        json_object_object_add(o, "vm_flags", json_object_new_uint64(v->flags));
        json_object_object_add(o, "vma_address", json_addr(v->addr.v));
        json_object_object_add(o, "file_address", v->file.v ? json_addr(v->file.v) : NULL);
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_VMA_PARTIAL_FILE, "file" }, { HVS_VMA_PARTIAL_PATH, "path" }, { HVS_VMA_PARTIAL_NAME, "name" },
        };
        for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (v->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

static json_object *proc_json(const hvs_task *t, const hvs_vma_list *l, const char *err) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int(t->pid));
        json_object_object_add(o, "name", json_object_new_string(t->comm));
        json_object_object_add(o, "task_address", json_addr(t->addr.v));
        json_object_object_add(o, "mm_address", json_addr(t->mm.v));
        if (err) {
                json_object_object_add(o, "error", json_object_new_string(err));
                return o;
        }
        json_object_object_add(o, "source", json_object_new_string(l->source));
        json_object_object_add(o, "map_count", json_object_new_int(l->map_count));
        json_object_object_add(o, "truncated", json_object_new_boolean(l->truncated));
        if (l->truncated)
                json_object_object_add(o, "truncated_reason", json_object_new_string(l->trunc_msg));
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < l->n; i++)
                json_object_array_add(arr, vma_json(&l->vmas[i]));
        json_object_object_add(o, "regions", arr);
        return o;
}

json_object *view_maps_json(hvs_session *s, const hvs_task_list *tl, hvs_vma_list *const *lists, char *const *errs) {
        const hvs_linux_info *info = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(info->banner));
        json_object_object_add(root, "truncated", json_object_new_boolean(tl->truncated));
        for (size_t i = 0; i < tl->n; i++)
                if (lists[i] || errs[i])
                        json_object_array_add(arr, proc_json(&tl->tasks[i], lists[i], errs[i]));
        json_object_object_add(root, "processes", arr);
        return root;
}

static void print_proc(const hvs_task *t, const hvs_vma_list *l) {
        printf("PID %d (%s) task 0x%016" PRIx64 " mm 0x%016" PRIx64 ", %zu regions\n", t->pid, t->comm, t->addr.v,
               t->mm.v, l->n);
        for (size_t i = 0; i < l->n; i++) {
                const hvs_vma *v = &l->vmas[i];
                printf("  %08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %-10" PRIu64 " 0x%016" PRIx64 " %s%s\n",
                       v->start, v->end, v->perms, v->offset, v->dev_major, v->dev_minor, v->inode, v->addr.v,
                       v->name ? v->name : "", v->partial ? " (partial)" : "");
        }
}

static void maps_usage(FILE *f) {
        fputs("usage: hvscope maps [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "The memory regions of the guest's processes, as the guest's /proc/PID/maps\n"
              "shows them: start-end, permissions, file offset, device, inode and path of\n"
              "the backing file or [heap]/[stack]/[vdso]/[vvar], with the address of each\n"
              "vm_area_struct. Kernel threads have none and are skipped.\n"
              "\n"
              "  -p, --process PID  only this guest process\n" TARGET_HELP,
              f);
}

int cmd_maps(int argc, char **argv) {
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
                        maps_usage(stdout);
                        return 0;
                default:
                        maps_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("maps: unexpected argument '%s'", argv[optind]);
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

        /* Read everything first (while paused), render afterwards. */
        hvs_vma_list **lists = calloc(tl->n ? tl->n : 1, sizeof *lists);
        char **errs = calloc(tl->n ? tl->n : 1, sizeof *errs);
        int rc = 0;
        bool found = false;
        for (size_t i = 0; lists && errs && i < tl->n; i++) {
                const hvs_task *task = &tl->tasks[i];
                if (want >= 0 ? task->pid != want : (task->kthread || task->mm.v == 0))
                        continue;
                found = true;
                r = hvs_linux_task_maps(k, task, &lists[i]);
                if (r < 0) {
                        const char *m = hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r);
                        errs[i] = strdup(m);
                        if (want >= 0) {
                                errorf("cannot read the regions of process %d: %s", task->pid, m);
                                rc = 1;
                        } else {
                                warnf("process %d (%s): %s", task->pid, task->comm, m);
                        }
                } else if (lists[i]->truncated) {
                        warnf("process %d (%s): partial result: %s", task->pid, task->comm, lists[i]->trunc_msg);
                }
        }
        if (t.pause)
                hvs_session_resume(s);
        if (!lists || !errs) {
                errorf("out of memory");
                rc = 1;
        } else if (want >= 0 && !found) {
                errorf("no process %ld in the guest", want);
                rc = 1;
        }
        if (rc == 0 && t.json) {
                print_json(view_maps_json(s, tl, lists, errs));
        } else if (rc == 0) {
                for (size_t i = 0; i < tl->n; i++)
                        if (lists[i])
                                print_proc(&tl->tasks[i], lists[i]);
        }
        for (size_t i = 0; lists && errs && i < tl->n; i++) {
                hvs_vma_list_free(lists[i]);
                free(errs[i]);
        }
        free(lists);
        free(errs);
        hvs_task_list_free(tl);
        hvs_session_close(s);
        if (rc == 0 && fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return rc;
}
