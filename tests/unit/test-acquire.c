/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-acquire.c - memory and register acquisition without a VM:
 *  - the plan of an image (runs of data of sparse temporary "RAM files",
 *    small holes, the load cap, several RAM files);
 *  - images written from those files and read back by the ELF core backend
 *    (bytes, holes, vCPU notes in 64- and 32-bit form, the HVSCOPE note, the
 *    sidecar, SHA-256 checked independently, zstd);
 *  - the output's rules: never over an existing file, no .part left behind,
 *    a full disk (RLIMIT_FSIZE) reported as such;
 *  - the "info registers -a" parser on text from a real QEMU 7.2;
 *  - the whole consistent and live acquisition against a fake QEMU (a QMP
 *    server thread answering as QEMU 7.2 does, guest RAM in a sparse file):
 *    the guest is stopped and continued once, also when registers fail, when
 *    the caller cancels while it is stopped and when writing fails; a VM
 *    already stopped is left stopped; a VM that goes away is reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <hvscope/acquire.h>
#include "util/util.h"
#include "mem/acquire-internal.h"

/* ================================================================ helpers */

static char tmpdir[256];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st; (void)flag; (void)ftw;
        return remove(p);
}

static int dir_setup(void **state) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(tmpdir, sizeof tmpdir, "%s/hvs-test-acq.XXXXXX", base);
        if (!mkdtemp(tmpdir))
                return -1;
        (void)state;
        return 0;
}

static int dir_teardown(void **state) {
        (void)state;
        nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void path_in(char *buf, size_t cap, const char *name) { snprintf(buf, cap, "%s/%s", tmpdir, name); }

static bool exists(const char *name) {
        char p[512];
        path_in(p, sizeof p, name);
        return access(p, F_OK) == 0;
}

static uint8_t ram_byte(uint64_t off) { return (uint8_t)(off * 7 + (off >> 12) + 1); }

/* A sparse file of @size bytes with data (ram_byte) at the @n [off, off+len) runs. */
static int make_ram(const char *name, uint64_t size, const uint64_t (*runs)[2], size_t n) {
        char p[512];
        path_in(p, sizeof p, name);
        int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t)size), 0);
        for (size_t i = 0; i < n; i++) {
                uint8_t *b = malloc(runs[i][1]);
                for (uint64_t k = 0; k < runs[i][1]; k++)
                        b[k] = ram_byte(runs[i][0] + k);
                assert_int_equal(pwrite(fd, b, runs[i][1], (off_t)runs[i][0]), (ssize_t)runs[i][1]);
                free(b);
        }
        return fd;
}

/* Overwrite [off, off+len) of @name with random bytes (incompressible). */
static void randomize(const char *name, uint64_t off, size_t len) {
        char p[512];
        path_in(p, sizeof p, name);
        uint8_t *b = malloc(len);
        int u = open("/dev/urandom", O_RDONLY);
        assert_int_equal(read(u, b, len), (ssize_t)len);
        close(u);
        int fd = open(p, O_WRONLY);
        assert_int_equal(pwrite(fd, b, len, (off_t)off), (ssize_t)len);
        close(fd);
        free(b);
}

static void file_sha(const char *path, char *ret) {
        uint8_t *b = NULL;
        size_t n = 0;
        assert_int_equal(hvs_read_file(path, 1u << 30, &b, &n), 0);
        assert_int_equal(acq_sha256_hex(b, n, ret), 0);
        free(b);
}

static hvs_acq_vcpu vcpu64(uint32_t cpu) {
        hvs_acq_vcpu v = { .cpu = cpu, .long_mode = true, .efer = 0xd01, .cr0 = 0x80050033, .cr2 = 0x42,
                           .cr3 = 0x14604000 + cpu * 0x1000, .cr4 = 0x751ef0, .rip = 0xffffffff9d2592eb + cpu,
                           .rflags = 0x246, .gdt_base = 0xfffffe0000001000, .gdt_limit = 0x7f,
                           .idt_base = 0xfffffe0000000000, .idt_limit = 0xfff };
        for (int i = 0; i < 16; i++)
                v.gpr[i] = 0x1000 * (cpu + 1) + (uint64_t)i;
        v.seg[HVS_ACQ_CS] = (hvs_acq_seg){ .selector = 0x10, .limit = 0xffffffff, .flags = 0xaf9b00 };
        v.seg[HVS_ACQ_SS] = (hvs_acq_seg){ .selector = 0x18, .limit = 0xffffffff, .flags = 0xcf9300 };
        v.seg[HVS_ACQ_GS] = (hvs_acq_seg){ .base = 0xff25132adf000000 + cpu * 0x100000 };
        v.seg[HVS_ACQ_FS] = (hvs_acq_seg){ .base = 0x7f0000001000 };
        v.valid = HVS_ACQ_V_GPR | HVS_ACQ_V_SEG | HVS_ACQ_V_DT | HVS_ACQ_V_CR | HVS_ACQ_V_EFER;
        return v;
}

/* ================================================================ the plan */

#define MIB (1ull << 20)

static void test_plan_runs_and_small_holes(void **state) {
        (void)state;
        /* 8 MiB: 2 pages, a 16 KiB hole, 1 page (merged), a 1 MiB hole, 3 pages, the tail. */
        const uint64_t runs[][2] = { { 0, 0x2000 }, { 0x6000, 0x1000 }, { 0x107000, 0x3000 }, { 8 * MIB - 0x1000, 0x1000 } };
        int fd = make_ram("plan.ram", 8 * MIB, runs, 4);
        struct acq_source src = { .gpa = 0x100000000ull, .size = 8 * MIB, .fd = fd };
        struct acq_load *l = NULL;
        size_t n = 0;
        uint64_t bytes = 0;
        assert_int_equal(acq_plan(&src, 1, 0, 0, NULL, &l, &n, &bytes), 0);
        assert_int_equal(n, 3);
        assert_int_equal(l[0].gpa, 0x100000000ull);
        assert_int_equal(l[0].size, 0x7000);            /* the 16 KiB hole stays inside */
        assert_int_equal(l[1].gpa, 0x100107000ull);
        assert_int_equal(l[1].size, 0x3000);
        assert_int_equal(l[1].out_off, 0x7000);
        assert_int_equal(l[2].gpa, 0x100000000ull + 8 * MIB - 0x1000);
        assert_int_equal(bytes, 0x7000 + 0x3000 + 0x1000);
        free(l);
        /* With no merging at all, every run is a load. */
        assert_int_equal(acq_plan(&src, 1, 1, 0, NULL, &l, &n, &bytes), 0);
        assert_int_equal(n, 4);
        free(l);
        close(fd);
}

