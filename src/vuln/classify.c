/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * classify.c - products and classes of one record from the rules, with the
 * explanation of every decision; the distributions of step 1.
 *
 * The method (docs/vuln.md, "How a record is classified"):
 *   1. The description is cut into parts by the rules' split phrases:
 *      location (before "allows ..."), impact, vector (after "via ..."); or,
 *      for Linux kernel CNA texts, header, subject (the commit subject) and
 *      body. A phrase's weight is multiplied by its part's factor.
 *   2. Products first (rules may be limited to products with only=).
 *   3. Per dimension: every rule's matches; matches inside a longer match of
 *      the same dimension, or inside a mask of their class, are dropped; a
 *      class's phrase votes are cancelled by a veto match, or by need rules
 *      none of which matched; fallback rules count only when no class reached
 *      the threshold without them.
 *   4. Decision per dimension (decide score: highest score, ties to the class
 *      named first in the text, then to the declared order; decide order: the
 *      first class of the set in the declared order). Below the threshold:
 *      unknown.
 */
#include <ctype.h>
#include <stdio.h>
#include "rules.h"

#define MAX_SPANS_PER_RULE 32u
/* Matches kept per dimension and record; more are not needed to decide. */
#define MAX_MATCHES 4096u

struct match {
        size_t pos, end;        /* SIZE_MAX pos: a field rule (no position) */
        unsigned rule;
        uint8_t part;
        bool masked;            /* inside a mask of its class */
        bool suppressed;        /* masked, or contained in a longer match */
};

struct ctx {
        const hvs_vuln_rules *r;
        const hvs_vuln_record *rec;
        const char *text;
        char *lc;
        size_t len;
        bool cna;
        size_t impact, vector, sentence_end, header_end, subj_start, subj_end;
        struct span traces[16];
        size_t ntraces;
        struct words words;
        uint32_t products;
        struct match *m;
        size_t nm, capm;
        hvs_vuln_explain *ex;
        size_t capex;
};

static enum part part_of(const struct ctx *c, size_t pos) {
        if (pos == SIZE_MAX)
                return P_LOCATION;
        for (size_t i = 0; i < c->ntraces; i++)
                if (pos >= c->traces[i].pos && pos < c->traces[i].end)
                        return P_TRACE;
        if (c->cna)
                return pos < c->header_end ? P_HEADER : pos >= c->subj_start && pos < c->subj_end ? P_SUBJECT : P_BODY;
        if (pos < c->impact || pos >= c->sentence_end)
                return P_LOCATION;
        return pos < c->vector ? P_IMPACT : P_VECTOR;
}

/* The first match of any split rule of kind @sk in [@from, @to), or SIZE_MAX. */
static size_t first_split(const struct ctx *c, enum split_kind sk, size_t from, size_t to, size_t *ret_end) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < c->r->nsplits; i++) {
                const struct rule *ru = &c->r->splits[i];
                struct span s;
                if (ru->cls != (int)sk || !vuln_words_may_match(&c->words, ru) ||
                    !vuln_phrase_find(ru, c->text, c->lc, from, to, &s, 1))
                        continue;
                if (s.pos < best) {
                        best = s.pos;
                        if (ret_end)
                                *ret_end = s.end;
                }
        }
        return best;
}

/* A line of a kernel stack trace: "  func+0x1a/0x40 ...". */
static bool trace_line(const char *s, size_t n) {
        const char *p = memmem(s, n, "+0x", 3);
        return p && memmem(p, n - (size_t)(p - s), "/0x", 3);
}

/*
 * Kernel logs quoted in a text (call traces, KASAN reports): from a marker to
 * the next blank line, and every line that looks like a stack frame.
 */
static void find_traces(struct ctx *c) {
        for (size_t i = 0; i < c->len && c->ntraces < ARRAY_SIZE(c->traces);) {
                const char *nl = memchr(c->text + i, '\n', c->len - i);
                size_t e = nl ? (size_t)(nl - c->text) : c->len;
                if (trace_line(c->text + i, e - i)) {
                        if (c->ntraces && c->traces[c->ntraces - 1].end + 1 >= i)
                                c->traces[c->ntraces - 1].end = e;      /* consecutive frames: one span */
                        else
                                c->traces[c->ntraces++] = (struct span){ i, e };
                }
                i = e + 1;
        }
        size_t from = 0;
        while (c->ntraces < ARRAY_SIZE(c->traces) && from < c->len) {
                size_t end = 0, at = first_split(c, SPLIT_TRACE, from, c->len, &end);
                if (at == SIZE_MAX)
                        break;
                const char *blank = strstr(c->text + end, "\n\n");
                size_t stop = blank ? (size_t)(blank - c->text) : c->len;
                c->traces[c->ntraces++] = (struct span){ at, stop };
                from = stop + 1;
        }
}

