/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <string.h>
#include "util.h"

int hvs_diag_set(hvs_diag *d, int err, const char *file, int line, const char *fmt, ...) {
        if (!d)
                return err;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
        d->err = err;
        hvs_debug("%s:%d: %s", file, line, d->msg);
        return err;
}

void hvs_diag_clear(hvs_diag *d) {
        if (d) {
                d->err = 0;
                d->msg[0] = '\0';
        }
}

void hvs_diag_copy(hvs_diag *dst, const hvs_diag *src) {
        if (!dst || !src || dst == src)
                return;
        dst->err = src->err;
        memcpy(dst->msg, src->msg, sizeof dst->msg);
}

const char *hvs_strerror(int err) {
        switch (err) {
        case 0: return "success";
        case -EFAULT: return "guest address not mapped";
        case -EBADMSG: return "implausible or corrupt data";
        case -ENOENT: return "not found";
        case -E2BIG: return "limit reached";
        case -ELOOP: return "cycle in guest structure";
        case -EOPNOTSUPP: return "not supported";
        case -EIO: return "backend i/o error";
        case -ENOMEM: return "out of memory";
        case -ESTALE: return "stale (different kernel build)";
        case -ETIMEDOUT: return "timed out";
        default: return strerror(err < 0 ? -err : err);
        }
}

/* ---- allocation ---- */
static unsigned fail_after = UINT_MAX;

void hvs_test_fail_alloc_after(unsigned n) { fail_after = n; }

static bool alloc_fails(void) {
        if (fail_after == UINT_MAX)
                return false;
        if (fail_after == 0)
                return true;
        fail_after--;
        return false;
}

void *hvs_malloc(size_t n) { return alloc_fails() ? NULL : malloc(n ? n : 1); }
void *hvs_calloc(size_t nmemb, size_t n) { return alloc_fails() ? NULL : calloc(nmemb ? nmemb : 1, n ? n : 1); }
void *hvs_realloc(void *p, size_t n) { return alloc_fails() ? NULL : realloc(p, n ? n : 1); }
void *hvs_reallocarray(void *p, size_t nmemb, size_t n) {
        size_t bytes;
        if (hvs_mul_overflow(nmemb, n, &bytes)) {
                errno = ENOMEM;
                return NULL;
        }
        return hvs_realloc(p, bytes);
}
char *hvs_strdup(const char *s) {
        size_t n = strlen(s) + 1;
        char *p = hvs_malloc(n);
        if (p)
                memcpy(p, s, n);
        return p;
}
