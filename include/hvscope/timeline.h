/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timeline.h - one ordered timeline of everything in a case that has a time,
 * its exports (Elastic Common Schema NDJSON, Timesketch CSV) and the HTML
 * report of a case.
 *
 * What becomes an entry (docs/timeline-report.md):
 *   - a process start (processes.start_ns), once per guest process: the same
 *     VM, PID and start time seen in several snapshots is one entry, taken
 *     from the earliest snapshot; a process present in one snapshot of a VM
 *     and absent from the next is a "process-ended" entry at the later
 *     snapshot's time (it ended in between);
 *   - a module load where its time is known: a module (name and address)
 *     absent from one snapshot of a VM and present in the next is a
 *     "module-loaded" entry at the later snapshot's time, and the reverse a
 *     "module-unloaded" entry (Linux keeps no load time);
 *   - the start and the finish of every acquisition, every snapshot, every
 *     stored event and finding, every custody log action.
 *
 * Clocks: times the guest reports (process starts) are on the guest's wall
 * clock, everything else on the host's (the `clock` field says which); both
 * are UTC. The guest clock's offset is shown per snapshot, never applied,
 * since the guest's wall clock is read with one-second resolution.
 *
 * Order: by time, then by source (the order of enum hvs_tl_source), then by
 * VM, row id and PID, so the same case always gives the same timeline.
 *
 * Strings in entries are valid UTF-8 (invalid bytes from the guest become
 * U+FFFD) and at most HVS_MAX_TIMELINE_TEXT bytes. Everything in them may
 * come from a hostile guest: renderers must escape for their format.
 *
 * The library never prints: the writers write to the FILE the caller gives.
 */
#ifndef HVSCOPE_TIMELINE_H
#define HVSCOPE_TIMELINE_H

#include <stdio.h>
#include <hvscope/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;

/* Where an entry comes from, in tie-break order. */
enum hvs_tl_source {
        HVS_TL_PROCESS = 0,     /* a process start, or a process found ended */
        HVS_TL_MODULE,          /* a module loaded or unloaded between snapshots */
        HVS_TL_EVENT,           /* a row of the events table */
        HVS_TL_FINDING,         /* a finding of a detection check */
        HVS_TL_SNAPSHOT,        /* a snapshot of the guest views */
        HVS_TL_ACQUISITION,     /* an acquisition started or finished */
        HVS_TL_CUSTODY,         /* an action in the chain-of-custody log */
        HVS_TL_SOURCE_COUNT
};

/**
 * struct hvs_tl_entry - one timeline entry.
 * @ts_ns:      the time (ns since the epoch, UTC): ECS @timestamp
 * @source:     where it comes from
 * @guest_clock: @ts_ns is the guest's wall clock (else the host's)
 * @kind:       ECS event.kind ("event", "alert", "state"); static
 * @category:   ECS event.category (one allowed value); static or owned
 * @type:       ECS event.type (allowed for @category); static
 * @action:     ECS event.action ("process-started", ...); owned
 * @dataset:    ECS event.dataset ("hvscope.process", ...); static
 * @outcome:    ECS event.outcome ("success", "failure", "unknown") or NULL
 * @desc:       Timesketch timestamp_desc ("Process Start Time", ...); static
 * @message:    one line for people; owned, never NULL
 * @row_id:     id of the row it comes from in its table (custody: seq;
 *              process and module entries: 0)
 * @vm_id, @snapshot_id, @acquisition_id: case row ids, 0 = none
 * @vm_name:    the VM's name (else its UUID, else the dump's file name, else
 *              "vm-<id>"); owned or NULL
 * @vm_uuid:    owned or NULL
 * @host:       the hypervisor host that recorded it; owned or NULL
 * @hostname:   the guest's host name (from the snapshot, else the VM's
 *              latest); owned or NULL
 * @kernel:     the guest kernel release, owned or NULL
 * @has_process: @pid and the process fields are set
 * @pid, @ppid: process and parent (@ppid -1 = unknown)
 * @uid:        real user id, -1 = unknown
 * @comm, @cmdline: owned or NULL
 * @start_ns:   process start on the guest clock, 0 = unknown
 * @kthread:    a kernel thread
 * @module:     module name (module entries), owned or NULL
 * @path:       file written (acquisitions), owned or NULL
 * @size:       its size in bytes, -1 = unknown
 * @sha256:     its SHA-256 (lowercase hex) or a custody result hash; owned or NULL
 * @duration_ns: acquisition finish entries: finish - start; -1 = none
 * @rule_id, @rule_name, @rule_description: findings; owned or NULL
 * @severity:   findings: "info" ... "critical", owned or NULL
 * @severity_num: 1 (info) to 5 (critical), 0 = none (ECS event.severity)
 * @technique:  findings: MITRE ATT&CK technique id, owned or NULL
 * @user:       custody: the actor; acquisitions: who ran it; owned or NULL
 * @provider:   events: their source ("breakpoint", ...), owned or NULL
 * @data_json:  the row's JSON column (event data, finding evidence, custody
 *              arguments, acquisition detail), owned or NULL; not validated
 * @custody_hash: custody: the row's chain hash, owned or NULL
 * @tool_version: acquisitions and custody: the hvscope version that acted
 */
