/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mem-internal.h - helpers shared by the files of src/mem/ and the parsers
 * the unit tests call directly. Not installed; nothing outside src/mem/ and
 * tests/ includes it.
 */
#ifndef HVS_MEM_INTERNAL_H
#define HVS_MEM_INTERNAL_H

#include <hvscope/mem.h>
#include <hvscope/sys/backend.h>

/**
 * struct mem_map - a read-only mapping of a whole file.
 * @addr: first byte (NULL when unmapped)
 * @len:  bytes mapped (the file size at open time)
 */
struct mem_map {
        void *addr;
        size_t len;
};

/**
 * mem_map_file() - open @path read-only and map all of it with PROT_READ.
 * @shared: MAP_SHARED (see later writes of the owner: live guest RAM) rather
 *          than MAP_PRIVATE|MAP_NORESERVE (a dump that should not change)
 * @what:   what the file is, for messages ("raw image", "ELF core", ...)
 *
 * Return: 0; -EISDIR for a directory; -EINVAL for something that is not a
 * regular file; -EBADMSG for an empty file; -errno from open/fstat/mmap.
 * @diag (nullable) says which file and why. @ret is untouched on failure.
 *
 * A file truncated by someone else while mapped raises SIGBUS on access;
 * the library does not defend against that (the caller owns the file).
 */
int mem_map_file(const char *path, bool shared, const char *what, hvs_diag *diag,
                 struct mem_map *ret);

/**
 * mem_set_file_backed() - declare that every host pointer of @m is a read-only
 * mapping of a file that @m owns, so large copies may drop their pages
 * afterwards (MADV_DONTNEED) to keep scans from growing the process's
 * resident memory. Never for a caller's buffer: that would zero it.
 */
void mem_set_file_backed(hvs_mem *m);

/**
 * mem_backend_priv() - the backend state of @m if @m was made with @ops
 * (so a backend can find its own state behind a handle), else NULL.
 */
void *mem_backend_priv(hvs_mem *m, const struct hvs_mem_backend_ops *ops);

/** mem_unmap() - undo mem_map_file() (safe on a zeroed struct). */
void mem_unmap(struct mem_map *m);

/**
 * mem_elfcore_parse() - the ELF core parser behind hvs_mem_parse_elfcore()
 * and hvs_mem_open_elfcore().
 * @map: when not NULL, a mapping of @buf that the new handle owns on success
 *       (unmapped at close); on failure the caller still owns it
 * @path: source path for the provenance info ("" for bytes in memory)
 */
int mem_elfcore_parse(const void *buf, size_t len, struct mem_map *map, const char *path,
                      hvs_diag *diag, hvs_mem **ret);

/**
 * struct qemu_ram_region - one "ram" or "rom" line of the flat view of the
 * address space "memory" in HMP "info mtree -f".
 * @gpa:    first guest-physical address
 * @size:   bytes (the printed end is inclusive)
 * @offset: offset in the owner memory region (the "@..." field; 0 if absent),
 *          which for a memory-backend-file is the offset in its file
 * @owner:  name of the memory region (the backend's id for host memory)
 * @rom:    printed as "rom": read-only for the guest. RAM the chipset maps
 *          read-only (PAM: the BIOS shadow at 0xc0000-0xfffff after SeaBIOS
 *          ran) keeps the backend as owner and is still guest RAM in the file
 */
struct qemu_ram_region {
        uint64_t gpa;
        uint64_t size;
        uint64_t offset;
        char owner[128];
        bool rom;
};

/**
 * qemu_parse_mtree() - pick the "ram" and "rom" regions of the flat view of
 * the address space "memory" out of the text of "info mtree -f".
 * Regions of other types (romd, ramd, i/o, nv-ram) are skipped; which owners
 * count as guest RAM is the caller's choice (a "rom" owned by "pc.bios" is
 * firmware, one owned by the RAM backend is shadowed RAM).
 * @ret: new array (owned, free()), in the order printed (ascending gpa)
 *
 * Return: 0 (also for a view with no ram: *ret_n == 0); -EBADMSG if there
 * is no flat view for "memory" or a ram line does not parse; -E2BIG beyond
 * HVS_MAX_MEM_RANGES; -ENOMEM. Outputs untouched on failure.
 */
int qemu_parse_mtree(const char *text, hvs_diag *diag, struct qemu_ram_region **ret,
                     size_t *ret_n);

/**
 * qemu_parse_registers() - decode the text of HMP "info registers -a" (or
 * "info registers": one CPU, no "CPU#N" header, taken as CPU 0).
 * Understands both the long-mode form (RAX=<16 digits>, R8 ..R15) and the
 * 32-bit form (EAX=<8 digits>) QEMU prints for a CPU outside long mode.
 * kernel_gs_base is not printed by QEMU, so HVS_REG_KGS is never set.
 * @ret: new array (owned, free()), one entry per CPU block with a RIP/EIP
 *
 * Return: 0; -EBADMSG if no CPU state is found or a value does not parse;
 * -E2BIG beyond HVS_MAX_VCPUS; -ENOMEM. Outputs untouched on failure.
 */
int qemu_parse_registers(const char *text, hvs_diag *diag, hvs_vcpu_regs **ret, size_t *ret_n);

/**
 * qemu_find_qmp_sockets() - the QMP unix socket paths named on a QEMU
 * command line (NUL-separated, as in /proc/PID/cmdline).
 * Recognised: "-qmp unix:PATH[,opts]" / "-qmp-pretty ..." (also with "--"
 * and "=value"), and "-chardev socket,id=X,path=PATH,..." used by
 * "-mon chardev=X,mode=control". ",," in a value is an escaped comma.
 * Relative paths are joined to @cwd (nullable: kept relative).
 * @ret: up to @max paths written as new strings (owned by the caller)
 *
 * Return: the number of paths found (0 = none); -ENOMEM.
 */
int qemu_find_qmp_sockets(const char *cmdline, size_t len, const char *cwd, char **ret, size_t max);

struct qmp;

/**
 * struct qemu_ram_source - where the bytes of one RAM range of a live QEMU
 * handle live, for the acquisition code (src/mem/acquire.c).
 * @gpa, @size: the range, as hvs_mem_ranges() lists it
 * @host:       its first byte in the read-only MAP_SHARED mapping of the file
 * @path:       the RAM file (borrowed from the handle; "" if unknown)
 * @file_off:   offset of @gpa in that file
 */
struct qemu_ram_source {
        uint64_t gpa;
        uint64_t size;
        const uint8_t *host;
        const char *path;
        uint64_t file_off;
};

/**
 * qemu_live_parts() - the QMP connection of a handle from hvs_mem_open_qemu()
 * (borrowed: one thread at a time, valid until close) and, per RAM range in
 * hvs_mem_ranges() order, where its bytes are (@ret owned: free()).
 * Return: 0; -EOPNOTSUPP if @m is not a live QEMU handle; -ENOMEM.
 */
int qemu_live_parts(hvs_mem *m, struct qmp **ret_q, struct qemu_ram_source **ret, size_t *ret_n);

#endif
