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
/* Symbols read from one module's own symbol table (mod->kallsyms); the
 * largest in-tree modules have tens of thousands with KALLSYMS_ALL. */
#define HVS_MAX_MODULE_SYMBOLS 131072u
/* ITS thunk pages of one module read (x86 Indirect Target Selection:
 * thunks of 32 bytes, 128 a page, one per indirect branch site). */
#define HVS_MAX_MODULE_ITS_PAGES 4096u
/* Page-table pages read in one walk of module space (~1 GiB: at most ~770
 * page tables plus the upper levels). */
#define HVS_MAX_MODAREA_TABLES 4096u
/* Contiguous mapped areas kept from one walk of module space (each is at
 * least one page plus the vmalloc guard page: ~129,000 fit in 1 GiB). */
#define HVS_MAX_MODAREA_AREAS 131072u
/* Entries walked in one registry of module-space users (bpf_kallsyms,
 * pack_list, kprobe instruction pages, ftrace trampolines). */
#define HVS_MAX_MODAREA_USERS 65536u
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
/* Bytes of Volatility ISF JSON text accepted, after decompression (a Linux
 * ISF from dwarf2json is 30-60 MB; hvscope's from BTF ~20 MB). */
#define HVS_MAX_ISF_BYTES (256u << 20)
/* User types, enums and base types of one ISF (Linux 6.1: ~12,000). */
#define HVS_MAX_ISF_TYPES (1u << 20)
/* Struct/union fields plus enum constants of one ISF (Linux 6.1: ~72,000). */
#define HVS_MAX_ISF_FIELDS (1u << 23)
/* Symbols of one ISF (kallsyms ~94,000; dwarf2json adds DWARF variables). */
#define HVS_MAX_ISF_SYMBOLS (1u << 21)
/* JSON nesting inside one ISF entry (a type descriptor chain is ~8 deep). */
#define HVS_MAX_ISF_DEPTH 32u
/* Bytes of one ISF name (type, field, symbol). */
#define HVS_MAX_ISF_NAME 1024u
/* Entries in the per-address-space translation cache (power of two). */
#define HVS_VAS_TLB_ENTRIES 256u
/* ---- the case database (case.h) ---- */
/* Bytes of the args_json of one custody row (the command line included). */
#define HVS_MAX_CASE_ARGS_JSON (64u << 10)
/* Bytes of one view's JSON stored in a snapshot (--json of ps, files, maps ...). */
#define HVS_MAX_CASE_VIEW_JSON (256u << 20)
/* Problems hvs_case_verify() lists (the rest are counted as truncated). */
#define HVS_MAX_CASE_PROBLEMS 10000u
/* Row ids one custody row may account for in one table (events in one batch). */
#define HVS_MAX_CASE_BATCH 1000000u
/* Milliseconds a writer waits for another writer's transaction on a case. */
#define HVS_CASE_BUSY_TIMEOUT_MS 30000
/* Rows of one table loaded to diff two snapshots. */
#define HVS_MAX_CASE_DIFF_ROWS 1000000u

/* ---- timeline and report (timeline.h) ---- */
/* Entries of one timeline (hvscope timeline, report); the earliest are kept. */
#define HVS_DEFAULT_MAX_TIMELINE (1u << 20)
/* Bytes of one text field read from a case into a timeline or report. */
#define HVS_MAX_TIMELINE_TEXT (64u << 10)
/* Rows of one table of the HTML report before "N more" (processes, sockets, ...). */
#define HVS_DEFAULT_REPORT_ROWS 5000u

