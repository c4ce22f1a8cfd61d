/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * elf-acq.c - what an acquired image holds and how its header looks: the
 * loads (runs of data of the guest's RAM files) and the ELF header, program
 * headers and notes in QEMU dump-guest-memory's form (acquire.h).
 *
 * Why runs of data: a guest's RAM file (tmpfs, hugetlbfs, a regular file) has
 * holes where the guest never wrote; they read as zeros and cost nothing. An
 * image that copied them would be as large as the guest's RAM and slow to
 * take; one PT_LOAD per run keeps the image to what the guest used, and an
 * absent address is then "not in the dump", as for any ELF core reader.
 * Small holes are not worth a load (56 bytes, a seek, a segment to look up)
 * and very fragmented files would need more loads than readers accept, hence
 * HVS_ACQ_MIN_HOLE and HVS_ACQ_MAX_LOADS.
 */
#include <elf.h>
#include <inttypes.h>

#include "util/util.h"
#include "mem/acquire-internal.h"

_Static_assert(HVS_ACQ_MAX_LOADS <= HVS_MAX_MEM_RANGES, "hvscope must read back every image it writes");
_Static_assert(HVS_ACQ_MAX_LOADS + 1 < PN_XNUM, "readers take e_phnum as is (no PN_XNUM)");

#define ELF_PAGE 4096u

/* x86-64 elf_prstatus as QEMU writes it: pr_pid at 32, pr_reg at 112, 336 bytes. */
#define PRSTATUS64_SIZE 336u
#define PRSTATUS64_PID 32u
#define PRSTATUS64_REG 112u
/* i386 elf_prstatus as QEMU writes it: pr_pid at 24, pr_reg at 72, 144 bytes. */
#define PRSTATUS32_SIZE 144u
#define PRSTATUS32_PID 24u
#define PRSTATUS32_REG 72u
/* QEMUCPUState version 1 without kernel_gs_base (QEMU 7.2 adds it: 440 bytes),
 * which QEMU's monitor does not print: leaving it out says "unknown". */
#define QCS_SIZE 432u
#define QCS_VERSION 1u

#define EFER_LMA (1ull << 10)

int acq_data_runs(int fd, uint64_t off, uint64_t len, int (*fn)(void *ud, uint64_t off, uint64_t len), void *ud) {
        uint64_t end;
        if (hvs_add_overflow(off, len, &end) || end > (uint64_t)INT64_MAX)
                return -EINVAL;
        uint64_t pos = off;
        while (pos < end) {
                off_t d = lseek(fd, (off_t)pos, SEEK_DATA);
                if (d < 0) {
                        if (errno == ENXIO)
                                return 0;               /* no data after pos */
                        if (errno == EINVAL || errno == EOPNOTSUPP)
                                return fn(ud, pos, end - pos);  /* no hole support: all data */
                        return -errno;
                }
                if ((uint64_t)d >= end)
                        return 0;
                off_t h = lseek(fd, d, SEEK_HOLE);
                if (h < 0)
                        return -errno;
                uint64_t run_end = MIN((uint64_t)h, end);
                if (run_end <= (uint64_t)d)
                        return -EIO;                    /* the file changed under us */
                int r = fn(ud, (uint64_t)d, run_end - (uint64_t)d);
                if (r != 0)
                        return r;
                pos = run_end;
        }
        return 0;
}

struct ext {
        uint64_t off, len;              /* in the source's file */
        size_t src;
        bool holes;                     /* holes inside (merged over) */
};

struct plan {
        struct ext *e;
        size_t n, cap;
        uint64_t min_hole;
        size_t src;
};

/* Join @b into @a (same source, @b after @a); a gap means holes inside. */
static void join(struct ext *a, const struct ext *b) {
        a->holes = a->holes || b->holes || b->off != a->off + a->len;
        a->len = b->off + b->len - a->off;
}

/* Merge neighbours of one source whose hole is below p->min_hole, in place. */
static void remerge(struct plan *p) {
        size_t out = 0;
        for (size_t i = 0; i < p->n; i++) {
                if (out > 0) {
                        struct ext *last = &p->e[out - 1];
                        if (last->src == p->e[i].src && p->e[i].off - (last->off + last->len) < p->min_hole) {
                                join(last, &p->e[i]);
                                continue;
                        }
                }
                p->e[out++] = p->e[i];
        }
        p->n = out;
}

static int add_ext(struct plan *p, uint64_t off, uint64_t len, bool holes) {
        struct ext e = { .off = off, .len = len, .src = p->src, .holes = holes };
        if (p->n > 0) {
                struct ext *last = &p->e[p->n - 1];
                if (last->src == p->src && off - (last->off + last->len) < p->min_hole) {
                        join(last, &e);
                        return 0;
                }
        }
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 64;
                struct ext *n = hvs_reallocarray(p->e, cap, sizeof *n);
                if (!n)
                        return -ENOMEM;
                p->e = n;
                p->cap = cap;
        }
        p->e[p->n++] = e;
        /* A very fragmented file: coarsen rather than grow without bound. */
        while (p->n > HVS_ACQ_MAX_EXTENTS) {
                p->min_hole *= 2;
                remerge(p);
        }
        return 0;
}

