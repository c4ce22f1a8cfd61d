/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inline-hooks.c - check "inline-hook": the first instructions of sensitive
 * kernel functions, disassembled with capstone.
 *
 * An x86-64 Debian kernel function starts with an optional endbr64 (IBT)
 * followed by its ftrace site: five bytes that are `call __fentry__` in the
 * image and a 5-byte nop at run time, or `call ftrace_caller` /
 * `call ftrace_regs_caller` / a call to a trampoline while ftrace (or a BPF
 * trampoline, or a kprobe on ftrace) traces the function. Functions built
 * without the ftrace site (notrace, asm) start with ordinary code.
 *
 * The classifier looks at the first instruction after endbr64 only, which is
 * where every inline hook must sit to run first:
 *   - a nop, call __fentry__, or ordinary code: clean;
 *   - call ftrace_caller/ftrace_regs_caller: traced (info: see ftrace-hook);
 *   - a call to code outside kernel text at that place: a trampoline (ftrace
 *     or BPF allocate theirs outside kernel text) or a hook (medium);
 *   - int3: a kprobe or a debugger breakpoint (medium);
 *   - jmp rel, jmp [rip] + address, movabs reg, imm; jmp reg, push imm; ret
 *     going outside the function: a detour (critical outside kernel text,
 *     high when it lands in other kernel code).
 * The functions checked are the table below plus every handler that
 * sys_call_table names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <capstone/capstone.h>
#include "kint.h"

#define CHECK_ID "inline-hook"

/* Functions rootkits hook (Diamorphine, Reptile, adore-ng, KoviD, ...) and the syscall path. */
static const char *const sensitive[] = {
        "x64_sys_call", "do_syscall_64", "ia32_sys_call", "x32_sys_call",
        "do_sys_openat2", "do_sys_open", "do_filp_open", "vfs_read", "vfs_write", "vfs_open",
        "iterate_dir", "filldir64", "filldir", "compat_filldir", "proc_pid_readdir", "proc_root_readdir",
        "tcp4_seq_show", "tcp6_seq_show", "udp4_seq_show", "udp6_seq_show", "packet_rcv", "tpacket_rcv",
        "commit_creds", "prepare_creds", "find_task_by_vpid", "kill_pid_info", "load_module", "do_init_module",
        "kallsyms_lookup_name", "kallsyms_on_each_symbol", "security_file_open", "inet_ioctl",
        "nf_hook_slow", "ip_rcv", "tcp_v4_rcv", "__x64_sys_kill", "__x64_sys_getdents64", "__x64_sys_getdents",
};

const char *kint_entry_kind_name(enum kint_entry_kind k) {
        static const char *const n[] = {
                [KINT_ENTRY_CLEAN] = "clean", [KINT_ENTRY_FTRACE] = "ftrace",
                [KINT_ENTRY_TRAMPOLINE] = "trampoline", [KINT_ENTRY_INT3] = "int3",
                [KINT_ENTRY_JMP_OUT] = "jmp-out", [KINT_ENTRY_UNDECODABLE] = "undecodable",
        };
        return (unsigned)k < ARRAY_SIZE(n) ? n[k] : "?";
}