static void find_parts(struct ctx *c) {
        find_traces(c);
        size_t end = 0, head = first_split(c, SPLIT_SUBJECT, 0, c->len < 400 ? c->len : 400, &end);
        c->impact = c->vector = c->sentence_end = c->len;
        if (head != SIZE_MAX && head < 16) {
                c->cna = true;
                c->header_end = end;
                size_t i = end;
                while (i < c->len && isspace((unsigned char)c->text[i]))
                        i++;
                c->subj_start = i;
                while (i < c->len && c->text[i] != '\n')
                        i++;
                c->subj_end = i;
                return;
        }
        c->sentence_end = c->len;
        size_t imp = first_split(c, SPLIT_IMPACT, 0, c->len, NULL);
        if (imp == SIZE_MAX)
                return;
        c->impact = imp;
        /* The impact and vector parts end with their sentence; what follows explains again. */
        for (size_t i = imp; i + 1 < c->len; i++)
                if (c->text[i] == '.' && isspace((unsigned char)c->text[i + 1])) {
                        c->sentence_end = i + 1;
                        break;
                }
        size_t vec = first_split(c, SPLIT_VECTOR, imp, c->sentence_end, NULL);
        c->vector = vec != SIZE_MAX ? vec : c->sentence_end;
}

static int add_match(struct ctx *c, size_t pos, size_t end, unsigned rule) {
        if (c->nm >= MAX_MATCHES)
                return 0;
        if (c->nm == c->capm) {
                size_t ncap = c->capm ? c->capm * 2 : 64;
                struct match *p = hvs_reallocarray(c->m, ncap, sizeof *p);
                if (!p)
                        return -ENOMEM;
                c->m = p;
                c->capm = ncap;
        }
        c->m[c->nm++] = (struct match){ pos, end, rule, (uint8_t)part_of(c, pos), false, false };
        return 0;
}

static int add_hit(struct ctx *c, const struct match *m, double weight, const char *effect) {
        hvs_vuln_explain *ex = c->ex;
        if (!ex)
                return 0;
        if (ex->n_hits == c->capex) {
                size_t ncap = c->capex ? c->capex * 2 : 32;
                hvs_vuln_hit *p = hvs_reallocarray(ex->hits, ncap, sizeof *p);
                if (!p)
                        return -ENOMEM;
                ex->hits = p;
                c->capex = ncap;
        }
        const struct rule *ru = &c->r->rules[m->rule];
        static const char *const kinds[] = { "phrase", "cwe", "cvss", "cpe" };
        ex->hits[ex->n_hits++] = (hvs_vuln_hit){
                .dim = ru->dim, .cls = ru->cls, .kind = kinds[ru->kind], .pattern = ru->pattern,
                .file = c->r->files[ru->file], .line = ru->line, .weight = weight,
                .part = m->pos == SIZE_MAX ? "" : vuln_part_names[m->part],
                .pos = m->pos == SIZE_MAX ? 0 : m->pos, .len = m->pos == SIZE_MAX ? 0 : m->end - m->pos,
                .effect = effect, .suppressed = m->suppressed,
        };
        return 0;
}

static bool overlaps(const struct match *a, const struct match *b) {
        return a->pos != SIZE_MAX && b->pos != SIZE_MAX && a->pos < b->end && b->pos < a->end;
}

