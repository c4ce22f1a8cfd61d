/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * types.h - the symbols layer: kernel symbols and type layouts.
 *
 * - hvs_ksyms: kernel symbols, recovered from the kallsyms tables that every
 *   Linux kernel carries in its .rodata (no System.map, no debug package).
 * - hvs_btf: type layouts from the kernel's own BTF (parsed by libbpf).
 * - hvs_isf: type layouts from a Volatility 3 ISF JSON file, for kernels
 *   without BTF; and the writer of an ISF from BTF and kallsyms.
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

#include <stdio.h>
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

/* ---- Volatility 3 ISF ----------------------------------------------------- */

/*
 * The Intermediate Symbol Format of Volatility 3 (JSON: metadata, base_types,
 * user_types, enums, symbols), as dwarf2json writes it for Linux kernels.
 * hvscope reads one as the type source for kernels without BTF (--isf) and
 * writes one from the kernel's BTF and kallsyms (symbols export-isf); see
 * docs/isf.md for what Volatility needs from the file.
 */
typedef struct hvs_isf hvs_isf;

/**
 * hvs_isf_parse() - parse a Volatility 3 ISF (JSON text) into compact tables.
 * @data, @len: the JSON text (copied where needed; the caller keeps it)
 * @diag: nullable; detail on failure
 * @ret:  owned; hvs_isf_free()
 *
 * The text is hostile: it is split into its entries by a bounded scanner and
 * each entry is parsed by json-c with a nesting limit (HVS_MAX_ISF_DEPTH);
 * the number of types, fields and symbols, name lengths, sizes and offsets
 * are bounded (HVS_MAX_ISF_*). A type referenced but not defined is not an
 * error here (dwarf2json files name incomplete structs they do not define);
 * it is when a lookup needs it. Duplicate names in one section are.
 * Return: 0; -EBADMSG for text that is not an ISF or breaks a limit;
 * -EOPNOTSUPP for an ISF of another format major version (older than 4 or
 * newer than 6) or of another operating system (metadata.windows/mac);
 * -ENOMEM. Thread-safety: the result is read-only; the lookups below may
 * run concurrently on one hvs_isf.
 */
HVS_API int hvs_isf_parse(const void *data, size_t len, hvs_diag *diag, hvs_isf **ret);

/**
 * hvs_isf_load_file() - an ISF from a file: plain JSON, or compressed with
 * xz (.json.xz) or gzip (.json.gz), recognised by their magic bytes.
 * Decompressed text is bounded by HVS_MAX_ISF_BYTES.
 * Return: 0; -errno from the system (e.g. -ENOENT); -EBADMSG for a corrupt
 * or oversized file; the errors of hvs_isf_parse().
 */
HVS_API int hvs_isf_load_file(const char *path, hvs_diag *diag, hvs_isf **ret);

/**
 * hvs_isf_field() - offset and size of @path in user type @type, with the
 * contract of hvs_btf_field(): @type is a struct/union name or "var:NAME"
 * (the type of symbol NAME); @path a member or a dotted path through
 * embedded structs and unions; members of anonymous members (ISF fields
 * marked "anonymous") are found as if they were direct members.
 * Return: 0; -ENOENT if @type or a path component is absent; -EOPNOTSUPP for
 * a bitfield; -EBADMSG if the member's type is not defined in the ISF or the
 * nesting is too deep (HVS_MAX_TYPE_DEPTH).
 */
HVS_API int hvs_isf_field(const hvs_isf *isf, const char *type, const char *path, uint32_t *ret_off,
                          uint32_t *ret_size);

/**
 * hvs_isf_type_size() - byte size of user type, enum or base type @type.
 * Return: 0; -ENOENT.
 */
HVS_API int hvs_isf_type_size(const hvs_isf *isf, const char *type, uint32_t *ret_size);

/**
 * hvs_isf_symbol() - the address the ISF gives symbol @name (as linked,
 * without any KASLR slide for files made by dwarf2json or hvscope).
 * Return: 0; -ENOENT.
 */
HVS_API int hvs_isf_symbol(const hvs_isf *isf, const char *name, uint64_t *ret_addr);

/**
 * hvs_isf_banner() - the kernel banner from linux_banner's constant_data,
 * up to its newline ("Linux version ..."), or NULL if the ISF has none.
 * Borrowed; valid until hvs_isf_free().
 */
HVS_API const char *hvs_isf_banner(const hvs_isf *isf);

/** hvs_isf_ntypes() - number of user types (structs, unions). */
HVS_API size_t hvs_isf_ntypes(const hvs_isf *isf);

/** hvs_isf_nsymbols() - number of symbols. */
HVS_API size_t hvs_isf_nsymbols(const hvs_isf *isf);

/** hvs_isf_free() - NULL-safe. Return: NULL. */
HVS_API hvs_isf *hvs_isf_free(hvs_isf *isf);

