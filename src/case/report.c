/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report.c - the HTML report of a case (hvs_report_write_db()).
 *
 * One self-contained page: inline CSS, the timeline chart as inline SVG, no
 * script and no external resource, and a Content-Security-Policy that
 * forbids both, so even a mistake in escaping could not run anything.
 *
 * Everything read from the case goes out through html() (text and attribute
 * values: & < > " ' and control bytes escaped); out() is only ever given
 * numbers and this file's own literals. Guest-controlled counts are bounded:
 * tables stop at max_rows, the process tree is walked with an explicit stack
 * and a visited mark (parent links from the guest may form cycles).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>
#include <json-c/json.h>
#include "util/util.h"
#include "timeline-internal.h"

/* Indentation levels drawn in the process tree; deeper levels draw at this depth. */
#define TREE_MAX_INDENT 32
/* Columns (time bins) of the timeline chart. */
#define CHART_BINS 160

struct rep {
        sqlite3 *db;
        FILE *f;
        hvs_diag *diag;
        hvs_report_opts o;
        bool oom;
        int werr;       /* errno of the first failed write, 0 = none */
};

static void finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(finalizep)

/* sqlite3_int64 is long long: an int64_t for PRId64. */
static int64_t col64(sqlite3_stmt *st, int c) {
        return (int64_t)sqlite3_column_int64(st, c);
}

/* Keeps the errno of the first failed write (later calls, SQLite's among
 * them, may change errno before the end). */
static void note_err(struct rep *r) {
        if (!r->werr && ferror(r->f))
                r->werr = errno ? errno : EIO;
}

static void out(struct rep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct rep *r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(r->f, fmt, ap);
        va_end(ap);
        note_err(r);
}

/* @s (UTF-8 from the case or the guest) as HTML text or attribute value. */
static void html(struct rep *r, const char *s) {
        if (!s)
                return;
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                switch (c) {
                case '&': fputs("&amp;", r->f); break;
                case '<': fputs("&lt;", r->f); break;
                case '>': fputs("&gt;", r->f); break;
                case '"': fputs("&quot;", r->f); break;
                case '\'': fputs("&#39;", r->f); break;
                default:
                        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                                fprintf(r->f, "\\x%02x", c);
                        else
                                fputc(c, r->f);
                }
        }
        note_err(r);
}

static void html_or(struct rep *r, const char *s, const char *dflt) {
        html(r, s && *s ? s : dflt);
}

/* "2024-05-01 12:00:00.123" (UTC; the column headers say so), for tables. */
static char *short_time(int64_t ns, char *buf, size_t cap) {
        char t[40];
        hvs_time_format(ns, t, sizeof t);
        snprintf(buf, cap, "%.10s %.12s", t, t + 11);
        return buf;
}

static void time_cell(struct rep *r, int64_t ns) {
        char t[40];
        if (!ns) {
                out(r, "<td class=dim>-</td>");
                return;
        }
        out(r, "<td class=t>%s</td>", short_time(ns, t, sizeof t));
}

static void bytes_text(char *buf, size_t cap, int64_t n) {
        if (n < 0)
                snprintf(buf, cap, "-");
        else if (n >= 1 << 30)
                snprintf(buf, cap, "%.2f GiB", (double)n / (1 << 30));
        else if (n >= 1 << 20)
                snprintf(buf, cap, "%.1f MiB", (double)n / (1 << 20));
        else if (n >= 1 << 10)
                snprintf(buf, cap, "%.1f KiB", (double)n / (1 << 10));
        else
                snprintf(buf, cap, "%" PRId64 " B", n);
}

static const char CSS[] =
        ":root{--fg:#1d2430;--dim:#667085;--line:#d9dee7;--bg:#fff;--alt:#f6f8fb;--accent:#2457a6}"
        "*{box-sizing:border-box}"
        "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif;color:var(--fg);"
        "background:var(--bg)}"
        "header{background:#16243b;color:#fff;padding:18px 28px}"
        "header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d3e3}"
        "nav{padding:8px 28px;border-bottom:1px solid var(--line);background:var(--alt)}"
        "nav a{margin-right:16px;color:var(--accent);text-decoration:none}"
        "main{padding:8px 28px 40px;max-width:1500px}"
        "h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}"
        "h3{font-size:15px;margin:18px 0 6px}"
        "table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:13px}"
        "th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}"
        "th{background:#eef2f8;font-weight:600;white-space:nowrap}"
        "tbody tr:nth-child(even){background:var(--alt)}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
        "td.t,td.nw{white-space:nowrap;font-variant-numeric:tabular-nums}"
        ".mono,td.cmd{font-family:'DejaVu Sans Mono',ui-monospace,monospace;font-size:12px}"
        "td.cmd{word-break:break-all}"
        ".hash{font-family:'DejaVu Sans Mono',ui-monospace,monospace;font-size:11.5px;word-break:break-all}"
        ".dim{color:var(--dim)}.kt{color:var(--dim)}"
        ".empty{padding:10px 14px;background:var(--alt);border:1px dashed var(--line);color:var(--dim)}"
        ".sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}"
        ".sev-critical{background:#7a0b1f}.sev-high{background:#c0392b}.sev-medium{background:#d97706}"
        ".sev-low{background:#2f6fb0}.sev-info{background:#667085}"
        ".ok{color:#1c7c3c;font-weight:600}.bad{color:#b42318;font-weight:600}"
        "dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:6px 0}"
        "dl.kv dt{color:var(--dim)}dl.kv dd{margin:0}"
        ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}"
        ".card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px;background:var(--alt)}"
        ".card b{display:block;font-size:20px}.card span{color:var(--dim);font-size:12px}"
        "svg.chart{width:100%;height:auto;border:1px solid var(--line);background:#fff}"
        "svg text{font:11px 'DejaVu Sans',sans-serif;fill:#1d2430}"
        ".legend span{display:inline-block;margin-right:14px;font-size:12px}"
        ".legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}"
        "details{margin:6px 0}summary{cursor:pointer;color:var(--accent)}"
        "pre{white-space:pre-wrap;word-break:break-all;margin:0;font-size:12px}"
        "@media print{nav{display:none}header{background:none;color:#000}}";

