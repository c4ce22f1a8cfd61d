/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mem.c - the generic hvs_mem core: a sorted table of guest-physical ranges
 * over any backend, with bounded all-or-nothing reads.
 *
 * Invariants of a handle (checked once in hvs_mem_new_backend()):
 *  - 1 <= n <= HVS_MAX_MEM_RANGES ranges, sorted by gpa, none empty, none
 *    overlapping, and gpa + size never overflows;
 *  - a range without a host pointer has ops->read to fetch its bytes.
 * Reads never write to the handle, so concurrent reads need no lock; only the
 * backend's own read callback has to be thread-safe.
 */
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "util/util.h"
#include "mem/mem-internal.h"

struct hvs_mem {
        const struct hvs_mem_backend_ops *ops;
        void *priv;
        struct hvs_mem_backend_range *ranges;   /* sorted */
        hvs_mem_range *pub;                     /* same ranges, public shape */
        size_t n;
        hvs_mem_info info;
        hvs_diag diag;
        bool file_backed;       /* host pointers map files the handle owns: see drop_pages() */
};

static int cmp_range(const void *a, const void *b) {
        const struct hvs_mem_backend_range *x = a, *y = b;
        return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

HVS_API int hvs_mem_new_backend(const struct hvs_mem_backend_ops *ops, void *priv,
                                const struct hvs_mem_backend_range *ranges, size_t n,
                                const hvs_mem_info *info, hvs_mem **ret) {
        if (!ops || !ret || !ranges || n == 0 || n > HVS_MAX_MEM_RANGES)
                return -EINVAL;
        /* A caller built against an older ops struct must at least have @read. */
        if (ops->sz < offsetof(struct hvs_mem_backend_ops, read) + sizeof(ops->read))
                return -EINVAL;

        _cleanup_free_ struct hvs_mem_backend_range *r = hvs_calloc(n, sizeof *r);
        if (!r)
                return -ENOMEM;
        memcpy(r, ranges, n * sizeof *r);
        qsort(r, n, sizeof *r, cmp_range);

        for (size_t i = 0; i < n; i++) {
                uint64_t end;
                if (r[i].size == 0 || hvs_add_overflow(r[i].gpa, r[i].size, &end))
                        return -EINVAL;
                if (!r[i].host && !ops->read)
                        return -EINVAL;
                if (i + 1 < n && end > r[i + 1].gpa)
                        return -EINVAL;
        }

        _cleanup_free_ hvs_mem_range *pub = hvs_calloc(n, sizeof *pub);
        hvs_mem *m = hvs_calloc(1, sizeof *m);
        if (!pub || !m) {
                free(m);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                pub[i] = (hvs_mem_range){ .gpa = r[i].gpa, .size = r[i].size };
        m->ops = ops;
        m->priv = priv;
        m->ranges = TAKE_PTR(r);
        m->pub = TAKE_PTR(pub);
        m->n = n;
        if (info)
                m->info = *info;
        /* Whatever the caller passed, the strings are terminated. */
        m->info.source[sizeof m->info.source - 1] = '\0';
        m->info.control[sizeof m->info.control - 1] = '\0';
        m->info.accel[sizeof m->info.accel - 1] = '\0';
        m->info.vm_name[sizeof m->info.vm_name - 1] = '\0';
        *ret = m;
        return 0;
}

/* Index of the last range with gpa <= @addr, or n when there is none. */
static size_t find_range(const hvs_mem *m, uint64_t addr) {
        size_t lo = 0, hi = m->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (m->ranges[mid].gpa <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo == 0 ? m->n : lo - 1;
}

/*
 * The whole of [gpa, gpa+len) must be covered, possibly by several ranges that
 * touch end to start; the check runs before any byte is copied, so a failed
 * read never reaches a backend callback.
 */
static bool covered(const hvs_mem *m, size_t i, uint64_t gpa, uint64_t last) {
        if (i >= m->n)
                return false;
        for (;;) {
                const struct hvs_mem_backend_range *r = &m->ranges[i];
                uint64_t r_last = r->gpa + (r->size - 1);
                if (gpa < r->gpa || gpa > r_last)
                        return false;
                if (last <= r_last)
                        return true;
                gpa = r_last + 1;
                if (++i >= m->n)
                        return false;
        }
}

/*
 * Large copies are scans (kernel discovery reads all RAM once). The pages they
 * fault in would stay mapped and count as this process's memory (a 512 MiB
 * guest scanned = 512 MiB RSS), so their page-table entries are dropped after
 * the copy. Only for handles whose host pointers are read-only mappings of
 * files they own (MAP_SHARED guest RAM or a never-written MAP_PRIVATE dump),
 * where MADV_DONTNEED discards no data: a later access faults the page back
 * in from the page cache. On a caller's buffer it would zero the memory.
 */
#define MEM_DROP_AFTER (1u << 20)

void mem_set_file_backed(hvs_mem *m) { m->file_backed = true; }

static void drop_pages(const uint8_t *p, size_t len) {
        const uintptr_t page = 4096;
        uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1), hi = ((uintptr_t)p + len) & ~(page - 1);
        if (hi > lo)
                (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

HVS_API int hvs_mem_read(hvs_mem *m, hvs_gpa gpa, void *buf, size_t len) {
        if (!m || (!buf && len))
                return -EINVAL;
        /* Reading nothing touches no guest byte, so it cannot fault. */
        if (len == 0)
                return 0;
        uint64_t last;
        if (hvs_add_overflow(gpa.v, (uint64_t)len - 1, &last))
                return -EFAULT;
        size_t i = find_range(m, gpa.v);
        if (!covered(m, i, gpa.v, last))
                return -EFAULT;

        uint8_t *out = buf;
        uint64_t at = gpa.v;
        size_t left = len;
        while (left) {
                const struct hvs_mem_backend_range *r = &m->ranges[i++];
                uint64_t off = at - r->gpa;
                size_t k = (size_t)MIN((uint64_t)left, r->size - off);
                if (r->host) {
                        memcpy(out, r->host + off, k);
                        if (k >= MEM_DROP_AFTER && m->file_backed)
                                drop_pages(r->host + off, k);
                } else {
                        int e = m->ops->read(m->priv, at, out, k);
                        if (e < 0)
                                return e == -EFAULT ? -EFAULT : -EIO;
                }
                out += k;
                at += k;
                left -= k;
        }
        return 0;
}

HVS_API int hvs_mem_read_u64(hvs_mem *m, hvs_gpa gpa, uint64_t *ret) {
        uint8_t raw[8];
        int r = hvs_mem_read(m, gpa, raw, sizeof raw);
        if (r < 0)
                return r;
        if (!ret)
                return -EINVAL;
        *ret = hvs_le64(raw);
        return 0;
}

HVS_API uint64_t hvs_mem_size(const hvs_mem *m) {
        if (!m || m->n == 0)
                return 0;
        const struct hvs_mem_backend_range *r = &m->ranges[m->n - 1];
        return r->gpa + r->size;
}

HVS_API const hvs_mem_range *hvs_mem_ranges(const hvs_mem *m, size_t *ret_n) {
        if (ret_n)
                *ret_n = m ? m->n : 0;
        return m ? m->pub : NULL;
}

HVS_API const hvs_mem_info *hvs_mem_get_info(const hvs_mem *m) {
        return m ? &m->info : NULL;
}

/* Whether the backend set @field and its ops struct is long enough to hold it. */
#define OPS_HAS(m, field)                                                                      \
        ((m)->ops->sz >= offsetof(struct hvs_mem_backend_ops, field) + sizeof((m)->ops->field) && \
         (m)->ops->field)

HVS_API int hvs_mem_vcpus(hvs_mem *m, const hvs_vcpu_regs **ret, size_t *ret_n) {
        if (!m || !ret || !ret_n)
                return -EINVAL;
        if (!OPS_HAS(m, vcpus))
                return HVS_DIAG(&m->diag, -EOPNOTSUPP, "'%s' memory has no vcpu state",
                                m->ops->name ? m->ops->name : "custom");
        const hvs_vcpu_regs *regs = NULL;
        size_t n = 0;
        int r = m->ops->vcpus(m->priv, &regs, &n, &m->diag);
        if (r < 0)
                return r;
        *ret = regs;
        *ret_n = n;
        return 0;
}

HVS_API int hvs_mem_pause(hvs_mem *m) {
        if (!m)
                return -EINVAL;
        if (!OPS_HAS(m, pause))
                return HVS_DIAG(&m->diag, -EOPNOTSUPP, "'%s' memory is not a live vm",
                                m->ops->name ? m->ops->name : "custom");
        return m->ops->pause(m->priv, &m->diag);
}

HVS_API int hvs_mem_resume(hvs_mem *m) {
        if (!m)
                return -EINVAL;
        if (!OPS_HAS(m, resume))
                return HVS_DIAG(&m->diag, -EOPNOTSUPP, "'%s' memory is not a live vm",
                                m->ops->name ? m->ops->name : "custom");
        return m->ops->resume(m->priv, &m->diag);
}

void *mem_backend_priv(hvs_mem *m, const struct hvs_mem_backend_ops *ops) {
        return m && m->ops == ops ? m->priv : NULL;
}

HVS_API const char *hvs_mem_errmsg(const hvs_mem *m) {
        return m ? m->diag.msg : "";
}

HVS_API hvs_diag *hvs_mem_diag(hvs_mem *m) {
        return m ? &m->diag : NULL;
}

HVS_API hvs_mem *hvs_mem_close(hvs_mem *m) {
        if (!m)
                return NULL;
        if (OPS_HAS(m, close))
                m->ops->close(m->priv);
        free(m->ranges);
        free(m->pub);
        free(m);
        return NULL;
}

/* ---- file mapping shared by the file-based backends ---- */

int mem_map_file(const char *path, bool shared, const char *what, hvs_diag *diag,
                 struct mem_map *ret) {
        if (!path || !ret)
                return -EINVAL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int e = -errno;
                return HVS_DIAG(diag, e, "cannot open %s '%s': %s", what, path, strerror(-e));
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = -errno;
                return HVS_DIAG(diag, e, "cannot stat %s '%s': %s", what, path, strerror(-e));
        }
        if (S_ISDIR(st.st_mode))
                return HVS_DIAG(diag, -EISDIR, "%s '%s' is a directory", what, path);
        if (!S_ISREG(st.st_mode))
                return HVS_DIAG(diag, -EINVAL, "%s '%s' is not a regular file", what, path);
        if (st.st_size == 0)
                return HVS_DIAG(diag, -EBADMSG, "%s '%s' is empty", what, path);
        if ((uint64_t)st.st_size > SIZE_MAX)
                return HVS_DIAG(diag, -EFBIG, "%s '%s' is too large to map", what, path);
        size_t len = (size_t)st.st_size;
        /* MAP_NORESERVE: a private read-only map needs no swap reservation. */
        void *p = mmap(NULL, len, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE | MAP_NORESERVE, fd, 0);
        if (p == MAP_FAILED) {
                int e = -errno;
                return HVS_DIAG(diag, e, "cannot map %s '%s' (%zu bytes): %s", what, path, len,
                                strerror(-e));
        }
        *ret = (struct mem_map){ .addr = p, .len = len };
        return 0;
}

void mem_unmap(struct mem_map *m) {
        if (m && m->addr) {
                munmap(m->addr, m->len);
                m->addr = NULL;
                m->len = 0;
        }
}
