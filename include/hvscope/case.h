/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case.h - the evidence store: one SQLite file per investigation (a "case").
 *
 * A case holds the VMs seen, every acquisition (memory images, registers,
 * readings of the guest views), the snapshots of the guest views with their
 * artifacts in typed tables, events and findings, and the chain-of-custody
 * log. The schema is src/case/schema.sql (embedded in the program at build
 * time); docs/case.md describes it.
 *
 * Invariants:
 *   - Every write is one transaction (a snapshot from hvs_case_snapshot_begin()
 *     to hvs_case_snapshot_commit() is one), and every transaction that
 *     changes evidence appends exactly one row to the custody log, in the
 *     same transaction: a failure leaves the case as it was.
 *   - Statements are prepared; nothing from a guest or a user is ever
 *     pasted into SQL text.
 *   - Foreign keys are on; tables are STRICT; the file is one file
 *     (rollback journal, not WAL, so a case is a single file at rest).
 *
 * Chain of custody. Row n of table custody holds hash = SHA-256 (lowercase
 * hex) of the byte string
 *
 *     "hvscope-custody-v1\n" E(prev_hash) E(seq) E(ts_ns) E(actor) E(host)
 *     E(tool_version) E(action) E(args_json) E(result_sha256)
 *
 * where E(integer) = its decimal digits (with '-' if negative) then "\n",
 * E(text) = its length in bytes in decimal, ":", its UTF-8 bytes, then "\n",
 * and E(NULL) = "-\n". prev_hash is the hash of row n-1; row 1's is 64 '0'.
 * seq runs 1, 2, 3, ... with no gap. The same encoding E over fixed column
 * lists gives the hash of the rows an action created (docs/case.md,
 * "Row hashes"), recorded in the custody row's args_json "rows" list; a
 * snapshot's content_sha256 covers the snapshot row and every row that
 * belongs to it. docs/case.md shows how to re-verify all of it with the
 * sqlite3 shell and sha256sum.
 *
 * Thread-safety: a hvs_case handle is used by one thread at a time.
 */
#ifndef HVSCOPE_CASE_H
#define HVSCOPE_CASE_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;

typedef struct hvs_case hvs_case;

/* Flags of hvs_case_open(). */
#define HVS_CASE_CREATE   (1u << 0)  /* create the file if it does not exist */
#define HVS_CASE_READONLY (1u << 1)  /* open read-only (no migration, no writes) */

/* The case file used when none is given: $HVS_CASE, else this (docs/case.md). */
#define HVS_CASE_DEFAULT_PATH "hvscope-case.sqlite"

/* SQLite application_id of a case file ("HVSC"). */
#define HVS_CASE_APPLICATION_ID 0x48565343

/**
 * hvs_case_default_path() - the case path to use when the user gave none:
 * $HVS_CASE if set and not empty, else HVS_CASE_DEFAULT_PATH (relative to the
 * current directory). Static or environment storage; never NULL.
 */
HVS_API const char *hvs_case_default_path(void);

/**
 * hvs_case_open() - open (and with HVS_CASE_CREATE, create) the case @path.
 * @path:  the case file
 * @flags: HVS_CASE_CREATE, HVS_CASE_READONLY
 * @diag:  nullable; a one-line reason naming @path on failure
 * @ret:   the case (owned; hvs_case_close())
 *
 * A new case gets the whole schema and a first custody row ("create").
 * An older case opened writable is migrated (each missing "-- migrate N"
 * section of the schema in its own transaction). An existing file is never
 * re-created: an empty file is an error, not a new case.
 *
 * Return: 0; -ENOENT @path does not exist (and no HVS_CASE_CREATE);
 * -EBADMSG not an SQLite file, not a hvscope case, empty, or corrupt
 * (truncated); -EPROTONOSUPPORT the case was written by a newer hvscope
 * (schema version above this program's); -EROFS read-only open of a case
 * that needs a migration; -EACCES, -EBUSY (another writer), -EIO, -ENOMEM.
 */
HVS_API int hvs_case_open(const char *path, unsigned flags, hvs_diag *diag, hvs_case **ret);

/** hvs_case_close() - NULL-safe; rolls back an unfinished snapshot. Return: NULL. */
HVS_API hvs_case *hvs_case_close(hvs_case *c);

/**
 * hvs_case_db() - the case's SQLite handle, for readers with their own SQL
 * (timeline, report). Borrowed; valid until hvs_case_close(). Callers must
 * not write through it: writes would bypass the custody log (verify would
 * report the rows they add as not in the log).
 */