static int add_run(void *ud, uint64_t off, uint64_t len) { return add_ext(ud, off, len, false); }

struct gap {
        uint64_t len;
        size_t idx;                     /* the gap after extent idx */
};

static int cmp_gap(const void *a, const void *b) {
        const struct gap *x = a, *y = b;
        if (x->len != y->len)
                return x->len < y->len ? -1 : 1;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Merge the smallest holes (of one source) until at most @max extents remain. */
static int cap_loads(struct plan *p, size_t max) {
        if (p->n <= max)
                return 0;
        _cleanup_free_ struct gap *g = hvs_calloc(p->n, sizeof *g);
        _cleanup_free_ bool *merge = hvs_calloc(p->n, sizeof *merge);
        if (!g || !merge)
                return -ENOMEM;
        size_t ng = 0;
        for (size_t i = 0; i + 1 < p->n; i++)
                if (p->e[i].src == p->e[i + 1].src)
                        g[ng++] = (struct gap){ .len = p->e[i + 1].off - (p->e[i].off + p->e[i].len), .idx = i };
        qsort(g, ng, sizeof *g, cmp_gap);
        size_t want = p->n - max;
        if (want > ng)
                return -E2BIG;                  /* more sources than loads: cannot happen (limits.h) */
        for (size_t k = 0; k < want; k++)
                merge[g[k].idx] = true;
        size_t out = 0;
        for (size_t i = 0; i < p->n; i++) {
                if (out > 0 && merge[i - 1]) {
                        join(&p->e[out - 1], &p->e[i]);
                        continue;
                }
                p->e[out++] = p->e[i];
        }
        p->n = out;
        return 0;
}

static int check_args(const struct acq_source *src, size_t nsrc, size_t *max_loads, hvs_diag *diag) {
        if (!src || nsrc == 0)
                return HVS_DIAG(diag, -EINVAL, "no guest memory to plan");
        if (nsrc > HVS_ACQ_MAX_LOADS)
                return HVS_DIAG(diag, -E2BIG, "%zu ram ranges exceed %u loads (HVS_ACQ_MAX_LOADS)", nsrc,
                                HVS_ACQ_MAX_LOADS);
        if (*max_loads == 0 || *max_loads > HVS_ACQ_MAX_LOADS)
                *max_loads = HVS_ACQ_MAX_LOADS;
        *max_loads = MAX(*max_loads, nsrc);
        return 0;
}

static int scan_error(hvs_diag *diag, const struct acq_source *s, int r) {
        if (r == -ENOMEM)
                return r;
        return HVS_DIAG(diag, r, "cannot find the data of guest ram range 0x%" PRIx64 "+0x%" PRIx64 " in its file: %s",
                        s->gpa, s->size, strerror(-r));
}

/* Cap, then turn the extents into loads. Frees p->e. */
static int finish_plan(struct plan *p, const struct acq_source *src, size_t max_loads, int r, hvs_diag *diag,
                       struct acq_load **ret, size_t *ret_n, uint64_t *ret_bytes) {
        if (r == 0 && p->n == 0) {
                p->src = 0;
                r = add_ext(p, src[0].file_off, MIN(src[0].size, (uint64_t)ELF_PAGE), true);
        }
        if (r == 0)
                r = cap_loads(p, max_loads);
        struct acq_load *out = r == 0 ? hvs_calloc(p->n, sizeof *out) : NULL;
        if (r == 0 && !out)
                r = -ENOMEM;
        if (r == -ENOMEM)
                r = HVS_DIAG(diag, r, "out of memory");
        if (r < 0) {
                free(p->e);
                return r;
        }
        uint64_t at = 0;
        for (size_t i = 0; i < p->n; i++) {
                const struct acq_source *s = &src[p->e[i].src];
                out[i] = (struct acq_load){ .gpa = s->gpa + (p->e[i].off - s->file_off), .size = p->e[i].len,
                                            .src = p->e[i].src, .file_off = p->e[i].off, .out_off = at,
                                            .holes = p->e[i].holes };
                at += p->e[i].len;
        }
        free(p->e);
        *ret = out;
        *ret_n = p->n;
        if (ret_bytes)
                *ret_bytes = at;
        return 0;
}

int acq_plan(const struct acq_source *src, size_t nsrc, uint64_t min_hole, size_t max_loads, hvs_diag *diag,
             struct acq_load **ret, size_t *ret_n, uint64_t *ret_bytes) {
        if (!ret || !ret_n)
                return HVS_DIAG(diag, -EINVAL, "no guest memory to plan");
        int r = check_args(src, nsrc, &max_loads, diag);
        if (r < 0)
                return r;
        struct plan p = { .min_hole = min_hole ? min_hole : HVS_ACQ_MIN_HOLE };
        for (size_t i = 0; i < nsrc && r == 0; i++) {
                p.src = i;
                r = acq_data_runs(src[i].fd, src[i].file_off, src[i].size, add_run, &p);
                if (r < 0)
                        r = scan_error(diag, &src[i], r);
        }
        return finish_plan(&p, src, max_loads, r, diag, ret, ret_n, ret_bytes);
}

int acq_plan_again(const struct acq_source *src, size_t nsrc, const struct acq_load *old, size_t nold,
                   uint64_t min_hole, size_t max_loads, hvs_diag *diag, struct acq_load **ret, size_t *ret_n,
                   uint64_t *ret_bytes) {
        if (!ret || !ret_n || (!old && nold))
                return HVS_DIAG(diag, -EINVAL, "no guest memory to plan");
        int r = check_args(src, nsrc, &max_loads, diag);
        if (r < 0)
                return r;
        struct plan p = { .min_hole = min_hole ? min_hole : HVS_ACQ_MIN_HOLE };
        size_t k = 0;
        for (size_t i = 0; i < nsrc && r == 0; i++) {
                p.src = i;
                uint64_t pos = src[i].file_off, end = src[i].file_off + src[i].size;
                /* Old loads are sorted by gpa, and gpa order is source order. */
                for (; k < nold && old[k].src == i && r == 0; k++) {
                        if (old[k].file_off < pos || old[k].file_off + old[k].size > end)
                                return free(p.e), HVS_DIAG(diag, -EINVAL, "load %zu is not in its ram range", k);
                        r = acq_data_runs(src[i].fd, pos, old[k].file_off - pos, add_run, &p);
                        if (r == 0)
                                r = add_ext(&p, old[k].file_off, old[k].size, old[k].holes);
                        pos = old[k].file_off + old[k].size;
                }
                if (r == 0)
                        r = acq_data_runs(src[i].fd, pos, end - pos, add_run, &p);
                if (r < 0)
                        r = scan_error(diag, &src[i], r);
        }
        if (r == 0 && k != nold)
                r = HVS_DIAG(diag, -EINVAL, "loads out of order");
        return finish_plan(&p, src, max_loads, r, diag, ret, ret_n, ret_bytes);
}

/* ---- ELF header and notes ------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static size_t note_size(size_t namesz, size_t descsz) {
        return 12 + ((namesz + 3) & ~(size_t)3) + ((descsz + 3) & ~(size_t)3);
}

/* Write a note header and name at @p; return where the descriptor goes. */
static uint8_t *note_start(uint8_t *p, const char *name, uint32_t descsz, uint32_t type) {
        size_t namesz = strlen(name) + 1;
        put32(p, (uint32_t)namesz);
        put32(p + 4, descsz);
        put32(p + 8, type);
        memcpy(p + 12, name, namesz);
        return p + 12 + ((namesz + 3) & ~(size_t)3);
}

static void fill_prstatus64(uint8_t *d, const hvs_acq_vcpu *v) {
        const uint64_t *g = v->gpr;     /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
        put32(d + PRSTATUS64_PID, v->cpu + 1);  /* QEMU: cpu_index + 1 */
        uint8_t *u = d + PRSTATUS64_REG;
        const uint64_t regs[27] = {
                g[15], g[14], g[13], g[12], g[6], g[1], g[11], g[10], g[9], g[8], g[0], g[2], g[3], g[4], g[5],
                0 /* orig_rax */, v->rip, v->seg[HVS_ACQ_CS].selector, v->rflags, g[7], v->seg[HVS_ACQ_SS].selector,
                v->seg[HVS_ACQ_FS].base, v->seg[HVS_ACQ_GS].base, v->seg[HVS_ACQ_DS].selector,
                v->seg[HVS_ACQ_ES].selector, v->seg[HVS_ACQ_FS].selector, v->seg[HVS_ACQ_GS].selector,
        };
        for (size_t i = 0; i < 27; i++)
                put64(u + 8 * i, regs[i]);
}

static void fill_prstatus32(uint8_t *d, const hvs_acq_vcpu *v) {
        const uint64_t *g = v->gpr;
        put32(d + PRSTATUS32_PID, v->cpu + 1);
        uint8_t *u = d + PRSTATUS32_REG;
        put32(u + 0, (uint32_t)g[1]);   /* ebx */
        put32(u + 4, (uint32_t)g[2]);   /* ecx */
        put32(u + 8, (uint32_t)g[3]);   /* edx */
        put32(u + 12, (uint32_t)g[4]);  /* esi */
        put32(u + 16, (uint32_t)g[5]);  /* edi */
        put32(u + 20, (uint32_t)g[6]);  /* ebp */
        put32(u + 24, (uint32_t)g[0]);  /* eax */
        put16(u + 28, (uint16_t)v->seg[HVS_ACQ_DS].selector);
        put16(u + 32, (uint16_t)v->seg[HVS_ACQ_ES].selector);
        put16(u + 36, (uint16_t)v->seg[HVS_ACQ_FS].selector);
        put16(u + 40, (uint16_t)v->seg[HVS_ACQ_GS].selector);
        put32(u + 48, (uint32_t)v->rip);
        put16(u + 52, (uint16_t)v->seg[HVS_ACQ_CS].selector);
        put32(u + 56, (uint32_t)v->rflags);
        put32(u + 60, (uint32_t)g[7]);  /* esp */
        put16(u + 64, (uint16_t)v->seg[HVS_ACQ_SS].selector);
}

static void put_seg(uint8_t *p, uint32_t sel, uint32_t limit, uint32_t flags, uint64_t base) {
        put32(p, sel);
        put32(p + 4, limit);
        put32(p + 8, flags);
        put32(p + 12, 0);
        put64(p + 16, base);
}

static void fill_qemu_state(uint8_t *d, const hvs_acq_vcpu *v) {
        const uint64_t *g = v->gpr;
        put32(d, QCS_VERSION);
        put32(d + 4, QCS_SIZE);
        /* rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags */
        const uint64_t gpr[18] = { g[0], g[1], g[2], g[3], g[4], g[5], g[7], g[6], g[8], g[9],
                                   g[10], g[11], g[12], g[13], g[14], g[15], v->rip, v->rflags };
        for (size_t i = 0; i < 18; i++)
                put64(d + 8 + 8 * i, gpr[i]);
        static const enum hvs_acq_seg_id order[] = { HVS_ACQ_CS, HVS_ACQ_DS, HVS_ACQ_ES, HVS_ACQ_FS,
                                                     HVS_ACQ_GS, HVS_ACQ_SS, HVS_ACQ_LDT, HVS_ACQ_TR };
        uint8_t *s = d + 152;
        for (size_t i = 0; i < ARRAY_SIZE(order); i++, s += 24) {
                const hvs_acq_seg *sg = &v->seg[order[i]];
                put_seg(s, sg->selector, sg->limit, sg->flags, sg->base);
        }
        put_seg(s, 0, v->gdt_limit, 0, v->gdt_base);
        put_seg(s + 24, 0, v->idt_limit, 0, v->idt_base);
        uint8_t *cr = s + 48;                   /* 392 */
        put64(cr, v->cr0);
        put64(cr + 8, 0);                       /* cr1 */
        put64(cr + 16, v->cr2);
        put64(cr + 24, v->cr3);
        put64(cr + 32, v->cr4);
}

int acq_elf_header(const struct acq_load *loads, size_t nloads, const hvs_acq_vcpu *vcpus, size_t nvcpus,
                   const char *note_json, uint8_t **ret, size_t *ret_len) {
        if ((!loads && nloads) || (!vcpus && nvcpus) || !ret || !ret_len)
                return -EINVAL;
        if (nloads > HVS_ACQ_MAX_LOADS || nvcpus > HVS_MAX_VCPUS)
                return -E2BIG;
        if (!note_json)
                note_json = "{}";
        bool lm = nvcpus == 0 || (vcpus[0].efer & EFER_LMA);
        size_t prsz = lm ? PRSTATUS64_SIZE : PRSTATUS32_SIZE;
        size_t jlen = strlen(note_json) + 1;
        if (jlen > HVS_MAX_ELF_NOTES_BYTES / 2)
                return -E2BIG;
        size_t phnum = 1 + nloads;
        size_t notes = nvcpus * (note_size(5, prsz) + note_size(5, QCS_SIZE)) + note_size(8, jlen);
        size_t hdr = 64 + 56 * phnum + notes;
        size_t total = (hdr + ELF_PAGE - 1) & ~(size_t)(ELF_PAGE - 1);
        uint8_t *b = hvs_calloc(1, total);
        if (!b)
                return -ENOMEM;

        memcpy(b, ELFMAG, SELFMAG);
        b[EI_CLASS] = ELFCLASS64;
        b[EI_DATA] = ELFDATA2LSB;
        b[EI_VERSION] = EV_CURRENT;
        b[EI_OSABI] = ELFOSABI_NONE;
        put16(b + 16, ET_CORE);
        put16(b + 18, lm ? EM_X86_64 : EM_386);
        put32(b + 20, EV_CURRENT);
        put64(b + 32, 64);                      /* e_phoff */
        put16(b + 52, 64);                      /* e_ehsize */
        put16(b + 54, 56);                      /* e_phentsize */
        put16(b + 56, (uint16_t)phnum);

        uint8_t *ph = b + 64;
        size_t note_off = 64 + 56 * phnum;
        put32(ph, PT_NOTE);
        put64(ph + 8, note_off);
        put64(ph + 32, notes);
        put64(ph + 40, notes);
        for (size_t i = 0; i < nloads; i++) {
                uint8_t *p = ph + 56 * (i + 1);
                put32(p, PT_LOAD);
                put64(p + 8, total + loads[i].out_off);
                put64(p + 16, loads[i].gpa);    /* p_vaddr: as QEMU's paging=false dumps */
                put64(p + 24, loads[i].gpa);    /* p_paddr */
                put64(p + 32, loads[i].size);
                put64(p + 40, loads[i].size);
        }

        uint8_t *n = b + note_off;
        for (size_t i = 0; i < nvcpus; i++) {
                uint8_t *d = note_start(n, "CORE", (uint32_t)prsz, NT_PRSTATUS);
                if (lm)
                        fill_prstatus64(d, &vcpus[i]);
                else
                        fill_prstatus32(d, &vcpus[i]);
                n += note_size(5, prsz);
        }
        for (size_t i = 0; i < nvcpus; i++) {
                fill_qemu_state(note_start(n, "QEMU", QCS_SIZE, 0), &vcpus[i]);
                n += note_size(5, QCS_SIZE);
        }
        memcpy(note_start(n, "HVSCOPE", (uint32_t)jlen, HVS_ACQ_NOTE_TYPE), note_json, jlen);
        *ret = b;
        *ret_len = total;
        return 0;
}