static void test_plan_guest_never_ran(void **state) {
        (void)state;
        int fd = make_ram("empty.ram", 4 * MIB, NULL, 0);
        struct acq_source src[2] = { { .gpa = 0, .size = 0xa0000, .fd = fd },
                                     { .gpa = 0x100000, .size = 3 * MIB, .fd = fd, .file_off = 0x100000 } };
        struct acq_load *l = NULL;
        size_t n = 0;
        uint64_t bytes = 0;
        assert_int_equal(acq_plan(src, 2, 0, 0, NULL, &l, &n, &bytes), 0);
        assert_int_equal(n, 1);                         /* one page of zeros: an image always has memory */
        assert_int_equal(l[0].gpa, 0);
        assert_int_equal(l[0].size, 4096);
        free(l);
        close(fd);
}

static void test_plan_caps_loads_and_keeps_sources_apart(void **state) {
        (void)state;
        /* 40 runs of one page, holes growing with i (so the smallest are known). */
        uint64_t runs[40][2];
        uint64_t off = 0;
        for (int i = 0; i < 40; i++) {
                runs[i][0] = off;
                runs[i][1] = 0x1000;
                off += 0x1000 + 0x100000 + (uint64_t)i * 0x1000;
        }
        uint64_t size = (off + MIB) & ~(MIB - 1);
        int fd = make_ram("many.ram", size, runs, 40);
        struct acq_source src = { .gpa = 0, .size = size, .fd = fd };
        struct acq_load *l = NULL;
        size_t n = 0;
        uint64_t bytes = 0;
        assert_int_equal(acq_plan(&src, 1, 0, 0, NULL, &l, &n, &bytes), 0);
        assert_int_equal(n, 40);
        free(l);
        assert_int_equal(acq_plan(&src, 1, 0, 10, NULL, &l, &n, &bytes), 0);
        assert_int_equal(n, 10);
        /* The 30 smallest holes (the first ones) were merged: the first load spans 31 runs. */
        assert_int_equal(l[0].gpa, 0);
        assert_int_equal(l[0].size, runs[30][0] + 0x1000);
        assert_int_equal(l[1].gpa, runs[31][0]);
        assert_int_equal(l[9].gpa, runs[39][0]);
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++)
                sum += l[i].size;
        assert_int_equal(sum, bytes);
        free(l);
        /* Two RAM ranges of the same file touching in the file: never one load. */
        struct acq_source two[2] = { { .gpa = 0, .size = runs[1][0], .fd = fd },
                                     { .gpa = 0x100000000ull, .size = size - runs[1][0], .fd = fd,
                                       .file_off = runs[1][0] } };
        assert_int_equal(acq_plan(two, 2, size, 1, NULL, &l, &n, &bytes), 0);
        assert_int_equal(n, 2);                         /* the cap cannot go below one load per range */
        assert_int_equal(l[0].gpa, 0);
        assert_int_equal(l[1].gpa, 0x100000000ull);
        assert_int_equal(l[1].src, 1);
        free(l);
        close(fd);
}

/* ================================================================ images read back */

static void expect_bytes(hvs_mem *m, uint64_t gpa, uint64_t file_off, size_t n) {
        uint8_t *b = malloc(n);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(gpa), b, n), 0);
        for (size_t i = 0; i < n; i++)
                if (b[i] != ram_byte(file_off + i))
                        fail_msg("gpa 0x%llx: byte %zu is %u, want %u", (unsigned long long)gpa, i, b[i],
                                 ram_byte(file_off + i));
        free(b);
}

/* The HVSCOPE note's text, found by walking the notes of @path. */
static char *hvscope_note(const char *path) {
        uint8_t *b = NULL;
        size_t n = 0;
        assert_int_equal(hvs_read_file(path, 1u << 30, &b, &n), 0);
        uint64_t off = hvs_le64(b + 64 + 8), len = hvs_le64(b + 64 + 32);
        assert_int_equal(hvs_le32(b + 64), PT_NOTE);
        char *out = NULL;
        for (uint64_t p = off; p + 12 <= off + len;) {
                uint32_t namesz = hvs_le32(b + p), descsz = hvs_le32(b + p + 4), type = hvs_le32(b + p + 8);
                const char *name = (const char *)b + p + 12;
                const char *desc = name + ((namesz + 3) & ~3u);
                if (type == HVS_ACQ_NOTE_TYPE && !strcmp(name, "HVSCOPE"))
                        out = strndup(desc, descsz);
                p += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
        }
        free(b);
        return out;
}

static void test_image_round_trip(void **state) {
        (void)state;
        const uint64_t runs[][2] = { { 0x1000, 0x3000 }, { 0x200000, 0x10000 }, { 0x500000, 0x1000 },
                                     { 0x800000 + 0x4000, 0x2000 } };
        int fd = make_ram("rt.ram", 0xa00000, runs, 4);
        /* Guest layout: [0, 6 MiB) at file 0, [4 GiB, +4 MiB) at file 6 MiB, like RAM above 4 GiB. */
        struct acq_source src[2] = { { .gpa = 0, .size = 0x600000, .fd = fd },
                                     { .gpa = 0x100000000ull, .size = 0x400000, .fd = fd, .file_off = 0x600000 } };
        hvs_acq_vcpu v[2] = { vcpu64(0), vcpu64(1) };
        char out[512];
        path_in(out, sizeof out, "rt.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        assert_int_equal(acq_image_from_sources(src, 2, v, 2, out, NULL, &d, &res), 0);
        assert_false(exists("rt.elf.part"));
        assert_true(exists("rt.elf.json"));
        assert_int_equal(res.n_loads, 4);
        assert_int_equal(res.ram_bytes, 0xa00000);
        assert_int_equal(res.data_bytes, 0x3000 + 0x10000 + 0x1000 + 0x2000);
        assert_int_equal(res.skipped_bytes, 0xa00000 - res.data_bytes);
        assert_true(res.smeared);                       /* written from files that could change */
        char sha[65];
        file_sha(out, sha);
        assert_string_equal(sha, res.sha256);
        assert_string_equal(res.sha256, res.image_sha256);
        struct stat st;
        assert_int_equal(stat(out, &st), 0);
        assert_int_equal((uint64_t)st.st_size, res.size);
        assert_int_equal(st.st_mode & 0777, 0600);      /* guest memory is nobody else's business */

        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_image(out, &d, &m), 0);
        size_t n;
        const hvs_mem_range *r = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 4);
        assert_int_equal(r[0].gpa, 0x1000);
        assert_int_equal(r[3].gpa, 0x100000000ull + 0x204000);
        expect_bytes(m, 0x1000, 0x1000, 0x3000);
        expect_bytes(m, 0x200000, 0x200000, 0x10000);
        expect_bytes(m, 0x100000000ull + 0x204000, 0x804000, 0x2000);
        uint8_t b[8];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x0), b, 8), -EFAULT);         /* a hole: not in the image */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x4000), b, 8), -EFAULT);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x100000000ull), b, 8), -EFAULT);
        const hvs_vcpu_regs *regs;
        size_t nv;
        assert_int_equal(hvs_mem_vcpus(m, &regs, &nv), 0);
        assert_int_equal(nv, 2);
        for (size_t i = 0; i < 2; i++) {
                assert_int_equal(regs[i].rip, v[i].rip);
                assert_int_equal(regs[i].rax, v[i].gpr[0]);
                assert_int_equal(regs[i].rsp, v[i].gpr[7]);
                assert_int_equal(regs[i].r15, v[i].gpr[15]);
                assert_int_equal(regs[i].cr3, v[i].cr3);
                assert_int_equal(regs[i].cr4, v[i].cr4);
                assert_int_equal(regs[i].gs_base, v[i].seg[HVS_ACQ_GS].base);
                assert_int_equal(regs[i].fs_base, 0x7f0000001000ull);
                assert_int_equal(regs[i].gdt_base, 0xfffffe0000001000ull);
                assert_int_equal(regs[i].idt_limit, 0xfff);
                assert_int_equal(regs[i].cpl, 0);
                assert_true(regs[i].valid & HVS_REG_CR);
                assert_false(regs[i].valid & HVS_REG_KGS);      /* QEMU does not show it: not claimed */
        }
        hvs_mem_close(m);

        char *note = hvscope_note(out);
        assert_non_null(note);
        assert_non_null(strstr(note, "\"mode\":\"live\""));
        assert_non_null(strstr(note, "\"smeared\":true"));
        assert_non_null(strstr(note, "\"tool\":\"hvscope\""));
        free(note);
        char side[512];
        path_in(side, sizeof side, "rt.elf.json");
        uint8_t *sj = NULL;
        size_t sl = 0;
        assert_int_equal(hvs_read_file(side, 1u << 20, &sj, &sl), 0);
        json_object *o = json_tokener_parse((char *)sj), *img, *v2;
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "image", &img));
        assert_true(json_object_object_get_ex(img, "sha256", &v2));
        assert_string_equal(json_object_get_string(v2), sha);
        assert_true(json_object_object_get_ex(o, "status", &v2));
        assert_string_equal(json_object_get_string(v2), "complete");
        json_object_put(o);
        free(sj);
        close(fd);
}

