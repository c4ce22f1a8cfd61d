/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-elfcore.c - the ELF core backend on cores built here, shaped like
 * QEMU 7.2's dump-guest-memory output, and broken in every way the parser
 * promises to catch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hvscope/mem.h>
#include <hvscope/limits.h>
#include "util/util.h"

/* ---- a little ELF core writer ---- */

struct load {
        uint64_t paddr, vaddr, filesz, memsz;
        uint8_t seed;
        uint64_t off;           /* 0 = next free offset */
};

struct core {
        uint8_t *buf;
        size_t len;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint8_t byte_at(uint8_t seed, uint64_t i) { return (uint8_t)(seed + i * 13); }

/* Notes are appended to a growing blob. */
struct notes {
        uint8_t buf[1 << 16];
        size_t len;
};

static void add_note(struct notes *n, const char *name, uint32_t type, const void *desc, uint32_t descsz) {
        uint32_t namesz = (uint32_t)strlen(name) + 1;
        uint8_t *p = n->buf + n->len;
        put32(p, namesz);
        put32(p + 4, descsz);
        put32(p + 8, type);
        memset(p + 12, 0, ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u));
        memcpy(p + 12, name, namesz);
        memcpy(p + 12 + ((namesz + 3) & ~3u), desc, descsz);
        n->len += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
}

/* x86-64 elf_prstatus (336 bytes): user_regs_struct slot k = base + k. */
static void add_prstatus64(struct notes *n, uint64_t base) {
        uint8_t d[336] = { 0 };
        for (int k = 0; k < 27; k++)
                put64(d + 112 + 8 * k, base + (uint64_t)k);
        put64(d + 112 + 17 * 8, 0x10);         /* cs: RPL 0 */
        add_note(n, "CORE", NT_PRSTATUS, d, sizeof d);
}

/*
 * QEMUCPUState of @size bytes: GPR slot k (rax..r15, rip, rflags) = base + k,
 * segment i base = 0x5e60000 + i, limit = 0x100 + i; cr[k] = 0xc0 + k; then
 * kernel_gs_base = 0x6b5.
 */
static void add_qemu_state(struct notes *n, uint32_t size, uint64_t base, uint64_t cr0, uint32_t ss_flags,
                           uint64_t rflags) {
        uint8_t d[512] = { 0 };
        put32(d, 1);
        put32(d + 4, size);
        for (int k = 0; k < 18; k++)
                put64(d + 8 + 8 * k, base + (uint64_t)k);
        put64(d + 8 + 17 * 8, rflags);
        for (int i = 0; i < 10; i++) {
                put32(d + 152 + 24 * i + 4, 0x100 + (uint32_t)i);
                put64(d + 152 + 24 * i + 16, 0x5e60000 + (uint64_t)i);
        }
        put32(d + 152 + 24 * 5 + 8, ss_flags);
        for (int k = 0; k < 5; k++)
                put64(d + 392 + 8 * k, 0xc0 + (uint64_t)k);
        put64(d + 392, cr0);
        put64(d + 432, 0x6b5);
        add_note(n, "QEMU", 0, d, size);
}

