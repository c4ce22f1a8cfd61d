/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * backend-qemu.c - a live QEMU VM: guest RAM from its shared file backend,
 * laid out by the flat memory tree, registers and pause/resume over QMP.
 *
 * What QEMU 7.2 answers (observed, see tests/unit/test-qmp.c for the text):
 *  - qom-get /machine memory-backend -> "/objects/mem" (the path of the
 *    object given by -machine memory-backend=mem; "" when unset);
 *  - qom-list /objects -> [{"name":"mem","type":"child<memory-backend-file>"}, ...];
 *  - qom-get /objects/mem mem-path / share / size / type;
 *  - "info mtree -f": the flat view shared by the address spaces "memory"
 *    and "cpu-memory-N" lists RAM as
 *      "  0000000100000000-00000001bfffffff (prio 0, ram): mem @0000000080000000"
 *    where "mem" is the memory region of the backend (named after its id, or
 *    its canonical path with x-use-canonical-path-for-ramblock-id) and
 *    "@..." is the offset into that region, i.e. into the file (absent = 0);
 *    under KVM the line ends in " KVM". Once SeaBIOS has run, the chipset
 *    maps parts of 0xc0000-0xfffff read-only ("rom", owner still "mem"):
 *    that is guest RAM in the file too and is included; "rom" of other
 *    owners (pc.bios, pc.rom) is firmware, not in the file, and left out.
 *    The flat view of "memory" is not always FlatView #0 (SMM address
 *    spaces come first on a booted q35).
 * The file is mapped MAP_SHARED and PROT_READ: the mapping sees the guest's
 * writes as they happen, and nothing here can write to the guest.
 *
 * Reads never allocate pages in the RAM file. On tmpfs (/dev/shm) a page
 * the guest never wrote is a hole, and a read fault through a shared mapping
 * of a hole allocates a page in the file: a scan of all RAM (finding the
 * kernel) made a 512 MiB guest's file fully resident, 119 -> 512 MiB of host
 * memory charged to the guest. So the handle gets no host pointers; its read
 * callback copies from the mapping only pages known to be in the file
 * (mincore(), remembered in a bit per page: a page once allocated stays so
 * unless QEMU punches it out again, e.g. for virtio-balloon free page
 * reporting, and then one later read of it by this handle re-allocates it)
 * and reads everything else with pread(), which returns zeros for a hole
 * without allocating. mincore() tells the page cache's state only to a
 * process that owns the file or may write it; otherwise every read is a
 * pread().
 *
 * Guest RAM made of several backends (NUMA nodes: -numa node,memdev=...) is
 * supported when every one is a shared file backend: without the machine
 * property, every memory-backend-* object that owns RAM in the flat view is
 * used.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "util/util.h"
#include <hvscope/limits.h>
#include "mem/mem-internal.h"
#include "mem/qmp.h"

/* Memory-backend objects considered (NUMA nodes); QEMU allows far fewer nodes. */
#define QEMU_MAX_RAM_BACKENDS 64u
/* Bytes of /proc/PID/cmdline read (Linux caps argument space well below). */
#define QEMU_MAX_CMDLINE_BYTES (1u << 20)
/* QMP socket candidates taken from one command line. */
#define QEMU_MAX_QMP_SOCKETS 16u

#define QEMU_HINT                                                                                  \
        "start QEMU with -object memory-backend-file,id=mem,size=SIZE,mem-path=/dev/shm/NAME,share=on " \
        "-machine memory-backend=mem"

struct qemu_backend {
        char path[256];                 /* QOM path, "/objects/mem" */
        char id[128];                   /* last component, "mem" */
        char type[64];                  /* "memory-backend-file", ... */
        bool used;                      /* owns RAM in the flat view */
        struct mem_map map;
        uint64_t size;                  /* the object's "size" */
        char mem_path[4096];            /* its file (qom mem-path), once mapped */
        int fd;                         /* the file, for pread() (-1 before mapping) */
        bool mincore_ok;                /* mincore() shows the file's pages to us */
        uint8_t *in_file;               /* a bit per page of the mapping: known to be allocated */
};

struct qemu_vm {
        qmp *q;
        bool paused_by_us;
        struct qemu_backend *be;
        size_t n_be;
        hvs_vcpu_regs *vcpus;
        size_t n_vcpus;
        struct hvs_mem_backend_range *ranges;   /* sorted by gpa, with the host pointers the hvs_mem does
                                                 * not get (qemu_read(), qemu_live_parts()) */
        size_t *range_be;                       /* the backend of each range */
        size_t n_ranges;
};

/* ---------------------------------------------------------------- parsers */

static bool parse_hex(const char **p, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;
        size_t n = 0;
        for (;; s++, n++) {
                unsigned d;
                if (*s >= '0' && *s <= '9')
                        d = (unsigned)(*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned)(*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned)(*s - 'A' + 10);
                else
                        break;
                if (n >= 16)
                        return false;
                v = v << 4 | d;
        }
        if (n == 0)
                return false;
        *p = s;
        *ret = v;
        return true;
}

static bool skip_lit(const char **p, const char *lit) {
        size_t n = strlen(lit);
        if (strncmp(*p, lit, n) != 0)
                return false;
        *p += n;
        return true;
}

/* Copy the line starting at @s into @buf (truncated), return the next line. */
static const char *next_line(const char *s, char *buf, size_t cap) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        size_t k = MIN(len, cap - 1);
        memcpy(buf, s, k);
        buf[k] = '\0';
        if (k && buf[k - 1] == '\r')
                buf[k - 1] = '\0';
        return eol ? eol + 1 : s + len;
}

static int grow(void **arr, size_t n, size_t elem) {
        if (n & (n - 1))
                return 0;
        void *p = hvs_reallocarray(*arr, n ? n * 2 : 4, elem);
        if (!p)
                return -ENOMEM;
        *arr = p;
        return 0;
}

