/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * regs-acq.c - every vCPU register QEMU's monitor shows, for the record:
 * HMP "info registers -a" parsed whole (segments with their hidden
 * descriptor caches, debug registers, FPU/SSE state kept as printed),
 * query-cpus-fast for the host thread of each vCPU, and "info lapic" for the
 * TPR (CR8). backend-qemu.c parses the same text for analysis (the fields a
 * page walk needs); this parser keeps everything, for evidence.
 *
 * What QEMU 7.2 prints per CPU (long mode, tests/unit/test-acquire.c has the
 * text of a real run):
 *   RAX=... RBX=... RCX=... RDX=...          (EAX=<8 digits> outside long mode)
 *   R8 =... ...                               (long mode only)
 *   RIP=... RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1
 *   ES =0000 0000000000000000 ffffffff 00c00000      selector base limit flags [decoded]
 *   ... CS, SS, DS, FS, GS, LDT, TR
 *   GDT=     fffffe0000001000 0000007f               base limit
 *   CR0=80050033 CR2=... CR3=... CR4=...
 *   DR0=... DR3=... DR6=... DR7=...
 *   CCS=... CCD=... CCO=EFLAGS                       (TCG only)
 *   EFER=0000000000000d01
 *   FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80
 *   FPR0=0000000000000000 0000 ...                   (values with spaces)
 *   XMM00=... / YMM00=... / Opmask00=... ZMM00=...   (by the CPU's XCR0)
 * Bracketed words are QEMU's decoding of the value before them and are left
 * out; a word without '=' continues the value before it.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "util/util.h"
#include "mem/acquire-internal.h"

int64_t acq_realtime_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool hex_value(const char *s, uint64_t *ret) {
        uint64_t v = 0;
        size_t n = 0;
        for (; *s; s++, n++) {
                unsigned d;
                if (*s >= '0' && *s <= '9')
                        d = (unsigned)(*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned)(*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned)(*s - 'A' + 10);
                else
                        return false;
                if (n >= 16)
                        return false;
                v = v << 4 | d;
        }
        if (n == 0)
                return false;
        *ret = v;
        return true;
}

/* Named registers with a field of their own; 32-bit names share the slot. */
enum { K_GPR, K_RIP, K_RFL, K_CPL, K_CR, K_DR, K_EFER, K_HLT, K_SMM, K_A20 };
static const struct known {
        const char *name;
        int kind;
        int idx;
} known[] = {
        { "RAX", K_GPR, 0 }, { "RBX", K_GPR, 1 }, { "RCX", K_GPR, 2 }, { "RDX", K_GPR, 3 },
        { "RSI", K_GPR, 4 }, { "RDI", K_GPR, 5 }, { "RBP", K_GPR, 6 }, { "RSP", K_GPR, 7 },
        { "EAX", K_GPR, 0 }, { "EBX", K_GPR, 1 }, { "ECX", K_GPR, 2 }, { "EDX", K_GPR, 3 },
        { "ESI", K_GPR, 4 }, { "EDI", K_GPR, 5 }, { "EBP", K_GPR, 6 }, { "ESP", K_GPR, 7 },
        { "R8", K_GPR, 8 }, { "R9", K_GPR, 9 }, { "R10", K_GPR, 10 }, { "R11", K_GPR, 11 },
        { "R12", K_GPR, 12 }, { "R13", K_GPR, 13 }, { "R14", K_GPR, 14 }, { "R15", K_GPR, 15 },
        { "RIP", K_RIP, 0 }, { "EIP", K_RIP, 0 }, { "RFL", K_RFL, 0 }, { "EFL", K_RFL, 0 },
        { "CPL", K_CPL, 0 }, { "CR0", K_CR, 0 }, { "CR2", K_CR, 2 }, { "CR3", K_CR, 3 }, { "CR4", K_CR, 4 },
        { "DR0", K_DR, 0 }, { "DR1", K_DR, 1 }, { "DR2", K_DR, 2 }, { "DR3", K_DR, 3 }, { "DR6", K_DR, 6 },
        { "DR7", K_DR, 7 }, { "EFER", K_EFER, 0 }, { "HLT", K_HLT, 0 }, { "SMM", K_SMM, 0 }, { "A20", K_A20, 0 },
};

static const char *const seg_names[HVS_ACQ_NSEGS] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR" };

struct block {
        hvs_acq_vcpu v;
        uint64_t seen_gpr;              /* bit per gpr slot */
        unsigned seen;                  /* bit per K_* kind (CR, DR: all of them) */
        unsigned seen_cr, seen_dr, seen_seg;
        bool seen_gdt, seen_idt, has_ip;
        size_t cap_extra;
};

struct parse {
        struct block *b;
        size_t n, cap;
        hvs_diag *diag;
        unsigned lineno;
        const char *line;
};

static void block_free(struct block *b) { free(b->v.extra); }

static int new_block(struct parse *p, uint32_t cpu, struct block **ret) {
        if (p->n >= HVS_MAX_VCPUS)
                return HVS_DIAG(p->diag, -E2BIG, "more than %u cpus in 'info registers'", HVS_MAX_VCPUS);
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 4;
                struct block *b = hvs_reallocarray(p->b, cap, sizeof *b);
                if (!b)
                        return HVS_DIAG(p->diag, -ENOMEM, "out of memory");
                p->b = b;
                p->cap = cap;
        }
        struct block *b = &p->b[p->n++];
        *b = (struct block){ .v = { .cpu = cpu, .halted = -1, .smm = -1, .a20 = -1, .thread_id = -1,
                                    .apic_id = -1, .socket_id = -1, .core_id = -1, .thread_in_core = -1 } };
        *ret = b;
        return 0;
}