typedef struct hvs_tl_entry {
        int64_t ts_ns;
        enum hvs_tl_source source;
        bool guest_clock;
        const char *kind, *category, *type, *dataset, *outcome, *desc;
        char *action;
        char *message;
        int64_t row_id, vm_id, snapshot_id, acquisition_id;
        char *vm_name, *vm_uuid, *host, *hostname, *kernel;
        bool has_process;
        int32_t pid, ppid;
        int64_t uid;
        char *comm, *cmdline;
        int64_t start_ns;
        bool kthread;
        char *module;
        char *path;
        int64_t size;
        char *sha256;
        int64_t duration_ns;
        char *rule_id, *rule_name, *rule_description, *severity, *technique;
        int severity_num;
        char *user, *provider, *data_json, *custody_hash;
        char *tool_version;
} hvs_tl_entry;

/**
 * struct hvs_timeline - the result of hvs_timeline_build().
 * @entries, @n: the entries, in timeline order
 * @truncated:   more entries matched than @max_entries; the ones kept are the
 *               earliest
 * @n_matched:   entries that matched the filters (>= @n)
 * @n_processes_dedup: process sightings folded into an earlier snapshot's entry
 */
typedef struct hvs_timeline {
        hvs_tl_entry *entries;
        size_t n;
        bool truncated;
        size_t n_matched;
        size_t n_processes_dedup;
} hvs_timeline;

/**
 * struct hvs_timeline_opts - what to put in a timeline.
 * @sz:          sizeof(hvs_timeline_opts), set by HVS_OPTS()
 * @from_ns:     keep entries at or after this time (0 = no lower bound)
 * @to_ns:       keep entries at or before this time (0 = no upper bound)
 * @max_entries: keep at most this many (0 = HVS_DEFAULT_MAX_TIMELINE)
 * @no_kthreads: leave out the starts and ends of kernel threads
 */
typedef struct hvs_timeline_opts {
        size_t sz;
        int64_t from_ns, to_ns;
        size_t max_entries;
        bool no_kthreads;
} hvs_timeline_opts;

/**
 * hvs_timeline_build_db() - build the timeline of the case database @db.
 * @db:   an open case database (borrowed; only read)
 * @opts: options, NULL = defaults
 * @diag: nullable; a one-line reason on failure
 * @ret:  owned; free with hvs_timeline_free(). Not written on failure.
 *
 * A timeline with more than @max_entries entries keeps the earliest and is
 * marked truncated (not an error). All of it is read inside one savepoint:
 * one state of the case, even while another process writes to it.
 * Return: 0; -EINVAL bad @opts (@sz); -EBADMSG the database is not a case or
 * a query failed on it (tampered or truncated file); -ENOMEM.
 * Thread-safety: one thread per @db.
 */