static struct core build(uint16_t machine, const struct notes *nt, const struct load *ld, size_t nld) {
        size_t nph = nld + (nt ? 1 : 0);
        size_t off = 64 + 56 * nph;
        size_t notes_off = off;
        if (nt)
                off += nt->len;
        size_t total = off;
        uint64_t data_off[16];
        assert_true(nld <= 16);
        for (size_t i = 0; i < nld; i++) {
                data_off[i] = ld[i].off ? ld[i].off : total;
                if (data_off[i] + ld[i].filesz > total)
                        total = data_off[i] + ld[i].filesz;
        }
        struct core c = { .buf = calloc(1, total ? total : 1), .len = total };
        assert_non_null(c.buf);
        uint8_t *e = c.buf;
        memcpy(e, ELFMAG, SELFMAG);
        e[EI_CLASS] = ELFCLASS64;
        e[EI_DATA] = ELFDATA2LSB;
        e[EI_VERSION] = EV_CURRENT;
        put16(e + 16, ET_CORE);
        put16(e + 18, machine);
        put32(e + 20, EV_CURRENT);
        put64(e + 32, 64);
        put16(e + 52, 64);
        put16(e + 54, 56);
        put16(e + 56, (uint16_t)nph);
        uint8_t *ph = e + 64;
        if (nt) {
                put32(ph, PT_NOTE);
                put64(ph + 8, notes_off);
                put64(ph + 32, nt->len);
                put64(ph + 40, nt->len);
                memcpy(e + notes_off, nt->buf, nt->len);
                ph += 56;
        }
        for (size_t i = 0; i < nld; i++, ph += 56) {
                put32(ph, PT_LOAD);
                put64(ph + 8, data_off[i]);
                put64(ph + 16, ld[i].vaddr);
                put64(ph + 24, ld[i].paddr);
                put64(ph + 32, ld[i].filesz);
                put64(ph + 40, ld[i].memsz ? ld[i].memsz : ld[i].filesz);
                if (!ld[i].off)
                        for (uint64_t k = 0; k < ld[i].filesz; k++)
                                e[data_off[i] + k] = byte_at(ld[i].seed, k);
        }
        return c;
}

/* Program header @i (0 = the note when there is one). */
static uint8_t *phdr(struct core *c, size_t i) { return c->buf + 64 + 56 * i; }

/* A core with @nph zeroed program headers followed by @data_len zero bytes at *ret_data. */
static struct core blank(uint16_t machine, size_t nph, size_t data_len, size_t *ret_data) {
        struct core t = build(machine, NULL, NULL, 0);
        size_t data = 64 + 56 * nph;
        struct core c = { .len = data + data_len };
        c.buf = calloc(1, c.len);
        assert_non_null(c.buf);
        memcpy(c.buf, t.buf, 64);
        free(t.buf);
        put16(c.buf + 56, (uint16_t)nph);
        *ret_data = data;
        return c;
}

static void set_ph(struct core *c, size_t i, uint32_t type, uint64_t off, uint64_t vaddr, uint64_t paddr,
                   uint64_t filesz, uint64_t memsz) {
        uint8_t *p = c->buf + 64 + 56 * i;
        put32(p, type);
        put64(p + 8, off);
        put64(p + 16, vaddr);
        put64(p + 24, paddr);
        put64(p + 32, filesz);
        put64(p + 40, memsz);
}

static int parse(struct core *c, hvs_diag *d, hvs_mem **m) {
        return hvs_mem_parse_elfcore(c->buf, c->len, d, m);
}

static const struct load two_blocks[] = {
        { .paddr = 0x0, .filesz = 0x2000, .seed = 1 },
        { .paddr = 0x100000000ull, .filesz = 0x1000, .seed = 2 },
};

static void expect_bytes(hvs_mem *m, uint64_t gpa, uint8_t seed, uint64_t k0, size_t n) {
        uint8_t buf[256];
        assert_true(n <= sizeof buf);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(gpa), buf, n), 0);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(buf[i], byte_at(seed, k0 + i));
}

static void expect_bad(struct core *c, int err, const char *needle) {
        hvs_diag d = { 0 };
        hvs_mem *m = (hvs_mem *)0x1;
        assert_int_equal(parse(c, &d, &m), err);
        assert_ptr_equal(m, (hvs_mem *)0x1);
        assert_int_equal(d.err, err);
        if (needle && !strstr(d.msg, needle))
                fail_msg("diag '%s' lacks '%s'", d.msg, needle);
}

/* ---- tests ---- */

