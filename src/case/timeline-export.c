/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timeline-export.c - a timeline as Elastic Common Schema NDJSON and as
 * Timesketch CSV (include/hvscope/timeline.h; the field mapping is the
 * table of docs/timeline-report.md). Entries hold valid UTF-8 already; json-c
 * escapes for JSON, csv_field() quotes for CSV.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include "util/util.h"
#include "timeline-internal.h"

/* The ECS version whose field names and allowed values are used. */
#define ECS_VERSION "8.11.0"

/* "2024-05-01T12:00:00.123456Z" of @ns into the array @buf. */
#define TS(ns, buf) hvs_time_format((ns), (buf), sizeof(buf))

/* ---- NDJSON (Elastic Common Schema) ---- */

static void jadd_str(json_object *o, const char *k, const char *v) {
        if (v)
                json_object_object_add(o, k, json_object_new_string(v));
}

/* The object at @k of @o, created when absent. */
static json_object *jobj(json_object *o, const char *k) {
        json_object *c;
        if (json_object_object_get_ex(o, k, &c))
                return c;
        c = json_object_new_object();
        json_object_object_add(o, k, c);
        return c;
}

static json_object *jarr1(const char *v) {
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_string(v));
        return a;
}

/* An embedded JSON column: the parsed value if it is JSON, else the text. */
static json_object *jembed(const char *text) {
        json_tokener *tok = json_tokener_new_ex(32);
        if (!tok)
                return NULL;
        size_t len = strlen(text);
        json_object *v = json_tokener_parse_ex(tok, text, (int)len);
        if (!v || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
                json_object_put(v);
                v = json_object_new_string(text);
        }
        json_tokener_free(tok);
        return v;
}

