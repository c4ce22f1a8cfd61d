/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mounts.c - the mount table walk (mounts.c: lx_mounts_walk) on a fake
 * kernel with offsets chosen here (tests/fixtures/fake_vfs.h): the 6.1 list
 * and the 6.12 rbtree, every hvs_mount field, read-only by mount or by
 * superblock, broken and cyclic lists and trees, max_mounts, and a missing
 * profile field through hvs_linux_mounts().
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

#define UNMAPPED_KVA 0xffffc90000000000ull
#define NM 6

struct fx {
        struct fake_linux *fl;
        hvs_vas *kv;
        uint64_t m[NM];
};

/* rootfs on /, proc on /proc, tmpfs on /run, ext4 on /data (ro superblock),
 * a ro bind mount on /run/ro, devpts on /data/pts (under /data). */
static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        if (!f || fake_linux_new(HVS_PAGING_4LEVEL, &f->fl) < 0 ||
            hvs_vas_new(f->fl->g->mem, f->fl->g->root, HVS_PAGING_4LEVEL, &f->kv) < 0)
                return -1;
        struct fake_linux *fl = f->fl;
        uint64_t sb_root = fake_vfs_sb(fl, fake_vfs_fstype(fl, "rootfs"), 0);
        uint64_t d_root = fake_vfs_dentry(fl, 0, "/", 1, 0, sb_root, false);
        f->m[0] = fake_vfs_mount(fl, 0, 0, d_root, sb_root, "rootfs", 1, 0);
        const struct {
                const char *fs, *mp, *dev;
                int parent;
                uint64_t sb_flags;
                uint32_t mnt_flags;
        } spec[] = {
                { "proc", "proc", "proc", 0, 0, 0 },
                { "tmpfs", "run", "tmpfs", 0, 0, 0 },
                { "ext4", "data", "/dev/vda", 0, 1, 0 },
                { "tmpfs", "ro", "tmp fs\n", 2, 0, 0x40 },
                { "devpts", "pts", NULL, 3, 0, 0 },
        };
        for (int i = 0; i < 5; i++) {
                uint64_t pm = f->m[spec[i].parent];
                uint64_t proot = 0;
                if (lx_read_u64(f->kv, fake_vfs_vfsmount(pm), 0, &proot) < 0)
                        return -1;
                uint64_t sb = fake_vfs_sb(fl, fake_vfs_fstype(fl, spec[i].fs), spec[i].sb_flags);
                uint64_t mp = fake_vfs_dentry(fl, proot, spec[i].mp, strlen(spec[i].mp), 0, sb_root, false);
                uint64_t root = fake_vfs_dentry(fl, 0, "/", 1, 0, sb, false);
                f->m[i + 1] = fake_vfs_mount(fl, pm, mp, root, sb, spec[i].dev ? spec[i].dev : "", 20 + i,
                                             spec[i].mnt_flags);
                if (!spec[i].dev)       /* mnt_devname NULL */
                        fake_linux_write_u64(fl, f->m[i + 1] + 0x70, 0);
        }
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

static hvs_mount_list *walk(struct fx *f, const struct lx_mount_offsets *o, uint64_t ns, uint32_t max) {
        hvs_mount_list *l = calloc(1, sizeof *l);
        assert_non_null(l);
        assert_int_equal(lx_mounts_walk(f->kv, o, ns, max, l), 0);
        return l;
}

static void check_table(struct fx *f, const hvs_mount_list *l) {
        static const struct {
                const char *dev, *path, *fs;
                int32_t id, parent;
                bool ro;
        } want[NM] = {
                { "rootfs", "/", "rootfs", 1, 1, false },
                { "proc", "/proc", "proc", 20, 1, false },
                { "tmpfs", "/run", "tmpfs", 21, 1, false },
                { "/dev/vda", "/data", "ext4", 22, 1, true },
                { "tmp fs\n", "/run/ro", "tmpfs", 23, 21, true },
                { "none", "/data/pts", "devpts", 24, 22, false },
        };
        assert_false(l->truncated);
        assert_int_equal(l->n, NM);
        for (size_t i = 0; i < NM; i++) {
                const hvs_mount *m = &l->mounts[i];
                assert_int_equal(m->addr.v, f->m[i]);
                assert_string_equal(m->devname, want[i].dev);
                assert_string_equal(m->path, want[i].path);
                assert_string_equal(m->fstype, want[i].fs);
                assert_int_equal(m->id, want[i].id);
                assert_int_equal(m->parent_id, want[i].parent);
                assert_int_equal(m->readonly, want[i].ro);
                assert_int_equal(m->partial, 0);
                assert_int_equal(m->path_err, 0);
                assert_true(m->sb.v != 0 && m->root.v != 0);
        }
}