static int begin(struct rep *r, const char *title, int64_t now) {
        char t[40];
        out(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"hvscope %s\">\n<title>",
            HVS_VERSION_STRING);
        html(r, title);
        out(r, "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>", CSS);
        html(r, title);
        out(r, "</h1><p>case <span class=mono>");
        html_or(r, r->o.case_path, "(unnamed)");
        out(r, "</span> &middot; generated %s by hvscope %s</p></header>\n", hvs_time_format(now, t, sizeof t),
            HVS_VERSION_STRING);
        out(r, "<nav><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a><a href=\"#vms\">VMs</a>"
               "<a href=\"#acquisitions\">Acquisitions</a><a href=\"#timeline\">Timeline</a>"
               "<a href=\"#guests\">Processes &amp; network</a><a href=\"#custody\">Custody</a></nav>\n<main>\n");
        return 0;
}

static int64_t count(struct rep *r, const char *sql, int *err) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int k = tl_prepare(r->db, sql, &st, r->diag);
        if (k < 0) {
                *err = k;
                return 0;
        }
        k = tl_step(r->db, st, r->diag);
        if (k < 0) {
                *err = k;
                return 0;
        }
        return k ? col64(st, 0) : 0;
}

static int summary(struct rep *r, const hvs_timeline *tl) {
        int err = 0;
        static const struct {
                const char *label, *sql;
        } counts[] = {
                { "VMs", "SELECT COUNT(*) FROM vms" },
                { "acquisitions", "SELECT COUNT(*) FROM acquisitions" },
                { "snapshots", "SELECT COUNT(*) FROM snapshots" },
                { "processes (all snapshots)", "SELECT COUNT(*) FROM processes" },
                { "sockets (all snapshots)", "SELECT COUNT(*) FROM sockets" },
                { "events", "SELECT COUNT(*) FROM events" },
                { "findings", "SELECT COUNT(*) FROM findings" },
                { "custody log entries", "SELECT COUNT(*) FROM custody" },
        };
        out(r, "<section id=\"summary\"><h2>Case summary</h2>\n<div class=cards>");
        for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
                int64_t n = count(r, counts[i].sql, &err);
                if (err)
                        return err;
                out(r, "<div class=card><b>%" PRId64 "</b><span>%s</span></div>", n, counts[i].label);
        }
        out(r, "<div class=card><b>%zu</b><span>timeline entries</span></div></div>\n", tl->n);

        out(r, "<dl class=kv>");
        out(r, "<dt>case file</dt><dd class=mono>");
        html_or(r, r->o.case_path, "(unnamed)");
        out(r, "</dd>");
        if (tl->n) {
                char a[40], b[40];
                out(r, "<dt>timeline</dt><dd>%s &ndash; %s</dd>", hvs_time_format(tl->entries[0].ts_ns, a, sizeof a),
                    hvs_time_format(tl->entries[tl->n - 1].ts_ns, b, sizeof b));
        }
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int k = tl_prepare(r->db, "SELECT key, value FROM meta ORDER BY key", &st, r->diag);
        if (k < 0)
                return k;
        while ((k = tl_step(r->db, st, r->diag)) > 0) {
                _cleanup_free_ char *key = tl_col_text(st, 0, &r->oom), *val = tl_col_text(st, 1, &r->oom);
                out(r, "<dt>");
                html(r, key);
                out(r, "</dt><dd>");
                html(r, val);
                out(r, "</dd>");
        }
        out(r, "</dl></section>\n");
        return k < 0 ? k : 0;
}

static const char *sev_class(const char *s) {
        return tl_severity_num(s) ? s : "info";
}

/*
 * A section that is one table of a query's rows: the title, the header row
 * on the first row, one row per result row by @row, then the text for no
 * row or the count of rows past max_rows.
 */
struct table {
        const char *id, *title;
        const char *intro;      /* HTML after the title, or NULL */
        const char *sql;
        const char *head;       /* the <th> cells */
        const char *empty;      /* the text when there is no row */
        const char *more;       /* "N more MORE not shown" past max_rows; NULL: every row */
        void (*row)(struct rep *r, sqlite3_stmt *st);
};

static int table_section(struct rep *r, const struct table *t) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int k = tl_prepare(r->db, t->sql, &st, r->diag);
        if (k < 0)
                return k;
        out(r, "<section id=\"%s\"><h2>%s</h2>\n%s", t->id, t->title, t->intro ? t->intro : "");
        size_t n = 0, more = 0;
        while ((k = tl_step(r->db, st, r->diag)) > 0) {
                if (t->more && n >= r->o.max_rows) {
                        more++;
                        continue;
                }
                if (!n++)
                        out(r, "<table><thead><tr>%s</tr></thead><tbody>\n", t->head);
                t->row(r, st);
        }
        if (k < 0)
                return k;
        if (n)
                out(r, "</tbody></table>\n");
        else
                out(r, "<p class=empty>%s</p>\n", t->empty);
        if (more)
                out(r, "<p class=dim>%zu more %s not shown.</p>\n", more, t->more);
        out(r, "</section>\n");
        return 0;
}

