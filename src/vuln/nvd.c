/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nvd.c - NVD JSON into records: API 2.0 responses and JSON 1.1 feeds,
 * plain or gzip. The input is hostile: sizes, depth and counts are bounded,
 * every member's type is checked, and a bad entry is skipped with its reason
 * while the rest of the input is kept.
 */
#include <limits.h>
#include <stdarg.h>
#include <zlib.h>
#include <json-c/json.h>
#include "vuln-internal.h"

/* ---------------------------------------------------------------- gzip */

static int inflate_all(const uint8_t *in, size_t len, hvs_diag *d, uint8_t **ret, size_t *ret_len) {
        z_stream z = { 0 };
        if (inflateInit2(&z, 15 + 32) != Z_OK)
                return -ENOMEM;
        size_t cap = len < (1u << 20) ? (1u << 20) : len * 4, n = 0;
        if (cap > HVS_MAX_NVD_JSON_BYTES + 1u)
                cap = HVS_MAX_NVD_JSON_BYTES + 1u;
        uint8_t *out = hvs_malloc(cap + 1);
        int r = 0;
        if (!out) {
                inflateEnd(&z);
                return -ENOMEM;
        }
        z.next_in = (Bytef *)in;
        /* zlib counts in uInt: feed at most UINT_MAX at a time. */
        size_t left = len;
        for (;;) {
                if (z.avail_in == 0 && left) {
                        z.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
                        left -= z.avail_in;
                }
                if (n == cap) {
                        if (cap > HVS_MAX_NVD_JSON_BYTES) {
                                r = HVS_DIAG(d, -E2BIG, "gzip data inflates beyond the limit of %u bytes",
                                             HVS_MAX_NVD_JSON_BYTES);
                                break;
                        }
                        size_t ncap = cap * 2 > HVS_MAX_NVD_JSON_BYTES + 1u ? HVS_MAX_NVD_JSON_BYTES + 1u : cap * 2;
                        uint8_t *p = hvs_realloc(out, ncap + 1);
                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        out = p;
                        cap = ncap;
                }
                size_t room = cap - n > UINT_MAX ? UINT_MAX : cap - n;
                z.next_out = out + n;
                z.avail_out = (uInt)room;
                int zr = inflate(&z, Z_NO_FLUSH);
                n += room - z.avail_out;
                if (zr == Z_STREAM_END) {
                        /* Concatenated gzip members are one stream (gzip(1) semantics). */
                        if (z.avail_in == 0 && left == 0)
                                break;
                        if (inflateReset(&z) != Z_OK) {
                                r = HVS_BADMSG(d, "corrupt gzip data");
                                break;
                        }
                        continue;
                }
                if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
                        r = HVS_BADMSG(d, "truncated gzip data");
                        break;
                }
                if (zr != Z_OK && zr != Z_BUF_ERROR) {
                        r = zr == Z_MEM_ERROR ? -ENOMEM
                                              : HVS_BADMSG(d, "corrupt gzip data: %s", z.msg ? z.msg : "inflate failed");
                        break;
                }
        }
        inflateEnd(&z);
        if (r < 0) {
                free(out);
                return r;
        }
        out[n] = 0;
        *ret = out;
        *ret_len = n;
        return 0;
}

/* ---------------------------------------------------------------- JSON helpers */

static json_object *get(json_object *o, const char *key) {
        json_object *v = NULL;
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
                return NULL;
        return v;
}

static json_object *get_type(json_object *o, const char *key, json_type t) {
        json_object *v = get(o, key);
        return v && json_object_is_type(v, t) ? v : NULL;
}

/* An entry's problem: the record is skipped with this reason. */
struct ctx {
        hvs_vuln_feed *f;
        char why[256];
};

__attribute__((format(printf, 2, 3))) static int bad(struct ctx *c, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, sizeof c->why, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

/* A short string member: absent or null -> "", wrong type or too long -> error. */
static int short_str(struct ctx *c, json_object *o, const char *key, char **out) {
        json_object *v = get(o, key);
        const char *s = "";
        if (v && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_string))
                        return bad(c, "'%s' is not a string", key);
                if ((size_t)json_object_get_string_len(v) > HVS_MAX_NVD_FIELD)
                        return bad(c, "'%s' of %d bytes exceeds limit %u", key, json_object_get_string_len(v),
                                   HVS_MAX_NVD_FIELD);
                s = json_object_get_string(v);
        }
        char *d = hvs_strdup(s);
        if (!d)
                return -ENOMEM;
        free(*out);
        *out = d;
        return 0;
}