static void test_list(void **state) {
        struct fx *f = *state;
        uint64_t ns = fake_vfs_ns_list(f->fl, f->m, NM);
        hvs_mount_list *l = walk(f, &fake_mount_offsets_list, ns, 100);
        assert_int_equal(l->ns.v, ns);
        check_table(f, l);
        hvs_mount_list_free(l);
}

static void test_tree(void **state) {
        struct fx *f = *state;
        uint64_t ns = fake_vfs_ns_tree(f->fl, f->m, NM);
        hvs_mount_list *l = walk(f, &fake_mount_offsets_tree, ns, 100);
        check_table(f, l);
        hvs_mount_list_free(l);
        /* an empty tree */
        uint64_t empty = fake_vfs_ns_tree(f->fl, f->m, 0);
        l = walk(f, &fake_mount_offsets_tree, empty, 100);
        assert_false(l->truncated);
        assert_int_equal(l->n, 0);
        hvs_mount_list_free(l);
}

static void test_limits(void **state) {
        struct fx *f = *state;
        uint64_t ns = fake_vfs_ns_list(f->fl, f->m, NM);
        hvs_mount_list *l = walk(f, &fake_mount_offsets_list, ns, 4);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 4);
        hvs_mount_list_free(l);
        ns = fake_vfs_ns_tree(f->fl, f->m, NM);
        l = walk(f, &fake_mount_offsets_tree, ns, 4);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 4);
        assert_int_equal(l->mounts[3].addr.v, f->m[3]);
        hvs_mount_list_free(l);
        /* exactly max: complete */
        l = walk(f, &fake_mount_offsets_tree, ns, NM);
        assert_false(l->truncated);
        hvs_mount_list_free(l);
}