int qemu_parse_mtree(const char *text, hvs_diag *diag, struct qemu_ram_region **ret, size_t *ret_n) {
        if (!text || !ret || !ret_n)
                return HVS_DIAG(diag, -EINVAL, "no mtree text given");
        _cleanup_free_ struct qemu_ram_region *out = NULL;
        size_t n = 0;
        bool in_memory = false, found = false;
        char line[1024];
        unsigned lineno = 0;
        for (const char *s = text; *s;) {
                s = next_line(s, line, sizeof line);
                lineno++;
                const char *p = line;
                if (strncmp(p, "FlatView #", 10) == 0) {
                        in_memory = false;
                        continue;
                }
                while (*p == ' ')
                        p++;
                if (strncmp(p, "AS \"", 4) == 0) {
                        if (strncmp(p, "AS \"memory\"", 11) == 0)
                                in_memory = found = true;
                        continue;
                }
                /* QEMU before 4.0: "address-space (flat view): memory". */
                if (skip_lit(&p, "address-space (flat view): ")) {
                        in_memory = strcmp(p, "memory") == 0;
                        found |= in_memory;
                        continue;
                }
                uint64_t start, end, off = 0;
                /* Headers, "Root memory region: ...", "No rendered FlatView" are skipped. */
                if (!in_memory || !strstr(p, " (prio "))
                        continue;
                if (!parse_hex(&p, &start) || *p++ != '-' || !parse_hex(&p, &end) || !skip_lit(&p, " (prio "))
                        return HVS_BADMSG(diag, "mtree line %u does not parse: '%s'", lineno, line);
                if (*p == '-')
                        p++;
                while (*p >= '0' && *p <= '9')
                        p++;
                if (!skip_lit(&p, ", "))
                        return HVS_BADMSG(diag, "mtree line %u does not parse: '%s'", lineno, line);
                const char *type = p;
                const char *close = strstr(p, "): ");
                if (!close)
                        return HVS_BADMSG(diag, "mtree line %u does not parse: '%s'", lineno, line);
                bool is_ram = (size_t)(close - type) == 3 && strncmp(type, "ram", 3) == 0;
                bool is_rom = (size_t)(close - type) == 3 && strncmp(type, "rom", 3) == 0;
                p = close + 3;
                if (!is_ram && !is_rom)
                        continue;
                if (start > end || end - start == UINT64_MAX)
                        return HVS_BADMSG(diag, "mtree line %u: bad range 0x%" PRIx64 "-0x%" PRIx64, lineno,
                                          start, end);
                size_t nl = strcspn(p, " ");
                if (nl == 0 || nl >= sizeof out->owner)
                        return HVS_BADMSG(diag, "mtree line %u: bad region name", lineno);
                const char *after = p + nl;
                if (*after == ' ' && after[1] == '@') {
                        after += 2;
                        if (!parse_hex(&after, &off))
                                return HVS_BADMSG(diag, "mtree line %u: bad offset", lineno);
                }
                if (n >= HVS_MAX_MEM_RANGES)
                        return HVS_DIAG(diag, -E2BIG, "more than %u ram ranges in the memory tree",
                                        HVS_MAX_MEM_RANGES);
                if (grow((void **)&out, n, sizeof *out) < 0)
                        return HVS_DIAG(diag, -ENOMEM, "out of memory");
                struct qemu_ram_region *r = &out[n++];
                *r = (struct qemu_ram_region){ .gpa = start, .size = end - start + 1, .offset = off, .rom = is_rom };
                memcpy(r->owner, p, nl);
                r->owner[nl] = '\0';
        }
        if (!found)
                return HVS_BADMSG(diag, "no flat view for address space 'memory' in 'info mtree -f' output");
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

/* Registers named in "info registers"; 32-bit names share the slot. */
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP, R_8, R_9, R_10, R_11, R_12, R_13, R_14,
       R_15, R_IP, R_FL, R_CR0, R_CR2, R_CR3, R_CR4, R_EFER, R_CPL, R_FS, R_GS, R_GDT, R_IDT, R_NUM };

static const struct reg_name {
        const char *name;
        int slot;
        size_t off;
} reg_names[] = {
#define REG(n, s, f) { n, s, offsetof(hvs_vcpu_regs, f) }
        REG("RAX", R_AX, rax), REG("EAX", R_AX, rax), REG("RBX", R_BX, rbx), REG("EBX", R_BX, rbx),
        REG("RCX", R_CX, rcx), REG("ECX", R_CX, rcx), REG("RDX", R_DX, rdx), REG("EDX", R_DX, rdx),
        REG("RSI", R_SI, rsi), REG("ESI", R_SI, rsi), REG("RDI", R_DI, rdi), REG("EDI", R_DI, rdi),
        REG("RBP", R_BP, rbp), REG("EBP", R_BP, rbp), REG("RSP", R_SP, rsp), REG("ESP", R_SP, rsp),
        REG("R8", R_8, r8), REG("R9", R_9, r9), REG("R10", R_10, r10), REG("R11", R_11, r11),
        REG("R12", R_12, r12), REG("R13", R_13, r13), REG("R14", R_14, r14), REG("R15", R_15, r15),
        REG("RIP", R_IP, rip), REG("EIP", R_IP, rip), REG("RFL", R_FL, rflags), REG("EFL", R_FL, rflags),
        REG("CR0", R_CR0, cr0), REG("CR2", R_CR2, cr2), REG("CR3", R_CR3, cr3), REG("CR4", R_CR4, cr4),
        REG("EFER", R_EFER, efer),
#undef REG
};

struct reg_block {
        hvs_vcpu_regs regs;
        uint64_t seen;                  /* bit per R_* slot */
};

static void set_u64(hvs_vcpu_regs *v, size_t off, uint64_t val) {
        memcpy((uint8_t *)v + off, &val, sizeof val);
}

#define SEEN(b, s) (((b)->seen >> (s)) & 1)
#define SEEN_ALL(b, lo, hi) ((((b)->seen >> (lo)) & ((1ull << ((hi) - (lo) + 1)) - 1)) == ((1ull << ((hi) - (lo) + 1)) - 1))

static void finish_block(struct reg_block *b) {
        hvs_vcpu_regs *v = &b->regs;
        v->valid = 0;
        /* R8-R15 are printed only in long mode; the other eight and RIP/RFL always. */
        if (SEEN_ALL(b, R_AX, R_SP) && SEEN(b, R_IP) && SEEN(b, R_FL))
                v->valid |= HVS_REG_GPR;
        if (SEEN_ALL(b, R_CR0, R_CR4))
                v->valid |= HVS_REG_CR;
        if (SEEN(b, R_EFER))
                v->valid |= HVS_REG_EFER;
        if (SEEN(b, R_CPL))
                v->valid |= HVS_REG_CPL;
        if (SEEN(b, R_FS) && SEEN(b, R_GS))
                v->valid |= HVS_REG_SEG;
        if (SEEN(b, R_GDT) && SEEN(b, R_IDT))
                v->valid |= HVS_REG_DT;
}