/**
 * struct hvs_isf_export_opts - what hvs_isf_write() puts in the file.
 * @sz:          sizeof(struct hvs_isf_export_opts), set by HVS_OPTS()
 * @banner:      the kernel's banner without its newline ("Linux version ...");
 *               written as linux_banner's constant_data (banner, "\n", NUL:
 *               the bytes of the kernel's linux_banner[]), which is how
 *               Volatility matches an ISF to a memory image. NULL = none.
 * @kaslr_slide: subtracted from the address of every symbol that is not
 *               absolute and lies in the kernel image mapping (at or above
 *               __START_KERNEL_map), so the file holds link-time addresses
 *               as dwarf2json writes them; 0 for a kernel without KASLR
 * @types_name:  metadata.linux.types[0].name (default "btf")
 */
typedef struct hvs_isf_export_opts {
        size_t sz;
        const char *banner;
        int64_t kaslr_slide;
        const char *types_name;
} hvs_isf_export_opts;

/**
 * struct hvs_isf_export_stats - what was written, for the record.
 */
typedef struct hvs_isf_export_stats {
        size_t base_types, user_types, enums, symbols, typed_symbols, fields;
        uint64_t bytes;
} hvs_isf_export_stats;

/**
 * hvs_isf_write() - write types from @btf and symbols from @syms as a
 * Volatility 3 ISF (format 6.2.0, the shape of dwarf2json's Linux output) to
 * @f. Typedefs and modifiers are resolved away as Volatility expects;
 * anonymous structs, unions and enums are named after the typedef that
 * names them, else "unnamed_<hash>"; anonymous members are
 * "unnamed_field_<offset>" marked "anonymous"; bitfields carry their bit
 * position and length; forward declarations never defined become empty
 * structs so every reference resolves. Symbols are typed from the BTF's
 * variables and, for those Volatility's Linux support reads and BTF has no
 * variable for (init_task, linux_banner, init_top_pgt, modules, ...), from a
 * short table. Nothing is printed: the output goes to @f only.
 * @f:         caller's stream (not closed); may be partially written on error
 * @ret_stats: nullable
 * Return: 0; -EBADMSG for BTF that cannot be expressed in a file
 * hvs_isf_parse() takes back (cyclic or too deep type chains, an enum over
 * 8 bytes, a bitfield over 128 bits, a name over HVS_MAX_ISF_NAME; integer
 * types over 16 bytes are written as void); -EIO if writing @f failed;
 * -ENOMEM. Thread-safety: @syms may be sorted in place (hvs_ksyms_get()),
 * so one thread at a time per @syms; @btf is only read.
 */
HVS_API int hvs_isf_write(const hvs_btf *btf, hvs_ksyms *syms, const hvs_isf_export_opts *opts, FILE *f,
                          hvs_diag *diag, hvs_isf_export_stats *ret_stats);

/**
 * hvs_isf_export() - hvs_isf_write() to @path atomically (a temporary file
 * next to it, then rename), so a reader never sees half a file.
 * Return: as hvs_isf_write(); -errno if the file cannot be created or renamed.
 */
HVS_API int hvs_isf_export(const hvs_btf *btf, hvs_ksyms *syms, const hvs_isf_export_opts *opts, const char *path,
                           hvs_diag *diag, hvs_isf_export_stats *ret_stats);

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
 * resolved from the BTF (or the ISF, see hvs_profile_set_isf()) and
 * remembered.
 * Return: 0; -ENOENT if absent; -EOPNOTSUPP if the profile has no types and
 * the field is not memoized; other errors as hvs_btf_field() (or
 * hvs_isf_field()).
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
 * hvs_profile_set_isf() - take the profile's types from a Volatility ISF
 * instead of BTF (taken on success; any BTF is dropped). Field lookups then
 * go to hvs_isf_field(); the profile can no longer be saved (an ISF-typed
 * profile must not replace a BTF one in the cache).
 * Return: 0; -EINVAL.
 */
HVS_API int hvs_profile_set_isf(hvs_profile *p, hvs_isf *isf);

/**
 * hvs_profile_btf() - the profile's BTF (borrowed; valid until the profile
 * is freed or its types replaced), parsed from the cache file on first use.
 * Return: 0; -EOPNOTSUPP if the profile has no BTF (types from an ISF, or
 * none); -EBADMSG if the stored BTF is corrupt; -ENOMEM.
 */
HVS_API int hvs_profile_btf(hvs_profile *p, const hvs_btf **ret);

/**
 * hvs_profile_changed() - whether the profile memoized fields (or learnt
 * anything else) that the file it was loaded from or last saved to lacks,
 * so saving it again would make later warm starts faster. False for NULL.
 */
HVS_API bool hvs_profile_changed(const hvs_profile *p);

/** hvs_profile_has_btf() - whether types are loaded (or loadable from cache), BTF or ISF. */
HVS_API bool hvs_profile_has_btf(const hvs_profile *p);

/**
 * hvs_profile_save() - write the profile (banner, symbols, memoized fields,
 * raw BTF) to @path atomically (temp file + rename), creating parent dirs.
 * Return: 0; -EOPNOTSUPP for a profile whose types come from an ISF (the
 * cache holds BTF-typed profiles only); -errno.
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
