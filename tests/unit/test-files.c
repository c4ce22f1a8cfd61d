/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-files.c - open files of processes on a fake kernel: the fd table walk
 * (fd.c: lx_fd_walk), path building (path.c: lx_path_build) and the files
 * view (files.c), with offsets chosen here (the shared fixture's BTF has no
 * VFS types), including hostile tables: huge max_fds, unreadable arrays,
 * dentry and mount cycles, overlong names.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include "os/linux/vfs-internal.h"
#include "fake_linux.h"
#include "fake_vfs.h"

/* Unmapped kernel addresses (vmalloc area: nothing is mapped there). */
#define UNMAPPED_KVA 0xffffc90000000000ull

struct fx {
        struct fake_linux *fl;
        hvs_vas *kv;
};

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        if (!f || fake_linux_new(HVS_PAGING_4LEVEL, &f->fl) < 0)
                return -1;
        if (hvs_vas_new(f->fl->g->mem, f->fl->g->root, HVS_PAGING_4LEVEL, &f->kv) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fx *f = *state;
        hvs_vas_free(f->kv);
        fake_linux_free(f->fl);
        free(f);
        return 0;
}

/* ---- fd table ------------------------------------------------------------------ */

struct seen {
        size_t n;
        uint32_t fd[2048];
        uint64_t file[2048];
        size_t stop_after;      /* 0 = never stop */
};

static int record(void *ud, uint32_t fd, uint64_t file) {
        struct seen *s = ud;
        assert_true(s->n < ARRAY_SIZE(s->fd));
        s->fd[s->n] = fd;
        s->file[s->n] = file;
        s->n++;
        if (s->stop_after && s->n == s->stop_after)
                return -ECANCELED;
        return 0;
}

static void test_fd_basic(void **state) {
        struct fx *f = *state;
        uint64_t files[8] = { 0xffff888000aa0000ull, 0xffff888000aa0100ull, 0, 0, 0, 0xffff888000aa0500ull, 0, 0 };
        uint64_t task = fake_vfs_task_files(f->fl, 8, files, 8);
        struct seen s = { 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 1024, task, record, &s), 0);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.fd[0], 0);
        assert_int_equal(s.fd[1], 1);
        assert_int_equal(s.fd[2], 5);
        assert_int_equal(s.file[2], files[5]);
}

static void test_fd_kernel_thread(void **state) {
        struct fx *f = *state;
        uint64_t task = fake_linux_kalloc(f->fl, 256);  /* files == NULL */
        struct seen s = { 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 1024, task, record, &s), -ENOENT);
        assert_int_equal(s.n, 0);
}

static void test_fd_clamped(void **state) {
        struct fx *f = *state;
        uint64_t files[16];
        for (size_t i = 0; i < 16; i++)
                files[i] = 0xffff888000aa0000ull + i * 0x100;
        uint64_t task = fake_vfs_task_files(f->fl, 16, files, 16);
        struct seen s = { 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 4, task, record, &s), -E2BIG);
        assert_int_equal(s.n, 4);
        assert_int_equal(s.fd[3], 3);
        /* exactly the limit: not clamped */
        s = (struct seen){ 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 16, task, record, &s), 0);
        assert_int_equal(s.n, 16);
}

static void test_fd_huge_max_fds(void **state) {
        struct fx *f = *state;
        uint64_t files[64] = { [3] = 0xffff888000bb0000ull };
        /* max_fds = UINT32_MAX: the limit stops the walk, with no overflow of 8 * max_fds */
        uint64_t task = fake_vfs_task_files(f->fl, UINT32_MAX, files, 64);
        struct seen s = { 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 64, task, record, &s), -E2BIG);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.fd[0], 3);
        /* the array would wrap the address space */
        task = fake_vfs_task_files_at(f->fl, UINT32_MAX, 0xfffffffffffff000ull);
        s = (struct seen){ 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, UINT32_MAX, task, record, &s), -EFAULT);
        assert_int_equal(s.n, 0);
}

