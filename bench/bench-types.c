/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-types - the symbols layer's costs:
 *   - kallsyms recovery from 512 MiB of guest RAM, with the tables at the top
 *     (a full scan) and with a hint window (what a session does after finding
 *     the banner); on the lab kernel image when there is one, and always on
 *     94,000 synthetic symbols;
 *   - BTF parse (the lab kernel's .BTF when there is one);
 *   - profile save, and a warm start: load + 10 symbols + 20 memoized fields,
 *     against a cold start (recovery + BTF parse).
 *
 * Usage: bench-types [VMLINUX]   (default $HVS_VMLINUX, else lab/out/<kver>/vmlinux
 * relative to the source tree; skipped parts are said so).
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <hvscope/types.h>
#include "fake_kallsyms.h"

#define RAM (512u << 20)
#define NSYMS 94000u
#define TEXT 0xffffffff9a000000ull
#define REPEAT 20

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
        qsort(v, (size_t)n, sizeof *v, cmp_d);
        return v[n / 2];
}

/* 512 MiB that is not all zero, so the scan does real work. */
static uint8_t *make_ram(void) {
        uint8_t *ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (ram == MAP_FAILED)
                exit(1);
        uint64_t x = 88172645463325252ull;
        for (size_t i = 0; i < RAM; i += 8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                memcpy(ram + i, &x, 8);
        }
        return ram;
}

static void bench_recover(const char *what, uint8_t *ram, uint64_t lo, uint64_t hi, hvs_ksyms **keep) {
        hvs_mem *m;
        if (hvs_mem_open_buffer(ram, RAM, &m) < 0)
                exit(1);
        double full[3], hint[3];
        hvs_ksyms *k = NULL;
        hvs_diag d = { 0 };
        for (int i = 0; i < 3; i++) {
                double t0 = now_ms();
                int r = hvs_ksyms_recover(m, 0, 0, &d, &k, NULL);
                full[i] = now_ms() - t0;
                if (r < 0) {
                        printf("%s: recovery failed: %s\n", what, d.msg);
                        exit(1);
                }
                if (i < 2)
                        k = hvs_ksyms_free(k);
        }
        for (int i = 0; i < 3; i++) {
                hvs_ksyms *k2 = NULL;
                double t0 = now_ms();
                if (hvs_ksyms_recover(m, lo, hi, &d, &k2, NULL) < 0)
                        exit(1);
                hint[i] = now_ms() - t0;
                hvs_ksyms_free(k2);
        }
        printf("%-34s %6zu symbols  full scan of 512 MiB %7.1f ms   hint window %6.1f ms\n", what,
               hvs_ksyms_count(k), median(full, 3), median(hint, 3));
        double t0 = now_ms();
        hvs_ksym s;
        int r = hvs_ksyms_find(k, "init_task", &s);
        double t1 = now_ms();
        for (int i = 0; i < 1000; i++)
                r |= hvs_ksyms_find(k, "linux_banner", &s);
        double t2 = now_ms();
        printf("%-34s first find (builds the index) %.2f ms, then %.0f ns per find%s\n", "", t1 - t0,
               (t2 - t1) * 1e3, r ? " (MISSING SYMBOLS)" : "");
        hvs_mem_close(m);
        if (keep)
                *keep = k;
        else
                hvs_ksyms_free(k);
}

/* Load a kernel image's PT_LOAD segments at p_paddr + @shift; return the image's top. */
static int place_vmlinux(const char *path, uint8_t *ram, uint64_t shift, uint64_t *ret_lo, uint64_t *ret_hi,
                         const uint8_t **ret_btf, size_t *ret_btf_len) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
                return -1;
        struct stat st;
        fstat(fd, &st);
        const uint8_t *f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (f == MAP_FAILED || memcmp(f, ELFMAG, SELFMAG) != 0)
                return -1;
        const Elf64_Ehdr *eh = (const void *)f;
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int i = 0; i < eh->e_phnum; i++) {
                const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff + (size_t)i * eh->e_phentsize);
                if (ph->p_type != PT_LOAD)
                        continue;
                if (ph->p_paddr + shift + ph->p_memsz > RAM)
                        return -1;
                memcpy(ram + ph->p_paddr + shift, f + ph->p_offset, ph->p_filesz);
                memset(ram + ph->p_paddr + shift + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
                lo = ph->p_paddr + shift < lo ? ph->p_paddr + shift : lo;
                hi = ph->p_paddr + shift + ph->p_memsz > hi ? ph->p_paddr + shift + ph->p_memsz : hi;
        }
        const Elf64_Shdr *sh = (const void *)(f + eh->e_shoff);
        const char *names = (const char *)f + sh[eh->e_shstrndx].sh_offset;
        for (int i = 0; i < eh->e_shnum; i++)
                if (strcmp(names + sh[i].sh_name, ".BTF") == 0) {
                        *ret_btf = f + sh[i].sh_offset;
                        *ret_btf_len = sh[i].sh_size;
                }
        *ret_lo = lo;
        *ret_hi = hi;
        return 0;
}

static const char *const warm_syms[10] = { "_text", "init_task", "linux_banner", "__start_BTF", "__stop_BTF",
                                           "page_offset_base", "init_top_pgt", "startup_64", "_stext",
                                           "__per_cpu_start" };