/*
 * "FS =0000 0000000000000000 ffffffff 00c00000" (selector base limit flags),
 * "GDT=     0000000000000000 0000ffff" (base limit). Returns false if @line
 * is not such a line; -1 through @err if it is one and does not parse.
 */
static bool parse_seg_line(const char *line, struct reg_block *b, int *err) {
        static const char *const segs[] = { "ES =", "CS =", "SS =", "DS =", "FS =", "GS =", "LDT=", "TR =" };
        const char *p = line;
        uint64_t sel, base, limit;
        if (skip_lit(&p, "GDT=") || skip_lit(&p, "IDT=")) {
                bool gdt = line[0] == 'G';
                while (*p == ' ')
                        p++;
                if (!parse_hex(&p, &base) || *p++ != ' ' || !parse_hex(&p, &limit) || limit > UINT32_MAX) {
                        *err = -1;
                        return true;
                }
                if (gdt) {
                        b->regs.gdt_base = base;
                        b->regs.gdt_limit = (uint32_t)limit;
                        b->seen |= 1ull << R_GDT;
                } else {
                        b->regs.idt_base = base;
                        b->regs.idt_limit = (uint32_t)limit;
                        b->seen |= 1ull << R_IDT;
                }
                return true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
                if (!skip_lit(&p, segs[i]))
                        continue;
                if (!parse_hex(&p, &sel) || *p++ != ' ' || !parse_hex(&p, &base)) {
                        *err = -1;
                        return true;
                }
                if (line[0] == 'F' && line[1] == 'S') {
                        b->regs.fs_base = base;
                        b->seen |= 1ull << R_FS;
                } else if (line[0] == 'G' && line[1] == 'S') {
                        b->regs.gs_base = base;
                        b->seen |= 1ull << R_GS;
                }
                return true;
        }
        return false;
}

/* Generic "NAME=hex" pairs; "R8 =..." has a space before '='. */
static int parse_pairs(const char *line, struct reg_block *b) {
        for (const char *eq = strchr(line, '='); eq; eq = strchr(eq + 1, '=')) {
                const char *k_end = eq;
                while (k_end > line && k_end[-1] == ' ')
                        k_end--;
                const char *k = k_end;
                while (k > line && ((k[-1] >= 'A' && k[-1] <= 'Z') || (k[-1] >= '0' && k[-1] <= '9')))
                        k--;
                size_t kl = (size_t)(k_end - k);
                if (kl == 0 || kl > 4)
                        continue;
                char key[5];
                memcpy(key, k, kl);
                key[kl] = '\0';
                const char *v = eq + 1;
                uint64_t val;
                if (strcmp(key, "CPL") == 0) {
                        if (!parse_hex(&v, &val) || val > 3)
                                return -1;
                        b->regs.cpl = (uint32_t)val;
                        b->seen |= 1ull << R_CPL;
                        continue;
                }
                for (size_t i = 0; i < ARRAY_SIZE(reg_names); i++) {
                        if (strcmp(key, reg_names[i].name) != 0)
                                continue;
                        if (!parse_hex(&v, &val))
                                return -1;
                        set_u64(&b->regs, reg_names[i].off, val);
                        b->seen |= 1ull << reg_names[i].slot;
                        break;
                }
        }
        return 0;
}

int qemu_parse_registers(const char *text, hvs_diag *diag, hvs_vcpu_regs **ret, size_t *ret_n) {
        if (!text || !ret || !ret_n)
                return HVS_DIAG(diag, -EINVAL, "no register text given");
        _cleanup_free_ struct reg_block *blocks = NULL;
        size_t n = 0;
        struct reg_block *cur = NULL;
        char line[1024];
        unsigned lineno = 0;
        for (const char *s = text; *s;) {
                s = next_line(s, line, sizeof line);
                lineno++;
                if (line[0] == '\0')
                        continue;
                bool header = strncmp(line, "CPU#", 4) == 0;
                if (header || !cur) {
                        if (n >= HVS_MAX_VCPUS)
                                return HVS_DIAG(diag, -E2BIG, "more than %u cpus in 'info registers'", HVS_MAX_VCPUS);
                        if (grow((void **)&blocks, n, sizeof *blocks) < 0)
                                return HVS_DIAG(diag, -ENOMEM, "out of memory");
                        cur = &blocks[n++];
                        *cur = (struct reg_block){ 0 };
                        if (header) {
                                char *end;
                                errno = 0;
                                unsigned long id = strtoul(line + 4, &end, 10);
                                if (end == line + 4 || errno || id > UINT32_MAX)
                                        return HVS_BADMSG(diag, "'info registers' line %u: bad cpu header '%s'",
                                                          lineno, line);
                                cur->regs.cpu = (uint32_t)id;
                                continue;
                        }
                }
                int err = 0;
                if (parse_seg_line(line, cur, &err)) {
                        if (err)
                                return HVS_BADMSG(diag, "'info registers' line %u does not parse: '%s'", lineno, line);
                        continue;
                }
                if (parse_pairs(line, cur) < 0)
                        return HVS_BADMSG(diag, "'info registers' line %u does not parse: '%s'", lineno, line);
        }

        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
                if (SEEN(&blocks[i], R_IP))
                        kept++;
        if (kept == 0) {
                next_line(text, line, 120);
                return HVS_BADMSG(diag, "no cpu state in 'info registers' output ('%s')", line);
        }
        hvs_vcpu_regs *out = hvs_calloc(kept, sizeof *out);
        if (!out)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        for (size_t i = 0, j = 0; i < n; i++) {
                if (!SEEN(&blocks[i], R_IP))
                        continue;
                finish_block(&blocks[i]);
                out[j++] = blocks[i].regs;
        }
        *ret = out;
        *ret_n = kept;
        return 0;
}

