/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kint.h - what the kernel-integrity checks share (syscalls.c, idt.c,
 * inline-hooks.c, ftrace-kprobes.c, bpf.c): where kernel code is, which
 * module owns an address, symbol names, and the pure decoders (IDT gates,
 * the capstone-based classifier of function entries) that the fuzz target
 * and the unit tests drive on bytes alone.
 */
#ifndef HVS_TRIAGE_KINT_H
#define HVS_TRIAGE_KINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hvscope/linux.h>
#include <hvscope/session.h>
#include "triage-internal.h"

/* Bytes of a function's start that the inline-hook check disassembles. */
#define KINT_ENTRY_BYTES 32u
/* Instructions of a function's start that are classified. */
#define KINT_ENTRY_INSNS 4u
/* Bytes of x64_sys_call (a switch of direct calls, ~7 KiB on 6.1) disassembled whole. */
#define KINT_MAX_DISPATCH_BYTES (64u << 10)
/* Entries of sys_call_table read (NR_syscalls is 463 on 6.12; x32 is not in it). */
#define KINT_MAX_SYSCALLS 1024u

/* One module's memory, [lo, hi). */
struct kint_module {
        uint64_t lo, hi;
        uint64_t addr;          /* its struct module */
        char name[57];
};

/*
 * The kernel as the integrity checks see it. Text is [_text, _etext): it
 * holds the entry, irqentry, noinstr and static-call/thunk sections of x86-64
 * (all between _stext and _etext). Init text (_sinittext.._einittext) is
 * freed after boot: a live pointer into it is as suspicious as one outside.
 */
struct kint {
        hvs_linux *k;
        hvs_vas *as;
        hvs_profile *p;
        hvs_ksyms *syms;
        uint64_t text_lo, text_hi;
        uint64_t inittext_lo, inittext_hi;
        struct kint_module *mods;       /* sorted by lo */
        size_t nmods;
        bool mods_partial;              /* the module walk failed or was truncated */
        char mods_err[128];
};

/* Where an address is. */
enum kint_where {
        KINT_IN_KERNEL = 0,     /* [_text, _etext) */
        KINT_IN_MODULE,         /* inside a loaded module's memory */
        KINT_IN_INITTEXT,       /* freed init text */
        KINT_IN_UNKNOWN,        /* none of these (heap, vmalloc, user, ...) */
};

/*
 * kint_open() - the symbols, the kernel text range and the modules of @s.
 * Return: 0 (a failed module walk is kept in mods_partial/mods_err); -ENOENT
 * when _text/_etext are not known; the errors of hvs_profile_ksyms(); -ENOMEM.
 */
int kint_open(hvs_linux *k, hvs_diag *diag, struct kint *ret);
void kint_close(struct kint *c);

/* Where @addr is; @ret_mod (nullable) gets the module for KINT_IN_MODULE. */
enum kint_where kint_where(const struct kint *c, uint64_t addr, const struct kint_module **ret_mod);
const char *kint_where_name(enum kint_where w);

/* "name+0xoff" of the kernel symbol at or below @addr in kernel text, "" otherwise. */
void kint_symname(struct kint *c, uint64_t addr, char *buf, size_t cap);

/*
 * kint_sym_extent() - the kernel symbol at or below @addr: its start, the
 * next higher symbol's address (the end of its code, for a function) and its
 * name (borrowed; valid until kint_close()). Return: 0; -ENOENT.
 */
int kint_sym_extent(struct kint *c, uint64_t addr, uint64_t *ret_start, uint64_t *ret_end, const char **ret_name);

/* Address of kernel symbol @name. Return: 0; -ENOENT. */
int kint_sym(struct kint *c, const char *name, uint64_t *ret);

/* Evidence helper: {"addr":..., "where":..., "module":..., "symbol":...} parts added to @o. */
void kint_json_target(struct kint *c, json_object *o, const char *key, uint64_t addr);

/* The module owning @addr or, for kernel text, the empty string: for titles. */
const char *kint_owner(const struct kint *c, uint64_t addr);

/* The checks on a kernel view (the TRIAGE_CHECK functions call these with the session's kernel; unit tests
 * with a fake one). */
int triage_check_syscalls_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_check_idt_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_check_inline_hooks_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_check_ftrace_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_check_kprobes_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);
int triage_check_bpf_k(hvs_linux *k, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);

/* ---- ftrace (ftrace-kprobes.c) ---- */

/* A registered ftrace_ops: its trampoline and its callback. */
struct kint_ftrace_ops {
        uint64_t ops, trampoline, callback;
};
/*
 * kint_ftrace_ops() - up to @cap registered ftrace_ops (bounded, cycle-checked walk of ftrace_ops_list).
 * Return: how many were stored (0 when ftrace is unknown or unreadable).
 */
size_t kint_ftrace_ops(struct kint *c, struct kint_ftrace_ops *v, size_t cap);

/* ---- IDT gates (idt.c) ---- */

struct kint_gate {
        uint64_t offset;        /* the handler */
        uint16_t selector;
        uint8_t ist, type, dpl;
        bool present;
};
/* Decode one 16-byte x86-64 gate descriptor (Intel SDM vol. 3 fig. 6-8). */
void kint_gate_decode(const uint8_t raw[16], struct kint_gate *ret);

/* ---- entry classifier (inline-hooks.c) ---- */

enum kint_entry_kind {
        KINT_ENTRY_CLEAN = 0,   /* endbr64, the ftrace nop5 or call __fentry__, ordinary code */
        KINT_ENTRY_FTRACE,      /* call to ftrace_caller/ftrace_regs_caller: traced by ftrace */
        KINT_ENTRY_TRAMPOLINE,  /* call at the fentry site to code outside kernel text (an ftrace trampoline or a hook) */
        KINT_ENTRY_INT3,        /* int3 at the start: a kprobe (or a debugger) */
        KINT_ENTRY_JMP_OUT,     /* jmp/call/push-ret/mov-jmp to outside the function at its start */
        KINT_ENTRY_UNDECODABLE, /* the first bytes are not valid x86-64 code */
};
const char *kint_entry_kind_name(enum kint_entry_kind k);

/* What the classifier needs to know about the kernel: addresses that a legit entry may call. */
struct kint_entry_env {
        uint64_t fentry;                /* __fentry__ */
        uint64_t ftrace_callers[4];     /* ftrace_caller, ftrace_regs_caller, ... (0 = unknown) */
        uint64_t text_lo, text_hi;      /* kernel text */
};

struct kint_entry {
        enum kint_entry_kind kind;
        uint64_t target;        /* where the hook goes (0 if none) */
        uint32_t offset;        /* offset of the instruction that decides */
        char insn[200];         /* that instruction, "mnemonic operands" */
};

/*
 * kint_classify_entry() - classify the first bytes @code (@len, at guest
 * address @addr) of a function [addr, addr + @fsize) (@fsize 0 = unknown).
 * @handle: a capstone handle (x86, 64-bit) from kint_capstone_open().
 * Pure: used on guest bytes and by the fuzz target on random bytes.
 */
void kint_classify_entry(size_t handle, const uint8_t *code, size_t len, uint64_t addr, uint64_t fsize,
                         const struct kint_entry_env *env, struct kint_entry *ret);
/* The addresses of @env from @c's symbols. Return: 0. */
int kint_entry_env_init(struct kint *c, struct kint_entry_env *env);
/* A capstone handle for 64-bit x86 with details on. Return: 0; -ENOMEM/-EIO. */
int kint_capstone_open(size_t *ret);
void kint_capstone_close(size_t handle);

#endif
