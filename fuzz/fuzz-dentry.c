/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dentry.c - path building (path.c: lx_path_build) and the fd table
 * walk (fd.c: lx_fd_walk) on a fake kernel whose VFS objects are hostile:
 * the input overwrites the kernel object region (fake_vfs.h: file system
 * types, superblocks, inodes, dentries with their names, mounts, files, an
 * fd table) from its start, then every file's path, every mount root's path
 * and the fd table are decoded. Any result is fine; a crash, a hang, a leak
 * or a path that is not a NUL-terminated string within its buffer is not.
 *
 * The objects are built once; each input starts from a pristine copy.
 * fuzz/corpora/make-dentry-corpus.py derives its corpus from that copy,
 * which the target writes to $HVS_FUZZ_DENTRY_PRISTINE when set.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/linux.h>
#include "fake_linux.h"
#include "fake_vfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake_linux *fl;
static hvs_vas *kv;
static uint8_t *pristine;
static size_t pristine_len;
static uint64_t mounts[8], files[8], task;
static size_t nmounts, nfiles;

static uint64_t dent(uint64_t parent, const char *name, uint64_t sb, bool unhashed) {
        return fake_vfs_dentry(fl, parent, name, strlen(name), fake_vfs_inode(fl, 42, 0100644, 1), sb, unhashed);
}

static void build(void) {
        if (fake_linux_new(HVS_PAGING_4LEVEL, &fl) < 0 || hvs_vas_new(fl->g->mem, fl->g->root, HVS_PAGING_4LEVEL, &kv) < 0)
                abort();
        uint64_t sb_root = fake_vfs_sb(fl, fake_vfs_fstype(fl, "rootfs"), 0);
        uint64_t d_root = dent(0, "/", sb_root, false);
        uint64_t m_root = fake_vfs_mount(fl, 0, 0, d_root, sb_root, "rootfs", 1, 0);
        uint64_t d_run = dent(d_root, "run", sb_root, false);
        uint64_t sb_run = fake_vfs_sb(fl, fake_vfs_fstype(fl, "tmpfs"), 0);
        uint64_t d_run_root = dent(0, "/", sb_run, false);
        uint64_t m_run = fake_vfs_mount(fl, m_root, d_run, d_run_root, sb_run, "tmpfs", 2, 0);
        uint64_t sb_pipe = fake_vfs_sb(fl, fake_vfs_fstype(fl, "pipefs"), 0);
        uint64_t m_pipe = fake_vfs_mount(fl, 0, 0, dent(0, "/", sb_pipe, false), sb_pipe, "pipefs", 3, 0);
        uint64_t sb_anon = fake_vfs_sb(fl, fake_vfs_fstype(fl, "anon_inodefs"), 0);
        uint64_t m_anon = fake_vfs_mount(fl, 0, 0, dent(0, "/", sb_anon, false), sb_anon, "anon", 4, 0);
        mounts[nmounts++] = m_root;
        mounts[nmounts++] = m_run;
        mounts[nmounts++] = m_pipe;
        mounts[nmounts++] = m_anon;

        uint64_t fifo = dent(d_run_root, "hvs.fifo", sb_run, false);
        uint64_t gone = dent(d_run_root, "a-rather-long-name-kept-outside-d_iname.log", sb_run, true);
        uint64_t pipe = dent(0, "", sb_pipe, true);
        uint64_t anon = dent(0, "[eventfd]", sb_anon, true);
        files[nfiles++] = fake_vfs_file(fl, fake_vfs_vfsmount(m_run), fifo, 0, 2, 0, 0);
        files[nfiles++] = fake_vfs_file(fl, fake_vfs_vfsmount(m_run), gone, 0, 0, 0, 0);
        files[nfiles++] = fake_vfs_file(fl, fake_vfs_vfsmount(m_pipe), pipe, 0, 0, 0, 0);
        files[nfiles++] = fake_vfs_file(fl, fake_vfs_vfsmount(m_anon), anon, 0, 0, 0, 0);
        task = fake_vfs_task_files(fl, 8, files, nfiles);

        pristine_len = fl->obj_next - FAKE_LINUX_OBJ_PA;
        pristine = malloc(pristine_len);
        if (!pristine)
                abort();
        fake_read(fl->g, HVS_GPA(FAKE_LINUX_OBJ_PA), pristine, pristine_len);
        const char *dump = getenv("HVS_FUZZ_DENTRY_PRISTINE");
        FILE *f = dump ? fopen(dump, "wb") : NULL;
        if (f) {
                fwrite(pristine, 1, pristine_len, f);
                fclose(f);
        }
}

static void check_path(int r, const char *buf, size_t cap) {
        if (r >= 0 && (size_t)r != strlen(buf))
                abort();
        if (strnlen(buf, cap) >= cap)
                abort();
}

static int count(void *ud, uint32_t fd, uint64_t file) {
        (void)fd;
        (void)file;
        ++*(size_t *)ud;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!fl)
                build();
        fake_write(fl->g, HVS_GPA(FAKE_LINUX_OBJ_PA), pristine, pristine_len);
        fake_write(fl->g, HVS_GPA(FAKE_LINUX_OBJ_PA), data, size < pristine_len ? size : pristine_len);
        hvs_vas_flush(kv);

        char buf[HVS_MAX_PATH_BYTES + 1], small[8];
        struct lx_path_info in;
        for (size_t i = 0; i < nfiles; i++) {
                check_path(lx_path_build_file(kv, &fake_path_offsets, files[i], buf, sizeof buf, &in), buf, sizeof buf);
                check_path(lx_path_build_file(kv, &fake_path_offsets, files[i], small, sizeof small, NULL), small,
                           sizeof small);
        }
        for (size_t i = 0; i < nmounts; i++) {
                uint64_t root = 0;
                if (lx_read_u64(kv, fake_vfs_vfsmount(mounts[i]), fake_path_offsets.vfsmnt_root, &root) == 0)
                        check_path(lx_path_build(kv, &fake_path_offsets, fake_vfs_vfsmount(mounts[i]), root, buf,
                                                 sizeof buf, &in), buf, sizeof buf);
        }
        size_t n = 0;
        (void)lx_fd_walk(kv, &fake_fd_offsets, 4096, task, count, &n);
        if (n > 4096)
                abort();
        return 0;
}
