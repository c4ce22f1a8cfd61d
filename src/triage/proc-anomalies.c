/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc-anomalies.c - checks of user processes that need no memory scan:
 *   fileless-exe        executables deleted or backed by a memfd
 *   wx-memory           anonymous memory both writable and executable
 *   reverse-shell       shells and interpreters whose standard streams are TCP sockets
 *   root-from-user      root processes whose parent is not root, with no set-UID executable
 *   kthread-masquerade  user processes named like kernel threads
 *
 * Everything comes from the Linux views (tasks, maps, sockets) plus the
 * executable of each process (mm->exe_file), whose path, inode mode and
 * owner are read here with the path decoder of os/linux.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <hvscope/linux.h>
#include <hvscope/limits.h>
#include "os/linux/vfs-internal.h"
#include "triage-internal.h"
#include "proc-anomalies.h"

#define S_ISUID_ 04000u
#define S_IXUSR_ 00100u

/* ---- the executable of a process ---- */

struct exe_offsets {
        uint32_t mm_exe_file;
        uint32_t inode_uid;
};

#define O(f) offsetof(struct exe_offsets, f)
static const struct lx_field_row exe_rows[] = {
        { "mm_struct", { "exe_file" }, O(mm_exe_file), SIZE_MAX, false },
        { "inode", { "i_uid" }, O(inode_uid), SIZE_MAX, false },
};
#undef O

struct exe_reader {
        hvs_linux *k;
        hvs_vas *kv;
        struct exe_offsets eo;
        struct lx_path_offsets po;
};

static int exe_reader_init(hvs_linux *k, struct exe_reader *r, hvs_diag *diag) {
        r->k = k;
        r->kv = hvs_linux_kernel_vas(k);
        int e = lx_resolve_fields(k, exe_rows, ARRAY_SIZE(exe_rows), &r->eo, &k->diag);
        if (e >= 0)
                e = lx_path_offsets_get(k, &r->po);
        if (e < 0)
                return HVS_DIAG(diag, e, "cannot read executables: %s", hvs_linux_errmsg(k));
        return 0;
}

int triage_task_exe(struct exe_reader *r, const hvs_task *t, struct triage_exe *ret) {
        memset(ret, 0, sizeof *ret);
        if (!t->mm.v)
                return -ENOENT;
        uint64_t file;
        int e = lx_read_u64(r->kv, t->mm.v, r->eo.mm_exe_file, &file);
        if (e < 0)
                return e;
        if (!file)
                return -ENOENT;
        ret->file = file;
        struct lx_path_info info = { 0 };
        e = lx_path_build_file(r->kv, &r->po, file, ret->path, sizeof ret->path, &info);
        ret->path_err = e < 0 ? e : 0;
        ret->deleted = info.deleted;
        ret->inode = info.inode;
        ret->ino = info.ino;
        ret->mode = info.mode;
        hvs_strlcpy(ret->fstype, info.fstype, sizeof ret->fstype);
        ret->memfd = strncmp(ret->path, "/memfd:", 7) == 0;
        uint32_t uid;
        ret->uid_known = info.inode && lx_read_u32(r->kv, info.inode, r->eo.inode_uid, &uid) >= 0;
        ret->uid = ret->uid_known ? uid : 0;
        return 0;
}

/* ---- helpers ---- */

static const char *argv0(const hvs_task *t) {
        return t->argv && t->argv_len ? t->argv : "";
}