HVS_API int hvs_timeline_build_db(struct sqlite3 *db, const hvs_timeline_opts *opts, hvs_diag *diag,
                                  hvs_timeline **ret);

/** hvs_timeline_free() - NULL-safe; frees @tl and its entries. */
HVS_API void hvs_timeline_free(hvs_timeline *tl);

/**
 * hvs_timeline_write_ndjson() - write @tl as NDJSON, one Elastic Common
 * Schema document per line (nested objects: {"@timestamp":..,"event":{..},
 * "process":{..},"host":{..},..}; hvscope's own fields under "hvscope").
 * @f: caller's stream (borrowed)
 * Return: 0; the -errno of a failed write (-ENOSPC, ...; -EIO when the
 * stream gives none); -ENOMEM.
 */
HVS_API int hvs_timeline_write_ndjson(const hvs_timeline *tl, FILE *f);

/**
 * hvs_timeline_write_csv() - write @tl as Timesketch CSV: a header line, then
 * one row per entry; the columns are message, datetime (ISO 8601 UTC),
 * timestamp_desc and timestamp (microseconds since the epoch), then hvscope's
 * (docs/timeline-report.md). Fields are quoted as RFC 4180 says (any field
 * with a comma, a double quote, CR or LF; quotes doubled).
 * Return: 0; the -errno of a failed write (-EIO when the stream gives none).
 */
HVS_API int hvs_timeline_write_csv(const hvs_timeline *tl, FILE *f);

/**
 * hvs_tl_source_name() - short name of @s ("process", "module", "event",
 * "finding", "snapshot", "acquisition", "custody"); static, never NULL.
 */
HVS_API const char *hvs_tl_source_name(enum hvs_tl_source s);

/**
 * hvs_time_format() - @ns since the epoch as ISO 8601 UTC with microseconds,
 * "2024-05-01T12:00:00.123456Z", into @buf (at least 32 bytes).
 * Return: @buf.
 */
HVS_API char *hvs_time_format(int64_t ns, char *buf, size_t cap);

/**
 * hvs_time_parse() - parse an ISO 8601 time or date into ns since the epoch:
 * "2024-05-01", "2024-05-01T12:00", "2024-05-01 12:00:00.5", each optionally
 * followed by "Z" or "+HH:MM"/"-HH:MM" (no suffix = UTC), or "@SECONDS"
 * (since the epoch, as date(1) takes them).
 * Return: 0; -EINVAL not such a time (@ret untouched).
 */
HVS_API int hvs_time_parse(const char *s, int64_t *ret);

/**
 * struct hvs_report_opts - what the HTML report shows.
 * @sz:         sizeof(hvs_report_opts), set by HVS_OPTS()
 * @case_path:  shown as the case's file name (nullable)
 * @title:      page title (NULL = "hvscope report")
 * @now_ns:     "generated at" time (0 = now)
 * @max_rows:   rows shown per table before "N more" (0 = HVS_DEFAULT_REPORT_ROWS)
 */
typedef struct hvs_report_opts {
        size_t sz;
        const char *case_path;
        const char *title;
        int64_t now_ns;
        size_t max_rows;
} hvs_report_opts;

/**
 * hvs_report_write_db() - write the HTML report of the case database @db to
 * @f: one self-contained page (inline CSS, the timeline chart as inline SVG,
 * no script, no external resource; a Content-Security-Policy forbids both)
 * with the case summary, the VMs, the acquisitions with their hashes, for
 * each VM the process tree and the network connections of its latest
 * snapshot, the findings by severity, and the timeline. Every string from
 * the case is HTML-escaped.
 * @db:   an open case database (borrowed; only read)
 * @opts: options, NULL = defaults
 * @diag: nullable; a one-line reason on failure
 * Return: 0; -EINVAL bad @opts; -EBADMSG not a case or a query failed;
 * the -errno of a failed write (-ENOSPC, ...; -EIO when the stream gives
 * none); -ENOMEM. On failure @f may hold part of a page.
 */
HVS_API int hvs_report_write_db(struct sqlite3 *db, const hvs_report_opts *opts, hvs_diag *diag, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
