/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rules.c - the rules file parser and the matchers (phrases, CWE ids, CVSS
 * vector parts, CPE vendor:product globs). The files are read as hostile
 * input: bounded lines, patterns and counts, a precise "FILE:LINE: reason"
 * for every mistake, and nothing of a bad file is kept.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <strings.h>
#include "rules.h"

const char *const vuln_part_names[P_COUNT] = { "location", "impact", "vector", "subject", "body", "header", "trace" };
static const char *const dim_names[HVS_VULN_NDIMS] = { "product", "functionality", "type", "source" };
static const char *const kind_names[] = { "phrase", "cwe", "cvss", "cpe" };
static const char *const mod_names[] = { "vote", "veto", "need", "mask", "fallback" };
static const char *const split_names[SPLIT_COUNT] = { "impact", "vector", "subject", "trace" };

/* Wildcards per pattern: the matcher backtracks over them. */
#define MAX_STARS 4
/* Word characters one '*' may stand for. */
#define MAX_STAR_RUN 64

const char *hvs_vuln_rules_dim_name(enum hvs_vuln_dim dim) {
        return (unsigned)dim < HVS_VULN_NDIMS ? dim_names[dim] : NULL;
}

int hvs_vuln_rules_new(hvs_vuln_rules **ret) {
        hvs_vuln_rules *r = hvs_calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        for (size_t d = 0; d < HVS_VULN_NDIMS; d++) {
                r->threshold[d] = 1;
                for (size_t p = 0; p < P_COUNT; p++)
                        r->part_factor[d][p] = p == P_HEADER || p == P_TRACE ? 0 : 1;
        }
        *ret = r;
        return 0;
}

hvs_vuln_rules *hvs_vuln_rules_free(hvs_vuln_rules *r) {
        if (!r)
                return NULL;
        for (size_t d = 0; d < HVS_VULN_NDIMS; d++)
                for (size_t k = 0; k < r->ncls[d]; k++) {
                        free(r->cls[d][k].id);
                        free(r->cls[d][k].name);
                }
        free(r->rules);
        free(r->splits);
        for (size_t d = 0; d < HVS_VULN_NDIMS; d++)
                free(r->bydim[d]);
        for (size_t i = 0; i < r->ngroups; i++)
                free(r->groups[i].name);
        for (size_t i = 0; i < r->nfiles; i++)
                free(r->files[i]);
        free(r->files);
        for (size_t i = 0; i < r->npool; i++)
                free(r->pool[i]);
        free(r->pool);
        free(r);
        return NULL;
}

size_t hvs_vuln_rules_nclasses(const hvs_vuln_rules *r, enum hvs_vuln_dim dim) {
        return r && (unsigned)dim < HVS_VULN_NDIMS ? r->ncls[dim] : 0;
}

const char *hvs_vuln_rules_class_id(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, size_t k) {
        return r && (unsigned)dim < HVS_VULN_NDIMS && k < r->ncls[dim] ? r->cls[dim][k].id : NULL;
}

const char *hvs_vuln_rules_class_name(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, size_t k) {
        return r && (unsigned)dim < HVS_VULN_NDIMS && k < r->ncls[dim] ? r->cls[dim][k].name : NULL;
}

int hvs_vuln_rules_class_find(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, const char *id) {
        if (!r || (unsigned)dim >= HVS_VULN_NDIMS || !id)
                return -ENOENT;
        for (size_t k = 0; k < r->ncls[dim]; k++)
                if (!strcmp(r->cls[dim][k].id, id))
                        return (int)k;
        return -ENOENT;
}

int hvs_vuln_rules_products(const hvs_vuln_rules *r, const char *name, uint32_t *ret_mask) {
        if (!r || !name)
                return -ENOENT;
        if (!strcmp(name, "all")) {
                *ret_mask = r->ncls[HVS_VULN_PRODUCT] >= 32 ? UINT32_MAX : (1u << r->ncls[HVS_VULN_PRODUCT]) - 1;
                return 0;
        }
        int k = hvs_vuln_rules_class_find(r, HVS_VULN_PRODUCT, name);
        if (k >= 0) {
                *ret_mask = 1u << k;
                return 0;
        }
        for (size_t i = 0; i < r->ngroups; i++)
                if (!strcmp(r->groups[i].name, name)) {
                        *ret_mask = r->groups[i].mask;
                        return 0;
                }
        return -ENOENT;
}

int hvs_vuln_rules_check(const hvs_vuln_rules *r, hvs_diag *d) {
        if (!r)
                return -EINVAL;
        for (size_t dim = 0; dim < HVS_VULN_NDIMS; dim++) {
                if (!r->ncls[dim])
                        return HVS_BADMSG(d, "rules declare no %s class", dim_names[dim]);
                if (dim == HVS_VULN_PRODUCT)
                        continue;
                if (hvs_vuln_rules_class_find(r, dim, "unknown") < 0)
                        return HVS_BADMSG(d, "rules declare no 'unknown' %s class", dim_names[dim]);
                if (r->norder[dim] + 1 < r->ncls[dim])
                        return HVS_BADMSG(d, "the %s order names %zu of %zu classes", dim_names[dim], r->norder[dim],
                                          r->ncls[dim] - 1);
        }
        return 0;
}

