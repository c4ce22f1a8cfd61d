/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kallsyms-vmlinux - recover kallsyms and BTF from a real kernel image laid
 * out in a buffer the way it sits in RAM (PT_LOAD segments at p_paddr).
 *
 * Usage: kallsyms-vmlinux [VMLINUX]   (default: $HVS_VMLINUX, else the lab kernel)
 * Exit 77 (skip) when no kernel image is available.
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

#include <hvscope/types.h>

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fails;
#define CHECK(c, ...) do { if (!(c)) { fails++; fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); } } while (0)

int main(int argc, char **argv) {
        const char *path = argc > 1 ? argv[1] : getenv("HVS_VMLINUX");
        if (!path)
                path = "lab/out/6.1.0-56-amd64/vmlinux";
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
                printf("SKIP: no kernel image at %s\n", path);
                return 77;
        }
        struct stat st;
        fstat(fd, &st);
        const uint8_t *f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (f == MAP_FAILED || (size_t)st.st_size < sizeof(Elf64_Ehdr) || memcmp(f, ELFMAG, SELFMAG)) {
                printf("SKIP: %s is not an ELF file\n", path);
                return 77;
        }
        const Elf64_Ehdr *eh = (const void *)f;
        uint64_t top = 0;
        for (int i = 0; i < eh->e_phnum; i++) {
                const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff + (size_t)i * eh->e_phentsize);
                if (ph->p_type == PT_LOAD && ph->p_paddr + ph->p_memsz > top)
                        top = ph->p_paddr + ph->p_memsz;
        }
        /* RAM: the image at its physical address, inside a 512 MiB guest-like buffer. */
        size_t ram_len = 512u << 20;
        if (top > ram_len)
                ram_len = top;
        uint8_t *ram = mmap(NULL, ram_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; i < eh->e_phnum; i++) {
                const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff + (size_t)i * eh->e_phentsize);
                if (ph->p_type == PT_LOAD)
                        memcpy(ram + ph->p_paddr, f + ph->p_offset, ph->p_filesz);
        }
        hvs_mem *m;
        if (hvs_mem_open_buffer(ram, ram_len, &m) < 0)
                return 1;
        hvs_diag d = { 0 };
        hvs_ksyms *k = NULL;
        hvs_ksyms_layout lay;
        double t0 = now_ms();
        int r = hvs_ksyms_recover(m, 0, 0, &d, &k, &lay);
        double t1 = now_ms();
        if (r < 0) {
                fprintf(stderr, "FAIL: recover: %s: %s\n", hvs_strerror(r), d.msg);
                return 1;
        }
        printf("recovered %zu symbols in %.1f ms (512 MiB buffer, no hint)\n", hvs_ksyms_count(k), t1 - t0);
        printf("layout: token_table 0x%" PRIx64 " token_index 0x%" PRIx64 " markers 0x%" PRIx64
               " names 0x%" PRIx64 " num_syms 0x%" PRIx64 " offsets 0x%" PRIx64 " relbase 0x%" PRIx64
               " = 0x%" PRIx64 " abs_percpu %d\n",
               lay.token_table, lay.token_index, lay.markers, lay.names, lay.num_syms_at, lay.offsets,
               lay.relative_base_at, lay.relative_base, lay.absolute_percpu);
        CHECK(hvs_ksyms_count(k) > 90000, "only %zu symbols", hvs_ksyms_count(k));
        static const char *const want[] = { "_text", "_stext", "init_task", "linux_banner", "__start_BTF",
                                            "__stop_BTF", "page_offset_base", "init_top_pgt", "startup_64",
                                            "fixed_percpu_data", "__per_cpu_start" };
        for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
                hvs_ksym s;
                r = hvs_ksyms_find(k, want[i], &s);
                CHECK(r == 0, "%s not found", want[i]);
                if (r == 0)
                        printf("  %016" PRIx64 " %c %s%s\n", s.addr, s.type, s.name, s.absolute ? " (absolute)" : "");
        }
        hvs_ksym text, sb, se, banner;
        CHECK(hvs_ksyms_find(k, "_text", &text) == 0 && text.addr == 0xffffffff81000000ull, "_text");
        r = hvs_ksyms_find(k, "__start_BTF", &sb) | hvs_ksyms_find(k, "__stop_BTF", &se) |
            hvs_ksyms_find(k, "linux_banner", &banner);
        CHECK(r == 0, "btf symbols");
        if (r == 0) {
                /* Without KASLR, gpa = va - __START_KERNEL_map (0xffffffff80000000). */
                uint64_t pa = sb.addr - 0xffffffff80000000ull, len = se.addr - sb.addr;
                char ban[160] = "";
                if (hvs_mem_read(m, HVS_GPA(banner.addr - 0xffffffff80000000ull), ban, sizeof ban - 1) == 0)
                        printf("banner: %.*s", (int)strcspn(ban, "\n"), ban), putchar('\n');
                uint8_t *raw = malloc(len);
                CHECK(hvs_mem_read(m, HVS_GPA(pa), raw, len) == 0, "read BTF");
                CHECK(raw[0] == 0x9f && raw[1] == 0xeb, "BTF magic");
                hvs_btf *b = NULL;
                t0 = now_ms();
                r = hvs_btf_parse(raw, len, &d, &b);
                t1 = now_ms();
                CHECK(r == 0, "btf parse: %s", d.msg);
                if (r == 0) {
                        printf("BTF: %zu bytes, %u types, parsed in %.1f ms\n", (size_t)len, hvs_btf_ntypes(b), t1 - t0);
                        uint32_t sz = 0, off, fsz;
                        CHECK(hvs_btf_type_size(b, "task_struct", &sz) == 0 && sz == 9792, "task_struct size %u", sz);
                        static const char *const fields[][2] = {
                                { "task_struct", "pid" }, { "task_struct", "tasks" }, { "task_struct", "comm" },
                                { "task_struct", "__state" }, { "task_struct", "mm" }, { "task_struct", "cred" },
                                { "cred", "uid" }, { "cred", "uid.val" }, { "mm_struct", "arg_start" },
                                { "mm_struct", "pgd" }, { "list_head", "next" },
                        };
                        t0 = now_ms();
                        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
                                r = hvs_btf_field(b, fields[i][0], fields[i][1], &off, &fsz);
                                CHECK(r == 0, "%s.%s: %d", fields[i][0], fields[i][1], r);
                                if (r == 0)
                                        printf("  %s.%s at %u size %u\n", fields[i][0], fields[i][1], off, fsz);
                        }
                        t1 = now_ms();
                        printf("11 field lookups in %.3f ms\n", t1 - t0);
                        hvs_btf_free(b);
                }
                free(raw);
        }
        hvs_ksyms_free(k);
        hvs_mem_close(m);
        printf(fails ? "FAILED (%d)\n" : "OK\n", fails);
        return fails ? 1 : 0;
}
