/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * evidence.c - the evidence map (steps 2 and 3 of NIST IR 8221): what each
 * functionality and attack type leaves, which hvscope collector gathers each
 * item, and the gaps a distribution of vulnerabilities weighs.
 *
 * Format (docs/vuln.md): one statement a line, '#' comments, "quoted" words:
 *   collector ID COMMAND|- ISSUE|- "DESCRIPTION"
 *   evidence ID COLLECTOR|- "DESCRIPTION" "TECHNIQUE"
 *   needs DIMENSION CLASS EVIDENCE...
 */
#include <stdarg.h>
#include "rules.h"

#define EV_WORDS (HVS_MAX_VULN_EVIDENCE / 64)
#define MAX_COLLECTORS 64u

struct hvs_vuln_evmap {
        const hvs_vuln_rules *rules;
        hvs_vuln_collector col[MAX_COLLECTORS];
        size_t ncol;
        hvs_vuln_evidence ev[HVS_MAX_VULN_EVIDENCE];
        size_t nev;
        /* needs[dim][class]: bit set over evidence indices */
        uint64_t needs[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES][EV_WORDS];
        char **strs;
        size_t nstrs;
};

hvs_vuln_evmap *hvs_vuln_evmap_free(hvs_vuln_evmap *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->nstrs; i++)
                free(m->strs[i]);
        free(m->strs);
        free(m);
        return NULL;
}

static const char *keep_str(hvs_vuln_evmap *m, const char *s) {
        char **p = hvs_reallocarray(m->strs, m->nstrs + 1, sizeof *p);
        if (!p)
                return NULL;
        m->strs = p;
        char *d = hvs_strdup(s);
        if (d)
                m->strs[m->nstrs++] = d;
        return d;
}

struct ectx {
        const char *name;
        unsigned line;
        hvs_diag *d;
};

__attribute__((format(printf, 2, 3))) static int eerr(struct ectx *c, const char *fmt, ...) {
        char msg[300];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        return HVS_BADMSG(c->d, "%s:%u: %s", c->name, c->line, msg);
}

static bool good_id(const char *s) {
        if (!*s || strlen(s) > 63)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
                        return false;
        return true;
}

static int find_collector(const hvs_vuln_evmap *m, const char *id) {
        for (size_t i = 0; i < m->ncol; i++)
                if (!strcmp(m->col[i].id, id))
                        return (int)i;
        return -ENOENT;
}

int hvs_vuln_evmap_find_evidence(const hvs_vuln_evmap *m, const char *id) {
        for (size_t i = 0; m && id && i < m->nev; i++)
                if (!strcmp(m->ev[i].id, id))
                        return (int)i;
        return -ENOENT;
}