static int date_field(struct ctx *c, json_object *o, const char *key, char **out) {
        int r = short_str(c, o, key, out);
        if (r < 0 || !**out)
                return r;
        char norm[32];
        if (vuln_norm_date(*out, norm, sizeof norm) < 0)
                return bad(c, "'%s' is not an ISO 8601 UTC date", key);
        char *d = hvs_strdup(norm);
        if (!d)
                return -ENOMEM;
        free(*out);
        *out = d;
        return 0;
}

/* The English value of a [{lang, value}] list. */
static int english(struct ctx *c, json_object *list, const char *what, char **out) {
        if (!list || !json_object_is_type(list, json_type_array))
                return bad(c, "no %s list", what);
        size_t n = json_object_array_length(list);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(list, i);
                json_object *lang = get_type(e, "lang", json_type_string), *val = get(e, "value");
                if (!lang || strcmp(json_object_get_string(lang), "en"))
                        continue;
                if (!val || !json_object_is_type(val, json_type_string))
                        return bad(c, "English %s is not a string", what);
                size_t len = (size_t)json_object_get_string_len(val);
                if (len > HVS_MAX_NVD_TEXT)
                        return bad(c, "%s of %zu bytes exceeds limit %u", what, len, HVS_MAX_NVD_TEXT);
                const char *s = json_object_get_string(val);
                if (strlen(s) != len)
                        return bad(c, "%s contains a NUL character", what);
                if (!len)
                        break;
                char *d = hvs_strdup(s);
                if (!d)
                        return -ENOMEM;
                *out = d;
                return 0;
        }
        return bad(c, "no English %s", what);
}

static int add_cwe(struct ctx *c, hvs_vuln_record *r, const char *s) {
        if (!*s)
                return 0;
        if (strlen(s) > HVS_MAX_NVD_FIELD)
                return bad(c, "weakness id too long");
        for (size_t i = 0; i < r->n_cwes; i++)
                if (!strcmp(r->cwes[i], s))
                        return 0;
        if (r->n_cwes >= HVS_MAX_NVD_CWES)
                return bad(c, "more than %u weakness ids", HVS_MAX_NVD_CWES);
        char **n = hvs_reallocarray(r->cwes, r->n_cwes + 1, sizeof *n);
        if (!n)
                return -ENOMEM;
        r->cwes = n;
        if (!(r->cwes[r->n_cwes] = hvs_strdup(s)))
                return -ENOMEM;
        r->n_cwes++;
        return 0;
}

/* Weakness lists: API 2.0 weaknesses[].description[], 1.1 problemtype_data[].description[]. */
static int cwe_lists(struct ctx *c, hvs_vuln_record *r, json_object *outer) {
        if (!outer || !json_object_is_type(outer, json_type_array))
                return 0;
        size_t n = json_object_array_length(outer);
        for (size_t i = 0; i < n; i++) {
                json_object *inner = get_type(json_object_array_get_idx(outer, i), "description", json_type_array);
                size_t m = inner ? json_object_array_length(inner) : 0;
                for (size_t j = 0; j < m; j++) {
                        json_object *v = get_type(json_object_array_get_idx(inner, j), "value", json_type_string);
                        int k = v ? add_cwe(c, r, json_object_get_string(v)) : 0;
                        if (k < 0)
                                return k;
                }
        }
        return 0;
}

struct cpe_acc {
        hvs_vuln_cpe *v;
        size_t n, cap;
        size_t seen;
};

static int add_cpe(struct ctx *c, struct cpe_acc *a, json_object *m, const char *crit_key) {
        json_object *crit = get_type(m, crit_key, json_type_string), *vul = get(m, "vulnerable");
        if (!crit)
                return 0;
        if (++a->seen > HVS_MAX_NVD_CPES)
                return bad(c, "more than %u CPE matches", HVS_MAX_NVD_CPES);
        if ((size_t)json_object_get_string_len(crit) > HVS_MAX_NVD_FIELD)
                return bad(c, "CPE string too long");
        if (a->n == a->cap) {
                size_t ncap = a->cap ? a->cap * 2 : 16;
                hvs_vuln_cpe *p = hvs_reallocarray(a->v, ncap, sizeof *p);
                if (!p)
                        return -ENOMEM;
                a->v = p;
                a->cap = ncap;
        }
        char *s = hvs_strdup(json_object_get_string(crit));
        if (!s)
                return -ENOMEM;
        a->v[a->n++] = (hvs_vuln_cpe){ s, vul && json_object_get_boolean(vul) };
        return 0;
}

