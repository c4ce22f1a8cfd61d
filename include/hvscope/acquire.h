/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * acquire.h - evidence from a live QEMU VM: an ELF core of its guest-physical
 * memory, and the state of its vCPUs.
 *
 * The memory image is an ELF64 core in the form QEMU's dump-guest-memory
 * writes (so Volatility 3, crash and hvscope --image read it):
 *  - program header 0 is one PT_NOTE holding, for every vCPU, a "CORE"
 *    NT_PRSTATUS note (all first), then a "QEMU" note with a QEMUCPUState
 *    (version 1, 432 bytes: general registers, segments with selector, limit,
 *    flags and base, LDT, TR, GDT, IDT, CR0-CR4), then one "HVSCOPE" note
 *    (type HVS_ACQ_NOTE_TYPE) whose text is JSON: tool, version, mode,
 *    whether the image may be smeared, the VM and the guest downtime;
 *  - then PT_LOADs with p_paddr = p_vaddr = guest-physical address and
 *    p_filesz = p_memsz, sorted by address, their data back to back after
 *    the headers (the first at a 4 KiB-aligned offset).
 * Holes of the guest's RAM file (pages never written, SEEK_HOLE) are not
 * copied: each run of resident data becomes one PT_LOAD, so an absent gpa
 * reads as "not in the dump". Holes shorter than HVS_ACQ_MIN_HOLE are kept
 * inside a load (copied as zeros) and, when more than HVS_ACQ_MAX_LOADS loads
 * remain, the smallest holes are merged too; loads never span two RAM ranges.
 *
 * Modes: consistent (the default) stops the guest (QMP stop) only while its
 * resident memory is copied into host memory, continues it (cont) and then
 * writes, compresses and hashes the copy: the image is one instant of the
 * guest. Live never stops the guest: the image is marked as possibly smeared
 * (pages copied at different moments), in its HVSCOPE note and the result.
 *
 * The output is written as PATH.part (with PATH.json.part beside it) and
 * renamed to PATH (and PATH.json, the sidecar with the acquisition's
 * metadata) only once it is complete, hashed and synced; on failure the
 * .part files are removed. An image never looks complete when it is not.
 *
 * Thread-safety: one acquisition per hvs_mem at a time; the functions start
 * and join their own worker threads. The library never prints: progress goes
 * to the caller's callback.
 */
#ifndef HVSCOPE_ACQUIRE_H
#define HVSCOPE_ACQUIRE_H

#include <hvscope/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ELF note type of the "HVSCOPE" note (name "HVSCOPE", JSON text). */
#define HVS_ACQ_NOTE_TYPE 0x48560001u
/* zstd level used when none is given (fast: images are large). */
#define HVS_ACQ_ZSTD_LEVEL 1

enum hvs_acq_mode {
        HVS_ACQ_CONSISTENT = 0, /* guest stopped while its memory is copied */
        HVS_ACQ_LIVE,           /* guest keeps running; image possibly smeared */
};

enum hvs_acq_compress {
        HVS_ACQ_COMPRESS_NONE = 0,
        HVS_ACQ_COMPRESS_ZSTD,  /* one zstd frame of the ELF (zstd -d reads it) */
};

enum hvs_acq_phase {
        HVS_ACQ_PHASE_PREPARE = 0,      /* finding resident memory, staging host memory */
        HVS_ACQ_PHASE_PAUSED,           /* guest stopped: copying its memory */
        HVS_ACQ_PHASE_WRITE,            /* writing (compressing, hashing) the image */
        HVS_ACQ_PHASE_SYNC,             /* fsync and rename */
};

/**
 * typedef hvs_acq_progress_fn - progress of an acquisition.
 * @phase: what is being done; called once with done == 0 when a phase starts
 * @done, @total: bytes of the phase done and to do (0/0 when unknown)
 * Called from the calling thread only, at most every few MiB.
 * Return: 0 to go on; non-zero to cancel (the acquisition returns
 * -ECANCELED, the guest resumed and the .part files removed).
 */
typedef int (*hvs_acq_progress_fn)(void *userdata, enum hvs_acq_phase phase, uint64_t done, uint64_t total);