/*
 * The value of key @key in a QEMU option string "a=b,c=d" (",," is a literal
 * comma); the first element may be a bare word (chardev backend).
 * Returns a new string, NULL if absent (or out of memory: *oom set).
 */
static char *opt_get(const char *opts, const char *key, bool *oom) {
        size_t kl = strlen(key);
        const char *p = opts;
        while (*p) {
                const char *elem = p;
                /* Find the end of this element, skipping escaped commas. */
                const char *q = p;
                while (*q && !(*q == ',' && q[1] != ',')) {
                        if (*q == ',' && q[1] == ',')
                                q++;
                        q++;
                }
                if ((size_t)(q - elem) > kl && strncmp(elem, key, kl) == 0 && elem[kl] == '=') {
                        char *v = hvs_malloc((size_t)(q - elem) - kl);
                        if (!v) {
                                *oom = true;
                                return NULL;
                        }
                        size_t j = 0;
                        for (const char *c = elem + kl + 1; c < q; c++) {
                                v[j++] = *c;
                                if (*c == ',' && c[1] == ',')
                                        c++;
                        }
                        v[j] = '\0';
                        return v;
                }
                p = *q ? q + 1 : q;
        }
        return NULL;
}

/* "unix:PATH[,opts]" -> PATH (unescaped); NULL if not a unix socket. */
static char *unix_spec_path(const char *spec, bool *oom) {
        if (strncmp(spec, "unix:", 5) != 0)
                return NULL;
        const char *p = spec + 5;
        char *v = hvs_malloc(strlen(p) + 1);
        if (!v) {
                *oom = true;
                return NULL;
        }
        size_t j = 0;
        for (; *p; p++) {
                if (*p == ',') {
                        if (p[1] != ',')
                                break;
                        p++;
                }
                v[j++] = *p;
        }
        v[j] = '\0';
        if (j == 0) {
                free(v);
                return NULL;
        }
        return v;
}

static int add_path(char **ret, size_t max, size_t *n, char *path, const char *cwd) {
        if (!path)
                return 0;
        if (*n >= max) {
                free(path);
                return 0;
        }
        for (size_t i = 0; i < *n; i++) {
                if (strcmp(ret[i], path) == 0) {
                        free(path);
                        return 0;
                }
        }
        if (path[0] != '/' && cwd) {
                size_t l = strlen(cwd) + 1 + strlen(path) + 1;
                char *abs = hvs_malloc(l);
                if (!abs) {
                        free(path);
                        return -ENOMEM;
                }
                snprintf(abs, l, "%s/%s", cwd, path);
                free(path);
                path = abs;
        }
        ret[(*n)++] = path;
        return 0;
}

int qemu_find_qmp_sockets(const char *cmdline, size_t len, const char *cwd, char **ret, size_t max) {
        /* Split into arguments; the last one may lack its NUL. */
        size_t nargs = 0;
        for (size_t i = 0; i < len; i++)
                if (cmdline[i] == '\0' || i + 1 == len)
                        nargs++;
        _cleanup_free_ const char **argv = hvs_calloc(nargs ? nargs : 1, sizeof *argv);
        _cleanup_free_ char *copy = hvs_malloc(len + 1);
        if (!argv || !copy)
                return -ENOMEM;
        memcpy(copy, cmdline, len);
        copy[len] = '\0';
        size_t k = 0;
        for (size_t i = 0; i < len && k < nargs;) {
                argv[k++] = copy + i;
                i += strlen(copy + i) + 1;
        }
        nargs = k;

        size_t n = 0;
        bool oom = false;
        /* Pass 1: -qmp; pass 2: control monitors on socket chardevs. */
        for (size_t i = 0; i + 1 < nargs; i++) {
                const char *o = argv[i];
                if (o[0] == '-' && o[1] == '-')
                        o++;
                if (strcmp(o, "-qmp") == 0 || strcmp(o, "-qmp-pretty") == 0) {
                        if (add_path(ret, max, &n, unix_spec_path(argv[i + 1], &oom), cwd) < 0)
                                oom = true;
                }
        }
        for (size_t i = 0; i + 1 < nargs && !oom; i++) {
                const char *o = argv[i];
                if (o[0] == '-' && o[1] == '-')
                        o++;
                if (strcmp(o, "-mon") != 0)
                        continue;
                _cleanup_free_ char *mode = opt_get(argv[i + 1], "mode", &oom);
                _cleanup_free_ char *chr = opt_get(argv[i + 1], "chardev", &oom);
                if (!mode || !chr || strcmp(mode, "control") != 0)
                        continue;
                for (size_t j = 0; j + 1 < nargs && !oom; j++) {
                        const char *c = argv[j];
                        if (c[0] == '-' && c[1] == '-')
                                c++;
                        if (strcmp(c, "-chardev") != 0 || strncmp(argv[j + 1], "socket,", 7) != 0)
                                continue;
                        _cleanup_free_ char *id = opt_get(argv[j + 1], "id", &oom);
                        if (!id || strcmp(id, chr) != 0)
                                continue;
                        if (add_path(ret, max, &n, opt_get(argv[j + 1], "path", &oom), cwd) < 0)
                                oom = true;
                }
        }
        if (oom) {
                for (size_t i = 0; i < n; i++)
                        free(ret[i]);
                return -ENOMEM;
        }
        return (int)n;
}

/* ---------------------------------------------------------------- backend */

static void vm_free(struct qemu_vm *vm) {
        if (!vm)
                return;
        if (vm->q && vm->paused_by_us)
                (void)qmp_execute(vm->q, "cont", NULL, NULL, NULL);
        qmp_close(vm->q);
        for (size_t i = 0; i < vm->n_be; i++) {
                mem_unmap(&vm->be[i].map);
                if (vm->be[i].fd >= 0)
                        close(vm->be[i].fd);
                free(vm->be[i].in_file);
        }
        free(vm->be);
        free(vm->vcpus);
        free(vm->ranges);
        free(vm->range_be);
        free(vm);
}

static void vm_freep(struct qemu_vm **vm) { vm_free(*vm); }

static void qemu_close(void *priv) { vm_free(priv); }