static int bad_line(struct parse *p) {
        return HVS_BADMSG(p->diag, "'info registers' line %u does not parse: '%.120s'", p->lineno, p->line);
}

static int add_extra(struct parse *p, struct block *b, const char *name, const char *value) {
        if (b->v.n_extra >= HVS_ACQ_MAX_REG_EXTRA)
                return HVS_DIAG(p->diag, -E2BIG, "cpu %u: more than %u registers in 'info registers'", b->v.cpu,
                                HVS_ACQ_MAX_REG_EXTRA);
        if (b->v.n_extra == b->cap_extra) {
                size_t cap = b->cap_extra ? b->cap_extra * 2 : 16;
                hvs_acq_reg *e = hvs_reallocarray(b->v.extra, cap, sizeof *e);
                if (!e)
                        return HVS_DIAG(p->diag, -ENOMEM, "out of memory");
                b->v.extra = e;
                b->cap_extra = cap;
        }
        hvs_acq_reg *e = &b->v.extra[b->v.n_extra++];
        hvs_strlcpy(e->name, name, sizeof e->name);
        hvs_strlcpy(e->value, value, sizeof e->value);
        return 0;
}

static int set_known(struct parse *p, struct block *b, const struct known *k, const char *value) {
        uint64_t v;
        if (!hex_value(value, &v))
                return bad_line(p);
        hvs_acq_vcpu *c = &b->v;
        switch (k->kind) {
        case K_GPR:
                c->gpr[k->idx] = v;
                b->seen_gpr |= 1ull << k->idx;
                if (k->name[0] == 'R' && k->idx < 8)
                        c->long_mode = true;
                break;
        case K_RIP: c->rip = v; b->has_ip = true; break;
        case K_RFL: c->rflags = v; b->seen |= 1u << K_RFL; break;
        case K_CPL:
                if (v > 3)
                        return bad_line(p);
                c->cpl = (uint32_t)v;
                b->seen |= 1u << K_CPL;
                break;
        case K_CR:
                if (k->idx == 0) c->cr0 = v;
                else if (k->idx == 2) c->cr2 = v;
                else if (k->idx == 3) c->cr3 = v;
                else c->cr4 = v;
                b->seen_cr |= 1u << k->idx;
                break;
        case K_DR: c->dr[k->idx] = v; b->seen_dr |= 1u << k->idx; break;
        case K_EFER: c->efer = v; b->seen |= 1u << K_EFER; break;
        case K_HLT: c->halted = v != 0; break;
        case K_SMM: c->smm = v != 0; break;
        case K_A20: c->a20 = v != 0; break;
        }
        return 0;
}

static int store_pair(struct parse *p, struct block *b, const char *name, const char *value) {
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (strcmp(name, known[i].name) == 0)
                        return set_known(p, b, &known[i], value);
        return add_extra(p, b, name, value);
}

