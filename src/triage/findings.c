/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* findings.c - the findings list of include/hvscope/triage.h and helpers the checks share. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <hvscope/limits.h>
#include "triage-internal.h"

struct hvs_findings {
        hvs_finding *v;
        size_t n, cap;
        size_t dropped;
};

static const char *const sev_names[] = {
        [HVS_SEV_INFO] = "info", [HVS_SEV_LOW] = "low", [HVS_SEV_MEDIUM] = "medium",
        [HVS_SEV_HIGH] = "high", [HVS_SEV_CRITICAL] = "critical",
};

const char *hvs_severity_name(enum hvs_severity s) {
        return (unsigned)s < ARRAY_SIZE(sev_names) ? sev_names[s] : NULL;
}

int triage_severity_parse(const char *name, enum hvs_severity *ret) {
        for (size_t i = 0; name && i < ARRAY_SIZE(sev_names); i++)
                if (strcmp(name, sev_names[i]) == 0) {
                        *ret = (enum hvs_severity)i;
                        return 0;
                }
        return -EINVAL;
}

int hvs_findings_new(hvs_findings **ret) {
        if (!ret)
                return -EINVAL;
        *ret = hvs_calloc(1, sizeof **ret);
        return *ret ? 0 : -ENOMEM;
}

static void finding_clear(hvs_finding *f) {
        free(f->check_id);
        free(f->title);
        free(f->explanation);
        free(f->technique);
        free(f->evidence_json);
}

hvs_findings *hvs_findings_free(hvs_findings *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                finding_clear(&f->v[i]);
        free(f->v);
        free(f);
        return NULL;
}

/* One JSON object, nothing after it, nested at most 32 deep. */
static bool json_is_object(const char *s) {
        size_t len = strlen(s);
        if (len > HVS_MAX_FINDING_EVIDENCE)
                return false;
        json_tokener *t = json_tokener_new_ex(32);
        if (!t)
                return false;
        json_tokener_set_flags(t, JSON_TOKENER_STRICT);
        json_object *o = json_tokener_parse_ex(t, s, (int)len);
        bool ok = o && json_tokener_get_error(t) == json_tokener_success && json_object_is_type(o, json_type_object);
        if (ok) {
                size_t off = json_tokener_get_parse_end(t);
                while (off < len && (s[off] == ' ' || s[off] == '\n' || s[off] == '\t' || s[off] == '\r'))
                        off++;
                ok = off == len;
        }
        json_object_put(o);
        json_tokener_free(t);
        return ok;
}

static char *dup_nullable(const char *s, bool *oom) {
        if (!s)
                return NULL;
        char *d = hvs_strdup(s);
        if (!d)
                *oom = true;
        return d;
}

int hvs_findings_add(hvs_findings *f, enum hvs_severity sev, const char *check_id, int32_t pid, uint64_t addr,
                     const char *title, const char *explanation, const char *technique, const char *evidence_json) {
        if (!f || !check_id || !*check_id || !title || !hvs_severity_name(sev))
                return -EINVAL;
        if (evidence_json && !json_is_object(evidence_json))
                return -EINVAL;
        if (f->n >= HVS_MAX_FINDINGS) {
                f->dropped++;
                return 0;
        }
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 16;
                if (cap > HVS_MAX_FINDINGS)
                        cap = HVS_MAX_FINDINGS;
                hvs_finding *v = hvs_reallocarray(f->v, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                f->v = v;
                f->cap = cap;
        }
        bool oom = false;
        hvs_finding n = {
                .severity = sev,
                .check_id = dup_nullable(check_id, &oom),
                .title = dup_nullable(title, &oom),
                .explanation = dup_nullable(explanation, &oom),
                .technique = dup_nullable(technique, &oom),
                .evidence_json = dup_nullable(evidence_json, &oom),
                .pid = pid < -1 ? -1 : pid,
                .addr = addr,
        };
        if (oom) {
                finding_clear(&n);
                return -ENOMEM;
        }
        f->v[f->n++] = n;
        return 0;
}

size_t hvs_findings_count(const hvs_findings *f) {
        return f ? f->n : 0;
}

const hvs_finding *hvs_findings_get(const hvs_findings *f, size_t i) {
        return f && i < f->n ? &f->v[i] : NULL;
}

size_t hvs_findings_dropped(const hvs_findings *f) {
        return f ? f->dropped : 0;
}

enum hvs_severity hvs_findings_max_severity(const hvs_findings *f) {
        enum hvs_severity m = HVS_SEV_INFO;
        for (size_t i = 0; f && i < f->n; i++)
                if (f->v[i].severity > m)
                        m = f->v[i].severity;
        return m;
}

/* ---- helpers for checks ---- */

void triage_budget_init(struct triage_budget *b, const hvs_triage_opts *o) {
        uint32_t ms = o && o->time_budget_ms ? o->time_budget_ms : HVS_TRIAGE_TIME_BUDGET_MS;
        b->deadline_ns = hvs_now_ns() + (uint64_t)ms * 1000000u;
        b->bytes_left = o && o->scan_max_bytes ? o->scan_max_bytes : HVS_TRIAGE_SCAN_MAX_BYTES;
        b->out_of_time = b->out_of_bytes = false;
}

bool triage_budget_over(struct triage_budget *b) {
        if (!b->out_of_time && hvs_now_ns() >= b->deadline_ns)
                b->out_of_time = true;
        return b->out_of_time || b->out_of_bytes;
}

bool triage_budget_take(struct triage_budget *b, uint64_t bytes) {
        if (triage_budget_over(b))
                return false;
        if (bytes > b->bytes_left) {
                b->out_of_bytes = true;
                return false;
        }
        b->bytes_left -= bytes;
        return true;
}

int triage_budget_report(const struct triage_budget *b, hvs_findings *out, const char *check_id) {
        if (!b->out_of_time && !b->out_of_bytes)
                return 0;
        char title[160];
        snprintf(title, sizeof title, "%s stopped early: %s budget spent", check_id,
                 b->out_of_time ? "time" : "scan byte");
        return hvs_findings_add(out, HVS_SEV_INFO, check_id, -1, 0, title,
                                "The check read guest memory up to its bound (HVS_TRIAGE_TIME_BUDGET_MS or"
                                " HVS_TRIAGE_SCAN_MAX_BYTES, or the --budget options) and did not look at the rest;"
                                " a finding may be missing.",
                                NULL, b->out_of_time ? "{\"limit\":\"time\"}" : "{\"limit\":\"bytes\"}");
}

json_object *triage_json_addr(uint64_t a) {
        char buf[24];
        snprintf(buf, sizeof buf, "0x%" PRIx64, a);
        return json_object_new_string(buf);
}

int triage_add(hvs_findings *out, enum hvs_severity sev, const char *check_id, int32_t pid, uint64_t addr,
               const char *title, const char *explanation, const char *technique, json_object *evidence) {
        const char *js = NULL;
        if (evidence) {
                js = json_object_to_json_string_ext(evidence, JSON_C_TO_STRING_PLAIN);
                if (!js) {
                        json_object_put(evidence);
                        return -ENOMEM;
                }
                if (strlen(js) > HVS_MAX_FINDING_EVIDENCE)
                        js = "{\"truncated\":true}";
        }
        int e = hvs_findings_add(out, sev, check_id, pid, addr, title, explanation, technique, js);
        json_object_put(evidence);
        return e;
}