/**
 * struct hvs_acq_opts - how to acquire; zero means the default.
 * @sz:         sizeof(struct hvs_acq_opts), set by HVS_OPTS()
 * @mode:       consistent (default) or live
 * @compress:   none (default) or zstd
 * @zstd_level: zstd level, 0 = HVS_ACQ_ZSTD_LEVEL
 * @threads:    copy threads while the guest is stopped (and zstd workers),
 *              0 = online CPUs, at most HVS_ACQ_MAX_THREADS
 * @force:      replace an existing output file (and a stale PATH.part)
 * @progress:   nullable callback, with @progress_data
 */
typedef struct hvs_acq_opts {
        size_t sz;
        enum hvs_acq_mode mode;
        enum hvs_acq_compress compress;
        int zstd_level;
        unsigned threads;
        bool force;
        hvs_acq_progress_fn progress;
        void *progress_data;
} hvs_acq_opts;

/**
 * struct hvs_acq_result - what was acquired, for the record.
 * @path, @sidecar:     absolute paths of the image and its JSON sidecar
 * @sha256:             lowercase hex SHA-256 of the file as written
 * @image_sha256:       of the uncompressed ELF (== @sha256 when not compressed)
 * @size:               bytes of the file written
 * @image_size:         bytes of the uncompressed ELF
 * @ram_bytes:          guest RAM described by the VM's memory map
 * @data_bytes:         RAM bytes in the image's loads
 * @skipped_bytes:      RAM bytes left out as holes (@ram_bytes - @data_bytes)
 * @n_loads:            PT_LOAD segments
 * @n_vcpus:            vCPUs in the notes
 * @smeared:            live image: pages were copied at different moments
 * @vm_was_paused:      the VM was already stopped by someone else (consistent
 *                      mode then neither stopped nor continued it)
 * @downtime_ns:        guest stop time, from QEMU's STOP and RESUME event
 *                      timestamps (microseconds); 0 for live; -1 unknown
 * @pause_wall_ns:      same window as this process saw it (stop sent to
 *                      cont answered, CLOCK_MONOTONIC)
 * @started_ns, @paused_ns, @resumed_ns, @finished_ns: host wall clock
 *                      (CLOCK_REALTIME, ns since the epoch; 0 = not applicable)
 * @write_ns:           time spent writing, compressing and hashing
 * @vm_name, @vm_uuid, @qmp_path, @accel, @qemu_version, @qemu_pid: the VM
 */
typedef struct hvs_acq_result {
        char path[4096];
        char sidecar[4096];
        char sha256[65];
        char image_sha256[65];
        uint64_t size;
        uint64_t image_size;
        uint64_t ram_bytes;
        uint64_t data_bytes;
        uint64_t skipped_bytes;
        size_t n_loads;
        size_t n_vcpus;
        enum hvs_acq_mode mode;
        enum hvs_acq_compress compress;
        bool smeared;
        bool vm_was_paused;
        int64_t downtime_ns;
        int64_t pause_wall_ns;
        int64_t started_ns, paused_ns, resumed_ns, finished_ns;
        int64_t write_ns;
        char vm_name[256];
        char vm_uuid[64];
        char qmp_path[4096];
        char accel[16];
        char qemu_version[64];
        pid_t qemu_pid;
} hvs_acq_result;

/**
 * hvs_acq_memory() - write an ELF core of the guest-physical memory of the
 * live VM @vm to @path (see the top of this header for the format, the
 * modes and how the file is committed).
 * @vm:   a handle from hvs_mem_open_qemu() or hvs_mem_open_qemu_pid()
 *        (borrowed; its QMP connection is used for stop/cont, registers
 *        and events)
 * @path: output file; its directory must exist
 * @opts: nullable (defaults)
 * @ret:  filled on success (and partly on failure: times, VM, what was done)
 *
 * In consistent mode the guest is continued on every path out of this
 * function once it was stopped, errors included; if QEMU cannot be told to
 * continue (the VM went away), the error says so.
 *
 * Return: 0; -EOPNOTSUPP if @vm is not a live QEMU VM; -EEXIST if @path (or
 * @path.part) exists and !@opts->force; -ENOENT, -EACCES, -ENOTDIR, -EROFS
 * for an output directory that is missing or unwritable; -ENOSPC, -EFBIG,
 * -EDQUOT when the output does not fit; -ENOMEM, also when the host has not
 * enough free memory to stage a consistent copy (the diag says how much);
 * -EIO, -ETIMEDOUT, -ECONNRESET when the VM stops answering or goes away
 * during the acquisition; -ECANCELED when the progress callback asked;
 * -EINVAL for bad @opts. @diag (nullable) says what failed.
 */