static int qemu_vcpus(void *priv, const hvs_vcpu_regs **ret, size_t *ret_n, hvs_diag *diag) {
        struct qemu_vm *vm = priv;
        _cleanup_free_ char *text = NULL;
        hvs_vcpu_regs *regs = NULL;
        size_t n = 0;
        int r = qmp_hmp(vm->q, "info registers -a", diag, &text);
        if (r < 0)
                return r;
        r = qemu_parse_registers(text, diag, &regs, &n);
        if (r == -EBADMSG && !strstr(text, "CPU#")) {
                /* A QEMU without "-a": the monitor's current CPU only. */
                free(text);
                text = NULL;
                r = qmp_hmp(vm->q, "info registers", diag, &text);
                if (r < 0)
                        return r;
                r = qemu_parse_registers(text, diag, &regs, &n);
        }
        if (r < 0)
                return r;
        free(vm->vcpus);
        vm->vcpus = regs;
        vm->n_vcpus = n;
        *ret = regs;
        *ret_n = n;
        return 0;
}

static int query_running(struct qemu_vm *vm, hvs_diag *diag, bool *ret) {
        json_object *st = NULL, *v;
        int r = qmp_execute(vm->q, "query-status", NULL, diag, &st);
        if (r < 0)
                return r;
        bool ok = json_object_is_type(st, json_type_object) && json_object_object_get_ex(st, "running", &v) &&
                  json_object_is_type(v, json_type_boolean);
        if (ok)
                *ret = json_object_get_boolean(v);
        json_object_put(st);
        return ok ? 0 : HVS_BADMSG(diag, "qmp 'query-status': no 'running' flag in the reply");
}

static int qemu_pause(void *priv, hvs_diag *diag) {
        struct qemu_vm *vm = priv;
        bool running = false;
        int r = query_running(vm, diag, &running);
        if (r < 0 || !running)
                return r;       /* already stopped (by us or someone else): nothing to undo later */
        r = qmp_execute(vm->q, "stop", NULL, diag, NULL);
        if (r < 0)
                return r;
        vm->paused_by_us = true;
        return 0;
}

static int qemu_resume(void *priv, hvs_diag *diag) {
        struct qemu_vm *vm = priv;
        if (!vm->paused_by_us)
                return 0;
        int r = qmp_execute(vm->q, "cont", NULL, diag, NULL);
        if (r < 0)
                return r;
        vm->paused_by_us = false;
        return 0;
}

/* ---- reads that allocate nothing in the RAM file -------------------------- */

#define QPAGE 4096u
/* Pages asked of mincore() at once (its vector on the stack). */
#define QEMU_MINCORE_BATCH 4096u
/* Copies this large drop their pages from our page tables afterwards (as
 * mem.c does for mappings): a scan should not grow this process's RSS. */
#define QEMU_DROP_AFTER (1u << 20)

static bool page_known(const struct qemu_backend *b, size_t pg) {
        return __atomic_load_n(&b->in_file[pg / 8], __ATOMIC_RELAXED) >> (pg % 8) & 1;
}

/* Learn which pages of [p0, p1] are in the file (mincore), for those not known yet. */
static void learn_pages(struct qemu_backend *b, size_t p0, size_t p1) {
        while (p0 <= p1 && page_known(b, p0))
                p0++;
        while (p1 > p0 && page_known(b, p1))
                p1--;
        if (p0 > p1 || !b->mincore_ok)
                return;
        unsigned char vec[QEMU_MINCORE_BATCH];
        for (size_t at = p0; at <= p1;) {
                size_t n = MIN((size_t)QEMU_MINCORE_BATCH, p1 - at + 1);
                if (mincore((uint8_t *)b->map.addr + at * QPAGE, n * QPAGE, vec) < 0)
                        return;         /* unknown pages are read with pread(): correct, slower */
                for (size_t i = 0; i < n; i++)
                        if (vec[i] & 1)
                                __atomic_fetch_or(&b->in_file[(at + i) / 8], (uint8_t)(1u << ((at + i) % 8)),
                                                  __ATOMIC_RELAXED);
                at += n;
        }
}

static int pread_all(int fd, uint8_t *buf, size_t len, uint64_t off) {
        while (len > 0) {
                ssize_t k = pread(fd, buf, len, (off_t)off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;    /* the file shrank */
                buf += k;
                len -= (size_t)k;
                off += (uint64_t)k;
        }
        return 0;
}

/* The core checked that [gpa, gpa + len) lies in one range. */
static int qemu_read(void *priv, uint64_t gpa, void *buf, size_t len) {
        struct qemu_vm *vm = priv;
        size_t lo = 0, hi = vm->n_ranges;
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (vm->ranges[mid].gpa <= gpa)
                        lo = mid;
                else
                        hi = mid;
        }
        const struct hvs_mem_backend_range *r = &vm->ranges[lo];
        if (gpa < r->gpa || gpa - r->gpa > r->size || len > r->size - (gpa - r->gpa))
                return -EFAULT;
        struct qemu_backend *b = &vm->be[vm->range_be[lo]];
        const uint8_t *base = b->map.addr;
        uint64_t off = (uint64_t)(r->host - base) + (gpa - r->gpa), end = off + len;
        learn_pages(b, (size_t)(off / QPAGE), (size_t)((end - 1) / QPAGE));
        uint8_t *out = buf;
        for (uint64_t at = off; at < end;) {
                size_t pg = (size_t)(at / QPAGE);
                bool known = page_known(b, pg);
                uint64_t stop = ((uint64_t)pg + 1) * QPAGE;
                while (stop < end && page_known(b, (size_t)(stop / QPAGE)) == known)
                        stop += QPAGE;
                size_t n = (size_t)(MIN(stop, end) - at);
                if (known) {
                        memcpy(out, base + at, n);
                        if (n >= QEMU_DROP_AFTER) {
                                uintptr_t a = ((uintptr_t)(base + at) + QPAGE - 1) & ~(uintptr_t)(QPAGE - 1);
                                uintptr_t z = (uintptr_t)(base + at + n) & ~(uintptr_t)(QPAGE - 1);
                                if (z > a)
                                        (void)madvise((void *)a, z - a, MADV_DONTNEED);
                        }
                } else {
                        int e = pread_all(b->fd, out, n, at);
                        if (e < 0)
                                return e;
                }
                out += n;
                at += n;
        }
        return 0;
}

