/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * acquire-internal.h - the parts of the acquisition code (acquire.c,
 * elf-acq.c, writer-acq.c, regs-acq.c) that the unit tests call directly.
 * Not installed.
 */
#ifndef HVS_MEM_ACQUIRE_INTERNAL_H
#define HVS_MEM_ACQUIRE_INTERNAL_H

#include <hvscope/acquire.h>
#include "mem/mem-internal.h"
#include "mem/qmp.h"

/* Bytes of one piece streamed to the writer (and of each live read). */
#define ACQ_CHUNK (8u << 20)

/**
 * struct acq_source - one guest RAM range and the file that holds it.
 * @gpa, @size: the range
 * @fd:         the RAM file, open for reading (SEEK_DATA, pread)
 * @file_off:   offset of @gpa in the file
 * @host:       read-only shared mapping of @gpa (nullable: pread is used)
 */
struct acq_source {
        uint64_t gpa;
        uint64_t size;
        int fd;
        uint64_t file_off;
        const uint8_t *host;
};

/**
 * struct acq_load - one PT_LOAD of the image.
 * @gpa, @size: guest-physical range (inside one source)
 * @src:        index of its source
 * @file_off:   offset of @gpa in the source's file
 * @out_off:    offset of its bytes from the start of the image's data
 * @holes:      holes of the file lie inside (merged over): copy it with
 *              pread(), which reads them as zeros without allocating pages in
 *              the guest's file (a read fault through a mapping would)
 */
struct acq_load {
        uint64_t gpa;
        uint64_t size;
        size_t src;
        uint64_t file_off;
        uint64_t out_off;
        bool holes;
};

/**
 * acq_plan() - the loads of an image of @src: each run of data of the
 * sources' files (SEEK_DATA/SEEK_HOLE) becomes a load; holes shorter than
 * @min_hole (0 = HVS_ACQ_MIN_HOLE) stay inside a load; more than @max_loads
 * (0 = HVS_ACQ_MAX_LOADS) loads merge their smallest holes; loads never
 * span two sources. A file system without SEEK_DATA counts as all data. A
 * guest with no data at all gets one load of its first page (zeros), so the
 * image is never without memory.
 * @ret: new array (owned, free()), sorted by gpa, @out_off set
 * @ret_bytes: nullable; the sum of the loads' sizes
 * Return: 0; -EINVAL bad arguments; -errno of lseek(); -ENOMEM.
 */
int acq_plan(const struct acq_source *src, size_t nsrc, uint64_t min_hole, size_t max_loads, hvs_diag *diag,
             struct acq_load **ret, size_t *ret_n, uint64_t *ret_bytes);

/**
 * acq_plan_again() - acq_plan() after @old was planned: the data of @old's
 * loads is taken as it is and only the holes between them are searched for
 * new data. SEEK_HOLE walks every page of a resident run (tens of ms for
 * 512 MiB), SEEK_DATA over a hole skips it: while the guest is stopped only
 * what changed since @old costs time.
 * Return: as acq_plan(); -EINVAL if @old does not fit @src.
 */
int acq_plan_again(const struct acq_source *src, size_t nsrc, const struct acq_load *old, size_t nold,
                   uint64_t min_hole, size_t max_loads, hvs_diag *diag, struct acq_load **ret, size_t *ret_n,
                   uint64_t *ret_bytes);

/**
 * acq_data_runs() - call @fn for each run of data (SEEK_DATA/SEEK_HOLE) in
 * [@off, @off + @len) of @fd, clipped to that window. Without SEEK_DATA
 * support the whole window is one run.
 * Return: 0; what @fn returned (non-zero stops); -errno of lseek().
 */
int acq_data_runs(int fd, uint64_t off, uint64_t len, int (*fn)(void *ud, uint64_t off, uint64_t len), void *ud);

/**
 * acq_elf_header() - the bytes of the image before its data: ELF header,
 * program headers (PT_NOTE then one PT_LOAD per load, p_offset = returned
 * length + load's out_off), and the notes (NT_PRSTATUS per vCPU, then the
 * QEMU CPU states, then the HVSCOPE note carrying @note_json), padded with
 * zeros to a 4 KiB boundary.
 * e_machine is EM_X86_64 when vCPU 0 is in long mode (EFER.LMA), else
 * EM_386 with the i386 prstatus, as QEMU does.
 * @ret: new buffer (owned, free()); @ret_len its length (the data offset)
 * Return: 0; -EINVAL; -E2BIG more than HVS_ACQ_MAX_LOADS loads or
 * HVS_MAX_VCPUS vCPUs; -ENOMEM.
 */
int acq_elf_header(const struct acq_load *loads, size_t nloads, const hvs_acq_vcpu *vcpus, size_t nvcpus,
                   const char *note_json, uint8_t **ret, size_t *ret_len);

/* ---- output (writer-acq.c) ---------------------------------------------- */

struct acq_out;

/**
 * acq_out_open() - check the output path and create PATH.part (mode 0600,
 * O_EXCL) for writing; PATH must not exist unless @force (which also removes
 * a stale PATH.part and PATH.json.part).
 * @prealloc: bytes to reserve now (fallocate; 0 = none) so a full disk
 *            shows before anything else is done
 * Return: 0; -EEXIST; -ENOENT (no such directory), -ENOTDIR, -EACCES,
 * -EROFS, -EISDIR; -ENOSPC, -EFBIG, -EDQUOT from the reservation; -errno.
 */
int acq_out_open(const char *path, bool force, uint64_t prealloc, hvs_diag *diag, struct acq_out **ret);

/** acq_out_reserve() - reserve @bytes of the file now (fallocate). Return: 0; -errno. */
int acq_out_reserve(struct acq_out *o, uint64_t bytes, hvs_diag *diag);