static json_object *task_json(const hvs_task *t) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int(t->pid));
        json_object_object_add(o, "ppid", json_object_new_int(t->ppid));
        json_object_object_add(o, "name", json_object_new_string(t->comm));
        json_object_object_add(o, "task_address", triage_json_addr(t->addr.v));
        json_object_object_add(o, "mm_address", triage_json_addr(t->mm.v));
        json_object_object_add(o, "uid", json_object_new_int64(t->uid));
        json_object_object_add(o, "euid", json_object_new_int64(t->euid));
        if (t->argv) {
                /* Arguments as one line, NULs as spaces (bounded by max_cmdline). */
                char *line = hvs_malloc(t->argv_len + 1);
                if (line) {
                        for (size_t i = 0; i < t->argv_len; i++)
                                line[i] = t->argv[i] ? t->argv[i] : ' ';
                        line[t->argv_len] = '\0';
                        json_object_object_add(o, "cmdline", json_object_new_string(line));
                        free(line);
                }
        }
        return o;
}

static json_object *exe_json(const struct triage_exe *x) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(x->path));
        json_object_object_add(o, "file_address", triage_json_addr(x->file));
        json_object_object_add(o, "inode_address", triage_json_addr(x->inode));
        json_object_object_add(o, "inode", json_object_new_uint64(x->ino));
        char mode[8];
        snprintf(mode, sizeof mode, "%06o", x->mode);
        json_object_object_add(o, "mode", json_object_new_string(mode));
        if (x->uid_known)
                json_object_object_add(o, "owner_uid", json_object_new_int64(x->uid));
        json_object_object_add(o, "fstype", json_object_new_string(x->fstype));
        json_object_object_add(o, "deleted", json_object_new_boolean(x->deleted));
        if (x->path_err)
                json_object_object_add(o, "path_error", json_object_new_string(hvs_strerror(x->path_err)));
        return o;
}

static int get_tasks(hvs_linux *k, hvs_task_list **ret, hvs_diag *diag) {
        int e = hvs_linux_tasks(k, ret);
        if (e < 0)
                return HVS_DIAG(diag, e, "cannot walk the task list: %s", hvs_linux_errmsg(k));
        return 0;
}

/* A walk the view cut short is worth saying: findings may be missing. */
static int note_truncated(hvs_findings *out, const char *check_id, const hvs_task_list *l) {
        if (!l->truncated)
                return 0;
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "reason", json_object_new_string(l->trunc_msg));
        json_object_object_add(ev, "tasks_read", json_object_new_uint64(l->n));
        return triage_add(out, HVS_SEV_INFO, check_id, -1, 0, "the task list walk stopped early",
                          "Only the processes read before the walk stopped were checked.", NULL, ev);
}

static int cmp_pid(const void *a, const void *b) {
        const hvs_task *x = *(const hvs_task *const *)a, *y = *(const hvs_task *const *)b;
        return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Tasks sorted by pid, for lookups of parents (the list is the caller's). */
static const hvs_task **by_pid(const hvs_task_list *l) {
        const hvs_task **v = hvs_reallocarray(NULL, l->n ? l->n : 1, sizeof *v);
        if (!v)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                v[i] = &l->tasks[i];
        qsort(v, l->n, sizeof *v, cmp_pid);
        return v;
}

static const hvs_task *find_pid(const hvs_task **v, size_t n, int32_t pid) {
        hvs_task key = { .pid = pid };
        const hvs_task *kp = &key;
        const hvs_task **r = bsearch(&kp, v, n, sizeof *v, cmp_pid);
        return r ? *r : NULL;
}

/* ---- fileless-exe ---- */

#define ID_FILELESS "fileless-exe"

int triage_fileless_exe_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        _cleanup_(hvs_task_list_freep) hvs_task_list *l = NULL;
        struct exe_reader r;
        int e = get_tasks(k, &l, diag);
        if (e < 0 || (e = exe_reader_init(k, &r, diag)) < 0)
                return e;
        struct triage_budget b;
        triage_budget_init(&b, o);
        for (size_t i = 0; i < l->n && !triage_budget_over(&b); i++) {
                const hvs_task *t = &l->tasks[i];
                struct triage_exe x;
                if (t->kthread || !t->mm.v || triage_task_exe(&r, t, &x) < 0)
                        continue;
                if (!x.memfd && !x.deleted)
                        continue;
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "process", task_json(t));
                json_object_object_add(ev, "executable", exe_json(&x));
                char title[256];
                if (x.memfd) {
                        snprintf(title, sizeof title, "process %d (%s) runs from a memfd: %.160s", t->pid, t->comm, x.path);
                        e = triage_add(out, HVS_SEV_HIGH, ID_FILELESS, t->pid, x.file, title,
                                       "The executable (mm->exe_file) is an anonymous memfd file: the program never "
                                       "existed on disk (fileless execution, e.g. memfd_create + execve of "
                                       "/proc/self/fd/N).",
                                       "T1620", ev);
                } else {
                        snprintf(title, sizeof title, "process %d (%s) runs a deleted executable: %.160s", t->pid, t->comm,
                                 x.path);
                        e = triage_add(out, HVS_SEV_MEDIUM, ID_FILELESS, t->pid, x.file, title,
                                       "The executable (mm->exe_file) was unlinked after the process started: a "
                                       "common way to leave no file behind; also seen after package upgrades.",
                                       "T1070.004", ev);
                }
                if (e < 0)
                        return HVS_DIAG(diag, e, "cannot add a finding");
        }
        if ((e = note_truncated(out, ID_FILELESS, l)) < 0 || (e = triage_budget_report(&b, out, ID_FILELESS)) < 0)
                return HVS_DIAG(diag, e, "cannot add a finding");
        return 0;
}

