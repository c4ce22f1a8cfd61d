/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common.h - types and conventions shared by every hvscope module.
 *
 * Error convention (docs/errors.md): every fallible function returns an int,
 * 0 (or a non-negative count) on success and a negative errno on failure:
 *   -EFAULT      a guest address is not mapped (expected, recoverable)
 *   -EBADMSG     guest, dump, BTF or profile data is implausible
 *   -ENOENT      symbol, type, field or object absent
 *   -E2BIG       a configured limit was hit
 *   -ELOOP       a cycle was found in a guest structure
 *   -EOPNOTSUPP  kernel, format or backend feature not supported
 *   -EIO         the backend failed
 *   -ENOMEM      out of host memory
 * Detail for a failure is recorded in a per-handle hvs_diag, never in globals.
 * Outputs (ret_ parameters) are left untouched on failure.
 */
#ifndef HVSCOPE_COMMON_H
#define HVSCOPE_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvscope/limits.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HVS_API __attribute__((visibility("default")))
#define HVS_MUST_CHECK __attribute__((warn_unused_result))

#define HVS_VERSION_MAJOR 0
#define HVS_VERSION_MINOR 1
#define HVS_VERSION_PATCH 0
#define HVS_VERSION_STRING "0.1.0"

/* Guest-physical and guest-virtual addresses are distinct types (C5). */
typedef struct { uint64_t v; } hvs_gpa;
typedef struct { uint64_t v; } hvs_gva;
#define HVS_GPA(x) ((hvs_gpa){ .v = (uint64_t)(x) })
#define HVS_GVA(x) ((hvs_gva){ .v = (uint64_t)(x) })

/* Size of the message buffer of a diagnostic record. */
#define HVS_DIAG_MSG_MAX 512

/**
 * struct hvs_diag - detail about the last failure of one handle.
 * @err: the negative errno that was returned (0 = none recorded)
 * @msg: "<what went wrong>" (lowercase, no final full stop); "" when none
 *
 * Embedded in every handle; also accepted (nullable) by the pure parse
 * functions that have no handle of their own.
 */
typedef struct hvs_diag {
        int err;
        char msg[HVS_DIAG_MSG_MAX];
} hvs_diag;

/**
 * hvs_diag_set() - record a failure in @d and return @err.
 * @d:    diagnostic record, may be NULL (then only @err is returned)
 * @err:  negative errno to record and return
 * @file: source file (use the HVS_DIAG macro, which fills it)
 * @line: source line
 * @fmt:  printf-style message
 *
 * Return: @err, so callers can write "return HVS_DIAG(d, -EBADMSG, ...)".
 * Thread-safety: one thread per @d.
 */
HVS_API int hvs_diag_set(hvs_diag *d, int err, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/**
 * hvs_diag_clear() - forget the recorded failure in @d (NULL-safe).
 */
HVS_API void hvs_diag_clear(hvs_diag *d);

/**
 * hvs_diag_copy() - copy the record of @src into @dst (both NULL-safe), so a
 * failure deep in one handle can be reported through another.
 */
HVS_API void hvs_diag_copy(hvs_diag *dst, const hvs_diag *src);

/**
 * hvs_strerror() - short text for an hvscope error value (negative errno),
 * with the meaning fixed in docs/errors.md. Never NULL; static storage.
 */
HVS_API const char *hvs_strerror(int err);

#define HVS_DIAG(d, err, ...) hvs_diag_set((d), (err), __FILE__, __LINE__, __VA_ARGS__)
#define HVS_BADMSG(d, ...) HVS_DIAG((d), -EBADMSG, __VA_ARGS__)

/* Log levels for the optional log callback (log.h). */
enum hvs_log_level { HVS_LOG_ERROR = 0, HVS_LOG_WARNING, HVS_LOG_INFO, HVS_LOG_DEBUG };

/**
 * typedef hvs_log_fn - receiver of library debug messages.
 * The library never prints; the program that installs a callback decides.
 */
typedef void (*hvs_log_fn)(void *userdata, enum hvs_log_level lvl, const char *msg);

/**
 * hvs_set_log() - install @fn as the receiver of library messages.
 * @fn: callback, NULL = silent (the default)
 * @userdata: passed to @fn as is
 * @max_level: messages above this level are not formatted at all
 * Thread-safety: call once at start-up, before other threads use the library.
 */
HVS_API void hvs_set_log(hvs_log_fn fn, void *userdata, enum hvs_log_level max_level);

#ifdef __cplusplus
}
#endif
#endif