static const struct hvs_mem_backend_ops qemu_ops = {
        .sz = sizeof(struct hvs_mem_backend_ops),
        .name = "qemu",
        .read = qemu_read,
        .vcpus = qemu_vcpus,
        .pause = qemu_pause,
        .resume = qemu_resume,
        .close = qemu_close,
};

/* qom-get returning a string; -EBADMSG if it is not one. */
static int qom_get_str(qmp *q, const char *path, const char *prop, hvs_diag *diag, char *buf, size_t cap) {
        json_object *args = json_object_new_object(), *v = NULL;
        if (!args)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        json_object_object_add(args, "path", json_object_new_string(path));
        json_object_object_add(args, "property", json_object_new_string(prop));
        int r = qmp_execute(q, "qom-get", args, diag, &v);
        json_object_put(args);
        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_string))
                r = HVS_BADMSG(diag, "qom-get %s %s: not a string", path, prop);
        else if (hvs_strlcpy(buf, json_object_get_string(v), cap) >= cap)
                r = HVS_BADMSG(diag, "qom-get %s %s: value too long", path, prop);
        json_object_put(v);
        return r;
}

static int qom_get_json(qmp *q, const char *path, const char *prop, hvs_diag *diag, json_object **ret) {
        json_object *args = json_object_new_object();
        if (!args)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        json_object_object_add(args, "path", json_object_new_string(path));
        json_object_object_add(args, "property", json_object_new_string(prop));
        int r = qmp_execute(q, "qom-get", args, diag, ret);
        json_object_put(args);
        return r;
}

static int add_backend(struct qemu_vm *vm, const char *path, const char *type, hvs_diag *diag) {
        if (vm->n_be >= QEMU_MAX_RAM_BACKENDS)
                return 0;       /* more would be ignored: RAM in them reads as absent */
        if (grow((void **)&vm->be, vm->n_be, sizeof *vm->be) < 0)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        struct qemu_backend *b = &vm->be[vm->n_be];
        *b = (struct qemu_backend){ .fd = -1 };
        if (hvs_strlcpy(b->path, path, sizeof b->path) >= sizeof b->path)
                return 0;
        const char *slash = strrchr(path, '/');
        hvs_strlcpy(b->id, slash ? slash + 1 : path, sizeof b->id);
        hvs_strlcpy(b->type, type, sizeof b->type);
        vm->n_be++;
        return 0;
}

/* The candidate RAM backends: the machine's, else every memory-backend object. */
static int find_backends(struct qemu_vm *vm, hvs_diag *diag) {
        char path[256] = "", type[64] = "";
        hvs_diag ignored = { 0 };
        /* Older machines have no such property: an error here only means "look further". */
        if (qom_get_str(vm->q, "/machine", "memory-backend", &ignored, path, sizeof path) == 0 && path[0]) {
                int r = qom_get_str(vm->q, path, "type", diag, type, sizeof type);
                if (r < 0)
                        return r;
                return add_backend(vm, path, type, diag);
        }
        json_object *list = NULL;
        json_object *args = json_tokener_parse("{\"path\":\"/objects\"}");
        if (!args)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        int r = qmp_execute(vm->q, "qom-list", args, diag, &list);
        json_object_put(args);
        if (r < 0)
                return r;
        if (!json_object_is_type(list, json_type_array)) {
                json_object_put(list);
                return HVS_BADMSG(diag, "qom-list /objects: the reply is not a list");
        }
        size_t n = json_object_array_length(list);
        for (size_t i = 0; i < n && r == 0; i++) {
                json_object *e = json_object_array_get_idx(list, i), *jn, *jt;
                if (!json_object_object_get_ex(e, "name", &jn) || !json_object_object_get_ex(e, "type", &jt) ||
                    !json_object_is_type(jn, json_type_string) || !json_object_is_type(jt, json_type_string))
                        continue;
                const char *t = json_object_get_string(jt);
                if (strncmp(t, "child<memory-backend-", 21) != 0)
                        continue;
                size_t tl = strlen(t);
                snprintf(type, sizeof type, "%.*s", (int)(tl - 7), t + 6);  /* strip child< > */
                if (snprintf(path, sizeof path, "/objects/%s", json_object_get_string(jn)) < (int)sizeof path)
                        r = add_backend(vm, path, type, diag);
        }
        json_object_put(list);
        return r;
}

static struct qemu_backend *backend_of(struct qemu_vm *vm, const char *owner) {
        for (size_t i = 0; i < vm->n_be; i++)
                if (strcmp(vm->be[i].id, owner) == 0 || strcmp(vm->be[i].path, owner) == 0)
                        return &vm->be[i];
        return NULL;
}

/* Check a RAM backend is a shared file we can map, and map it. */
static int map_backend(struct qemu_vm *vm, struct qemu_backend *b, hvs_diag *diag) {
        if (strcmp(b->type, "memory-backend-file") != 0)
                return HVS_DIAG(diag, -EOPNOTSUPP,
                                "guest RAM is in a '%s' object ('%s'), not in a file the tool can map; " QEMU_HINT,
                                b->type, b->id);
        json_object *v = NULL;
        int r = qom_get_json(vm->q, b->path, "share", diag, &v);
        if (r < 0)
                return r;
        bool shared = json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
        json_object_put(v);
        if (!shared)
                return HVS_DIAG(diag, -EOPNOTSUPP,
                                "guest RAM backend '%s' has share=off: QEMU's writes stay private to it and "
                                "the file does not show guest memory; " QEMU_HINT, b->id);
        r = qom_get_json(vm->q, b->path, "size", diag, &v);
        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0) {
                json_object_put(v);
                return HVS_BADMSG(diag, "qom-get %s size: not a positive number", b->path);
        }
        b->size = (uint64_t)json_object_get_int64(v);
        json_object_put(v);
        char mem_path[4096];
        r = qom_get_str(vm->q, b->path, "mem-path", diag, mem_path, sizeof mem_path);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(mem_path, &st) == 0 && S_ISDIR(st.st_mode))
                return HVS_DIAG(diag, -EOPNOTSUPP,
                                "mem-path '%s' of backend '%s' is a directory: QEMU created and unlinked a "
                                "file in it; give mem-path a file name; " QEMU_HINT, mem_path, b->id);
        r = mem_map_file(mem_path, true, "guest RAM file", diag, &b->map);
        if (r < 0)
                return r;
        hvs_strlcpy(b->mem_path, mem_path, sizeof b->mem_path);
        if (b->map.len < b->size)
                return HVS_BADMSG(diag, "guest RAM file '%s' has %zu bytes, less than the backend size %" PRIu64,
                                  mem_path, b->map.len, b->size);
        b->fd = open(mem_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (b->fd < 0)
                return HVS_DIAG(diag, -errno, "cannot open guest RAM file '%s': %s", mem_path, strerror(errno));
        b->in_file = hvs_calloc(b->map.len / QPAGE / 8 + 1, 1);
        if (!b->in_file)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        /* Linux shows the page cache's state (mincore) of a file to its owner, to a
         * process that may write it, and to root (CAP_FOWNER); to others it says
         * every page is resident, which would send reads of holes to the mapping. */
        b->mincore_ok = (fstat(b->fd, &st) == 0 && st.st_uid == geteuid()) || geteuid() == 0 ||
                        access(mem_path, W_OK) == 0;
        return 0;
}