HVS_API struct sqlite3 *hvs_case_db(hvs_case *c);

/** hvs_case_path() - the path the case was opened with (borrowed). */
HVS_API const char *hvs_case_path(const hvs_case *c);

/** hvs_case_errmsg() - detail of the last failure on @c ("" if none). */
HVS_API const char *hvs_case_errmsg(const hvs_case *c);

/** hvs_case_schema_version() - the newest schema version this program knows. */
HVS_API int hvs_case_schema_version(void);

/**
 * hvs_case_set_command() - record the command line in every custody row
 * written from now on (args_json "argv"). @argv is copied; NULL clears.
 * Return: 0; -ENOMEM; -E2BIG more than HVS_MAX_CASE_ARGS_JSON bytes.
 */
HVS_API int hvs_case_set_command(hvs_case *c, int argc, char *const *argv);

/* ---- migrations (exposed for tests and for `hvscope case info`) ---------- */

/**
 * hvs_case_migrate_db() - bring the SQLite database @db to the last version
 * of @schema, a text of "-- migrate N" sections (N = 1, 2, 3, ... in order).
 * Each section above the database's PRAGMA user_version runs in its own
 * transaction that also sets user_version to N.
 * @ret_from: nullable; the version found
 *
 * Return: the version reached (>= 1); -EBADMSG @schema is malformed (sections
 * out of order); -EPROTONOSUPPORT the database's version is above @schema's
 * last; -EIO a section failed (the database keeps the last version that
 * applied); -ENOMEM. Detail in @diag.
 */
HVS_API int hvs_case_migrate_db(struct sqlite3 *db, const char *schema, hvs_diag *diag, int *ret_from);

/* ---- VMs and acquisitions ------------------------------------------------- */

/**
 * struct hvs_vm_record - a VM as seen now. All strings nullable.
 * A VM matches an existing row by host and @uuid, else by host, @name,
 * @qmp_path and @image (paths made absolute first): the match gets its
 * last_seen time, QEMU PID and kernel banner updated, otherwise a row is
 * added.
 * @seen_ns: when (0 = now)
 */
typedef struct hvs_vm_record {
        const char *name, *uuid, *qmp_path;
        int qemu_pid;                   /* 0 = unknown */
        const char *image;              /* a dump file, when that is the target */
        const char *kernel_banner;
        int64_t seen_ns;
} hvs_vm_record;

/**
 * hvs_case_add_vm() - record that a VM was seen (one transaction; a custody
 * row "vm" when a row is added).
 * @ret_id: nullable; the VM's row id
 * Return: 0; -EINVAL; -EIO, -ENOSPC, -ENOMEM (nothing changed).
 */
HVS_API int hvs_case_add_vm(hvs_case *c, const hvs_vm_record *r, int64_t *ret_id);

/**
 * struct hvs_acq_record - one acquisition, as hvs_case_add_acquisition() takes it.
 * @kind:        "memory" or "registers"
 * @mode:        "consistent", "live", ... (nullable)
 * @path:        the file written (nullable); stored as an absolute path
 * @size:        bytes written
 * @sha256:      lowercase hex SHA-256 of the file as written (nullable)
 * @compression: "none", "zstd" (nullable)
 * @smeared:     the image may be inconsistent (taken while the guest ran)
 * @downtime_ns: guest paused time, -1 unknown
 * @started_ns, @finished_ns: host times (ns since the epoch); a start <= 0
 *               is recorded as now, a finish <= 0 as unknown
 * @status:      "complete", "failed" or "partial"
 * @vm_name, @vm_uuid, @qmp_path, @qemu_pid: the VM (recorded as by
 *               hvs_case_add_vm(); all NULL/0 = no VM row)
 * @detail_json: one JSON value (nullable), stored as given
 */
typedef struct hvs_acq_record {
        const char *kind;
        const char *mode;
        const char *path;
        uint64_t size;
        const char *sha256;
        const char *compression;
        bool smeared;
        int64_t downtime_ns;
        int64_t started_ns, finished_ns;
        const char *status;
        const char *vm_name, *vm_uuid, *qmp_path;
        int qemu_pid;
        const char *detail_json;
} hvs_acq_record;

