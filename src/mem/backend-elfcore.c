/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * backend-elfcore.c - ELF64 cores of guest-physical memory as QEMU's
 * dump-guest-memory (and virsh dump --memory-only) writes them, and the
 * autodetecting hvs_mem_open_image().
 *
 * What QEMU writes (dump/dump.c, target/i386/arch_dump.c, QEMU 7.2):
 *  - ELF64 little-endian ET_CORE. e_machine is EM_X86_64 when the first vCPU
 *    is in long mode, else EM_386 (ELFCLASS64 is still used when RAM reaches
 *    above 4 GiB; with less RAM such a dump is ELFCLASS32, not supported);
 *  - one PT_NOTE first: for every vCPU a "CORE" NT_PRSTATUS note (all of
 *    them first), then for every vCPU a "QEMU" note (type 0) holding a
 *    QEMUCPUState; the i-th note of each kind belongs to the i-th vCPU;
 *  - one PT_LOAD per guest RAM block, p_paddr = gpa; with paging=true the
 *    loads follow the guest's virtual mappings instead (p_vaddr set, several
 *    loads may name the same physical bytes), more than 0xfffe headers put
 *    the count in section header 0 (PN_XNUM): 65,775 loads for an idle
 *    3 GiB Linux guest, which merge into 3 physical ranges;
 *  - QEMU 7.2 writes e_ehsize = 8 (sic), so e_ehsize is not checked.
 *
 * Policy for untrusted files (documented contract, tested):
 *  - every header field is range-checked in 64 bits against the file size;
 *  - a PT_LOAD whose bytes do not all lie in the file means the dump is
 *    truncated: the whole file is rejected with -EBADMSG (no partial view is
 *    offered: a half-written acquisition must not pass for a complete one);
 *  - only p_filesz bytes are present: a zero-filled tail (p_memsz larger)
 *    reads as -EFAULT, like any gpa that is not in the dump; p_filesz larger
 *    than p_memsz is -EBADMSG;
 *  - loads that overlap in p_paddr are accepted only when they describe the
 *    same file bytes (same p_offset - p_paddr, as paging=true dumps do) and
 *    are then merged; overlaps with different bytes are -EBADMSG;
 *  - notes are walked with 4-byte alignment (what Linux and QEMU write) and
 *    every register is decoded only if the note is long enough to hold it.
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>

#include "util/util.h"
#include "mem/mem-internal.h"

#define ELF64_EHDR_SIZE 64u
#define ELF64_PHDR_SIZE 56u
#define ELF64_SHDR_SIZE 64u
#define ELF_NHDR_SIZE 12u

/* x86-64 struct elf_prstatus: pr_reg (struct user_regs_struct) at 112. */
#define PRSTATUS64_REG_OFF 112u
#define PRSTATUS64_REG_SIZE (27u * 8u)
/* i386 struct elf_prstatus as QEMU writes it: pr_reg at 72, 17 u32 slots. */
#define PRSTATUS32_REG_OFF 72u
#define PRSTATUS32_REG_SIZE (17u * 4u)

/* QEMUCPUState (arch_dump.c): field offsets and the sizes that hold them. */
#define QCS_GPR_END 152u                /* through rflags */
#define QCS_SEG_OFF 152u                /* cs ds es fs gs ss ldt tr gdt idt, 24 bytes each */
#define QCS_SEG_SIZE 24u
#define QCS_SEGS_END (QCS_SEG_OFF + 10u * QCS_SEG_SIZE)
#define QCS_CR_OFF QCS_SEGS_END         /* cr[5] */
#define QCS_CR_END (QCS_CR_OFF + 5u * 8u)
#define QCS_KGS_OFF QCS_CR_END          /* kernel_gs_base (440-byte state, QEMU 7.2) */
enum { QSEG_CS, QSEG_DS, QSEG_ES, QSEG_FS, QSEG_GS, QSEG_SS, QSEG_LDT, QSEG_TR, QSEG_GDT, QSEG_IDT };

struct elfcore {
        struct mem_map map;             /* addr NULL when the bytes are borrowed */
        hvs_vcpu_regs *vcpus;
        size_t n_vcpus;
};

struct note_ref {
        const uint8_t *desc;
        uint32_t size;
};