static int build_ranges(struct qemu_vm *vm, const struct qemu_ram_region *reg, size_t nreg, hvs_diag *diag,
                        struct hvs_mem_backend_range **ret, size_t **ret_be, size_t *ret_n) {
        _cleanup_free_ struct hvs_mem_backend_range *out = hvs_calloc(nreg ? nreg : 1, sizeof *out);
        _cleanup_free_ size_t *be_of = hvs_calloc(nreg ? nreg : 1, sizeof *be_of);
        if (!out || !be_of)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        size_t n = 0;
        const char *other = NULL;
        for (size_t i = 0; i < nreg; i++) {
                struct qemu_backend *b = backend_of(vm, reg[i].owner);
                if (!b) {
                        if (!reg[i].rom)
                                other = reg[i].owner;   /* vga.vram, pc.ram, ...: not ours */
                        continue;
                }
                if (!b->used) {
                        int r = map_backend(vm, b, diag);
                        if (r < 0)
                                return r;
                        b->used = true;
                }
                if (!hvs_range_ok(reg[i].offset, reg[i].size, b->size))
                        return HVS_BADMSG(diag,
                                          "ram range 0x%" PRIx64 "+0x%" PRIx64 " at offset 0x%" PRIx64
                                          " lies beyond the %" PRIu64 "-byte backend '%s'",
                                          reg[i].gpa, reg[i].size, reg[i].offset, b->size, b->id);
                out[n++] = (struct hvs_mem_backend_range){ .gpa = reg[i].gpa, .size = reg[i].size,
                                                           .host = (const uint8_t *)b->map.addr + reg[i].offset };
                be_of[n - 1] = (size_t)(b - vm->be);
        }
        if (n == 0) {
                if (other)
                        return HVS_DIAG(diag, -EOPNOTSUPP,
                                        "guest RAM ('%s') is not in a shared memory-backend-file; " QEMU_HINT, other);
                return HVS_DIAG(diag, -EOPNOTSUPP, "the memory tree shows no guest RAM; " QEMU_HINT);
        }
        /* Sorted by gpa, for qemu_read()'s search (the flat view lists them so already). */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && out[j].gpa < out[j - 1].gpa; j--) {
                        struct hvs_mem_backend_range t = out[j];
                        out[j] = out[j - 1];
                        out[j - 1] = t;
                        size_t tb = be_of[j];
                        be_of[j] = be_of[j - 1];
                        be_of[j - 1] = tb;
                }
        *ret = TAKE_PTR(out);
        *ret_be = TAKE_PTR(be_of);
        *ret_n = n;
        return 0;
}

static void detect_vm(struct qemu_vm *vm, hvs_mem_info *info) {
        json_object *v = NULL, *e, *p;
        /* Provenance only: a failure leaves the field empty. */
        if (qmp_execute(vm->q, "query-kvm", NULL, NULL, &v) == 0) {
                bool kvm = json_object_object_get_ex(v, "enabled", &e) && json_object_get_boolean(e) &&
                           json_object_object_get_ex(v, "present", &p) && json_object_get_boolean(p);
                /* QEMU has no query for the accelerator in use; x86 QEMU without KVM is TCG. */
                hvs_strlcpy(info->accel, kvm ? "kvm" : "tcg", sizeof info->accel);
                json_object_put(v);
        }
        if (qmp_execute(vm->q, "query-name", NULL, NULL, &v) == 0) {
                if (json_object_object_get_ex(v, "name", &e) && json_object_is_type(e, json_type_string))
                        hvs_strlcpy(info->vm_name, json_object_get_string(e), sizeof info->vm_name);
                json_object_put(v);
        }
}

static int opts_timeout(const hvs_mem_qemu_opts *opts, hvs_diag *diag, int *ret) {
        *ret = 0;
        if (!opts)
                return 0;
        size_t have = opts->sz;
        if (have < sizeof(size_t))
                return HVS_DIAG(diag, -EINVAL, "hvs_mem_qemu_opts.sz is %zu: use HVS_OPTS()", have);
        /* Fields the caller knows of but this library does not must be zero (libbpf OPTS_VALID). */
        for (size_t i = sizeof(hvs_mem_qemu_opts); i < have; i++)
                if (((const uint8_t *)opts)[i])
                        return HVS_DIAG(diag, -EINVAL, "unknown non-zero field at byte %zu of hvs_mem_qemu_opts", i);
        if (have >= offsetof(hvs_mem_qemu_opts, timeout_ms) + sizeof(int))
                *ret = opts->timeout_ms;
        if (*ret < 0)
                return HVS_DIAG(diag, -EINVAL, "negative timeout_ms %d", *ret);
        return 0;
}