/**
 * hvs_case_add_acquisition() - record an acquisition, its VM and a custody
 * row "acquire" (result hash: @r->sha256), in one transaction. The tool
 * version, host and actor (user name and uid) are filled in here.
 * @ret_id: nullable; the acquisition's row id
 * Return: 0; -EINVAL a required field is missing or not allowed (@kind,
 * @status, @sha256 not 64 hex digits, @detail_json not JSON); -EIO, -ENOSPC,
 * -ENOMEM (nothing changed). Detail in hvs_case_errmsg().
 */
HVS_API int hvs_case_add_acquisition(hvs_case *c, const hvs_acq_record *r, int64_t *ret_id);

/* ---- snapshots of the guest views ------------------------------------------ */

/**
 * struct hvs_snapshot_record - where and when a snapshot was taken.
 * @vm:             the VM (its fields nullable; all NULL/0 = no VM row)
 * @taken_ns:       host time when reading started (0 = now)
 * @guest_time_ns:  guest wall clock then (0 = unknown)
 * @guest_boot_ns:  guest wall clock at boot (0 = unknown); also turns
 *                  process start times into wall-clock times
 * @paused:         the VM was paused while read
 * @source:         "live", "elfcore", "raw"
 * @kernel_release, @kernel_banner, @hostname, @label: nullable
 */
typedef struct hvs_snapshot_record {
        hvs_vm_record vm;
        int64_t taken_ns;
        int64_t guest_time_ns, guest_boot_ns;
        bool paused;
        const char *source;
        const char *kernel_release, *kernel_banner, *hostname, *label;
} hvs_snapshot_record;

/* A snapshot being written: one open transaction on its case. */
typedef struct hvs_case_snap hvs_case_snap;

/**
 * hvs_case_snapshot_begin() - start a snapshot: opens the transaction and
 * adds the VM, an acquisition row of kind "views" and the snapshot row.
 * Nothing is visible to other readers before hvs_case_snapshot_commit().
 * @ret: owned; ends with hvs_case_snapshot_commit() or _abort()
 * Return: 0; -EBUSY a snapshot is already open on @c; -EINVAL; -EIO, -ENOMEM.
 */
HVS_API int hvs_case_snapshot_begin(hvs_case *c, const hvs_snapshot_record *r, hvs_case_snap **ret);

/**
 * hvs_case_snap_add_tasks() / _modules() / _sockets() / _files() /
 * _mounts() - store one view's artifacts in the typed tables.
 * hvs_case_snap_add_maps() / _creds() - store one process's mappings or
 * credentials (@pid is the process's PID).
 * The lists are borrowed for the call. Strings from the guest are stored as
 * read: they may be invalid UTF-8, and readers must cope. A guest that shows
 * the same key twice (two processes with one PID) gets two rows.
 * A failure leaves the snapshot open but failed: it can only be aborted.
 * Return: 0; -EINVAL the snapshot failed earlier; -EIO, -ENOSPC, -ENOMEM.
 */
HVS_API int hvs_case_snap_add_tasks(hvs_case_snap *s, const hvs_task_list *l);
HVS_API int hvs_case_snap_add_modules(hvs_case_snap *s, const hvs_module_list *l);
HVS_API int hvs_case_snap_add_sockets(hvs_case_snap *s, const hvs_socket_list *l);
HVS_API int hvs_case_snap_add_files(hvs_case_snap *s, const hvs_files_list *l);
HVS_API int hvs_case_snap_add_mounts(hvs_case_snap *s, const hvs_mount_list *l);
HVS_API int hvs_case_snap_add_maps(hvs_case_snap *s, int32_t pid, const hvs_vma_list *l);
HVS_API int hvs_case_snap_add_creds(hvs_case_snap *s, int32_t pid, const hvs_creds *cr);

/**
 * hvs_case_snap_add_view_json() - store the JSON a view printed (the CLI's
 * --json of that view) under the name @view ("ps", "modules", ...).
 * @json: one JSON text (checked), at most HVS_MAX_CASE_VIEW_JSON bytes
 * Return: 0; -EINVAL not JSON or @view stored twice; -E2BIG; -EIO, -ENOMEM.
 */
HVS_API int hvs_case_snap_add_view_json(hvs_case_snap *s, const char *view, const char *json);

/** hvs_case_snap_id() - the row id the snapshot will have once committed. */
HVS_API int64_t hvs_case_snap_id(const hvs_case_snap *s);

/**
 * hvs_case_snapshot_commit() - finish the snapshot: computes its content
 * hash, appends the custody row "snapshot" and commits. @s is freed in every
 * case; on failure the transaction is rolled back (the case is unchanged).
 * @ret_id:     nullable; the snapshot's row id
 * @ret_sha256: nullable; 65 bytes: the content hash (hex, NUL-terminated)
 * Return: 0; -EINVAL @s failed earlier; -EIO, -ENOSPC, -ENOMEM.
 */
