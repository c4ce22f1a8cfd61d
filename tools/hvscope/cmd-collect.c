/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope collect: every guest view once, stored in a case as one snapshot
 * (one transaction), or printed as one JSON object.
 *
 * Each view is read, stored (typed rows and the JSON its command's --json
 * prints) and freed before the next, so memory stays that of the largest
 * view. A view the guest's data breaks (-EFAULT, -EBADMSG, ...) is recorded
 * as failed in the snapshot and the summary; a failure of the target itself
 * (-EIO, -ETIMEDOUT: the VM went away) or of the case aborts the whole
 * collect and rolls the snapshot back, leaving the case as it was.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

enum view_id { V_KERNEL, V_PS, V_MODULES, V_NET, V_FILES, V_MOUNTS, V_MAPS, V_CREDS, V_ENV, V_DMESG, V_COUNT };

static const char *const view_names[V_COUNT] = {
        "kernel", "ps", "modules", "net", "files", "mounts", "maps", "creds", "env", "dmesg",
};
/* What the count of each view counts. */
static const char *const view_units[V_COUNT] = {
        "", "processes", "modules", "sockets", "open files", "mounts", "regions", "processes", "processes", "records",
};

struct view_result {
        bool ran;
        int err;                /* 0, or the view's error (recorded, not fatal) */
        char msg[512];
        int64_t count;
        int64_t partial;        /* items read only in part */
        int64_t errors;         /* processes whose part of a per-process view failed */
        double ms;
};

struct collect {
        hvs_session *s;
        hvs_linux *k;
        hvs_case *c;
        hvs_case_snap *snap;
        json_object *all;       /* --json without a case: every view's JSON */
        const hvs_task_list *tasks;
        struct view_result v[V_COUNT];
        const char *fail_view;  /* test hook: HVSCOPE_TEST_FAIL_VIEW */
        double open_ms;         /* opening the target and finding its kernel */
        double commit_ms;       /* content hash, custody row, commit */
};

/* A failure of the target or of the host: the snapshot cannot be trusted to be whole. */
static bool fatal(int err) {
        return err == -EIO || err == -ETIMEDOUT || err == -ENOMEM || err == -ECONNRESET || err == -EPIPE;
}

static const char *kmsg(struct collect *cl, int r) {
        const char *m = hvs_linux_errmsg(cl->k);
        return m[0] ? m : hvs_strerror(r);
}

/* The view's JSON: into the snapshot, or into the --json object. Takes @o. */
static int put_json(struct collect *cl, enum view_id id, json_object *o) {
        if (!o) {
                errorf("collect: out of memory");
                return -ENOMEM;
        }
        int r = 0;
        if (cl->snap) {
                const char *text = json_text(o);
                r = text ? hvs_case_snap_add_view_json(cl->snap, view_names[id], text) : -ENOMEM;
                if (r < 0)
                        errorf("cannot store view '%s' in case '%s': %s", view_names[id], hvs_case_path(cl->c),
                               hvs_case_errmsg(cl->c));
                json_object_put(o);
        } else {
                json_object_object_add(cl->all, view_names[id], o);
        }
        return r;
}

/* A view failed as a whole: record it (fatal errors end the collect). */
static int view_failed(struct collect *cl, enum view_id id, int r, const char *msg) {
        struct view_result *v = &cl->v[id];
        v->err = r;
        snprintf(v->msg, sizeof v->msg, "%s", msg);
        if (fatal(r)) {
                errorf("collect: view '%s' failed: %s", view_names[id], msg);
                return r;
        }
        warnf("view '%s': %s", view_names[id], msg);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kernel", json_object_new_string(hvs_linux_get_info(cl->k)->banner));
        json_object_object_add(o, "error", json_object_new_string(msg));
        json_object_object_add(o, "errno", json_object_new_int(-r));
        return put_json(cl, id, o);
}

hvs_snapshot_record snapshot_record(hvs_session *s, bool paused, const hvs_sysinfo *si, const char *label,
                                    int64_t taken_ns) {
        const hvs_linux_info *info = hvs_linux_get_info(hvs_session_linux(s));
        const hvs_mem_info *mi = hvs_mem_get_info(hvs_session_mem(s));
        bool live = mi->kind == HVS_MEM_QEMU;
        return (hvs_snapshot_record){
                .vm = { .name = mi->vm_name[0] ? mi->vm_name : NULL,
                        .qmp_path = mi->control[0] ? mi->control : NULL,
                        .qemu_pid = mi->qemu_pid,
                        .image = live ? NULL : mi->source,
                        .kernel_banner = info->banner },
                .taken_ns = taken_ns,
                .guest_time_ns = info->guest_time_s * 1000000000,
                .guest_boot_ns = info->boot_time_ns,
                .paused = paused && live,
                .source = live ? "live" : mi->kind == HVS_MEM_ELFCORE ? "elfcore" : "raw",
                .kernel_release = info->release,
                .kernel_banner = info->banner,
                .hostname = si && !(si->partial & HVS_SYSINFO_PARTIAL_UTS) ? si->nodename : NULL,
                .label = label,
        };
}