/* ---- wx-memory ---- */

#define ID_WX "wx-memory"

int triage_wx_memory_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        _cleanup_(hvs_task_list_freep) hvs_task_list *l = NULL;
        int e = get_tasks(k, &l, diag);
        if (e < 0)
                return e;
        struct triage_budget b;
        triage_budget_init(&b, o);
        for (size_t i = 0; i < l->n && !triage_budget_over(&b); i++) {
                const hvs_task *t = &l->tasks[i];
                if (t->kthread || !t->mm.v)
                        continue;
                _cleanup_(hvs_vma_list_freep) hvs_vma_list *m = NULL;
                if (hvs_linux_task_maps(k, t, &m) < 0)
                        continue;
                json_object *regions = NULL;
                uint64_t first = 0, bytes = 0;
                size_t nwx = 0;
                for (size_t j = 0; j < m->n; j++) {
                        const hvs_vma *v = &m->vmas[j];
                        if ((v->flags & (HVS_VM_WRITE | HVS_VM_EXEC)) != (HVS_VM_WRITE | HVS_VM_EXEC) ||
                            v->kind == HVS_VMA_FILE || v->kind == HVS_VMA_SPECIAL)
                                continue;
                        if (!regions)
                                regions = json_object_new_array();
                        if (!nwx)
                                first = v->start;
                        nwx++;
                        bytes += v->end - v->start;
                        if (json_object_array_length(regions) < 64) {
                                json_object *r = json_object_new_object();
                                json_object_object_add(r, "start", triage_json_addr(v->start));
                                json_object_object_add(r, "end", triage_json_addr(v->end));
                                json_object_object_add(r, "perms", json_object_new_string(v->perms));
                                json_object_object_add(r, "name", json_object_new_string(v->name));
                                json_object_object_add(r, "vma_address", triage_json_addr(v->addr.v));
                                json_object_array_add(regions, r);
                        }
                }
                if (!nwx)
                        continue;
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "process", task_json(t));
                json_object_object_add(ev, "regions", regions);
                json_object_object_add(ev, "count", json_object_new_uint64(nwx));
                json_object_object_add(ev, "bytes", json_object_new_uint64(bytes));
                char title[200];
                snprintf(title, sizeof title, "process %d (%s) has %zu writable and executable anonymous region%s at 0x%" PRIx64,
                         t->pid, t->comm, nwx, nwx == 1 ? "" : "s", first);
                e = triage_add(out, HVS_SEV_MEDIUM, ID_WX, t->pid, first, title,
                               "Anonymous memory mapped both writable and executable is where injected or unpacked "
                               "code runs; JIT compilers (browsers, Java, some interpreters) make such regions too.",
                               "T1055", ev);
                if (e < 0)
                        return HVS_DIAG(diag, e, "cannot add a finding");
        }
        if ((e = note_truncated(out, ID_WX, l)) < 0 || (e = triage_budget_report(&b, out, ID_WX)) < 0)
                return HVS_DIAG(diag, e, "cannot add a finding");
        return 0;
}