static void test_list_broken(void **state) {
        struct fx *f = *state;
        uint64_t ns = fake_vfs_ns_list(f->fl, f->m, NM);
        /* m[3].next -> m[1]: a cycle that never returns to the head */
        fake_linux_write_u64(f->fl, f->m[3] + FAKE_VFS_MOUNT_LIST, f->m[1] + FAKE_VFS_MOUNT_LIST);
        hvs_mount_list *l = walk(f, &fake_mount_offsets_list, ns, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_int_equal(l->n, 4);      /* each mount once */
        for (size_t i = 0; i < l->n; i++)
                assert_int_equal(l->mounts[i].addr.v, f->m[i]);
        hvs_mount_list_free(l);
        /* a broken link keeps what came before */
        fake_linux_write_u64(f->fl, f->m[3] + FAKE_VFS_MOUNT_LIST, UNMAPPED_KVA);
        l = walk(f, &fake_mount_offsets_list, ns, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_int_equal(l->n, 4);
        hvs_mount_list_free(l);
        /* the namespace itself unreadable */
        l = walk(f, &fake_mount_offsets_list, UNMAPPED_KVA, 1000);
        assert_true(l->truncated);
        assert_int_equal(l->n, 0);
        hvs_mount_list_free(l);
}

static void test_tree_broken(void **state) {
        struct fx *f = *state;
        uint64_t ns = fake_vfs_ns_tree(f->fl, f->m, NM);
        uint64_t root = 0;
        assert_int_equal(lx_read_u64(f->kv, ns, FAKE_VFS_NS_LIST, &root), 0);
        /* the root's left child points back at the root: too deep, or out of order */
        uint64_t saved = 0;
        assert_int_equal(lx_read_u64(f->kv, root, 16, &saved), 0);
        fake_linux_write_u64(f->fl, root + 16, root);
        hvs_mount_list *l = walk(f, &fake_mount_offsets_tree, ns, 100000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        hvs_mount_list_free(l);
        fake_linux_write_u64(f->fl, root + 16, saved);
        /* the last node's right child points at the root: keys stop increasing */
        uint64_t last = fake_vfs_rb_node(f->m[NM - 1]);
        fake_linux_write_u64(f->fl, last + 8, root);
        l = walk(f, &fake_mount_offsets_tree, ns, 100000);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_int_equal(l->n, NM);
        hvs_mount_list_free(l);
        /* the same cycle without mnt_id_unique: stopped by max_mounts */
        struct lx_mount_offsets o = fake_mount_offsets_tree;
        o.mount_id_unique = LX_ABSENT;
        l = walk(f, &o, ns, 50);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 50);
        hvs_mount_list_free(l);
        /* an unreadable child */
        fake_linux_write_u64(f->fl, last + 8, UNMAPPED_KVA);
        l = walk(f, &fake_mount_offsets_tree, ns, 100);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_int_equal(l->n, NM);
        hvs_mount_list_free(l);
}

static void test_partial_mount(void **state) {
        struct fx *f = *state;
        /* m[2]'s superblock and devname unreadable, its parent pointer too */
        fake_linux_write_u64(f->fl, fake_vfs_vfsmount(f->m[2]) + 8, UNMAPPED_KVA);
        fake_linux_write_u64(f->fl, f->m[2] + 0x70, UNMAPPED_KVA);
        uint64_t ns = fake_vfs_ns_list(f->fl, f->m, NM);
        hvs_mount_list *l = walk(f, &fake_mount_offsets_list, ns, 100);
        assert_false(l->truncated);
        assert_int_equal(l->n, NM);
        const hvs_mount *m = &l->mounts[2];
        assert_int_equal(m->partial, HVS_MOUNT_PARTIAL_DEVNAME | HVS_MOUNT_PARTIAL_FSTYPE | HVS_MOUNT_PARTIAL_FLAGS);
        assert_string_equal(m->devname, "");
        assert_string_equal(m->fstype, "");
        assert_string_equal(m->path, "/run");
        hvs_mount_list_free(l);
}

static void test_neither(void **state) {
        struct fx *f = *state;
        struct lx_mount_offsets o = fake_mount_offsets_tree;
        o.ns_mounts_size = 4;   /* 6.1's `mounts` is a count */
        hvs_mount_list *l = calloc(1, sizeof *l);
        assert_non_null(l);
        assert_int_equal(lx_mounts_walk(f->kv, &o, 0xffff888000100000ull, 10, l), -EOPNOTSUPP);
        hvs_mount_list_free(l);
}

static void test_alloc_failures(void **state) {
        struct fx *f = *state;
        uint64_t ns = fake_vfs_ns_tree(f->fl, f->m, NM);
        for (unsigned n = 0;; n++) {
                hvs_mount_list *l = calloc(1, sizeof *l);
                assert_non_null(l);
                hvs_test_fail_alloc_after(n);
                int r = lx_mounts_walk(f->kv, &fake_mount_offsets_tree, ns, 100, l);
                hvs_test_fail_alloc_after(UINT_MAX);
                size_t got = l->n;
                hvs_mount_list_free(l);
                if (r == 0) {
                        assert_int_equal(got, NM);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
        }
}

static void test_missing_btf_fields(void **state) {
        struct fx *f = *state;
        hvs_linux *k;
        hvs_mount_list *l = NULL;
        assert_int_equal(fake_linux_open(f->fl, NULL, &k), 0);
        assert_int_equal(hvs_linux_mounts(k, &l), -ENOENT);
        assert_null(l);
        assert_non_null(strstr(hvs_linux_errmsg(k), "file.f_path"));
        hvs_linux_close(k);
        assert_null(hvs_mount_list_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
                cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_broken, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tree_broken, setup, teardown),
                cmocka_unit_test_setup_teardown(test_partial_mount, setup, teardown),
                cmocka_unit_test_setup_teardown(test_neither, setup, teardown),
                cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_btf_fields, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