struct notes {
        struct note_ref *prstatus;
        size_t n_prstatus;
        struct note_ref *qemu;
        size_t n_qemu;
        uint64_t bytes;
};

struct seg {
        uint64_t paddr, size, off;
        size_t idx;                     /* program header index, for messages */
};

static void elfcore_close(void *priv) {
        struct elfcore *e = priv;
        if (!e)
                return;
        mem_unmap(&e->map);
        free(e->vcpus);
        free(e);
}

static int elfcore_vcpus(void *priv, const hvs_vcpu_regs **ret, size_t *ret_n, hvs_diag *diag) {
        struct elfcore *e = priv;
        if (e->n_vcpus == 0)
                return HVS_DIAG(diag, -EOPNOTSUPP, "the ELF core has no vcpu state notes");
        *ret = e->vcpus;
        *ret_n = e->n_vcpus;
        return 0;
}

static const struct hvs_mem_backend_ops elfcore_ops = {
        .sz = sizeof(struct hvs_mem_backend_ops),
        .name = "elfcore",
        .vcpus = elfcore_vcpus,
        .close = elfcore_close,
};

static void notes_done(struct notes *n) {
        free(n->prstatus);
        free(n->qemu);
}

static int note_push(struct note_ref **arr, size_t *n, const uint8_t *desc, uint32_t size,
                     const char *kind, hvs_diag *diag) {
        if (*n >= HVS_MAX_VCPUS)
                return HVS_BADMSG(diag, "more than %u %s notes (limit HVS_MAX_VCPUS)", HVS_MAX_VCPUS, kind);
        /* Grow by doubling; *n is bounded above, so this cannot overflow. */
        if ((*n & (*n - 1)) == 0) {
                struct note_ref *p = hvs_reallocarray(*arr, *n ? *n * 2 : 4, sizeof **arr);
                if (!p)
                        return HVS_DIAG(diag, -ENOMEM, "out of memory");
                *arr = p;
        }
        (*arr)[(*n)++] = (struct note_ref){ .desc = desc, .size = size };
        return 0;
}

static bool name_is(const uint8_t *name, uint32_t namesz, const char *want) {
        size_t w = strlen(want);
        /* Writers include the NUL in namesz ("CORE\0" = 5); accept its absence too. */
        if (namesz == w + 1)
                return memcmp(name, want, w + 1) == 0;
        return namesz == w && memcmp(name, want, w) == 0;
}

static int parse_notes(const uint8_t *p, uint64_t len, size_t phidx, struct notes *acc, hvs_diag *diag) {
        uint64_t off = 0;
        unsigned k = 0;
        while (off < len) {
                if (len - off < ELF_NHDR_SIZE)
                        return HVS_BADMSG(diag, "note %u in program header %zu: truncated header", k, phidx);
                uint32_t namesz = hvs_le32(p + off), descsz = hvs_le32(p + off + 4);
                uint32_t type = hvs_le32(p + off + 8);
                uint64_t name_off = off + ELF_NHDR_SIZE;
                uint64_t name_pad = ((uint64_t)namesz + 3) & ~3ull;
                uint64_t desc_off = name_off + name_pad;
                uint64_t desc_pad = ((uint64_t)descsz + 3) & ~3ull;
                if (!hvs_range_ok(name_off, name_pad, len) || !hvs_range_ok(desc_off, descsz, len))
                        return HVS_BADMSG(diag,
                                          "note %u in program header %zu: name %" PRIu32 " / desc %" PRIu32
                                          " bytes overrun the %" PRIu64 "-byte note segment",
                                          k, phidx, namesz, descsz, len);
                const uint8_t *name = p + name_off, *desc = p + desc_off;
                int r = 0;
                if (type == NT_PRSTATUS && name_is(name, namesz, "CORE"))
                        r = note_push(&acc->prstatus, &acc->n_prstatus, desc, descsz, "NT_PRSTATUS", diag);
                else if (type == 0 && name_is(name, namesz, "QEMU"))
                        r = note_push(&acc->qemu, &acc->n_qemu, desc, descsz, "QEMU cpu state", diag);
                if (r < 0)
                        return r;
                /* The last note may omit its padding. */
                off = desc_off + MIN(desc_pad, len - desc_off);
                k++;
        }
        return 0;
}