static int store_failed(struct collect *cl, const char *what) {
        errorf("cannot store %s in case '%s': %s", what, hvs_case_path(cl->c), hvs_case_errmsg(cl->c));
        return -EIO;
}

/* Test hook: HVSCOPE_TEST_FAIL_VIEW=<view> makes that view fail as if the VM had gone away. */
#define HOOK_MSG "failed by HVSCOPE_TEST_FAIL_VIEW (test hook)"
static int test_hook(struct collect *cl, enum view_id id) {
        return cl->fail_view && !strcmp(cl->fail_view, view_names[id]) ? -EIO : 0;
}

static int do_kernel(struct collect *cl, const hvs_sysinfo *si) {
        cl->v[V_KERNEL].count = 1;
        return put_json(cl, V_KERNEL, view_kernel_json(cl->s, si));
}

static int do_modules(struct collect *cl) {
        hvs_module_list *l = NULL;
        int r = test_hook(cl, V_MODULES);
        if (r < 0)
                return view_failed(cl, V_MODULES, r, HOOK_MSG);
        if ((r = hvs_linux_modules(cl->k, &l)) < 0)
                return view_failed(cl, V_MODULES, r, kmsg(cl, r));
        cl->v[V_MODULES].count = (int64_t)l->n;
        if (cl->snap && hvs_case_snap_add_modules(cl->snap, l) < 0)
                r = store_failed(cl, "modules");
        if (r == 0)
                r = put_json(cl, V_MODULES, view_modules_json(cl->s, l));
        hvs_module_list_free(l);
        return r;
}

static int do_net(struct collect *cl) {
        hvs_socket_list *l = NULL;
        int r = test_hook(cl, V_NET);
        if (r < 0)
                return view_failed(cl, V_NET, r, HOOK_MSG);
        if ((r = hvs_linux_sockets(cl->k, HVS_NET_ALL, &l)) < 0)
                return view_failed(cl, V_NET, r, kmsg(cl, r));
        cl->v[V_NET].count = (int64_t)l->n;
        if (cl->snap && hvs_case_snap_add_sockets(cl->snap, l) < 0)
                r = store_failed(cl, "sockets");
        if (r == 0)
                r = put_json(cl, V_NET, view_net_json(cl->s, l, HVS_NET_TCP | HVS_NET_UDP | HVS_NET_UNIX, false, 0));
        hvs_socket_list_free(l);
        return r;
}

static int do_files(struct collect *cl) {
        hvs_files_list *l = NULL;
        int r = test_hook(cl, V_FILES);
        if (r < 0)
                return view_failed(cl, V_FILES, r, HOOK_MSG);
        if ((r = hvs_linux_files(cl->k, -1, &l)) < 0)
                return view_failed(cl, V_FILES, r, kmsg(cl, r));
        for (size_t i = 0; i < l->n; i++) {
                cl->v[V_FILES].count += (int64_t)l->procs[i].n;
                cl->v[V_FILES].partial += l->procs[i].truncated;
        }
        if (cl->snap && hvs_case_snap_add_files(cl->snap, l) < 0)
                r = store_failed(cl, "open files");
        if (r == 0)
                r = put_json(cl, V_FILES, view_files_json(cl->s, l));
        hvs_files_list_free(l);
        return r;
}

static int do_mounts(struct collect *cl) {
        hvs_mount_list *l = NULL;
        int r = test_hook(cl, V_MOUNTS);
        if (r < 0)
                return view_failed(cl, V_MOUNTS, r, HOOK_MSG);
        if ((r = hvs_linux_mounts(cl->k, &l)) < 0)
                return view_failed(cl, V_MOUNTS, r, kmsg(cl, r));
        cl->v[V_MOUNTS].count = (int64_t)l->n;
        if (cl->snap && hvs_case_snap_add_mounts(cl->snap, l) < 0)
                r = store_failed(cl, "mounts");
        if (r == 0)
                r = put_json(cl, V_MOUNTS, view_mounts_json(cl->s, l));
        hvs_mount_list_free(l);
        return r;
}