static void test_fd_many_chunks(void **state) {
        struct fx *f = *state;
        enum { N = 1500 };
        uint64_t *files = calloc(N, sizeof *files);
        assert_non_null(files);
        for (size_t i = 0; i < N; i += 7)
                files[i] = 0xffff888000cc0000ull + i * 0x40;
        uint64_t task = fake_vfs_task_files(f->fl, N, files, N);
        struct seen s = { 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 65536, task, record, &s), 0);
        assert_int_equal(s.n, (N + 6) / 7);
        for (size_t i = 0; i < s.n; i++) {
                assert_int_equal(s.fd[i], i * 7);
                assert_int_equal(s.file[i], files[i * 7]);
        }
        free(files);
}

static void test_fd_array_partly_unmapped(void **state) {
        struct fx *f = *state;
        /* one mapped page of 512 slots at a vmalloc address, the next page unmapped */
        hvs_gpa pa = fake_alloc_pages(f->fl->g, 1);
        fake_map(f->fl->g, HVS_GVA(UNMAPPED_KVA), pa, X86_PAGE_SIZE_4K, X86_PTE_RW);
        for (uint32_t i = 0; i < 512; i += 100)
                fake_write_u64(f->fl->g, HVS_GPA(pa.v + i * 8), 0xffff888000dd0000ull + i);
        uint64_t task = fake_vfs_task_files_at(f->fl, 1024, UNMAPPED_KVA);
        struct seen s = { 0 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 65536, task, record, &s), -EFAULT);
        assert_int_equal(s.n, 6);       /* 0, 100, ..., 500: the fds before the hole */
        assert_int_equal(s.fd[5], 500);
}

static void test_fd_bad_pointers(void **state) {
        struct fx *f = *state;
        struct seen s = { 0 };
        /* fd array NULL, unmapped, non-canonical; fdtable unmapped */
        const uint64_t bad[] = { 0, UNMAPPED_KVA + 0x10000, 0x8000000000000000ull };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                uint64_t task = fake_vfs_task_files_at(f->fl, 8, bad[i]);
                assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 64, task, record, &s), -EFAULT);
        }
        uint64_t task = fake_linux_kalloc(f->fl, 256);
        uint64_t files = fake_linux_kalloc(f->fl, 256);
        fake_linux_write_u64(f->fl, task + fake_fd_offsets.task_files, files);
        fake_linux_write_u64(f->fl, files + fake_fd_offsets.files_fdt, UNMAPPED_KVA);
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 64, task, record, &s), -EFAULT);
        /* task itself unreadable */
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 64, UNMAPPED_KVA, record, &s), -EFAULT);
        assert_int_equal(s.n, 0);
}

static void test_fd_callback_stops(void **state) {
        struct fx *f = *state;
        uint64_t files[4] = { 0xffff888000aa0000ull, 0xffff888000aa0100ull, 0xffff888000aa0200ull, 0 };
        uint64_t task = fake_vfs_task_files(f->fl, 4, files, 4);
        struct seen s = { .stop_after = 2 };
        assert_int_equal(lx_fd_walk(f->kv, &fake_fd_offsets, 64, task, record, &s), -ECANCELED);
        assert_int_equal(s.n, 2);
}

static void test_fd_missing_btf_fields(void **state) {
        struct fx *f = *state;
        hvs_linux *k;
        assert_int_equal(fake_linux_open(f->fl, NULL, &k), 0);
        struct seen s = { 0 };
        assert_int_equal(lx_task_files(k, f->fl->init_task, record, &s), -ENOENT);
        assert_non_null(strstr(hvs_linux_errmsg(k), "task_struct.files"));
        hvs_linux_close(k);
}


/* ---- paths ------------------------------------------------------------------------ */

/*
 * A small mount tree: rootfs at / (the global root), tmpfs on /run, ext4 on
 * /data, a second tmpfs stacked on /data/notes; pipefs, sockfs,
 * anon_inodefs and the internal shmem mount, each its own root.
 */
