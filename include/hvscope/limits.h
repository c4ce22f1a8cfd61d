/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limits.h - named limits on everything a guest, a dump or a profile controls.
 * Each value is recorded with its reason in docs/limits.md. Values a session
 * can override live in struct hvs_limits (session.h).
 */
#ifndef HVSCOPE_LIMITS_H
#define HVSCOPE_LIMITS_H

/* Tasks walked in one task list; a larger list is reported truncated. */
#define HVS_DEFAULT_MAX_TASKS 65536u
/* Threads walked in one thread group. */
#define HVS_DEFAULT_MAX_THREADS 65536u
/* Kernel modules walked in the module list. */
#define HVS_DEFAULT_MAX_MODULES 16384u
/* Open file descriptors examined per process (fdtable max_fds is clamped to it). */
#define HVS_DEFAULT_MAX_FDS 65536u
/* Memory regions (VMAs) walked per process (maple tree or rbtree/list). */
#define HVS_DEFAULT_MAX_VMAS 262144u
/* Mounts walked in one mount namespace. */
#define HVS_DEFAULT_MAX_MOUNTS 16384u
/* Sockets walked across the kernel's socket hash tables. */
#define HVS_DEFAULT_MAX_SOCKETS 1048576u
/* Bytes of a process environment read from its memory. */
#define HVS_DEFAULT_MAX_ENV 131072u
/* Bytes of kernel log text decoded from the printk ring buffer. */
#define HVS_DEFAULT_MAX_DMESG (16u << 20)
/* Path components followed from a dentry up to its root (d_parent, mount parents). */
#define HVS_MAX_PATH_DEPTH 4096u
/* Bytes of a path built from dentries. */
#define HVS_MAX_PATH_BYTES 4096u
/* Levels of a maple tree (Linux 6.1+ VMAs): 31 would already hold 2^64 entries. */
#define HVS_MAX_MAPLE_DEPTH 32u
/* Bytes of a process command line read from its memory. */
#define HVS_DEFAULT_MAX_CMDLINE 4096u
/* Bytes of a NUL-terminated string read from the guest when none is given. */
#define HVS_MAX_GUEST_STR 4096u
/* Program headers accepted in an ELF core. QEMU writes one per RAM block
 * with paging=false, but one per guest virtual mapping with paging=true
 * (65,775 for an idle 3 GiB Linux 6.1 guest), which then merge into a few
 * physical ranges. */
#define HVS_MAX_ELF_PHDRS (1u << 20)
/* Bytes of ELF notes read from a core (CPU state of up to 4096 vCPUs). */
#define HVS_MAX_ELF_NOTES_BYTES (16u << 20)
/* vCPUs described by a dump or a live VM. */
#define HVS_MAX_VCPUS 4096u
/* Memory ranges in a guest-physical layout. */
#define HVS_MAX_MEM_RANGES 1024u
/* Bytes of one QMP reply accepted from QEMU. */
#define HVS_MAX_QMP_REPLY (8u << 20)
/* Symbols decoded from kallsyms. */
#define HVS_MAX_KSYMS 1000000u
/* Bytes of one decoded kallsyms name. */
#define HVS_MAX_KSYM_NAME 512u
/* Bytes of kernel BTF accepted (6.1 is ~4.4 MB, 6.12 ~6 MB). */
#define HVS_MAX_BTF_BYTES (64u << 20)
/* Bytes of a profile cache file accepted. */
#define HVS_MAX_PROFILE_BYTES (64u << 20)
/* Bytes of any regular file hvscope reads whole (kernel image, BTF file). */
#define HVS_MAX_FILE_BYTES (512u << 20)
/* Depth of nested anonymous struct/union members followed when resolving a field. */
#define HVS_MAX_TYPE_DEPTH 16u
/* Entries in the per-address-space translation cache (power of two). */
#define HVS_VAS_TLB_ENTRIES 256u

#endif