static json_object *entry_ecs(const hvs_tl_entry *e) {
        char t[40];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "@timestamp", json_object_new_string(TS(e->ts_ns, t)));
        jadd_str(o, "message", e->message);
        jadd_str(jobj(o, "ecs"), "version", ECS_VERSION);

        json_object *ev = jobj(o, "event");
        jadd_str(ev, "kind", e->kind);
        json_object_object_add(ev, "category", jarr1(e->category));
        json_object_object_add(ev, "type", jarr1(e->type));
        jadd_str(ev, "action", e->action);
        jadd_str(ev, "dataset", e->dataset);
        jadd_str(ev, "module", "hvscope");
        jadd_str(ev, "provider", e->provider);
        jadd_str(ev, "outcome", e->outcome);
        if (e->severity_num)
                json_object_object_add(ev, "severity", json_object_new_int(e->severity_num));
        if (e->duration_ns >= 0)
                json_object_object_add(ev, "duration", json_object_new_int64(e->duration_ns));
        char id[96];
        if (e->source == HVS_TL_PROCESS)
                snprintf(id, sizeof id, "hvscope-process-%" PRId64 "-%d-%" PRId64 "-%s", e->vm_id, e->pid,
                         e->start_ns, e->type);
        else if (e->source == HVS_TL_MODULE)
                snprintf(id, sizeof id, "hvscope-module-%" PRId64 "-%" PRId64 "-%s", e->vm_id, e->snapshot_id,
                         e->type);
        else if (e->source == HVS_TL_ACQUISITION)
                snprintf(id, sizeof id, "hvscope-acquisition-%" PRId64 "-%s", e->row_id,
                         !strcmp(e->desc, "Acquisition End") ? "end" : "start");
        else
                snprintf(id, sizeof id, "hvscope-%s-%" PRId64, hvs_tl_source_name(e->source), e->row_id);
        /* Module ids need the module too: several load between two snapshots. */
        if (e->source != HVS_TL_MODULE)
                jadd_str(ev, "id", id);

        if (e->vm_id) {
                json_object *h = jobj(o, "host");
                jadd_str(h, "name", e->vm_name);
                jadd_str(h, "hostname", e->hostname);
                jadd_str(h, "id", e->vm_uuid);
                json_object *os = jobj(h, "os");
                jadd_str(os, "type", "linux");
                jadd_str(os, "kernel", e->kernel);
        }
        if (e->host || e->tool_version) {
                json_object *ob = jobj(o, "observer");
                jadd_str(ob, "hostname", e->host);
                jadd_str(ob, "product", "hvscope");
                jadd_str(ob, "vendor", "hvscope");
                jadd_str(ob, "version", e->tool_version);
        }
        if (e->has_process) {
                json_object *p = jobj(o, "process");
                json_object_object_add(p, "pid", json_object_new_int(e->pid));
                jadd_str(p, "name", e->comm);
                jadd_str(p, "command_line", e->cmdline && *e->cmdline ? e->cmdline : NULL);
                if (e->ppid >= 0)
                        json_object_object_add(jobj(p, "parent"), "pid", json_object_new_int(e->ppid));
                if (e->uid >= 0) {
                        char u[24];
                        snprintf(u, sizeof u, "%" PRId64, e->uid);
                        jadd_str(jobj(p, "user"), "id", u);
                }
                if (e->start_ns) {
                        json_object_object_add(p, "start", json_object_new_string(TS(e->start_ns, t)));
                        char eid[96];
                        snprintf(eid, sizeof eid, "hvscope-%" PRId64 "-%d-%" PRId64, e->vm_id, e->pid, e->start_ns);
                        jadd_str(p, "entity_id", eid);
                }
        }
        if (e->path || e->sha256 || e->size >= 0) {
                /* Custody rows carry a result hash, not a file. */
                json_object *f = e->source == HVS_TL_CUSTODY ? NULL : jobj(o, "file");
                if (f) {
                        jadd_str(f, "path", e->path);
                        if (e->size >= 0)
                                json_object_object_add(f, "size", json_object_new_int64(e->size));
                        if (e->sha256)
                                jadd_str(jobj(f, "hash"), "sha256", e->sha256);
                }
        }
        if (e->rule_id) {
                json_object *r = jobj(o, "rule");
                jadd_str(r, "id", e->rule_id);
                jadd_str(r, "name", e->rule_name);
                jadd_str(r, "description", e->rule_description);
        }
        if (e->technique && *e->technique) {
                json_object *th = jobj(o, "threat");
                jadd_str(th, "framework", "MITRE ATT&CK");
                json_object_object_add(jobj(th, "technique"), "id", jarr1(e->technique));
        }
        if (e->user)
                jadd_str(jobj(o, "user"), "name", e->user);

        json_object *hv = jobj(o, "hvscope");
        jadd_str(hv, "source", hvs_tl_source_name(e->source));
        jadd_str(hv, "clock", e->guest_clock ? "guest" : "host");
        jadd_str(hv, "timestamp_desc", e->desc);
        if (e->vm_id)
                json_object_object_add(hv, "vm_id", json_object_new_int64(e->vm_id));
        if (e->snapshot_id)
                json_object_object_add(hv, "snapshot_id", json_object_new_int64(e->snapshot_id));
        if (e->acquisition_id)
                json_object_object_add(hv, "acquisition_id", json_object_new_int64(e->acquisition_id));
        if (e->has_process && e->source == HVS_TL_PROCESS)
                json_object_object_add(hv, "kthread", json_object_new_boolean(e->kthread));
        jadd_str(hv, "module", e->module);
        jadd_str(hv, "severity", e->severity);
        if (e->source == HVS_TL_CUSTODY) {
                json_object *c = jobj(hv, "custody");
                json_object_object_add(c, "seq", json_object_new_int64(e->row_id));
                jadd_str(c, "hash", e->custody_hash);
                jadd_str(c, "result_sha256", e->sha256);
        }
        if (e->data_json)
                json_object_object_add(hv, "data", jembed(e->data_json));
        return o;
}