static void test_image_32bit_vcpu(void **state) {
        (void)state;
        const uint64_t runs[][2] = { { 0x7000, 0x1000 } };
        int fd = make_ram("r32.ram", MIB, runs, 1);
        struct acq_source src = { .gpa = 0, .size = MIB, .fd = fd };
        hvs_acq_vcpu v = { .cpu = 0, .rip = 0xfff0, .rflags = 2, .cr0 = 0x60000010 };
        v.gpr[0] = 0x11;
        v.gpr[7] = 0x6f94;
        v.seg[HVS_ACQ_CS] = (hvs_acq_seg){ .selector = 0xf000, .base = 0xffff0000, .limit = 0xffff, .flags = 0x9b00 };
        char out[512];
        path_in(out, sizeof out, "r32.elf");
        hvs_acq_result res;
        assert_int_equal(acq_image_from_sources(&src, 1, &v, 1, out, NULL, NULL, &res), 0);
        uint8_t hdr[64];
        int ofd = open(out, O_RDONLY);
        assert_int_equal(pread(ofd, hdr, sizeof hdr, 0), 64);
        close(ofd);
        assert_int_equal(hvs_le16(hdr + 18), EM_386);   /* vCPU 0 outside long mode, as QEMU writes it */
        assert_int_equal(hdr[EI_CLASS], ELFCLASS64);
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_elfcore(out, NULL, &m), 0);
        const hvs_vcpu_regs *regs;
        size_t nv;
        assert_int_equal(hvs_mem_vcpus(m, &regs, &nv), 0);
        assert_int_equal(nv, 1);
        assert_int_equal(regs[0].rip, 0xfff0);
        assert_int_equal(regs[0].rax, 0x11);
        assert_int_equal(regs[0].rsp, 0x6f94);
        assert_int_equal(regs[0].cr0, 0x60000010);
        expect_bytes(m, 0x7000, 0x7000, 0x1000);
        hvs_mem_close(m);
        close(fd);
}

static void test_image_zstd(void **state) {
        (void)state;
        const uint64_t runs[][2] = { { 0, 0x40000 }, { 0x300000, 0x80000 } };
        int fd = make_ram("z.ram", 4 * MIB, runs, 2);
        struct acq_source src = { .gpa = 0, .size = 4 * MIB, .fd = fd };
        hvs_acq_vcpu v = vcpu64(0);
        char out[512];
        path_in(out, sizeof out, "z.elf.zst");
        hvs_acq_result res;
        hvs_acq_opts o = { .sz = sizeof o, .compress = HVS_ACQ_COMPRESS_ZSTD, .threads = 2 };
        assert_int_equal(acq_image_from_sources(&src, 1, &v, 1, out, &o, NULL, &res), 0);
        char sha[65];
        file_sha(out, sha);
        assert_string_equal(sha, res.sha256);
        assert_string_not_equal(res.sha256, res.image_sha256);
        uint8_t *z = NULL;
        size_t zn = 0;
        assert_int_equal(hvs_read_file(out, 1u << 30, &z, &zn), 0);
        assert_int_equal(zn, res.size);
        unsigned long long content = ZSTD_getFrameContentSize(z, zn);
        assert_int_equal(content, res.image_size);      /* the frame says how large the ELF is */
        uint8_t *elf = malloc(content);
        assert_int_equal(ZSTD_decompress(elf, content, z, zn), content);
        assert_int_equal(acq_sha256_hex(elf, content, sha), 0);
        assert_string_equal(sha, res.image_sha256);
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_parse_elfcore(elf, content, NULL, &m), 0);
        expect_bytes(m, 0x300000, 0x300000, 0x80000);
        hvs_mem_close(m);
        /* hvscope --image says how to read it rather than "not a Linux guest". */
        hvs_diag d = { 0 };
        assert_int_equal(hvs_mem_open_image(out, &d, &m), -EOPNOTSUPP);
        assert_non_null(strstr(d.msg, "zstd -d"));
        free(elf);
        free(z);
        close(fd);
}

/* ================================================================ the output's rules */