static void finding_row(struct rep *r, sqlite3_stmt *st) {
        _cleanup_free_ char *check = tl_col_text(st, 1, &r->oom), *sev = tl_col_text(st, 2, &r->oom),
                            *title = tl_col_text(st, 3, &r->oom), *expl = tl_col_text(st, 4, &r->oom),
                            *tech = tl_col_text(st, 5, &r->oom), *ev = tl_col_text(st, 6, &r->oom),
                            *vm = tl_col_text(st, 7, &r->oom);
        out(r, "<tr><td><span class=\"sev sev-%s\">", sev_class(sev));
        html_or(r, sev, "?");
        out(r, "</span></td><td class=mono>");
        html(r, check);
        out(r, "</td><td><b>");
        html(r, title);
        out(r, "</b>");
        if (expl && *expl) {
                out(r, "<br>");
                html(r, expl);
        }
        if (ev && *ev) {
                out(r, "<details><summary>evidence</summary><pre>");
                html(r, ev);
                out(r, "</pre></details>");
        }
        out(r, "</td><td class=mono>");
        html(r, tech);
        out(r, "</td><td>");
        html(r, vm);
        out(r, "</td><td class=n>%" PRId64 "</td>", col64(st, 8));
        time_cell(r, col64(st, 0));
        out(r, "</tr>\n");
}

static int findings(struct rep *r) {
        static const struct table t = {
                .id = "findings",
                .title = "Findings",
                .sql = "SELECT f.ts_ns, f.check_id, f.severity, f.title, f.explanation, f.attack_technique,"
                        " f.evidence_json, v.name, f.snapshot_id FROM findings f LEFT JOIN vms v ON v.id = f.vm_id"
                        " ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2"
                        " WHEN 'low' THEN 3 ELSE 4 END, f.ts_ns, f.id",
                .head = "<th>severity</th><th>check</th><th>finding</th><th>ATT&amp;CK</th><th>VM</th><th>snapshot</th>"
                        "<th>time (UTC)</th>",
                .empty = "No findings: no detection check reported anything in this case.",
                .more = "findings",
                .row = finding_row,
        };
        return table_section(r, &t);
}

static void vm_row(struct rep *r, sqlite3_stmt *st) {
        _cleanup_free_ char *name = tl_col_text(st, 1, &r->oom), *uuid = tl_col_text(st, 2, &r->oom),
                            *host = tl_col_text(st, 3, &r->oom), *qmp = tl_col_text(st, 4, &r->oom),
                            *image = tl_col_text(st, 6, &r->oom), *banner = tl_col_text(st, 7, &r->oom),
                            *hn = tl_col_text(st, 11, &r->oom), *rel = tl_col_text(st, 12, &r->oom);
        out(r, "<tr><td class=n>%" PRId64 "</td><td class=nw>", col64(st, 0));
        html(r, name);
        out(r, "</td><td>");
        html(r, hn);
        out(r, "</td><td class=mono>");
        html(r, uuid);
        out(r, "</td><td>");
        html(r, host);
        out(r, "</td><td class=mono>");
        html(r, qmp ? qmp : image);
        out(r, "</td><td class=n>");
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
                out(r, "%" PRId64, col64(st, 5));
        /* The release; the (long) banner folded under it. */
        out(r, "</td><td class=mono>");
        html_or(r, rel, banner && !rel ? "" : "-");
        if (banner) {
                out(r, "<details><summary>banner</summary>");
                html(r, banner);
                out(r, "</details>");
        }
        out(r, "</td>");
        time_cell(r, col64(st, 8));
        time_cell(r, col64(st, 9));
        out(r, "<td class=n>%" PRId64 "</td></tr>\n", col64(st, 10));
}

static int vms(struct rep *r) {
        static const struct table t = {
                .id = "vms",
                .title = "Virtual machines",
                .sql = "SELECT v.id, v.name, v.uuid, v.host, v.qmp, v.qemu_pid, v.image, v.kernel_banner,"
                        " v.first_seen_ns, v.last_seen_ns,"
                        " (SELECT COUNT(*) FROM snapshots s WHERE s.vm_id = v.id),"
                        " (SELECT s.hostname FROM snapshots s WHERE s.vm_id = v.id AND s.hostname IS NOT NULL"
                        "  ORDER BY s.taken_ns DESC LIMIT 1),"
                        " (SELECT s.kernel_release FROM snapshots s WHERE s.vm_id = v.id"
                        "  AND s.kernel_release IS NOT NULL ORDER BY s.taken_ns DESC LIMIT 1)"
                        " FROM vms v ORDER BY v.id",
                .head = "<th>id</th><th>name</th><th>guest host name</th><th>UUID</th><th>hypervisor host</th>"
                        "<th>source</th><th>QEMU pid</th><th>kernel</th><th>first seen (UTC)</th>"
                        "<th>last seen (UTC)</th><th>snapshots</th>",
                .empty = "No VM recorded in this case yet.",
                .row = vm_row,
        };
        return table_section(r, &t);
}

static void acquisition_row(struct rep *r, sqlite3_stmt *st) {
        _cleanup_free_ char *vm = tl_col_text(st, 1, &r->oom), *kind = tl_col_text(st, 2, &r->oom),
                            *mode = tl_col_text(st, 3, &r->oom), *status = tl_col_text(st, 4, &r->oom),
                            *comp = tl_col_text(st, 9, &r->oom), *path = tl_col_text(st, 11, &r->oom),
                            *sha = tl_col_text(st, 12, &r->oom), *actor = tl_col_text(st, 13, &r->oom),
                            *host = tl_col_text(st, 14, &r->oom), *ver = tl_col_text(st, 15, &r->oom);
        int64_t started = col64(st, 5);
        bool finished = sqlite3_column_type(st, 6) != SQLITE_NULL;
        out(r, "<tr><td class=n>%" PRId64 "</td><td class=nw>", col64(st, 0));
        html(r, vm);
        out(r, "</td><td>");
        html(r, kind);
        out(r, "</td><td>");
        html(r, mode);
        if (col64(st, 10))
                out(r, " <span class=bad>(possibly smeared)</span>");
        out(r, "</td><td class=\"%s\">", status && !strcmp(status, "complete") ? "ok" : "bad");
        html(r, status);
        out(r, "</td>");
        time_cell(r, started);
        if (finished)
                out(r, "<td class=n>%.3f s</td>", ((double)col64(st, 6) - (double)started) / 1e9);
        else
                out(r, "<td class=dim>-</td>");
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
                out(r, "<td class=n>%.1f ms</td>", (double)col64(st, 7) / 1e6);
        else
                out(r, "<td class=dim>-</td>");
        char sz[32];
        bytes_text(sz, sizeof sz, sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : col64(st, 8));
        out(r, "<td class=n>%s", sz);
        if (comp && strcmp(comp, "none")) {
                out(r, " (");
                html(r, comp);
                out(r, ")");
        }
        out(r, "</td><td class=mono>");
        html(r, path);
        out(r, "</td><td class=hash>");
        html_or(r, sha, "-");
        out(r, "</td><td>");
        html(r, actor);
        out(r, "@");
        html(r, host);
        out(r, "<br><span class=dim>hvscope ");
        html(r, ver);
        out(r, "</span></td></tr>\n");
}