HVS_API int hvs_mem_open_qemu(const char *qmp_path, const hvs_mem_qemu_opts *opts, hvs_diag *diag,
                              hvs_mem **ret) {
        if (!qmp_path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no qmp socket path given");
        int timeout_ms;
        int r = opts_timeout(opts, diag, &timeout_ms);
        if (r < 0)
                return r;
        _cleanup_(vm_freep) struct qemu_vm *vm = hvs_calloc(1, sizeof *vm);
        if (!vm)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        r = qmp_open(qmp_path, timeout_ms, diag, &vm->q);
        if (r < 0)
                return r;
        r = find_backends(vm, diag);
        if (r < 0)
                return r;

        _cleanup_free_ char *mtree = NULL;
        _cleanup_free_ struct qemu_ram_region *reg = NULL;
        size_t nreg = 0;
        r = qmp_hmp(vm->q, "info mtree -f", diag, &mtree);
        if (r < 0)
                return r;
        r = qemu_parse_mtree(mtree, diag, &reg, &nreg);
        if (r < 0)
                return r;

        _cleanup_free_ struct hvs_mem_backend_range *ranges = NULL, *pub = NULL;
        _cleanup_free_ size_t *range_be = NULL;
        size_t n = 0;
        r = build_ranges(vm, reg, nreg, diag, &ranges, &range_be, &n);
        if (r < 0)
                return r;
        /* The handle reads through qemu_read(), never through a host pointer. */
        pub = hvs_calloc(n, sizeof *pub);
        if (!pub)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                pub[i] = (struct hvs_mem_backend_range){ .gpa = ranges[i].gpa, .size = ranges[i].size };

        _cleanup_free_ hvs_mem_info *info = hvs_calloc(1, sizeof *info);
        if (!info)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        info->kind = HVS_MEM_QEMU;
        hvs_strlcpy(info->control, qmp_path, sizeof info->control);
        info->qemu_pid = qmp_peer_pid(vm->q);
        /* The source is the first RAM file; ask QEMU again for its path. */
        for (size_t i = 0; i < vm->n_be; i++) {
                if (vm->be[i].used) {
                        (void)qom_get_str(vm->q, vm->be[i].path, "mem-path", NULL, info->source,
                                          sizeof info->source);
                        break;
                }
        }
        detect_vm(vm, info);

        r = hvs_mem_new_backend(&qemu_ops, vm, pub, n, info, ret);
        if (r < 0)
                return HVS_DIAG(diag, r, "cannot build the memory map of the vm: %s", hvs_strerror(r));
        vm->ranges = TAKE_PTR(ranges);
        vm->range_be = TAKE_PTR(range_be);
        vm->n_ranges = n;
        TAKE_PTR(vm);
        return 0;
}

static int cmp_source(const void *a, const void *b) {
        const struct qemu_ram_source *x = a, *y = b;
        return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

int qemu_live_parts(hvs_mem *m, qmp **ret_q, struct qemu_ram_source **ret, size_t *ret_n) {
        struct qemu_vm *vm = mem_backend_priv(m, &qemu_ops);
        if (!vm)
                return -EOPNOTSUPP;
        struct qemu_ram_source *out = hvs_calloc(vm->n_ranges, sizeof *out);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < vm->n_ranges; i++) {
                const struct hvs_mem_backend_range *r = &vm->ranges[i];
                for (size_t j = 0; j < vm->n_be; j++) {
                        const struct qemu_backend *b = &vm->be[j];
                        const uint8_t *base = b->map.addr;
                        if (b->used && r->host >= base && r->host < base + b->map.len) {
                                out[i] = (struct qemu_ram_source){ .gpa = r->gpa, .size = r->size, .host = r->host,
                                                                   .path = b->mem_path,
                                                                   .file_off = (uint64_t)(r->host - base) };
                                break;
                        }
                }
        }
        qsort(out, vm->n_ranges, sizeof *out, cmp_source);    /* as hvs_mem_ranges() lists them */
        *ret_q = vm->q;
        *ret = out;
        *ret_n = vm->n_ranges;
        return 0;
}

HVS_API int hvs_mem_open_qemu_pid(pid_t pid, const hvs_mem_qemu_opts *opts, hvs_diag *diag, hvs_mem **ret) {
        if (pid <= 0 || !ret)
                return HVS_DIAG(diag, -EINVAL, "bad pid %d", (int)pid);
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
        _cleanup_free_ uint8_t *cmd = NULL;
        size_t len = 0;
        int r = hvs_read_file(p, QEMU_MAX_CMDLINE_BYTES, &cmd, &len);
        if (r == -ENOENT || r == -ESRCH)
                return HVS_DIAG(diag, -ESRCH, "no process %d", (int)pid);
        if (r < 0)
                return HVS_DIAG(diag, r, "cannot read the command line of process %d: %s", (int)pid, strerror(-r));
        if (len == 0)
                return HVS_DIAG(diag, -ENOENT, "process %d has no command line (exited?)", (int)pid);

        char cwd[4096];
        snprintf(p, sizeof p, "/proc/%d/cwd", (int)pid);
        ssize_t cl = readlink(p, cwd, sizeof cwd - 1);
        if (cl > 0)
                cwd[cl] = '\0';
        else
                hvs_strlcpy(cwd, p, sizeof cwd);        /* still resolves, with permission */

        char *socks[QEMU_MAX_QMP_SOCKETS];
        int ns = qemu_find_qmp_sockets((const char *)cmd, len, cwd, socks, ARRAY_SIZE(socks));
        if (ns < 0)
                return HVS_DIAG(diag, ns, "out of memory");
        if (ns == 0)
                return HVS_DIAG(diag, -ENOENT,
                                "process %d (%s) has no QMP unix socket on its command line (a socket passed "
                                "as fd=, as libvirt does, cannot be found this way); start QEMU with "
                                "-qmp unix:PATH,server=on,wait=off",
                                (int)pid, (const char *)cmd);
        r = -ENOENT;
        for (int i = 0; i < ns; i++) {
                hvs_mem *m = NULL;
                if (r < 0) {
                        r = hvs_mem_open_qemu(socks[i], opts, diag, &m);
                        if (r == 0 && hvs_mem_get_info(m)->qemu_pid != 0 && hvs_mem_get_info(m)->qemu_pid != pid) {
                                r = HVS_DIAG(diag, -ENOENT, "qmp socket '%s' belongs to process %d, not %d",
                                             socks[i], (int)hvs_mem_get_info(m)->qemu_pid, (int)pid);
                                m = hvs_mem_close(m);
                        }
                        if (r == 0)
                                *ret = m;
                }
                free(socks[i]);
        }
        return r;
}