static void decode_prstatus(hvs_vcpu_regs *v, const struct note_ref *n, uint16_t machine) {
        if (machine == EM_X86_64) {
                if (n->size < PRSTATUS64_REG_OFF + PRSTATUS64_REG_SIZE)
                        return;
                const uint8_t *u = n->desc + PRSTATUS64_REG_OFF;
                v->r15 = hvs_le64(u + 0);
                v->r14 = hvs_le64(u + 8);
                v->r13 = hvs_le64(u + 16);
                v->r12 = hvs_le64(u + 24);
                v->rbp = hvs_le64(u + 32);
                v->rbx = hvs_le64(u + 40);
                v->r11 = hvs_le64(u + 48);
                v->r10 = hvs_le64(u + 56);
                v->r9 = hvs_le64(u + 64);
                v->r8 = hvs_le64(u + 72);
                v->rax = hvs_le64(u + 80);
                v->rcx = hvs_le64(u + 88);
                v->rdx = hvs_le64(u + 96);
                v->rsi = hvs_le64(u + 104);
                v->rdi = hvs_le64(u + 112);
                v->rip = hvs_le64(u + 128);
                v->rflags = hvs_le64(u + 144);
                v->rsp = hvs_le64(u + 152);
                v->fs_base = hvs_le64(u + 168);
                v->gs_base = hvs_le64(u + 176);
                /* QEMU writes this layout only for a long-mode guest, where CPL is CS.RPL. */
                v->cpl = (uint32_t)(hvs_le64(u + 136) & 3);
                v->valid |= HVS_REG_GPR | HVS_REG_SEG | HVS_REG_CPL;
        } else {
                if (n->size < PRSTATUS32_REG_OFF + PRSTATUS32_REG_SIZE)
                        return;
                const uint8_t *u = n->desc + PRSTATUS32_REG_OFF;
                v->rbx = hvs_le32(u + 0);
                v->rcx = hvs_le32(u + 4);
                v->rdx = hvs_le32(u + 8);
                v->rsi = hvs_le32(u + 12);
                v->rdi = hvs_le32(u + 16);
                v->rbp = hvs_le32(u + 20);
                v->rax = hvs_le32(u + 24);
                v->rip = hvs_le32(u + 48);
                v->rflags = hvs_le32(u + 56);
                v->rsp = hvs_le32(u + 60);
                v->valid |= HVS_REG_GPR;
        }
}

static void decode_qemu_state(hvs_vcpu_regs *v, const struct note_ref *n) {
        const uint8_t *d = n->desc;
        if (n->size < 8 || hvs_le32(d) == 0)
                return;
        /* Fields past the writer's own struct size are padding, not state. */
        uint64_t avail = MIN((uint64_t)n->size, (uint64_t)hvs_le32(d + 4));
        if (avail >= QCS_GPR_END) {
                static const size_t gpr_off[] = {
                        offsetof(hvs_vcpu_regs, rax), offsetof(hvs_vcpu_regs, rbx),
                        offsetof(hvs_vcpu_regs, rcx), offsetof(hvs_vcpu_regs, rdx),
                        offsetof(hvs_vcpu_regs, rsi), offsetof(hvs_vcpu_regs, rdi),
                        offsetof(hvs_vcpu_regs, rsp), offsetof(hvs_vcpu_regs, rbp),
                        offsetof(hvs_vcpu_regs, r8),  offsetof(hvs_vcpu_regs, r9),
                        offsetof(hvs_vcpu_regs, r10), offsetof(hvs_vcpu_regs, r11),
                        offsetof(hvs_vcpu_regs, r12), offsetof(hvs_vcpu_regs, r13),
                        offsetof(hvs_vcpu_regs, r14), offsetof(hvs_vcpu_regs, r15),
                        offsetof(hvs_vcpu_regs, rip), offsetof(hvs_vcpu_regs, rflags),
                };
                for (size_t i = 0; i < ARRAY_SIZE(gpr_off); i++) {
                        uint64_t val = hvs_le64(d + 8 + 8 * i);
                        memcpy((uint8_t *)v + gpr_off[i], &val, sizeof val);
                }
                v->valid |= HVS_REG_GPR;
        }
        if (avail >= QCS_SEGS_END) {
#define SEG(i) (d + QCS_SEG_OFF + (i) * QCS_SEG_SIZE)
                v->fs_base = hvs_le64(SEG(QSEG_FS) + 16);
                v->gs_base = hvs_le64(SEG(QSEG_GS) + 16);
                v->gdt_limit = hvs_le32(SEG(QSEG_GDT) + 4);
                v->gdt_base = hvs_le64(SEG(QSEG_GDT) + 16);
                v->idt_limit = hvs_le32(SEG(QSEG_IDT) + 4);
                v->idt_base = hvs_le64(SEG(QSEG_IDT) + 16);
                v->valid |= HVS_REG_SEG | HVS_REG_DT;
        }
        if (avail >= QCS_CR_END) {
                v->cr0 = hvs_le64(d + QCS_CR_OFF);
                v->cr2 = hvs_le64(d + QCS_CR_OFF + 16);
                v->cr3 = hvs_le64(d + QCS_CR_OFF + 24);
                v->cr4 = hvs_le64(d + QCS_CR_OFF + 32);
                v->valid |= HVS_REG_CR;
                /*
                 * QEMU's own rule (hflags): real mode runs at 0, virtual-8086
                 * mode at 3, otherwise CPL is the DPL cached in SS (bits 13-14
                 * of the descriptor flags).
                 */
                if (!(v->cr0 & 1))
                        v->cpl = 0;
                else if (v->rflags & (1u << 17))
                        v->cpl = 3;
                else
                        v->cpl = (hvs_le32(SEG(QSEG_SS) + 8) >> 13) & 3;
                v->valid |= HVS_REG_CPL;
#undef SEG
        }
        if (avail >= QCS_KGS_OFF + 8) {
                v->kernel_gs_base = hvs_le64(d + QCS_KGS_OFF);
                v->valid |= HVS_REG_KGS;
        }
}