struct world {
        uint64_t m_root, m_run, m_data, m_notes, m_pipe, m_sock, m_anon, m_shm;
        uint64_t d_root, d_run, d_data, d_notes, d_run_root, d_data_root, d_notes_root;
        uint64_t sb_root, sb_run, sb_data, sb_notes, sb_pipe, sb_sock, sb_anon, sb_shm;
};

static uint64_t dent(struct fake_linux *fl, uint64_t parent, const char *name, uint64_t sb) {
        return fake_vfs_dentry(fl, parent, name, strlen(name), fake_vfs_inode(fl, 100, 0040755, 2), sb, false);
}

static uint64_t pseudo_root(struct fake_linux *fl, const char *fs, uint64_t *ret_sb, const char *dev) {
        *ret_sb = fake_vfs_sb(fl, fake_vfs_fstype(fl, fs), 0);
        uint64_t root = fake_vfs_dentry(fl, 0, "/", 1, fake_vfs_inode(fl, 1, 0040755, 2), *ret_sb, false);
        return fake_vfs_mount(fl, 0, 0, root, *ret_sb, dev, 0, 0);
}

static void build_world(struct fake_linux *fl, struct world *w) {
        w->sb_root = fake_vfs_sb(fl, fake_vfs_fstype(fl, "rootfs"), 0);
        w->d_root = fake_vfs_dentry(fl, 0, "/", 1, fake_vfs_inode(fl, 1, 0040755, 2), w->sb_root, false);
        w->m_root = fake_vfs_mount(fl, 0, 0, w->d_root, w->sb_root, "rootfs", 1, 0);
        w->d_run = dent(fl, w->d_root, "run", w->sb_root);
        w->d_data = dent(fl, w->d_root, "data", w->sb_root);

        w->sb_run = fake_vfs_sb(fl, fake_vfs_fstype(fl, "tmpfs"), 0);
        w->d_run_root = dent(fl, 0, "/", w->sb_run);
        w->m_run = fake_vfs_mount(fl, w->m_root, w->d_run, w->d_run_root, w->sb_run, "tmpfs", 20, 0);

        w->sb_data = fake_vfs_sb(fl, fake_vfs_fstype(fl, "ext4"), 0);
        w->d_data_root = dent(fl, 0, "/", w->sb_data);
        w->m_data = fake_vfs_mount(fl, w->m_root, w->d_data, w->d_data_root, w->sb_data, "/dev/vda", 21, 0);
        w->d_notes = dent(fl, w->d_data_root, "notes", w->sb_data);

        w->sb_notes = fake_vfs_sb(fl, fake_vfs_fstype(fl, "tmpfs"), 0);
        w->d_notes_root = dent(fl, 0, "/", w->sb_notes);
        w->m_notes = fake_vfs_mount(fl, w->m_data, w->d_notes, w->d_notes_root, w->sb_notes, "none", 22, 0);

        w->m_pipe = pseudo_root(fl, "pipefs", &w->sb_pipe, "pipefs");
        w->m_sock = pseudo_root(fl, "sockfs", &w->sb_sock, "sockfs");
        w->m_anon = pseudo_root(fl, "anon_inodefs", &w->sb_anon, "anon_inodefs");
        w->m_shm = pseudo_root(fl, "tmpfs", &w->sb_shm, "tmpfs");
}

static int path_of(struct fx *f, uint64_t mnt, uint64_t dentry, char *buf, size_t cap, struct lx_path_info *in) {
        return lx_path_build(f->kv, &fake_path_offsets, fake_vfs_vfsmount(mnt), dentry, buf, cap, in);
}

#define EXPECT_PATH(f, mnt, dentry, want)                                                       \
        do {                                                                                    \
                char b_[HVS_MAX_PATH_BYTES + 1];                                                \
                assert_int_equal(path_of((f), (mnt), (dentry), b_, sizeof b_, NULL), strlen(want)); \
                assert_string_equal(b_, (want));                                                \
        } while (0)