/* ---- reverse-shell ---- */

#define ID_REVSHELL "reverse-shell"

/* Shells and interpreters, by command name (comm) or executable base name. */
static const struct {
        const char *prefix;
        bool exact;
        const char *technique;
} interpreters[] = {
        { "sh", true, "T1059.004" },      { "bash", true, "T1059.004" },    { "dash", true, "T1059.004" },
        { "ash", true, "T1059.004" },     { "zsh", true, "T1059.004" },     { "ksh", true, "T1059.004" },
        { "mksh", true, "T1059.004" },    { "csh", true, "T1059.004" },     { "tcsh", true, "T1059.004" },
        { "fish", true, "T1059.004" },    { "busybox", true, "T1059.004" }, { "python", false, "T1059.006" },
        { "perl", false, "T1059" },       { "ruby", false, "T1059" },       { "php", false, "T1059" },
        { "lua", false, "T1059" },        { "node", true, "T1059.007" },    { "nc", true, "T1059" },
        { "ncat", true, "T1059" },        { "netcat", true, "T1059" },      { "socat", true, "T1059" },
        { "telnet", true, "T1059" },      { "awk", true, "T1059" },         { "gawk", true, "T1059" },
        { "tclsh", false, "T1059" },      { "pwsh", true, "T1059.001" },
};

const char *triage_interpreter(const char *name) {
        if (!name || !*name)
                return NULL;
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        if (*base == '-')       /* a login shell: "-sh" */
                base++;
        for (size_t i = 0; i < ARRAY_SIZE(interpreters); i++) {
                size_t n = strlen(interpreters[i].prefix);
                if (interpreters[i].exact ? strcmp(base, interpreters[i].prefix) == 0
                                          : strncmp(base, interpreters[i].prefix, n) == 0)
                        return interpreters[i].technique;
        }
        return NULL;
}

