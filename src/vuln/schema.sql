-- SPDX-License-Identifier: LGPL-2.1-or-later
-- The vulnerability database: NVD records, import log, sync progress.
--
-- This file is the only definition of the schema. It is a sequence of
-- migrations: the section after "-- migrate N" turns a version N-1 database
-- into a version N one. hvscope applies, in one transaction each, every
-- section above the version stored in vuln_meta('schema_version') (not
-- PRAGMA user_version: these tables may live inside a case file, whose own
-- schema owns user_version). Never edit a released section; add a new one.
--
-- Every table is named vuln_* so it cannot collide with a case's tables.
-- Times are INTEGER nanoseconds since the Unix epoch, UTC. NVD dates are
-- TEXT "YYYY-MM-DDTHH:MM:SS.mmm" (UTC), which sort as text.

-- migrate 1
CREATE TABLE IF NOT EXISTS vuln_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
) STRICT;

-- One row per CVE, keyed by its id: re-imports update, never duplicate.
CREATE TABLE vuln_cve (
        id TEXT PRIMARY KEY,                    -- CVE-YYYY-NNNN
        source_identifier TEXT NOT NULL,        -- the assigner, or ''
        published TEXT NOT NULL,                -- '' when the source gives none
        last_modified TEXT NOT NULL,            -- '' when the source gives none
        status TEXT NOT NULL,                   -- NVD vulnStatus, or ''
        description TEXT NOT NULL,              -- English
        cvss_v2 TEXT NOT NULL,                  -- vector, or ''
        cvss_v3 TEXT NOT NULL,                  -- vector, or ''
        score_v2 REAL,                          -- NULL when absent
        score_v3 REAL,
        content_hash TEXT NOT NULL,             -- of every field above and the lists below
        origin TEXT NOT NULL,                   -- file or URL of the copy stored
        import_id INTEGER REFERENCES vuln_import(id),
        first_seen_ns INTEGER NOT NULL,
        updated_ns INTEGER NOT NULL
) STRICT;

CREATE TABLE vuln_cwe (
        cve_id TEXT NOT NULL REFERENCES vuln_cve(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        cwe TEXT NOT NULL,
        PRIMARY KEY (cve_id, seq)
) STRICT;

CREATE TABLE vuln_cpe (
        cve_id TEXT NOT NULL REFERENCES vuln_cve(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        criteria TEXT NOT NULL,
        vulnerable INTEGER NOT NULL CHECK (vulnerable IN (0, 1)),
        PRIMARY KEY (cve_id, seq)
) STRICT;

-- Every import and every sync page: where from, what it did.
CREATE TABLE vuln_import (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL,
        format TEXT NOT NULL,                   -- 'api2', 'feed11'
        gzip INTEGER NOT NULL CHECK (gzip IN (0, 1)),
        feed_timestamp TEXT NOT NULL,
        items INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        unchanged INTEGER NOT NULL,
        older INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        time_ns INTEGER NOT NULL,
        tool_version TEXT NOT NULL
) STRICT;

CREATE INDEX vuln_cve_published ON vuln_cve(published);
