/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mem.h - the data layer: guest-physical memory behind one interface.
 *
 * An hvs_mem is a guest-physical address space made of ranges (RAM blocks).
 * Backends: a raw physical image, an ELF core (QEMU dump-guest-memory, virsh
 * dump --memory-only), a live QEMU VM (shared RAM file mapped read-only, found
 * and laid out through QMP), and a caller's buffer (tests, fuzzing).
 *
 * Invariants:
 *  - Reads are all-or-nothing: a read that touches any byte outside the
 *    guest's RAM ranges fails with -EFAULT and leaves the buffer unspecified.
 *  - Guest memory is mapped read-only; nothing here writes to a guest.
 *  - Only this layer maps guest memory; every layer above copies through
 *    hvs_mem_read().
 */
#ifndef HVSCOPE_MEM_H
#define HVSCOPE_MEM_H

#include <sys/types.h>
#include <hvscope/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvs_mem hvs_mem;

enum hvs_mem_kind {
        HVS_MEM_BUFFER = 0,     /* caller's buffer */
        HVS_MEM_RAW,            /* raw physical image: file offset == gpa */
        HVS_MEM_ELFCORE,        /* ELF core with PT_LOAD p_paddr == gpa */
        HVS_MEM_QEMU,           /* live QEMU VM */
        HVS_MEM_CUSTOM,         /* out-of-tree backend (sys/backend.h) */
};

/**
 * struct hvs_mem_range - one contiguous run of guest-physical RAM.
 * @gpa:  first guest-physical address
 * @size: bytes (> 0)
 */
typedef struct hvs_mem_range {
        uint64_t gpa;
        uint64_t size;
} hvs_mem_range;

/**
 * struct hvs_vcpu_regs - the state of one vCPU that analysis needs.
 * @valid: bit set of HVS_REG_* telling which fields below were known
 *
 * Filled from QMP "info registers" (live), or from the QEMU CPU-state notes
 * and NT_PRSTATUS notes of an ELF core.
 */
typedef struct hvs_vcpu_regs {
        uint32_t cpu;
        uint32_t valid;
        uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
        uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
        uint64_t rip, rflags;
        uint64_t cr0, cr2, cr3, cr4, efer;
        uint64_t fs_base, gs_base, kernel_gs_base;
        uint64_t idt_base, gdt_base;
        uint32_t idt_limit, gdt_limit;
        uint32_t cpl;
} hvs_vcpu_regs;

#define HVS_REG_GPR    (1u << 0)        /* rax..r15, rip, rflags */
#define HVS_REG_CR     (1u << 1)        /* cr0, cr2, cr3, cr4 */
#define HVS_REG_EFER   (1u << 2)
#define HVS_REG_SEG    (1u << 3)        /* fs_base, gs_base */
#define HVS_REG_DT     (1u << 4)        /* idt/gdt base and limit */
#define HVS_REG_CPL    (1u << 5)
/* kernel_gs_base (MSR_KERNEL_GS_BASE): known only from dumps whose "QEMU"
 * CPU-state note is long enough to hold it (QEMU 7.2 writes 440 bytes with
 * it; older versions wrote 432 without); QEMU's "info registers" does not
 * print it, so a live VM never sets this bit. */
#define HVS_REG_KGS    (1u << 6)

/* CR4 bit that turns on 5-level paging. */
#define HVS_CR4_LA57 (1ull << 12)

/**
 * struct hvs_mem_info - where the memory comes from, for provenance.
 * @kind:     backend kind
 * @source:   path of the image or RAM file ("" for a buffer)
 * @control:  QMP socket path for a live VM, else ""
 * @accel:    "kvm", "tcg", ... for a live VM (from query-kvm), else ""
 * @vm_name:  QEMU -name of a live VM when it has one, else ""
 * @qemu_pid: QEMU's PID for a live VM when known, else 0
 */
typedef struct hvs_mem_info {
        enum hvs_mem_kind kind;
        char source[4096];
        char control[4096];
        char accel[16];
        char vm_name[256];
        pid_t qemu_pid;
} hvs_mem_info;

/**
 * hvs_mem_open_buffer() - guest-physical memory over a caller's buffer.
 * @buf: bytes of guest RAM at gpa 0 (borrowed; must outlive the handle)
 * @len: bytes in @buf
 * @ret: receives the new handle (owned; free with hvs_mem_close())
 *
 * Return: 0; -EINVAL if @len is 0; -ENOMEM.
 */