static void endpoint(const hvs_socket *k, bool remote, char *buf, size_t cap) {
        const uint8_t *a = remote ? k->remote_addr : k->local_addr;
        uint16_t port = remote ? k->remote_port : k->local_port;
        char ip[INET6_ADDRSTRLEN] = "?";
        if (k->family == HVS_AF_INET)
                inet_ntop(AF_INET, a, ip, sizeof ip);
        else if (k->family == HVS_AF_INET6)
                inet_ntop(AF_INET6, a, ip, sizeof ip);
        snprintf(buf, cap, k->family == HVS_AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

int triage_reverse_shell_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        _cleanup_(hvs_task_list_freep) hvs_task_list *l = NULL;
        _cleanup_free_ const hvs_task **idx = NULL;
        _cleanup_(hvs_socket_list_freep) hvs_socket_list *sl = NULL;
        struct exe_reader r;
        int e = get_tasks(k, &l, diag);
        if (e < 0)
                return e;
        hvs_diag ignored = { 0 };
        bool exes = exe_reader_init(k, &r, &ignored) >= 0;      /* names only help here */
        if ((e = hvs_linux_sockets(k, HVS_NET_TCP | HVS_NET_OWNERS, &sl)) < 0)
                return HVS_DIAG(diag, e, "cannot list sockets: %s", hvs_linux_errmsg(k));
        if (!(idx = by_pid(l)))
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        /* One finding per process: its standard streams on TCP sockets. */
        for (size_t i = 0; i < l->n; i++) {
                const hvs_task *t = &l->tasks[i];
                if (t->kthread || !t->mm.v)
                        continue;
                json_object *fds = NULL;
                const hvs_socket *first = NULL;
                for (size_t j = 0; j < sl->n; j++) {
                        const hvs_socket *k2 = &sl->socks[j];
                        if (k2->proto != HVS_SOCK_TCP || k2->state == HVS_TCP_LISTEN)
                                continue;
                        for (size_t q = 0; q < k2->n_owners; q++) {
                                const hvs_sock_owner *w = &k2->owners[q];
                                if (w->pid != t->pid || w->fd > 2)
                                        continue;
                                char loc[64], rem[64];
                                endpoint(k2, false, loc, sizeof loc);
                                endpoint(k2, true, rem, sizeof rem);
                                json_object *f = json_object_new_object();
                                json_object_object_add(f, "fd", json_object_new_int64(w->fd));
                                json_object_object_add(f, "file_address", triage_json_addr(w->file.v));
                                json_object_object_add(f, "sock_address", triage_json_addr(k2->addr.v));
                                json_object_object_add(f, "socket_inode", json_object_new_uint64(k2->inode));
                                json_object_object_add(f, "local", json_object_new_string(loc));
                                json_object_object_add(f, "remote", json_object_new_string(rem));
                                json_object_object_add(f, "state", json_object_new_int64(k2->state));
                                if (!fds)
                                        fds = json_object_new_array();
                                json_object_array_add(fds, f);
                                if (!first)
                                        first = k2;
                        }
                }
                if (!fds)
                        continue;
                struct triage_exe x;
                bool have_exe = exes && triage_task_exe(&r, t, &x) >= 0;
                const char *tech = triage_interpreter(t->comm);
                if (!tech && have_exe)
                        tech = triage_interpreter(x.path);
                if (!tech)
                        tech = triage_interpreter(argv0(t));
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "process", task_json(t));
                if (have_exe)
                        json_object_object_add(ev, "executable", exe_json(&x));
                json_object_object_add(ev, "std_fds", fds);
                char rem[64], title[256];
                endpoint(first, true, rem, sizeof rem);
                json_object_object_add(ev, "remote", json_object_new_string(rem));
                const hvs_task *p = find_pid(idx, l->n, t->ppid);
                if (p)
                        json_object_object_add(ev, "parent", task_json(p));
                if (tech) {
                        snprintf(title, sizeof title, "reverse shell: process %d (%s) has its standard streams on a TCP "
                                 "connection to %s", t->pid, t->comm, rem);
                        e = triage_add(out, HVS_SEV_HIGH, ID_REVSHELL, t->pid, first->addr.v, title,
                                       "A shell or interpreter reads its commands from, or writes its output to, a "
                                       "network socket: someone at the remote end is driving it.",
                                       tech, ev);
                } else {
                        snprintf(title, sizeof title, "process %d (%s) has its standard streams on a TCP connection to %s",
                                 t->pid, t->comm, rem);
                        e = triage_add(out, HVS_SEV_LOW, ID_REVSHELL, t->pid, first->addr.v, title,
                                       "Not a known shell or interpreter (inetd-style services do this), but a "
                                       "renamed shell would look the same.",
                                       NULL, ev);
                }
                if (e < 0)
                        return HVS_DIAG(diag, e, "cannot add a finding");
        }
        if (sl->truncated || (sl->n && !sl->owners_known)) {
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "sockets", json_object_new_string(sl->trunc_msg));
                json_object_object_add(ev, "owners", json_object_new_string(sl->owners_msg));
                if ((e = triage_add(out, HVS_SEV_INFO, ID_REVSHELL, -1, 0, "the socket view is incomplete",
                                    "Sockets or their owners could not all be read; a reverse shell may be missing.",
                                    NULL, ev)) < 0)
                        return HVS_DIAG(diag, e, "cannot add a finding");
        }
        if ((e = note_truncated(out, ID_REVSHELL, l)) < 0)
                return HVS_DIAG(diag, e, "cannot add a finding");
        return 0;
}