HVS_API int hvs_case_snapshot_commit(hvs_case_snap *s, int64_t *ret_id, char *ret_sha256);

/** hvs_case_snapshot_abort() - roll back and free (NULL-safe). Return: NULL. */
HVS_API hvs_case_snap *hvs_case_snapshot_abort(hvs_case_snap *s);

/* ---- events and findings ------------------------------------------------- */

/**
 * struct hvs_event_record - one normalized event (ECS-style names).
 * @vm_id, @snapshot_id: case row ids, 0 = none
 * @ts_ns:       host time; @guest_ts_ns guest time, 0 = unknown
 * @source:      "flight-recorder", "breakpoint", "kvm", "syscall", ...
 * @category:    ECS event.category; @action ECS event.action
 * @pid:         -1 = none; @comm nullable
 * @summary:     one line for people
 * @data_json:   one JSON value, nullable
 */
typedef struct hvs_event_record {
        int64_t vm_id, snapshot_id;
        int64_t ts_ns, guest_ts_ns;
        const char *source, *category, *action;
        int32_t pid;
        const char *comm;
        const char *summary;
        const char *data_json;
} hvs_event_record;

/**
 * struct hvs_finding_record - the result of one detection check.
 * @severity: "info", "low", "medium", "high" or "critical"
 * @attack_technique: MITRE ATT&CK id, nullable; @explanation nullable;
 * @evidence_json: one JSON value, nullable
 */
typedef struct hvs_finding_record {
        int64_t vm_id, snapshot_id;
        int64_t ts_ns;
        const char *check_id;
        const char *severity;
        const char *title;
        const char *explanation;
        const char *attack_technique;
        const char *evidence_json;
} hvs_finding_record;

/**
 * hvs_case_add_events() / hvs_case_add_findings() - store @n records in one
 * transaction with one custody row ("events" / "findings") whose rows hash
 * covers them all.
 * @ret_first_id: nullable; the first new row id (they are consecutive)
 * Return: 0; -EINVAL a required field missing, bad severity, bad JSON, a
 * vm or snapshot id that does not exist; -EIO, -ENOSPC, -ENOMEM (nothing
 * stored).
 */
HVS_API int hvs_case_add_events(hvs_case *c, const hvs_event_record *ev, size_t n, int64_t *ret_first_id);
HVS_API int hvs_case_add_findings(hvs_case *c, const hvs_finding_record *f, size_t n, int64_t *ret_first_id);

/**
 * hvs_case_log_action() - append one row to the custody log for an action
 * that adds no rows to the case but must be on record: a report written from
 * it, data imported into the same file by another module (vulnerability
 * records), an export. Same encoding and hash chaining as every other row
 * (see "Chain of custody" above), in a transaction of its own; the actor, host,
 * tool version and command line (hvs_case_set_command()) are the case's.
 * @action:        a name of 1..32 characters [a-z0-9_.-], not one the case
 *                 writes itself ("create", "migrate", "vm", "acquire",
 *                 "snapshot", "events", "findings", "verify")
 * @args_json:     nullable; a JSON object of what was done (paths, counts,
 *                 the hashes of inputs); at most HVS_MAX_CASE_ARGS_JSON bytes
 *                 with the command line; the keys "rows" and "argv" are the
 *                 case's own and refused
 * @result_sha256: nullable; 64 lowercase hex digits, the SHA-256 of what the
 *                 action produced (the report file)
 * @ret_seq:       nullable; the new row's seq
 * Return: 0; -EINVAL bad action, args or hash; -EBUSY a snapshot is being
 * written; -E2BIG arguments too long; -EROFS a read-only case; -EIO,
 * -ENOSPC, -ENOMEM (nothing changed).
 */
HVS_API int hvs_case_log_action(hvs_case *c, const char *action, const char *args_json, const char *result_sha256,
                                int64_t *ret_seq);

/* ---- reading ------------------------------------------------------------------ */

/**
 * struct hvs_case_vm - a row of table vms (strings borrowed: valid during
 * the callback only; NULL when not recorded).
 */
typedef struct hvs_case_vm {
        int64_t id;
        const char *host, *name, *uuid, *qmp, *image, *kernel_banner;
        int qemu_pid;
        int64_t first_seen_ns, last_seen_ns;
} hvs_case_vm;