/**
 * acq_out_check_room() - whether @bytes fit: the file system's free room
 * (fstatvfs, f_bavail) and the file size limit (RLIMIT_FSIZE). Reserves
 * nothing: someone else can still fill the disk before the write does.
 * Return: 0 (or cannot tell); -ENOSPC; -EFBIG.
 */
int acq_out_check_room(struct acq_out *o, uint64_t bytes, hvs_diag *diag);

/** acq_out_write() - append @len bytes to the .part file. Return: 0; -errno (diag says which file). */
int acq_out_write(struct acq_out *o, const void *p, size_t len, hvs_diag *diag);

/** acq_out_path() / acq_out_sidecar() - final paths of the image and its sidecar (absolute). */
const char *acq_out_path(const struct acq_out *o);
const char *acq_out_sidecar(const struct acq_out *o);

/**
 * acq_out_commit() - finish: truncate to @size, fsync, write @sidecar_json
 * (nullable) to PATH.json through its own .part, rename both (never
 * replacing an existing file unless forced), fsync the directory.
 * Return: 0; -EEXIST (someone created PATH meanwhile); -errno.
 */
int acq_out_commit(struct acq_out *o, uint64_t size, const char *sidecar_json, hvs_diag *diag);

/**
 * acq_out_abort() - remove the .part files and free (NULL-safe); after a
 * successful acq_out_commit() it only frees. Whether
 * the removal failed is reported in @diag's message (appended), so the
 * caller can tell the user where a partial file was left.
 * Return: NULL.
 */
struct acq_out *acq_out_abort(struct acq_out *o, hvs_diag *diag);

/* A pipeline that writes the image's bytes in order, hashing them (SHA-256,
 * OpenSSL EVP) and compressing them (zstd) in worker threads. */
struct acq_stream;

/**
 * acq_stream_start() - start the writer threads on @o.
 * @total: bytes of the uncompressed image (zstd's pledged size; 0 unknown)
 * @hash:  hash the uncompressed bytes (SHA-256) in a thread of the stream;
 *         false when the caller hashes them itself (acq_stream_finish() then
 *         leaves @ret_image_sha256, and @ret_sha256 unless compressing, alone)
 * Return: 0; -ENOMEM; -EIO (OpenSSL or zstd failed to start).
 */
int acq_stream_start(struct acq_out *o, enum hvs_acq_compress c, int level, unsigned workers, uint64_t total,
                     bool hash, hvs_diag *diag, struct acq_stream **ret);

/**
 * acq_stream_put() - queue @len bytes at @p (borrowed: must stay valid and
 * unchanged until acq_stream_finish()). Blocks while the queue is full.
 * Return: 0; the writers' error (-ENOSPC, ...) once one happened.
 */
int acq_stream_put(struct acq_stream *s, const void *p, size_t len);

/**
 * acq_stream_buffer() - a free buffer of ACQ_CHUNK bytes owned by the
 * stream, for the caller to fill and queue with acq_stream_commit(). Blocks
 * while none is free. Return: the buffer; NULL once the writers failed.
 */
uint8_t *acq_stream_buffer(struct acq_stream *s);

/** acq_stream_commit() - queue the first @len bytes of the last acq_stream_buffer(). */
int acq_stream_commit(struct acq_stream *s, size_t len);

/** acq_stream_done() - bytes of the image written and hashed so far. */
uint64_t acq_stream_done(struct acq_stream *s);

/**
 * acq_stream_finish() - wait for the writers, end the zstd frame, and give
 * the hashes and sizes. With @abort the queue is dropped and the threads
 * stopped (the result is then an error or -ECANCELED). Frees @s.
 * @ret_sha256:       of the file's bytes (65 bytes, hex)
 * @ret_image_sha256: of the uncompressed bytes (65 bytes, hex)
 * @ret_size:         bytes written to the file
 * Return: 0; the first writer error (-ENOSPC, -EFBIG, -EIO, ...).
 */
int acq_stream_finish(struct acq_stream *s, bool abort, hvs_diag *diag, char *ret_sha256,
                      char *ret_image_sha256, uint64_t *ret_size);

/** acq_sha256_hex() - SHA-256 of @len bytes as 64 hex digits + NUL. Return: 0; -EIO. */
int acq_sha256_hex(const void *p, size_t len, char *ret);

/* ---- images without QMP (tests) ----------------------------------------- */

/**
 * acq_image_from_sources() - the live-mode writer on its own: scan @src,
 * write the ELF with @vcpus and an HVSCOPE note for @mode to @path, the
 * sidecar beside it. No VM is involved; @ret's VM fields stay empty.
 * Return: as hvs_acq_memory().
 */
int acq_image_from_sources(const struct acq_source *src, size_t nsrc, const hvs_acq_vcpu *vcpus, size_t nvcpus,
                           const char *path, const hvs_acq_opts *opts, hvs_diag *diag, hvs_acq_result *ret);

/* ---- registers (regs-acq.c) --------------------------------------------- */

/**
 * acq_query_registers() - read every vCPU over @q (info registers -a,
 * query-cpus-fast, info lapic) into a new set (owned). Does not pause.
 * Return: as hvs_acq_registers().
 */
int acq_query_registers(qmp *q, hvs_diag *diag, hvs_acq_regs **ret);

/** acq_regs_fill_vm() - the VM fields of @r from @m (info) and @q (uuid, version). */
void acq_regs_fill_vm(hvs_acq_regs *r, hvs_mem *m, qmp *q);

/** acq_realtime_ns() - CLOCK_REALTIME in ns since the epoch. */
int64_t acq_realtime_ns(void);

#endif