/* "XX =SSSS BASE LIMIT FLAGS ..." and "GDT=     BASE LIMIT"; 1 = handled. */
static int parse_seg(struct parse *p, struct block *b, const char *line) {
        for (size_t i = 0; i < HVS_ACQ_NSEGS; i++) {
                size_t nl = strlen(seg_names[i]);
                const char *q = line + nl;
                if (strncmp(line, seg_names[i], nl) != 0)
                        continue;
                while (*q == ' ')
                        q++;
                if (*q != '=')
                        continue;
                char sel[8], base[24], limit[12], flags[12];
                if (sscanf(q + 1, "%7s %23s %11s %11s", sel, base, limit, flags) != 4)
                        return bad_line(p);
                uint64_t vs, vb, vl, vf;
                if (!hex_value(sel, &vs) || !hex_value(base, &vb) || !hex_value(limit, &vl) ||
                    !hex_value(flags, &vf) || vs > 0xffff || vl > UINT32_MAX || vf > UINT32_MAX)
                        return bad_line(p);
                b->v.seg[i] = (hvs_acq_seg){ .selector = (uint32_t)vs, .base = vb, .limit = (uint32_t)vl,
                                             .flags = (uint32_t)vf };
                b->seen_seg |= 1u << i;
                return 1;
        }
        bool gdt = strncmp(line, "GDT=", 4) == 0, idt = strncmp(line, "IDT=", 4) == 0;
        if (!gdt && !idt)
                return 0;
        char base[24], limit[12];
        uint64_t vb, vl;
        if (sscanf(line + 4, "%23s %11s", base, limit) != 2 || !hex_value(base, &vb) || !hex_value(limit, &vl) ||
            vl > UINT32_MAX)
                return bad_line(p);
        if (gdt) {
                b->v.gdt_base = vb;
                b->v.gdt_limit = (uint32_t)vl;
                b->seen_gdt = true;
        } else {
                b->v.idt_base = vb;
                b->v.idt_limit = (uint32_t)vl;
                b->seen_idt = true;
        }
        return 1;
}

static bool name_ok(const char *s, size_t n) {
        if (n == 0 || n >= sizeof ((hvs_acq_reg *)0)->name)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                      s[i] == '_'))
                        return false;
        return true;
}

/*
 * Generic "NAME=value [decoding] NAME=value value ..." lines. Spaces before
 * '=' ("R8 =...") are dropped first, so a word without '=' is always either
 * QEMU's decoding in brackets or the continuation of the value before it.
 */
static int parse_pairs(struct parse *p, struct block *b, char *line) {
        char *w = line;
        for (const char *q = line; *q; q++) {
                if (*q == ' ') {
                        const char *e = q;
                        while (*e == ' ')
                                e++;
                        if (*e == '=') {
                                q = e - 1;
                                continue;
                        }
                }
                *w++ = *q;
        }
        *w = '\0';
        char name[16] = "", value[HVS_ACQ_MAX_REG_TEXT] = "";
        bool have = false;
        int r;
        for (char *save = NULL, *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
                if (t[0] == '[') {
                        /* QEMU's decoding of the previous value; may span words. */
                        while (t && !strchr(t, ']'))
                                t = strtok_r(NULL, " \t", &save);
                        if (!t)
                                break;
                        continue;
                }
                char *eq = strchr(t, '=');
                if (!eq) {
                        size_t l = strlen(value);
                        if (have && l + 1 < sizeof value)
                                snprintf(value + l, sizeof value - l, " %s", t);
                        continue;       /* a stray word before any pair: not a register */
                }
                if (have && (r = store_pair(p, b, name, value)) < 0)
                        return r;
                size_t nl = (size_t)(eq - t);
                if (!name_ok(t, nl))
                        return bad_line(p);
                memcpy(name, t, nl);
                name[nl] = '\0';
                hvs_strlcpy(value, eq + 1, sizeof value);
                have = true;
        }
        return have ? store_pair(p, b, name, value) : 0;
}