static void test_valid_core_reads_and_ranges(void **state) {
        struct notes nt = { 0 };
        add_prstatus64(&nt, 0x1000);
        add_qemu_state(&nt, 440, 0x2000, 0x80050033, 0, 0x246);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, &d, &m), 0);
        size_t n;
        const hvs_mem_range *r = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 2);
        assert_int_equal(r[0].gpa, 0);
        assert_int_equal(r[0].size, 0x2000);
        assert_int_equal(r[1].gpa, 0x100000000ull);
        assert_int_equal(hvs_mem_size(m), 0x100001000ull);
        assert_int_equal(hvs_mem_get_info(m)->kind, HVS_MEM_ELFCORE);
        expect_bytes(m, 0x1ff0, 1, 0x1ff0, 16);
        expect_bytes(m, 0x100000800ull, 2, 0x800, 64);
        uint8_t b[8];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1ffc), b, 8), -EFAULT);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x80000000), b, 1), -EFAULT);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_registers_from_notes(void **state) {
        struct notes nt = { 0 };
        add_prstatus64(&nt, 0x1000);
        add_prstatus64(&nt, 0x3000);
        /* CPU 0: protected mode, SS DPL 0; CPU 1: SS DPL 3. */
        add_qemu_state(&nt, 440, 0x2000, 0x80050033, 0x00cf9300, 0x246);
        add_qemu_state(&nt, 440, 0x4000, 0x80050033, 0x00cff300, 0x246);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(v[0].cpu, 0);
        assert_int_equal(v[1].cpu, 1);
        /* The QEMU note wins over NT_PRSTATUS; its order is rax rbx rcx rdx rsi rdi rsp rbp. */
        assert_int_equal(v[0].rax, 0x2000);
        assert_int_equal(v[0].rsp, 0x2006);
        assert_int_equal(v[0].rbp, 0x2007);
        assert_int_equal(v[0].r15, 0x200f);
        assert_int_equal(v[0].rip, 0x2010);
        assert_int_equal(v[0].rflags, 0x246);
        assert_int_equal(v[0].fs_base, 0x5e60003);
        assert_int_equal(v[0].gs_base, 0x5e60004);
        assert_int_equal(v[0].gdt_base, 0x5e60008);
        assert_int_equal(v[0].gdt_limit, 0x108);
        assert_int_equal(v[0].idt_base, 0x5e60009);
        assert_int_equal(v[0].idt_limit, 0x109);
        assert_int_equal(v[0].cr0, 0x80050033);
        assert_int_equal(v[0].cr2, 0xc2);
        assert_int_equal(v[0].cr3, 0xc3);
        assert_int_equal(v[0].cr4, 0xc4);
        assert_int_equal(v[0].kernel_gs_base, 0x6b5);
        assert_int_equal(v[0].cpl, 0);
        assert_int_equal(v[1].cpl, 3);
        assert_int_equal(v[1].rax, 0x4000);
        assert_int_equal(v[0].valid, HVS_REG_GPR | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CR | HVS_REG_CPL | HVS_REG_KGS);
        assert_false(v[0].valid & HVS_REG_EFER);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_prstatus_only(void **state) {
        struct notes nt = { 0 };
        add_prstatus64(&nt, 0x1000);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(n, 1);
        /* user_regs_struct: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base */
        assert_int_equal(v[0].r15, 0x1000);
        assert_int_equal(v[0].rbp, 0x1004);
        assert_int_equal(v[0].rax, 0x100a);
        assert_int_equal(v[0].rdi, 0x100e);
        assert_int_equal(v[0].rip, 0x1010);
        assert_int_equal(v[0].rflags, 0x1012);
        assert_int_equal(v[0].rsp, 0x1013);
        assert_int_equal(v[0].fs_base, 0x1015);
        assert_int_equal(v[0].gs_base, 0x1016);
        assert_int_equal(v[0].valid, HVS_REG_GPR | HVS_REG_SEG | HVS_REG_CPL);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_i386_machine_prstatus(void **state) {
        /* QEMU writes ELF64 + EM_386 for a guest outside long mode with RAM above 4 GiB. */
        uint8_t d[144] = { 0 };
        for (int k = 0; k < 17; k++)
                put32(d + 72 + 4 * k, 0xa0 + (uint32_t)k);
        struct notes nt = { 0 };
        add_note(&nt, "CORE", NT_PRSTATUS, d, sizeof d);
        struct core c = build(EM_386, &nt, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(v[0].rbx, 0xa0);
        assert_int_equal(v[0].rax, 0xa6);
        assert_int_equal(v[0].rip, 0xa0 + 12);
        assert_int_equal(v[0].rflags, 0xa0 + 14);
        assert_int_equal(v[0].rsp, 0xa0 + 15);
        assert_int_equal(v[0].valid, HVS_REG_GPR);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_qemu_note_sizes_guard_fields(void **state) {
        static const struct { uint32_t size; uint32_t valid; } cases[] = {
                { 8, 0 },
                { 151, 0 },
                { 152, HVS_REG_GPR },
                { 391, HVS_REG_GPR },
                { 392, HVS_REG_GPR | HVS_REG_SEG | HVS_REG_DT },
                { 432, HVS_REG_GPR | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CR | HVS_REG_CPL },      /* older QEMU */
                { 440, HVS_REG_GPR | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CR | HVS_REG_CPL | HVS_REG_KGS },
                { 512, HVS_REG_GPR | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CR | HVS_REG_CPL | HVS_REG_KGS },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct notes nt = { 0 };
                add_qemu_state(&nt, cases[i].size, 0x2000, 0x80050033, 0, 0x2);
                struct core c = build(EM_X86_64, &nt, two_blocks, 2);
                hvs_mem *m = NULL;
                assert_int_equal(parse(&c, NULL, &m), 0);
                const hvs_vcpu_regs *v;
                size_t n;
                assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
                if (v[0].valid != cases[i].valid)
                        fail_msg("size %u: valid 0x%x, want 0x%x", cases[i].size, v[0].valid, cases[i].valid);
                if (!(cases[i].valid & HVS_REG_KGS))
                        assert_int_equal(v[0].kernel_gs_base, 0);
                hvs_mem_close(m);
                free(c.buf);
        }
}

static void test_qemu_note_size_field_smaller_than_desc(void **state) {
        /* The state's own size field says 432: the trailing bytes are not kernel_gs_base. */
        struct notes nt = { 0 };
        add_qemu_state(&nt, 440, 0x2000, 0x80050033, 0, 0x2);
        put32(nt.buf + 20 + 4, 432);    /* desc starts after 12 + "QEMU\0" padded to 8 */
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_false(v[0].valid & HVS_REG_KGS);
        assert_true(v[0].valid & HVS_REG_CR);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_cpl_real_and_vm86_mode(void **state) {
        struct notes nt = { 0 };
        add_qemu_state(&nt, 440, 0, 0x60000010, 0x0000f300, 0x2);             /* real mode: 0 */
        add_qemu_state(&nt, 440, 0, 0x00000011, 0x00009300, 0x20002);         /* VM flag: 3 */
        struct core c = build(EM_386, &nt, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(v[0].cpl, 0);
        assert_int_equal(v[1].cpl, 3);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_no_notes_no_vcpus(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), -EOPNOTSUPP);
        assert_non_null(strstr(hvs_mem_errmsg(m), "no vcpu"));
        hvs_mem_close(m);
        free(c.buf);
}

static void test_other_notes_ignored(void **state) {
        struct notes nt = { 0 };
        add_note(&nt, "VMCOREINFO", 0, "OSRELEASE=6.1\n", 14);
        add_note(&nt, "CORE", NT_PRFPREG, "xx", 2);
        add_note(&nt, "QEMUX", 0, "yy", 2);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), -EOPNOTSUPP);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_bad_magic(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        c.buf[1] = 'X';
        expect_bad(&c, -EBADMSG, "magic");
        c.len = 3;
        expect_bad(&c, -EBADMSG, "magic");
        free(c.buf);
}

static void test_truncated_header(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        c.len = 40;
        expect_bad(&c, -EBADMSG, "truncated ELF header");
        free(c.buf);
}

static void test_elf32_not_supported(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        c.buf[EI_CLASS] = ELFCLASS32;
        expect_bad(&c, -EOPNOTSUPP, "32-bit");
        c.buf[EI_CLASS] = 7;
        expect_bad(&c, -EBADMSG, "class");
        free(c.buf);
}

static void test_big_endian_not_supported(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        c.buf[EI_DATA] = ELFDATA2MSB;
        expect_bad(&c, -EOPNOTSUPP, "little-endian");
        free(c.buf);
}

static void test_not_a_core(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        put16(c.buf + 16, ET_EXEC);
        expect_bad(&c, -EOPNOTSUPP, "not a core");
        put16(c.buf + 16, ET_CORE);
        put16(c.buf + 18, EM_AARCH64);
        expect_bad(&c, -EOPNOTSUPP, "not x86");
        free(c.buf);
}

static void test_truncated_segment(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        size_t full = c.len;
        c.len = full - 1;       /* last byte of the last load missing */
        expect_bad(&c, -EBADMSG, "dump truncated: segment 1 ends at");
        c.len = full - 0x1000;  /* the whole last load missing */
        expect_bad(&c, -EBADMSG, "beyond file size");
        c.len = full;
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_truncated_notes(void **state) {
        struct notes nt = { 0 };
        add_prstatus64(&nt, 1);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        put64(phdr(&c, 0) + 32, c.len);         /* note segment runs past the end */
        expect_bad(&c, -EBADMSG, "note segment 0");
        free(c.buf);
}

static void test_phdrs_beyond_file(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        put64(c.buf + 32, c.len - 60);
        expect_bad(&c, -EBADMSG, "program headers at");
        put64(c.buf + 32, UINT64_MAX - 10);
        expect_bad(&c, -EBADMSG, "program headers at");
        free(c.buf);
}

static void test_too_many_phdrs(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        /* More than 0xfffe headers are counted in section header 0 (PN_XNUM). */
        uint8_t *nb = realloc(c.buf, c.len + 64);
        assert_non_null(nb);
        c.buf = nb;
        memset(c.buf + c.len, 0, 64);
        put32(c.buf + c.len + 44, HVS_MAX_ELF_PHDRS + 1);
        put64(c.buf + 40, c.len);
        put16(c.buf + 58, 64);
        put16(c.buf + 56, PN_XNUM);
        c.len += 64;
        expect_bad(&c, -EBADMSG, "HVS_MAX_ELF_PHDRS");
        /* At the limit, the count is plausible but the headers are not in the file. */
        put32(c.buf + c.len - 64 + 44, HVS_MAX_ELF_PHDRS);
        expect_bad(&c, -EBADMSG, "program headers at");
        put16(c.buf + 56, 0xfffe);
        expect_bad(&c, -EBADMSG, "program headers at");
        put16(c.buf + 56, 0);
        expect_bad(&c, -EBADMSG, "no program headers");
        free(c.buf);
}

static void test_pn_xnum_count_in_section_header(void **state) {
        struct load ld[] = { { .paddr = 0x1000, .filesz = 0x100, .seed = 3 }, { .paddr = 0x3000, .filesz = 0x100, .seed = 4 } };
        struct core c = build(EM_X86_64, NULL, ld, 2);
        /* Append section header 0 holding the count in sh_info. */
        uint8_t *nb = realloc(c.buf, c.len + 64);
        assert_non_null(nb);
        c.buf = nb;
        memset(c.buf + c.len, 0, 64);
        put32(c.buf + c.len + 44, 2);
        put64(c.buf + 40, c.len);
        put16(c.buf + 58, 64);
        put16(c.buf + 60, 1);
        put16(c.buf + 56, PN_XNUM);
        c.len += 64;
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        size_t n;
        hvs_mem_ranges(m, &n);
        assert_int_equal(n, 2);
        expect_bytes(m, 0x3000, 4, 0, 16);
        hvs_mem_close(m);
        /* Section header 0 missing: */
        put64(c.buf + 40, c.len - 10);
        expect_bad(&c, -EBADMSG, "PN_XNUM");
        /* A count there that the file cannot hold. */
        put64(c.buf + 40, c.len - 64);
        put32(c.buf + c.len - 64 + 44, 100000);
        expect_bad(&c, -EBADMSG, "program headers at");
        free(c.buf);
}

static void test_bad_phentsize(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        put16(c.buf + 54, 32);
        expect_bad(&c, -EBADMSG, "program header size");
        free(c.buf);
}

static void test_overlap_with_different_data(void **state) {
        struct load ld[] = { { .paddr = 0x1000, .filesz = 0x1000, .seed = 1 }, { .paddr = 0x1800, .filesz = 0x1000, .seed = 2 } };
        struct core c = build(EM_X86_64, NULL, ld, 2);
        expect_bad(&c, -EBADMSG, "overlap at gpa 0x1800");
        free(c.buf);
}

static void test_overlap_same_bytes_merged(void **state) {
        /*
         * paging=true dumps: loads per virtual mapping may name the same
         * physical bytes. The second load repeats the tail of the first
         * (same p_offset - p_paddr) and goes 0x800 further; p_vaddr differs
         * and does not matter.
         */
        size_t data;
        struct core c = blank(EM_X86_64, 2, 0x2800, &data);
        for (uint64_t k = 0; k < 0x2800; k++)
                c.buf[data + k] = byte_at(5, k);
        set_ph(&c, 0, PT_LOAD, data, 0xffff888000010000ull, 0x10000, 0x2000, 0x2000);
        set_ph(&c, 1, PT_LOAD, data + 0x1000, 0xffffffff81000000ull, 0x11000, 0x1800, 0x1800);
        hvs_mem *m = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(parse(&c, &d, &m), 0);
        size_t n;
        const hvs_mem_range *r = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].gpa, 0x10000);
        assert_int_equal(r[0].size, 0x2800);
        expect_bytes(m, 0x127f0, 5, 0x27f0, 16);
        hvs_mem_close(m);
        /* A load contained in another, same bytes: merged too. */
        set_ph(&c, 1, PT_LOAD, data + 0x100, 0, 0x10100, 0x100, 0x100);
        assert_int_equal(parse(&c, &d, &m), 0);
        r = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].size, 0x2000);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_adjacent_segments_stay_separate(void **state) {
        struct load ld[] = { { .paddr = 0x1000, .filesz = 0x1000, .seed = 1 }, { .paddr = 0x2000, .filesz = 0x1000, .seed = 2 } };
        struct core c = build(EM_X86_64, NULL, ld, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        size_t n;
        hvs_mem_ranges(m, &n);
        assert_int_equal(n, 2);
        uint8_t b[32];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1ff0), b, 32), 0);
        assert_int_equal(b[15], byte_at(1, 0xfff));
        assert_int_equal(b[16], byte_at(2, 0));
        hvs_mem_close(m);
        free(c.buf);
}