HVS_API int hvs_acq_memory(hvs_mem *vm, const char *path, const hvs_acq_opts *opts, hvs_diag *diag,
                           hvs_acq_result *ret);

/* Segment registers in the order QEMU prints them. */
enum hvs_acq_seg_id {
        HVS_ACQ_ES = 0, HVS_ACQ_CS, HVS_ACQ_SS, HVS_ACQ_DS, HVS_ACQ_FS, HVS_ACQ_GS,
        HVS_ACQ_LDT, HVS_ACQ_TR, HVS_ACQ_NSEGS
};

/**
 * struct hvs_acq_seg - one segment register as QEMU holds it (its hidden
 * descriptor cache: base, limit, attribute flags in descriptor bit layout).
 */
typedef struct hvs_acq_seg {
        uint32_t selector;
        uint32_t limit;
        uint32_t flags;
        uint64_t base;
} hvs_acq_seg;

/**
 * struct hvs_acq_reg - a register QEMU printed that has no field of its own
 * (FPU, SSE/AVX, TCG condition codes, ...), as printed.
 */
typedef struct hvs_acq_reg {
        char name[16];
        char value[HVS_ACQ_MAX_REG_TEXT];
} hvs_acq_reg;

/* Which parts of struct hvs_acq_vcpu were known. */
#define HVS_ACQ_V_GPR   (1u << 0)       /* rax..r15 (r8-r15 only in long mode), rip, rflags */
#define HVS_ACQ_V_SEG   (1u << 1)       /* seg[] */
#define HVS_ACQ_V_DT    (1u << 2)       /* gdt, idt */
#define HVS_ACQ_V_CR    (1u << 3)       /* cr0, cr2, cr3, cr4 */
#define HVS_ACQ_V_CR8   (1u << 4)       /* cr8 (the local APIC's TPR >> 4) */
#define HVS_ACQ_V_EFER  (1u << 5)
#define HVS_ACQ_V_DR    (1u << 6)       /* dr[0-3], dr[6], dr[7] */
#define HVS_ACQ_V_CPL   (1u << 7)
#define HVS_ACQ_V_THREAD (1u << 8)      /* thread_id, qom_path, topology */

/**
 * struct hvs_acq_vcpu - everything QEMU tells about one vCPU.
 * @cpu:        QEMU's cpu-index ("CPU#N" of info registers)
 * @valid:      HVS_ACQ_V_* bits
 * @long_mode:  QEMU printed the 64-bit form (RAX=16 digits)
 * @gpr:        rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8..r15 in that order
 * @dr:         dr0-dr3 at 0-3, dr6 at 6, dr7 at 7 (4, 5 unused)
 * @tpr:        the local APIC's task priority register (cr8 = tpr >> 4)
 * @halted, @smm, @a20: QEMU's HLT, SMM and A20 flags (-1 not printed)
 * @thread_id:  host thread (TID) running this vCPU, -1 unknown
 * @apic_id, @socket_id, @core_id, @thread_in_core: topology, -1 unknown
 * @qom_path:   the vCPU's QOM path
 * @extra:      every other register QEMU printed, in its order (owned)
 */
typedef struct hvs_acq_vcpu {
        uint32_t cpu;
        uint32_t valid;
        bool long_mode;
        uint64_t gpr[16];
        uint64_t rip, rflags;
        hvs_acq_seg seg[HVS_ACQ_NSEGS];
        uint64_t gdt_base, idt_base;
        uint32_t gdt_limit, idt_limit;
        uint64_t cr0, cr2, cr3, cr4, cr8;
        uint64_t efer;
        uint64_t dr[8];
        uint32_t tpr;
        uint32_t cpl;
        int halted, smm, a20;
        int64_t thread_id;
        int64_t apic_id, socket_id, core_id, thread_in_core;
        char qom_path[128];
        hvs_acq_reg *extra;
        size_t n_extra;
} hvs_acq_vcpu;