static void test_path_mounts(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        uint64_t fifo = fake_vfs_dentry(f->fl, w.d_run_root, "hvs.fifo", 8, fake_vfs_inode(f->fl, 77, 0010600, 1),
                                        w.sb_run, false);
        struct lx_path_info in;
        char buf[256];
        assert_int_equal(path_of(f, w.m_run, fifo, buf, sizeof buf, &in), 13);
        assert_string_equal(buf, "/run/hvs.fifo");
        assert_int_equal(in.kind, LX_PATH_FS);
        assert_false(in.deleted);
        assert_true(in.reached_root);
        assert_int_equal(in.ino, 77);
        assert_int_equal(in.mode, 0010600);
        assert_string_equal(in.fstype, "tmpfs");

        EXPECT_PATH(f, w.m_root, w.d_root, "/");
        EXPECT_PATH(f, w.m_run, w.d_run_root, "/run");
        EXPECT_PATH(f, w.m_data, w.d_data_root, "/data");
        /* the covered directory itself, seen through the parent mount */
        EXPECT_PATH(f, w.m_data, w.d_notes, "/data/notes");
        EXPECT_PATH(f, w.m_notes, w.d_notes_root, "/data/notes");
        uint64_t marker = dent(f->fl, w.d_notes_root, "marker.txt", w.sb_notes);
        EXPECT_PATH(f, w.m_notes, marker, "/data/notes/marker.txt");
        /* a long name lives outside d_iname */
        char longname[200];
        memset(longname, 'x', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        uint64_t ld = dent(f->fl, w.d_data_root, longname, w.sb_data);
        char want[260];
        snprintf(want, sizeof want, "/data/%s", longname);
        EXPECT_PATH(f, w.m_data, ld, want);
}

static void test_path_deleted(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        uint64_t gone = fake_vfs_dentry(f->fl, w.d_run_root, "gone.log", 8, fake_vfs_inode(f->fl, 9, 0100644, 0),
                                        w.sb_run, true);
        struct lx_path_info in;
        char buf[256];
        assert_int_equal(path_of(f, w.m_run, gone, buf, sizeof buf, &in), 23);
        assert_string_equal(buf, "/run/gone.log (deleted)");
        assert_true(in.deleted);
        /* a mount root is never "deleted", hashed or not */
        uint64_t r2 = fake_vfs_dentry(f->fl, 0, "/", 1, 0, w.sb_run, true);
        uint64_t m2 = fake_vfs_mount(f->fl, w.m_root, w.d_run, r2, w.sb_run, "tmpfs", 30, 0);
        EXPECT_PATH(f, m2, r2, "/run");
}

static void test_path_pseudo(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        struct lx_path_info in;
        char buf[256];
        uint64_t pd = fake_vfs_dentry(f->fl, 0, "", 0, fake_vfs_inode(f->fl, 21937, 0010600, 1), w.sb_pipe, true);
        assert_int_equal(path_of(f, w.m_pipe, pd, buf, sizeof buf, &in), 12);
        assert_string_equal(buf, "pipe:[21937]");
        assert_int_equal(in.kind, LX_PATH_PIPE);
        assert_false(in.deleted);
        uint64_t sd = fake_vfs_dentry(f->fl, 0, "", 0, fake_vfs_inode(f->fl, 4026, 0140777, 1), w.sb_sock, true);
        assert_int_equal(path_of(f, w.m_sock, sd, buf, sizeof buf, &in), 13);
        assert_string_equal(buf, "socket:[4026]");
        assert_int_equal(in.kind, LX_PATH_SOCKET);
        uint64_t ad = fake_vfs_dentry(f->fl, 0, "[eventfd]", 9, fake_vfs_inode(f->fl, 5, 0600, 1), w.sb_anon, true);
        EXPECT_PATH(f, w.m_anon, ad, "anon_inode:[eventfd]");
        /* memfd: a pseudo dentry on the internal shmem mount (simple_dname) */
        uint64_t md = fake_vfs_dentry(f->fl, 0, "memfd:hvs", 9, fake_vfs_inode(f->fl, 6, 0100777, 1), w.sb_shm, true);
        assert_int_equal(path_of(f, w.m_shm, md, buf, sizeof buf, &in), 20);
        assert_string_equal(buf, "/memfd:hvs (deleted)");
        assert_true(in.deleted);
        /* nsfs: "TYPE:[INO]", TYPE from inode->i_private->ops->name */
        uint64_t sb_ns = fake_vfs_sb(f->fl, fake_vfs_fstype(f->fl, "nsfs"), 0);
        uint64_t nsroot = fake_vfs_dentry(f->fl, 0, "/", 1, 0, sb_ns, false);
        uint64_t m_ns = fake_vfs_mount(f->fl, 0, 0, nsroot, sb_ns, "nsfs", 0, 0);
        uint64_t ops = fake_linux_kalloc(f->fl, 64), nsc = fake_linux_kalloc(f->fl, 64);
        fake_linux_write(f->fl, ops + 32, "net", 4);
        fake_linux_write_u64(f->fl, ops, ops + 32);
        fake_linux_write_u64(f->fl, nsc + 8, ops);
        uint64_t nsino = fake_vfs_inode(f->fl, 4026531840ull, 0100444, 1);
        fake_linux_write_u64(f->fl, nsino + 0x50, nsc);
        uint64_t nsd = fake_vfs_dentry(f->fl, 0, "/", 1, nsino, sb_ns, true);
        EXPECT_PATH(f, m_ns, nsd, "net:[4026531840]");
        fake_linux_write_u64(f->fl, nsc + 8, UNMAPPED_KVA);
        assert_int_equal(path_of(f, m_ns, nsd, buf, sizeof buf, &in), -EFAULT);
        /* the root of a pseudo mount is not named by d_dname */
        uint64_t proot = 0;
        assert_int_equal(lx_read_u64(f->kv, fake_vfs_vfsmount(w.m_pipe), 0, &proot), 0);
        EXPECT_PATH(f, w.m_pipe, proot, "/");
}

static void test_path_cycles(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        char buf[HVS_MAX_PATH_BYTES + 1];
        /* a -> b -> a, neither a root */
        uint64_t a = dent(f->fl, w.d_root, "a", w.sb_root);
        uint64_t b = dent(f->fl, a, "b", w.sb_root);
        fake_linux_write_u64(f->fl, a + fake_path_offsets.dentry_parent, b);
        assert_int_equal(path_of(f, w.m_root, b, buf, sizeof buf, NULL), -ELOOP);
        /* two mounts, each mounted on the other's root */
        uint64_t r1 = dent(f->fl, 0, "/", w.sb_run), r2 = dent(f->fl, 0, "/", w.sb_run);
        uint64_t m1 = fake_vfs_mount(f->fl, 0, r2, r1, w.sb_run, "x", 40, 0);
        uint64_t m2 = fake_vfs_mount(f->fl, m1, r1, r2, w.sb_run, "y", 41, 0);
        fake_linux_write_u64(f->fl, m1 + fake_path_offsets.mount_parent, m2);
        uint64_t leaf = dent(f->fl, r1, "leaf", w.sb_run);
        assert_int_equal(path_of(f, m1, leaf, buf, sizeof buf, NULL), -ELOOP);
        /* a dentry whose parent is unreadable: what was built is kept */
        uint64_t c = dent(f->fl, UNMAPPED_KVA, "c", w.sb_root);
        uint64_t d = dent(f->fl, c, "d", w.sb_root);
        assert_int_equal(path_of(f, w.m_root, d, buf, sizeof buf, NULL), -EFAULT);
        assert_string_equal(buf, "/c/d");
        /* mount parent unreadable */
        uint64_t m3 = fake_vfs_mount(f->fl, UNMAPPED_KVA, r1, r1, w.sb_run, "z", 42, 0);
        assert_int_equal(path_of(f, m3, leaf, buf, sizeof buf, NULL), -EFAULT);
        assert_string_equal(buf, "/leaf");
        /* vfsmount or dentry unreadable */
        assert_int_equal(path_of(f, UNMAPPED_KVA, leaf, buf, sizeof buf, NULL), -EFAULT);
        assert_int_equal(path_of(f, w.m_root, UNMAPPED_KVA, buf, sizeof buf, NULL), -EFAULT);
        assert_int_equal(lx_path_build(f->kv, &fake_path_offsets, 0x10, leaf, buf, sizeof buf, NULL), -EFAULT);
}

static void test_path_limits(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        char buf[HVS_MAX_PATH_BYTES + 1];
        /* 20 names of 250 bytes: over HVS_MAX_PATH_BYTES; the tail is kept */
        char name[251];
        memset(name, 'n', 250);
        name[250] = '\0';
        uint64_t d = w.d_root;
        for (int i = 0; i < 20; i++) {
                name[0] = (char)('a' + i);
                d = dent(f->fl, d, name, w.sb_root);
        }
        int r = path_of(f, w.m_root, d, buf, sizeof buf, NULL);
        assert_int_equal(r, -E2BIG);
        assert_true(strlen(buf) <= HVS_MAX_PATH_BYTES);
        assert_int_equal(buf[strlen(buf) - 251], '/');
        assert_int_equal(buf[strlen(buf) - 250], 't');
        /* a small buffer keeps the tail too */
        uint64_t fifo = dent(f->fl, w.d_run_root, "hvs.fifo", w.sb_run);
        assert_int_equal(path_of(f, w.m_run, fifo, buf, 6, NULL), -E2BIG);
        assert_string_equal(buf, ".fifo");
        assert_int_equal(path_of(f, w.m_run, fifo, buf, 0, NULL), -EINVAL);
        /* d_name.len huge */
        uint64_t big = dent(f->fl, w.d_root, "big", w.sb_root);
        fake_linux_write_u32(f->fl, big + fake_path_offsets.dentry_name + fake_path_offsets.qstr_len, UINT32_MAX);
        assert_int_equal(path_of(f, w.m_root, big, buf, sizeof buf, NULL), -E2BIG);
        /* a NUL inside a name ends it, as prepend_name() */
        uint64_t nul = fake_vfs_dentry(f->fl, w.d_root, "ab\0cd", 5, 0, w.sb_root, false);
        EXPECT_PATH(f, w.m_root, nul, "/ab");
        /* deeper than HVS_MAX_PATH_DEPTH with empty names: stopped by the step cap */
        d = w.d_root;
        for (unsigned i = 0; i < HVS_MAX_PATH_DEPTH + 5; i++)
                d = fake_vfs_dentry(f->fl, d, "", 0, 0, w.sb_root, false);
        assert_int_equal(path_of(f, w.m_root, d, buf, sizeof buf, NULL), -E2BIG);
}

static void test_path_file(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        uint64_t ino = fake_vfs_inode(f->fl, 12, 0100644, 1);
        uint64_t hello = fake_vfs_dentry(f->fl, w.d_data_root, "hello.txt", 9, ino, w.sb_data, false);
        uint64_t file = fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_data), hello, ino, 02, 0, 7);
        char buf[64];
        struct lx_path_info in;
        assert_int_equal(lx_path_build_file(f->kv, &fake_path_offsets, file, buf, sizeof buf, &in), 15);
        assert_string_equal(buf, "/data/hello.txt");
        assert_int_equal(in.ino, 12);
        assert_int_equal(lx_path_build_file(f->kv, &fake_path_offsets, UNMAPPED_KVA, buf, sizeof buf, &in), -EFAULT);
        assert_int_equal(lx_path_build_file(f->kv, &fake_path_offsets, UINT64_MAX - 4, buf, sizeof buf, &in), -EFAULT);
}