/* ---- root-from-user ---- */

#define ID_ROOT "root-from-user"

int triage_root_from_user_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        _cleanup_(hvs_task_list_freep) hvs_task_list *l = NULL;
        _cleanup_free_ const hvs_task **idx = NULL;
        struct exe_reader r;
        int e = get_tasks(k, &l, diag);
        if (e < 0)
                return e;
        hvs_diag ignored = { 0 };
        /* Without the executable's mode every root child of a user is reported, saying so. */
        bool exes = exe_reader_init(k, &r, &ignored) >= 0;
        if (!(idx = by_pid(l)))
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        for (size_t i = 0; i < l->n; i++) {
                const hvs_task *t = &l->tasks[i];
                if (t->kthread || !t->mm.v || (t->partial & HVS_TASK_PARTIAL_CRED) || (t->uid != 0 && t->euid != 0))
                        continue;
                const hvs_task *p = find_pid(idx, l->n, t->ppid);
                if (!p || p->kthread || (p->partial & HVS_TASK_PARTIAL_CRED) || p->uid == 0 || p->euid == 0)
                        continue;
                /* A set-UID-root executable explains it (su, sudo, passwd...). */
                struct triage_exe x;
                bool have_exe = exes && triage_task_exe(&r, t, &x) >= 0;
                if (have_exe && (x.mode & S_ISUID_) && (x.mode & S_IXUSR_) && x.uid_known && x.uid == 0)
                        continue;
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "process", task_json(t));
                json_object_object_add(ev, "parent", task_json(p));
                if (have_exe)
                        json_object_object_add(ev, "executable", exe_json(&x));
                else
                        json_object_object_add(ev, "executable_unknown", json_object_new_boolean(true));
                char title[256];
                snprintf(title, sizeof title, "process %d (%s) runs as root under process %d (%s, uid %" PRIu32
                         ") with no set-UID executable", t->pid, t->comm, p->pid, p->comm, p->uid);
                e = triage_add(out, HVS_SEV_HIGH, ID_ROOT, t->pid, t->addr.v, title,
                               "A process gained root while its parent is unprivileged, and its executable is not "
                               "set-UID root: a privilege escalation (a kernel exploit, tampered credentials, or a "
                               "set-UID program that set uid 0 and exec'd something else).",
                               "T1068", ev);
                if (e < 0)
                        return HVS_DIAG(diag, e, "cannot add a finding");
        }
        if ((e = note_truncated(out, ID_ROOT, l)) < 0)
                return HVS_DIAG(diag, e, "cannot add a finding");
        return 0;
}

/* ---- kthread-masquerade ---- */

#define ID_KTHREAD "kthread-masquerade"

/* Names of kernel threads (before their "/N" or ":N" suffix). */
static const char *const kthread_names[] = {
        "kthreadd", "kworker", "ksoftirqd", "migration", "rcu_", "kswapd", "watchdog", "cpuhp", "irq/",
        "jbd2", "kdevtmpfs", "khungtaskd", "oom_reaper", "writeback", "kcompactd", "kblockd", "kintegrityd",
        "ksmd", "khugepaged", "kauditd", "scsi_", "ext4-", "xfs", "kthrotld", "idle_inject", "netns",
        "kstrp", "zswap", "pool_workqueue", "mm_percpu_wq", "inet_frag_wq", "khvcd", "hwrng", "ipv6_addrconf",
        "edac-poller", "devfreq_wq", "blkcg_punt_bio", "tpm_dev_wq", "md", "ata_sff", "acpi_thermal_pm",
        "kaluad", "kmpath_rdacd", "cryptd", "ttm", "card", "nvme-", "kmpathd", "khubd", "events",
};

