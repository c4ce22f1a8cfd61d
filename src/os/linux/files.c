/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * files.c - open files of processes: for each thread-group leader, its fd
 * table (fd.c) and for each descriptor the struct file's flags, position
 * and inode, and its path as /proc/PID/fd shows it (path.c).
 *
 * Offsets are resolved once per call; the per-file work is a handful of
 * reads of the struct file and the inode plus the dentry walk. The type of
 * a descriptor comes from the inode's i_mode, except for the pseudo file
 * systems that name their files themselves (pipe, socket, anon_inode),
 * whose kind path.c reports.
 */
#include <inttypes.h>
#include "vfs-internal.h"

#define S_IFMT_ 0170000u

#define O(f) offsetof(struct lx_files_offsets, f)
static const struct lx_field_row file_rows[] = {
        { "file", { "f_flags" }, O(file_flags), SIZE_MAX, false },
        { "file", { "f_pos" }, O(file_pos), SIZE_MAX, false },
};
#undef O

static enum hvs_file_type type_of(uint32_t mode, enum lx_path_kind kind) {
        switch (kind) {
        case LX_PATH_PIPE:
                return HVS_FILE_PIPE;
        case LX_PATH_SOCKET:
                return HVS_FILE_SOCK;
        case LX_PATH_ANON:
                return HVS_FILE_ANON;
        case LX_PATH_FS:
                break;
        }
        switch (mode & S_IFMT_) {
        case 0100000: return HVS_FILE_REG;
        case 0040000: return HVS_FILE_DIR;
        case 0020000: return HVS_FILE_CHR;
        case 0060000: return HVS_FILE_BLK;
        case 0010000: return HVS_FILE_FIFO;
        case 0140000: return HVS_FILE_SOCK;
        case 0120000: return HVS_FILE_LNK;
        default: return HVS_FILE_UNKNOWN;
        }
}

struct collect {
        hvs_vas *kv;
        const struct lx_files_offsets *o;
        hvs_proc_files *p;
        size_t cap;
};

static int add_fd(void *userdata, uint32_t fd, uint64_t file) {
        struct collect *c = userdata;
        const struct lx_files_offsets *o = c->o;
        hvs_proc_files *p = c->p;
        if (p->n == c->cap) {
                size_t ncap = c->cap ? c->cap * 2 : 16;
                hvs_fd *n = hvs_reallocarray(p->fds, ncap, sizeof *n);
                if (!n)
                        return -ENOMEM;
                p->fds = n;
                c->cap = ncap;
        }
        hvs_fd *f = &p->fds[p->n];
        *f = (hvs_fd){ .fd = fd, .addr = HVS_GVA(file) };

        uint64_t inode = 0, pos = 0, ino = 0;
        uint32_t flags = 0, mode = 0;
        if (lx_read_u32(c->kv, file, o->file_flags, &flags) < 0 || lx_read_u64(c->kv, file, o->file_pos, &pos) < 0 ||
            lx_read_u64(c->kv, file, o->path.file_inode, &inode) < 0 || inode == 0 ||
            lx_read_u64(c->kv, inode, o->path.inode_ino, &ino) < 0 || lx_read_u32(c->kv, inode, o->path.inode_mode, &mode) < 0)
                f->partial = true;
        f->flags = flags;
        f->pos = (int64_t)pos;
        f->inode = HVS_GVA(inode);
        f->ino = ino;
        f->mode = mode & 0xffffu;

        _cleanup_free_ char *buf = hvs_malloc(HVS_MAX_PATH_BYTES + 1);
        if (!buf)
                return -ENOMEM;
        struct lx_path_info in;
        int r = lx_path_build_file(c->kv, &o->path, file, buf, HVS_MAX_PATH_BYTES + 1, &in);
        if (r == -ENOMEM)
                return r;
        f->path_err = r < 0 ? r : 0;
        f->deleted = in.deleted;
        f->type = type_of(f->mode, in.kind);
        if (!(f->path = hvs_strdup(buf)))
                return -ENOMEM;
        p->n++;
        return 0;
}

int lx_proc_files_read(hvs_vas *kv, const struct lx_files_offsets *o, uint32_t max_fds, uint64_t task,
                       hvs_proc_files *p) {
        struct collect c = { .kv = kv, .o = o, .p = p, .cap = p->n };
        int r = lx_fd_walk(kv, &o->fd, max_fds, task, add_fd, &c);
        if (r == -ENOENT || r == -ENOMEM)
                return r;
        if (r < 0) {
                p->truncated = true;
                p->trunc_err = r;
        }
        return 0;
}

static void free_proc(hvs_proc_files *p) {
        for (size_t i = 0; i < p->n; i++)
                free(p->fds[i].path);
        free(p->fds);
}

hvs_files_list *hvs_files_list_free(hvs_files_list *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                free_proc(&l->procs[i]);
        free(l->procs);
        free(l);
        return NULL;
}