static void test_output_never_replaces_or_leaves_parts(void **state) {
        (void)state;
        const uint64_t runs[][2] = { { 0, 0x1000 } };
        int fd = make_ram("o.ram", MIB, runs, 1);
        struct acq_source src = { .gpa = 0, .size = MIB, .fd = fd };
        char out[512], p[600];
        path_in(out, sizeof out, "o.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        FILE *f = fopen(out, "w");
        fputs("evidence", f);
        fclose(f);
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, out, NULL, &d, &res), -EEXIST);
        assert_non_null(strstr(d.msg, "--force"));
        assert_false(exists("o.elf.part"));
        struct stat st;
        assert_int_equal(stat(out, &st), 0);
        assert_int_equal(st.st_size, 8);                /* untouched */
        hvs_acq_opts o = { .sz = sizeof o, .force = true };
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, out, &o, &d, &res), 0);
        assert_int_equal(stat(out, &st), 0);
        assert_int_equal((uint64_t)st.st_size, res.size);
        /* A .part from an interrupted run is not silently overwritten. */
        snprintf(p, sizeof p, "%s/stale.elf.part", tmpdir);
        f = fopen(p, "w");
        fclose(f);
        path_in(out, sizeof out, "stale.elf");
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, out, NULL, &d, &res), -EEXIST);
        assert_non_null(strstr(d.msg, "did not finish"));
        assert_false(exists("stale.elf"));
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, out, &o, &d, &res), 0);
        assert_false(exists("stale.elf.part"));
        /* Missing directory, a file where a directory should be, a directory as output. */
        path_in(out, sizeof out, "nodir/x.elf");
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, out, NULL, &d, &res), -ENOENT);
        assert_non_null(strstr(d.msg, "does not exist"));
        path_in(out, sizeof out, "o.elf/x.elf");
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, out, NULL, &d, &res), -ENOTDIR);
        assert_int_equal(acq_image_from_sources(&src, 1, NULL, 0, tmpdir, NULL, &d, &res), -EISDIR);
        close(fd);
}

/* In a child: the file size limit makes writes fail with EFBIG (SIGXFSZ ignored). */
static int child_efbig(const char *name, bool compress, rlim_t limit) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                const uint64_t runs[][2] = { { 0, 2 * MIB } };
                int fd = make_ram(compress ? "fz.ram" : "f.ram", 4 * MIB, runs, 1);
                randomize(compress ? "fz.ram" : "f.ram", 0, 2 * MIB);
                struct acq_source src = { .gpa = 0, .size = 4 * MIB, .fd = fd };
                signal(SIGXFSZ, SIG_IGN);
                struct rlimit rl = { .rlim_cur = limit, .rlim_max = RLIM_INFINITY };
                setrlimit(RLIMIT_FSIZE, &rl);
                char out[512];
                path_in(out, sizeof out, name);
                hvs_acq_result res;
                hvs_diag d = { 0 };
                hvs_acq_opts o = { .sz = sizeof o, .compress = compress ? HVS_ACQ_COMPRESS_ZSTD : HVS_ACQ_COMPRESS_NONE };
                int r = acq_image_from_sources(&src, 1, NULL, 0, out, &o, &d, &res);
                bool said = strstr(d.msg, "too large") || strstr(d.msg, "room");
                _exit(r == -EFBIG && said ? 0 : 1);
        }
        int st = 0;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static void test_output_full_disk(void **state) {
        (void)state;
        /* Uncompressed: the reservation fails before anything is written. */
        assert_int_equal(child_efbig("big.elf", false, 1 * MIB), 0);
        assert_false(exists("big.elf"));
        assert_false(exists("big.elf.part"));
        assert_false(exists("big.elf.json"));
        /* zstd: no reservation (the size is not known), the write itself fails. */
        assert_int_equal(child_efbig("big.elf.zst", true, 4096), 0);
        assert_false(exists("big.elf.zst"));
        assert_false(exists("big.elf.zst.part"));
}

/* ================================================================ registers */

static const char regs_long_2cpu[] =
        "\r\nCPU#0\r\n"
        "RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000001 RDX=4000000000000000\r\n"
        "RSI=0000000000000083 RDI=000000000002f574 RBP=ffffffff9e21aa40 RSP=ffffffff9e203e98\r\n"
        "R8 =0000000000000000 R9 =00000000313b14ef R10=00000000000001ac R11=0000000000000001\r\n"
        "R12=0000000000000000 R13=0000000000000000 R14=0000000000000000 R15=0000000000014790\r\n"
        "RIP=ffffffff9d2592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
        "ES =0000 0000000000000000 00000000 00000000\r\n"
        "CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\r\n"
        "SS =0018 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\r\n"
        "DS =0000 0000000000000000 00000000 00000000\r\n"
        "FS =0000 0000000000000000 00000000 00000000\r\n"
        "GS =0000 ff25132adf000000 00000000 00000000\r\n"
        "LDT=0000 0000000000000000 00000000 00008200 DPL=0 LDT\r\n"
        "TR =0040 fffffe0000003000 00004087 00008900 DPL=0 TSS64-avl\r\n"
        "GDT=     fffffe0000001000 0000007f\r\n"
        "IDT=     fffffe0000000000 00000fff\r\n"
        "CR0=80050033 CR2=000000003b9b7398 CR3=0000000014604000 CR4=00751ef0\r\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\r\n"
        "EFER=0000000000000d01\r\n"
        "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\r\n"
        "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000\r\n"
        "YMM00=0000000000000000 0000000000000000 0000000000000004 0302000100008881\r\n"
        "\r\nCPU#1\r\n"
        "RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000001 RDX=4000000000000000\r\n"
        "RSI=0000000000000083 RDI=0000000000046944 RBP=ff25132ac1260000 RSP=ff44bbfd8009bed8\r\n"
        "R8 =0000000000000000 R9 =00000000313b14ef R10=0000000000000000 R11=0000000000000001\r\n"
        "R12=0000000000000001 R13=0000000000000000 R14=0000000000000000 R15=0000000000000000\r\n"
        "RIP=ffffffff9d2592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
        "ES =0000 0000000000000000 00000000 00000000\r\n"
        "CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\r\n"
        "SS =0018 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\r\n"
        "DS =0000 0000000000000000 00000000 00000000\r\n"
        "FS =0000 0000000000000000 00000000 00000000\r\n"
        "GS =0000 ff25132adf100000 00000000 00000000\r\n"
        "LDT=0000 0000000000000000 00000000 00008200 DPL=0 LDT\r\n"
        "TR =0040 fffffe000003e000 00004087 00008900 DPL=0 TSS64-avl\r\n"
        "GDT=     fffffe000003c000 0000007f\r\n"
        "IDT=     fffffe0000000000 00000fff\r\n"
        "CR0=80050033 CR2=000000000042ee70 CR3=000000001ff6a000 CR4=00751ee0\r\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\r\n"
        "EFER=0000000000000d01\r\n";

static const char regs_reset[] =
        "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1\r\n"
        "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\r\n"
        "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n"
        "ES =0000 00000000 0000ffff 00009300\r\n"
        "CS =f000 ffff0000 0000ffff 00009b00\r\n"
        "SS =0000 00000000 0000ffff 00009300\r\n"
        "DS =0000 00000000 0000ffff 00009300\r\n"
        "FS =0000 00000000 0000ffff 00009300\r\n"
        "GS =0000 00000000 0000ffff 00009300\r\n"
        "LDT=0000 00000000 0000ffff 00008200\r\n"
        "TR =0000 00000000 0000ffff 00008b00\r\n"
        "GDT=     00000000 0000ffff\r\n"
        "IDT=     00000000 0000ffff\r\n"
        "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\r\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\r\n"
        "CCS=00000000 CCD=00000000 CCO=EFLAGS\r\n"
        "EFER=0000000000000000\r\n";