/* The stem of a kernel thread name: up to the first '/' or ':' after a letter. */
static void stem(const char *n, char *buf, size_t cap) {
        size_t i = 0;
        for (; n[i] && i + 1 < cap && n[i] != '/' && n[i] != ':'; i++)
                buf[i] = n[i];
        buf[i] = '\0';
}

static bool known_kthread_name(const char *comm) {
        for (size_t i = 0; i < ARRAY_SIZE(kthread_names); i++) {
                size_t n = strlen(kthread_names[i]);
                if (strncmp(comm, kthread_names[i], n) != 0)
                        continue;
                /* "md" and "card" only with a digit or suffix after them, as the kernel names them. */
                char c = comm[n];
                if (c == '\0' || c == '/' || c == ':' || c == '_' || c == '-' || (c >= '0' && c <= '9') ||
                    kthread_names[i][n - 1] == '_' || kthread_names[i][n - 1] == '/' || kthread_names[i][n - 1] == '-')
                        return true;
        }
        return false;
}

int triage_kthread_masquerade_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        _cleanup_(hvs_task_list_freep) hvs_task_list *l = NULL;
        int e = get_tasks(k, &l, diag);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n; i++) {
                const hvs_task *t = &l->tasks[i];
                if (t->kthread || !t->mm.v)
                        continue;
                const char *a0 = argv0(t);
                size_t a0len = strlen(a0);
                bool bracket = (a0len >= 2 && a0[0] == '[' && a0[a0len - 1] == ']') || t->comm[0] == '[';
                char st[17];
                stem(t->comm, st, sizeof st);
                bool known = known_kthread_name(t->comm);
                /* Also a name that a kernel thread of this very guest has. */
                const hvs_task *twin = NULL;
                for (size_t j = 0; j < l->n && !twin; j++) {
                        const hvs_task *u = &l->tasks[j];
                        char su[17];
                        stem(u->comm, su, sizeof su);
                        if (u->kthread && strcmp(su, st) == 0 && st[0])
                                twin = u;
                }
                if (!bracket && !known && !twin)
                        continue;
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "process", task_json(t));
                json_object_object_add(ev, "argv0_in_brackets", json_object_new_boolean(bracket));
                json_object_object_add(ev, "kernel_thread_name", json_object_new_boolean(known || twin));
                if (twin) {
                        json_object *tw = json_object_new_object();
                        json_object_object_add(tw, "pid", json_object_new_int(twin->pid));
                        json_object_object_add(tw, "name", json_object_new_string(twin->comm));
                        json_object_object_add(tw, "task_address", triage_json_addr(twin->addr.v));
                        json_object_object_add(ev, "kernel_thread", tw);
                }
                char title[256];
                snprintf(title, sizeof title, "user process %d (%s) is named like a kernel thread", t->pid,
                         bracket && a0len ? a0 : t->comm);
                e = triage_add(out, HVS_SEV_HIGH, ID_KTHREAD, t->pid, t->addr.v, title,
                               "Kernel threads have no user address space; this process has one (mm is set) yet "
                               "calls itself like a kernel thread, so ps and top show it among them.",
                               bracket ? "T1036.004" : "T1036.005", ev);
                if (e < 0)
                        return HVS_DIAG(diag, e, "cannot add a finding");
        }
        if ((e = note_truncated(out, ID_KTHREAD, l)) < 0)
                return HVS_DIAG(diag, e, "cannot add a finding");
        return 0;
}

/* ---- the checks of the table: the kernel view of the session ---- */

#define ON_LINUX(fn)                                                                    \
        TRIAGE_CHECK(fn) {                                                              \
                hvs_linux *k = hvs_session_linux(s);                                    \
                return k ? fn##_k(k, o, out, diag) : HVS_DIAG(diag, -ENOENT, "no Linux kernel view"); \
        }
ON_LINUX(triage_fileless_exe)
ON_LINUX(triage_wx_memory)
ON_LINUX(triage_reverse_shell)
ON_LINUX(triage_root_from_user)
ON_LINUX(triage_kthread_masquerade)
