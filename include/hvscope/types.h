/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * types.h - the symbols layer: kernel symbols and type layouts.
 *
 * - hvs_ksyms: kernel symbols, recovered from the kallsyms tables that every
 *   Linux kernel carries in its .rodata (no System.map, no debug package).
 * - hvs_btf: type layouts from the kernel's own BTF (parsed by libbpf).
 * - hvs_profile: what the analyzers use: symbols relative to the kernel's
 *   _text (so one profile serves every KASLR slide of the same build) and
 *   memoized field offsets; it can be saved to and loaded from a cache file
 *   keyed by the kernel build (its banner).
 *
 * Everything parsed here (guest RAM, BTF blobs, cache files) is hostile:
 * bounded, overflow-checked, and a failure is -EBADMSG with detail in the
 * caller's hvs_diag.
 */
#ifndef HVSCOPE_TYPES_H
#define HVSCOPE_TYPES_H

#include <hvscope/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kallsyms ---------------------------------------------------------- */

typedef struct hvs_ksyms hvs_ksyms;

/**
 * struct hvs_ksym - one kernel symbol.
 * @addr: virtual address (as the guest's /proc/kallsyms shows it)
 * @type: kallsyms type letter ('T', 't', 'D', 'd', 'B', 'R', 'A', ...)
 * @absolute: the address does not move with KASLR (per-CPU offsets)
 * @name: NUL-terminated; borrowed from the table
 */
typedef struct hvs_ksym {
        uint64_t addr;
        char type;
        bool absolute;
        const char *name;
} hvs_ksym;

/**
 * struct hvs_ksyms_layout - where the kallsyms tables were found (for the
 * record and for tests); guest-physical addresses, 0 when not applicable.
 */
typedef struct hvs_ksyms_layout {
        uint64_t token_table, token_index, markers, names, num_syms_at, offsets, relative_base_at;
        uint64_t relative_base;
        uint32_t num_syms;
        bool absolute_percpu;   /* offsets >= 0 are absolute (Linux <= 6.10 x86-64 SMP) */
} hvs_ksyms_layout;

/**
 * hvs_ksyms_recover() - find and decode the kallsyms tables in guest RAM.
 * @m: guest-physical memory (borrowed)
 * @hint_lo, @hint_hi: guest-physical window to scan first (e.g. the kernel
 *    image found from its banner); 0, 0 = scan all RAM
 * @diag: receives detail on failure (nullable)
 * @ret: the symbols (owned; hvs_ksyms_free())
 * @ret_layout: nullable; where the tables were found
 *
 * Detects each table by its own structure (token table with its index,
 * markers, names, num_syms, offsets and relative base), not by a fixed order,
 * so the 6.1 and the later layouts both work.
 * Return: 0; -ENOENT if no kallsyms tables were found; -EBADMSG if a candidate
 * was found but does not decode consistently; -E2BIG over HVS_MAX_KSYMS; -ENOMEM.
 */
HVS_API int hvs_ksyms_recover(hvs_mem *m, uint64_t hint_lo, uint64_t hint_hi, hvs_diag *diag,
                              hvs_ksyms **ret, hvs_ksyms_layout *ret_layout);

/**
 * hvs_ksyms_new() - an empty table, to fill with hvs_ksyms_add() (cache
 * loading, tests). Return: 0; -ENOMEM.
 */
HVS_API int hvs_ksyms_new(hvs_ksyms **ret);

/**
 * hvs_ksyms_add() - append a symbol (the name is copied). Lookups re-sort
 * lazily. Return: 0; -E2BIG over HVS_MAX_KSYMS; -EINVAL for an empty or
 * over-long name; -ENOMEM.
 */
HVS_API int hvs_ksyms_add(hvs_ksyms *k, const char *name, char type, uint64_t addr, bool absolute);

/** hvs_ksyms_count() - number of symbols. */
HVS_API size_t hvs_ksyms_count(const hvs_ksyms *k);

/**
 * hvs_ksyms_get() - symbol @i in address order (0 <= @i < count); NULL if out
 * of range. Borrowed; valid until the table changes or is freed.
 */
HVS_API const hvs_ksym *hvs_ksyms_get(hvs_ksyms *k, size_t i);