static void test_filesz_below_memsz_tail_faults(void **state) {
        struct load ld[] = { { .paddr = 0x1000, .filesz = 0x800, .memsz = 0x1000, .seed = 1 } };
        struct core c = build(EM_X86_64, NULL, ld, 1);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        uint8_t b[16];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x17f0), b, 16), 0);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x17f8), b, 16), -EFAULT);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1900), b, 1), -EFAULT);
        assert_int_equal(hvs_mem_size(m), 0x1800);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_filesz_above_memsz(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        put64(phdr(&c, 1) + 40, 0x10);
        expect_bad(&c, -EBADMSG, "exceeds p_memsz");
        free(c.buf);
}

static void test_no_memory_segments(void **state) {
        struct load ld[] = { { .paddr = 0x1000, .filesz = 0, .memsz = 0x1000 } };
        struct core c = build(EM_X86_64, NULL, ld, 1);
        expect_bad(&c, -EBADMSG, "no memory segments");
        put32(phdr(&c, 0), PT_NULL);
        expect_bad(&c, -EBADMSG, "no memory segments");
        free(c.buf);
}

static void test_zero_filesz_segment_skipped(void **state) {
        struct load ld[] = { { .paddr = 0x1000, .filesz = 0x100, .seed = 1 }, { .paddr = 0x1000, .filesz = 0, .memsz = 0x4000 } };
        struct core c = build(EM_X86_64, NULL, ld, 2);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        size_t n;
        hvs_mem_ranges(m, &n);
        assert_int_equal(n, 1);
        hvs_mem_close(m);
        free(c.buf);
}