static int acquisitions(struct rep *r) {
        static const struct table t = {
                .id = "acquisitions",
                .title = "Acquisitions",
                .sql = "SELECT a.id, v.name, a.kind, a.mode, a.status, a.started_ns, a.finished_ns, a.downtime_ns,"
                        " a.size, a.compression, a.smeared, a.path, a.sha256, a.actor, a.host, a.tool_version"
                        " FROM acquisitions a LEFT JOIN vms v ON v.id = a.vm_id ORDER BY a.started_ns, a.id",
                .head = "<th>id</th><th>VM</th><th>what</th><th>mode</th><th>status</th><th>started (UTC)</th>"
                        "<th>took</th><th>guest paused</th><th>size</th><th>file</th><th>SHA-256</th><th>by</th>",
                .empty = "No acquisition recorded in this case yet.",
                .more = "acquisitions",
                .row = acquisition_row,
        };
        return table_section(r, &t);
}

/* ---- the timeline chart ---- */

static const struct {
        enum hvs_tl_source src;
        const char *label, *color;
} lanes[] = {
        { HVS_TL_PROCESS, "processes", "#2f6fb0" },   { HVS_TL_MODULE, "modules", "#7b4fb5" },
        { HVS_TL_EVENT, "events", "#0f8a7e" },        { HVS_TL_FINDING, "findings", "#c0392b" },
        { HVS_TL_SNAPSHOT, "snapshots", "#5b6b82" },  { HVS_TL_ACQUISITION, "acquisitions", "#d97706" },
        { HVS_TL_CUSTODY, "custody", "#8a6d3b" },
};

/* @v ns as an int64_t, saturated (times in a tampered case can be anything). */
static int64_t ns_of(double v) {
        if (v >= 9.2e18)
                return INT64_MAX;
        if (v <= -9.2e18)
                return INT64_MIN;
        return (int64_t)v;
}

static void tick_label(char *buf, size_t cap, double ns, double span) {
        char t[40];
        hvs_time_format(ns_of(ns), t, sizeof t);
        /* "2024-05-01T12:34:56.123456Z": the part that changes across the span. */
        if (span < 10e9)
                snprintf(buf, cap, "%.12s", t + 11);            /* 12:34:56.123 */
        else if (span < 86400e9)
                snprintf(buf, cap, "%.8s", t + 11);             /* 12:34:56 */
        else
                snprintf(buf, cap, "%.10s %.5s", t, t + 11);    /* 2024-05-01 12:34 */
}

static void chart(struct rep *r, const hvs_timeline *tl) {
        const int W = 1200, left = 120, right = 20, top = 14, lane_h = 30, axis_h = 34;
        const int H = top + (int)ARRAY_SIZE(lanes) * lane_h + axis_h;
        const double plot_w = W - left - right, bin_w = plot_w / CHART_BINS;
        /* In double: the span of int64 times can overflow int64. */
        double t0 = (double)tl->entries[0].ts_ns, t1 = (double)tl->entries[tl->n - 1].ts_ns;
        if (t1 - t0 < 1e9) {    /* at least a second wide */
                double mid = t0 / 2 + t1 / 2;
                t0 = mid - 5e8;
                t1 = mid + 5e8;
        }
        const double span = t1 - t0;
        size_t bins[ARRAY_SIZE(lanes)][CHART_BINS] = { { 0 } };
        int worst[ARRAY_SIZE(lanes)][CHART_BINS] = { { 0 } };
        size_t lane_of[HVS_TL_SOURCE_COUNT] = { 0 }, lane_n[ARRAY_SIZE(lanes)] = { 0 };
        for (size_t l = 0; l < ARRAY_SIZE(lanes); l++)
                lane_of[lanes[l].src] = l;
        for (size_t i = 0; i < tl->n; i++) {
                const hvs_tl_entry *e = &tl->entries[i];
                size_t l = lane_of[(unsigned)e->source < HVS_TL_SOURCE_COUNT ? e->source : 0];
                double x = ((double)e->ts_ns - t0) / span * CHART_BINS;
                size_t b = x < 0 ? 0 : x >= CHART_BINS ? CHART_BINS - 1 : (size_t)x;
                bins[l][b]++;
                lane_n[l]++;
                if (e->severity_num > worst[l][b])
                        worst[l][b] = e->severity_num;
        }
        out(r, "<svg class=chart xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
               "aria-label=\"timeline chart\">\n",
            W, H);
        static const char *const sev_color[] = { "#c0392b", "#667085", "#2f6fb0", "#d97706", "#c0392b", "#7a0b1f" };
        for (size_t l = 0; l < ARRAY_SIZE(lanes); l++) {
                int y = top + (int)l * lane_h;
                out(r, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"%s\"/>", left, y, plot_w, lane_h,
                    l % 2 ? "#ffffff" : "#f3f6fa");
                out(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s (%zu)</text>\n", left - 8,
                    y + lane_h / 2 + 4, lanes[l].label, lane_n[l]);
                size_t max = 0;
                for (size_t b = 0; b < CHART_BINS; b++)
                        max = MAX(max, bins[l][b]);
                for (size_t b = 0; b < CHART_BINS; b++) {
                        if (!bins[l][b])
                                continue;
                        /* Height grows with the count; a single entry still shows. */
                        double h = (lane_h - 6) * (0.3 + 0.7 * (double)bins[l][b] / (double)max);
                        double x = left + (double)b * bin_w;
                        const char *color = lanes[l].src == HVS_TL_FINDING ? sev_color[worst[l][b] % 6] : lanes[l].color;
                        char a[40], c[40];
                        hvs_time_format(ns_of(t0 + (double)b / CHART_BINS * span), a, sizeof a);
                        hvs_time_format(ns_of(t0 + (double)(b + 1) / CHART_BINS * span), c, sizeof c);
                        out(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"1\" fill=\"%s\">"
                               "<title>%zu %s, %s to %s</title></rect>\n",
                            x + 0.5, y + (lane_h - h) / 2, bin_w > 2 ? bin_w - 1 : bin_w, h, color, bins[l][b],
                            lanes[l].label, a, c);
                }
        }
        int ay = top + (int)ARRAY_SIZE(lanes) * lane_h;
        out(r, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1d2430\"/>\n", left, ay, W - right, ay);
        for (int i = 0; i <= 6; i++) {
                double x = left + plot_w * i / 6;
                char lbl[40];
                tick_label(lbl, sizeof lbl, t0 + span * i / 6, span);
                out(r, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1d2430\"/>"
                       "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d9dee7\" stroke-dasharray=\"2 3\"/>"
                       "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
                    x, ay, x, ay + 5, x, top, x, ay, x, ay + 18, i == 0 ? "start" : i == 6 ? "end" : "middle", lbl);
        }
        out(r, "</svg>\n");
}