static void test_path_missing_btf_fields(void **state) {
        struct fx *f = *state;
        hvs_linux *k;
        char buf[64];
        assert_int_equal(fake_linux_open(f->fl, NULL, &k), 0);
        assert_int_equal(lx_file_path(k, 0xffff888000100000ull, buf, sizeof buf), -ENOENT);
        assert_int_equal(lx_d_path(k, 0xffff888000100000ull, 0xffff888000100000ull, buf, sizeof buf), -ENOENT);
        assert_non_null(strstr(hvs_linux_errmsg(k), "file.f_path"));
        hvs_linux_close(k);
}

/* ---- the files view ------------------------------------------------------------ */

static void test_proc_files(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        uint64_t ino_fifo = fake_vfs_inode(f->fl, 77, 0010600, 1);
        uint64_t fifo = fake_vfs_dentry(f->fl, w.d_run_root, "hvs.fifo", 8, ino_fifo, w.sb_run, false);
        uint64_t ino_sock = fake_vfs_inode(f->fl, 4026, 0140777, 1);
        uint64_t sock = fake_vfs_dentry(f->fl, 0, "", 0, ino_sock, w.sb_sock, true);
        uint64_t ino_gone = fake_vfs_inode(f->fl, 9, 0100644, 0);
        uint64_t gone = fake_vfs_dentry(f->fl, w.d_run_root, "gone", 4, ino_gone, w.sb_run, true);
        uint64_t ino_anon = fake_vfs_inode(f->fl, 5, 0600, 1);
        uint64_t anon = fake_vfs_dentry(f->fl, 0, "[eventpoll]", 11, ino_anon, w.sb_anon, true);
        uint64_t ino_dir = fake_vfs_inode(f->fl, 2, 0040755, 2);
        uint64_t files[6] = {
                fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_run), fifo, ino_fifo, 0100002, 0, 0),
                0,
                fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_sock), sock, ino_sock, 02, 0, 0),
                fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_run), gone, ino_gone, 0102001, 0, 12345),
                fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_anon), anon, ino_anon, 02, 0, 0),
                fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_data), w.d_data_root, ino_dir, 0200000, 0, 0),
        };
        /* fd 1 points at a struct file whose dentry is unreadable */
        files[1] = fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_run), UNMAPPED_KVA, ino_fifo, 0, 0, 0);
        uint64_t task = fake_vfs_task_files(f->fl, 6, files, 6);
        hvs_proc_files p = { .pid = 42 };
        assert_int_equal(lx_proc_files_read(f->kv, &fake_files_offsets, 1024, task, &p), 0);
        assert_false(p.truncated);
        assert_int_equal(p.n, 6);
        const struct {
                const char *path;
                enum hvs_file_type type;
                uint64_t ino;
                bool deleted;
                int path_err;
        } want[] = {
                { "/run/hvs.fifo", HVS_FILE_FIFO, 77, false, 0 },
                { "", HVS_FILE_FIFO, 77, false, -EFAULT },
                { "socket:[4026]", HVS_FILE_SOCK, 4026, false, 0 },
                { "/run/gone (deleted)", HVS_FILE_REG, 9, true, 0 },
                { "anon_inode:[eventpoll]", HVS_FILE_ANON, 5, false, 0 },
                { "/data", HVS_FILE_DIR, 2, false, 0 },
        };
        for (size_t i = 0; i < 6; i++) {
                assert_int_equal(p.fds[i].fd, i);
                assert_int_equal(p.fds[i].addr.v, files[i]);
                assert_string_equal(p.fds[i].path, want[i].path);
                assert_int_equal(p.fds[i].type, want[i].type);
                assert_int_equal(p.fds[i].ino, want[i].ino);
                assert_int_equal(p.fds[i].deleted, want[i].deleted);
                assert_int_equal(p.fds[i].path_err, want[i].path_err);
                assert_false(p.fds[i].partial);
        }
        assert_int_equal(p.fds[3].flags, 0102001);
        assert_int_equal(p.fds[3].pos, 12345);
        for (size_t i = 0; i < p.n; i++)
                free(p.fds[i].path);
        free(p.fds);

        /* a kernel thread; an unreadable fd array keeps nothing but says so */
        hvs_proc_files q = { 0 };
        assert_int_equal(lx_proc_files_read(f->kv, &fake_files_offsets, 1024, fake_linux_kalloc(f->fl, 256), &q),
                         -ENOENT);
        uint64_t t2 = fake_vfs_task_files_at(f->fl, 4, UNMAPPED_KVA);
        assert_int_equal(lx_proc_files_read(f->kv, &fake_files_offsets, 1024, t2, &q), 0);
        assert_true(q.truncated);
        assert_int_equal(q.trunc_err, -EFAULT);
        assert_int_equal(q.n, 0);
        /* a struct file that is unreadable: kept, partial */
        uint64_t bad[1] = { UNMAPPED_KVA };
        uint64_t t3 = fake_vfs_task_files(f->fl, 1, bad, 1);
        assert_int_equal(lx_proc_files_read(f->kv, &fake_files_offsets, 1024, t3, &q), 0);
        assert_int_equal(q.n, 1);
        assert_true(q.fds[0].partial);
        assert_int_equal(q.fds[0].path_err, -EFAULT);
        assert_string_equal(q.fds[0].path, "");
        free(q.fds[0].path);
        free(q.fds);
}