static void test_paddr_overflow(void **state) {
        struct core c = build(EM_X86_64, NULL, two_blocks, 2);
        put64(phdr(&c, 1) + 24, UINT64_MAX - 0x10);
        expect_bad(&c, -EBADMSG, "overflows");
        put64(phdr(&c, 1) + 24, 0x100000000ull);
        put64(phdr(&c, 1) + 8, UINT64_MAX - 0x10);     /* p_offset + p_filesz wraps */
        expect_bad(&c, -EBADMSG, "truncated");
        free(c.buf);
}

static void test_note_overruns_segment(void **state) {
        struct notes nt = { 0 };
        add_prstatus64(&nt, 1);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        uint64_t noff = 64 + 56 * 3;
        put32(c.buf + noff + 4, 0xfffffff0);    /* descsz */
        expect_bad(&c, -EBADMSG, "overrun");
        put32(c.buf + noff + 4, 336);
        put32(c.buf + noff, 0xffffffff);        /* namesz: padding would wrap 32 bits */
        expect_bad(&c, -EBADMSG, "overrun");
        put32(c.buf + noff, 5);
        put64(phdr(&c, 0) + 32, 8);             /* segment shorter than a note header */
        expect_bad(&c, -EBADMSG, "truncated header");
        free(c.buf);
}