/* Evaluates one dimension: fills @score and @first (first text position per class). */
static int eval_dim(struct ctx *c, enum hvs_vuln_dim dim, double *score, size_t *first) {
        const hvs_vuln_rules *r = c->r;
        size_t ncls = r->ncls[dim];
        c->nm = 0;
        for (size_t x = 0; x < r->nbydim[dim]; x++) {
                unsigned i = r->bydim[dim][x];
                const struct rule *ru = &r->rules[i];
                if (ru->dim != dim || (ru->only && !(ru->only & c->products)) || !vuln_cond_holds(ru, c->rec))
                        continue;
                if (ru->kind == RK_PHRASE) {
                        if (!vuln_words_may_match(&c->words, ru))
                                continue;
                        struct span sp[MAX_SPANS_PER_RULE];
                        size_t n = vuln_phrase_find(ru, c->text, c->lc, 0, c->len, sp, MAX_SPANS_PER_RULE);
                        for (size_t k = 0; k < n; k++)
                                if ((!ru->parts || (ru->parts & (1u << part_of(c, sp[k].pos)))) &&
                                    add_match(c, sp[k].pos, sp[k].end, i) < 0)
                                        return -ENOMEM;
                } else if (vuln_field_match(ru, c->rec) && add_match(c, SIZE_MAX, SIZE_MAX, i) < 0)
                        return -ENOMEM;
        }
        /* Masks hide their class's phrases; longer matches hide the ones inside them. */
        for (size_t a = 0; a < c->nm; a++) {
                const struct rule *ra = &r->rules[c->m[a].rule];
                if (ra->mod != RM_MASK)
                        continue;
                for (size_t b = 0; b < c->nm; b++) {
                        const struct rule *rb = &r->rules[c->m[b].rule];
                        if (rb->mod != RM_MASK && rb->cls == ra->cls && overlaps(&c->m[a], &c->m[b]))
                                c->m[b].masked = c->m[b].suppressed = true;
                }
        }
        for (size_t a = 0; a < c->nm; a++) {
                struct match *ma = &c->m[a];
                const struct rule *ra = &r->rules[ma->rule];
                if (ma->pos == SIZE_MAX || ma->suppressed || ra->mod == RM_MASK)
                        continue;
                for (size_t b = 0; b < c->nm; b++) {
                        const struct match *mb = &c->m[b];
                        const struct rule *rb = &r->rules[mb->rule];
                        if (b == a || mb->pos == SIZE_MAX || mb->masked || rb->mod == RM_MASK ||
                            rb->mod == RM_VETO || rb->mod == RM_NEED)
                                continue;
                        if (mb->pos <= ma->pos && mb->end >= ma->end && mb->end - mb->pos > ma->end - ma->pos) {
                                ma->suppressed = true;
                                break;
                        }
                }
        }
        bool vetoed[HVS_VULN_MAX_CLASSES] = { 0 }, has_need[HVS_VULN_MAX_CLASSES] = { 0 },
             need_met[HVS_VULN_MAX_CLASSES] = { 0 };
        for (size_t x = 0; x < r->nbydim[dim]; x++) {
                unsigned i = r->bydim[dim][x];
                if (r->rules[i].mod == RM_NEED &&
                    !(r->rules[i].only && !(r->rules[i].only & c->products)) && vuln_cond_holds(&r->rules[i], c->rec))
                        has_need[r->rules[i].cls] = true;
        }
        for (size_t a = 0; a < c->nm; a++) {
                const struct rule *ru = &r->rules[c->m[a].rule];
                /* Conditions hold wherever they match (the part factors weigh votes only). */
                if (c->m[a].suppressed)
                        continue;
                if (ru->mod == RM_VETO)
                        vetoed[ru->cls] = true;
                else if (ru->mod == RM_NEED)
                        need_met[ru->cls] = true;
        }
        /* A rule counts once: its best match. */
        double normal[HVS_VULN_MAX_CLASSES] = { 0 }, fallback[HVS_VULN_MAX_CLASSES] = { 0 };
        size_t nfirst[HVS_VULN_MAX_CLASSES], ffirst[HVS_VULN_MAX_CLASSES];
        for (size_t k = 0; k < ncls; k++)
                nfirst[k] = ffirst[k] = SIZE_MAX;
        double *best = hvs_calloc(c->nm ? c->nm : 1, sizeof *best);
        if (!best)
                return -ENOMEM;
        for (size_t a = 0; a < c->nm; a++) {
                const struct match *m = &c->m[a];
                const struct rule *ru = &r->rules[m->rule];
                if (ru->mod != RM_VOTE && ru->mod != RM_FALLBACK)
                        continue;
                bool cancelled = ru->kind == RK_PHRASE && (vetoed[ru->cls] || (has_need[ru->cls] && !need_met[ru->cls]));
                double w = m->suppressed || cancelled ? 0 : ru->weight * r->part_factor[dim][m->part];
                best[a] = w;
        }
        /*
         * Per rule line: the best of its matches. The patterns of one line are synonyms, one
         * piece of evidence; their matches are adjacent in m[] (rules are visited in order).
         */
        for (size_t a = 0; a < c->nm;) {
                size_t b = a;
                double w = 0;
                size_t pos = SIZE_MAX;
                const struct rule *ra = &r->rules[c->m[a].rule];
                while (b < c->nm && r->rules[c->m[b].rule].line == ra->line && r->rules[c->m[b].rule].file == ra->file &&
                       r->rules[c->m[b].rule].cls == ra->cls && r->rules[c->m[b].rule].mod == ra->mod) {
                        if (best[b] > w)
                                w = best[b];
                        if (best[b] > 0 && c->m[b].pos < pos)
                                pos = c->m[b].pos;
                        b++;
                }
                const struct rule *ru = &r->rules[c->m[a].rule];
                if (w > 0 && (ru->mod == RM_VOTE || ru->mod == RM_FALLBACK)) {
                        double *s = ru->mod == RM_VOTE ? normal : fallback;
                        size_t *f = ru->mod == RM_VOTE ? nfirst : ffirst;
                        if (r->combine[dim] == COMBINE_MAX)
                                s[ru->cls] = MAX(s[ru->cls], w);
                        else
                                s[ru->cls] += w;
                        if (pos < f[ru->cls])
                                f[ru->cls] = pos;
                }
                a = b;
        }
        bool any = false;
        for (size_t k = 0; k < ncls; k++)
                if (normal[k] >= r->threshold[dim])
                        any = true;
        for (size_t k = 0; k < ncls; k++) {
                score[k] = normal[k] + (any ? 0 : fallback[k]);
                first[k] = any ? nfirst[k] : MIN(nfirst[k], ffirst[k]);
        }
        int ret = 0;
        for (size_t a = 0; a < c->nm && ret >= 0; a++) {
                const struct match *m = &c->m[a];
                const struct rule *ru = &r->rules[m->rule];
                static const char *const eff[] = { "vote", "veto", "needs", "mask", "fallback" };
                const char *e = eff[ru->mod];
                double w = 0;
                if (ru->mod == RM_VOTE || ru->mod == RM_FALLBACK) {
                        w = best[a];
                        if (!m->suppressed && w == 0 && r->part_factor[dim][m->part] != 0)
                                e = "ignored";
                        if (ru->mod == RM_FALLBACK && any && w > 0) {
                                e = "ignored";
                                w = 0;
                        }
                }
                ret = add_hit(c, m, w, e);
        }
        free(best);
        return ret;
}