static int timeline(struct rep *r, const hvs_timeline *tl) {
        out(r, "<section id=\"timeline\"><h2>Timeline</h2>\n");
        if (!tl->n) {
                out(r, "<p class=empty>Nothing with a time in this case yet.</p></section>\n");
                return 0;
        }
        char a[40], b[40];
        out(r, "<p>%zu entries from %s to %s (UTC; process starts on the guest's clock, everything else on the "
               "host's). Each bar is the number of entries in one slice of time; hover for the count.%s</p>\n",
            tl->n, hvs_time_format(tl->entries[0].ts_ns, a, sizeof a),
            hvs_time_format(tl->entries[tl->n - 1].ts_ns, b, sizeof b),
            tl->truncated ? " <b>The timeline was cut at its limit: later entries are not shown.</b>" : "");
        chart(r, tl);
        /* The table: everything but process sightings first, they are many. */
        size_t shown = 0, procs = 0;
        for (size_t i = 0; i < tl->n; i++)
                procs += tl->entries[i].source == HVS_TL_PROCESS;
        out(r, "<h3>Entries</h3><table><thead><tr><th>time (UTC)</th><th>clock</th><th>what</th><th>action</th>"
               "<th>VM</th><th>description</th></tr></thead><tbody>\n");
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1 && procs)
                        out(r, "</tbody></table>\n<details><summary>%zu process entries (starts, and ends seen "
                               "between snapshots)</summary><table><thead><tr><th>time (UTC)</th><th>clock</th>"
                               "<th>what</th><th>action</th><th>VM</th><th>description</th></tr></thead><tbody>\n",
                            procs);
                for (size_t i = 0; i < tl->n; i++) {
                        const hvs_tl_entry *e = &tl->entries[i];
                        if ((e->source == HVS_TL_PROCESS) != (pass == 1))
                                continue;
                        if (shown++ >= r->o.max_rows)
                                continue;
                        out(r, "<tr>");
                        time_cell(r, e->ts_ns);
                        out(r, "<td>%s</td><td>%s</td><td class=nw>", e->guest_clock ? "guest" : "host",
                            hvs_tl_source_name(e->source));
                        html(r, e->action);
                        out(r, "</td><td class=nw>");
                        html(r, e->vm_name);
                        out(r, "</td><td class=cmd>");
                        if (e->severity) {
                                out(r, "<span class=\"sev sev-%s\">", sev_class(e->severity));
                                html(r, e->severity);
                                out(r, "</span> ");
                        }
                        html(r, e->message);
                        out(r, "</td></tr>\n");
                }
        }
        out(r, "</tbody></table>%s\n", procs ? "</details>" : "");
        if (shown > r->o.max_rows)
                out(r, "<p class=dim>%zu more entries not shown (hvscope timeline has them all).</p>\n",
                    shown - r->o.max_rows);
        out(r, "</section>\n");
        return 0;
}

/* ---- per VM: process tree and network ---- */

struct proc {
        int64_t pid, ppid, uid, euid, start, threads;
        bool kthread;
        char *comm, *cmdline, *state;
        /* Children: indices into the array, a linked list kept in PID order. */
        ssize_t first_child, last_child, next_sibling;
        bool visited;
};

static int proc_pid_cmp(const void *a, const void *b) {
        int64_t x = ((const struct proc *)a)->pid, y = ((const struct proc *)b)->pid;
        return x < y ? -1 : x > y;
}

