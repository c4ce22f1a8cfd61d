/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * syscalls.c - check "syscall-hook": the system call tables and the
 * dispatcher.
 *
 * sys_call_table (and ia32_sys_call_table / x32_sys_call_table where the
 * kernel has them) must hold, in every entry, the start of a system call
 * handler in kernel text (__x64_sys_*, __ia32_*, sys_ni_syscall). An entry
 * that points into a module is the classic rootkit hook; one that points
 * elsewhere (heap, freed init text) is worse.
 *
 * Since Linux 6.9 (and in Debian's 6.1 and 6.12 kernels, which carry the
 * backport) the kernel no longer calls through sys_call_table: do_syscall_64
 * calls x64_sys_call(), a switch of direct calls. A changed table entry is
 * then evidence of tampering (a rootkit written for older kernels) but not
 * a hook that runs; what runs is x64_sys_call's code, so this check also
 * disassembles x64_sys_call whole and requires every direct call or jump in
 * it to land in itself, at the start of a __x64_sys_* handler, or in the
 * return/indirect-branch thunks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <capstone/capstone.h>
#include "kint.h"
#include "util/syscalls-x86_64.h"

#define CHECK_ID "syscall-hook"
#define TECHNIQUE "T1014"

/* Entries of the table at @table: up to the next symbol, at most KINT_MAX_SYSCALLS. */
static size_t table_entries(struct kint *c, uint64_t table) {
        uint64_t start, end;
        if (kint_sym_extent(c, table, &start, &end, NULL) < 0 || start != table || end <= table)
                return 0;
        uint64_t n = (end - table) / 8;
        return n > KINT_MAX_SYSCALLS ? KINT_MAX_SYSCALLS : (size_t)n;
}

static bool handler_name_ok(const char *name) {
        static const char *const prefixes[] = { "__x64_sys_", "__ia32_sys_", "__ia32_compat_sys_", "__x32_compat_sys_",
                                                "sys_ni_syscall", "__x64_compat_sys_" };
        for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
                if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

static int check_table(struct kint *c, const char *table_name, bool x64_names, hvs_findings *out,
                       struct triage_budget *b, unsigned *ret_checked) {
        uint64_t table;
        if (kint_sym(c, table_name, &table) < 0)
                return 0;
        size_t n = table_entries(c, table);
        if (!n)
                return triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, table, "system call table size unknown",
                                  "The symbol after the table was not found, so its entries were not checked.", NULL,
                                  NULL);
        if (!triage_budget_take(b, n * 8))
                return 0;
        _cleanup_free_ uint8_t *raw = hvs_malloc(n * 8);
        if (!raw)
                return -ENOMEM;
        int r = hvs_vas_read(c->as, HVS_GVA(table), raw, n * 8);
        if (r < 0) {
                char t[160];
                snprintf(t, sizeof t, "%s unreadable (%s)", table_name, strerror(-r));
                return triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, table, t, NULL, NULL, NULL);
        }
        /* The table is NR_syscalls long; the next symbol may sit after alignment padding (zeros). */
        while (n > 0 && hvs_le64(raw + (n - 1) * 8) == 0)
                n--;
        for (size_t i = 0; i < n; i++) {
                uint64_t v = hvs_le64(raw + i * 8);
                const struct kint_module *m = NULL;
                enum kint_where w = kint_where(c, v, &m);
                uint64_t start = 0;
                const char *sym = NULL;
                if (w == KINT_IN_KERNEL && kint_sym_extent(c, v, &start, NULL, &sym) == 0 && start == v &&
                    handler_name_ok(sym))
                        continue;
                const char *sc = x64_names ? hvs_syscall_name_x86_64(i) : NULL;
                if (!sc)
                        sc = "?";
                enum hvs_severity sev = w == KINT_IN_KERNEL ? HVS_SEV_HIGH : HVS_SEV_CRITICAL;
                char title[512], expl[512];
                if (w == KINT_IN_MODULE)
                        snprintf(title, sizeof title, "%s[%zu] (%s) hooked: points into module %s at 0x%" PRIx64,
                                 table_name, i, sc, m->name, v);
                else if (w == KINT_IN_KERNEL)
                        snprintf(title, sizeof title, "%s[%zu] (%s) points into kernel text at %s, not a handler",
                                 table_name, i, sc, sym ? sym : "?");
                else
                        snprintf(title, sizeof title, "%s[%zu] (%s) points %s, to 0x%" PRIx64, table_name, i, sc,
                                 w == KINT_IN_INITTEXT ? "into freed init text" : "outside the kernel and modules",
                                 v);
                snprintf(expl, sizeof expl,
                         "Every entry of %s should be the start of a system call handler in kernel text. A changed "
                         "entry is the classic rootkit hook (hiding files, processes, or a backdoor); on kernels that "
                         "dispatch through x64_sys_call() (6.9+, Debian 6.1/6.12) the write itself is the evidence "
                         "of tampering.",
                         table_name);
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "table", json_object_new_string(table_name));
                        json_object_object_add(ev, "table_addr", triage_json_addr(table));
                        json_object_object_add(ev, "index", json_object_new_int((int)i));
                        json_object_object_add(ev, "syscall", json_object_new_string(sc));
                        json_object_object_add(ev, "entry_addr", triage_json_addr(table + i * 8));
                        kint_json_target(c, ev, "target", v);
                        if (m)
                                json_object_object_add(ev, "module", json_object_new_string(m->name));
                }
                if (ev && m)    /* the hook came with a kernel module: persistence by module too */
                        json_object_object_add(ev, "also_technique", json_object_new_string("T1547.006"));
                r = triage_add(out, sev, CHECK_ID, -1, table + i * 8, title, expl, TECHNIQUE, ev);
                if (r < 0)
                        return r;
        }
        *ret_checked += (unsigned)n;
        return 0;
}

