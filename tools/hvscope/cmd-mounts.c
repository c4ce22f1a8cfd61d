/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope mounts: the guest's mount table (initial mount namespace). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"
#include "util/util.h"

/* As /proc/mounts: space, tab, newline and backslash as \ooo; other control
 * bytes too, so a guest-chosen name cannot forge lines. */
static void print_mangled(const char *s) {
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c <= 0x20 || c == 0x7f || c == '\\')
                        printf("\\%03o", c);
                else
                        putchar(c);
        }
}

static json_object *mount_json(const hvs_mount *m) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int(m->id));
        json_object_object_add(o, "parent_id", json_object_new_int(m->parent_id));
        json_object_object_add(o, "device", json_object_new_string(m->devname));
        json_object_object_add(o, "mount_point", json_object_new_string(m->path));
        json_object_object_add(o, "type", json_object_new_string(m->fstype));
        json_object_object_add(o, "readonly", json_object_new_boolean(m->readonly));
        json_object_object_add(o, "mnt_flags", json_object_new_int64(m->mnt_flags));
        json_object_object_add(o, "sb_flags", json_object_new_uint64(m->sb_flags));
        json_object_object_add(o, "mount_address", json_addr(m->addr.v));
        json_object_object_add(o, "sb_address", json_addr(m->sb.v));
        json_object_object_add(o, "root_dentry_address", json_addr(m->root.v));
        json_object_object_add(o, "path_error", m->path_err ? json_object_new_string(hvs_strerror(m->path_err)) : NULL);
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_MOUNT_PARTIAL_DEVNAME, "device" }, { HVS_MOUNT_PARTIAL_FSTYPE, "type" },
                { HVS_MOUNT_PARTIAL_FLAGS, "flags" }, { HVS_MOUNT_PARTIAL_IDS, "ids" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
                if (m->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

json_object *view_mounts_json(hvs_session *s, const hvs_mount_list *l) {
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "mnt_ns_address", json_addr(l->ns.v));
        json_object_object_add(root, "truncated", json_object_new_boolean(l->truncated));
        if (l->truncated)
                json_object_object_add(root, "truncated_reason", json_object_new_string(l->trunc_msg));
        for (size_t k = 0; k < l->n; k++)
                json_object_array_add(arr, mount_json(&l->mounts[k]));
        json_object_object_add(root, "mounts", arr);
        return root;
}

static void render(const struct target_opts *t, hvs_session *s, const hvs_mount_list *l) {
        if (t->json) {
                print_json(view_mounts_json(s, l));
                return;
        }
        printf("%5s %6s %-2s %-18s %-12s %-20s %s\n", "ID", "PARENT", "RO", "MOUNT", "TYPE", "DEVICE", "MOUNT POINT");
        for (size_t k = 0; k < l->n; k++) {
                const hvs_mount *m = &l->mounts[k];
                printf("%5d %6d %-2s 0x%016" PRIx64 " %-12s ", m->id, m->parent_id, m->readonly ? "ro" : "rw", m->addr.v,
                       m->fstype);
                print_mangled(m->devname);
                printf("%*s ", (int)(strlen(m->devname) < 20 ? 20 - strlen(m->devname) : 0), "");
                print_mangled(m->path);
                if (m->path_err)
                        printf(" [path %s]", hvs_strerror(m->path_err));
                putchar('\n');
        }
}

static void mounts_usage(FILE *f) {
        fputs("usage: hvscope mounts [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "List the mount table of the guest's initial mount namespace, in the order\n"
              "of its /proc/mounts: mount id, parent id, read-only, struct mount address,\n"
              "file system type, device and mount point.\n"
              "\n" TARGET_HELP,
              f);
}

int cmd_mounts(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case 'h':
                        mounts_usage(stdout);
                        return 0;
                default:
                        mounts_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("mounts: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_mount_list *l = NULL;
        int r = hvs_linux_mounts(hvs_session_linux(s), &l);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                const char *msg = hvs_linux_errmsg(hvs_session_linux(s));
                errorf("cannot list mounts: %s", msg[0] ? msg : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (l->truncated)
                warnf("partial result: %s", l->trunc_msg);
        render(&t, s, l);
        hvs_mount_list_free(l);
        hvs_session_close(s);
        return 0;
}
