/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer-acq.c - the output of an acquisition: PATH.part created next to
 * PATH, written by two worker threads (one hashes the image's bytes, one
 * writes them, compressing with zstd and hashing what it writes), then
 * synced and renamed, sidecar first and image last, so PATH exists only
 * when the image is complete and its metadata is beside it.
 *
 * Why two threads: SHA-256 (about 1.7 GB/s with SHA-NI) and writing to tmpfs
 * (several GB/s) each keep one core busy; run one after the other, the
 * acquisition would take their sum. The queue is a ring of RING pieces; a
 * slot is free again once both threads are past it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "util/util.h"
#include "mem/acquire-internal.h"

#define RING 4u

struct acq_out {
        int dirfd;
        int fd;
        bool force;
        char dir[4096];
        char base[256];
        char part[272];
        char side[272];
        char side_part[288];
        char path[4096 + 256];
        char sidecar[4096 + 272];
        uint64_t reserved;
};

static void join_path(char *buf, size_t cap, const char *dir, const char *name) {
        snprintf(buf, cap, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name);
}

static bool no_space(int e) { return e == ENOSPC || e == EFBIG || e == EDQUOT; }

int acq_out_reserve(struct acq_out *o, uint64_t bytes, hvs_diag *diag) {
        if (bytes <= o->reserved || bytes > (uint64_t)INT64_MAX)
                return 0;
        if (fallocate(o->fd, 0, 0, (off_t)bytes) < 0) {
                int e = errno;
                if (e == EOPNOTSUPP || e == ENOSYS || e == EINTR)
                        return 0;       /* no reservation here: a full disk shows while writing */
                return HVS_DIAG(diag, -e, "cannot reserve %" PRIu64 " bytes for '%s': %s%s", bytes, o->path,
                                strerror(e), no_space(e) ? " (not enough room for the image)" : "");
        }
        o->reserved = bytes;
        return 0;
}

int acq_out_check_room(struct acq_out *o, uint64_t bytes, hvs_diag *diag) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && bytes > (uint64_t)rl.rlim_cur)
                return HVS_DIAG(diag, -EFBIG, "cannot write %" PRIu64 " bytes to '%s': %s (the file size limit, "
                                "ulimit -f, is %" PRIu64 " bytes; not enough room for the image)", bytes, o->path,
                                strerror(EFBIG), (uint64_t)rl.rlim_cur);
        struct statvfs sv;
        if (fstatvfs(o->fd, &sv) < 0 || sv.f_frsize == 0)
                return 0;               /* cannot tell: a full disk shows while writing */
        uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
        if (sv.f_bavail > UINT64_MAX / sv.f_frsize || avail >= bytes)
                return 0;
        return HVS_DIAG(diag, -ENOSPC, "cannot write %" PRIu64 " bytes to '%s': %s (%" PRIu64 " bytes free; not "
                        "enough room for the image)", bytes, o->path, strerror(ENOSPC), avail);
}