/* ---- vulnerability data (vuln.h); NVD files and replies are hostile ---- */
/* Bytes of an NVD file read whole (1.1 yearly feeds are ~10 MB gzipped). */
#define HVS_MAX_NVD_FILE_BYTES (256u << 20)
/* Bytes of NVD JSON after gzip inflation (the largest 1.1 feed is ~90 MB). */
#define HVS_MAX_NVD_JSON_BYTES (256u << 20)
/* Nesting depth of NVD JSON (real records nest under 12 levels). */
#define HVS_MAX_NVD_JSON_DEPTH 64u
/* Records in one NVD input (all of NVD is ~300,000). */
#define HVS_MAX_NVD_RECORDS 1000000u
/* Bytes of one description (kernel CNA texts reach 4 KB). */
#define HVS_MAX_NVD_TEXT (64u << 10)
/* Bytes of one short field (id, date, CVSS vector, CPE string, CWE id). */
#define HVS_MAX_NVD_FIELD 512u
/* CPE matches kept per record (real records have up to a few thousand). */
#define HVS_MAX_NVD_CPES 20000u
/* Weakness ids per record. */
#define HVS_MAX_NVD_CWES 64u
/* Reasons of rejected entries kept per input (the count is always exact). */
#define HVS_MAX_NVD_REJECT_MSGS 100u
/* Bytes of one NVD API reply (2,000 records are ~10-20 MB). */
#define HVS_MAX_NVD_PAGE_BYTES (128u << 20)
/* Days of one lastModStartDate..lastModEndDate window (the API's maximum). */
#define HVS_NVD_MAX_WINDOW_DAYS 120u
/* Bytes of one rules or evidence-map file. */
#define HVS_MAX_VULN_RULES_BYTES (4u << 20)
/* Rules in one rule set. */
#define HVS_MAX_VULN_RULES 20000u
/* Classes of one dimension (taxonomy: at most 12). */
#define HVS_VULN_MAX_CLASSES 32u
/* Bytes of one rule pattern. */
#define HVS_MAX_VULN_PATTERN 256u
/* Evidence items of one evidence map (a multiple of 64). */
#define HVS_MAX_VULN_EVIDENCE 256u

/* PT_LOADs of an acquired memory image (crash and Volatility read e_phnum
 * without PN_XNUM; hvscope's reader takes HVS_MAX_MEM_RANGES ranges). */
#define HVS_ACQ_MAX_LOADS 1024u
/* Holes of the guest RAM file shorter than this are copied as zeros inside a
 * load rather than cutting it (a PT_LOAD costs 56 bytes and a seek). */
#define HVS_ACQ_MIN_HOLE (64u << 10)
/* Data extents kept while scanning one RAM file before small holes are
 * merged (twice the minimum hole each time): bounds the scan's memory. */
#define HVS_ACQ_MAX_EXTENTS 65536u
/* Copy threads (and zstd workers) of one acquisition. */
#define HVS_ACQ_MAX_THREADS 16u
/* Bytes of one register value kept as printed by QEMU (ZMM: 8 x 16 digits). */
#define HVS_ACQ_MAX_REG_TEXT 160u
/* Registers without a field of their own kept per vCPU (FPU, SSE, AVX-512). */
#define HVS_ACQ_MAX_REG_EXTRA 256u

/* hvscope watch (include/hvscope/watch.h). Events per second forwarded in
 * total; more are counted and summarized ("rate-summary"). */
#define HVS_WATCH_DEFAULT_RATE 2000u
/* Events per second forwarded per (source, action). */
#define HVS_WATCH_DEFAULT_ACTION_RATE 200u
/* Milliseconds between rate-summary / events-lost reports. */
#define HVS_WATCH_SUMMARY_MS 1000u
/* Events held between a source's step and the consumer; beyond: lost, counted. */
#define HVS_WATCH_MAX_QUEUE 4096u
/* Sources of one watch loop. */
#define HVS_WATCH_MAX_SOURCES 16u
/* (source, action) pairs rate-limited separately; the rest share one bucket. */
#define HVS_WATCH_MAX_ACTIONS 64u
/* Bytes kept of one string field of an event (comm, summary, ...). */
#define HVS_WATCH_MAX_FIELD 1024u
/* Bytes kept of an event's data_json (a longer one is replaced, not cut). */
#define HVS_WATCH_MAX_DATA 16384u
/* Flight recorder: default and highest read rate (Hz). */
#define HVS_WATCH_FLIGHT_DEFAULT_HZ 2.0
#define HVS_WATCH_FLIGHT_MAX_HZ 100.0
/* Flight recorder: complete reads an object must be missing from before it is gone. */
#define HVS_WATCH_FLIGHT_GONE_AFTER 2u
/* Flight recorder: bytes of a process command line put in an event. */
#define HVS_WATCH_MAX_ARGS 1024u