static int statement(hvs_vuln_evmap *m, struct ectx *c, char **w, size_t nw) {
        if (!strcmp(w[0], "collector")) {
                if (nw != 5)
                        return eerr(c, "usage: collector ID COMMAND|- ISSUE|- \"DESCRIPTION\"");
                if (!good_id(w[1]) || find_collector(m, w[1]) >= 0)
                        return eerr(c, "bad or duplicate collector id '%s'", w[1]);
                if (m->ncol >= MAX_COLLECTORS)
                        return HVS_DIAG(c->d, -E2BIG, "%s:%u: more than %u collectors", c->name, c->line,
                                        MAX_COLLECTORS);
                unsigned long issue = 0;
                if (strcmp(w[3], "-")) {
                        char *end;
                        issue = strtoul(w[3], &end, 10);
                        if (*end || !issue || issue > 1000000)
                                return eerr(c, "issue '%s' is not a number", w[3]);
                }
                hvs_vuln_collector *col = &m->col[m->ncol];
                col->id = keep_str(m, w[1]);
                col->command = strcmp(w[2], "-") ? keep_str(m, w[2]) : NULL;
                col->description = keep_str(m, w[4]);
                col->issue = (unsigned)issue;
                if (!col->id || (strcmp(w[2], "-") && !col->command) || !col->description)
                        return -ENOMEM;
                m->ncol++;
                return 0;
        }
        if (!strcmp(w[0], "evidence")) {
                if (nw != 5)
                        return eerr(c, "usage: evidence ID COLLECTOR|- \"DESCRIPTION\" \"TECHNIQUE\"");
                if (!good_id(w[1]) || hvs_vuln_evmap_find_evidence(m, w[1]) >= 0)
                        return eerr(c, "bad or duplicate evidence id '%s'", w[1]);
                if (m->nev >= HVS_MAX_VULN_EVIDENCE)
                        return HVS_DIAG(c->d, -E2BIG, "%s:%u: more than %u evidence items", c->name, c->line,
                                        HVS_MAX_VULN_EVIDENCE);
                int col = -1;
                if (strcmp(w[2], "-") && (col = find_collector(m, w[2])) < 0)
                        return eerr(c, "unknown collector '%s' (declare it first)", w[2]);
                hvs_vuln_evidence *e = &m->ev[m->nev];
                e->id = keep_str(m, w[1]);
                e->description = keep_str(m, w[3]);
                e->technique = keep_str(m, w[4]);
                e->collector = col;
                if (!e->id || !e->description || !e->technique)
                        return -ENOMEM;
                m->nev++;
                return 0;
        }
        if (!strcmp(w[0], "needs")) {
                if (nw < 4)
                        return eerr(c, "usage: needs DIMENSION CLASS EVIDENCE...");
                int dim = -1;
                for (int i = 0; i < HVS_VULN_NDIMS; i++)
                        if (!strcmp(w[1], hvs_vuln_rules_dim_name(i)))
                                dim = i;
                if (dim < 0)
                        return eerr(c, "unknown dimension '%s'", w[1]);
                int cls = hvs_vuln_rules_class_find(m->rules, dim, w[2]);
                if (cls < 0)
                        return eerr(c, "unknown %s class '%s'", w[1], w[2]);
                for (size_t i = 3; i < nw; i++) {
                        int e = hvs_vuln_evmap_find_evidence(m, w[i]);
                        if (e < 0)
                                return eerr(c, "unknown evidence '%s' (declare it first)", w[i]);
                        m->needs[dim][cls][e / 64] |= 1ull << (e % 64);
                }
                return 0;
        }
        return eerr(c, "unknown statement '%s' (collector, evidence, needs)", w[0]);
}

int hvs_vuln_evmap_parse(const char *text, size_t len, const char *name, const hvs_vuln_rules *rules, hvs_diag *d,
                         hvs_vuln_evmap **ret) {
        if (!rules || (!text && len))
                return -EINVAL;
        if (!name)
                name = "<evidence map>";
        if (len > HVS_MAX_VULN_RULES_BYTES)
                return HVS_DIAG(d, -E2BIG, "%s: %zu bytes exceed the limit of %u", name, len, HVS_MAX_VULN_RULES_BYTES);
        hvs_vuln_evmap *m = hvs_calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->rules = rules;
        struct ectx c = { .name = name, .d = d };
        int k = 0;
        for (size_t pos = 0; pos < len && k >= 0;) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;
                char line[4096];
                c.line++;
                if (n >= sizeof line) {
                        k = eerr(&c, "line longer than %zu bytes", sizeof line - 1);
                        break;
                }
                memcpy(line, text + pos, n);
                line[n] = '\0';
                pos = end + 1;
                if (strlen(line) != n) {
                        k = eerr(&c, "NUL byte in the line");
                        break;
                }
                char *h = line[0] == '#' ? line : strstr(line, " #");
                if (h)
                        *h = '\0';
                for (char *p = line; *p; p++)
                        if (*p == '\r' || *p == '\t')
                                *p = ' ';
                char *w[HVS_MAX_VULN_EVIDENCE + 8];
                size_t nw;
                k = vuln_split_words(line, w, ARRAY_SIZE(w), &nw);
                if (k == -E2BIG)
                        k = eerr(&c, "too many words");
                else if (k < 0)
                        k = eerr(&c, "unterminated quoted string");
                else if (nw)
                        k = statement(m, &c, w, nw);
        }
        if (k < 0) {
                hvs_vuln_evmap_free(m);
                return k;
        }
        *ret = m;
        return 0;
}

int hvs_vuln_evmap_load(const char *path, const hvs_vuln_rules *rules, hvs_diag *d, hvs_vuln_evmap **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int k = hvs_read_file(path, HVS_MAX_VULN_RULES_BYTES, &buf, &n);
        if (k == -E2BIG)
                return HVS_DIAG(d, k, "'%s' is larger than the limit of %u bytes", path, HVS_MAX_VULN_RULES_BYTES);
        if (k < 0)
                return HVS_DIAG(d, k, "cannot read '%s': %s", path, strerror(-k));
        return hvs_vuln_evmap_parse((const char *)buf, n, path, rules, d, ret);
}