static const char *const warm_fields[20][2] = {
        { "task_struct", "pid" },      { "task_struct", "tgid" },      { "task_struct", "tasks" },
        { "task_struct", "comm" },     { "task_struct", "__state" },   { "task_struct", "mm" },
        { "task_struct", "cred" },     { "task_struct", "real_parent" }, { "task_struct", "thread_group" },
        { "task_struct", "start_time" }, { "cred", "uid.val" },        { "cred", "gid.val" },
        { "cred", "euid.val" },        { "mm_struct", "pgd" },         { "mm_struct", "arg_start" },
        { "mm_struct", "arg_end" },    { "mm_struct", "env_start" },   { "mm_struct", "exe_file" },
        { "list_head", "next" },       { "file", "f_path" },
};

static void bench_profile(hvs_ksyms *k, hvs_btf *b, const char *banner) {
        char dir[] = "/tmp/hvs-bench-types-XXXXXX";
        if (!mkdtemp(dir))
                exit(1);
        char path[128];
        snprintf(path, sizeof path, "%s/p.prof", dir);
        hvs_ksym text;
        if (hvs_ksyms_find(k, "_text", &text) < 0)
                exit(1);
        hvs_profile *p;
        size_t nsyms = hvs_ksyms_count(k);
        if (hvs_profile_new(banner, k, text.addr, b, &p) < 0)
                exit(1);
        uint32_t off, size;
        int found = 0;
        for (int i = 0; i < 20; i++)
                found += hvs_profile_field(p, warm_fields[i][0], warm_fields[i][1], &off, &size) == 0;
        double t0 = now_ms();
        if (hvs_profile_save(p, path, NULL) < 0)
                exit(1);
        double t1 = now_ms();
        hvs_profile_free(p);
        struct stat st;
        stat(path, &st);
        printf("profile save: %zu symbols, %d/20 fields memoized, BTF %s: %.1f ms, %.1f MiB\n", nsyms, found,
               b ? "included" : "absent", t1 - t0, (double)st.st_size / (1 << 20));

        double load[REPEAT], warm[REPEAT];
        for (int i = 0; i < REPEAT; i++) {
                double a = now_ms();
                hvs_diag d = { 0 };
                if (hvs_profile_load(path, banner, &d, &p) < 0) {
                        printf("load failed: %s\n", d.msg);
                        exit(1);
                }
                double bt = now_ms();
                uint64_t va;
                for (int j = 0; j < 10; j++)
                        (void)hvs_profile_symbol(p, warm_syms[j], &va);
                for (int j = 0; j < 20; j++)
                        (void)hvs_profile_field(p, warm_fields[j][0], warm_fields[j][1], &off, &size);
                double c = now_ms();
                hvs_profile_free(p);
                load[i] = bt - a;
                warm[i] = c - a;
        }
        double mw = median(warm, REPEAT), ml = median(load, REPEAT);
        printf("profile warm start (load + 10 symbols + 20 fields): median %.3f ms (load alone %.3f ms), min %.3f ms\n",
               mw, ml, warm[0]);
        unlink(path);
        rmdir(dir);
}

int main(int argc, char **argv) {
        const char *vmlinux = argc > 1 ? argv[1] : getenv("HVS_VMLINUX");
        char defpath[512];
        if (!vmlinux) {
                snprintf(defpath, sizeof defpath, "%s/lab/out/6.1.0-56-amd64/vmlinux", HVS_SOURCE_ROOT);
                vmlinux = defpath;
        }
        uint8_t *ram = make_ram();

        /* Synthetic: 94,000 symbols near the top of RAM. */
        struct fake_ksym *syms = fake_kallsyms_sample(NSYMS, TEXT, 1, true);
        struct fake_kallsyms_out out;
        uint64_t at = RAM - (8u << 20);
        double t0 = now_ms();
        if (!syms || fake_kallsyms_build(syms, NSYMS, FAKE_KALLSYMS_6_1_SEQS, ram + at, 8u << 20, &out) < 0)
                return 1;
        printf("(fixture: %u synthetic symbols compressed in %.0f ms, tables %.1f MiB)\n", NSYMS, now_ms() - t0,
               (double)out.len / (1 << 20));
        hvs_ksyms *fake_k = NULL;
        bench_recover("synthetic 6.1.y layout, top of RAM", ram, at, at + out.len, &fake_k);
        fake_kallsyms_sample_free(syms, NSYMS);
        memset(ram + at, 0x5a, out.len);

        /* The real kernel image, moved up to the top of RAM. */
        uint64_t lo, hi;
        const uint8_t *btf_raw = NULL;
        size_t btf_len = 0;
        hvs_ksyms *real_k = NULL;
        if (place_vmlinux(vmlinux, ram, RAM - (96u << 20), &lo, &hi, &btf_raw, &btf_len) == 0) {
                bench_recover("lab vmlinux (6.1.192), top of RAM", ram, lo, hi, &real_k);
        } else {
                printf("lab vmlinux: skipped (no %s)\n", vmlinux);
        }

        hvs_btf *b = NULL;
        if (btf_raw) {
                double tb[5];
                for (int i = 0; i < 5; i++) {
                        hvs_btf_free(b);
                        b = NULL;
                        double a = now_ms();
                        if (hvs_btf_parse(btf_raw, btf_len, NULL, &b) < 0)
                                return 1;
                        tb[i] = now_ms() - a;
                }
                printf("BTF parse (lab kernel, %.1f MiB, %u types): median %.1f ms\n", (double)btf_len / (1 << 20),
                       hvs_btf_ntypes(b), median(tb, 5));
        } else {
                printf("BTF parse: skipped (no lab kernel)\n");
        }
        if (real_k) {
                bench_profile(real_k, b, "Linux version 6.1.0-56-amd64 (bench)");
                hvs_ksyms_free(fake_k);
        } else {
                hvs_btf_free(b);
                bench_profile(fake_k, NULL, "Linux version synthetic (bench)");
        }
        munmap(ram, RAM);
        return 0;
}