/* ---------------------------------------------------------------- matching */

static inline bool is_word(unsigned char c) { return isalnum(c) || c == '_'; }
static inline bool is_sep(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-'; }

/* Matches compiled pattern @p at @t[@i], not beyond @to. Return: end offset, or (size_t)-1. */
static inline bool gap_ok(unsigned char c) { return c != '.' && c != ';' && c != '(' && c != ')'; }

static size_t match_at(const char *p, const char *t, size_t i, size_t to) {
        for (; *p; p++) {
                if (*p == GAP_CHAR) {
                        /* A run that starts and ends with a separator, within one clause: " ", " host OS ". */
                        /* A single line break is wrapping; a blank line ends the clause. */
                        for (size_t n = 1; n <= GAP_MAX && i + n <= to && gap_ok((unsigned char)t[i + n - 1]) &&
                                           !(n >= 2 && t[i + n - 1] == '\n' && t[i + n - 2] == '\n');
                             n++) {
                                if (!is_sep((unsigned char)t[i]) || !is_sep((unsigned char)t[i + n - 1]))
                                        continue;
                                size_t e = match_at(p + 1, t, i + n, to);
                                if (e != (size_t)-1)
                                        return e;
                        }
                        return (size_t)-1;
                }
                if (*p == ' ') {
                        if (i >= to || !is_sep((unsigned char)t[i]))
                                return (size_t)-1;
                        while (i < to && is_sep((unsigned char)t[i]))
                                i++;
                } else if (*p == '*') {
                        size_t n = 0;
                        while (i + n < to && n < MAX_STAR_RUN && is_word((unsigned char)t[i + n]))
                                n++;
                        for (size_t k = n + 1; k-- > 0;) {
                                size_t e = match_at(p + 1, t, i + k, to);
                                if (e != (size_t)-1)
                                        return e;
                        }
                        return (size_t)-1;
                } else {
                        if (i >= to || t[i] != *p)
                                return (size_t)-1;
                        i++;
                }
        }
        return i;
}

size_t vuln_phrase_find(const struct rule *ru, const char *text, const char *lc, size_t from, size_t to,
                        struct span *out, size_t max) {
        const char *t = ru->case_sensitive ? text : lc;
        size_t n = 0;
        char first = ru->pat[0];
        bool literal = first != '*' && first != ' ';
        size_t i = from;
        while (i < to && n < max) {
                if (literal) {
                        const char *q = memchr(t + i, first, to - i);
                        if (!q)
                                break;
                        i = (size_t)(q - t);
                }
                if (ru->left_bound && i > 0 && is_word((unsigned char)text[i - 1])) {
                        i++;
                        continue;
                }
                size_t e = match_at(ru->pat, t, i, to);
                if (e == (size_t)-1 || e == i || (ru->right_bound && is_word((unsigned char)text[e]))) {
                        i++;
                        continue;
                }
                out[n++] = (struct span){ i, e };
                i = e;
        }
        return n;
}

static inline int short_cmp(const char *a, const char *b, size_t n);

static int word_cmp(const char *lc, const struct span *x, const struct span *y) {
        size_t lx = x->end - x->pos, ly = y->end - y->pos;
        int k = short_cmp(lc + x->pos, lc + y->pos, lx < ly ? lx : ly);
        return k ? k : (lx > ly) - (lx < ly);
}

/* Heapsort with the text as context (qsort has none, and a static would not be thread-safe). */
static void sift(const char *lc, struct span *v, size_t i, size_t n) {
        for (;;) {
                size_t l = 2 * i + 1, big = i;
                if (l < n && word_cmp(lc, &v[l], &v[big]) > 0)
                        big = l;
                if (l + 1 < n && word_cmp(lc, &v[l + 1], &v[big]) > 0)
                        big = l + 1;
                if (big == i)
                        return;
                struct span t = v[i];
                v[i] = v[big];
                v[big] = t;
                i = big;
        }
}

static void sort_words(const char *lc, struct span *v, size_t n) {
        for (size_t i = n / 2; i-- > 0;)
                sift(lc, v, i, n);
        for (size_t end = n; end > 1; end--) {
                struct span t = v[0];
                v[0] = v[end - 1];
                v[end - 1] = t;
                sift(lc, v, 0, end - 1);
        }
}

int vuln_words_build(const char *lc, size_t len, struct words *w) {
        size_t n = 0, cap = 64;
        struct span *v = hvs_malloc(cap * sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < len;) {
                if (!is_word((unsigned char)lc[i])) {
                        i++;
                        continue;
                }
                size_t j = i;
                while (j < len && is_word((unsigned char)lc[j]))
                        j++;
                if (n == cap) {
                        struct span *p = hvs_reallocarray(v, cap * 2, sizeof *v);
                        if (!p) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = p;
                        cap *= 2;
                }
                v[n++] = (struct span){ i, j };
                i = j;
        }
        sort_words(lc, v, n);
        *w = (struct words){ lc, v, n };
        return 0;
}

/* memcmp() for the few bytes of a word: inline is faster than the library call here. */
static inline int short_cmp(const char *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (a[i] != b[i])
                        return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
        return 0;
}

bool vuln_words_may_match(const struct words *w, const struct rule *ru) {
        if (!ru->tok_len)
                return true;
        size_t lo = 0, hi = w->n, n = ru->tok_len;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct span *s = &w->v[mid];
                size_t l = s->end - s->pos;
                int k = short_cmp(w->lc + s->pos, ru->tok, l < n ? l : n);
                if (k < 0 || (k == 0 && l < n))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == w->n)
                return false;
        const struct span *s = &w->v[lo];
        size_t l = s->end - s->pos;
        if (l < n || short_cmp(w->lc + s->pos, ru->tok, n))
                return false;
        return ru->tok_prefix || l == n;
}