static int do_dmesg(struct collect *cl) {
        hvs_dmesg *d = NULL;
        int r = test_hook(cl, V_DMESG);
        if (r < 0)
                return view_failed(cl, V_DMESG, r, HOOK_MSG);
        if ((r = hvs_linux_dmesg(cl->k, &d)) < 0)
                return view_failed(cl, V_DMESG, r, kmsg(cl, r));
        cl->v[V_DMESG].count = (int64_t)d->n;
        r = put_json(cl, V_DMESG, view_dmesg_json(cl->s, d, 0xff));
        hvs_dmesg_free(d);
        return r;
}

/*
 * The per-process views (maps, creds, env), as their commands read them
 * without -p: maps and env skip kernel threads; one process's failure is
 * that process's "error" in the JSON, not the view's.
 */
static int do_per_process(struct collect *cl, enum view_id id) {
        const struct task_view *tv = id == V_MAPS ? &task_view_maps : id == V_CREDS ? &task_view_creds : &task_view_env;
        const hvs_task_list *tl = cl->tasks;
        void **items = calloc(tl->n ? tl->n : 1, sizeof *items);
        char **errs = calloc(tl->n ? tl->n : 1, sizeof *errs);
        int r = items && errs ? test_hook(cl, id) : -ENOMEM;
        if (r < 0) {
                free(items);
                free(errs);
                return view_failed(cl, id, r, r == -ENOMEM ? "out of memory" : HOOK_MSG);
        }
        struct view_result *v = &cl->v[id];
        for (size_t i = 0; r == 0 && i < tl->n; i++) {
                const hvs_task *t = &tl->tasks[i];
                if (!tv->kthreads && (t->kthread || t->mm.v == 0))
                        continue;
                int e = tv->read(cl->k, t, &items[i]);
                if (e < 0) {
                        if (fatal(e)) {
                                r = view_failed(cl, id, e, kmsg(cl, e));
                                break;
                        }
                        errs[i] = strdup(kmsg(cl, e));
                        if (!errs[i])
                                r = -ENOMEM;
                        v->errors++;
                        continue;
                }
                if (id == V_MAPS) {
                        const hvs_vma_list *l = items[i];
                        v->count += (int64_t)l->n;
                        v->partial += l->truncated;
                        if (cl->snap && hvs_case_snap_add_maps(cl->snap, t->pid, l) < 0)
                                r = store_failed(cl, "memory regions");
                } else if (id == V_CREDS) {
                        v->count++;
                        if (cl->snap && hvs_case_snap_add_creds(cl->snap, t->pid, items[i]) < 0)
                                r = store_failed(cl, "credentials");
                } else {
                        v->count++;
                        v->partial += ((hvs_env *)items[i])->partial != 0;
                }
        }
        if (r == 0)
                r = put_json(cl, id, task_view_json(cl->s, tv, tl, items, errs));
        for (size_t i = 0; i < tl->n; i++) {
                tv->free(items[i]);
                free(errs[i]);
        }
        free(items);
        free(errs);
        return r;
}

static void print_summary(const struct collect *cl, bool json, int64_t snap_id, const char *sha, double total_ms,
                          bool paused) {
        if (json) {
                json_object *o = json_object_new_object(), *views = json_object_new_object();
                json_object_object_add(o, "case", json_object_new_string(hvs_case_path(cl->c)));
                json_object_object_add(o, "snapshot_id", json_object_new_int64(snap_id));
                json_object_object_add(o, "content_sha256", json_object_new_string(sha));
                json_object_object_add(o, "paused", json_object_new_boolean(paused));
                for (int i = 0; i < V_COUNT; i++) {
                        const struct view_result *v = &cl->v[i];
                        if (!v->ran)
                                continue;
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "count", json_object_new_int64(v->count));
                        json_object_object_add(e, "partial", json_object_new_int64(v->partial));
                        json_object_object_add(e, "process_errors", json_object_new_int64(v->errors));
                        json_object_object_add(e, "ms", json_object_new_double(v->ms));
                        json_object_object_add(e, "error", v->err ? json_object_new_string(v->msg) : NULL);
                        json_object_object_add(views, view_names[i], e);
                }
                json_object_object_add(o, "views", views);
                json_object_object_add(o, "open_ms", json_object_new_double(cl->open_ms));
                json_object_object_add(o, "commit_ms", json_object_new_double(cl->commit_ms));
                json_object_object_add(o, "total_ms", json_object_new_double(total_ms));
                print_json(o);
                return;
        }
        printf("snapshot %" PRId64 " in case %s%s\n", snap_id, hvs_case_path(cl->c), paused ? " (VM paused)" : "");
        printf("content sha256 %s\n", sha);
        printf("%-8s %8s  %-11s %9s  %s\n", "VIEW", "COUNT", "OF", "TIME", "NOTE");
        for (int i = 0; i < V_COUNT; i++) {
                const struct view_result *v = &cl->v[i];
                if (!v->ran)
                        continue;
                char note[600] = "";
                if (v->err)
                        snprintf(note, sizeof note, "failed: %s", v->msg);
                else if (v->errors || v->partial)
                        snprintf(note, sizeof note, "%" PRId64 " process%s unreadable, %" PRId64 " read in part",
                                 v->errors, v->errors == 1 ? "" : "es", v->partial);
                printf("%-8s %8" PRId64 "  %-11s %6.1f ms  %s\n", view_names[i], v->count, view_units[i], v->ms, note);
        }
        printf("%-8s %8s  %-11s %6.1f ms  opening the target and finding its kernel\n", "(open)", "", "",
               cl->open_ms);
        printf("%-8s %8s  %-11s %6.1f ms  content hash, custody log, commit\n", "(store)", "", "", cl->commit_ms);
        printf("%-8s %8s  %-11s %6.1f ms\n", "total", "", "", total_ms);
}