/* ---- x64_sys_call ---- */

static bool dispatch_target_ok(struct kint *c, uint64_t t, uint64_t fn, uint64_t fn_end) {
        if (t >= fn && t < fn_end)
                return true;
        uint64_t start;
        const char *name;
        if (kint_where(c, t, NULL) != KINT_IN_KERNEL || kint_sym_extent(c, t, &start, NULL, &name) < 0 || start != t)
                return false;
        return handler_name_ok(name) || strncmp(name, "__x86_indirect_thunk_", 21) == 0 ||
               strcmp(name, "__x86_return_thunk") == 0 || strncmp(name, "__SCT__", 7) == 0 ||
               strcmp(name, "__stack_chk_fail") == 0;
}

static int check_dispatcher(struct kint *c, const char *fn_name, hvs_findings *out, struct triage_budget *b,
                            unsigned *ret_insns) {
        uint64_t fn, start, end;
        if (kint_sym(c, fn_name, &fn) < 0 || kint_sym_extent(c, fn, &start, &end, NULL) < 0 || start != fn)
                return 0;
        uint64_t len = end - fn;
        if (len == 0 || len > KINT_MAX_DISPATCH_BYTES) {
                char t[160];
                snprintf(t, sizeof t, "%s: implausible size %" PRIu64 ", not checked", fn_name, len);
                return triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, fn, t, NULL, NULL, NULL);
        }
        if (!triage_budget_take(b, len))
                return 0;
        _cleanup_free_ uint8_t *code = hvs_malloc(len);
        if (!code)
                return -ENOMEM;
        int r = hvs_vas_read(c->as, HVS_GVA(fn), code, len);
        if (r < 0)
                return 0;
        size_t h;
        if ((r = kint_capstone_open(&h)) < 0)
                return r;
        cs_insn *insn = cs_malloc(h);
        if (!insn) {
                kint_capstone_close(h);
                return -ENOMEM;
        }
        const uint8_t *p = code;
        size_t left = len;
        uint64_t at = fn;
        while (left > 0) {
                if (!cs_disasm_iter(h, &p, &left, &at, insn)) {
                        /* padding or data: skip a byte */
                        p++, left--, at++;
                        continue;
                }
                (*ret_insns)++;
                if (!insn->detail || (insn->id != X86_INS_CALL && insn->id != X86_INS_JMP))
                        continue;
                const cs_x86 *x = &insn->detail->x86;
                if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
                        continue;
                uint64_t t = (uint64_t)x->operands[0].imm;
                if (dispatch_target_ok(c, t, fn, end))
                        continue;
                const struct kint_module *m = NULL;
                enum kint_where w = kint_where(c, t, &m);
                char title[512], sym[160];
                kint_symname(c, t, sym, sizeof sym);
                snprintf(title, sizeof title, "%s patched: %s at +0x%" PRIx64 " goes to %s%s%s", fn_name,
                         insn->mnemonic, insn->address - fn, w == KINT_IN_MODULE ? "module " : "",
                         w == KINT_IN_MODULE ? m->name : sym[0] ? sym : kint_where_name(w),
                         "");
                json_object *ev = json_object_new_object();
                if (ev) {
                        json_object_object_add(ev, "function", json_object_new_string(fn_name));
                        json_object_object_add(ev, "function_addr", triage_json_addr(fn));
                        json_object_object_add(ev, "insn_addr", triage_json_addr(insn->address));
                        char txt[200];
                        snprintf(txt, sizeof txt, "%s %s", insn->mnemonic, insn->op_str);
                        json_object_object_add(ev, "insn", json_object_new_string(txt));
                        kint_json_target(c, ev, "target", t);
                        if (m)
                                json_object_object_add(ev, "module", json_object_new_string(m->name));
                }
                r = triage_add(out, w == KINT_IN_KERNEL ? HVS_SEV_HIGH : HVS_SEV_CRITICAL, CHECK_ID, -1, insn->address,
                               title,
                               "The system call dispatcher is a switch of direct calls to the __x64_sys_* handlers; "
                               "a call or jump elsewhere is a patch that redirects a system call.",
                               "T1014", ev);
                if (r < 0)
                        break;
        }
        cs_free(insn, 1);
        kint_capstone_close(h);
        return r < 0 ? r : 0;
}

TRIAGE_CHECK(triage_check_syscalls) {
        return triage_check_syscalls_k(hvs_session_linux(s), o, out, diag);
}

int triage_check_syscalls_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag) {
        struct kint c;
        struct triage_budget b;
        int r = kint_open(k, diag, &c);
        if (r < 0)
                return r;
        triage_budget_init(&b, o);
        unsigned checked = 0, insns = 0;
        if ((r = check_table(&c, "sys_call_table", true, out, &b, &checked)) < 0 ||
            (r = check_table(&c, "ia32_sys_call_table", false, out, &b, &checked)) < 0 ||
            (r = check_table(&c, "x32_sys_call_table", false, out, &b, &checked)) < 0 ||
            (r = check_dispatcher(&c, "x64_sys_call", out, &b, &insns)) < 0)
                goto done;
        if (!checked) {
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, "no system call table found in kallsyms",
                               "Neither sys_call_table nor the ia32/x32 tables is a known symbol.", NULL, NULL);
                goto done;
        }
        if (c.mods_partial)
                r = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, c.mods_err,
                               "Targets inside modules could not all be attributed.", NULL, NULL);
        if (r >= 0)
                r = triage_budget_report(&b, out, CHECK_ID);
done:
        kint_close(&c);
        return r < 0 ? HVS_DIAG(diag, r, "syscall-hook: %s", strerror(-r)) : 0;
}
