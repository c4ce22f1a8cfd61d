/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util.h - internal helpers with no domain knowledge: cleanup attributes,
 * little-endian loads, overflow checks, bounded file reads, debug logging.
 */
#ifndef HVS_UTIL_H
#define HVS_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hvscope/common.h>

/* ---- cleanup (systemd style) ---- */
static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_close_ _cleanup_(closep)
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_fclose_ _cleanup_(fclosep)
#define TAKE_PTR(p) ({ __typeof__(p) _p_ = (p); (p) = NULL; _p_; })
#define TAKE_FD(fd) ({ int _fd_ = (fd); (fd) = -1; _fd_; })
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                     \
        static inline void func##p(type *p) { if (*p) func(*p); }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- little-endian loads from a local copy (C6) ---- */
static inline uint16_t hvs_le16(const void *p) { const uint8_t *b = p; return (uint16_t)(b[0] | b[1] << 8); }
static inline uint32_t hvs_le32(const void *p) {
        const uint8_t *b = p;
        return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t hvs_le64(const void *p) {
        const uint8_t *b = p;
        return (uint64_t)hvs_le32(b) | (uint64_t)hvs_le32(b + 4) << 32;
}
/* Load an unsigned little-endian value of 1, 2, 4 or 8 bytes. */
static inline uint64_t hvs_leN(const void *p, size_t n) {
        switch (n) {
        case 1: return *(const uint8_t *)p;
        case 2: return hvs_le16(p);
        case 4: return hvs_le32(p);
        default: return hvs_le64(p);
        }
}

/* ---- overflow-checked arithmetic ---- */
#define hvs_add_overflow(a, b, r) __builtin_add_overflow((a), (b), (r))
#define hvs_mul_overflow(a, b, r) __builtin_mul_overflow((a), (b), (r))

/* Whether [off, off+len) lies inside a buffer of @size bytes, without overflow. */
static inline bool hvs_range_ok(uint64_t off, uint64_t len, uint64_t size) {
        return off <= size && len <= size - off;
}

/* ---- allocation with a fault-injection hook for tests ---- */
void *hvs_malloc(size_t n);
void *hvs_calloc(size_t nmemb, size_t n);
void *hvs_realloc(void *p, size_t n);
void *hvs_reallocarray(void *p, size_t nmemb, size_t n);
char *hvs_strdup(const char *s);
/* After @n more successful allocations, every allocation fails (UINT_MAX = never). */
HVS_API void hvs_test_fail_alloc_after(unsigned n);

/* ---- files ---- */
/*
 * Read a whole regular file of at most @max bytes into a new buffer (one
 * extra NUL byte appended, not counted). Return: 0; -E2BIG over @max; -errno.
 */
int hvs_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len);
/* mkdir -p with mode 0700 for new components. Return: 0; -errno. */
int hvs_mkdir_p(const char *path);

/* ---- strings ---- */
/* strlcpy semantics: always NUL-terminates when cap > 0; returns strlen(src). */
size_t hvs_strlcpy(char *dst, const char *src, size_t cap);
/* Like snprintf, returning -ENAMETOOLONG / -E2BIG on truncation. */
int hvs_snprintf_ok(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- logging (debug only; the library never prints) ---- */
void hvs_log(enum hvs_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool hvs_log_enabled(enum hvs_log_level lvl);
#define hvs_debug(...) do { if (hvs_log_enabled(HVS_LOG_DEBUG)) hvs_log(HVS_LOG_DEBUG, __VA_ARGS__); } while (0)

/* ---- time ---- */
uint64_t hvs_now_ns(void);      /* CLOCK_MONOTONIC */

#endif
