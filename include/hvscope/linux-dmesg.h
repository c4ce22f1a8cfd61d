/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-dmesg.h - the Linux guest view of the kernel log (printk ring buffer).
 * Included by linux.h; not meant to be included on its own.
 *
 * The log is decoded read-only from the lockless printk ring buffer of Linux
 * 5.10+ (kernel/printk/printk_ringbuffer.c): the descriptor ring (state,
 * data block position), the info array (sequence number, timestamp, level,
 * facility, caller) and the text data ring. Only records whose descriptor
 * is committed or finalized are reported; descriptors that are reserved,
 * reusable, or whose id, sequence number or data block do not match (a
 * record overwritten while it was read, on a running guest) are skipped and
 * counted, never guessed at.
 */
#ifndef HVSCOPE_LINUX_DMESG_H
#define HVSCOPE_LINUX_DMESG_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptors read from the descriptor ring (the kernel default is 4096;
 * log_buf_len=32M gives 1M). With more, only the newest are read. */
#define HVS_MAX_DMESG_DESCS (1u << 20)

/* Bits of struct hvs_dmesg_record.flags (enum printk_info_flags). */
#define HVS_DMESG_FLAG_NEWLINE 2u   /* LOG_NEWLINE: text ended with a newline */
#define HVS_DMESG_FLAG_CONT    8u   /* LOG_CONT: a fragment of a line */

/* struct hvs_dmesg_record.caller: a CPU when this bit is set, else a task ID. */
#define HVS_DMESG_CALLER_CPU 0x80000000u

/**
 * struct hvs_dmesg_record - one kernel log record.
 * @seq:       sequence number (printk_info.seq)
 * @ts_nsec:   timestamp, ns since boot (local_clock(), as dmesg shows it)
 * @level:     log level 0 (emerg) .. 7 (debug)
 * @facility:  syslog facility (0 kernel, 1 user for /dev/kmsg writes, ...)
 * @flags:     HVS_DMESG_FLAG_* bits as the kernel stored them
 * @caller:    printk_info.caller_id: task ID, or CPU | HVS_DMESG_CALLER_CPU
 * @finalized: false for a committed record the kernel may still extend
 *             (the last one, when it did not end its line)
 * @text_addr: guest address of the text in the data ring
 * @text, @text_len: the text, owned, NUL-terminated after @text_len bytes;
 *             raw bytes as the kernel stored them (may hold '\n' for
 *             multi-line records, or other control bytes)
 */
typedef struct hvs_dmesg_record {
        uint64_t seq;
        uint64_t ts_nsec;
        uint8_t level;
        uint8_t facility;
        uint8_t flags;
        bool finalized;
        uint32_t caller;
        hvs_gva text_addr;
        char *text;
        size_t text_len;
} hvs_dmesg_record;

/**
 * struct hvs_dmesg - the kernel log as read.
 * @records, @n: in sequence order
 * @prb:         guest address of the struct printk_ringbuffer read
 * @skipped:     descriptors in the ring that gave no record (reserved,
 *               reusable, lost data, or overwritten while read)
 * @truncated:   not all of the ring was read: @trunc_msg says why (the ring
 *               is larger than max_dmesg bytes or HVS_MAX_DMESG_DESCS
 *               records, so only the newest were read)
 */
typedef struct hvs_dmesg {
        hvs_dmesg_record *records;
        size_t n;
        hvs_gva prb;
        size_t skipped;
        bool truncated;
        char trunc_msg[256];
} hvs_dmesg;

/**
 * hvs_linux_dmesg() - read the kernel log from the printk ring buffer.
 * @k:   the kernel view
 * @ret: owned; free with hvs_dmesg_free(); untouched on failure
 *
 * At most k's max_dmesg bytes of the text ring (the newest) and
 * HVS_MAX_DMESG_DESCS descriptors are read; a larger ring gives a truncated
 * result. On a running guest the rings are copied, then the descriptors are
 * read again and a record whose descriptor changed in between is skipped, so
 * a record is either reported as the kernel wrote it or not at all (use
 * --pause for a complete view of a busy guest).
 * Thread-safety: as the other calls on @k (one thread at a time).
 * Return: 0; -ENOENT if the kernel has no `prb` symbol or lacks a field the
 * view needs (a kernel older than 5.10); -EFAULT if the ring buffer is
 * unreadable; -EBADMSG if its geometry is implausible; -ENOMEM.
 */
HVS_API int hvs_linux_dmesg(hvs_linux *k, hvs_dmesg **ret);

/** hvs_dmesg_free() - NULL-safe. Return: NULL. */
HVS_API hvs_dmesg *hvs_dmesg_free(hvs_dmesg *d);

#ifdef __cplusplus
}
#endif
#endif