static const char *extra(const hvs_acq_vcpu *v, const char *name) {
        for (size_t i = 0; i < v->n_extra; i++)
                if (!strcmp(v->extra[i].name, name))
                        return v->extra[i].value;
        return NULL;
}

static void test_regs_parse_long_mode(void **state) {
        (void)state;
        hvs_acq_regs *r = NULL;
        assert_int_equal(hvs_acq_regs_parse(regs_long_2cpu, NULL, &r), 0);
        assert_int_equal(r->n, 2);
        const hvs_acq_vcpu *c = &r->vcpus[1];
        assert_int_equal(c->cpu, 1);
        assert_true(c->long_mode);
        uint32_t want = HVS_ACQ_V_GPR | HVS_ACQ_V_SEG | HVS_ACQ_V_DT | HVS_ACQ_V_CR | HVS_ACQ_V_EFER | HVS_ACQ_V_DR |
                        HVS_ACQ_V_CPL;
        assert_int_equal(c->valid, want);
        assert_int_equal(c->gpr[5], 0x46944);           /* rdi */
        assert_int_equal(c->gpr[7], 0xff44bbfd8009bed8ull);     /* rsp */
        assert_int_equal(c->gpr[8], 0);                 /* "R8 =" */
        assert_int_equal(c->gpr[9], 0x313b14ef);
        assert_int_equal(c->gpr[12], 1);
        assert_int_equal(c->rip, 0xffffffff9d2592ebull);
        assert_int_equal(c->rflags, 0x246);
        assert_int_equal(c->cr3, 0x1ff6a000);
        assert_int_equal(c->cr4, 0x751ee0);
        assert_int_equal(c->efer, 0xd01);
        assert_int_equal(c->dr[6], 0xffff0ff0);
        assert_int_equal(c->dr[7], 0x400);
        assert_int_equal(c->seg[HVS_ACQ_CS].selector, 0x10);
        assert_int_equal(c->seg[HVS_ACQ_CS].flags, 0xaf9b00);
        assert_int_equal(c->seg[HVS_ACQ_CS].limit, 0xffffffff);
        assert_int_equal(c->seg[HVS_ACQ_GS].base, 0xff25132adf100000ull);
        assert_int_equal(c->seg[HVS_ACQ_TR].base, 0xfffffe000003e000ull);
        assert_int_equal(c->seg[HVS_ACQ_TR].limit, 0x4087);
        assert_int_equal(c->gdt_base, 0xfffffe000003c000ull);
        assert_int_equal(c->idt_limit, 0xfff);
        assert_int_equal(c->halted, 1);
        assert_int_equal(c->smm, 0);
        assert_int_equal(c->a20, 1);
        /* Everything else is kept as printed; decodings in brackets are not values. */
        c = &r->vcpus[0];
        assert_string_equal(extra(c, "MXCSR"), "00001f80");
        assert_string_equal(extra(c, "FSW"), "0000");
        assert_string_equal(extra(c, "FPR0"), "0000000000000000 0000");
        assert_string_equal(extra(c, "YMM00"), "0000000000000000 0000000000000000 0000000000000004 0302000100008881");
        assert_string_equal(extra(c, "II"), "0");
        assert_null(extra(c, "ST"));
        char *json = NULL;
        assert_int_equal(hvs_acq_regs_json(r, &json), 0);
        json_object *o = json_tokener_parse(json), *arr, *v0, *x;
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "vcpus", &arr));
        assert_int_equal(json_object_array_length(arr), 2);
        v0 = json_object_array_get_idx(arr, 1);
        assert_true(json_object_object_get_ex(v0, "cr3", &x));
        assert_string_equal(json_object_get_string(x), "0x000000001ff6a000");
        assert_true(json_object_object_get_ex(v0, "msrs", &x));
        assert_true(json_object_object_get_ex(x, "IA32_GS_BASE", &x));
        assert_string_equal(json_object_get_string(x), "0xff25132adf100000");
        json_object_put(o);
        free(json);
        hvs_acq_regs_free(r);
}

static void test_regs_parse_reset_and_errors(void **state) {
        (void)state;
        hvs_acq_regs *r = NULL;
        assert_int_equal(hvs_acq_regs_parse(regs_reset, NULL, &r), 0);
        assert_int_equal(r->n, 1);
        const hvs_acq_vcpu *c = &r->vcpus[0];
        assert_false(c->long_mode);
        assert_true(c->valid & HVS_ACQ_V_GPR);          /* 8 registers are all there is */
        assert_int_equal(c->gpr[3], 0x60fb1);
        assert_int_equal(c->rip, 0xfff0);
        assert_int_equal(c->seg[HVS_ACQ_CS].base, 0xffff0000);
        assert_int_equal(c->cr0, 0x60000010);
        assert_string_equal(extra(c, "CCO"), "EFLAGS");
        hvs_acq_regs_free(r);

        hvs_diag d = { 0 };
        assert_int_equal(hvs_acq_regs_parse("unknown command: 'info'\r\n", &d, &r), -EBADMSG);
        assert_non_null(strstr(d.msg, "no cpu state"));
        assert_int_equal(hvs_acq_regs_parse("CPU#0\nRAX=zz RIP=0\n", &d, &r), -EBADMSG);
        assert_int_equal(hvs_acq_regs_parse("CPU#x\n", &d, &r), -EBADMSG);
        assert_int_equal(hvs_acq_regs_parse("CPU#0\nCS =0010 0 ffffffffff 0\nRIP=1\n", &d, &r), -EBADMSG);
        assert_int_equal(hvs_acq_regs_parse("CPU#0\nRIP=1 CPL=4\n", &d, &r), -EBADMSG);
        /* Limits: vCPUs and extra registers. */
        size_t cap = (size_t)(HVS_MAX_VCPUS + 1) * 16 + 1;
        char *big = malloc(cap), *p = big;
        for (unsigned i = 0; i <= HVS_MAX_VCPUS; i++)
                p += snprintf(p, cap - (size_t)(p - big), "CPU#%u\nRIP=1\n", i);
        assert_int_equal(hvs_acq_regs_parse(big, &d, &r), -E2BIG);
        free(big);
        cap = (HVS_ACQ_MAX_REG_EXTRA + 1) * 16 + 16;
        big = malloc(cap);
        p = big + snprintf(big, cap, "RIP=1\n");
        for (unsigned i = 0; i <= HVS_ACQ_MAX_REG_EXTRA; i++)
                p += snprintf(p, cap - (size_t)(p - big), "X%u=1\n", i);
        assert_int_equal(hvs_acq_regs_parse(big, &d, &r), -E2BIG);
        free(big);
}

/* ================================================================ a fake QEMU */