static void collect_usage(FILE *f) {
        fputs("usage: hvscope collect [--case FILE] [--label TEXT] [--env] [--pause] [--json]\n"
              "                       (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "Run every guest view once (kernel facts, processes, modules, sockets, open\n"
              "files, mounts, memory regions, credentials, the kernel log, and with --env\n"
              "the environments) and store them in a case as one snapshot, in one\n"
              "transaction: typed tables plus each view's JSON as its command's --json\n"
              "prints it. Prints the snapshot id, a count per view and the time taken.\n"
              "With --json and no --case, stores nothing and prints every view in one\n"
              "JSON object instead.\n"
              "\n"
              "  --case FILE        the case (default $HVS_CASE, else ./" HVS_CASE_DEFAULT_PATH ");\n"
              "                     created if it does not exist\n"
              "  --label TEXT       a label for the snapshot (e.g. \"before reboot\")\n"
              "  --env              also the processes' environments (may hold secrets)\n" TARGET_HELP,
              f);
}

int cmd_collect(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "case", required_argument, NULL, 'C' },
                { "label", required_argument, NULL, 'L' },
                { "env", no_argument, NULL, 'E' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        const char *case_path = NULL, *label = NULL;
        bool with_env = false;
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case 'C':
                        case_path = optarg;
                        break;
                case 'L':
                        label = optarg;
                        break;
                case 'E':
                        with_env = true;
                        break;
                case 'h':
                        collect_usage(stdout);
                        return 0;
                default:
                        collect_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("collect: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        bool store = case_path || !t.json;
        struct collect cl = { .fail_view = getenv("HVSCOPE_TEST_FAIL_VIEW") };
        if (store) {
                /* The case first: a bad case path fails before the VM is touched (or paused). */
                if (!case_path)
                        case_path = hvs_case_default_path();
                hvs_diag d = { 0 };
                int r = hvs_case_open(case_path, HVS_CASE_CREATE, &d, &cl.c);
                if (r < 0) {
                        errorf("%s", d.msg[0] ? d.msg : hvs_strerror(r));
                        return 1;
                }
                (void)hvs_case_set_command(cl.c, argc, argv);
        }
        double t0 = now_ms();
        int64_t taken = wall_ns();
        if (target_open(&t, &cl.s) < 0) {
                hvs_case_close(cl.c);
                return 1;
        }
        cl.open_ms = now_ms() - t0;
        cl.k = hvs_session_linux(cl.s);
        const hvs_linux_info *info = hvs_linux_get_info(cl.k);
        const hvs_mem_info *mi = hvs_mem_get_info(hvs_session_mem(cl.s));
        hvs_sysinfo si;
        bool have_si = hvs_linux_sysinfo(cl.k, &si) == 0;
        int rc = 0, r = 0;
        hvs_task_list *tl = NULL;
        int64_t snap_id = 0;
        char sha[65] = "";

        if (store) {
                hvs_snapshot_record rec = snapshot_record(cl.s, t.pause, have_si ? &si : NULL, label, taken);
                if (hvs_case_snapshot_begin(cl.c, &rec, &cl.snap) < 0) {
                        errorf("cannot start a snapshot in case '%s': %s", hvs_case_path(cl.c), hvs_case_errmsg(cl.c));
                        rc = 1;
                        goto out;
                }
        } else if (!(cl.all = json_object_new_object())) {
                errorf("collect: out of memory");
                rc = 1;
                goto out;
        }

        /* The process list first: the per-process views walk it. */
        double v0 = now_ms();
        cl.v[V_KERNEL].ran = true;
        r = do_kernel(&cl, have_si ? &si : NULL);
        cl.v[V_KERNEL].ms = now_ms() - v0;
        v0 = now_ms();
        cl.v[V_PS].ran = true;
        bool hooked = false;
        if (r == 0 && (r = test_hook(&cl, V_PS)) < 0)
                hooked = true;
        else if (r == 0 && (r = hvs_linux_tasks(cl.k, &tl)) < 0)
                errorf("cannot list processes: %s", kmsg(&cl, r));
        if (r == 0) {
                if (tl->truncated)
                        warnf("partial process list: %s", tl->trunc_msg);
                cl.tasks = tl;
                cl.v[V_PS].count = (int64_t)tl->n;
                if (cl.snap && hvs_case_snap_add_tasks(cl.snap, tl) < 0)
                        r = store_failed(&cl, "processes");
                if (r == 0)
                        r = put_json(&cl, V_PS, view_ps_json(cl.s, tl, false));
        } else if (hooked) {
                errorf("collect: view 'ps' " HOOK_MSG);
        }
        cl.v[V_PS].ms = now_ms() - v0;
        static const enum view_id rest[] = { V_MODULES, V_NET, V_FILES, V_MOUNTS, V_MAPS, V_CREDS, V_ENV, V_DMESG };
        for (size_t i = 0; r == 0 && i < sizeof rest / sizeof rest[0]; i++) {
                enum view_id id = rest[i];
                if (id == V_ENV && !with_env)
                        continue;
                v0 = now_ms();
                cl.v[id].ran = true;
                switch (id) {
                case V_MODULES: r = do_modules(&cl); break;
                case V_NET: r = do_net(&cl); break;
                case V_FILES: r = do_files(&cl); break;
                case V_MOUNTS: r = do_mounts(&cl); break;
                case V_DMESG: r = do_dmesg(&cl); break;
                default: r = do_per_process(&cl, id); break;
                }
                cl.v[id].ms = now_ms() - v0;
        }
        if (t.pause)
                hvs_session_resume(cl.s);
        if (r < 0) {
                if (cl.snap) {
                        cl.snap = hvs_case_snapshot_abort(cl.snap);
                        errorf("nothing was stored: case '%s' is as it was", hvs_case_path(cl.c));
                }
                rc = 1;
                goto out;
        }
        if (cl.snap) {
                double c0 = now_ms();
                r = hvs_case_snapshot_commit(cl.snap, &snap_id, sha);
                cl.snap = NULL;
                cl.commit_ms = now_ms() - c0;
                if (r < 0) {
                        errorf("cannot store the snapshot in case '%s': %s; nothing was stored", hvs_case_path(cl.c),
                               hvs_case_errmsg(cl.c));
                        rc = 1;
                        goto out;
                }
                print_summary(&cl, t.json, snap_id, sha, now_ms() - t0, t.pause && mi->kind == HVS_MEM_QEMU);
        } else {
                json_object *root = json_object_new_object(), *counts = json_object_new_object();
                json_object_object_add(root, "kernel", json_object_new_string(info->banner));
                json_object_object_add(root, "source", json_object_new_string(mi->source));
                char when[40];
                fmt_iso_time(taken, when, sizeof when);
                json_object_object_add(root, "collected_at", json_object_new_string(when));
                for (int i = 0; i < V_COUNT; i++)
                        if (cl.v[i].ran) {
                                json_object *e = json_object_new_object();
                                json_object_object_add(e, "count", json_object_new_int64(cl.v[i].count));
                                json_object_object_add(e, "ms", json_object_new_double(cl.v[i].ms));
                                json_object_object_add(e, "error", cl.v[i].err ? json_object_new_string(cl.v[i].msg) : NULL);
                                json_object_object_add(counts, view_names[i], e);
                        }
                json_object_object_add(root, "summary", counts);
                json_object_object_add(root, "total_ms", json_object_new_double(now_ms() - t0));
                json_object_object_add(root, "views", cl.all);
                cl.all = NULL;
                print_json(root);
        }
        if (fflush(stdout) != 0) {
                errorf("cannot write output");
                rc = 1;
        }
out:
        hvs_case_snapshot_abort(cl.snap);
        json_object_put(cl.all);
        hvs_task_list_free(tl);
        hvs_session_close(cl.s);
        hvs_case_close(cl.c);
        return rc;
}