int hvs_timeline_write_ndjson(const hvs_timeline *tl, FILE *f) {
        errno = 0;
        for (size_t i = 0; i < tl->n; i++) {
                json_object *o = entry_ecs(&tl->entries[i]);
                if (!o)
                        return -ENOMEM;
                const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                int bad = !s || fputs(s, f) == EOF || fputc('\n', f) == EOF;
                json_object_put(o);
                if (!s)
                        return -ENOMEM;
                if (bad)
                        return errno ? -errno : -EIO;
        }
        return fflush(f) == EOF || ferror(f) ? (errno ? -errno : -EIO) : 0;
}

/* ---- Timesketch CSV ---- */

static const char *const csv_columns[] = {
        "message", "datetime", "timestamp_desc", "timestamp", "data_type", "event_kind", "event_category",
        "event_type", "event_action", "event_outcome", "clock", "host_name", "hostname", "vm_id", "snapshot_id",
        "pid", "ppid", "process_name", "command_line", "user_id", "user_name", "file_path", "sha256",
        "rule_name", "severity", "technique_id",
};

static bool csv_field(FILE *f, const char *s, bool first) {
        if (!first && fputc(',', f) == EOF)
                return false;
        if (!s)
                return true;
        if (!strpbrk(s, ",\"\r\n"))
                return fputs(s, f) != EOF;
        if (fputc('"', f) == EOF)
                return false;
        for (; *s; s++)
                if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
                        return false;
        return fputc('"', f) != EOF;
}

static const char *fmt_i64(char *buf, size_t cap, bool has, int64_t v) {
        if (!has)
                return NULL;
        snprintf(buf, cap, "%" PRId64, v);
        return buf;
}

int hvs_timeline_write_csv(const hvs_timeline *tl, FILE *f) {
        bool ok = true;
        errno = 0;
        for (size_t c = 0; c < ARRAY_SIZE(csv_columns); c++)
                ok = ok && csv_field(f, csv_columns[c], c == 0);
        ok = ok && fputc('\n', f) != EOF;
        for (size_t i = 0; ok && i < tl->n; i++) {
                const hvs_tl_entry *e = &tl->entries[i];
                char dt[40], us[24], dtype[64], vm[24], snap[24], pid[24], ppid[24], uid[24];
                hvs_time_format(e->ts_ns, dt, sizeof dt);
                /* Floor division: times before 1970 stay ordered. */
                int64_t micro = e->ts_ns / 1000 - (e->ts_ns % 1000 < 0);
                snprintf(us, sizeof us, "%" PRId64, micro);
                snprintf(dtype, sizeof dtype, "hvscope:%s:%s", hvs_tl_source_name(e->source), e->type);
                const char *row[] = {
                        e->message, dt, e->desc, us, dtype, e->kind, e->category, e->type, e->action, e->outcome,
                        e->guest_clock ? "guest" : "host", e->vm_name, e->hostname,
                        fmt_i64(vm, sizeof vm, e->vm_id, e->vm_id),
                        fmt_i64(snap, sizeof snap, e->snapshot_id, e->snapshot_id),
                        fmt_i64(pid, sizeof pid, e->has_process, e->pid),
                        fmt_i64(ppid, sizeof ppid, e->has_process && e->ppid >= 0, e->ppid), e->comm, e->cmdline,
                        fmt_i64(uid, sizeof uid, e->has_process && e->uid >= 0, e->uid), e->user, e->path,
                        e->sha256, e->rule_name, e->severity, e->technique,
                };
                _Static_assert(ARRAY_SIZE(row) == ARRAY_SIZE(csv_columns), "one value per column");
                for (size_t c = 0; ok && c < ARRAY_SIZE(row); c++)
                        ok = csv_field(f, row[c], c == 0);
                ok = ok && fputc('\n', f) != EOF;
        }
        return ok && fflush(f) != EOF && !ferror(f) ? 0 : errno ? -errno : -EIO;
}