struct fake {
        char sock[300];
        char ram[300];
        int lfd, cfd;
        pthread_t th;
        bool running;
        int stops, conts;
        bool fail_regs;                 /* "info registers" answers an error */
        bool die_on_cont;               /* close the connection instead of continuing */
        int64_t now_us;
};

#define FAKE_RAM (4 * MIB)

static void srv_send(struct fake *f, const char *s) {
        size_t n = strlen(s);
        while (n > 0) {
                ssize_t k = send(f->cfd, s, n, MSG_NOSIGNAL);
                if (k <= 0)
                        return;
                s += k;
                n -= (size_t)k;
        }
}

static void srv_return(struct fake *f, json_object *id, json_object *ret) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "return", ret ? ret : json_object_new_object());
        if (id)
                json_object_object_add(o, "id", json_object_get(id));
        srv_send(f, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        srv_send(f, "\r\n");
        json_object_put(o);
}

static void srv_event(struct fake *f, const char *name) {
        char b[160];
        f->now_us += 12345;             /* 12.345 ms between events */
        snprintf(b, sizeof b, "{\"timestamp\": {\"seconds\": %lld, \"microseconds\": %lld}, \"event\": \"%s\"}\r\n",
                 (long long)(f->now_us / 1000000), (long long)(f->now_us % 1000000), name);
        srv_send(f, b);
}

static const char fake_mtree[] =
        "FlatView #0\n"
        " AS \"memory\", root: system\n"
        " Root memory region: system\n"
        "  0000000000000000-000000000009ffff (prio 0, ram): mem\n"
        "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\n"
        "  0000000000100000-00000000003fffff (prio 0, ram): mem @0000000000100000\n";

static void handle(struct fake *f, const char *cmd, json_object *args, json_object *id) {
        json_object *jp = NULL, *jprop = NULL, *jcl = NULL;
        const char *path = "", *prop = "", *cl = "";
        if (args) {
                if (json_object_object_get_ex(args, "path", &jp))
                        path = json_object_get_string(jp);
                if (json_object_object_get_ex(args, "property", &jprop))
                        prop = json_object_get_string(jprop);
                if (json_object_object_get_ex(args, "command-line", &jcl))
                        cl = json_object_get_string(jcl);
        }
        if (!strcmp(cmd, "qom-get") && !strcmp(path, "/machine") && !strcmp(prop, "memory-backend"))
                srv_return(f, id, json_object_new_string("/objects/mem"));
        else if (!strcmp(cmd, "qom-get") && !strcmp(path, "/objects/mem") && !strcmp(prop, "type"))
                srv_return(f, id, json_object_new_string("memory-backend-file"));
        else if (!strcmp(cmd, "qom-get") && !strcmp(prop, "share"))
                srv_return(f, id, json_object_new_boolean(true));
        else if (!strcmp(cmd, "qom-get") && !strcmp(prop, "size"))
                srv_return(f, id, json_object_new_int64((int64_t)FAKE_RAM));
        else if (!strcmp(cmd, "qom-get") && !strcmp(prop, "mem-path"))
                srv_return(f, id, json_object_new_string(f->ram));
        else if (!strcmp(cmd, "qom-get") && !strcmp(prop, "apic-id"))
                srv_return(f, id, json_object_new_int(strstr(path, "[2]") ? 1 : 0));
        else if (!strcmp(cmd, "human-monitor-command") && !strcmp(cl, "info mtree -f"))
                srv_return(f, id, json_object_new_string(fake_mtree));
        else if (!strcmp(cmd, "human-monitor-command") && !strncmp(cl, "info registers", 14))
                srv_return(f, id, json_object_new_string(f->fail_regs ? "unknown command: 'info'\r\n" : regs_long_2cpu));
        else if (!strcmp(cmd, "human-monitor-command") && !strncmp(cl, "info lapic ", 11)) {
                char t[160];
                snprintf(t, sizeof t, "dumping local APIC state for CPU %s\r\nISR\t (none)\r\n\r\nAPR 0x00 TPR 0x%s "
                         "DFR 0x0f LDR 0x00 PPR 0x00\r\n", cl + 11, cl[11] == '1' ? "20" : "00");
                srv_return(f, id, json_object_new_string(t));
        } else if (!strcmp(cmd, "query-cpus-fast")) {
                srv_return(f, id, json_tokener_parse(
                        "[{\"thread-id\": 4242, \"props\": {\"core-id\": 0, \"thread-id\": 0, \"socket-id\": 0}, "
                        "\"qom-path\": \"/machine/unattached/device[0]\", \"cpu-index\": 0, \"target\": \"x86_64\"}, "
                        "{\"thread-id\": 4243, \"props\": {\"core-id\": 1, \"thread-id\": 0, \"socket-id\": 0}, "
                        "\"qom-path\": \"/machine/unattached/device[2]\", \"cpu-index\": 1, \"target\": \"x86_64\"}]"));
        } else if (!strcmp(cmd, "query-kvm"))
                srv_return(f, id, json_tokener_parse("{\"enabled\": false, \"present\": true}"));
        else if (!strcmp(cmd, "query-name"))
                srv_return(f, id, json_tokener_parse("{\"name\": \"fake-guest\"}"));
        else if (!strcmp(cmd, "query-uuid"))
                srv_return(f, id, json_tokener_parse("{\"UUID\": \"5a0e9b4e-1111-2222-3333-444455556666\"}"));
        else if (!strcmp(cmd, "query-status")) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "running", json_object_new_boolean(f->running));
                json_object_object_add(o, "status", json_object_new_string(f->running ? "running" : "paused"));
                srv_return(f, id, o);
        } else if (!strcmp(cmd, "stop")) {
                if (f->running)
                        srv_event(f, "STOP");
                f->running = false;
                f->stops++;
                srv_return(f, id, NULL);
        } else if (!strcmp(cmd, "cont")) {
                if (f->die_on_cont) {
                        shutdown(f->cfd, SHUT_RDWR);
                        return;
                }
                if (!f->running)
                        srv_event(f, "RESUME");
                f->running = true;
                f->conts++;
                srv_return(f, id, NULL);
        } else {
                char b[200];
                snprintf(b, sizeof b, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no %s\"}", cmd);
                srv_send(f, b);
                srv_send(f, id ? ", \"id\": " : "");
                srv_send(f, id ? json_object_to_json_string(id) : "");
                srv_send(f, "}\r\n");
        }
}