/* "cpe:2.3:a:VENDOR:PRODUCT:..." -> "vendor:product" in @out. */
static bool cpe_vendor_product(const char *crit, char *out, size_t cap) {
        const char *f[6];
        size_t nf = 0;
        f[nf++] = crit;
        for (const char *p = crit; *p && nf < 6; p++) {
                if (*p == '\\' && p[1]) {
                        p++;
                        continue;
                }
                if (*p == ':')
                        f[nf++] = p + 1;
        }
        if (nf < 6 || strncmp(crit, "cpe:2.3:", 8))
                return false;
        size_t lv = (size_t)(f[4] - 1 - f[3]), lp = (size_t)(f[5] - 1 - f[4]);
        if (lv + lp + 2 > cap)
                return false;
        memcpy(out, f[3], lv);
        out[lv] = ':';
        memcpy(out + lv + 1, f[4], lp);
        out[lv + 1 + lp] = '\0';
        for (char *c = out; *c; c++)
                *c = (char)tolower((unsigned char)*c);
        return true;
}

static bool vector_has(const char *vec, const char *part) {
        size_t n = strlen(part);
        for (const char *p = vec; *p;) {
                const char *e = strchr(p, '/');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (len == n && !strncmp(p, part, n))
                        return true;
                if (!e)
                        break;
                p = e + 1;
        }
        return false;
}

bool vuln_cond_holds(const struct rule *ru, const hvs_vuln_record *rec) {
        return !ru->cvss_cond || vector_has(rec->cvss_v3, ru->cvss_cond) || vector_has(rec->cvss_v2, ru->cvss_cond);
}

bool vuln_field_match(const struct rule *ru, const hvs_vuln_record *rec) {
        switch (ru->kind) {
        case RK_CWE:
                for (size_t i = 0; i < rec->n_cwes; i++)
                        if (!strcasecmp(rec->cwes[i], ru->pat))
                                return true;
                return false;
        case RK_CVSS:
                if (!strncmp(ru->pat, "v2:", 3))
                        return vector_has(rec->cvss_v2, ru->pat + 3);
                if (!strncmp(ru->pat, "v3:", 3))
                        return vector_has(rec->cvss_v3, ru->pat + 3);
                return vector_has(rec->cvss_v3, ru->pat) || vector_has(rec->cvss_v2, ru->pat);
        case RK_CPE: {
                char vp[2 * HVS_MAX_NVD_FIELD + 2];
                for (size_t i = 0; i < rec->n_cpes; i++)
                        if (rec->cpes[i].vulnerable && cpe_vendor_product(rec->cpes[i].criteria, vp, sizeof vp) &&
                            fnmatch(ru->pat, vp, 0) == 0)
                                return true;
                return false;
        }
        default:
                return false;
        }
}

/* ---------------------------------------------------------------- parser */

struct pctx {
        hvs_vuln_rules *r;
        const char *name;
        unsigned line;
        uint16_t file;
        int sec_dim, sec_cls;   /* current [dim class] section, -1 = none */
        hvs_diag *d;
};

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *c, const char *fmt, ...) {
        char msg[300];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        return HVS_BADMSG(c->d, "%s:%u: %s", c->name, c->line, msg);
}

static int words(struct pctx *c, char *s, char **w, size_t max, size_t *ret_n) {
        int k = vuln_split_words(s, w, max, ret_n);
        if (k == -E2BIG)
                return perr(c, "too many words");
        if (k < 0)
                return perr(c, "unterminated quoted string");
        return 0;
}

int vuln_split_words(char *s, char **w, size_t max, size_t *ret_n) {
        size_t n = 0;
        while (*s) {
                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s)
                        break;
                if (n == max)
                        return -E2BIG;
                if (*s == '"') {
                        char *e = strchr(s + 1, '"');
                        if (!e)
                                return -EBADMSG;
                        *e = '\0';
                        w[n++] = s + 1;
                        s = e + 1;
                        continue;
                }
                w[n++] = s;
                while (*s && *s != ' ' && *s != '\t')
                        s++;
                if (*s)
                        *s++ = '\0';
        }
        *ret_n = n;
        return 0;
}