static void test_proc_files_alloc_failures(void **state) {
        struct fx *f = *state;
        struct world w;
        build_world(f->fl, &w);
        uint64_t ino = fake_vfs_inode(f->fl, 77, 0100644, 1);
        uint64_t d = fake_vfs_dentry(f->fl, w.d_run_root, "x", 1, ino, w.sb_run, false);
        uint64_t files[40];
        for (size_t i = 0; i < 40; i++)
                files[i] = fake_vfs_file(f->fl, fake_vfs_vfsmount(w.m_run), d, ino, 0, 0, i);
        uint64_t task = fake_vfs_task_files(f->fl, 40, files, 40);
        for (unsigned n = 0;; n++) {
                hvs_proc_files p = { 0 };
                hvs_test_fail_alloc_after(n);
                int r = lx_proc_files_read(f->kv, &fake_files_offsets, 1024, task, &p);
                hvs_test_fail_alloc_after(UINT_MAX);
                for (size_t i = 0; i < p.n; i++)
                        free(p.fds[i].path);
                free(p.fds);
                if (r == 0) {
                        assert_int_equal(p.n, 40);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
        }
}

static void test_flags_and_types(void **state) {
        (void)state;
        char buf[256];
        assert_int_equal(hvs_file_flags_str(0, buf, sizeof buf), 8);
        assert_string_equal(buf, "O_RDONLY");
        hvs_file_flags_str(0102002, buf, sizeof buf);
        assert_string_equal(buf, "O_RDWR|O_APPEND|O_LARGEFILE");
        hvs_file_flags_str(04000001, buf, sizeof buf);
        assert_string_equal(buf, "O_WRONLY|O_SYNC");
        hvs_file_flags_str(03u | 0x80000000u, buf, sizeof buf);
        assert_string_equal(buf, "O_ACCMODE|020000000000");
        assert_int_equal(hvs_file_flags_str(0102002, buf, 10), -E2BIG);
        assert_int_equal(strlen(buf), 9);
        assert_int_equal(hvs_file_flags_str(0, buf, 0), -E2BIG);
        assert_string_equal(hvs_file_type_name(HVS_FILE_PIPE), "pipe");
        assert_string_equal(hvs_file_type_name(HVS_FILE_SOCK), "socket");
        assert_string_equal(hvs_file_type_name((enum hvs_file_type)99), "unknown");
}

static void test_files_missing_btf_fields(void **state) {
        struct fx *f = *state;
        hvs_linux *k;
        hvs_files_list *l = NULL;
        assert_int_equal(fake_linux_open(f->fl, NULL, &k), 0);
        assert_int_equal(hvs_linux_files(k, -1, &l), -ENOENT);
        assert_null(l);
        assert_non_null(strstr(hvs_linux_errmsg(k), "task_struct.files"));
        hvs_linux_close(k);
        assert_null(hvs_files_list_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fd_basic, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_kernel_thread, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_clamped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_huge_max_fds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_many_chunks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_array_partly_unmapped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_bad_pointers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_callback_stops, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fd_missing_btf_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_mounts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_deleted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_pseudo, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_cycles, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_missing_btf_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_proc_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_proc_files_alloc_failures, setup, teardown),
                cmocka_unit_test(test_flags_and_types),
                cmocka_unit_test_setup_teardown(test_files_missing_btf_fields, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