static void *srv_main(void *arg) {
        struct fake *f = arg;
        f->cfd = accept(f->lfd, NULL, NULL);
        if (f->cfd < 0)
                return NULL;
        srv_send(f, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                    "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\r\n");
        static __thread char buf[1 << 16];
        size_t len = 0;
        for (;;) {
                ssize_t k = recv(f->cfd, buf + len, sizeof buf - 1 - len, 0);
                if (k <= 0)
                        break;
                len += (size_t)k;
                buf[len] = '\0';
                char *nl;
                while ((nl = strchr(buf, '\n'))) {
                        *nl = '\0';
                        json_object *req = json_tokener_parse(buf), *ex = NULL, *args = NULL, *id = NULL;
                        if (req) {
                                json_object_object_get_ex(req, "execute", &ex);
                                json_object_object_get_ex(req, "arguments", &args);
                                json_object_object_get_ex(req, "id", &id);
                        }
                        const char *cmd = ex ? json_object_get_string(ex) : "";
                        if (!strcmp(cmd, "qmp_capabilities"))
                                srv_return(f, id, NULL);
                        else
                                handle(f, cmd, args, id);
                        json_object_put(req);
                        size_t used = (size_t)(nl - buf) + 1;
                        memmove(buf, nl + 1, len - used + 1);
                        len -= used;
                }
        }
        close(f->cfd);
        f->cfd = -1;
        return NULL;
}

static int fake_setup(void **state) {
        if (dir_setup(state) < 0)
                return -1;
        struct fake *f = calloc(1, sizeof *f);
        snprintf(f->sock, sizeof f->sock, "%s/qmp.sock", tmpdir);
        snprintf(f->ram, sizeof f->ram, "%s/guest.ram", tmpdir);
        f->running = true;
        f->now_us = 1795324240000000ll;
        f->cfd = -1;
        f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(f->sock) >= sizeof sa.sun_path)
                return -1;
        memcpy(sa.sun_path, f->sock, strlen(f->sock) + 1);
        if (bind(f->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(f->lfd, 4) < 0)
                return -1;
        if (pthread_create(&f->th, NULL, srv_main, f) != 0)
                return -1;
        *state = f;
        return 0;
}

static int fake_teardown(void **state) {
        struct fake *f = *state;
        shutdown(f->lfd, SHUT_RDWR);
        if (f->cfd >= 0)
                shutdown(f->cfd, SHUT_RDWR);
        pthread_join(f->th, NULL);
        close(f->lfd);
        free(f);
        return dir_teardown(state);
}

/* Guest RAM: data at file 0x1000 (gpa 0x1000), 0x100000 (gpa 0x100000), 0x3ff000 (gpa 0x3ff000). */
static hvs_mem *fake_open(struct fake *f) {
        const uint64_t runs[][2] = { { 0x1000, 0x2000 }, { 0x100000, 0x20000 }, { 0x3ff000, 0x1000 } };
        char name[64];
        snprintf(name, sizeof name, "guest.ram");
        close(make_ram(name, FAKE_RAM, runs, 3));
        hvs_mem *m = NULL;
        hvs_diag d = { 0 };
        int r = hvs_mem_open_qemu(f->sock, &HVS_OPTS(hvs_mem_qemu_opts, .timeout_ms = 2000), &d, &m);
        if (r < 0)
                fail_msg("open fake vm: %s", d.msg);
        return m;
}

/* Progress of a consistent acquisition: until it is complete, neither the
 * image nor its sidecar is under its final name. */
struct watch {
        unsigned calls, phases;
        bool seen_final;
};

static int watch_names(void *ud, enum hvs_acq_phase ph, uint64_t done, uint64_t total) {
        struct watch *w = ud;
        (void)done;
        (void)total;
        w->calls++;
        w->phases |= 1u << ph;
        if (exists("vm.elf") || exists("vm.elf.json"))
                w->seen_final = true;
        return 0;
}

