-- SPDX-License-Identifier: LGPL-2.1-or-later
-- The hvscope case database: one SQLite file per investigation.
--
-- This file is the only definition of the schema. It is a sequence of
-- migrations: the section after "-- migrate N" turns a version N-1 case into
-- a version N case. hvscope applies, in one transaction each, every section
-- above the file's PRAGMA user_version, then sets user_version to N. Never
-- edit a released section; add a new one.
--
-- Conventions: STRICT tables; times are INTEGER nanoseconds since the Unix
-- epoch, UTC (host clock unless the column says guest); guest addresses are
-- INTEGER (two's complement of the 64-bit address: read them back as
-- uint64_t); hashes are lowercase hex SHA-256; *_json columns hold one JSON
-- value. Text read from a guest is stored as read: it may be invalid UTF-8.
--
-- Artifact tables have a row id and a non-unique index on their natural key:
-- a hostile guest can show two processes with one PID, and that is evidence
-- to keep, not a constraint violation that loses the snapshot.
-- docs/case.md describes the tables, the custody hash and the row hashes.

-- migrate 1
CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
) STRICT;

-- A VM the case has seen (one row per VM, matched by host + uuid, else host + name + qmp).
CREATE TABLE vms (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,              -- hypervisor host name
        name TEXT,                       -- QEMU -name, if any
        uuid TEXT,                       -- QEMU -uuid / query-uuid, if any
        qmp TEXT,                        -- QMP socket path used
        qemu_pid INTEGER,
        image TEXT,                      -- for a dump: its path
        kernel_banner TEXT,
        first_seen_ns INTEGER NOT NULL,
        last_seen_ns INTEGER NOT NULL
) STRICT;

-- Every acquisition: a memory image, a register set, or the views of a snapshot.
CREATE TABLE acquisitions (
        id INTEGER PRIMARY KEY,
        vm_id INTEGER REFERENCES vms(id),
        kind TEXT NOT NULL CHECK (kind IN ('memory', 'registers', 'views')),
        mode TEXT,                       -- 'consistent', 'live', 'paused', 'running', ...
        path TEXT,                       -- absolute path of the stored file, if any
        size INTEGER,                    -- bytes written
        sha256 TEXT,                     -- of the file as written (compressed if compressed)
        compression TEXT,                -- 'none', 'zstd'
        smeared INTEGER NOT NULL DEFAULT 0 CHECK (smeared IN (0, 1)),
        downtime_ns INTEGER,             -- guest paused time, if it was paused
        started_ns INTEGER NOT NULL,
        finished_ns INTEGER,
        tool_version TEXT NOT NULL,      -- hvscope version
        host TEXT NOT NULL,
        actor TEXT NOT NULL,             -- user name (uid)
        status TEXT NOT NULL CHECK (status IN ('complete', 'failed', 'partial')),
        detail_json TEXT                 -- anything else (vCPU count, ranges, error)
) STRICT;

-- One reading of the guest views at one moment.
CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        vm_id INTEGER REFERENCES vms(id),
        acquisition_id INTEGER REFERENCES acquisitions(id),
        taken_ns INTEGER NOT NULL,       -- host time when the reading started
        guest_time_ns INTEGER,           -- guest wall clock then, if known
        guest_boot_ns INTEGER,           -- guest wall clock at boot, if known
        paused INTEGER NOT NULL CHECK (paused IN (0, 1)),
        source TEXT NOT NULL,            -- 'live', 'elfcore', 'raw'
        kernel_release TEXT,
        kernel_banner TEXT,
        hostname TEXT,
        label TEXT,
        content_sha256 TEXT              -- of the canonical JSON of every view stored
) STRICT;

-- Raw JSON of each view as the CLI's --json prints it, for fidelity and reports.
CREATE TABLE view_json (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        view TEXT NOT NULL,              -- 'ps', 'modules', 'net', ...
        json TEXT NOT NULL,
        PRIMARY KEY (snapshot_id, view)
) STRICT;

CREATE TABLE processes (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        pid INTEGER NOT NULL,
        tgid INTEGER,
        ppid INTEGER,
        uid INTEGER, gid INTEGER, euid INTEGER, egid INTEGER,
        state TEXT,
        kthread INTEGER NOT NULL DEFAULT 0,
        comm TEXT NOT NULL,
        cmdline TEXT,
        start_ns INTEGER,                -- guest wall clock of the process start
        threads INTEGER,
        task_addr INTEGER NOT NULL,
        mm_addr INTEGER,
        start_boot_ns INTEGER,           -- process start, ns since guest boot (as ps); the diff key
        partial TEXT                     -- what could not be read ('cmdline,cred'), NULL = all read
) STRICT;
CREATE INDEX processes_key ON processes(snapshot_id, pid);