static int cmp_seg(const void *a, const void *b) {
        const struct seg *x = a, *y = b;
        if (x->paddr != y->paddr)
                return x->paddr < y->paddr ? -1 : 1;
        return x->off < y->off ? -1 : x->off > y->off;
}

/* Sort and merge loads that name the same file bytes; see the policy above. */
static int merge_segs(struct seg *s, size_t n, hvs_diag *diag, size_t *ret_n) {
        qsort(s, n, sizeof *s, cmp_seg);
        size_t out = 0;
        for (size_t i = 0; i < n; i++) {
                if (out > 0) {
                        struct seg *last = &s[out - 1];
                        uint64_t last_end = last->paddr + last->size;   /* checked when collected */
                        /* Loads that only touch stay apart: they are distinct RAM blocks. */
                        if (s[i].paddr < last_end) {
                                uint64_t delta = s[i].paddr - last->paddr;
                                if (last->off + delta != s[i].off)
                                        return HVS_BADMSG(diag,
                                                          "program headers %zu and %zu overlap at gpa 0x%" PRIx64
                                                          " with different file data",
                                                          last->idx, s[i].idx, s[i].paddr);
                                last->size = MAX(last_end, s[i].paddr + s[i].size) - last->paddr;
                                continue;
                        }
                }
                s[out++] = s[i];
        }
        *ret_n = out;
        return 0;
}