/**
 * hvs_ksyms_find() - address of the symbol named @name (the first, in address
 * order, if several share the name). O(1) after the first call.
 * Return: 0; -ENOENT; -ENOMEM (building the index).
 */
HVS_API int hvs_ksyms_find(hvs_ksyms *k, const char *name, hvs_ksym *ret);

/**
 * hvs_ksyms_lookup_addr() - the symbol at or below @addr.
 * @ret_off: nullable; @addr minus the symbol's address
 * Return: 0; -ENOENT if @addr is below every symbol.
 */
HVS_API int hvs_ksyms_lookup_addr(hvs_ksyms *k, uint64_t addr, hvs_ksym *ret, uint64_t *ret_off);

/** hvs_ksyms_free() - NULL-safe. Return: NULL. */
HVS_API hvs_ksyms *hvs_ksyms_free(hvs_ksyms *k);

/* ---- BTF ---------------------------------------------------------------- */

typedef struct hvs_btf hvs_btf;

/**
 * hvs_btf_parse() - parse a raw BTF blob (magic 0xeb9f) with libbpf.
 * @data: copied; the caller keeps ownership
 * Return: 0; -EBADMSG if libbpf rejects it or it is over HVS_MAX_BTF_BYTES;
 * -ENOMEM.
 */
HVS_API int hvs_btf_parse(const void *data, size_t len, hvs_diag *diag, hvs_btf **ret);

/**
 * hvs_btf_load_file() - BTF from a file: raw BTF (/sys/kernel/btf/vmlinux) or
 * an ELF kernel image (vmlinux) with a .BTF section.
 * Return: 0; -ENOENT if the ELF has no .BTF; -EBADMSG; -errno from the system.
 */
HVS_API int hvs_btf_load_file(const char *path, hvs_diag *diag, hvs_btf **ret);

/**
 * hvs_btf_field() - offset and size of @path in struct or union @type.
 * @type: a struct, union or typedef name, or "var:NAME" for the type of the
 *        global variable NAME (variables of anonymous struct type, such as
 *        Linux's tk_core)
 * @path: a member name, or a dotted path through nested members
 *        ("signal.nr_threads" is not a path: it crosses a pointer; use
 *        "uid.val" for a member of an embedded struct). Members of anonymous
 *        structs and unions are found as if they were direct members.
 * @ret_off: byte offset from the start of @type
 * @ret_size: nullable; byte size of the member
 * Return: 0; -ENOENT if @type or a path component is absent; -EOPNOTSUPP for
 * a bitfield; -EBADMSG for implausible BTF (e.g. too deep nesting).
 */
HVS_API int hvs_btf_field(const hvs_btf *b, const char *type, const char *path, uint32_t *ret_off,
                          uint32_t *ret_size);

/**
 * hvs_btf_type_size() - byte size of struct/union/typedef @type.
 * Return: 0; -ENOENT.
 */
HVS_API int hvs_btf_type_size(const hvs_btf *b, const char *type, uint32_t *ret_size);

/**
 * hvs_btf_raw() - the raw BTF bytes (borrowed; valid until free).
 */
HVS_API const void *hvs_btf_raw(const hvs_btf *b, size_t *ret_len);

/** hvs_btf_ntypes() - number of types. */
HVS_API uint32_t hvs_btf_ntypes(const hvs_btf *b);

/** hvs_btf_free() - NULL-safe. Return: NULL. */
HVS_API hvs_btf *hvs_btf_free(hvs_btf *b);

/* ---- profile ------------------------------------------------------------ */

typedef struct hvs_profile hvs_profile;

/**
 * hvs_profile_new() - a profile of one kernel build.
 * @banner: the kernel's "Linux version ..." string (the build key), copied
 * @syms:   the kernel's symbols (taken on success)
 * @text_va: the address of _text in @syms (KASLR included); symbols are
 *          stored relative to it unless absolute
 * @btf:    types (taken on success; NULL = none yet)
 * Return: 0; -EINVAL; -ENOMEM.
 */
HVS_API int hvs_profile_new(const char *banner, hvs_ksyms *syms, uint64_t text_va, hvs_btf *btf,
                            hvs_profile **ret);