CREATE TABLE modules (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        name TEXT NOT NULL,
        base INTEGER,
        size INTEGER,
        state TEXT,
        taints TEXT,
        refcount INTEGER,
        params_json TEXT,
        module_addr INTEGER NOT NULL
) STRICT;
CREATE INDEX modules_key ON modules(snapshot_id, name);

CREATE TABLE sockets (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        proto TEXT NOT NULL,             -- 'tcp', 'udp', 'unix', ...
        family TEXT NOT NULL,            -- 'inet', 'inet6', 'unix'
        state TEXT,
        local_addr TEXT, local_port INTEGER,
        remote_addr TEXT, remote_port INTEGER,
        path TEXT,                       -- unix sockets
        inode INTEGER,
        owners_json TEXT,                -- [{"pid":..,"comm":..,"fd":..}]
        sock_addr INTEGER NOT NULL
) STRICT;
CREATE INDEX sockets_key ON sockets(snapshot_id, proto, inode);

CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        pid INTEGER NOT NULL,
        fd INTEGER NOT NULL,
        type TEXT,
        path TEXT,
        flags INTEGER,
        pos INTEGER,
        deleted INTEGER NOT NULL DEFAULT 0,
        inode INTEGER,
        file_addr INTEGER NOT NULL
) STRICT;
CREATE INDEX files_key ON files(snapshot_id, pid, fd);

CREATE TABLE mappings (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        pid INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        perms TEXT,
        pgoff INTEGER,
        inode INTEGER,
        kind TEXT,                       -- 'file', 'anon', 'heap', 'stack', 'vdso', ...
        path TEXT,
        vma_addr INTEGER NOT NULL
) STRICT;
CREATE INDEX mappings_key ON mappings(snapshot_id, pid, start);

CREATE TABLE credentials (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        pid INTEGER NOT NULL,
        uid INTEGER, euid INTEGER, suid INTEGER, fsuid INTEGER,
        gid INTEGER, egid INTEGER, sgid INTEGER, fsgid INTEGER,
        groups_json TEXT,
        cap_inheritable INTEGER, cap_permitted INTEGER, cap_effective INTEGER,
        cap_bset INTEGER, cap_ambient INTEGER,
        ns_json TEXT,                    -- {"pid":4026531836,...}
        cgroup TEXT,
        cred_addr INTEGER NOT NULL
) STRICT;
CREATE INDEX credentials_key ON credentials(snapshot_id, pid);

CREATE TABLE mounts (
        id INTEGER PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        mount_id INTEGER NOT NULL,
        parent_id INTEGER,
        device TEXT,
        path TEXT,
        fstype TEXT,
        readonly INTEGER NOT NULL DEFAULT 0,
        mount_addr INTEGER NOT NULL
) STRICT;
CREATE INDEX mounts_key ON mounts(snapshot_id, mount_id);

-- Normalized events (watch, and any collector with a time).
CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        vm_id INTEGER REFERENCES vms(id),
        snapshot_id INTEGER REFERENCES snapshots(id),
        ts_ns INTEGER NOT NULL,          -- host time
        guest_ts_ns INTEGER,
        source TEXT NOT NULL,            -- 'flight-recorder', 'breakpoint', 'kvm', 'syscall', ...
        category TEXT NOT NULL,          -- ECS event.category: 'process', 'network', ...
        action TEXT NOT NULL,            -- ECS event.action: 'process-started', ...
        pid INTEGER,
        comm TEXT,
        summary TEXT NOT NULL,
        data_json TEXT
) STRICT;
CREATE INDEX events_ts ON events(ts_ns);

-- Findings of detection checks.
CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        vm_id INTEGER REFERENCES vms(id),
        snapshot_id INTEGER REFERENCES snapshots(id),
        ts_ns INTEGER NOT NULL,
        check_id TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
        title TEXT NOT NULL,
        explanation TEXT,
        attack_technique TEXT,           -- MITRE ATT&CK id, e.g. 'T1014'
        evidence_json TEXT
) STRICT;

-- Chain of custody: append-only and hash-chained. hash = SHA-256 of
-- prev_hash and the row's other fields in a fixed canonical form (see
-- include/hvscope/case.h and docs/case.md). The first row's prev_hash is 64
-- zeros. The triggers stop mistakes, not attackers (who can drop them):
-- `hvscope case verify` is what detects a change.
CREATE TABLE custody (
        seq INTEGER PRIMARY KEY,
        ts_ns INTEGER NOT NULL,
        actor TEXT NOT NULL,
        host TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        action TEXT NOT NULL,
        args_json TEXT NOT NULL,
        result_sha256 TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
) STRICT;
CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