/*
 * A configuration node: cpeMatch (2.0) or cpe_match (1.1) lists, children
 * (1.1) or nodes (2.0 configurations). JSON depth is already bounded by the
 * tokener, so the recursion is too.
 */
static int cpe_node(struct ctx *c, struct cpe_acc *a, json_object *node, const char *list_key, const char *crit_key) {
        json_object *l = get_type(node, list_key, json_type_array);
        for (size_t i = 0, n = l ? json_object_array_length(l) : 0; i < n; i++) {
                int r = add_cpe(c, a, json_object_array_get_idx(l, i), crit_key);
                if (r < 0)
                        return r;
        }
        static const char *const kids[] = { "children", "nodes" };
        for (size_t k = 0; k < 2; k++) {
                json_object *ch = get_type(node, kids[k], json_type_array);
                for (size_t i = 0, n = ch ? json_object_array_length(ch) : 0; i < n; i++) {
                        int r = cpe_node(c, a, json_object_array_get_idx(ch, i), list_key, crit_key);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int cpe_cmp(const void *a, const void *b) {
        const hvs_vuln_cpe *x = a, *y = b;
        int k = strcmp(x->criteria, y->criteria);
        return k ? k : (int)y->vulnerable - (int)x->vulnerable;
}

/* Sorted, without duplicates: the same match often appears in several configurations. */
static void cpe_finish(struct cpe_acc *a, hvs_vuln_record *r) {
        if (a->n)
                qsort(a->v, a->n, sizeof *a->v, cpe_cmp);
        size_t k = 0;
        for (size_t i = 0; i < a->n; i++) {
                if (k && !strcmp(a->v[k - 1].criteria, a->v[i].criteria) && a->v[k - 1].vulnerable == a->v[i].vulnerable) {
                        free(a->v[i].criteria);
                        continue;
                }
                a->v[k++] = a->v[i];
        }
        r->cpes = a->v;
        r->n_cpes = k;
        a->v = NULL;
        a->n = a->cap = 0;
}

static void cpe_acc_free(struct cpe_acc *a) {
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i].criteria);
        free(a->v);
}

/* The vector and score of the preferred metric of a list: NVD's Primary, else the first. */
static int metric(struct ctx *c, json_object *list, char **vec, double *score) {
        if (!list || !json_object_is_type(list, json_type_array) || !json_object_array_length(list))
                return 0;
        json_object *pick = json_object_array_get_idx(list, 0);
        for (size_t i = 0, n = json_object_array_length(list); i < n; i++) {
                json_object *t = get_type(json_object_array_get_idx(list, i), "type", json_type_string);
                if (t && !strcmp(json_object_get_string(t), "Primary")) {
                        pick = json_object_array_get_idx(list, i);
                        break;
                }
        }
        json_object *data = get_type(pick, "cvssData", json_type_object);
        if (!data)
                return 0;
        int r = short_str(c, data, "vectorString", vec);
        if (r < 0)
                return r;
        json_object *s = get(data, "baseScore");
        if (s && (json_object_is_type(s, json_type_double) || json_object_is_type(s, json_type_int))) {
                double v = json_object_get_double(s);
                *score = v >= 0 && v <= 10 ? v : -1;
        }
        return 0;
}

static bool rejected_text(const char *desc) { return !strncmp(desc, "** REJECT **", 12); }

static int finish_record(struct ctx *c, hvs_vuln_record *r) {
        char **strs[] = { &r->id, &r->source_identifier, &r->published, &r->last_modified, &r->status,
                          &r->description, &r->cvss_v2, &r->cvss_v3 };
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
                if (!*strs[i] && !(*strs[i] = hvs_strdup("")))
                        return -ENOMEM;
        if (!strcmp(r->status, "Rejected") || rejected_text(r->description))
                return bad(c, "rejected CVE");
        return 0;
}

/* One API 2.0 "cve" object. */
static int parse_cve2(struct ctx *c, json_object *cve, hvs_vuln_record *r) {
        int k;
        r->score_v2 = r->score_v3 = -1;
        if (!cve || !json_object_is_type(cve, json_type_object))
                return bad(c, "entry has no 'cve' object");
        if ((k = short_str(c, cve, "id", &r->id)) < 0)
                return k;
        if (!vuln_valid_id(r->id))
                return bad(c, "no valid CVE id");
        if ((k = short_str(c, cve, "sourceIdentifier", &r->source_identifier)) < 0 ||
            (k = date_field(c, cve, "published", &r->published)) < 0 ||
            (k = date_field(c, cve, "lastModified", &r->last_modified)) < 0 ||
            (k = short_str(c, cve, "vulnStatus", &r->status)) < 0 ||
            (k = english(c, get(cve, "descriptions"), "description", &r->description)) < 0)
                return k;
        json_object *m = get_type(cve, "metrics", json_type_object);
        if ((k = metric(c, get(m, "cvssMetricV2"), &r->cvss_v2, &r->score_v2)) < 0)
                return k;
        json_object *v3 = get(m, "cvssMetricV31");
        if (!v3 || !json_object_is_type(v3, json_type_array) || !json_object_array_length(v3))
                v3 = get(m, "cvssMetricV30");
        if ((k = metric(c, v3, &r->cvss_v3, &r->score_v3)) < 0)
                return k;
        if ((k = cwe_lists(c, r, get(cve, "weaknesses"))) < 0)
                return k;
        struct cpe_acc a = { 0 };
        json_object *cfgs = get_type(cve, "configurations", json_type_array);
        for (size_t i = 0, n = cfgs ? json_object_array_length(cfgs) : 0; i < n && k >= 0; i++)
                k = cpe_node(c, &a, json_object_array_get_idx(cfgs, i), "cpeMatch", "criteria");
        if (k < 0) {
                cpe_acc_free(&a);
                return k;
        }
        cpe_finish(&a, r);
        return finish_record(c, r);
}

/* One JSON 1.1 feed item. */
static int parse_item11(struct ctx *c, json_object *item, hvs_vuln_record *r) {
        int k;
        r->score_v2 = r->score_v3 = -1;
        json_object *cve = get_type(item, "cve", json_type_object);
        json_object *meta = get_type(cve, "CVE_data_meta", json_type_object);
        if (!meta)
                return bad(c, "item has no CVE_data_meta");
        if ((k = short_str(c, meta, "ID", &r->id)) < 0)
                return k;
        if (!vuln_valid_id(r->id))
                return bad(c, "no valid CVE id");
        if ((k = short_str(c, meta, "ASSIGNER", &r->source_identifier)) < 0 ||
            (k = date_field(c, item, "publishedDate", &r->published)) < 0 ||
            (k = date_field(c, item, "lastModifiedDate", &r->last_modified)) < 0 ||
            (k = english(c, get(get(cve, "description"), "description_data"), "description", &r->description)) < 0)
                return k;
        json_object *impact = get_type(item, "impact", json_type_object);
        json_object *b2 = get_type(get(impact, "baseMetricV2"), "cvssV2", json_type_object);
        json_object *b3 = get_type(get(impact, "baseMetricV3"), "cvssV3", json_type_object);
        struct {
                json_object *o;
                char **vec;
                double *score;
        } mets[] = { { b2, &r->cvss_v2, &r->score_v2 }, { b3, &r->cvss_v3, &r->score_v3 } };
        for (size_t i = 0; i < 2; i++) {
                if (!mets[i].o)
                        continue;
                if ((k = short_str(c, mets[i].o, "vectorString", mets[i].vec)) < 0)
                        return k;
                json_object *s = get(mets[i].o, "baseScore");
                if (s && (json_object_is_type(s, json_type_double) || json_object_is_type(s, json_type_int))) {
                        double v = json_object_get_double(s);
                        *mets[i].score = v >= 0 && v <= 10 ? v : -1;
                }
        }
        if ((k = cwe_lists(c, r, get(get(cve, "problemtype"), "problemtype_data"))) < 0)
                return k;
        struct cpe_acc a = { 0 };
        json_object *nodes = get_type(get(item, "configurations"), "nodes", json_type_array);
        for (size_t i = 0, n = nodes ? json_object_array_length(nodes) : 0; i < n && k >= 0; i++)
                k = cpe_node(c, &a, json_object_array_get_idx(nodes, i), "cpe_match", "cpe23Uri");
        if (k < 0) {
                cpe_acc_free(&a);
                return k;
        }
        cpe_finish(&a, r);
        return finish_record(c, r);
}

static int64_t int_member(json_object *o, const char *key) {
        json_object *v = get_type(o, key, json_type_int);
        if (!v)
                return -1;
        int64_t x = json_object_get_int64(v);
        return x < 0 ? -1 : x;
}

static int parse_doc(json_object *root, hvs_vuln_feed *f, hvs_diag *d) {
        if (!json_object_is_type(root, json_type_object))
                return HVS_BADMSG(d, "not an NVD document: the top level is not an object");
        json_object *list = get(root, "vulnerabilities");
        bool v2 = list != NULL;
        if (!v2)
                list = get(root, "CVE_Items");
        if (!list)
                return HVS_BADMSG(d, "not an NVD document: no 'vulnerabilities' (API 2.0) or 'CVE_Items' (1.1 feed)");
        if (!json_object_is_type(list, json_type_array))
                return HVS_BADMSG(d, "'%s' is not an array", v2 ? "vulnerabilities" : "CVE_Items");
        f->info.format = v2 ? HVS_VULN_FMT_API2 : HVS_VULN_FMT_FEED11;
        if (v2) {
                f->info.total_results = int_member(root, "totalResults");
                f->info.start_index = int_member(root, "startIndex");
                f->info.results_per_page = int_member(root, "resultsPerPage");
        }
        json_object *ts = get_type(root, v2 ? "timestamp" : "CVE_data_timestamp", json_type_string);
        if (ts)
                hvs_strlcpy(f->info.timestamp, json_object_get_string(ts), sizeof f->info.timestamp);
        size_t n = json_object_array_length(list);
        if (n > HVS_MAX_NVD_RECORDS)
                return HVS_DIAG(d, -E2BIG, "%zu records exceed the limit of %u", n, HVS_MAX_NVD_RECORDS);
        f->info.n_items = n;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(list, i);
                struct ctx c = { .f = f };
                hvs_vuln_record r = { 0 };
                int k = v2 ? parse_cve2(&c, get(e, "cve"), &r) : parse_item11(&c, e, &r);
                if (k == -ENOMEM || (k >= 0 && (k = vuln_feed_take(f, &r)) == -ENOMEM)) {
                        vuln_record_clear(&r);
                        return -ENOMEM;
                }
                if (k < 0)
                        vuln_feed_reject(f, "entry %zu%s%s: %s", i, r.id && r.id[0] ? " " : "",
                                         r.id && r.id[0] && strlen(r.id) < 40 ? r.id : "", c.why);
                vuln_record_clear(&r);
        }
        return 0;
}