/**
 * struct hvs_case_acq - a row of table acquisitions (strings borrowed, as
 * above). @downtime_ns, @finished_ns: -1 when not recorded.
 */
typedef struct hvs_case_acq {
        int64_t id, vm_id;
        const char *kind, *mode, *path, *sha256, *compression, *status;
        const char *tool_version, *host, *actor, *detail_json;
        uint64_t size;
        bool smeared;
        int64_t downtime_ns, started_ns, finished_ns;
} hvs_case_acq;

/**
 * struct hvs_case_snapshot - a row of table snapshots, with the number of
 * processes, modules and sockets stored for it (strings borrowed, as above).
 */
typedef struct hvs_case_snapshot {
        int64_t id, vm_id, acquisition_id;
        int64_t taken_ns, guest_time_ns, guest_boot_ns;
        bool paused;
        const char *source, *kernel_release, *hostname, *label, *content_sha256;
        int64_t n_processes, n_modules, n_sockets;
} hvs_case_snapshot;

/**
 * struct hvs_case_custody - a row of the custody log (strings borrowed, as
 * above; @result_sha256 nullable).
 */
typedef struct hvs_case_custody {
        int64_t seq, ts_ns;
        const char *actor, *host, *tool_version, *action, *args_json, *result_sha256;
        const char *prev_hash, *hash;
} hvs_case_custody;

/**
 * hvs_case_foreach_vm() / _acquisition() / _snapshot() / _custody() - call
 * @fn for each row, in id (seq) order. A non-zero return of @fn stops the
 * walk and is returned.
 * Return: 0; what @fn returned; -EBADMSG the case is corrupt; -EIO, -ENOMEM.
 */
HVS_API int hvs_case_foreach_vm(hvs_case *c, int (*fn)(void *ud, const hvs_case_vm *v), void *ud);
HVS_API int hvs_case_foreach_acquisition(hvs_case *c, int (*fn)(void *ud, const hvs_case_acq *a), void *ud);
HVS_API int hvs_case_foreach_snapshot(hvs_case *c, int (*fn)(void *ud, const hvs_case_snapshot *s), void *ud);
HVS_API int hvs_case_foreach_custody(hvs_case *c, int (*fn)(void *ud, const hvs_case_custody *r), void *ud);

/**
 * hvs_case_get_view_json() - the JSON a view printed in snapshot @snapshot_id.
 * @ret: owned copy (free()); NUL-terminated
 * Return: 0; -ENOENT no such snapshot or view; -EBADMSG; -ENOMEM.
 */
HVS_API int hvs_case_get_view_json(hvs_case *c, int64_t snapshot_id, const char *view, char **ret);

/* ---- verification ------------------------------------------------------------ */

/* What a problem found by hvs_case_verify() is about. */
enum hvs_case_problem_kind {
        HVS_CASE_PROBLEM_DATABASE = 1,  /* integrity or foreign-key check failed */
        HVS_CASE_PROBLEM_CUSTODY,       /* a custody row (its hash, link or seq) */
        HVS_CASE_PROBLEM_ROWS,          /* rows differ from the hash their custody row recorded */
        HVS_CASE_PROBLEM_UNLOGGED,      /* a row no custody row accounts for */
        HVS_CASE_PROBLEM_IMAGE,         /* an acquired file is missing or changed */
        HVS_CASE_PROBLEM_SNAPSHOT,      /* a snapshot's stored content hash is wrong */
};

/**
 * struct hvs_case_problem - one discrepancy.
 * @kind:     what it is about
 * @table:    the table ("custody", "acquisitions", ...)
 * @row:      the row's id (custody: seq); 0 = the table as a whole
 * @field:    the field or check ("hash", "prev_hash", "seq", "sha256",
 *            "size", "file", "content_sha256", "rows", "integrity", ...)
 * @expected, @found: the values (owned by the result; "" when not applicable)
 * @msg:      one line for people
 */
typedef struct hvs_case_problem {
        enum hvs_case_problem_kind kind;
        const char *table;
        int64_t row;
        const char *field;
        char *expected, *found;
        char *msg;
} hvs_case_problem;

/**
 * struct hvs_case_verify_result - what hvs_case_verify() checked and found.
 * @problems, @n_problems: every discrepancy, in the order found (custody
 *               chain, rows, coverage, snapshots, images); capped at
 *               HVS_MAX_CASE_PROBLEMS (@problems_truncated then)
 * @custody_rows: custody rows checked; @head_seq, @head_hash the last one
 * @images:      acquired files re-hashed; @image_bytes their total size
 * @snapshots:   snapshot content hashes recomputed
 * @row_sets:    rows hashes (one per table per custody row) recomputed
 */