int mem_elfcore_parse(const void *buf, size_t len, struct mem_map *map, const char *path,
                      hvs_diag *diag, hvs_mem **ret) {
        if ((!buf && len) || !ret)
                return HVS_DIAG(diag, -EINVAL, "no ELF core bytes given");
        const uint8_t *b = buf;
        if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0)
                return HVS_BADMSG(diag, "not an ELF file (bad magic)");
        if (b[EI_CLASS] == ELFCLASS32)
                return HVS_DIAG(diag, -EOPNOTSUPP,
                                "32-bit ELF cores are not supported (QEMU writes one for a guest "
                                "outside long mode with less than 4 GiB of RAM)");
        if (b[EI_CLASS] != ELFCLASS64)
                return HVS_BADMSG(diag, "bad ELF class %u", b[EI_CLASS]);
        if (b[EI_DATA] != ELFDATA2LSB)
                return HVS_DIAG(diag, -EOPNOTSUPP, "only little-endian ELF cores are supported");
        if (len < ELF64_EHDR_SIZE)
                return HVS_BADMSG(diag, "truncated ELF header (%zu bytes)", len);

        uint16_t e_type = hvs_le16(b + 16), machine = hvs_le16(b + 18);
        if (e_type != ET_CORE)
                return HVS_DIAG(diag, -EOPNOTSUPP, "ELF type %u is not a core file", e_type);
        if (machine != EM_X86_64 && machine != EM_386)
                return HVS_DIAG(diag, -EOPNOTSUPP, "ELF machine %u is not x86", machine);
        uint64_t phoff = hvs_le64(b + 32), shoff = hvs_le64(b + 40);
        uint32_t phentsize = hvs_le16(b + 54), phnum = hvs_le16(b + 56);
        uint32_t shentsize = hvs_le16(b + 58);

        if (phnum == PN_XNUM) {
                /* The real count is sh_info of section header 0. */
                if (shoff == 0 || shentsize < ELF64_SHDR_SIZE || !hvs_range_ok(shoff, ELF64_SHDR_SIZE, len))
                        return HVS_BADMSG(diag, "e_phnum is PN_XNUM but section header 0 at 0x%" PRIx64
                                          " is missing", shoff);
                phnum = hvs_le32(b + shoff + 44);
        }
        if (phnum == 0)
                return HVS_BADMSG(diag, "no program headers");
        if (phnum > HVS_MAX_ELF_PHDRS)
                return HVS_BADMSG(diag, "%" PRIu32 " program headers exceed the limit of %u (HVS_MAX_ELF_PHDRS)",
                                  phnum, HVS_MAX_ELF_PHDRS);
        if (phentsize < ELF64_PHDR_SIZE)
                return HVS_BADMSG(diag, "program header size %" PRIu32 " is below %u", phentsize, ELF64_PHDR_SIZE);
        uint64_t ph_bytes = (uint64_t)phnum * phentsize;        /* < 2^12 * 2^16 */
        if (!hvs_range_ok(phoff, ph_bytes, len))
                return HVS_BADMSG(diag, "program headers at 0x%" PRIx64 " (+%" PRIu64 ") end beyond file size 0x%zx",
                                  phoff, ph_bytes, len);

        _cleanup_free_ struct seg *segs = hvs_calloc(phnum, sizeof *segs);
        struct notes notes = { 0 };
        if (!segs)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        size_t nseg = 0;
        int r = 0;
        for (size_t i = 0; i < phnum && r == 0; i++) {
                const uint8_t *ph = b + phoff + i * phentsize;
                uint32_t type = hvs_le32(ph);
                uint64_t off = hvs_le64(ph + 8), paddr = hvs_le64(ph + 24);
                uint64_t filesz = hvs_le64(ph + 32), memsz = hvs_le64(ph + 40), end;
                if (type == PT_NOTE) {
                        if (!hvs_range_ok(off, filesz, len))
                                r = HVS_BADMSG(diag, "dump truncated: note segment %zu ends beyond file size 0x%zx",
                                               i, len);
                        else if (filesz > HVS_MAX_ELF_NOTES_BYTES - notes.bytes)
                                r = HVS_BADMSG(diag, "notes exceed %u bytes (HVS_MAX_ELF_NOTES_BYTES)",
                                               HVS_MAX_ELF_NOTES_BYTES);
                        else {
                                notes.bytes += filesz;
                                r = parse_notes(b + off, filesz, i, &notes, diag);
                        }
                } else if (type == PT_LOAD) {
                        if (filesz > memsz)
                                r = HVS_BADMSG(diag, "program header %zu: p_filesz 0x%" PRIx64 " exceeds p_memsz 0x%" PRIx64,
                                               i, filesz, memsz);
                        else if (filesz == 0)
                                continue;       /* nothing of it is in the file */
                        else if (hvs_add_overflow(off, filesz, &end) || end > len)
                                r = HVS_BADMSG(diag, "dump truncated: segment %zu ends at 0x%" PRIx64
                                               " beyond file size 0x%zx", i, end, len);
                        else if (hvs_add_overflow(paddr, filesz, &end))
                                r = HVS_BADMSG(diag, "program header %zu: gpa 0x%" PRIx64 " + 0x%" PRIx64 " overflows",
                                               i, paddr, filesz);
                        else
                                segs[nseg++] = (struct seg){ .paddr = paddr, .size = filesz, .off = off, .idx = i };
                }
        }
        if (r == 0 && nseg == 0)
                r = HVS_BADMSG(diag, "no memory segments (PT_LOAD with file bytes)");
        if (r == 0)
                r = merge_segs(segs, nseg, diag, &nseg);
        if (r == 0 && nseg > HVS_MAX_MEM_RANGES)
                r = HVS_BADMSG(diag, "%zu memory ranges exceed the limit of %u (HVS_MAX_MEM_RANGES)", nseg,
                               HVS_MAX_MEM_RANGES);
        if (r < 0) {
                notes_done(&notes);
                return r;
        }

        _cleanup_free_ struct hvs_mem_backend_range *ranges = hvs_calloc(nseg, sizeof *ranges);
        _cleanup_free_ struct elfcore *e = hvs_calloc(1, sizeof *e);
        size_t nv = MAX(notes.n_prstatus, notes.n_qemu);
        _cleanup_free_ hvs_vcpu_regs *vcpus = nv ? hvs_calloc(nv, sizeof *vcpus) : NULL;
        if (!ranges || !e || (nv && !vcpus)) {
                notes_done(&notes);
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < nseg; i++)
                ranges[i] = (struct hvs_mem_backend_range){ .gpa = segs[i].paddr, .size = segs[i].size,
                                                            .host = b + segs[i].off };
        for (size_t i = 0; i < nv; i++) {
                vcpus[i].cpu = (uint32_t)i;
                if (i < notes.n_prstatus)
                        decode_prstatus(&vcpus[i], &notes.prstatus[i], machine);
                /* The QEMU note is complete (64-bit even for EM_386): it wins. */
                if (i < notes.n_qemu)
                        decode_qemu_state(&vcpus[i], &notes.qemu[i]);
        }
        notes_done(&notes);

        hvs_mem_info info = { .kind = HVS_MEM_ELFCORE };
        hvs_strlcpy(info.source, path ? path : "", sizeof info.source);
        e->vcpus = vcpus;
        e->n_vcpus = nv;
        r = hvs_mem_new_backend(&elfcore_ops, e, ranges, nseg, &info, ret);
        if (r < 0)
                return HVS_DIAG(diag, r, "cannot build the memory map of the ELF core: %s", hvs_strerror(r));
        TAKE_PTR(vcpus);
        if (map) {
                e->map = *map;          /* the handle owns the mapping from now on */
                *map = (struct mem_map){ 0 };
                mem_set_file_backed(*ret);
        }
        TAKE_PTR(e);
        return 0;
}