static int dim_of(struct pctx *c, const char *w) {
        for (int i = 0; i < HVS_VULN_NDIMS; i++)
                if (!strcmp(w, dim_names[i]))
                        return i;
        return perr(c, "unknown dimension '%s' (product, functionality, type, source)", w);
}

static bool valid_id(const char *s) {
        if (!*s || strlen(s) > 63)
                return false;
        for (; *s; s++)
                if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
                        return false;
        return true;
}

static int class_of(struct pctx *c, int dim, const char *w) {
        int k = hvs_vuln_rules_class_find(c->r, dim, w);
        return k >= 0 ? k : perr(c, "unknown %s class '%s' (declare it with 'class')", dim_names[dim], w);
}

static char *pool_dup(struct pctx *c, const char *s, size_t n) {
        hvs_vuln_rules *r = c->r;
        if (r->npool == r->cappool) {
                size_t ncap = r->cappool ? r->cappool * 2 : 256;
                char **p = hvs_reallocarray(r->pool, ncap, sizeof *p);
                if (!p)
                        return NULL;
                r->pool = p;
                r->cappool = ncap;
        }
        char *d = strndup(s, n);
        if (d)
                r->pool[r->npool++] = d;
        return d;
}

/* Compiles one pattern of kind @kind into @ru. */
static int compile(struct pctx *c, struct rule *ru, const char *pat) {
        size_t n = strlen(pat);
        if (!n)
                return perr(c, "empty pattern");
        if (n > HVS_MAX_VULN_PATTERN)
                return perr(c, "pattern of %zu bytes exceeds limit %u", n, HVS_MAX_VULN_PATTERN);
        static const char *const opts[] = { "case=", "only=", "in=", "cvss=" };
        for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
                if (!strncmp(pat, opts[i], strlen(opts[i])))
                        return perr(c, "'%s': options go before the first pattern of a line", pat);
        char buf[HVS_MAX_VULN_PATTERN + 1];
        size_t k = 0, stars = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)pat[i];
                if (ch < 0x20 || ch >= 0x7f)
                        return perr(c, "pattern '%s' has a character that is not printable ASCII", pat);
                if (ru->kind != RK_PHRASE) {
                        buf[k++] = (char)ch;
                        continue;
                }
                if (ch == '*' && i + 1 < n && pat[i + 1] == '*') {
                        if (++stars > MAX_STARS)
                                return perr(c, "pattern '%s' has more than %d wildcards", pat, MAX_STARS);
                        i++;
                        while (k && buf[k - 1] == ' ')
                                k--;            /* the gap takes the blanks around it */
                        if (!k)
                                return perr(c, "pattern '%s' starts with '**'", pat);
                        buf[k++] = GAP_CHAR;
                        while (i + 1 < n && is_sep((unsigned char)pat[i + 1]))
                                i++;
                } else if (ch == '*') {
                        if (++stars > MAX_STARS)
                                return perr(c, "pattern '%s' has more than %d wildcards", pat, MAX_STARS);
                        if (k && buf[k - 1] == '*')
                                continue;
                        buf[k++] = '*';
                } else if (is_sep(ch)) {
                        if (k && buf[k - 1] != ' ' && buf[k - 1] != GAP_CHAR)
                                buf[k++] = ' ';
                } else
                        buf[k++] = ru->case_sensitive ? (char)ch : (char)tolower(ch);
        }
        while (k && buf[k - 1] == ' ')
                k--;
        buf[k] = '\0';
        if (!k || (ru->kind == RK_PHRASE && !strcmp(buf, "*")))
                return perr(c, "pattern '%s' matches everything", pat);
        if (buf[k - 1] == GAP_CHAR)
                return perr(c, "pattern '%s' ends with '**'", pat);
        switch (ru->kind) {
        case RK_CWE:
                if (strncasecmp(buf, "CWE-", 4) && strncasecmp(buf, "NVD-CWE-", 8))
                        return perr(c, "'%s' is not a weakness id (CWE-N, NVD-CWE-Other, NVD-CWE-noinfo)", pat);
                break;
        case RK_CVSS: {
                const char *v = !strncmp(buf, "v2:", 3) || !strncmp(buf, "v3:", 3) ? buf + 3 : buf;
                const char *colon = strchr(v, ':');
                if (!colon || colon == v || !colon[1] || strchr(v, '/'))
                        return perr(c, "'%s' is not a CVSS vector part (like AV:N, or v3:PR:H)", pat);
                break;
        }
        case RK_CPE:
                if (!strchr(buf, ':'))
                        return perr(c, "'%s' is not a CPE vendor:product pattern", pat);
                for (char *q = buf; *q; q++)
                        *q = (char)tolower((unsigned char)*q);
                break;
        }
        ru->pattern = pool_dup(c, pat, n);
        ru->pat = pool_dup(c, buf, k);
        if (!ru->pattern || !ru->pat)
                return -ENOMEM;
        ru->plen = k;
        if (ru->kind == RK_PHRASE) {
                size_t t = 0;
                while (t < k && is_word((unsigned char)buf[t]))
                        t++;
                char low[HVS_MAX_VULN_PATTERN + 1];
                for (size_t j = 0; j < t; j++)
                        low[j] = (char)tolower((unsigned char)buf[j]);
                ru->tok = t ? pool_dup(c, low, t) : NULL;
                if (t && !ru->tok)
                        return -ENOMEM;
                ru->tok_len = (uint16_t)t;
                ru->tok_prefix = t < k && buf[t] == '*';
        }
        ru->left_bound = is_word((unsigned char)buf[0]) || buf[0] == '*';
        ru->right_bound = is_word((unsigned char)buf[k - 1]) || buf[k - 1] == '*';
        return 0;
}