static void finish(struct block *b) {
        hvs_acq_vcpu *v = &b->v;
        v->valid = 0;
        if ((b->seen_gpr & 0xff) == 0xff && b->has_ip && (b->seen & (1u << K_RFL)) &&
            (!v->long_mode || (b->seen_gpr & 0xffff) == 0xffff))
                v->valid |= HVS_ACQ_V_GPR;
        if (b->seen_seg == (1u << HVS_ACQ_NSEGS) - 1)
                v->valid |= HVS_ACQ_V_SEG;
        if (b->seen_gdt && b->seen_idt)
                v->valid |= HVS_ACQ_V_DT;
        if (b->seen_cr == 0x1d)
                v->valid |= HVS_ACQ_V_CR;
        if (b->seen & (1u << K_EFER))
                v->valid |= HVS_ACQ_V_EFER;
        if (b->seen_dr == 0xcf)
                v->valid |= HVS_ACQ_V_DR;
        if (b->seen & (1u << K_CPL))
                v->valid |= HVS_ACQ_V_CPL;
}

HVS_API int hvs_acq_regs_parse(const char *text, hvs_diag *diag, hvs_acq_regs **ret) {
        if (!text || !ret)
                return HVS_DIAG(diag, -EINVAL, "no register text given");
        struct parse p = { .diag = diag };
        struct block *cur = NULL;
        int r = 0;
        char line[1024];
        for (const char *s = text; *s && r == 0;) {
                const char *eol = strchr(s, '\n');
                size_t len = eol ? (size_t)(eol - s) : strlen(s);
                size_t k = MIN(len, sizeof line - 1);
                memcpy(line, s, k);
                line[k] = '\0';
                if (k && line[k - 1] == '\r')
                        line[--k] = '\0';
                s = eol ? eol + 1 : s + len;
                p.lineno++;
                p.line = line;
                if (line[0] == '\0')
                        continue;
                if (strncmp(line, "CPU#", 4) == 0) {
                        char *end;
                        errno = 0;
                        unsigned long id = strtoul(line + 4, &end, 10);
                        if (end == line + 4 || errno || id > UINT32_MAX) {
                                r = bad_line(&p);
                                break;
                        }
                        r = new_block(&p, (uint32_t)id, &cur);
                        continue;
                }
                if (!cur && (r = new_block(&p, 0, &cur)) < 0)
                        break;
                r = parse_seg(&p, cur, line);
                if (r == 1) {
                        r = 0;
                        continue;
                }
                if (r == 0)
                        r = parse_pairs(&p, cur, line);
        }
        if (r == 0 && p.n == 0)
                r = HVS_BADMSG(diag, "no cpu state in 'info registers' output ('%.80s')", text);
        size_t kept = 0;
        for (size_t i = 0; r == 0 && i < p.n; i++)
                kept += p.b[i].has_ip;
        if (r == 0 && kept == 0)
                r = HVS_BADMSG(diag, "no cpu state in 'info registers' output ('%.80s')", text);
        hvs_acq_regs *out = r == 0 ? hvs_calloc(1, sizeof *out) : NULL;
        if (r == 0 && out)
                out->vcpus = hvs_calloc(kept, sizeof *out->vcpus);
        if (r == 0 && (!out || !out->vcpus))
                r = HVS_DIAG(diag, -ENOMEM, "out of memory");
        if (r < 0) {
                for (size_t i = 0; i < p.n; i++)
                        block_free(&p.b[i]);
                free(p.b);
                if (out)
                        free(out->vcpus);
                free(out);
                return r;
        }
        for (size_t i = 0; i < p.n; i++) {
                if (!p.b[i].has_ip) {
                        block_free(&p.b[i]);
                        continue;
                }
                finish(&p.b[i]);
                out->vcpus[out->n++] = p.b[i].v;
        }
        free(p.b);
        out->downtime_ns = -1;
        *ret = out;
        return 0;
}

HVS_API hvs_acq_regs *hvs_acq_regs_free(hvs_acq_regs *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n; i++)
                free(r->vcpus[i].extra);
        free(r->vcpus);
        free(r);
        return NULL;
}

/* ---- asking QEMU ---------------------------------------------------------- */

static int64_t json_int(json_object *o, const char *key, int64_t dflt) {
        json_object *v;
        if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
                return json_object_get_int64(v);
        return dflt;
}

static hvs_acq_vcpu *vcpu_by_index(hvs_acq_regs *r, int64_t idx) {
        for (size_t i = 0; i < r->n; i++)
                if ((int64_t)r->vcpus[i].cpu == idx)
                        return &r->vcpus[i];
        return NULL;
}