static void test_too_many_vcpu_notes(void **state) {
        /* HVS_MAX_VCPUS + 1 empty NT_PRSTATUS notes: 20 bytes each. */
        size_t nn = HVS_MAX_VCPUS + 1, nlen = nn * 20, data;
        struct core c = blank(EM_X86_64, 2, nlen + 16, &data);
        set_ph(&c, 0, PT_NOTE, data, 0, 0, nlen, nlen);
        set_ph(&c, 1, PT_LOAD, data + nlen, 0, 0, 16, 16);
        for (size_t i = 0; i < nn; i++) {
                uint8_t *p = c.buf + data + 20 * i;
                put32(p, 5);
                put32(p + 8, NT_PRSTATUS);
                memcpy(p + 12, "CORE", 5);
        }
        expect_bad(&c, -EBADMSG, "HVS_MAX_VCPUS");
        /* Exactly the limit is fine. */
        put64(phdr(&c, 0) + 32, nlen - 20);
        hvs_mem *m = NULL;
        assert_int_equal(parse(&c, NULL, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(n, HVS_MAX_VCPUS);
        assert_int_equal(v[0].valid, 0);        /* empty notes: nothing decoded */
        hvs_mem_close(m);
        free(c.buf);
}

static void test_notes_bytes_limit(void **state) {
        size_t nlen = HVS_MAX_ELF_NOTES_BYTES + 4, data;
        struct core c = blank(EM_X86_64, 2, nlen + 16, &data);
        set_ph(&c, 0, PT_NOTE, data, 0, 0, nlen, nlen);
        set_ph(&c, 1, PT_LOAD, data + nlen, 0, 0, 16, 16);
        expect_bad(&c, -EBADMSG, "HVS_MAX_ELF_NOTES_BYTES");
        /* Two note segments of empty 12-byte notes that only together exceed it. */
        free(c.buf);
        size_t half = 12 * 700000;
        assert_true(half < HVS_MAX_ELF_NOTES_BYTES && 2 * half > HVS_MAX_ELF_NOTES_BYTES);
        c = blank(EM_X86_64, 3, 2 * half + 16, &data);
        set_ph(&c, 0, PT_NOTE, data, 0, 0, half, half);
        set_ph(&c, 1, PT_NOTE, data + half, 0, 0, half, half);
        set_ph(&c, 2, PT_LOAD, data + 2 * half, 0, 0, 16, 16);
        expect_bad(&c, -EBADMSG, "HVS_MAX_ELF_NOTES_BYTES");
        free(c.buf);
}

static void test_open_from_file_and_image(void **state) {
        struct notes nt = { 0 };
        add_qemu_state(&nt, 440, 0x2000, 0x80050033, 0, 0x246);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        char path[] = "/tmp/hvs-test-elfcore.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, c.buf, c.len), (ssize_t)c.len);
        close(fd);
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_elfcore(path, &d, &m), 0);
        assert_string_equal(hvs_mem_get_info(m)->source, path);
        expect_bytes(m, 0x100000000ull, 2, 0, 32);
        hvs_mem_close(m);
        assert_int_equal(hvs_mem_open_image(path, &d, &m), 0);
        assert_int_equal(hvs_mem_get_info(m)->kind, HVS_MEM_ELFCORE);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(v[0].rip, 0x2010);
        hvs_mem_close(m);
        /* A broken ELF is reported as such, not opened as a raw image. */
        assert_int_equal(truncate(path, (off_t)c.len - 1), 0);
        assert_int_equal(hvs_mem_open_image(path, &d, &m), -EBADMSG);
        assert_non_null(strstr(d.msg, "truncated"));
        unlink(path);
        assert_int_equal(hvs_mem_open_elfcore(path, &d, &m), -ENOENT);
        free(c.buf);
}

static void test_alloc_failures_unwind(void **state) {
        struct notes nt = { 0 };
        add_prstatus64(&nt, 0x1000);
        add_qemu_state(&nt, 440, 0x2000, 0x80050033, 0, 0x246);
        struct core c = build(EM_X86_64, &nt, two_blocks, 2);
        for (unsigned k = 0;; k++) {
                hvs_test_fail_alloc_after(k);
                hvs_mem *m = NULL;
                int e = parse(&c, NULL, &m);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (e == 0) {
                        hvs_mem_close(m);
                        break;
                }
                assert_int_equal(e, -ENOMEM);
        }
        free(c.buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_core_reads_and_ranges),
                cmocka_unit_test(test_registers_from_notes),
                cmocka_unit_test(test_prstatus_only),
                cmocka_unit_test(test_i386_machine_prstatus),
                cmocka_unit_test(test_qemu_note_sizes_guard_fields),
                cmocka_unit_test(test_qemu_note_size_field_smaller_than_desc),
                cmocka_unit_test(test_cpl_real_and_vm86_mode),
                cmocka_unit_test(test_no_notes_no_vcpus),
                cmocka_unit_test(test_other_notes_ignored),
                cmocka_unit_test(test_bad_magic),
                cmocka_unit_test(test_truncated_header),
                cmocka_unit_test(test_elf32_not_supported),
                cmocka_unit_test(test_big_endian_not_supported),
                cmocka_unit_test(test_not_a_core),
                cmocka_unit_test(test_truncated_segment),
                cmocka_unit_test(test_truncated_notes),
                cmocka_unit_test(test_phdrs_beyond_file),
                cmocka_unit_test(test_too_many_phdrs),
                cmocka_unit_test(test_pn_xnum_count_in_section_header),
                cmocka_unit_test(test_bad_phentsize),
                cmocka_unit_test(test_overlap_with_different_data),
                cmocka_unit_test(test_overlap_same_bytes_merged),
                cmocka_unit_test(test_adjacent_segments_stay_separate),
                cmocka_unit_test(test_filesz_below_memsz_tail_faults),
                cmocka_unit_test(test_filesz_above_memsz),
                cmocka_unit_test(test_no_memory_segments),
                cmocka_unit_test(test_zero_filesz_segment_skipped),
                cmocka_unit_test(test_paddr_overflow),
                cmocka_unit_test(test_note_overruns_segment),
                cmocka_unit_test(test_too_many_vcpu_notes),
                cmocka_unit_test(test_notes_bytes_limit),
                cmocka_unit_test(test_open_from_file_and_image),
                cmocka_unit_test(test_alloc_failures_unwind),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
