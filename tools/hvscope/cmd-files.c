/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope files: open file descriptors of the guest's processes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"
#include "util/util.h"

static json_object *fd_json(const hvs_fd *f) {
        json_object *o = json_object_new_object();
        char flags[256];
        json_object_object_add(o, "fd", json_object_new_int64(f->fd));
        json_object_object_add(o, "path", json_object_new_string(f->path));
        json_object_object_add(o, "type", json_object_new_string(hvs_file_type_name(f->type)));
        json_object_object_add(o, "flags", json_object_new_int64(f->flags));
        hvs_file_flags_str(f->flags, flags, sizeof flags);
        json_object_object_add(o, "flags_names", json_object_new_string(flags));
        json_object_object_add(o, "pos", json_object_new_int64(f->pos));
        json_object_object_add(o, "deleted", json_object_new_boolean(f->deleted));
        json_object_object_add(o, "inode", json_object_new_uint64(f->ino));
        json_object_object_add(o, "mode", json_object_new_int64(f->mode));
        json_object_object_add(o, "file_address", json_addr(f->addr.v));
        json_object_object_add(o, "inode_address", json_addr(f->inode.v));
        json_object_object_add(o, "path_error", f->path_err ? json_object_new_string(hvs_strerror(f->path_err)) : NULL);
        json_object_object_add(o, "partial", json_object_new_boolean(f->partial));
        return o;
}

json_object *view_files_json(hvs_session *s, const hvs_files_list *l) {
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "truncated", json_object_new_boolean(l->truncated));
        if (l->truncated)
                json_object_object_add(root, "truncated_reason", json_object_new_string(l->trunc_msg));
        for (size_t k = 0; k < l->n; k++) {
                const hvs_proc_files *p = &l->procs[k];
                json_object *po = json_object_new_object(), *fds = json_object_new_array();
                json_object_object_add(po, "pid", json_object_new_int(p->pid));
                json_object_object_add(po, "name", json_object_new_string(p->comm));
                json_object_object_add(po, "task_address", json_addr(p->task.v));
                json_object_object_add(po, "truncated", json_object_new_boolean(p->truncated));
                if (p->truncated)
                        json_object_object_add(po, "truncated_reason", json_object_new_string(hvs_strerror(p->trunc_err)));
                for (size_t j = 0; j < p->n; j++)
                        json_object_array_add(fds, fd_json(&p->fds[j]));
                json_object_object_add(po, "files", fds);
                json_object_array_add(arr, po);
        }
        json_object_object_add(root, "processes", arr);
        return root;
}

static void render(const struct target_opts *t, hvs_session *s, const hvs_files_list *l) {
        if (t->json) {
                print_json(view_files_json(s, l));
                return;
        }
        printf("%7s %-16s %5s %-7s %-26s %10s %10s %-18s %s\n", "PID", "COMMAND", "FD", "TYPE", "FLAGS", "POS", "INODE",
               "FILE", "PATH");
        for (size_t k = 0; k < l->n; k++) {
                const hvs_proc_files *p = &l->procs[k];
                for (size_t j = 0; j < p->n; j++) {
                        const hvs_fd *f = &p->fds[j];
                        char flags[256];
                        hvs_file_flags_str(f->flags & ~0100000u, flags, sizeof flags); /* O_LARGEFILE: always on */
                        printf("%7d %-16s %5" PRIu32 " %-7s %-26s %10" PRId64 " %10" PRIu64 " 0x%016" PRIx64 " ", p->pid,
                               p->comm, f->fd, hvs_file_type_name(f->type), flags, f->pos, f->ino, f->addr.v);
                        print_escaped(f->path);
                        if (f->path_err)
                                printf(" [path %s]", hvs_strerror(f->path_err));
                        putchar('\n');
                }
                if (p->truncated)
                        printf("%7d %-16s   ... fd table truncated: %s\n", p->pid, p->comm, hvs_strerror(p->trunc_err));
        }
}

static void files_usage(FILE *f) {
        fputs("usage: hvscope files [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "List the open file descriptors of the guest's processes, as /proc/PID/fd\n"
              "shows them: descriptor, type, open flags, position, inode number, the\n"
              "struct file address and the path (\" (deleted)\" for unlinked files;\n"
              "pipe:[INODE], socket:[INODE], anon_inode:[NAME] for pseudo files).\n"
              "\n"
              "  -p, --process PID  only this guest process\n" TARGET_HELP,
              f);
}

int cmd_files(int argc, char **argv) {
        struct target_opts t = { 0 };
        long pid;
        int rc = process_opts_parse(argc, argv, "files", files_usage, "files: bad process id", &t, &pid);
        if (rc >= 0)
                return rc;
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_files_list *l = NULL;
        int r = hvs_linux_files(hvs_session_linux(s), (int32_t)pid, &l);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                const char *msg = hvs_linux_errmsg(hvs_session_linux(s));
                errorf("cannot list open files: %s", msg[0] ? msg : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (l->truncated)
                warnf("partial result: %s", l->trunc_msg);
        render(&t, s, l);
        hvs_files_list_free(l);
        hvs_session_close(s);
        return 0;
}
