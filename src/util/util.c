/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "util.h"

static hvs_log_fn log_fn;
static void *log_userdata;
static enum hvs_log_level log_max = HVS_LOG_ERROR;

void hvs_set_log(hvs_log_fn fn, void *userdata, enum hvs_log_level max_level) {
        log_fn = fn;
        log_userdata = userdata;
        log_max = max_level;
}

bool hvs_log_enabled(enum hvs_log_level lvl) { return log_fn && lvl <= log_max; }

void hvs_log(enum hvs_log_level lvl, const char *fmt, ...) {
        if (!hvs_log_enabled(lvl))
                return;
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        log_fn(log_userdata, lvl, msg);
}

int hvs_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
                return -E2BIG;
        size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, len = 0;
        _cleanup_free_ uint8_t *buf = hvs_malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap > max + 1)
                                return -E2BIG;
                        size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
                        uint8_t *n = hvs_realloc(buf, ncap);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap = ncap;
                }
                ssize_t k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
                if (len > max)
                        return -E2BIG;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int hvs_mkdir_p(const char *path) {
        char tmp[4096];
        if (hvs_strlcpy(tmp, path, sizeof tmp) >= sizeof tmp)
                return -ENAMETOOLONG;
        for (char *p = tmp + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

size_t hvs_strlcpy(char *dst, const char *src, size_t cap) {
        size_t n = strlen(src);
        if (cap) {
                size_t k = n < cap - 1 ? n : cap - 1;
                memcpy(dst, src, k);
                dst[k] = '\0';
        }
        return n;
}

int hvs_snprintf_ok(char *buf, size_t cap, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, cap, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if ((size_t)n >= cap)
                return -ENAMETOOLONG;
        return n;
}

uint64_t hvs_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