HVS_API int hvs_mem_open_buffer(const void *buf, size_t len, hvs_mem **ret);

/**
 * hvs_mem_open_buffer_ranges() - like hvs_mem_open_buffer(), but @buf holds
 * the @n ranges back to back, in the order given, so holes in the
 * guest-physical space can be tested.
 * Return: 0; -EINVAL if the ranges are empty, overlap or exceed @len; -ENOMEM.
 */
HVS_API int hvs_mem_open_buffer_ranges(const void *buf, size_t len, const hvs_mem_range *ranges,
                                       size_t n, hvs_mem **ret);

/**
 * hvs_mem_open_raw() - a raw physical image (file offset == gpa), mapped read-only.
 * Return: 0; -errno from open/fstat/mmap; -EBADMSG for an empty file.
 * On failure @diag (nullable) says why.
 */
HVS_API int hvs_mem_open_raw(const char *path, hvs_diag *diag, hvs_mem **ret);

/**
 * hvs_mem_open_elfcore() - an ELF64 x86-64 core of guest-physical memory
 * (QEMU dump-guest-memory, virsh dump --memory-only): PT_LOAD p_paddr is the
 * gpa; NT_PRSTATUS and "QEMU" CPU-state notes give the vCPU registers (the
 * i-th note of each kind is vCPU i). The file is mapped read-only.
 *
 * Accepted: e_machine EM_X86_64, and EM_386, which QEMU writes into an ELF64
 * core for a guest outside long mode. p_vaddr is ignored (paging=true dumps):
 * loads that overlap in p_paddr must name the same file bytes and are merged.
 * Only p_filesz bytes of a load are present: a zero-filled tail (p_memsz
 * larger) reads as -EFAULT. A load that does not end inside the file means
 * the dump is truncated and the whole file is refused (no partial view).
 *
 * Return: 0; -EBADMSG for a non-ELF, truncated or implausible file (segments
 * past the end of file, overlapping ranges with different bytes, more than
 * HVS_MAX_ELF_PHDRS headers, HVS_MAX_ELF_NOTES_BYTES of notes or
 * HVS_MAX_VCPUS CPU notes, notes that overrun their segment); -EOPNOTSUPP for
 * an ELF that is not a 64-bit little-endian x86 core; -errno from the system.
 * @diag (nullable) says which header or note is wrong.
 */
HVS_API int hvs_mem_open_elfcore(const char *path, hvs_diag *diag, hvs_mem **ret);

/**
 * hvs_mem_parse_elfcore() - the ELF core parser on bytes in memory (fuzzing,
 * tests). @buf is borrowed and must outlive the handle.
 * Return: as hvs_mem_open_elfcore().
 */
HVS_API int hvs_mem_parse_elfcore(const void *buf, size_t len, hvs_diag *diag, hvs_mem **ret);

/**
 * hvs_mem_open_image() - open a dump file, choosing the backend by its
 * content: an ELF core, else a raw image.
 * Return: as the chosen backend; -EOPNOTSUPP for a zstd-compressed file
 * (the diag says how to decompress it).
 */
HVS_API int hvs_mem_open_image(const char *path, hvs_diag *diag, hvs_mem **ret);

/**
 * struct hvs_mem_qemu_opts - options for a live QEMU VM.
 * @sz:         sizeof(struct hvs_mem_qemu_opts), set by HVS_OPTS()
 * @timeout_ms: per-QMP-command timeout, 0 = 5000
 */
typedef struct hvs_mem_qemu_opts {
        size_t sz;
        int timeout_ms;
} hvs_mem_qemu_opts;
#define HVS_OPTS(T, ...) ((T){ .sz = sizeof(T), __VA_ARGS__ })

/**
 * hvs_mem_open_qemu() - a live QEMU VM, controlled through its QMP socket.
 * @qmp_path: path of the VM's QMP unix socket
 * @opts:     options, NULL = defaults
 *
 * Finds the memory backend of the machine's RAM (qom: its mem-path, share=on),
 * maps that file read-only, and lays the guest-physical space out from the
 * flat memory tree (HMP "info mtree -f"), so RAM above 4 GiB is placed where
 * the guest sees it. Detects the accelerator with query-kvm. The QMP
 * connection stays open for registers and pause/resume.
 *
 * RAM the chipset maps read-only (the BIOS shadow below 1 MiB) counts when
 * it lives in the backend; firmware ROM and device memory are not readable.
 * Without the machine's memory-backend property (older machine types, NUMA
 * nodes) every memory-backend object that owns RAM in the tree is used.
 * QEMU serves one QMP client per socket: open fails with -ETIMEDOUT while
 * another client (libvirt) holds it.
 *
 * Return: 0; -ENOENT if the socket does not exist; -ECONNREFUSED if nothing
 * listens; -EOPNOTSUPP if the VM's RAM is not in a shared file backend (the
 * diag says how to start QEMU); -EBADMSG for replies that do not parse or
 * ranges beyond the file; -ETIMEDOUT; -EINVAL for bad @opts; -errno.
 */