/**
 * hvs_profile_set_text() - rebase the profile on a kernel whose _text is at
 * @text_va (another KASLR slide of the same build).
 */
HVS_API void hvs_profile_set_text(hvs_profile *p, uint64_t text_va);

/** hvs_profile_text() - the current _text address. */
HVS_API uint64_t hvs_profile_text(const hvs_profile *p);

/** hvs_profile_banner() - the build key (borrowed). */
HVS_API const char *hvs_profile_banner(const hvs_profile *p);

/**
 * hvs_profile_symbol() - address of @name for the current _text.
 * Return: 0; -ENOENT.
 */
HVS_API int hvs_profile_symbol(hvs_profile *p, const char *name, uint64_t *ret_va);

/**
 * hvs_profile_ksyms() - the full symbol table (borrowed), loading it from the
 * cache if the profile was loaded lazily; addresses are those of the build
 * when it was recorded, rebased to the current _text.
 * Return: 0; -EBADMSG; -ENOMEM.
 */
HVS_API int hvs_profile_ksyms(hvs_profile *p, hvs_ksyms **ret);

/**
 * hvs_profile_nsyms() - number of symbols, without materialising the table
 * of a lazily loaded profile. Cannot fail; 0 for NULL.
 */
HVS_API size_t hvs_profile_nsyms(const hvs_profile *p);

/**
 * hvs_profile_field() - offset (and size) of @type.@path, memoized: answered
 * from the profile's table when present (e.g. loaded from cache), else
 * resolved from the BTF and remembered.
 * Return: 0; -ENOENT if absent; -EOPNOTSUPP if the profile has no types and
 * the field is not memoized; other errors as hvs_btf_field().
 */
HVS_API int hvs_profile_field(hvs_profile *p, const char *type, const char *path, uint32_t *ret_off,
                              uint32_t *ret_size);

/** hvs_profile_type_size() - size of @type, memoized like hvs_profile_field(). */
HVS_API int hvs_profile_type_size(hvs_profile *p, const char *type, uint32_t *ret_size);

/**
 * hvs_profile_set_btf() - give the profile its types (taken on success).
 */
HVS_API int hvs_profile_set_btf(hvs_profile *p, hvs_btf *btf);

/**
 * hvs_profile_changed() - whether the profile memoized fields (or learnt
 * anything else) that the file it was loaded from or last saved to lacks,
 * so saving it again would make later warm starts faster. False for NULL.
 */
HVS_API bool hvs_profile_changed(const hvs_profile *p);

/** hvs_profile_has_btf() - whether types are loaded (or loadable from cache). */
HVS_API bool hvs_profile_has_btf(const hvs_profile *p);

/**
 * hvs_profile_save() - write the profile (banner, symbols, memoized fields,
 * raw BTF) to @path atomically (temp file + rename), creating parent dirs.
 * Return: 0; -errno.
 */
HVS_API int hvs_profile_save(const hvs_profile *p, const char *path, hvs_diag *diag);

/**
 * hvs_profile_load() - read a profile written by hvs_profile_save(). The file
 * is untrusted: every count and length is checked, a checksum covers it.
 * Symbols and BTF are materialised lazily, so a warm start only reads what it
 * uses.
 * @expect_banner: nullable; if given, a profile of another build is -ESTALE
 * Return: 0; -ENOENT if absent; -ESTALE; -EBADMSG for a corrupt file; -ENOMEM.
 */
HVS_API int hvs_profile_load(const char *path, const char *expect_banner, hvs_diag *diag,
                             hvs_profile **ret);

/**
 * hvs_profile_cache_path() - the cache file for @banner:
 * $HVS_CACHE_DIR or $XDG_CACHE_HOME/hvscope or ~/.cache/hvscope, then
 * "profiles/<sha256 of banner>.prof".
 * Return: 0; -ENAMETOOLONG; -ENOENT if no home directory is known.
 */
HVS_API int hvs_profile_cache_path(const char *banner, char *buf, size_t cap);

/** hvs_profile_free() - NULL-safe. Return: NULL. */
HVS_API hvs_profile *hvs_profile_free(hvs_profile *p);

#ifdef __cplusplus
}
#endif
#endif