static void files_list_freep(hvs_files_list **l) { hvs_files_list_free(*l); }
static void task_list_freep(hvs_task_list **l) { hvs_task_list_free(*l); }

static void note_truncated(hvs_files_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_truncated(hvs_files_list *l, const char *fmt, ...) {
        if (l->truncated)
                return;         /* keep the first reason */
        l->truncated = true;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->trunc_msg, sizeof l->trunc_msg, fmt, ap);
        va_end(ap);
}

int hvs_linux_files(hvs_linux *k, int32_t pid, hvs_files_list **ret) {
        struct lx_files_offsets o;
        int r;
        if ((r = lx_fd_offsets_get(k, &o.fd)) < 0 || (r = lx_path_offsets_get(k, &o.path)) < 0 ||
            (r = lx_resolve_fields(k, file_rows, ARRAY_SIZE(file_rows), &o, &k->diag)) < 0)
                return r;
        _cleanup_(task_list_freep) hvs_task_list *tl = NULL;
        if ((r = hvs_linux_tasks(k, &tl)) < 0)
                return r;
        _cleanup_(files_list_freep) hvs_files_list *l = hvs_calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        if (tl->truncated)
                note_truncated(l, "%s", tl->trunc_msg);
        if (tl->n && !(l->procs = hvs_calloc(tl->n, sizeof *l->procs)))
                return -ENOMEM;
        bool found = false;
        for (size_t i = 0; i < tl->n; i++) {
                const hvs_task *t = &tl->tasks[i];
                if (pid >= 0 && t->pid != pid)
                        continue;
                hvs_proc_files *p = &l->procs[l->n];
                *p = (hvs_proc_files){ .task = t->addr, .pid = t->pid };
                memcpy(p->comm, t->comm, sizeof p->comm);
                r = lx_proc_files_read(k->kvas, &o, k->limits.max_fds, t->addr.v, p);
                if (r == -ENOENT) {
                        free_proc(p);   /* a kernel thread or an exiting task: no table */
                        continue;
                }
                l->n++;
                if (r < 0)
                        return r;
                found = true;
                if (p->truncated)
                        note_truncated(l, "fd table of pid %d (task 0x%" PRIx64 "): %s", p->pid, p->task.v,
                                       hvs_strerror(p->trunc_err));
        }
        if (pid >= 0 && !found)
                return HVS_DIAG(&k->diag, -ENOENT, "no process with pid %d and open files", pid);
        *ret = TAKE_PTR(l);
        return 0;
}

const char *hvs_file_type_name(enum hvs_file_type t) {
        static const char *const names[] = {
                [HVS_FILE_UNKNOWN] = "unknown", [HVS_FILE_REG] = "file", [HVS_FILE_DIR] = "dir",
                [HVS_FILE_CHR] = "chr", [HVS_FILE_BLK] = "blk", [HVS_FILE_FIFO] = "fifo",
                [HVS_FILE_PIPE] = "pipe", [HVS_FILE_SOCK] = "socket", [HVS_FILE_LNK] = "link",
                [HVS_FILE_ANON] = "anon",
        };
        return (unsigned)t < ARRAY_SIZE(names) && names[t] ? names[t] : "unknown";
}

/* x86-64 values of include/uapi/asm-generic/fcntl.h (octal, as fdinfo prints). */
static const struct {
        uint32_t bit;
        const char *name;
} open_flags[] = {
        { 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
        { 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 010000, "O_DSYNC" }, { 020000, "O_ASYNC" },
        { 040000, "O_DIRECT" }, { 0100000, "O_LARGEFILE" }, { 0200000, "O_DIRECTORY" },
        { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
        { 04000000, "O_SYNC" }, { 010000000, "O_PATH" }, { 020000000, "O_TMPFILE" },
};

int hvs_file_flags_str(uint32_t flags, char *buf, size_t cap) {
        static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
        if (cap == 0)
                return -E2BIG;
        size_t len = 0;
        bool trunc = false;
        uint32_t rest = flags & ~3u;
#define APPEND(...)                                                                  \
        do {                                                                         \
                int n_ = snprintf(buf + len, cap - len, __VA_ARGS__);                \
                if (n_ < 0 || (size_t)n_ >= cap - len) {                             \
                        trunc = true;                                                \
                        len = cap - 1;                                               \
                } else {                                                             \
                        len += (size_t)n_;                                           \
                }                                                                    \
        } while (0)
        APPEND("%s", acc[flags & 3u]);
        for (size_t i = 0; i < ARRAY_SIZE(open_flags) && !trunc; i++)
                if (flags & open_flags[i].bit) {
                        APPEND("|%s", open_flags[i].name);
                        rest &= ~open_flags[i].bit;
                }
        if (rest && !trunc)
                APPEND("|0%" PRIo32, rest);
#undef APPEND
        return trunc ? -E2BIG : (int)len;
}
