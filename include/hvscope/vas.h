/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vas.h - the translation layer: guest-virtual address spaces (x86-64).
 *
 * An hvs_vas is one page-table root (CR3 or a process's pgd) over an hvs_mem.
 * The walker is table-driven: 4-level (PML4) and 5-level (LA57) paging are two
 * rows of one table, with 2 MiB and 1 GiB pages. A small direct-mapped
 * translation cache (HVS_VAS_TLB_ENTRIES) remembers recent page translations;
 * hvs_vas_flush() forgets them (call it when the guest may have run).
 */
#ifndef HVSCOPE_VAS_H
#define HVSCOPE_VAS_H

#include <hvscope/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvs_vas hvs_vas;

enum hvs_paging {
        HVS_PAGING_4LEVEL = 4,  /* 48-bit virtual addresses */
        HVS_PAGING_5LEVEL = 5,  /* 57-bit virtual addresses (CR4.LA57) */
};

/**
 * hvs_x86_translate() - translate @gva with the page tables rooted at @root.
 * @m:     guest-physical memory (borrowed)
 * @root:  physical address of the top-level table (CR3 with flag bits 0-11
 *         and bits 52-63 ignored)
 * @paging: 4 or 5 levels
 * @ret:   receives the guest-physical address
 * @ret_page_size: if not NULL, receives the size of the page that maps @gva
 *         (4096, 2 MiB or 1 GiB)
 *
 * Uncached; reads one entry per level.
 * Return: 0; -EFAULT if @gva is not canonical for @paging, an entry is not
 * present, or a table lies outside guest RAM; -EINVAL for a bad @paging;
 * -EBADMSG for a reserved-bit large page at the top level.
 */
HVS_API HVS_MUST_CHECK int hvs_x86_translate(hvs_mem *m, hvs_gpa root, enum hvs_paging paging,
                                             hvs_gva gva, hvs_gpa *ret, uint64_t *ret_page_size);

/**
 * hvs_gva_canonical() - whether @gva is canonical for @paging.
 */
HVS_API bool hvs_gva_canonical(hvs_gva gva, enum hvs_paging paging);

/**
 * hvs_vas_new() - an address space with page tables rooted at @root.
 * @m: memory (borrowed; must outlive the vas)
 * Return: 0; -EINVAL for a bad @paging; -ENOMEM.
 */
HVS_API int hvs_vas_new(hvs_mem *m, hvs_gpa root, enum hvs_paging paging, hvs_vas **ret);

/** hvs_vas_free() - release @as (NULL-safe). Return: NULL. */
HVS_API hvs_vas *hvs_vas_free(hvs_vas *as);

/** hvs_vas_mem() / hvs_vas_root() / hvs_vas_paging() - getters; cannot fail. */
HVS_API hvs_mem *hvs_vas_mem(const hvs_vas *as);
HVS_API hvs_gpa hvs_vas_root(const hvs_vas *as);
HVS_API enum hvs_paging hvs_vas_paging(const hvs_vas *as);

/**
 * hvs_vas_translate() - hvs_x86_translate() through the translation cache.
 * Return: as hvs_x86_translate().
 */
HVS_API HVS_MUST_CHECK int hvs_vas_translate(hvs_vas *as, hvs_gva gva, hvs_gpa *ret);

/**
 * hvs_vas_read() - copy @len bytes at guest-virtual @gva into @buf.
 * All-or-nothing, page by page; @buf is unspecified on error.
 * Return: 0; -EFAULT if any page is not mapped or @gva + @len wraps; -EIO.
 * Thread-safety: one thread per @as.
 */
HVS_API HVS_MUST_CHECK int hvs_vas_read(hvs_vas *as, hvs_gva gva, void *buf, size_t len);

/** hvs_vas_read_u64() / _u32() - little-endian loads. Return: as hvs_vas_read(). */
HVS_API HVS_MUST_CHECK int hvs_vas_read_u64(hvs_vas *as, hvs_gva gva, uint64_t *ret);
HVS_API HVS_MUST_CHECK int hvs_vas_read_u32(hvs_vas *as, hvs_gva gva, uint32_t *ret);

/**
 * hvs_vas_read_str() - read a NUL-terminated string of at most @cap - 1 bytes.
 * @buf: receives the string, always NUL-terminated when 0 or -E2BIG is returned
 * Stops at the first unmapped page after at least one byte only by failing.
 * Return: length; -E2BIG if no NUL within @cap - 1 bytes (@buf holds the
 * truncated prefix); -EFAULT; -EINVAL if @cap is 0.
 */
HVS_API HVS_MUST_CHECK int hvs_vas_read_str(hvs_vas *as, hvs_gva gva, char *buf, size_t cap);

/**
 * hvs_vas_flush() - forget every cached translation of @as.
 */
HVS_API void hvs_vas_flush(hvs_vas *as);

/**
 * struct hvs_vas_stats - translation cache counters since creation.
 */
typedef struct hvs_vas_stats {
        uint64_t hits, misses, walks_failed;
} hvs_vas_stats;

/** hvs_vas_get_stats() - the counters of @as; cannot fail. */
HVS_API hvs_vas_stats hvs_vas_get_stats(const hvs_vas *as);

#ifdef __cplusplus
}
#endif
#endif