static int order_index(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, int cls) {
        for (size_t i = 0; i < r->norder[dim]; i++)
                if (r->order[dim][i] == cls)
                        return (int)i;
        return (int)r->norder[dim];
}

static void decide(struct ctx *c, enum hvs_vuln_dim dim, const double *score, const size_t *first,
                   hvs_vuln_result *res) {
        const hvs_vuln_rules *r = c->r;
        size_t ncls = r->ncls[dim];
        int unknown = dim == HVS_VULN_PRODUCT ? -1 : hvs_vuln_rules_class_find(r, dim, "unknown");
        uint32_t set = 0;
        int best = -1;
        for (size_t k = 0; k < ncls; k++) {
                if ((int)k == unknown || score[k] < r->threshold[dim])
                        continue;
                set |= 1u << k;
                if (best < 0)
                        best = (int)k;
                else if (r->decide[dim] == DECIDE_ORDER || dim == HVS_VULN_PRODUCT) {
                        if (order_index(r, dim, (int)k) < order_index(r, dim, best))
                                best = (int)k;
                } else if (score[k] > score[best] ||
                           (score[k] == score[best] &&
                            (first[k] < first[best] ||
                             (first[k] == first[best] && order_index(r, dim, (int)k) < order_index(r, dim, best)))))
                        best = (int)k;
        }
        if (dim == HVS_VULN_FUNC && best >= 0)
                set = 1u << best;
        if (best < 0 && unknown >= 0) {
                best = unknown;
                set = 1u << unknown;
        }
        res->primary[dim] = best;
        res->set[dim] = set;
        if (!c->ex)
                return;
        char *why = c->ex->reason[dim];
        size_t cap = sizeof c->ex->reason[dim];
        int runner = -1;
        for (size_t k = 0; k < ncls; k++)
                if ((int)k != best && (int)k != unknown && score[k] > 0 && (runner < 0 || score[k] > score[runner]))
                        runner = (int)k;
        if (dim == HVS_VULN_PRODUCT) {
                snprintf(why, cap, set ? "selected by the rules below" : "no product rule matched");
        } else if (best == unknown) {
                if (runner >= 0)
                        snprintf(why, cap, "unknown: no class reached the threshold %.1f (best %s %.1f)",
                                 r->threshold[dim], r->cls[dim][runner].id, score[runner]);
                else
                        snprintf(why, cap, "unknown: no rule matched");
        } else if (r->decide[dim] == DECIDE_ORDER && __builtin_popcount(set) > 1) {
                snprintf(why, cap, "%s: the first of %d supported classes in the declared order", r->cls[dim][best].id,
                         __builtin_popcount(set));
        } else if (runner >= 0 && score[runner] == score[best]) {
                snprintf(why, cap, "%s: score %.1f, tied with %s; %s", r->cls[dim][best].id, score[best],
                         r->cls[dim][runner].id, first[best] < first[runner] ? "named first in the text" : "declared order");
        } else if (runner >= 0) {
                snprintf(why, cap, "%s: score %.1f, next %s %.1f", r->cls[dim][best].id, score[best],
                         r->cls[dim][runner].id, score[runner]);
        } else
                snprintf(why, cap, "%s: score %.1f, no other class", r->cls[dim][best].id, score[best]);
}

