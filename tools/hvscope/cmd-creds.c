/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope creds: credentials, capabilities, namespaces and cgroup of the guest's processes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static json_object *cap_json(uint64_t v) {
        char buf[24];
        snprintf(buf, sizeof buf, "%016" PRIx64, v);    /* as /proc/PID/status CapEff: */
        return json_object_new_string(buf);
}

static json_object *ids_json(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
        json_object *arr = json_object_new_array();
        const uint32_t v[] = { a, b, c, d };
        for (size_t i = 0; i < 4; i++)
                json_object_array_add(arr, json_object_new_int64(v[i]));
        return arr;
}

static json_object *creds_json(const hvs_task *t, const hvs_creds *c, const char *err) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int(t->pid));
        json_object_object_add(o, "name", json_object_new_string(t->comm));
        json_object_object_add(o, "task_address", json_addr(t->addr.v));
        if (err) {
                json_object_object_add(o, "error", json_object_new_string(err));
                return o;
        }
        json_object_object_add(o, "cred_address", json_addr(c->cred.v));
        json_object_object_add(o, "subjective_cred_differs", json_object_new_boolean(c->subjective_differs));
        json_object_object_add(o, "uid", ids_json(c->uid, c->euid, c->suid, c->fsuid));
        json_object_object_add(o, "gid", ids_json(c->gid, c->egid, c->sgid, c->fsgid));
        json_object_object_add(o, "ngroups", json_object_new_int(c->ngroups));
        json_object *groups = json_object_new_array();
        for (size_t i = 0; i < c->groups_n; i++)
                json_object_array_add(groups, json_object_new_int64(c->groups[i]));
        json_object_object_add(o, "groups", groups);
        json_object_object_add(o, "securebits", json_object_new_int64(c->securebits));
        json_object_object_add(o, "cap_inheritable", cap_json(c->cap_inheritable));
        json_object_object_add(o, "cap_permitted", cap_json(c->cap_permitted));
        json_object_object_add(o, "cap_effective", cap_json(c->cap_effective));
        json_object_object_add(o, "cap_bounding", cap_json(c->cap_bset));
        json_object_object_add(o, "cap_ambient", cap_json(c->cap_ambient));
        json_object *ns = json_object_new_object();
        for (unsigned k = 0; k < HVS_NS_COUNT; k++) {
                if (!c->ns[k].inum)
                        continue;
                json_object *n = json_object_new_object();
                json_object_object_add(n, "inum", json_object_new_int64(c->ns[k].inum));
                json_object_object_add(n, "address", json_addr(c->ns[k].addr.v));
                json_object_object_add(ns, hvs_ns_name(k), n);
        }
        json_object_object_add(o, "namespaces", ns);
        json_object_object_add(o, "cgroup", c->cgroup ? json_object_new_string(c->cgroup) : NULL);
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_CREDS_PARTIAL_CRED, "cred" }, { HVS_CREDS_PARTIAL_GROUPS, "groups" },
                { HVS_CREDS_PARTIAL_NS, "namespaces" }, { HVS_CREDS_PARTIAL_CGROUP, "cgroup" },
        };
        for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (c->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

json_object *view_creds_json(hvs_session *s, const hvs_task_list *tl, hvs_creds *const *creds, char *const *errs) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(hvs_linux_get_info(hvs_session_linux(s))->banner));
        json_object_object_add(root, "truncated", json_object_new_boolean(tl->truncated));
        for (size_t i = 0; i < tl->n; i++)
                if (creds[i] || errs[i])
                        json_object_array_add(arr, creds_json(&tl->tasks[i], creds[i], errs[i]));
        json_object_object_add(root, "processes", arr);
        return root;
}

static void print_creds(const hvs_task *t, const hvs_creds *c) {
        char uids[48], gids[48];
        snprintf(uids, sizeof uids, "%u/%u/%u/%u", c->uid, c->euid, c->suid, c->fsuid);
        snprintf(gids, sizeof gids, "%u/%u/%u/%u", c->gid, c->egid, c->sgid, c->fsgid);
        printf("%7d %-16s %-15s %-15s %3d %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %-12u %-12u %-12u %s%s\n",
               t->pid, t->comm, uids, gids, c->ngroups, c->cap_permitted, c->cap_effective, c->cap_bset,
               c->ns[HVS_NS_MNT].inum, c->ns[HVS_NS_NET].inum, c->ns[HVS_NS_PID].inum, c->cgroup ? c->cgroup : "?",
               c->partial ? " (partial)" : "");
}

static void creds_usage(FILE *f) {
        fputs("usage: hvscope creds [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "Credentials of the guest's processes as /proc/PID/status shows them (real,\n"
              "effective, saved and filesystem UIDs and GIDs, groups, capability sets),\n"
              "their namespaces with inode numbers (as /proc/PID/ns/*) and cgroup v2 path.\n"
              "The table shows the mnt, net and pid namespaces; --json shows them all.\n"
              "\n"
              "  -p, --process PID  only this guest process\n" TARGET_HELP,
              f);
}

int cmd_creds(int argc, char **argv) {
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
                        creds_usage(stdout);
                        return 0;
                default:
                        creds_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("creds: unexpected argument '%s'", argv[optind]);
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

        hvs_creds **creds = calloc(tl->n ? tl->n : 1, sizeof *creds);
        char **errs = calloc(tl->n ? tl->n : 1, sizeof *errs);
        int rc = 0;
        bool found = false;
        for (size_t i = 0; creds && errs && i < tl->n; i++) {
                const hvs_task *task = &tl->tasks[i];
                if (want >= 0 && task->pid != want)
                        continue;
                found = true;
                r = hvs_linux_task_creds(k, task, &creds[i]);
                if (r < 0) {
                        const char *m = hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r);
                        errs[i] = strdup(m);
                        if (want >= 0 || r == -ENOENT || r == -EBADMSG) {
                                errorf("cannot read the credentials of process %d: %s", task->pid, m);
                                rc = 1;
                                break;
                        }
                        warnf("process %d (%s): %s", task->pid, task->comm, m);
                } else if (creds[i]->partial) {
                        warnf("process %d (%s): partial result (see --json 'unreadable')", task->pid, task->comm);
                }
        }
        if (t.pause)
                hvs_session_resume(s);
        if (!creds || !errs) {
                errorf("out of memory");
                rc = 1;
        } else if (want >= 0 && !found) {
                errorf("no process %ld in the guest", want);
                rc = 1;
        }
        if (rc == 0 && t.json) {
                print_json(view_creds_json(s, tl, creds, errs));
        } else if (rc == 0) {
                printf("%7s %-16s %-15s %-15s %3s %-16s %-16s %-16s %-12s %-12s %-12s %s\n", "PID", "COMMAND",
                       "UID r/e/s/fs", "GID r/e/s/fs", "GRP", "CAPPRM", "CAPEFF", "CAPBND", "MNTNS", "NETNS", "PIDNS",
                       "CGROUP");
                for (size_t i = 0; i < tl->n; i++)
                        if (creds[i])
                                print_creds(&tl->tasks[i], creds[i]);
        }
        for (size_t i = 0; creds && errs && i < tl->n; i++) {
                hvs_creds_free(creds[i]);
                free(errs[i]);
        }
        free(creds);
        free(errs);
        hvs_task_list_free(tl);
        hvs_session_close(s);
        if (rc == 0 && fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return rc;
}