HVS_API int hvs_mem_parse_elfcore(const void *buf, size_t len, hvs_diag *diag, hvs_mem **ret) {
        return mem_elfcore_parse(buf, len, NULL, "", diag, ret);
}

HVS_API int hvs_mem_open_elfcore(const char *path, hvs_diag *diag, hvs_mem **ret) {
        if (!path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no path given for the ELF core");
        struct mem_map map = { 0 };
        int r = mem_map_file(path, false, "ELF core", diag, &map);
        if (r < 0)
                return r;
        r = mem_elfcore_parse(map.addr, map.len, &map, path, diag, ret);
        mem_unmap(&map);        /* no-op on success: the handle took it */
        return r;
}

HVS_API int hvs_mem_open_image(const char *path, hvs_diag *diag, hvs_mem **ret) {
        if (!path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no path given for the memory image");
        uint8_t magic[SELFMAG] = { 0 };
        ssize_t k = 0;
        {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                /* Failures to open are reported, with the same wording, by the raw backend. */
                if (fd >= 0)
                        k = pread(fd, magic, sizeof magic, 0);
        }
        if (k == (ssize_t)sizeof magic && memcmp(magic, ELFMAG, SELFMAG) == 0)
                return hvs_mem_open_elfcore(path, diag, ret);
        /* hvscope acquire memory --compress zstd writes one zstd frame of an ELF core. */
        if (k == (ssize_t)sizeof magic && memcmp(magic, "\x28\xb5\x2f\xfd", 4) == 0)
                return HVS_DIAG(diag, -EOPNOTSUPP,
                                "'%s' is zstd-compressed: decompress it first (zstd -d '%s' -o IMAGE.elf)", path, path);
        return hvs_mem_open_raw(path, diag, ret);
}