int acq_out_open(const char *path, bool force, uint64_t prealloc, hvs_diag *diag, struct acq_out **ret) {
        if (!path || !*path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no output file given");
        size_t len = strlen(path);
        if (path[len - 1] == '/')
                return HVS_DIAG(diag, -EISDIR, "output '%s' names a directory, not a file", path);
        _cleanup_free_ char *copy = hvs_strdup(path);
        _cleanup_free_ struct acq_out *o = hvs_calloc(1, sizeof *o);
        if (!copy || !o)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        o->dirfd = o->fd = -1;
        o->force = force;
        char *slash = strrchr(copy, '/');
        const char *dir = ".", *base = copy;
        if (slash) {
                *slash = '\0';
                dir = slash == copy ? "/" : copy;
                base = slash + 1;
        }
        if (!strcmp(base, ".") || !strcmp(base, ".."))
                return HVS_DIAG(diag, -EISDIR, "output '%s' names a directory, not a file", path);
        if (hvs_strlcpy(o->base, base, sizeof o->base) >= sizeof o->base - 16)
                return HVS_DIAG(diag, -ENAMETOOLONG, "output file name '%s' is too long", base);
        char real[PATH_MAX];
        if (!realpath(dir, real)) {
                int e = errno;
                if (e == ENOENT)
                        return HVS_DIAG(diag, -ENOENT, "output directory '%s' does not exist", dir);
                return HVS_DIAG(diag, -e, "cannot use output directory '%s': %s", dir, strerror(e));
        }
        hvs_strlcpy(o->dir, real, sizeof o->dir);
        snprintf(o->part, sizeof o->part, "%s.part", o->base);
        snprintf(o->side, sizeof o->side, "%s.json", o->base);
        snprintf(o->side_part, sizeof o->side_part, "%s.json.part", o->base);
        join_path(o->path, sizeof o->path, o->dir, o->base);
        join_path(o->sidecar, sizeof o->sidecar, o->dir, o->side);
        o->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->dirfd < 0) {
                int e = errno;
                return HVS_DIAG(diag, -e, "cannot use output directory '%s': %s", o->dir, strerror(e));
        }
        struct stat st;
        if (fstatat(o->dirfd, o->base, &st, 0) == 0) {
                if (S_ISDIR(st.st_mode)) {
                        close(o->dirfd);
                        return HVS_DIAG(diag, -EISDIR, "output '%s' is a directory", o->path);
                }
                if (!force) {
                        close(o->dirfd);
                        return HVS_DIAG(diag, -EEXIST, "output '%s' exists (give --force to replace it)", o->path);
                }
        }
        if (!force && fstatat(o->dirfd, o->side, &st, 0) == 0) {
                close(o->dirfd);
                return HVS_DIAG(diag, -EEXIST, "'%s' exists (give --force to replace it)", o->sidecar);
        }
        if (force) {
                (void)unlinkat(o->dirfd, o->part, 0);
                (void)unlinkat(o->dirfd, o->side_part, 0);
        }
        o->fd = openat(o->dirfd, o->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (o->fd < 0) {
                int e = errno;
                close(o->dirfd);
                if (e == EEXIST)
                        return HVS_DIAG(diag, -EEXIST,
                                        "'%s/%s' exists: an earlier acquisition did not finish (remove it, or give "
                                        "--force)", o->dir, o->part);
                return HVS_DIAG(diag, -e, "cannot create '%s/%s': %s", o->dir, o->part, strerror(e));
        }
        int r = acq_out_reserve(o, prealloc, diag);
        if (r < 0) {
                acq_out_abort(TAKE_PTR(o), diag);
                return r;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

const char *acq_out_path(const struct acq_out *o) { return o->path; }
const char *acq_out_sidecar(const struct acq_out *o) { return o->sidecar; }

static int write_all(int fd, const uint8_t *p, size_t len) {
        while (len > 0) {
                ssize_t k = write(fd, p, MIN(len, (size_t)1 << 30));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

int acq_out_write(struct acq_out *o, const void *p, size_t len, hvs_diag *diag) {
        int r = write_all(o->fd, p, len);
        if (r < 0)
                return HVS_DIAG(diag, r, "cannot write '%s/%s': %s%s", o->dir, o->part, strerror(-r),
                                no_space(-r) ? ": the disk is full or the file too large" : "");
        return 0;
}

/* rename @from to @to in @dirfd; without @replace, never over an existing file. */
static int rename_in(int dirfd, const char *from, const char *to, bool replace) {
        if (replace)
                return renameat(dirfd, from, dirfd, to) < 0 ? -errno : 0;
        if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS)
                return -errno;
        /* A file system without RENAME_NOREPLACE: link() refuses to replace too. */
        if (linkat(dirfd, from, dirfd, to, 0) < 0)
                return -errno;
        (void)unlinkat(dirfd, from, 0);
        return 0;
}

int acq_out_commit(struct acq_out *o, uint64_t size, const char *sidecar_json, hvs_diag *diag) {
        if (size < o->reserved && ftruncate(o->fd, (off_t)size) < 0) {
                int e = errno;
                return HVS_DIAG(diag, -e, "cannot trim '%s/%s': %s", o->dir, o->part, strerror(e));
        }
        if (fsync(o->fd) < 0) {
                int e = errno;
                return HVS_DIAG(diag, -e, "cannot sync '%s/%s' to disk: %s", o->dir, o->part, strerror(e));
        }
        int r;
        if (sidecar_json) {
                _cleanup_close_ int sfd = openat(o->dirfd, o->side_part,
                                                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
                if (sfd < 0) {
                        int e = errno;
                        return HVS_DIAG(diag, -e, "cannot create '%s/%s': %s", o->dir, o->side_part, strerror(e));
                }
                r = write_all(sfd, (const uint8_t *)sidecar_json, strlen(sidecar_json));
                if (r == 0 && fsync(sfd) < 0)
                        r = -errno;
                if (r < 0)
                        return HVS_DIAG(diag, r, "cannot write '%s/%s': %s", o->dir, o->side_part, strerror(-r));
                r = rename_in(o->dirfd, o->side_part, o->side, o->force);
                if (r < 0)
                        return HVS_DIAG(diag, r, "cannot rename '%s/%s' to '%s': %s", o->dir, o->side_part,
                                        o->sidecar, strerror(-r));
        }
        r = rename_in(o->dirfd, o->part, o->base, o->force);
        if (r < 0) {
                if (sidecar_json)
                        (void)unlinkat(o->dirfd, o->side, 0);
                if (r == -EEXIST)
                        return HVS_DIAG(diag, r, "'%s' appeared while the image was written; the image was not "
                                        "renamed", o->path);
                return HVS_DIAG(diag, r, "cannot rename '%s/%s' to '%s': %s", o->dir, o->part, o->path,
                                strerror(-r));
        }
        (void)fsync(o->dirfd);
        close(o->fd);
        o->fd = -1;
        return 0;
}

struct acq_out *acq_out_abort(struct acq_out *o, hvs_diag *diag) {
        if (!o)
                return NULL;
        if (o->fd >= 0) {
                close(o->fd);
                if (unlinkat(o->dirfd, o->part, 0) < 0 && errno != ENOENT && diag) {
                        size_t l = strlen(diag->msg);
                        snprintf(diag->msg + l, sizeof diag->msg - l, " (the partial file '%s/%s' could not be "
                                 "removed: %s)", o->dir, o->part, strerror(errno));
                }
                (void)unlinkat(o->dirfd, o->side_part, 0);
        }
        if (o->dirfd >= 0)
                close(o->dirfd);
        free(o);
        return NULL;
}

/* ---- the write pipeline --------------------------------------------------- */

struct slot {
        const uint8_t *p;
        size_t len;
        uint8_t *buf;                   /* owned, for acq_stream_buffer() */
};

struct acq_stream {
        struct acq_out *o;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        struct slot slot[RING];
        uint64_t produced, hashed, written;     /* pieces */
        uint64_t bytes_hashed, bytes_written;   /* image bytes */
        bool done, stop;
        int err;
        hvs_diag diag;
        EVP_MD_CTX *raw, *file;
        ZSTD_CCtx *z;
        uint8_t *zbuf;
        size_t zcap;
        uint64_t file_bytes;
        pthread_t th_hash, th_write;
        bool hash_started, write_started;
        bool nohash;                    /* the caller hashes the image's bytes itself */
};

static void fail(struct acq_stream *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct acq_stream *s, int err, const char *fmt, ...) {
        pthread_mutex_lock(&s->mu);
        if (!s->err) {
                s->err = err;
                s->diag.err = err;
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(s->diag.msg, sizeof s->diag.msg, fmt, ap);
                va_end(ap);
        }
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
}

static int out_write(struct acq_stream *s, const uint8_t *p, size_t len) {
        if (s->z && EVP_DigestUpdate(s->file, p, len) != 1) {
                fail(s, -EIO, "sha-256 of the output failed");
                return -EIO;
        }
        int r = write_all(s->o->fd, p, len);
        if (r < 0) {
                fail(s, r, "cannot write '%s/%s': %s%s (%" PRIu64 " bytes written)", s->o->dir, s->o->part,
                     strerror(-r), no_space(-r) ? ": the disk is full or the file too large" : "", s->file_bytes);
                return r;
        }
        s->file_bytes += len;
        return 0;
}

static int compress_piece(struct acq_stream *s, const uint8_t *p, size_t len, bool end) {
        ZSTD_inBuffer in = { .src = p, .size = len, .pos = 0 };
        for (;;) {
                ZSTD_outBuffer out = { .dst = s->zbuf, .size = s->zcap, .pos = 0 };
                size_t rc = ZSTD_compressStream2(s->z, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
                if (ZSTD_isError(rc)) {
                        fail(s, -EIO, "zstd compression failed: %s", ZSTD_getErrorName(rc));
                        return -EIO;
                }
                if (out.pos > 0) {
                        int r = out_write(s, s->zbuf, out.pos);
                        if (r < 0)
                                return r;
                }
                if (end ? rc == 0 : in.pos == in.size)
                        return 0;
        }
}

/* Wait for the next piece after *@at; false when the stream ends or failed. */
static bool next_piece(struct acq_stream *s, uint64_t *at, struct slot *ret) {
        pthread_mutex_lock(&s->mu);
        while (*at == s->produced && !s->done && !s->stop && !s->err)
                pthread_cond_wait(&s->cv, &s->mu);
        bool ok = !s->stop && !s->err && *at < s->produced;
        if (ok)
                *ret = s->slot[*at % RING];
        pthread_mutex_unlock(&s->mu);
        return ok;
}

static void piece_done(struct acq_stream *s, uint64_t *at, uint64_t *bytes, size_t len) {
        pthread_mutex_lock(&s->mu);
        (*at)++;
        *bytes += len;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
}

static void *hash_main(void *arg) {
        struct acq_stream *s = arg;
        struct slot sl;
        while (next_piece(s, &s->hashed, &sl)) {
                if (EVP_DigestUpdate(s->raw, sl.p, sl.len) != 1) {
                        fail(s, -EIO, "sha-256 of the image failed");
                        break;
                }
                piece_done(s, &s->hashed, &s->bytes_hashed, sl.len);
        }
        return NULL;
}

static void *write_main(void *arg) {
        struct acq_stream *s = arg;
        struct slot sl;
        while (next_piece(s, &s->written, &sl)) {
                int r = s->z ? compress_piece(s, sl.p, sl.len, false) : out_write(s, sl.p, sl.len);
                if (r < 0)
                        return NULL;
                piece_done(s, &s->written, &s->bytes_written, sl.len);
        }
        pthread_mutex_lock(&s->mu);
        bool finish = s->z && s->done && !s->stop && !s->err;
        pthread_mutex_unlock(&s->mu);
        if (finish)
                (void)compress_piece(s, NULL, 0, true);
        return NULL;
}

static void stream_free(struct acq_stream *s) {
        for (size_t i = 0; i < RING; i++)
                free(s->slot[i].buf);
        EVP_MD_CTX_free(s->raw);
        EVP_MD_CTX_free(s->file);
        ZSTD_freeCCtx(s->z);
        free(s->zbuf);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
}

int acq_stream_start(struct acq_out *o, enum hvs_acq_compress c, int level, unsigned workers, uint64_t total,
                     bool hash, hvs_diag *diag, struct acq_stream **ret) {
        struct acq_stream *s = hvs_calloc(1, sizeof *s);
        if (!s)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        s->o = o;
        s->nohash = !hash;
        pthread_mutex_init(&s->mu, NULL);
        pthread_cond_init(&s->cv, NULL);
        s->raw = hash ? EVP_MD_CTX_new() : NULL;
        if (hash && (!s->raw || EVP_DigestInit_ex(s->raw, EVP_sha256(), NULL) != 1)) {
                stream_free(s);
                return HVS_DIAG(diag, -EIO, "cannot start sha-256 (openssl)");
        }
        if (c == HVS_ACQ_COMPRESS_ZSTD) {
                s->file = EVP_MD_CTX_new();
                s->z = ZSTD_createCCtx();
                s->zcap = ZSTD_CStreamOutSize() * 16;
                s->zbuf = hvs_malloc(s->zcap);
                if (!s->file || !s->z || !s->zbuf) {
                        stream_free(s);
                        return HVS_DIAG(diag, -ENOMEM, "out of memory");
                }
                size_t rc = ZSTD_CCtx_setParameter(s->z, ZSTD_c_compressionLevel, level ? level : HVS_ACQ_ZSTD_LEVEL);
                if (!ZSTD_isError(rc))
                        rc = ZSTD_CCtx_setParameter(s->z, ZSTD_c_checksumFlag, 1);
                if (!ZSTD_isError(rc) && total)
                        rc = ZSTD_CCtx_setPledgedSrcSize(s->z, total);
                if (ZSTD_isError(rc) || EVP_DigestInit_ex(s->file, EVP_sha256(), NULL) != 1) {
                        stream_free(s);
                        return HVS_DIAG(diag, -EIO, "cannot start zstd compression: %s",
                                        ZSTD_isError(rc) ? ZSTD_getErrorName(rc) : "sha-256 failed");
                }
                /* A libzstd built without threads refuses workers: it then compresses in this thread. */
                if (workers > 1)
                        (void)ZSTD_CCtx_setParameter(s->z, ZSTD_c_nbWorkers, (int)MIN(workers, HVS_ACQ_MAX_THREADS));
        }
        if (hash && pthread_create(&s->th_hash, NULL, hash_main, s) != 0) {
                stream_free(s);
                return HVS_DIAG(diag, -EAGAIN, "cannot start a thread");
        }
        s->hash_started = hash;
        if (pthread_create(&s->th_write, NULL, write_main, s) != 0) {
                char sha[65], isha[65];
                uint64_t n;
                (void)acq_stream_finish(s, true, NULL, sha, isha, &n);
                return HVS_DIAG(diag, -EAGAIN, "cannot start a thread");
        }
        s->write_started = true;
        *ret = s;
        return 0;
}

/* Pieces every thread is past (the caller holds the lock). */
static uint64_t consumed(const struct acq_stream *s) {
        return s->nohash ? s->written : MIN(s->hashed, s->written);
}

/* Wait for a free slot; returns its index, or the stream's error. */
static int wait_slot(struct acq_stream *s, size_t *ret) {
        pthread_mutex_lock(&s->mu);
        while (!s->err && s->produced - consumed(s) >= RING)
                pthread_cond_wait(&s->cv, &s->mu);
        int r = s->err;
        *ret = (size_t)(s->produced % RING);
        pthread_mutex_unlock(&s->mu);
        return r;
}

static int queue(struct acq_stream *s, size_t i, const uint8_t *p, size_t len) {
        pthread_mutex_lock(&s->mu);
        int r = s->err;
        if (!r) {
                s->slot[i].p = p;
                s->slot[i].len = len;
                s->produced++;
                pthread_cond_broadcast(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
        return r;
}

int acq_stream_put(struct acq_stream *s, const void *p, size_t len) {
        if (len == 0)
                return 0;
        size_t i;
        int r = wait_slot(s, &i);
        return r < 0 ? r : queue(s, i, p, len);
}

uint8_t *acq_stream_buffer(struct acq_stream *s) {
        size_t i;
        if (wait_slot(s, &i) < 0)
                return NULL;
        /* Only this thread produces: the slot stays ours until acq_stream_commit(). */
        if (!s->slot[i].buf) {
                s->slot[i].buf = hvs_malloc(ACQ_CHUNK);
                if (!s->slot[i].buf) {
                        fail(s, -ENOMEM, "out of memory");
                        return NULL;
                }
        }
        return s->slot[i].buf;
}

int acq_stream_commit(struct acq_stream *s, size_t len) {
        size_t i;
        int r = wait_slot(s, &i);       /* returns at once: the slot was free */
        if (r < 0)
                return r;
        if (len == 0)
                return 0;
        return queue(s, i, s->slot[i].buf, MIN(len, (size_t)ACQ_CHUNK));
}

uint64_t acq_stream_done(struct acq_stream *s) {
        pthread_mutex_lock(&s->mu);
        uint64_t d = s->nohash ? s->bytes_written : MIN(s->bytes_hashed, s->bytes_written);
        pthread_mutex_unlock(&s->mu);
        return d;
}

static int digest_hex(EVP_MD_CTX *md, char *ret) {
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(md, h, &n) != 1 || n != 32)
                return -EIO;
        for (unsigned i = 0; i < n; i++)
                snprintf(ret + 2 * i, 3, "%02x", h[i]);
        return 0;
}

int acq_sha256_hex(const void *p, size_t len, char *ret) {
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (EVP_Digest(p, len, h, &n, EVP_sha256(), NULL) != 1 || n != 32)
                return -EIO;
        for (unsigned i = 0; i < n; i++)
                snprintf(ret + 2 * i, 3, "%02x", h[i]);
        return 0;
}

int acq_stream_finish(struct acq_stream *s, bool abort, hvs_diag *diag, char *ret_sha256,
                      char *ret_image_sha256, uint64_t *ret_size) {
        pthread_mutex_lock(&s->mu);
        if (abort)
                s->stop = true;
        else
                s->done = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (s->hash_started)
                pthread_join(s->th_hash, NULL);
        if (s->write_started)
                pthread_join(s->th_write, NULL);
        int r = s->err;
        if (r < 0)
                hvs_diag_copy(diag, &s->diag);
        else if (abort)
                r = HVS_DIAG(diag, -ECANCELED, "writing the image was cancelled");
        if (r == 0 && !s->nohash && digest_hex(s->raw, ret_image_sha256) < 0)
                r = HVS_DIAG(diag, -EIO, "sha-256 of the image failed");
        if (r == 0 && !s->z && !s->nohash)
                memcpy(ret_sha256, ret_image_sha256, 65);
        else if (r == 0 && s->z && digest_hex(s->file, ret_sha256) < 0)
                r = HVS_DIAG(diag, -EIO, "sha-256 of the compressed image failed");
        if (r == 0)
                *ret_size = s->file_bytes;
        stream_free(s);
        return r;
}