static ssize_t proc_find(const struct proc *p, size_t n, int64_t pid) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (p[mid].pid == pid)
                        return (ssize_t)mid;
                if (p[mid].pid < pid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

static void proc_row(struct rep *r, const struct proc *p, size_t depth, bool cycle) {
        out(r, "<tr%s><td class=n>%" PRId64 "</td><td class=n>%" PRId64 "</td><td class=n>", p->kthread ? " class=kt" : "",
            p->pid, p->ppid);
        if (p->uid >= 0)
                out(r, "%" PRId64, p->uid);
        if (p->euid >= 0 && p->euid != p->uid)
                out(r, " (e%" PRId64 ")", p->euid);
        out(r, "</td><td>");
        html(r, p->state);
        out(r, "</td>");
        time_cell(r, p->start);
        out(r, "<td class=n>");
        if (p->threads > 0)
                out(r, "%" PRId64, p->threads);
        out(r, "</td><td class=mono style=\"padding-left:%.1fem\">%s", 0.5 + 1.2 * (double)MIN(depth, TREE_MAX_INDENT),
            depth ? "&#x2514;&#x2500; " : "");
        if (p->kthread)
                out(r, "[");
        html(r, p->comm);
        if (p->kthread)
                out(r, "]");
        out(r, "</td><td class=cmd>");
        html(r, p->cmdline);
        if (cycle)
                out(r, " <span class=bad>(parent links form a cycle)</span>");
        out(r, "</td></tr>\n");
}

static int process_tree(struct rep *r, int64_t snap) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int k = tl_prepare(r->db,
                           "SELECT pid, IFNULL(ppid, -1), IFNULL(uid, -1), IFNULL(euid, -1), IFNULL(start_ns, 0),"
                           " IFNULL(threads, 0), kthread, comm, cmdline, state"
                           " FROM processes WHERE snapshot_id = ?1 ORDER BY pid",
                           &st, r->diag);
        if (k < 0)
                return k;
        sqlite3_bind_int64(st, 1, snap);
        struct proc *p = NULL;
        size_t n = 0, cap = 0;
        while ((k = tl_step(r->db, st, r->diag)) > 0) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct proc *np = hvs_reallocarray(p, ncap, sizeof *np);
                        if (!np) {
                                r->oom = true;
                                break;
                        }
                        p = np;
                        cap = ncap;
                }
                struct proc *q = &p[n++];
                memset(q, 0, sizeof *q);
                q->pid = col64(st, 0);
                q->ppid = col64(st, 1);
                q->uid = col64(st, 2);
                q->euid = col64(st, 3);
                q->start = col64(st, 4);
                q->threads = col64(st, 5);
                q->kthread = col64(st, 6) != 0;
                q->comm = tl_col_text(st, 7, &r->oom);
                q->cmdline = tl_col_text(st, 8, &r->oom);
                q->state = tl_col_text(st, 9, &r->oom);
                q->first_child = q->last_child = q->next_sibling = -1;
        }
        if (k >= 0 && !r->oom) {
                /* Rows are by PID; a tampered case may not be (the key is (snapshot, pid)). */
                qsort(p, n, sizeof *p, proc_pid_cmp);
                for (size_t i = 0; i < n; i++) {
                        ssize_t par = p[i].ppid != p[i].pid ? proc_find(p, n, p[i].ppid) : -1;
                        if (par < 0)
                                continue;
                        if (p[par].last_child < 0)
                                p[par].first_child = (ssize_t)i;
                        else
                                p[p[par].last_child].next_sibling = (ssize_t)i;
                        p[par].last_child = (ssize_t)i;
                }
                out(r, "<h3>Process tree (%zu processes)</h3>\n", n);
                out(r, "<table class=tree><thead><tr><th>PID</th><th>PPID</th><th>UID</th><th>S</th>"
                       "<th>started (UTC, guest clock)</th><th>thr</th><th>name</th><th>command line</th></tr></thead>"
                       "<tbody>\n");
                /* Depth-first from each root (no parent in the snapshot), then whatever a
                 * parent cycle kept unreachable. The stack holds at most n entries:
                 * each process is pushed once. */
                size_t *stack = hvs_reallocarray(NULL, n ? n : 1, sizeof *stack), *depth = hvs_reallocarray(NULL, n ? n : 1, sizeof *depth);
                size_t shown = 0;
                if (!stack || !depth)
                        r->oom = true;
                for (int pass = 0; pass < 2 && !r->oom; pass++) {
                        for (size_t root = 0; root < n; root++) {
                                if (p[root].visited)
                                        continue;
                                bool is_root = p[root].ppid == p[root].pid || proc_find(p, n, p[root].ppid) < 0;
                                if (pass == 0 && !is_root)
                                        continue;
                                size_t sp = 0;
                                stack[sp] = root;
                                depth[sp++] = 0;
                                p[root].visited = true;
                                while (sp) {
                                        size_t i = stack[--sp], d = depth[sp];
                                        if (shown++ < r->o.max_rows)
                                                proc_row(r, &p[i], d, pass == 1 && d == 0);
                                        /* Push children in reverse so the lowest PID comes out first. */
                                        size_t mark = sp;
                                        for (ssize_t c = p[i].first_child; c >= 0; c = p[c].next_sibling) {
                                                if (p[c].visited)
                                                        continue;
                                                p[c].visited = true;
                                                stack[sp] = (size_t)c;
                                                depth[sp++] = d + 1;
                                        }
                                        for (size_t a = mark, b = sp; b > a + 1; a++, b--) {
                                                size_t t = stack[a];
                                                stack[a] = stack[b - 1];
                                                stack[b - 1] = t;
                                                t = depth[a];
                                                depth[a] = depth[b - 1];
                                                depth[b - 1] = t;
                                        }
                                }
                        }
                }
                free(stack);
                free(depth);
                out(r, "</tbody></table>\n");
                if (!n)
                        out(r, "<p class=empty>No process in this snapshot.</p>\n");
                if (shown > r->o.max_rows)
                        out(r, "<p class=dim>%zu more processes not shown.</p>\n", shown - r->o.max_rows);
        }
        for (size_t i = 0; i < n; i++) {
                free(p[i].comm);
                free(p[i].cmdline);
                free(p[i].state);
        }
        free(p);
        return k < 0 ? k : r->oom ? -ENOMEM : 0;
}

static void endpoint(struct rep *r, const char *addr, sqlite3_stmt *st, int port_col) {
        if (!addr && sqlite3_column_type(st, port_col) == SQLITE_NULL) {
                out(r, "<td class=dim>-</td>");
                return;
        }
        out(r, "<td class=mono>");
        bool v6 = addr && strchr(addr, ':');
        if (v6)
                out(r, "[");
        html_or(r, addr, "*");
        if (v6)
                out(r, "]");
        if (sqlite3_column_type(st, port_col) != SQLITE_NULL)
                out(r, ":%" PRId64, col64(st, port_col));
        out(r, "</td>");
}