/* Host-kernel tracing, the "kvm" and "vmm-syscall" watch sources (src/trace/). */
/* Bytes of one tracepoint format file (kvm_pio's is ~1 KB). */
#define HVS_TRACE_MAX_FORMAT_BYTES (64u << 10)
/* Fields of one tracepoint format. */
#define HVS_TRACE_MAX_FIELDS 64u
/* Bytes of a tracepoint or field name. */
#define HVS_TRACE_MAX_NAME 64u
/* Bytes of one raw tracepoint record (a perf record's size is a u16). */
#define HVS_TRACE_MAX_RAW 65535u
/* perf events of one source (threads x tracepoints x CPUs). */
#define HVS_TRACE_MAX_FDS 4096u
/* Threads attached by one source. */
#define HVS_TRACE_MAX_THREADS 1024u
/* Keys (port+direction, address, MSR, reason, syscall) counted per source. */
#define HVS_TRACE_MAX_KEYS 4096u
/* Individual events per new key, and per interval over all keys. */
#define HVS_TRACE_DEFAULT_PER_KEY 8u
#define HVS_TRACE_DEFAULT_PER_INTERVAL 256u
/* Rate-summary events per interval (the busiest keys; the rest in one). */
#define HVS_TRACE_MAX_RATE_EVENTS 64u
/* A rate summary over a shorter interval (the tail read when a watch stops)
 * gives its count but no per-second rate: a few events in a millisecond are
 * no rate. */
#define HVS_TRACE_MIN_RATE_MS 100u
/* Data pages of each CPU's perf ring: default (4 MiB) and most (16 MiB). */
#define HVS_TRACE_DEFAULT_RING_PAGES 1024u
#define HVS_TRACE_MAX_RING_PAGES 4096u
/* All CPUs' rings of one source by default: the default ring is halved until they fit. */
#define HVS_TRACE_MAX_RING_BYTES (64u << 20)

/* Breakpoint source (src/watch/gdb-rsp.c, bp.c). Bytes of one GDB remote
 * protocol packet, raw and expanded (QEMU's own limit is 4096). */
#define HVS_MAX_RSP_PACKET 16384u
/* Milliseconds one gdbstub command may take before -ETIMEDOUT. */
#define HVS_RSP_TIMEOUT_MS 3000u
/* Bytes outside packets skipped while waiting for one reply (then -EBADMSG). */
#define HVS_RSP_MAX_JUNK 65536u
/* Hardware breakpoints at once: the four x86 debug address registers. */
#define HVS_WATCH_BP_MAX 4u
/* Exec probe: argv entries read, and bytes of one argument or file name. */
#define HVS_WATCH_BP_MAX_ARGV 64u
#define HVS_WATCH_BP_MAX_STR 256u
/* Breakpoint hit-rate guard: a probe hit more often than this in one second
 * is taken out (each hit stops the whole VM: a hot function would slow the
 * guest down, and show the watcher to the intruder), for HVS_WATCH_BP_SUSPEND_MS,
 * doubled up to HVS_WATCH_BP_SUSPEND_MAX_MS when it trips again within
 * HVS_WATCH_BP_CALM_MS of being put back. */
#define HVS_WATCH_BP_MAX_HIT_RATE 20u
#define HVS_WATCH_BP_SUSPEND_MS 1000u
#define HVS_WATCH_BP_SUSPEND_MAX_MS 30000u
#define HVS_WATCH_BP_CALM_MS 10000u
/* Findings one triage run keeps (more are counted as dropped). */
#define HVS_MAX_FINDINGS 10000u
/* Bytes of one finding's evidence JSON. */
#define HVS_MAX_FINDING_EVIDENCE (64u << 10)
/* Bytes of guest memory one triage scan (YARA, structure scans) reads. */
#define HVS_TRIAGE_SCAN_MAX_BYTES (1ull << 30)
/* Milliseconds one triage check runs before it stops and says so. */
#define HVS_TRIAGE_TIME_BUDGET_MS 10000u
/* Bytes of one YARA rules file (hvscope triage --yara). */
#define HVS_MAX_YARA_RULES_BYTES (16u << 20)

#endif