static void test_consistent_acquisition(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        char out[512];
        path_in(out, sizeof out, "vm.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        struct watch w = { 0 };
        int r = hvs_acq_memory(m, out, &HVS_OPTS(hvs_acq_opts, .progress = watch_names, .progress_data = &w), &d,
                               &res);
        if (r < 0)
                fail_msg("acquire: %s", d.msg);
        assert_false(w.seen_final);
        assert_int_equal(w.phases, (1u << HVS_ACQ_PHASE_PREPARE) | (1u << HVS_ACQ_PHASE_PAUSED) |
                                           (1u << HVS_ACQ_PHASE_WRITE) | (1u << HVS_ACQ_PHASE_SYNC));
        assert_true(exists("vm.elf") && exists("vm.elf.json") && !exists("vm.elf.part"));
        assert_int_equal(f->stops, 1);
        assert_int_equal(f->conts, 1);
        assert_true(f->running);
        assert_int_equal(res.downtime_ns, 12345000);    /* from the event timestamps */
        assert_false(res.smeared);
        assert_false(res.vm_was_paused);
        assert_string_equal(res.vm_name, "fake-guest");
        assert_string_equal(res.vm_uuid, "5a0e9b4e-1111-2222-3333-444455556666");
        assert_string_equal(res.qemu_version, "7.2.22");
        assert_int_equal(res.n_vcpus, 2);
        assert_int_equal(res.n_loads, 3);
        assert_int_equal(res.ram_bytes, 0xa0000 + 0x300000);
        char sha[65];
        file_sha(out, sha);
        assert_string_equal(sha, res.sha256);
        hvs_mem *img = NULL;
        assert_int_equal(hvs_mem_open_elfcore(out, &d, &img), 0);
        expect_bytes(img, 0x1000, 0x1000, 0x2000);
        expect_bytes(img, 0x100000, 0x100000, 0x20000);
        expect_bytes(img, 0x3ff000, 0x3ff000, 0x1000);
        const hvs_vcpu_regs *regs;
        size_t nv;
        assert_int_equal(hvs_mem_vcpus(img, &regs, &nv), 0);
        assert_int_equal(nv, 2);
        assert_int_equal(regs[1].cr3, 0x1ff6a000);
        assert_int_equal(regs[1].gs_base, 0xff25132adf100000ull);
        hvs_mem_close(img);
        /* The note is final while the guest is stopped: the stop's time is in
         * it, the resume's and the downtime only in the sidecar. */
        char *note = hvscope_note(out);
        assert_non_null(strstr(note, "\"mode\":\"consistent\""));
        assert_non_null(strstr(note, "\"paused_ns\":"));
        assert_null(strstr(note, "\"resumed"));
        assert_null(strstr(note, "\"downtime_ns\""));
        free(note);
        /* The sidecar's hash is the file's, computed here independently (the
         * image's hash was started while the guest was stopped). */
        char side[512];
        path_in(side, sizeof side, "vm.elf.json");
        uint8_t *sj = NULL;
        size_t sl = 0;
        assert_int_equal(hvs_read_file(side, 1u << 20, &sj, &sl), 0);
        json_object *o = json_tokener_parse((char *)sj), *im, *v;
        assert_non_null(o);
        assert_true(json_object_object_get_ex(o, "image", &im));
        assert_true(json_object_object_get_ex(im, "sha256", &v));
        assert_string_equal(json_object_get_string(v), sha);
        assert_true(json_object_object_get_ex(im, "uncompressed_sha256", &v));
        assert_string_equal(json_object_get_string(v), sha);
        assert_true(json_object_object_get_ex(o, "downtime_ns", &v));
        assert_int_equal(json_object_get_int64(v), 12345000);
        assert_true(json_object_object_get_ex(o, "resumed_ns", &v));
        assert_true(json_object_get_int64(v) > 0);
        json_object_put(o);
        free(sj);
        /* Registers on their own, with CR8 from the APIC's TPR and the vCPU threads. */
        hvs_acq_regs *rg = NULL;
        assert_int_equal(hvs_acq_registers(m, true, &d, &rg), 0);
        assert_int_equal(f->stops, 2);
        assert_int_equal(f->conts, 2);
        assert_true(rg->paused);
        assert_int_equal(rg->downtime_ns, 12345000);
        assert_int_equal(rg->vcpus[1].thread_id, 4243);
        assert_int_equal(rg->vcpus[1].cr8, 2);
        assert_true(rg->vcpus[1].valid & HVS_ACQ_V_CR8);
        assert_int_equal(rg->vcpus[0].apic_id, 0);
        hvs_acq_regs_free(rg);
        hvs_mem_close(m);
}

static void test_live_acquisition(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        char out[512];
        path_in(out, sizeof out, "live.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        int r = hvs_acq_memory(m, out, &HVS_OPTS(hvs_acq_opts, .mode = HVS_ACQ_LIVE), &d, &res);
        if (r < 0)
                fail_msg("acquire: %s", d.msg);
        assert_int_equal(f->stops, 0);                  /* never stopped */
        assert_true(res.smeared);
        assert_int_equal(res.downtime_ns, 0);
        hvs_mem *img = NULL;
        assert_int_equal(hvs_mem_open_elfcore(out, &d, &img), 0);
        expect_bytes(img, 0x100000, 0x100000, 0x20000);
        hvs_mem_close(img);
        char *note = hvscope_note(out);
        assert_non_null(strstr(note, "\"smeared\":true"));
        free(note);
        hvs_mem_close(m);
}

static void test_error_while_stopped_resumes(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        char out[512];
        path_in(out, sizeof out, "bad.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        f->fail_regs = true;
        assert_int_equal(hvs_acq_memory(m, out, NULL, &d, &res), -EBADMSG);
        assert_int_equal(f->stops, 1);
        assert_int_equal(f->conts, 1);
        assert_true(f->running);
        assert_false(exists("bad.elf"));
        assert_false(exists("bad.elf.part"));
        assert_false(exists("bad.elf.json"));
        hvs_mem_close(m);
}

static int cancel_when_copied(void *ud, enum hvs_acq_phase ph, uint64_t done, uint64_t total) {
        struct fake *f = ud;
        return ph == HVS_ACQ_PHASE_PAUSED && total > 0 && done == total && !f->running;
}

static void test_cancel_while_stopped_resumes(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        char out[512];
        path_in(out, sizeof out, "cancel.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_acq_memory(m, out, &HVS_OPTS(hvs_acq_opts, .progress = cancel_when_copied,
                                                          .progress_data = f), &d, &res),
                         -ECANCELED);
        assert_int_equal(f->stops, 1);
        assert_int_equal(f->conts, 1);
        assert_true(f->running);
        assert_false(exists("cancel.elf.part"));
        assert_false(exists("cancel.elf"));
        hvs_mem_close(m);
}

static void test_already_stopped_is_left_stopped(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        f->running = false;
        char out[512];
        path_in(out, sizeof out, "paused.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_acq_memory(m, out, NULL, &d, &res), 0);
        assert_true(res.vm_was_paused);
        assert_int_equal(res.downtime_ns, -1);          /* not ours to count */
        assert_int_equal(f->conts, 0);
        assert_false(f->running);
        hvs_mem_close(m);
}

static void test_write_failure_after_resume(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        randomize("guest.ram", 0x100000, 0x20000);      /* incompressible: the limit is hit */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* The fake server runs in the parent: this child talks to it over the same connection. */
                signal(SIGXFSZ, SIG_IGN);
                struct rlimit rl = { .rlim_cur = 8192, .rlim_max = RLIM_INFINITY };
                setrlimit(RLIMIT_FSIZE, &rl);
                char out[512];
                path_in(out, sizeof out, "full.elf.zst");
                hvs_acq_result res;
                hvs_diag d = { 0 };
                int r = hvs_acq_memory(m, out, &HVS_OPTS(hvs_acq_opts, .compress = HVS_ACQ_COMPRESS_ZSTD), &d, &res);
                _exit(r == -EFBIG && strstr(d.msg, "too large") ? 0 : 1);
        }
        int st = 0;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_int_equal(f->stops, 1);
        assert_int_equal(f->conts, 1);                  /* the guest ran again before the write failed */
        assert_true(f->running);
        assert_false(exists("full.elf.zst"));
        assert_false(exists("full.elf.zst.part"));
        hvs_mem_close(m);
}

static void test_vm_gone_on_cont(void **state) {
        struct fake *f = *state;
        hvs_mem *m = fake_open(f);
        f->die_on_cont = true;
        char out[512];
        path_in(out, sizeof out, "gone.elf");
        hvs_acq_result res;
        hvs_diag d = { 0 };
        int r = hvs_acq_memory(m, out, NULL, &d, &res);
        assert_true(r < 0);
        assert_non_null(strstr(d.msg, "continue"));
        assert_false(exists("gone.elf"));
        assert_false(exists("gone.elf.part"));
        hvs_mem_close(m);
}

static void test_not_a_live_vm(void **state) {
        (void)state;
        static uint8_t buf[8192];
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer(buf, sizeof buf, &m), 0);
        hvs_acq_result res;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_acq_memory(m, "/nonexistent/x.elf", NULL, &d, &res), -EOPNOTSUPP);
        hvs_acq_regs *r = NULL;
        assert_int_equal(hvs_acq_registers(m, false, &d, &r), -EOPNOTSUPP);
        assert_int_equal(hvs_acq_memory(m, "/x", &HVS_OPTS(hvs_acq_opts, .mode = (enum hvs_acq_mode)7), &d, &res),
                         -EINVAL);
        hvs_mem_close(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_plan_runs_and_small_holes, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_plan_guest_never_ran, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_plan_caps_loads_and_keeps_sources_apart, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_image_round_trip, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_image_32bit_vcpu, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_image_zstd, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_output_never_replaces_or_leaves_parts, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_output_full_disk, dir_setup, dir_teardown),
                cmocka_unit_test(test_regs_parse_long_mode),
                cmocka_unit_test(test_regs_parse_reset_and_errors),
                cmocka_unit_test_setup_teardown(test_consistent_acquisition, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_live_acquisition, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_error_while_stopped_resumes, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cancel_while_stopped_resumes, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_already_stopped_is_left_stopped, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_write_failure_after_resume, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_vm_gone_on_cont, fake_setup, fake_teardown),
                cmocka_unit_test(test_not_a_live_vm),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