/* owners_json: [{"pid":..,"comm":..,"fd":..}]; shown as "comm (pid, fd N)". */
static void owners(struct rep *r, const char *js) {
        if (!js)
                return;
        json_tokener *tok = json_tokener_new_ex(8);
        json_object *a = tok ? json_tokener_parse_ex(tok, js, (int)strlen(js)) : NULL;
        if (!a || !json_object_is_type(a, json_type_array)) {
                html(r, js);
        } else {
                size_t n = json_object_array_length(a);
                for (size_t i = 0; i < n && i < 64; i++) {
                        json_object *o = json_object_array_get_idx(a, i), *v;
                        if (i)
                                out(r, ", ");
                        if (json_object_object_get_ex(o, "comm", &v) || json_object_object_get_ex(o, "name", &v)) {
                                /* json-c strings from valid UTF-8 input stay valid UTF-8. */
                                out(r, "<b>");
                                html(r, json_object_get_string(v));
                                out(r, "</b>");
                        }
                        if (json_object_object_get_ex(o, "pid", &v))
                                out(r, " (%" PRId64, json_object_get_int64(v));
                        if (json_object_object_get_ex(o, "fd", &v))
                                out(r, ", fd %" PRId64, json_object_get_int64(v));
                        if (json_object_object_get_ex(o, "pid", &v))
                                out(r, ")");
                }
                if (n > 64)
                        out(r, ", &hellip; %zu more", n - 64);
        }
        json_object_put(a);
        if (tok)
                json_tokener_free(tok);
}

static int network(struct rep *r, int64_t snap) {
        out(r, "<h3>Network connections</h3>\n");
        for (int unix_pass = 0; unix_pass < 2; unix_pass++) {
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                int k = tl_prepare(r->db,
                                   "SELECT proto, family, state, local_addr, local_port, remote_addr, remote_port, path,"
                                   " inode, owners_json FROM sockets WHERE snapshot_id = ?1 AND (family = 'unix') = ?2"
                                   " ORDER BY proto, CASE state WHEN 'LISTEN' THEN 0 WHEN 'ESTAB' THEN 1 ELSE 2 END,"
                                   " local_port, id",
                                   &st, r->diag);
                if (k < 0)
                        return k;
                sqlite3_bind_int64(st, 1, snap);
                sqlite3_bind_int(st, 2, unix_pass);
                size_t n = 0, more = 0;
                while ((k = tl_step(r->db, st, r->diag)) > 0) {
                        if (n >= r->o.max_rows) {
                                more++;
                                continue;
                        }
                        if (!n++) {
                                if (unix_pass)
                                        out(r, "<details><summary>unix sockets</summary><table><thead><tr><th>proto</th>"
                                               "<th>state</th><th>path</th><th>inode</th><th>owners</th></tr></thead>"
                                               "<tbody>\n");
                                else
                                        out(r, "<table><thead><tr><th>proto</th><th>state</th><th>local</th>"
                                               "<th>remote</th><th>inode</th><th>owners (process, pid, fd)</th></tr>"
                                               "</thead><tbody>\n");
                        }
                        _cleanup_free_ char *proto = tl_col_text(st, 0, &r->oom), *fam = tl_col_text(st, 1, &r->oom),
                                            *state = tl_col_text(st, 2, &r->oom), *la = tl_col_text(st, 3, &r->oom),
                                            *ra = tl_col_text(st, 5, &r->oom), *path = tl_col_text(st, 7, &r->oom),
                                            *own = tl_col_text(st, 9, &r->oom);
                        out(r, "<tr><td>");
                        html(r, proto);
                        if (fam && !strcmp(fam, "inet6"))
                                out(r, "6");
                        out(r, "</td><td>");
                        html(r, state);
                        out(r, "</td>");
                        if (unix_pass) {
                                out(r, "<td class=mono>");
                                html(r, path);
                                out(r, "</td>");
                        } else {
                                endpoint(r, la, st, 4);
                                endpoint(r, ra, st, 6);
                        }
                        out(r, "<td class=n>");
                        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
                                out(r, "%" PRId64, col64(st, 8));
                        out(r, "</td><td>");
                        owners(r, own);
                        out(r, "</td></tr>\n");
                }
                if (k < 0)
                        return k;
                if (n)
                        out(r, "</tbody></table>%s\n", unix_pass ? "</details>" : "");
                else if (!unix_pass)
                        out(r, "<p class=empty>No TCP or UDP socket in this snapshot.</p>\n");
                if (more)
                        out(r, "<p class=dim>%zu more sockets not shown.</p>\n", more);
        }
        return r->oom ? -ENOMEM : 0;
}