/* Host threads and topology; a QEMU without query-cpus-fast leaves them unknown. */
static void add_threads(qmp *q, hvs_acq_regs *r) {
        json_object *list = NULL;
        if (qmp_execute(q, "query-cpus-fast", NULL, NULL, &list) < 0)
                return;
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        for (size_t i = 0; i < n && i < HVS_MAX_VCPUS; i++) {
                json_object *e = json_object_array_get_idx(list, i), *v, *props;
                hvs_acq_vcpu *c = vcpu_by_index(r, json_int(e, "cpu-index", -1));
                if (!c)
                        continue;
                c->thread_id = json_int(e, "thread-id", -1);
                if (json_object_object_get_ex(e, "qom-path", &v) && json_object_is_type(v, json_type_string))
                        hvs_strlcpy(c->qom_path, json_object_get_string(v), sizeof c->qom_path);
                if (json_object_object_get_ex(e, "props", &props)) {
                        c->socket_id = json_int(props, "socket-id", -1);
                        c->core_id = json_int(props, "core-id", -1);
                        c->thread_in_core = json_int(props, "thread-id", -1);
                }
                c->valid |= HVS_ACQ_V_THREAD;
        }
        json_object_put(list);
}

/* "APR 0x00 TPR 0x20 DFR ..." of "info lapic APIC-ID", checked to be CPU @cpu. */
static void add_tpr(qmp *q, hvs_acq_vcpu *c) {
        if (!c->qom_path[0])
                return;
        json_object *args = json_object_new_object(), *v = NULL;
        if (!args)
                return;
        json_object_object_add(args, "path", json_object_new_string(c->qom_path));
        json_object_object_add(args, "property", json_object_new_string("apic-id"));
        int r = qmp_execute(q, "qom-get", args, NULL, &v);
        json_object_put(args);
        if (r < 0)
                return;
        if (json_object_is_type(v, json_type_int))
                c->apic_id = json_object_get_int64(v);
        json_object_put(v);
        if (c->apic_id < 0 || c->apic_id > UINT32_MAX)
                return;
        char cmd[48];
        snprintf(cmd, sizeof cmd, "info lapic %" PRId64, c->apic_id);
        _cleanup_free_ char *text = NULL;
        if (qmp_hmp(q, cmd, NULL, &text) < 0)
                return;
        const char *hdr = strstr(text, "local APIC state for CPU ");
        const char *tpr = strstr(text, " TPR 0x");
        if (!hdr || !tpr || strtoul(hdr + 25, NULL, 10) != c->cpu)
                return;
        char *end;
        unsigned long t = strtoul(tpr + 7, &end, 16);
        if (end == tpr + 7 || t > 0xff)
                return;
        c->tpr = (uint32_t)t;
        c->cr8 = t >> 4;
        c->valid |= HVS_ACQ_V_CR8;
}

int acq_query_registers(qmp *q, hvs_diag *diag, hvs_acq_regs **ret) {
        int64_t t = acq_realtime_ns();
        _cleanup_free_ char *text = NULL;
        int r = qmp_hmp(q, "info registers -a", diag, &text);
        if (r < 0)
                return r;
        if (!strstr(text, "CPU#")) {
                /* A QEMU without "-a": the monitor's current CPU only. */
                free(TAKE_PTR(text));
                r = qmp_hmp(q, "info registers", diag, &text);
                if (r < 0)
                        return r;
        }
        hvs_acq_regs *regs = NULL;
        r = hvs_acq_regs_parse(text, diag, &regs);
        if (r < 0)
                return r;
        regs->taken_ns = t;
        add_threads(q, regs);
        for (size_t i = 0; i < regs->n; i++)
                add_tpr(q, &regs->vcpus[i]);
        *ret = regs;
        return 0;
}