int hvs_vuln_classify(const hvs_vuln_rules *r, const hvs_vuln_record *rec, hvs_vuln_result *ret,
                      hvs_vuln_explain **ret_explain) {
        if (!r || !rec || !rec->description || !ret || hvs_vuln_rules_check(r, NULL) < 0)
                return -EINVAL;
        struct ctx c = { .r = r, .rec = rec, .text = rec->description, .len = strlen(rec->description) };
        c.lc = hvs_malloc(c.len + 1);
        if (!c.lc)
                return -ENOMEM;
        for (size_t i = 0; i <= c.len; i++)
                c.lc[i] = (char)tolower((unsigned char)rec->description[i]);
        if (vuln_words_build(c.lc, c.len, &c.words) < 0) {
                free(c.lc);
                return -ENOMEM;
        }
        if (ret_explain && !(c.ex = hvs_calloc(1, sizeof *c.ex))) {
                free(c.words.v);
                free(c.lc);
                return -ENOMEM;
        }
        find_parts(&c);
        hvs_vuln_result res = { 0 };
        int k = 0;
        for (int dim = 0; dim < HVS_VULN_NDIMS && k >= 0; dim++) {
                double score[HVS_VULN_MAX_CLASSES] = { 0 };
                size_t first[HVS_VULN_MAX_CLASSES];
                k = eval_dim(&c, dim, score, first);
                if (k < 0)
                        break;
                decide(&c, dim, score, first, &res);
                if (c.ex)
                        memcpy(c.ex->score[dim], score, sizeof score);
                if (dim == HVS_VULN_PRODUCT)
                        c.products = res.set[dim];
        }
        free(c.lc);
        free(c.m);
        free(c.words.v);
        if (k < 0) {
                hvs_vuln_explain_free(c.ex);
                return k;
        }
        *ret = res;
        if (ret_explain)
                *ret_explain = c.ex;
        return 0;
}

hvs_vuln_explain *hvs_vuln_explain_free(hvs_vuln_explain *e) {
        if (e) {
                free(e->hits);
                free(e);
        }
        return NULL;
}

/* ---------------------------------------------------------------- distributions */

int hvs_vuln_select(const hvs_vuln_query *q, const hvs_vuln_record *rec, const hvs_vuln_result *res) {
        if (q->products && !(res->set[HVS_VULN_PRODUCT] & q->products))
                return 0;
        if (!q->year_from && !q->year_to)
                return 1;
        int y = hvs_vuln_record_year(rec);
        if (y < 0)
                return -ENOENT;
        if ((q->year_from && y < q->year_from) || (q->year_to && y > q->year_to))
                return 0;
        return 1;
}

int hvs_vuln_distribution(const hvs_vuln_rules *r, const hvs_vuln_feed *f, const hvs_vuln_query *q,
                          hvs_vuln_dist *ret) {
        if (!r || !f || !q || !ret || q->sz < sizeof *q || (q->year_from && q->year_to && q->year_from > q->year_to))
                return -EINVAL;
        hvs_vuln_dist d = { 0 };
        for (size_t i = 0; i < hvs_vuln_feed_count(f); i++) {
                const hvs_vuln_record *rec = hvs_vuln_feed_get(f, i);
                hvs_vuln_result res;
                int k = hvs_vuln_classify(r, rec, &res, NULL);
                if (k < 0)
                        return k;
                k = hvs_vuln_select(q, rec, &res);
                if (k == -ENOENT)
                        d.no_date++;
                if (k <= 0)
                        continue;
                d.total++;
                for (int dim = 0; dim < HVS_VULN_NDIMS; dim++) {
                        if (res.primary[dim] >= 0)
                                d.primary[dim][res.primary[dim]]++;
                        for (unsigned c = 0; c < HVS_VULN_MAX_CLASSES; c++)
                                if (res.set[dim] & (1u << c))
                                        d.multi[dim][c]++;
                }
                int fn = res.primary[HVS_VULN_FUNC], ty = res.primary[HVS_VULN_TYPE], so = res.primary[HVS_VULN_SOURCE];
                d.func_type[fn][ty]++;
                d.func_source[fn][so]++;
        }
        *ret = d;
        return 0;
}