static int guests(struct rep *r) {
        /* For each VM, its latest snapshot that has processes (else its latest). */
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int k = tl_prepare(r->db,
                           "SELECT s.id, s.vm_id, v.name, s.taken_ns, s.guest_time_ns, s.hostname, s.kernel_release,"
                           " s.source, s.paused FROM snapshots s LEFT JOIN vms v ON v.id = s.vm_id"
                           " WHERE s.id = (SELECT t.id FROM snapshots t WHERE t.vm_id IS s.vm_id"
                           "  ORDER BY EXISTS (SELECT 1 FROM processes p WHERE p.snapshot_id = t.id) DESC,"
                           "  t.taken_ns DESC, t.id DESC LIMIT 1)"
                           " ORDER BY s.vm_id",
                           &st, r->diag);
        if (k < 0)
                return k;
        out(r, "<section id=\"guests\"><h2>Processes and network, latest snapshot of each VM</h2>\n");
        size_t n = 0;
        while ((k = tl_step(r->db, st, r->diag)) > 0) {
                n++;
                int64_t snap = col64(st, 0);
                _cleanup_free_ char *name = tl_col_text(st, 2, &r->oom), *hn = tl_col_text(st, 5, &r->oom),
                                    *kr = tl_col_text(st, 6, &r->oom), *src = tl_col_text(st, 7, &r->oom);
                char t[40], g[40];
                out(r, "<h3 id=\"vm-%" PRId64 "\">VM ", col64(st, 1));
                html_or(r, name, "(unknown)");
                out(r, " &middot; snapshot %" PRId64 "</h3>\n<dl class=kv><dt>taken (host clock)</dt><dd>%s</dd>", snap,
                    hvs_time_format(col64(st, 3), t, sizeof t));
                if (sqlite3_column_type(st, 4) != SQLITE_NULL)
                        out(r, "<dt>guest clock then</dt><dd>%s</dd>",
                            hvs_time_format(col64(st, 4), g, sizeof g));
                out(r, "<dt>guest host name</dt><dd>");
                html_or(r, hn, "-");
                out(r, "</dd><dt>kernel</dt><dd>");
                html_or(r, kr, "-");
                out(r, "</dd><dt>read from</dt><dd>");
                html_or(r, src, "-");
                out(r, ", VM %s</dd></dl>\n", col64(st, 8) ? "paused" : "running");
                int e = process_tree(r, snap);
                if (e >= 0)
                        e = network(r, snap);
                if (e < 0)
                        return e;
        }
        if (k < 0)
                return k;
        if (!n)
                out(r, "<p class=empty>No snapshot in this case yet (hvscope collect takes one).</p>\n");
        out(r, "</section>\n");
        return 0;
}

static void custody_row(struct rep *r, sqlite3_stmt *st) {
        _cleanup_free_ char *actor = tl_col_text(st, 2, &r->oom), *host = tl_col_text(st, 3, &r->oom),
                            *ver = tl_col_text(st, 4, &r->oom), *action = tl_col_text(st, 5, &r->oom),
                            *args = tl_col_text(st, 6, &r->oom), *res = tl_col_text(st, 7, &r->oom),
                            *hash = tl_col_text(st, 8, &r->oom);
        out(r, "<tr><td class=n>%" PRId64 "</td>", col64(st, 0));
        time_cell(r, col64(st, 1));
        out(r, "<td>");
        html(r, actor);
        out(r, "@");
        html(r, host);
        out(r, "<br><span class=dim>hvscope ");
        html(r, ver);
        out(r, "</span></td><td class=mono>");
        html(r, action);
        out(r, "</td><td class=cmd>");
        html(r, args);
        out(r, "</td><td class=hash>");
        html_or(r, res, "-");
        out(r, "</td><td class=hash>");
        html(r, hash);
        out(r, "</td></tr>\n");
}

static int custody(struct rep *r) {
        static const struct table t = {
                .id = "custody",
                .title = "Chain of custody",
                .intro = "<p class=dim>The case's append-only, hash-chained log "
                         "(<span class=mono>hvscope case verify</span> re-checks it).</p>\n",
                .sql = "SELECT seq, ts_ns, actor, host, tool_version, action, args_json, result_sha256, hash"
                        " FROM custody ORDER BY seq",
                .head = "<th>#</th><th>time (UTC)</th><th>who</th><th>action</th><th>arguments</th>"
                        "<th>result SHA-256</th><th>entry hash</th>",
                .empty = "The custody log is empty.",
                .more = "log entries",
                .row = custody_row,
        };
        return table_section(r, &t);
}

int hvs_report_write_db(sqlite3 *db, const hvs_report_opts *opts, hvs_diag *diag, FILE *f) {
        struct rep r = { .db = db, .f = f, .diag = diag };
        if (opts) {
                if (opts->sz < sizeof(size_t) || opts->sz > sizeof *opts)
                        return HVS_DIAG(diag, -EINVAL, "bad report options (sz %zu)", opts->sz);
                memcpy(&r.o, opts, opts->sz);
        }
        if (!db || !f)
                return HVS_DIAG(diag, -EINVAL, "no case database or no output");
        if (!r.o.max_rows)
                r.o.max_rows = HVS_DEFAULT_REPORT_ROWS;
        int64_t now = r.o.now_ns;
        if (!now) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
        /* One state of the case for the whole page (see tl_exec()). */
        int k = tl_exec(db, "SAVEPOINT hvs_report", diag);
        if (k < 0)
                return k;
        hvs_timeline *tl = NULL;
        k = hvs_timeline_build_db(db, &(hvs_timeline_opts){ .sz = sizeof(hvs_timeline_opts) }, diag, &tl);
        if (k < 0) {
                (void)sqlite3_exec(db, "RELEASE hvs_report", NULL, NULL, NULL);
                return k;
        }
        k = begin(&r, r.o.title ? r.o.title : "hvscope report", now);
        if (k >= 0)
                k = summary(&r, tl);
        if (k >= 0)
                k = findings(&r);
        if (k >= 0)
                k = vms(&r);
        if (k >= 0)
                k = acquisitions(&r);
        if (k >= 0)
                k = timeline(&r, tl);
        if (k >= 0)
                k = guests(&r);
        if (k >= 0)
                k = custody(&r);
        hvs_timeline_free(tl);
        (void)sqlite3_exec(db, "RELEASE hvs_report", NULL, NULL, NULL);
        if (k >= 0 && r.oom)
                k = HVS_DIAG(diag, -ENOMEM, "out of memory writing the report");
        if (k < 0)
                return k;
        out(&r, "</main>\n<footer><p class=dim style=\"padding:0 28px 20px\">Everything shown from the guest "
                "(names, command lines, paths) is data the guest controlled; it is shown escaped, as text.</p>"
                "</footer>\n</body>\n</html>\n");
        if (fflush(f) == EOF || ferror(f)) {
                int e = r.werr ? -r.werr : errno ? -errno : -EIO;
                return HVS_DIAG(diag, e, "%s", strerror(-e));
        }
        return 0;
}