void acq_regs_fill_vm(hvs_acq_regs *r, hvs_mem *m, qmp *q) {
        const hvs_mem_info *mi = hvs_mem_get_info(m);
        if (mi) {
                hvs_strlcpy(r->accel, mi->accel, sizeof r->accel);
                hvs_strlcpy(r->vm_name, mi->vm_name, sizeof r->vm_name);
                /* For the record, the socket's absolute path ("--vm qmp.sock" names no VM later). */
                char abs[PATH_MAX];
                hvs_strlcpy(r->qmp_path, mi->control[0] && realpath(mi->control, abs) ? abs : mi->control,
                            sizeof r->qmp_path);
                r->qemu_pid = mi->qemu_pid;
        }
        json_object *v = NULL, *e;
        if (qmp_execute(q, "query-uuid", NULL, NULL, &v) == 0) {
                /* QEMU answers all zeros when no -uuid was given: that names no VM. */
                if (json_object_object_get_ex(v, "UUID", &e) && json_object_is_type(e, json_type_string) &&
                    strcmp(json_object_get_string(e), "00000000-0000-0000-0000-000000000000") != 0)
                        hvs_strlcpy(r->vm_uuid, json_object_get_string(e), sizeof r->vm_uuid);
                json_object_put(v);
        }
        json_object *g = qmp_greeting(q), *ver, *qv;
        if (g && json_object_object_get_ex(g, "version", &ver) && json_object_object_get_ex(ver, "qemu", &qv))
                snprintf(r->qemu_version, sizeof r->qemu_version, "%" PRId64 ".%" PRId64 ".%" PRId64,
                         json_int(qv, "major", 0), json_int(qv, "minor", 0), json_int(qv, "micro", 0));
}

/* ---- JSON ------------------------------------------------------------------ */

static json_object *hexj(uint64_t v, int digits) {
        char b[24];
        snprintf(b, sizeof b, "0x%0*" PRIx64, digits, v);
        return json_object_new_string(b);
}

static void iso_time(int64_t ns, char *buf, size_t cap) {
        time_t s = (time_t)(ns / 1000000000);
        struct tm tm;
        if (ns <= 0 || !gmtime_r(&s, &tm)) {
                buf[0] = '\0';
                return;
        }
        char d[32];
        strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, cap, "%s.%06" PRId64 "Z", d, (ns % 1000000000) / 1000);
}

static json_object *opt_str(const char *s) { return s && *s ? json_object_new_string(s) : NULL; }
static json_object *opt_i64(int64_t v) { return v >= 0 ? json_object_new_int64(v) : NULL; }
static json_object *opt_bool(int v) { return v >= 0 ? json_object_new_boolean(v) : NULL; }

