/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * feed.c - the record container (hvs_vuln_feed) and the small helpers every
 * vuln file uses: record copies, id and date validation, bounded strings.
 */
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include "vuln-internal.h"

hvs_vuln_feed *vuln_feed_alloc(void) {
        hvs_vuln_feed *f = hvs_calloc(1, sizeof *f);
        if (!f)
                return NULL;
        f->info.total_results = f->info.start_index = f->info.results_per_page = -1;
        return f;
}

int hvs_vuln_feed_new(hvs_vuln_feed **ret) {
        hvs_vuln_feed *f = vuln_feed_alloc();
        if (!f)
                return -ENOMEM;
        *ret = f;
        return 0;
}

void vuln_record_clear(hvs_vuln_record *r) {
        free(r->id);
        free(r->source_identifier);
        free(r->published);
        free(r->last_modified);
        free(r->status);
        free(r->description);
        free(r->cvss_v2);
        free(r->cvss_v3);
        for (size_t i = 0; i < r->n_cwes; i++)
                free(r->cwes[i]);
        free(r->cwes);
        for (size_t i = 0; i < r->n_cpes; i++)
                free(r->cpes[i].criteria);
        free(r->cpes);
        memset(r, 0, sizeof *r);
}

int vuln_feed_take(hvs_vuln_feed *f, hvs_vuln_record *r) {
        if (f->n >= HVS_MAX_NVD_RECORDS)
                return -E2BIG;
        if (f->n == f->cap) {
                size_t ncap = f->cap ? f->cap * 2 : 64;
                hvs_vuln_record *n = hvs_reallocarray(f->recs, ncap, sizeof *n);
                if (!n)
                        return -ENOMEM;
                f->recs = n;
                f->cap = ncap;
        }
        f->recs[f->n++] = *r;
        memset(r, 0, sizeof *r);
        return 0;
}

void vuln_feed_reject(hvs_vuln_feed *f, const char *fmt, ...) {
        f->info.n_rejected++;
        if (f->n_reject_msgs >= HVS_MAX_NVD_REJECT_MSGS)
                return;
        char msg[384];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        char *m = hvs_strdup(msg);
        if (m)
                f->rejects[f->n_reject_msgs++] = m;
}

static char *dup_or_empty(const char *s) { return hvs_strdup(s ? s : ""); }

int hvs_vuln_feed_add(hvs_vuln_feed *f, const hvs_vuln_record *rec) {
        if (!f || !rec || !rec->id || !rec->id[0] || !rec->description || !rec->description[0])
                return -EINVAL;
        if (f->n >= HVS_MAX_NVD_RECORDS)
                return -E2BIG;
        hvs_vuln_record r = {
                .id = dup_or_empty(rec->id),
                .source_identifier = dup_or_empty(rec->source_identifier),
                .published = dup_or_empty(rec->published),
                .last_modified = dup_or_empty(rec->last_modified),
                .status = dup_or_empty(rec->status),
                .description = dup_or_empty(rec->description),
                .cvss_v2 = dup_or_empty(rec->cvss_v2),
                .cvss_v3 = dup_or_empty(rec->cvss_v3),
                .score_v2 = rec->score_v2,
                .score_v3 = rec->score_v3,
        };
        bool ok = r.id && r.source_identifier && r.published && r.last_modified && r.status && r.description &&
                  r.cvss_v2 && r.cvss_v3;
        if (ok && rec->n_cwes) {
                r.cwes = hvs_calloc(rec->n_cwes, sizeof *r.cwes);
                ok = r.cwes;
                for (size_t i = 0; ok && i < rec->n_cwes; i++, r.n_cwes++)
                        ok = (r.cwes[i] = dup_or_empty(rec->cwes[i]));
        }
        if (ok && rec->n_cpes) {
                r.cpes = hvs_calloc(rec->n_cpes, sizeof *r.cpes);
                ok = r.cpes;
                for (size_t i = 0; ok && i < rec->n_cpes; i++, r.n_cpes++) {
                        r.cpes[i].vulnerable = rec->cpes[i].vulnerable;
                        ok = (r.cpes[i].criteria = dup_or_empty(rec->cpes[i].criteria));
                }
        }
        int ret = ok ? vuln_feed_take(f, &r) : -ENOMEM;
        vuln_record_clear(&r);
        return ret;
}

const hvs_vuln_feed_info *hvs_vuln_feed_get_info(const hvs_vuln_feed *f) { return &f->info; }