size_t hvs_vuln_evmap_nevidence(const hvs_vuln_evmap *m) { return m ? m->nev : 0; }

const hvs_vuln_evidence *hvs_vuln_evmap_evidence(const hvs_vuln_evmap *m, size_t i) {
        return m && i < m->nev ? &m->ev[i] : NULL;
}

size_t hvs_vuln_evmap_ncollectors(const hvs_vuln_evmap *m) { return m ? m->ncol : 0; }

const hvs_vuln_collector *hvs_vuln_evmap_collector(const hvs_vuln_evmap *m, size_t i) {
        return m && i < m->ncol ? &m->col[i] : NULL;
}

void hvs_vuln_evmap_needs(const hvs_vuln_evmap *m, enum hvs_vuln_dim dim, int cls, uint64_t *ret) {
        memset(ret, 0, EV_WORDS * sizeof *ret);
        if (m && (unsigned)dim < HVS_VULN_NDIMS && cls >= 0 && cls < (int)HVS_VULN_MAX_CLASSES)
                memcpy(ret, m->needs[dim][cls], EV_WORDS * sizeof *ret);
}

hvs_vuln_gaps *hvs_vuln_gaps_free(hvs_vuln_gaps *g) {
        if (g) {
                free(g->items);
                free(g);
        }
        return NULL;
}

static int gap_cmp(const void *a, const void *b) {
        const hvs_vuln_gap *x = a, *y = b;
        if (x->covered != y->covered)
                return x->covered ? 1 : -1;
        if (x->needed_by != y->needed_by)
                return x->needed_by > y->needed_by ? -1 : 1;
        return x->evidence - y->evidence;
}

int hvs_vuln_gaps_compute(const hvs_vuln_evmap *m, const hvs_vuln_rules *r, const hvs_vuln_feed *f, const hvs_vuln_query *q,
                  hvs_vuln_available_fn available, void *userdata, hvs_vuln_gaps **ret) {
        if (!m || !r || !f || !q || !ret || q->sz < sizeof *q || m->rules != r)
                return -EINVAL;
        bool covered[HVS_MAX_VULN_EVIDENCE] = { 0 };
        for (size_t e = 0; e < m->nev; e++) {
                int col = m->ev[e].collector;
                covered[e] = col >= 0 && m->col[col].command && available && available(m->col[col].command, userdata);
        }
        unsigned needed[HVS_MAX_VULN_EVIDENCE] = { 0 };
        hvs_vuln_gaps *g = hvs_calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        for (size_t i = 0; i < hvs_vuln_feed_count(f); i++) {
                const hvs_vuln_record *rec = hvs_vuln_feed_get(f, i);
                hvs_vuln_result res;
                int k = hvs_vuln_classify(r, rec, &res, NULL);
                if (k < 0) {
                        hvs_vuln_gaps_free(g);
                        return k;
                }
                if (hvs_vuln_select(q, rec, &res) <= 0)
                        continue;
                uint64_t need[EV_WORDS] = { 0 };
                /* The primary functionality, every supported type and source. */
                for (int dim = HVS_VULN_FUNC; dim < HVS_VULN_NDIMS; dim++)
                        for (unsigned cls = 0; cls < HVS_VULN_MAX_CLASSES; cls++)
                                if (res.set[dim] & (1u << cls))
                                        for (size_t w = 0; w < EV_WORDS; w++)
                                                need[w] |= m->needs[dim][cls][w];
                unsigned n = 0, nc = 0;
                for (size_t e = 0; e < m->nev; e++)
                        if (need[e / 64] & (1ull << (e % 64))) {
                                needed[e]++;
                                n++;
                                nc += covered[e];
                        }
                g->records++;
                g->need_total += n;
                g->need_covered += nc;
                if (n && nc == n)
                        g->records_full++;
                if (n && !nc)
                        g->records_none++;
        }
        for (size_t e = 0; e < m->nev; e++)
                if (needed[e])
                        g->n_items++;
        g->items = hvs_calloc(g->n_items ? g->n_items : 1, sizeof *g->items);
        if (!g->items) {
                hvs_vuln_gaps_free(g);
                return -ENOMEM;
        }
        size_t k = 0;
        for (size_t e = 0; e < m->nev; e++)
                if (needed[e])
                        g->items[k++] = (hvs_vuln_gap){ (int)e, needed[e], covered[e] };
        qsort(g->items, g->n_items, sizeof *g->items, gap_cmp);
        *ret = g;
        return 0;
}
