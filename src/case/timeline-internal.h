/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timeline-internal.h - helpers shared by timeline.c and report.c: reading
 * text out of a case safely, and the tables that map case rows to ECS.
 */
#ifndef HVS_CASE_TIMELINE_INTERNAL_H
#define HVS_CASE_TIMELINE_INTERNAL_H

#include <sqlite3.h>
#include <hvscope/timeline.h>

/*
 * A copy of @len bytes at @s as valid UTF-8: every byte that does not start a
 * well-formed sequence (overlong, surrogate, above U+10FFFF, truncated) and
 * every NUL becomes U+FFFD; the copy is cut at a character boundary so it
 * holds at most @max bytes. Return: owned string, or NULL (out of memory).
 */
char *tl_utf8_dup(const char *s, size_t len, size_t max);

/* Column @col of the current row of @st as a sanitised owned string (at most
 * HVS_MAX_TIMELINE_TEXT bytes); NULL for SQL NULL. Sets *@oom when out of
 * memory (and returns NULL). */
char *tl_col_text(sqlite3_stmt *st, int col, bool *oom);

/* Prepare @sql on @db; on failure record "cannot read the case: <sqlite
 * message>" in @diag. Return: 0; -EBADMSG; -ENOMEM. */
int tl_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, hvs_diag *diag);

/* The result of sqlite3_step() @rc as 1 (a row), 0 (done) or -EBADMSG with a
 * reason in @diag. */
int tl_step(sqlite3 *db, sqlite3_stmt *st, hvs_diag *diag);

/* Run @savepoint_sql ("SAVEPOINT x"), so every query until the matching
 * "RELEASE x" reads the same state of the case even while another process
 * writes to it (works inside or outside a transaction, and read-only).
 * Return: 0; -EBADMSG (the case is locked or unreadable) with a reason. */
int tl_exec(sqlite3 *db, const char *sql, hvs_diag *diag);

/* ECS event.severity of a finding severity ("info" 1 ... "critical" 5; 0 if unknown). */
int tl_severity_num(const char *sev);

#endif