HVS_API int hvs_mem_open_qemu(const char *qmp_path, const hvs_mem_qemu_opts *opts, hvs_diag *diag,
                              hvs_mem **ret);

/**
 * hvs_mem_open_qemu_pid() - like hvs_mem_open_qemu(), finding the QMP socket
 * from the command line of the QEMU process @pid (-qmp unix:PATH or a
 * -chardev socket used by -mon mode=control).
 * Relative paths are taken from the process's working directory; several
 * sockets are tried in command-line order.
 * Return: as hvs_mem_open_qemu(); -ESRCH if there is no such process;
 * -ENOENT if it has no QMP unix socket (or the socket belongs to another
 * process, or was passed as fd= as libvirt does).
 */
HVS_API int hvs_mem_open_qemu_pid(pid_t pid, const hvs_mem_qemu_opts *opts, hvs_diag *diag,
                                  hvs_mem **ret);

/**
 * hvs_mem_read() - copy @len bytes at guest-physical @gpa into @buf.
 * All-or-nothing. Return: 0; -EFAULT if any byte is outside guest RAM
 * (including address overflow); -EIO if the backend failed.
 * Thread-safety: concurrent reads on one handle are safe for the built-in
 * backends.
 */
HVS_API HVS_MUST_CHECK int hvs_mem_read(hvs_mem *m, hvs_gpa gpa, void *buf, size_t len);

/** hvs_mem_read_u64() - read a little-endian u64 at @gpa. Return: as hvs_mem_read(). */
HVS_API HVS_MUST_CHECK int hvs_mem_read_u64(hvs_mem *m, hvs_gpa gpa, uint64_t *ret);

/**
 * hvs_mem_size() - one past the highest guest-physical address of RAM.
 */
HVS_API uint64_t hvs_mem_size(const hvs_mem *m);

/**
 * hvs_mem_ranges() - the guest-physical RAM ranges, sorted by gpa, not
 * overlapping. Borrowed; valid until hvs_mem_close(). Never fails.
 */
HVS_API const hvs_mem_range *hvs_mem_ranges(const hvs_mem *m, size_t *ret_n);

/**
 * hvs_mem_get_info() - provenance of @m (borrowed; valid until close).
 */
HVS_API const hvs_mem_info *hvs_mem_get_info(const hvs_mem *m);

/**
 * hvs_mem_vcpus() - the vCPU registers known for this memory.
 * For a live VM each call asks QEMU again (registers change while it runs);
 * for an ELF core they come from its notes.
 * @ret:   borrowed array, valid until the next call or close
 * @ret_n: number of vCPUs
 * Return: 0; -EOPNOTSUPP if the backend has none (raw image, buffer);
 * -EBADMSG if QEMU's answer did not parse; -EIO, -ETIMEDOUT on QMP failure.
 */
HVS_API int hvs_mem_vcpus(hvs_mem *m, const hvs_vcpu_regs **ret, size_t *ret_n);

/**
 * hvs_mem_pause() / hvs_mem_resume() - stop / continue a live VM (QMP stop /
 * cont) for a consistent view. Pause notes whether the VM was already paused;
 * resume only continues a VM that this handle paused.
 * Return: 0; -EOPNOTSUPP if not live; -EIO, -ETIMEDOUT.
 */
HVS_API int hvs_mem_pause(hvs_mem *m);
HVS_API int hvs_mem_resume(hvs_mem *m);

/**
 * hvs_mem_errmsg() - detail of the last failure on @m ("" if none). Borrowed.
 */
HVS_API const char *hvs_mem_errmsg(const hvs_mem *m);

/**
 * hvs_mem_close() - release @m (NULL-safe). A VM this handle paused is resumed.
 * Return: NULL.
 */
HVS_API hvs_mem *hvs_mem_close(hvs_mem *m);

#ifdef __cplusplus
}
#endif
#endif
