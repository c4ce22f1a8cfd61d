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

static void creds_item_json(json_object *o, const void *item) {
        const hvs_creds *c = item;
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
}

static void print_creds(const hvs_task *t, const void *item) {
        const hvs_creds *c = item;
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

static void print_header(void) {
        printf("%7s %-16s %-15s %-15s %3s %-16s %-16s %-16s %-12s %-12s %-12s %s\n", "PID", "COMMAND", "UID r/e/s/fs",
               "GID r/e/s/fs", "GRP", "CAPPRM", "CAPEFF", "CAPBND", "MNTNS", "NETNS", "PIDNS", "CGROUP");
}

static int creds_read(hvs_linux *k, const hvs_task *t, void **ret) {
        hvs_creds *c = NULL;
        int r = hvs_linux_task_creds(k, t, &c);
        *ret = c;
        return r;
}

static void creds_free(void *item) {
        hvs_creds_free(item);
}

static void creds_warn_partial(const hvs_task *t, const void *item) {
        if (((const hvs_creds *)item)->partial)
                warnf("process %d (%s): partial result (see --json 'unreadable')", t->pid, t->comm);
}

/* Every task has credentials, kernel threads too; a missing field or a
 * corrupt cred is the kernel's layout, not one process's: an error. */
const struct task_view task_view_creds = {
        .name = "creds",
        .usage = creds_usage,
        .what = "the credentials",
        .kthreads = true,
        .layout_errors_end = true,
        .read = creds_read,
        .free = creds_free,
        .warn_partial = creds_warn_partial,
        .item_json = creds_item_json,
        .print_header = print_header,
        .print = print_creds,
};

int cmd_creds(int argc, char **argv) {
        return task_view_run(&task_view_creds, argc, argv);
}