int kint_capstone_open(size_t *ret) {
        csh h;
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
                return -EIO;
        if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
                cs_close(&h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

void kint_capstone_close(size_t handle) {
        csh h = handle;
        cs_close(&h);
}

static bool outside_fn(uint64_t t, uint64_t addr, uint64_t fsize) {
        return t < addr || (fsize ? t - addr >= fsize : t - addr >= KINT_ENTRY_BYTES);
}

static void set(struct kint_entry *e, enum kint_entry_kind k, uint64_t target, const cs_insn *i, uint64_t addr) {
        e->kind = k;
        e->target = target;
        e->offset = i ? (uint32_t)(i->address - addr) : 0;
        if (i)
                snprintf(e->insn, sizeof e->insn, "%s %s", i->mnemonic, i->op_str);
}

void kint_classify_entry(size_t handle, const uint8_t *code, size_t len, uint64_t addr, uint64_t fsize,
                         const struct kint_entry_env *env, struct kint_entry *ret) {
        *ret = (struct kint_entry){ .kind = KINT_ENTRY_CLEAN };
        csh h = handle;
        cs_insn *v = NULL;
        if (len > KINT_ENTRY_BYTES)
                len = KINT_ENTRY_BYTES;
        size_t n = cs_disasm(h, code, len, addr, KINT_ENTRY_INSNS, &v);
        if (n == 0) {
                ret->kind = KINT_ENTRY_UNDECODABLE;
                return;
        }
        size_t i = 0;
        if (v[0].id == X86_INS_ENDBR64)
                i = 1;
        if (i >= n)
                goto out;
        const cs_insn *in = &v[i];
        const cs_x86 *x = in->detail ? &in->detail->x86 : NULL;
        bool imm1 = x && x->op_count == 1 && x->operands[0].type == X86_OP_IMM;
        uint64_t t = imm1 ? (uint64_t)x->operands[0].imm : 0;
        switch (in->id) {
        case X86_INS_INT3:
                set(ret, KINT_ENTRY_INT3, 0, in, addr);
                break;
        case X86_INS_CALL:
                if (!imm1 || t == env->fentry)
                        break;
                for (size_t j = 0; j < ARRAY_SIZE(env->ftrace_callers); j++)
                        if (env->ftrace_callers[j] && t == env->ftrace_callers[j]) {
                                set(ret, KINT_ENTRY_FTRACE, t, in, addr);
                                goto out;
                        }
                if (t < env->text_lo || t >= env->text_hi)
                        set(ret, KINT_ENTRY_TRAMPOLINE, t, in, addr);
                break;
        case X86_INS_JMP:
                if (imm1 && outside_fn(t, addr, fsize)) {
                        set(ret, KINT_ENTRY_JMP_OUT, t, in, addr);
                } else if (x && x->op_count == 1 && x->operands[0].type == X86_OP_MEM &&
                           x->operands[0].mem.base == X86_REG_RIP && x->operands[0].mem.index == X86_REG_INVALID) {
                        /* jmp [rip + disp]: the address sits in the code bytes (ff 25 00000000 <addr>) */
                        uint64_t slot = in->address + in->size + (uint64_t)x->operands[0].mem.disp;
                        if (slot >= addr && slot - addr + 8 <= len) {
                                uint64_t d = hvs_le64(code + (slot - addr));
                                if (outside_fn(d, addr, fsize))
                                        set(ret, KINT_ENTRY_JMP_OUT, d, in, addr);
                        } else {
                                set(ret, KINT_ENTRY_JMP_OUT, 0, in, addr);
                        }
                }
                break;
        case X86_INS_MOVABS:
        case X86_INS_MOV:
                /* movabs reg, imm64; jmp/call reg */
                if (x && x->op_count == 2 && x->operands[0].type == X86_OP_REG && x->operands[1].type == X86_OP_IMM &&
                    i + 1 < n) {
                        const cs_insn *nx = &v[i + 1];
                        const cs_x86 *y = nx->detail ? &nx->detail->x86 : NULL;
                        uint64_t d = (uint64_t)x->operands[1].imm;
                        if ((nx->id == X86_INS_JMP || nx->id == X86_INS_CALL || nx->id == X86_INS_PUSH) && y &&
                            y->op_count == 1 && y->operands[0].type == X86_OP_REG &&
                            y->operands[0].reg == x->operands[0].reg && outside_fn(d, addr, fsize))
                                set(ret, KINT_ENTRY_JMP_OUT, d, in, addr);
                }
                break;
        case X86_INS_PUSH:
                /* push imm32; ret (the target sign-extended: kernel addresses are 0xffffffff8.......) */
                if (imm1 && i + 1 < n && (v[i + 1].id == X86_INS_RET) && outside_fn(t, addr, fsize))
                        set(ret, KINT_ENTRY_JMP_OUT, t, in, addr);
                break;
        default:
                break;
        }
out:
        cs_free(v, n);
}

/* ---- the check ---- */

struct fnset {
        uint64_t *v;
        size_t n, cap;
};

static int fnset_add(struct fnset *s, uint64_t a) {
        for (size_t i = 0; i < s->n; i++)      /* small sets: ~500 */
                if (s->v[i] == a)
                        return 0;
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                uint64_t *v = hvs_reallocarray(s->v, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = a;
        return 0;
}

/* Every sys_call_table entry that is in kernel text (the others are syscall-hook's findings). */
static int add_table_targets(struct kint *c, struct fnset *set, struct triage_budget *b) {
        uint64_t table, start, end;
        if (kint_sym(c, "sys_call_table", &table) < 0 || kint_sym_extent(c, table, &start, &end, NULL) < 0 ||
            start != table || end <= table)
                return 0;
        size_t n = (end - table) / 8;
        if (n > KINT_MAX_SYSCALLS)
                n = KINT_MAX_SYSCALLS;
        if (!triage_budget_take(b, n * 8))
                return 0;
        _cleanup_free_ uint8_t *raw = hvs_malloc(n * 8);
        if (!raw)
                return -ENOMEM;
        if (hvs_vas_read(c->as, HVS_GVA(table), raw, n * 8) < 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                uint64_t v = hvs_le64(raw + i * 8);
                if (kint_where(c, v, NULL) == KINT_IN_KERNEL) {
                        int r = fnset_add(set, v);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int kint_entry_env_init(struct kint *c, struct kint_entry_env *env) {
        static const char *const callers[] = { "ftrace_caller", "ftrace_regs_caller", "ftrace_stub",
                                               "ftrace_stub_direct_tramp" };
        *env = (struct kint_entry_env){ .text_lo = c->text_lo, .text_hi = c->text_hi };
        (void)kint_sym(c, "__fentry__", &env->fentry);
        for (size_t i = 0; i < ARRAY_SIZE(callers); i++)
                (void)kint_sym(c, callers[i], &env->ftrace_callers[i]);
        return 0;
}

static enum hvs_severity severity_of(const struct kint *c, const struct kint_entry *e) {
        switch (e->kind) {
        case KINT_ENTRY_FTRACE:
        case KINT_ENTRY_UNDECODABLE:
        case KINT_ENTRY_CLEAN:
                return HVS_SEV_INFO;
        case KINT_ENTRY_TRAMPOLINE:
        case KINT_ENTRY_INT3:
                return HVS_SEV_MEDIUM;
        case KINT_ENTRY_JMP_OUT:
                return kint_where(c, e->target, NULL) == KINT_IN_KERNEL ? HVS_SEV_HIGH : HVS_SEV_CRITICAL;
        }
        return HVS_SEV_INFO;
}

TRIAGE_CHECK(triage_check_inline_hooks) {
        return triage_check_inline_hooks_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_inline_hooks_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        struct kint c;
        struct triage_budget b;
        struct fnset set = { 0 };
        size_t h = 0;
        bool have_h = false;
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        triage_budget_init(&b, o);
        for (size_t i = 0; i < ARRAY_SIZE(sensitive); i++) {
                uint64_t a;
                if (kint_sym(&c, sensitive[i], &a) == 0 && (r = fnset_add(&set, a)) < 0)
                        goto done;
        }
        if ((r = add_table_targets(&c, &set, &b)) < 0)
                goto done;
        if ((r = kint_capstone_open(&h)) < 0)
                goto done;
        have_h = true;
        struct kint_entry_env env;
        kint_entry_env_init(&c, &env);
        struct kint_ftrace_ops ops[64];
        size_t nops = kint_ftrace_ops(&c, ops, ARRAY_SIZE(ops));
        unsigned checked = 0, traced = 0;
        for (size_t i = 0; i < set.n; i++) {
                uint64_t a = set.v[i], start, end;
                const char *name = "?";
                uint8_t code[KINT_ENTRY_BYTES];
                if (!triage_budget_take(&b, sizeof code))
                        break;
                if (kint_sym_extent(&c, a, &start, &end, &name) < 0 || start != a)
                        end = a;
                if (hvs_vas_read(c.as, HVS_GVA(a), code, sizeof code) < 0)
                        continue;
                checked++;
                struct kint_entry e;
                kint_classify_entry(h, code, sizeof code, a, end > a ? end - a : 0, &env, &e);
                hvs_debug("inline-hook: %s 0x%" PRIx64 " (%" PRIu64 " bytes): %s %s", name, a, end > a ? end - a : 0,
                          kint_entry_kind_name(e.kind), e.insn);
                if (e.kind == KINT_ENTRY_CLEAN)
                        continue;
                if (e.kind == KINT_ENTRY_FTRACE) {
                        traced++;
                        continue;       /* ftrace-hook names the ops; counted below */
                }
                /* A call at the ftrace site to an ftrace_ops' own trampoline: ftrace at work; who it
                 * serves decides (a module's callback: ftrace-hook reports it too). */
                const struct kint_ftrace_ops *fo = NULL;
                for (size_t j = 0; e.kind == KINT_ENTRY_TRAMPOLINE && j < nops; j++)
                        if (ops[j].trampoline && ops[j].trampoline == e.target)
                                fo = &ops[j];
                const struct kint_module *m = NULL;
                enum kint_where w = kint_where(&c, e.target, &m);
                char title[512], tsym[160];
                if (fo) {
                        const struct kint_module *cm = NULL;
                        enum kint_where cw = kint_where(&c, fo->callback, &cm);
                        char cb[160];
                        kint_symname(&c, fo->callback, cb, sizeof cb);
                        if (cw == KINT_IN_KERNEL) {
                                traced++;
                                continue;
                        }
                        snprintf(title, sizeof title, "%s traced through an ftrace trampoline for %s%s", name,
                                 cm ? "module " : "", cm ? cm->name : kint_where_name(cw));
                        json_object *ev = json_object_new_object();
                        if (ev) {
                                json_object_object_add(ev, "function", json_object_new_string(name));
                                json_object_object_add(ev, "function_addr", triage_json_addr(a));
                                json_object_object_add(ev, "kind", json_object_new_string("ftrace-trampoline"));
                                json_object_object_add(ev, "insn", json_object_new_string(e.insn));
                                json_object_object_add(ev, "ftrace_ops", triage_json_addr(fo->ops));
                                kint_json_target(&c, ev, "trampoline", e.target);
                                kint_json_target(&c, ev, "callback", fo->callback);
                                if (cm)
                                        json_object_object_add(ev, "module", json_object_new_string(cm->name));
                        }
                        if ((r = triage_add(out, HVS_SEV_MEDIUM, CHECK_ID, -1, a, title,
                                            "The function's ftrace site calls a trampoline of a registered "
                                            "ftrace_ops whose callback is outside kernel text (see ftrace-hook).",
                                            "T1014", ev)) < 0)
                                goto done;
                        continue;
                }
                kint_symname(&c, e.target, tsym, sizeof tsym);
                switch (e.kind) {
                case KINT_ENTRY_INT3:
                        snprintf(title, sizeof title, "%s starts with int3 (a kprobe or breakpoint)", name);
                        break;
                case KINT_ENTRY_TRAMPOLINE:
                        snprintf(title, sizeof title, "%s calls 0x%" PRIx64 " (%s) at its ftrace site", name,
                                 e.target, m ? m->name : kint_where_name(w));
                        break;
                case KINT_ENTRY_JMP_OUT:
                        snprintf(title, sizeof title, "%s inline-hooked: %s to %s%s", name, e.insn,
                                 m ? "module " : "", m ? m->name : tsym[0] ? tsym : kint_where_name(w));
                        break;
                default:
                        snprintf(title, sizeof title, "%s: first bytes do not decode as x86-64", name);
                        break;
                }
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "function", json_object_new_string(name));
                        json_object_object_add(ev, "function_addr", triage_json_addr(a));
                        json_object_object_add(ev, "kind", json_object_new_string(kint_entry_kind_name(e.kind)));
                        json_object_object_add(ev, "insn", json_object_new_string(e.insn));
                        json_object_object_add(ev, "insn_offset", json_object_new_int((int)e.offset));
                        char hex[2 * KINT_ENTRY_BYTES + 1];
                        for (size_t j = 0; j < 16; j++)
                                snprintf(hex + 2 * j, 3, "%02x", code[j]);
                        json_object_object_add(ev, "bytes", json_object_new_string(hex));
                        if (e.target)
                                kint_json_target(&c, ev, "target", e.target);
                        if (m)
                                json_object_object_add(ev, "module", json_object_new_string(m->name));
                }
                r = triage_add(out, severity_of(&c, &e), CHECK_ID, -1, a, title,
                               e.kind == KINT_ENTRY_JMP_OUT
                                       ? "The function's first instruction diverts execution elsewhere: an inline "
                                         "hook (detour) that runs before the kernel's own code."
                                       : e.kind == KINT_ENTRY_INT3
                                                 ? "A breakpoint at the function's start: kprobes put one there "
                                                   "(see kprobe-hook), so does a debugger."
                                                 : "The ftrace site of the function calls code outside kernel text: "
                                                   "an ftrace or BPF trampoline, or a hook in that place.",
                               "T1014", ev);
                if (r < 0)
                        goto done;
        }
        if (traced) {
                char t[160];
                snprintf(t, sizeof t, "%u sensitive functions are traced by ftrace", traced);
                if ((r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, t,
                                    "Their ftrace site calls ftrace_caller/ftrace_regs_caller; ftrace-hook lists "
                                    "the ftrace_ops and who owns them.",
                                    NULL, NULL)) < 0)
                        goto done;
        }
        if (!checked)
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, "no function start was readable", NULL, NULL,
                               NULL);
        if (r >= 0)
                r = triage_budget_report(&b, out, CHECK_ID);
done:
        if (have_h)
                kint_capstone_close(h);
        free(set.v);
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "inline-hook: %s", strerror(-r)) : 0;
}