size_t hvs_vuln_feed_count(const hvs_vuln_feed *f) { return f ? f->n : 0; }

const hvs_vuln_record *hvs_vuln_feed_get(const hvs_vuln_feed *f, size_t i) {
        return f && i < f->n ? &f->recs[i] : NULL;
}

const hvs_vuln_record *hvs_vuln_feed_find(const hvs_vuln_feed *f, const char *id) {
        for (size_t i = 0; f && id && i < f->n; i++)
                if (!strcasecmp(f->recs[i].id, id))
                        return &f->recs[i];
        return NULL;
}

const char *hvs_vuln_feed_reject(const hvs_vuln_feed *f, size_t i) {
        return f && i < f->n_reject_msgs ? f->rejects[i] : NULL;
}

hvs_vuln_feed *hvs_vuln_feed_free(hvs_vuln_feed *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                vuln_record_clear(&f->recs[i]);
        free(f->recs);
        for (size_t i = 0; i < f->n_reject_msgs; i++)
                free(f->rejects[i]);
        free(f);
        return NULL;
}

bool vuln_valid_id(const char *s) {
        if (strncmp(s, "CVE-", 4))
                return false;
        s += 4;
        for (int i = 0; i < 4; i++)
                if (!isdigit((unsigned char)s[i]))
                        return false;
        if (s[4] != '-')
                return false;
        size_t n = 0;
        for (s += 5; isdigit((unsigned char)*s); s++)
                n++;
        return *s == '\0' && n >= 4 && n <= 19;
}

static bool digits(const char *s, int n) {
        for (int i = 0; i < n; i++)
                if (!isdigit((unsigned char)s[i]))
                        return false;
        return true;
}

int vuln_norm_date(const char *in, char *out, size_t cap) {
        /* YYYY-MM-DDTHH:MM */
        if (cap < 24 || strlen(in) < 16 || !digits(in, 4) || in[4] != '-' || !digits(in + 5, 2) || in[7] != '-' ||
            !digits(in + 8, 2) || in[10] != 'T' || !digits(in + 11, 2) || in[13] != ':' || !digits(in + 14, 2))
                return -EBADMSG;
        char sec[3] = "00", ms[4] = "000";
        const char *p = in + 16;
        if (*p == ':') {
                if (!digits(p + 1, 2))
                        return -EBADMSG;
                memcpy(sec, p + 1, 2);
                p += 3;
                if (*p == '.') {
                        p++;
                        int k = 0;
                        while (isdigit((unsigned char)*p)) {
                                if (k < 3)
                                        ms[k++] = *p;
                                p++;
                        }
                        if (!k)
                                return -EBADMSG;
                }
        }
        /* Only UTC is accepted: NVD gives UTC, and a shifted date would misorder records. */
        if (*p == 'Z')
                p++;
        else if (!strcmp(p, "+00:00") || !strcmp(p, "-00:00"))
                p += 6;
        if (*p)
                return -EBADMSG;
        int mon = (in[5] - '0') * 10 + in[6] - '0', day = (in[8] - '0') * 10 + in[9] - '0';
        int hh = (in[11] - '0') * 10 + in[12] - '0', mm = (in[14] - '0') * 10 + in[15] - '0';
        int ss = (sec[0] - '0') * 10 + sec[1] - '0';
        if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
                return -EBADMSG;
        snprintf(out, cap, "%.10sT%.5s:%s.%s", in, in + 11, sec, ms);
        return 0;
}

int hvs_vuln_record_year(const hvs_vuln_record *rec) {
        char d[32];
        if (!rec || !rec->published || vuln_norm_date(rec->published, d, sizeof d) < 0)
                return -ENOENT;
        return (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
}

int vbuf_add(struct vbuf *b, const char *s, size_t n) {
        size_t need;
        if (hvs_add_overflow(b->n, n + 1, &need) || (b->max && need > b->max))
                return -E2BIG;
        if (need > b->cap) {
                size_t ncap = b->cap ? b->cap : 256;
                while (ncap < need)
                        ncap *= 2;
                if (b->max && ncap > b->max)
                        ncap = b->max;
                char *p = hvs_realloc(b->p, ncap);
                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->cap = ncap;
        }
        memcpy(b->p + b->n, s, n);
        b->n += n;
        b->p[b->n] = '\0';
        return 0;
}

int vbuf_addf(struct vbuf *b, const char *fmt, ...) {
        char tmp[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if ((size_t)n >= sizeof tmp)
                return -E2BIG;
        return vbuf_add(b, tmp, (size_t)n);
}