static int push_rule(struct pctx *c, struct rule *ru, bool split) {
        hvs_vuln_rules *r = c->r;
        struct rule **v = split ? &r->splits : &r->rules;
        size_t *n = split ? &r->nsplits : &r->n, *cap = split ? &r->capsplits : &r->cap;
        if (r->n + r->nsplits >= HVS_MAX_VULN_RULES)
                return HVS_DIAG(c->d, -E2BIG, "%s:%u: more than %u rules", c->name, c->line, HVS_MAX_VULN_RULES);
        if (*n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 64;
                struct rule *p = hvs_reallocarray(*v, ncap, sizeof *p);
                if (!p)
                        return -ENOMEM;
                *v = p;
                *cap = ncap;
        }
        (*v)[(*n)++] = *ru;
        return 0;
}

/* Patterns separated by " | " after the options, each one rule like @tmpl. */
static int push_patterns(struct pctx *c, struct rule *tmpl, char *rest, bool split) {
        char *save = NULL;
        for (char *alt = strtok_r(rest, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
                while (*alt == ' ' || *alt == '\t')
                        alt++;
                size_t n = strlen(alt);
                while (n && (alt[n - 1] == ' ' || alt[n - 1] == '\t'))
                        alt[--n] = '\0';
                struct rule ru = *tmpl;
                int k = compile(c, &ru, alt);
                if (k < 0 || (k = push_rule(c, &ru, split)) < 0)
                        return k;
        }
        return 0;
}

static int parse_number(struct pctx *c, const char *w, double lo, double hi, double *ret) {
        char *end;
        double v = strtod(w, &end);
        if (end == w || *end || !(v >= lo && v <= hi))
                return perr(c, "'%s' is not a number in [%g, %g]", w, lo, hi);
        *ret = v;
        return 0;
}

/* Skips @n words of @line (in place, unmodified) and returns the rest. */
static char *after_words(char *line, size_t n) {
        char *s = line;
        for (size_t i = 0; i < n; i++) {
                while (*s == ' ' || *s == '\t')
                        s++;
                while (*s && *s != ' ' && *s != '\t')
                        s++;
        }
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

static int parse_rule(struct pctx *c, char *line) {
        if (c->sec_dim < 0)
                return perr(c, "a rule outside a [dimension class] section");
        char copy[2048];
        hvs_strlcpy(copy, line, sizeof copy);
        char *w[8];
        size_t nw = 0, i = 0;
        /* Only the leading words are split; the patterns keep their blanks. */
        char *s = copy;
        while (nw < 8 && *s) {
                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s)
                        break;
                w[nw++] = s;
                while (*s && *s != ' ' && *s != '\t')
                        s++;
                if (*s)
                        *s++ = '\0';
        }
        struct rule ru = { .dim = (uint8_t)c->sec_dim, .cls = c->sec_cls, .file = c->file, .line = c->line,
                           .weight = 1, .mod = RM_VOTE };
        for (size_t m = 1; m < ARRAY_SIZE(mod_names); m++)
                if (i < nw && !strcmp(w[i], mod_names[m])) {
                        ru.mod = (uint8_t)m;
                        i++;
                        break;
                }
        if (i >= nw)
                return perr(c, "incomplete rule");
        size_t kind;
        for (kind = 0; kind < ARRAY_SIZE(kind_names); kind++)
                if (!strcmp(w[i], kind_names[kind]))
                        break;
        if (kind == ARRAY_SIZE(kind_names))
                return perr(c, "unknown rule kind '%s' (phrase, cwe, cvss, cpe; after veto, need, mask, fallback)",
                            w[i]);
        ru.kind = (uint8_t)kind;
        i++;
        if (i >= nw)
                return perr(c, "rule without a weight");
        if (strcmp(w[i], "-")) {
                int k = parse_number(c, w[i], 0, 1000, &ru.weight);
                if (k < 0)
                        return k;
        }
        i++;
        for (; i < nw; i++) {
                if (!strcmp(w[i], "case=sensitive"))
                        ru.case_sensitive = true;
                else if (!strncmp(w[i], "only=", 5)) {
                        char *save = NULL;
                        for (char *p = strtok_r(w[i] + 5, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
                                uint32_t m;
                                if (hvs_vuln_rules_products(c->r, p, &m) < 0)
                                        return perr(c, "unknown product '%s' in only=", p);
                                ru.only |= m;
                        }
                } else if (!strncmp(w[i], "cvss=", 5)) {
                        const char *v = w[i] + 5;
                        const char *colon = strchr(v, ':');
                        if (!colon || colon == v || !colon[1] || strchr(v, '/') || strlen(v) > 32)
                                return perr(c, "'%s' is not a CVSS vector part (like cvss=AV:N)", v);
                        if (!(ru.cvss_cond = pool_dup(c, v, strlen(v))))
                                return -ENOMEM;
                } else if (!strncmp(w[i], "in=", 3)) {
                        char *save = NULL;
                        for (char *p = strtok_r(w[i] + 3, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
                                size_t pt;
                                for (pt = 0; pt < P_COUNT; pt++)
                                        if (!strcmp(p, vuln_part_names[pt]))
                                                break;
                                if (pt == P_COUNT)
                                        return perr(c, "unknown part '%s' in in= (location, impact, vector, subject, "
                                                       "body, header, trace)", p);
                                ru.parts |= (uint8_t)(1u << pt);
                        }
                } else
                        break;
        }
        if (ru.kind != RK_PHRASE && (ru.mod == RM_MASK || ru.case_sensitive || ru.parts))
                return perr(c, "'mask', 'case=sensitive' and 'in=' apply to phrases only");
        if (i >= nw)
                return perr(c, "rule without a pattern");
        return push_patterns(c, &ru, after_words(line, i), false);
}

static int parse_statement(struct pctx *c, char *line) {
        char copy[2048];
        hvs_strlcpy(copy, line, sizeof copy);
        char *w[512];
        size_t nw;
        hvs_vuln_rules *r = c->r;
        int k;
        if (line[0] == '[') {
                char *e = strchr(copy, ']');
                if (!e || e[1])
                        return perr(c, "a section header is '[dimension class]'");
                *e = '\0';
                if ((k = words(c, copy + 1, w, 2, &nw)) < 0)
                        return k;
                if (nw != 2)
                        return perr(c, "a section header is '[dimension class]'");
                int dim = dim_of(c, w[0]);
                if (dim < 0)
                        return dim;
                int cls = class_of(c, dim, w[1]);
                if (cls < 0)
                        return cls;
                c->sec_dim = dim;
                c->sec_cls = cls;
                return 0;
        }
        static const char *const statements[] = { "class", "order", "decide", "combine", "threshold", "part", "split", "group" };
        size_t first = strcspn(line, " \t");
        bool statement = false;
        for (size_t i = 0; i < ARRAY_SIZE(statements); i++)
                if (first == strlen(statements[i]) && !strncmp(line, statements[i], first))
                        statement = true;
        if (!statement)
                return parse_rule(c, line);
        if ((k = words(c, copy, w, ARRAY_SIZE(w), &nw)) < 0)
                return k;
        if (!strcmp(w[0], "class")) {
                if (nw != 4)
                        return perr(c, "usage: class DIMENSION ID \"NAME\"");
                int dim = dim_of(c, w[1]);
                if (dim < 0)
                        return dim;
                if (!valid_id(w[2]))
                        return perr(c, "class id '%s' is not [a-z0-9_-]+ (at most 63)", w[2]);
                if (hvs_vuln_rules_class_find(r, dim, w[2]) >= 0)
                        return perr(c, "%s class '%s' declared twice", dim_names[dim], w[2]);
                if (r->ncls[dim] >= HVS_VULN_MAX_CLASSES)
                        return HVS_DIAG(c->d, -E2BIG, "%s:%u: more than %u %s classes", c->name, c->line,
                                        HVS_VULN_MAX_CLASSES, dim_names[dim]);
                if (strlen(w[3]) > 200)
                        return perr(c, "class name longer than 200 bytes");
                char *id = hvs_strdup(w[2]), *name = hvs_strdup(w[3]);
                if (!id || !name) {
                        free(id);
                        free(name);
                        return -ENOMEM;
                }
                r->cls[dim][r->ncls[dim]].id = id;
                r->cls[dim][r->ncls[dim]].name = name;
                r->ncls[dim]++;
                return 0;
        }
        if (!strcmp(w[0], "order")) {
                if (nw < 3)
                        return perr(c, "usage: order DIMENSION CLASS...");
                int dim = dim_of(c, w[1]);
                if (dim < 0)
                        return dim;
                r->norder[dim] = 0;
                for (size_t i = 2; i < nw; i++) {
                        int cls = class_of(c, dim, w[i]);
                        if (cls < 0)
                                return cls;
                        for (size_t j = 0; j < r->norder[dim]; j++)
                                if (r->order[dim][j] == cls)
                                        return perr(c, "class '%s' twice in the order", w[i]);
                        r->order[dim][r->norder[dim]++] = cls;
                }
                return 0;
        }
        if (!strcmp(w[0], "decide")) {
                if (nw != 3 || (strcmp(w[2], "score") && strcmp(w[2], "order")))
                        return perr(c, "usage: decide DIMENSION score|order");
                int dim = dim_of(c, w[1]);
                if (dim < 0)
                        return dim;
                r->decide[dim] = !strcmp(w[2], "order") ? DECIDE_ORDER : DECIDE_SCORE;
                return 0;
        }
        if (!strcmp(w[0], "combine")) {
                if (nw != 3 || (strcmp(w[2], "sum") && strcmp(w[2], "max")))
                        return perr(c, "usage: combine DIMENSION sum|max");
                int dim = dim_of(c, w[1]);
                if (dim < 0)
                        return dim;
                r->combine[dim] = !strcmp(w[2], "max") ? COMBINE_MAX : COMBINE_SUM;
                return 0;
        }
        if (!strcmp(w[0], "threshold")) {
                if (nw != 3)
                        return perr(c, "usage: threshold DIMENSION NUMBER");
                int dim = dim_of(c, w[1]);
                if (dim < 0)
                        return dim;
                return parse_number(c, w[2], 0.001, 1e6, &r->threshold[dim]);
        }
        if (!strcmp(w[0], "part")) {
                if (nw != 4)
                        return perr(c, "usage: part DIMENSION|* PART FACTOR");
                int dim = -1;
                if (strcmp(w[1], "*") && (dim = dim_of(c, w[1])) < 0)
                        return dim;
                size_t p;
                for (p = 0; p < P_COUNT; p++)
                        if (!strcmp(w[2], vuln_part_names[p]))
                                break;
                if (p == P_COUNT)
                        return perr(c, "unknown part '%s' (location, impact, vector, subject, body, header, trace)", w[2]);
                double f;
                if ((k = parse_number(c, w[3], 0, 100, &f)) < 0)
                        return k;
                for (int d = 0; d < HVS_VULN_NDIMS; d++)
                        if (dim < 0 || d == dim)
                                r->part_factor[d][p] = f;
                return 0;
        }
        if (!strcmp(w[0], "split")) {
                if (nw < 3)
                        return perr(c, "usage: split impact|vector|subject|trace PATTERN [| PATTERN...]");
                size_t sk;
                for (sk = 0; sk < SPLIT_COUNT; sk++)
                        if (!strcmp(w[1], split_names[sk]))
                                break;
                if (sk == SPLIT_COUNT)
                        return perr(c, "unknown split '%s' (impact, vector, subject, trace)", w[1]);
                struct rule ru = { .kind = RK_PHRASE, .cls = (int)sk, .file = c->file, .line = c->line };
                return push_patterns(c, &ru, after_words(line, 2), true);
        }
        if (!strcmp(w[0], "group")) {
                if (nw < 3)
                        return perr(c, "usage: group NAME PRODUCT...");
                if (!valid_id(w[1]) || hvs_vuln_rules_class_find(r, HVS_VULN_PRODUCT, w[1]) >= 0 ||
                    !strcmp(w[1], "all"))
                        return perr(c, "bad or taken group name '%s'", w[1]);
                uint32_t mask = 0, m;
                for (size_t i = 2; i < nw; i++) {
                        int cls = class_of(c, HVS_VULN_PRODUCT, w[i]);
                        if (cls < 0)
                                return cls;
                        mask |= 1u << cls;
                }
                if (hvs_vuln_rules_products(r, w[1], &m) == 0)
                        return perr(c, "group '%s' declared twice", w[1]);
                if (r->ngroups >= ARRAY_SIZE(r->groups))
                        return HVS_DIAG(c->d, -E2BIG, "%s:%u: more than %zu groups", c->name, c->line,
                                        ARRAY_SIZE(r->groups));
                if (!(r->groups[r->ngroups].name = hvs_strdup(w[1])))
                        return -ENOMEM;
                r->groups[r->ngroups++].mask = mask;
                return 0;
        }
        return perr(c, "unknown statement '%s'", w[0]);
}

/* Undo of a failed add: the rule set is put back as it was before the file. */
struct snapshot {
        size_t ncls[HVS_VULN_NDIMS], norder[HVS_VULN_NDIMS], n, nsplits, ngroups, npool;
        int order[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES];
        enum decide decide[HVS_VULN_NDIMS];
        enum combine combine[HVS_VULN_NDIMS];
        double threshold[HVS_VULN_NDIMS], part_factor[HVS_VULN_NDIMS][P_COUNT];
};

static void take_snapshot(const hvs_vuln_rules *r, struct snapshot *s) {
        memcpy(s->ncls, r->ncls, sizeof s->ncls);
        memcpy(s->norder, r->norder, sizeof s->norder);
        memcpy(s->order, r->order, sizeof s->order);
        memcpy(s->decide, r->decide, sizeof s->decide);
        memcpy(s->combine, r->combine, sizeof s->combine);
        memcpy(s->threshold, r->threshold, sizeof s->threshold);
        memcpy(s->part_factor, r->part_factor, sizeof s->part_factor);
        s->n = r->n;
        s->nsplits = r->nsplits;
        s->ngroups = r->ngroups;
        s->npool = r->npool;
}

static void restore(hvs_vuln_rules *r, const struct snapshot *s) {
        for (size_t d = 0; d < HVS_VULN_NDIMS; d++)
                for (size_t k = s->ncls[d]; k < r->ncls[d]; k++) {
                        free(r->cls[d][k].id);
                        free(r->cls[d][k].name);
                        r->cls[d][k].id = r->cls[d][k].name = NULL;
                }
        for (size_t i = s->ngroups; i < r->ngroups; i++)
                free(r->groups[i].name);
        for (size_t i = s->npool; i < r->npool; i++)
                free(r->pool[i]);
        memcpy(r->ncls, s->ncls, sizeof s->ncls);
        memcpy(r->norder, s->norder, sizeof s->norder);
        memcpy(r->order, s->order, sizeof s->order);
        memcpy(r->decide, s->decide, sizeof s->decide);
        memcpy(r->combine, s->combine, sizeof s->combine);
        memcpy(r->threshold, s->threshold, sizeof s->threshold);
        memcpy(r->part_factor, s->part_factor, sizeof s->part_factor);
        r->n = s->n;
        r->nsplits = s->nsplits;
        r->ngroups = s->ngroups;
        r->npool = s->npool;
}

/* The rules of each dimension, in file order, so classification visits only those. */
static int index_rules(hvs_vuln_rules *r) {
        for (size_t d = 0; d < HVS_VULN_NDIMS; d++) {
                free(r->bydim[d]);
                r->bydim[d] = NULL;
                r->nbydim[d] = 0;
        }
        for (size_t i = 0; i < r->n; i++) {
                size_t d = r->rules[i].dim;
                unsigned *p = hvs_reallocarray(r->bydim[d], r->nbydim[d] + 1, sizeof *p);
                if (!p)
                        return -ENOMEM;
                r->bydim[d] = p;
                p[r->nbydim[d]++] = (unsigned)i;
        }
        return 0;
}

int hvs_vuln_rules_add(hvs_vuln_rules *r, const char *text, size_t len, const char *name, hvs_diag *d) {
        if (!r || (!text && len))
                return -EINVAL;
        if (!name)
                name = "<rules>";
        if (len > HVS_MAX_VULN_RULES_BYTES)
                return HVS_DIAG(d, -E2BIG, "%s: %zu bytes exceed the limit of %u", name, len, HVS_MAX_VULN_RULES_BYTES);
        if (r->nfiles >= UINT16_MAX)
                return HVS_DIAG(d, -E2BIG, "%s: too many rules files", name);
        char **files = hvs_reallocarray(r->files, r->nfiles + 1, sizeof *files);
        if (!files)
                return -ENOMEM;
        r->files = files;
        if (!(r->files[r->nfiles] = hvs_strdup(name)))
                return -ENOMEM;
        struct snapshot snap;
        take_snapshot(r, &snap);
        struct pctx c = { .r = r, .name = name, .file = (uint16_t)r->nfiles, .sec_dim = -1, .sec_cls = -1, .d = d };
        r->nfiles++;
        int k = 0;
        for (size_t pos = 0; pos < len && k >= 0;) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t end = nl ? (size_t)(nl - text) : len;
                c.line++;
                char line[2048];
                size_t n = end - pos;
                if (n >= sizeof line) {
                        k = perr(&c, "line longer than %zu bytes", sizeof line - 1);
                        break;
                }
                memcpy(line, text + pos, n);
                line[n] = '\0';
                pos = end + 1;
                if (memchr(line, '\0', n)) {
                        k = perr(&c, "NUL byte in the line");
                        break;
                }
                /*
                 * A comment is a '#' at the start of a line or after a blank, followed by a blank
                 * or the end of the line; so "#DB" or "#GP" in a pattern is text. CR and blanks
                 * are trimmed.
                 */
                for (char *h = line; (h = strchr(h, '#')) != NULL; h++)
                        if ((h == line || h[-1] == ' ' || h[-1] == '\t') &&
                            (!h[1] || h[1] == ' ' || h[1] == '\t' || h[1] == '\r')) {
                                *h = '\0';
                                break;
                        }
                n = strlen(line);
                while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
                        line[--n] = '\0';
                char *s = line;
                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s)
                        k = parse_statement(&c, s);
        }
        if (k < 0) {
                restore(r, &snap);
                free(r->files[--r->nfiles]);
                return k;
        }
        return index_rules(r);
}

int hvs_vuln_rules_load(hvs_vuln_rules *r, const char *path, hvs_diag *d) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int k = hvs_read_file(path, HVS_MAX_VULN_RULES_BYTES, &buf, &n);
        if (k == -E2BIG)
                return HVS_DIAG(d, k, "'%s' is larger than the limit of %u bytes", path, HVS_MAX_VULN_RULES_BYTES);
        if (k < 0)
                return HVS_DIAG(d, k, "cannot read '%s': %s", path, strerror(-k));
        return hvs_vuln_rules_add(r, (const char *)buf, n, path, d);
}