typedef struct hvs_case_verify_result {
        hvs_case_problem *problems;
        size_t n_problems;
        bool problems_truncated;
        int64_t custody_rows;
        int64_t head_seq;
        char head_hash[65];
        int64_t images;
        uint64_t image_bytes;
        int64_t snapshots;
        int64_t row_sets;
} hvs_case_verify_result;

/**
 * hvs_case_verify() - check the whole case: the database's integrity and
 * foreign keys; the custody chain (each hash, each link, seq without gaps,
 * the head recorded in meta); every rows hash a custody row recorded; that
 * every row of vms, acquisitions, snapshots, events and findings is
 * accounted for by a custody row; every snapshot's content hash; and every
 * acquired file (exists, size, SHA-256). Works on a read-only case.
 * @ret: owned; hvs_case_verify_result_free()
 *
 * Discrepancies are results, not errors.
 * Return: 0 (see @ret->n_problems); -ENOMEM; -EIO the case could not be read
 * at all (detail in hvs_case_errmsg()).
 */
HVS_API int hvs_case_verify(hvs_case *c, hvs_case_verify_result **ret);

/** hvs_case_verify_result_free() - NULL-safe. Return: NULL. */
HVS_API hvs_case_verify_result *hvs_case_verify_result_free(hvs_case_verify_result *r);

/**
 * hvs_case_log_verify() - append a custody row "verify" recording the
 * outcome of @r (args: problem count, head seq). One transaction.
 * Return: 0; -EROFS read-only case; -EIO, -ENOMEM.
 */
HVS_API int hvs_case_log_verify(hvs_case *c, const hvs_case_verify_result *r);

/* ---- diff of two snapshots --------------------------------------------------- */

enum hvs_diff_what { HVS_DIFF_PROCESS = 1, HVS_DIFF_MODULE, HVS_DIFF_SOCKET };
enum hvs_diff_change { HVS_DIFF_ADDED = 1, HVS_DIFF_REMOVED, HVS_DIFF_CHANGED };

/** struct hvs_diff_field - one field that differs (values as text; NULL = not recorded). */
typedef struct hvs_diff_field {
        const char *name;
        char *a, *b;
} hvs_diff_field;

/**
 * struct hvs_diff_item - one object that appeared, disappeared or changed.
 * @what, @change: which kind of object, and how
 * @key:     the identity, as text: processes "PID START_NS" (start: guest
 *           wall clock, or boot-relative when unknown), modules the name,
 *           sockets "PROTO LOCAL REMOTE [PATH] inode INODE"
 * @label:   for people: the process's comm and command line, the module's
 *           name, the socket's endpoints and state
 * @fields:  for HVS_DIFF_CHANGED, the fields that differ
 * @pid:     processes: the PID (else 0)
 */
typedef struct hvs_diff_item {
        enum hvs_diff_what what;
        enum hvs_diff_change change;
        char *key;
        char *label;
        hvs_diff_field *fields;
        size_t n_fields;
        int32_t pid;
} hvs_diff_item;

/** struct hvs_diff - the differences from snapshot @a to snapshot @b, processes first. */
typedef struct hvs_diff {
        int64_t a, b;
        hvs_diff_item *items;
        size_t n;
} hvs_diff;

/**
 * hvs_case_diff() - what appeared, disappeared or changed from snapshot @a
 * to snapshot @b: processes (keyed by PID and start time), modules (by
 * name), sockets (by protocol, endpoints and inode). Items are ordered by
 * kind, then key.
 * @ret: owned; hvs_diff_free()
 * Return: 0; -ENOENT a snapshot does not exist; -EBADMSG; -ENOMEM.
 */
HVS_API int hvs_case_diff(hvs_case *c, int64_t a, int64_t b, hvs_diff **ret);

/** hvs_diff_free() - NULL-safe. Return: NULL. */
HVS_API hvs_diff *hvs_diff_free(hvs_diff *d);

/** hvs_diff_what_name() / hvs_diff_change_name() - "process", "added", ... (static). */
HVS_API const char *hvs_diff_what_name(enum hvs_diff_what w);
HVS_API const char *hvs_diff_change_name(enum hvs_diff_change ch);

#ifdef __cplusplus
}
#endif
#endif