int hvs_vuln_feed_parse(const void *buf, size_t len, hvs_diag *d, hvs_vuln_feed **ret) {
        const uint8_t *p = buf;
        _cleanup_free_ uint8_t *inflated = NULL;
        bool gz = len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
        if (len >= 4 && !memcmp(p, "PK\x03\x04", 4))
                return HVS_DIAG(d, -EBADMSG, "a zip archive: unzip it first (plain or gzip JSON is read)");
        if (gz) {
                size_t n;
                int r = inflate_all(p, len, d, &inflated, &n);
                if (r < 0)
                        return r;
                p = inflated;
                len = n;
        }
        if (len > HVS_MAX_NVD_JSON_BYTES)
                return HVS_DIAG(d, -E2BIG, "%zu bytes of JSON exceed the limit of %u", len, HVS_MAX_NVD_JSON_BYTES);
        while (len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
                p++, len--;
        if (!len)
                return HVS_BADMSG(d, "empty input");
        json_tokener *tok = json_tokener_new_ex((int)HVS_MAX_NVD_JSON_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_object *root = json_tokener_parse_ex(tok, (const char *)p, (int)len);
        enum json_tokener_error err = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!root) {
                if (err == json_tokener_continue)
                        return HVS_BADMSG(d, "truncated JSON (input ends inside a value)");
                if (err == json_tokener_error_depth)
                        return HVS_DIAG(d, -E2BIG, "JSON nested deeper than %u levels", HVS_MAX_NVD_JSON_DEPTH);
                return HVS_BADMSG(d, "malformed JSON at byte %zu: %s", end, json_tokener_error_desc(err));
        }
        for (; end < len; end++)
                if (p[end] != ' ' && p[end] != '\n' && p[end] != '\r' && p[end] != '\t') {
                        json_object_put(root);
                        return HVS_BADMSG(d, "malformed JSON: trailing data at byte %zu", end);
                }
        hvs_vuln_feed *f = vuln_feed_alloc();
        if (!f) {
                json_object_put(root);
                return -ENOMEM;
        }
        f->info.gzip = gz;
        int r = parse_doc(root, f, d);
        json_object_put(root);
        if (r < 0) {
                hvs_vuln_feed_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

int hvs_vuln_feed_load(const char *path, hvs_diag *d, hvs_vuln_feed **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r = hvs_read_file(path, HVS_MAX_NVD_FILE_BYTES, &buf, &n);
        if (r == -E2BIG)
                return HVS_DIAG(d, r, "'%s' is larger than the limit of %u bytes", path, HVS_MAX_NVD_FILE_BYTES);
        if (r < 0)
                return HVS_DIAG(d, r, "cannot read '%s': %s", path, strerror(-r));
        return hvs_vuln_feed_parse(buf, n, d, ret);
}