/**
 * struct hvs_acq_regs - the vCPUs of one VM at one moment.
 * @taken_ns:     host wall clock when QEMU was asked (ns since the epoch)
 * @paused:       the VM was stopped while they were read
 * @downtime_ns:  for hvs_acq_registers() with @pause: the stop time from
 *                QEMU's events; -1 otherwise or unknown
 * @accel, @vm_name, @vm_uuid, @qmp_path, @qemu_version, @qemu_pid: the VM
 */
typedef struct hvs_acq_regs {
        int64_t taken_ns;
        bool paused;
        int64_t downtime_ns;
        size_t n;
        hvs_acq_vcpu *vcpus;
        char accel[16];
        char vm_name[256];
        char vm_uuid[64];
        char qmp_path[4096];
        char qemu_version[64];
        pid_t qemu_pid;
} hvs_acq_regs;

/**
 * hvs_acq_registers() - read the state of every vCPU of the live VM @vm:
 * HMP "info registers -a" (general, segment, descriptor-table, control and
 * debug registers, EFER, FPU/SSE state), query-cpus-fast (host thread ids,
 * topology) and "info lapic" per vCPU (TPR, hence CR8).
 * @pause: stop the VM while reading (and continue it after, also on error),
 *         so all vCPUs are from one moment
 * @ret:   new set (owned; hvs_acq_regs_free())
 * QEMU 7.2 prints no other MSR than EFER (FS/GS bases are the segments'),
 * and no KERNEL_GS_BASE.
 * Return: 0; -EOPNOTSUPP if @vm is not live; -EBADMSG if QEMU's text does
 * not parse; -E2BIG beyond HVS_MAX_VCPUS; -EIO, -ETIMEDOUT; -ENOMEM.
 */
HVS_API int hvs_acq_registers(hvs_mem *vm, bool pause, hvs_diag *diag, hvs_acq_regs **ret);

/**
 * hvs_acq_regs_parse() - the parser behind hvs_acq_registers(): the text of
 * HMP "info registers -a" (or of "info registers": one CPU, taken as CPU 0),
 * 64-bit or 32-bit form. Only the fields printed are marked valid.
 * Return: 0; -EBADMSG if no CPU state is found or a value does not parse;
 * -E2BIG beyond HVS_MAX_VCPUS vCPUs or HVS_ACQ_MAX_REG_EXTRA extra
 * registers of one vCPU; -ENOMEM. @ret owned (hvs_acq_regs_free()).
 */
HVS_API int hvs_acq_regs_parse(const char *text, hvs_diag *diag, hvs_acq_regs **ret);

/**
 * hvs_acq_regs_json() - @r as JSON text (the form `hvscope acquire
 * registers --json` prints and `-o` saves): VM, time, and per vCPU every
 * register as a "0x..." string, segments with selector/base/limit/flags,
 * MSRs, host thread id.
 * @ret: new NUL-terminated string (owned; free())
 * Return: 0; -ENOMEM.
 */
HVS_API int hvs_acq_regs_json(const hvs_acq_regs *r, char **ret);

/**
 * hvs_acq_save() - write @len bytes of @data to @path as acquisition
 * output: through @path.part, fsync, then rename (never replacing an
 * existing file unless @force), and the lowercase hex SHA-256 of the bytes
 * into @ret_sha256 (nullable; 65 bytes).
 * Return: 0; -EEXIST; -errno from the file system (the .part is removed).
 */
HVS_API int hvs_acq_save(const char *path, const void *data, size_t len, bool force, hvs_diag *diag,
                         char *ret_sha256);

/** hvs_acq_regs_free() - NULL-safe. Return: NULL. */
HVS_API hvs_acq_regs *hvs_acq_regs_free(hvs_acq_regs *r);

/**
 * hvs_acq_mode_name() / hvs_acq_compress_name() - "consistent", "live";
 * "none", "zstd". Static strings.
 */
HVS_API const char *hvs_acq_mode_name(enum hvs_acq_mode m);
HVS_API const char *hvs_acq_compress_name(enum hvs_acq_compress c);

#ifdef __cplusplus
}
#endif
#endif