static json_object *vcpu_json(const hvs_acq_vcpu *c) {
        static const char *const gpr64[16] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                               "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
        json_object *o = json_object_new_object();
        json_object_object_add(o, "cpu", json_object_new_int64(c->cpu));
        json_object_object_add(o, "thread_id", opt_i64(c->thread_id));
        json_object_object_add(o, "qom_path", opt_str(c->qom_path));
        json_object_object_add(o, "apic_id", opt_i64(c->apic_id));
        json_object_object_add(o, "socket_id", opt_i64(c->socket_id));
        json_object_object_add(o, "core_id", opt_i64(c->core_id));
        json_object_object_add(o, "thread_in_core", opt_i64(c->thread_in_core));
        json_object_object_add(o, "long_mode", json_object_new_boolean(c->long_mode));
        json_object_object_add(o, "halted", opt_bool(c->halted));
        json_object_object_add(o, "smm", opt_bool(c->smm));
        json_object_object_add(o, "a20", opt_bool(c->a20));
        json_object_object_add(o, "cpl", (c->valid & HVS_ACQ_V_CPL) ? json_object_new_int((int)c->cpl) : NULL);
        if (c->valid & HVS_ACQ_V_GPR) {
                for (size_t i = 0; i < (c->long_mode ? 16u : 8u); i++)
                        json_object_object_add(o, gpr64[i], hexj(c->gpr[i], 16));
                json_object_object_add(o, "rip", hexj(c->rip, 16));
                json_object_object_add(o, "rflags", hexj(c->rflags, 16));
        }
        if (c->valid & HVS_ACQ_V_SEG) {
                json_object *segs = json_object_new_object();
                for (size_t i = 0; i < HVS_ACQ_NSEGS; i++) {
                        json_object *s = json_object_new_object();
                        json_object_object_add(s, "selector", hexj(c->seg[i].selector, 4));
                        json_object_object_add(s, "base", hexj(c->seg[i].base, 16));
                        json_object_object_add(s, "limit", hexj(c->seg[i].limit, 8));
                        json_object_object_add(s, "flags", hexj(c->seg[i].flags, 8));
                        char lower[4];
                        size_t k = 0;
                        for (const char *n = seg_names[i]; *n && k < 3; n++)
                                lower[k++] = (char)(*n | 0x20);
                        lower[k] = '\0';
                        json_object_object_add(segs, lower, s);
                }
                json_object_object_add(o, "segments", segs);
        }
        if (c->valid & HVS_ACQ_V_DT) {
                json_object *g = json_object_new_object(), *i = json_object_new_object();
                json_object_object_add(g, "base", hexj(c->gdt_base, 16));
                json_object_object_add(g, "limit", hexj(c->gdt_limit, 8));
                json_object_object_add(i, "base", hexj(c->idt_base, 16));
                json_object_object_add(i, "limit", hexj(c->idt_limit, 8));
                json_object_object_add(o, "gdt", g);
                json_object_object_add(o, "idt", i);
        }
        if (c->valid & HVS_ACQ_V_CR) {
                json_object_object_add(o, "cr0", hexj(c->cr0, 16));
                json_object_object_add(o, "cr2", hexj(c->cr2, 16));
                json_object_object_add(o, "cr3", hexj(c->cr3, 16));
                json_object_object_add(o, "cr4", hexj(c->cr4, 16));
        }
        if (c->valid & HVS_ACQ_V_CR8) {
                json_object_object_add(o, "cr8", hexj(c->cr8, 16));
                json_object_object_add(o, "apic_tpr", hexj(c->tpr, 2));
        }
        if (c->valid & HVS_ACQ_V_DR) {
                static const int dr[] = { 0, 1, 2, 3, 6, 7 };
                for (size_t i = 0; i < ARRAY_SIZE(dr); i++) {
                        char name[8];
                        snprintf(name, sizeof name, "dr%d", dr[i]);
                        json_object_object_add(o, name, hexj(c->dr[dr[i]], 16));
                }
        }
        json_object *msrs = json_object_new_object();
        if (c->valid & HVS_ACQ_V_EFER)
                json_object_object_add(msrs, "IA32_EFER", hexj(c->efer, 16));
        if (c->valid & HVS_ACQ_V_SEG) {
                json_object_object_add(msrs, "IA32_FS_BASE", hexj(c->seg[HVS_ACQ_FS].base, 16));
                json_object_object_add(msrs, "IA32_GS_BASE", hexj(c->seg[HVS_ACQ_GS].base, 16));
        }
        json_object_object_add(o, "msrs", msrs);
        if (c->valid & HVS_ACQ_V_EFER)
                json_object_object_add(o, "efer", hexj(c->efer, 16));
        json_object *extra = json_object_new_object();
        for (size_t i = 0; i < c->n_extra; i++)
                json_object_object_add(extra, c->extra[i].name, json_object_new_string(c->extra[i].value));
        json_object_object_add(o, "other", extra);
        return o;
}

HVS_API int hvs_acq_regs_json(const hvs_acq_regs *r, char **ret) {
        if (!r || !ret)
                return -EINVAL;
        json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        char t[48];
        iso_time(r->taken_ns, t, sizeof t);
        json_object_object_add(o, "tool", json_object_new_string("hvscope"));
        json_object_object_add(o, "version", json_object_new_string(HVS_VERSION_STRING));
        json_object_object_add(o, "taken", opt_str(t));
        json_object_object_add(o, "taken_ns", json_object_new_int64(r->taken_ns));
        json_object_object_add(o, "paused", json_object_new_boolean(r->paused));
        json_object_object_add(o, "downtime_ns", r->downtime_ns >= 0 ? json_object_new_int64(r->downtime_ns) : NULL);
        json_object *vm = json_object_new_object();
        json_object_object_add(vm, "name", opt_str(r->vm_name));
        json_object_object_add(vm, "uuid", opt_str(r->vm_uuid));
        json_object_object_add(vm, "qmp", opt_str(r->qmp_path));
        json_object_object_add(vm, "qemu_pid", r->qemu_pid > 0 ? json_object_new_int(r->qemu_pid) : NULL);
        json_object_object_add(vm, "accelerator", opt_str(r->accel));
        json_object_object_add(vm, "qemu_version", opt_str(r->qemu_version));
        json_object_object_add(o, "vm", vm);
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < r->n; i++)
                json_object_array_add(arr, vcpu_json(&r->vcpus[i]));
        json_object_object_add(o, "vcpus", arr);
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        char *copy = s ? hvs_strdup(s) : NULL;
        json_object_put(o);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}
