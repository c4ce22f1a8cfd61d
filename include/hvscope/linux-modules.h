/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-modules.h - the Linux guest view of loaded kernel modules.
 * Included by linux.h; not meant to be included on its own.
 *
 * The modules are read from the kernel's `modules` list, in list order (the
 * most recently loaded first, as /proc/modules shows them). Each entry is
 * reported as /proc/modules would render it (name, size, reference count,
 * users, state, core address, taint flags), plus its parameters
 * (module->kp), with the guest address of every object. Values the kernel
 * does not have (a kernel without CONFIG_MODULE_UNLOAD has no refcount) or
 * that could not be read are marked, never guessed.
 */
#ifndef HVSCOPE_LINUX_MODULES_H
#define HVSCOPE_LINUX_MODULES_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters decoded per module (a module's kp array; the largest in-tree
 * modules have about 100). More are reported as partial. */
#define HVS_MAX_MODULE_PARAMS 1024u
/* Bytes of one parameter value read (a charp or string parameter). */
#define HVS_MAX_MODULE_PARAM_VALUE 4096u
/* Modules named in one module's users (its source_list). */
#define HVS_MAX_MODULE_USERS 1024u

/* enum module_state of include/linux/module.h. */
#define HVS_MODULE_LIVE     0
#define HVS_MODULE_COMING   1
#define HVS_MODULE_GOING    2
#define HVS_MODULE_UNFORMED 3

/* Bits of struct hvs_module.partial: what could not be read. */
#define HVS_MODULE_PARTIAL_REFCNT (1u << 0)  /* no refcnt (kernel without MODULE_UNLOAD) or unreadable */
#define HVS_MODULE_PARTIAL_USERS  (1u << 1)  /* the source_list walk stopped early */
#define HVS_MODULE_PARTIAL_PARAMS (1u << 2)  /* kp array unreadable or longer than HVS_MAX_MODULE_PARAMS */

/**
 * struct hvs_module_param - one module parameter (struct kernel_param).
 * @addr:  guest address of the struct kernel_param
 * @name:  its name (kp->name), NUL-terminated, control bytes as '?'
 * @type:  the parameter type from kp->ops ("int", "uint", "bool", "invbool",
 *         "bint", "charp", "string", "long", "ulong", "ullong", "short",
 *         "ushort", "byte", "hexint", "array"), or "other" for ops hvscope
 *         does not decode
 * @perm:  kp->perm (0: not shown in /sys/module/NAME/parameters)
 * @arg:   kp->arg (for "string", the struct kparam_string)
 * @value: the value rendered as /sys/module/NAME/parameters/@name shows it
 *         (without the final newline), owned; NULL if unreadable or of
 *         type "other"/"array"
 */
typedef struct hvs_module_param {
        hvs_gva addr;
        char name[64];
        const char *type;
        uint16_t perm;
        hvs_gva arg;
        char *value;
} hvs_module_param;

/**
 * struct hvs_module - one loaded module.
 * @addr:      guest address of its struct module
 * @name:      module->name, NUL-terminated, control bytes as '?'
 * @state:     HVS_MODULE_* (module->state); other values are kept as read
 * @base:      start of its core text (core_layout.base up to 6.3,
 *             mem[MOD_TEXT].base from 6.4): the address /proc/modules shows
 * @size:      bytes of all its memory areas, as /proc/modules sums them
 *             (core + init layouts, or every mem[] area)
 * @taints:    module->taints (TAINT_* bits)
 * @flags:     "(OE)" style flags as /proc/modules prints them after the
 *             address ("" if none): taint letters, '+' loading, '-' unloading
 * @refcount:  module_refcount(): refcnt - 1, when not partial
 * @users:     names of the modules that use this one (its source_list), each
 *             followed by ',' as /proc/modules prints them, plus
 *             "[permanent]," for a module with init and no exit; "" if none
 *             (owned; NULL only with HVS_MODULE_PARTIAL_USERS)
 * @params, @nparams: its parameters in kp order (owned)
 * @partial:   HVS_MODULE_PARTIAL_* bits
 */
typedef struct hvs_module {
        hvs_gva addr;
        char name[57];
        uint32_t state;
        uint64_t base;
        uint64_t size;
        uint64_t taints;
        char flags[32];
        int32_t refcount;
        char *users;
        hvs_module_param *params;
        size_t nparams;
        uint32_t partial;
} hvs_module;

/**
 * struct hvs_module_list - the result of hvs_linux_modules().
 * @modules, @n: in list order; each struct module appears at most once
 * @list_addr:   guest address of the `modules` list head
 * @truncated:   the walk stopped early; @trunc_err says why (-EFAULT broken
 *               link, -ELOOP cycle, -E2BIG max_modules reached) and
 *               @trunc_msg where
 */
typedef struct hvs_module_list {
        hvs_module *modules;
        size_t n;
        hvs_gva list_addr;
        bool truncated;
        int trunc_err;
        char trunc_msg[256];
} hvs_module_list;

/**
 * hvs_linux_modules() - walk the guest's list of loaded kernel modules.
 * @k:   the kernel view
 * @ret: owned; free with hvs_module_list_free(); untouched on failure
 *
 * Bounded by k's max_modules limit and cycle-checked. A broken or cyclic
 * list gives the modules read so far, marked truncated: that is a result
 * (return 0), not an error. Per-module fields that cannot be read mark that
 * module partial. Parameter values are decoded for the kernel's own
 * parameter types (found by comparing kp->ops with the addresses of the
 * kernel's param_ops_* symbols); at most HVS_MAX_MODULE_PARAMS per module.
 * Thread-safety: as the other calls on @k (one thread at a time).
 * Return: 0; -ENOENT if the kernel has no `modules` symbol or struct module
 * lacks a field the view needs (detail in hvs_linux_errmsg()); -EBADMSG if
 * the resolved layout is implausible; -ENOMEM.
 */
HVS_API int hvs_linux_modules(hvs_linux *k, hvs_module_list **ret);

/** hvs_module_list_free() - NULL-safe. Return: NULL. */
HVS_API hvs_module_list *hvs_module_list_free(hvs_module_list *l);

#ifdef __cplusplus
}
#endif
#endif
