/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vuln-render.c - the outputs of 'hvscope vuln report' (table, JSON, CSV, a
 * self-contained HTML page with SVG bar charts) and 'hvscope vuln gaps'.
 * Everything from NVD is hostile text: escaped for HTML, CSV and terminals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hvscope.h"
#include "vuln-common.h"
#include "util/util.h"

static const enum hvs_vuln_dim dims[] = { HVS_VULN_FUNC, HVS_VULN_TYPE, HVS_VULN_SOURCE };
static const char *const dim_titles[] = { "products", "functionality", "attack type", "attack source" };

static void sel_label(const struct vuln_sel *s, const hvs_vuln_rules *r, char *buf, size_t cap) {
        size_t n = (size_t)snprintf(buf, cap, "%s", s->product);
        if (__builtin_popcount(s->mask) > 1 && strcmp(s->product, "all")) {
                n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, " (");
                bool first = true;
                for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, HVS_VULN_PRODUCT); k++)
                        if (s->mask & (1u << k)) {
                                n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", first ? "" : " + ",
                                                      hvs_vuln_rules_class_id(r, HVS_VULN_PRODUCT, k));
                                first = false;
                        }
                n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, ")");
        }
        if (s->year_from && s->year_from == s->year_to)
                snprintf(buf + n, n < cap ? cap - n : 0, ", published %d", s->year_from);
        else if (s->year_from)
                snprintf(buf + n, n < cap ? cap - n : 0, ", published %d-%d", s->year_from, s->year_to);
}

static void years_json(json_object *o, const struct vuln_sel *s) {
        json_object_object_add(o, "year_from", s->year_from ? json_object_new_int(s->year_from) : NULL);
        json_object_object_add(o, "year_to", s->year_to ? json_object_new_int(s->year_to) : NULL);
}

/* ---------------------------------------------------------------- text */

static void report_text(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_dist *d) {
        const hvs_vuln_rules *r = c->rules;
        char label[512];
        sel_label(s, r, label, sizeof label);
        printf("vulnerabilities of %s: %zu\n", label, d->total);
        if (d->no_date)
                printf("  (%zu records of these products have no published date and are left out)\n", d->no_date);
        printf("rules: %s\n", c->classes_path);
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++) {
                enum hvs_vuln_dim dim = dims[i];
                printf("\n%-38s %14s %14s\n", dim_titles[dim], "primary", "any (multi)");
                for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++) {
                        unsigned p = d->primary[dim][k], m = d->multi[dim][k];
                        printf("  %-20s %-15.15s %6u %6.1f%% %6u %6.1f%%\n", hvs_vuln_rules_class_id(r, dim, k),
                               hvs_vuln_rules_class_name(r, dim, k), p, vuln_pct(p, d->total), m, vuln_pct(m, d->total));
                }
        }
        for (int t = 0; t < 2; t++) {
                enum hvs_vuln_dim col = t ? HVS_VULN_SOURCE : HVS_VULN_TYPE;
                printf("\nfunctionality by %s (primary classes)\n%-20s", t ? "attack source" : "attack type", "");
                size_t nc = hvs_vuln_rules_nclasses(r, col);
                int w[HVS_VULN_MAX_CLASSES];
                for (size_t k = 0; k < nc; k++) {
                        const char *id = hvs_vuln_rules_class_id(r, col, k);
                        w[k] = (int)strlen(id) < 5 ? 5 : (int)strlen(id);
                        printf(" %*s", w[k], id);
                }
                printf(" %6s\n", "total");
                for (size_t f = 0; f < hvs_vuln_rules_nclasses(r, HVS_VULN_FUNC); f++) {
                        printf("  %-18s", hvs_vuln_rules_class_id(r, HVS_VULN_FUNC, f));
                        for (size_t k = 0; k < nc; k++)
                                printf(" %*u", w[k], t ? d->func_source[f][k] : d->func_type[f][k]);
                        printf(" %6u\n", d->primary[HVS_VULN_FUNC][f]);
                }
        }
}

/* ---------------------------------------------------------------- JSON, CSV */

static json_object *dist_json(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_dist *d) {
        const hvs_vuln_rules *r = c->rules;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "product", json_object_new_string(s->product));
        json_object_object_add(o, "products", vuln_set_json(r, HVS_VULN_PRODUCT, s->mask));
        years_json(o, s);
        json_object_object_add(o, "total", json_object_new_int64((int64_t)d->total));
        json_object_object_add(o, "left_out_no_date", json_object_new_int64((int64_t)d->no_date));
        json_object_object_add(o, "rules", json_object_new_string(c->classes_path));
        json_object *dj = json_object_new_object();
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++) {
                enum hvs_vuln_dim dim = dims[i];
                json_object *arr = json_object_new_array();
                for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++) {
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "id", json_object_new_string(hvs_vuln_rules_class_id(r, dim, k)));
                        json_object_object_add(e, "name", json_object_new_string(hvs_vuln_rules_class_name(r, dim, k)));
                        json_object_object_add(e, "primary", json_object_new_int((int)d->primary[dim][k]));
                        json_object_object_add(e, "primary_pct",
                                               json_object_new_double(vuln_pct(d->primary[dim][k], d->total)));
                        json_object_object_add(e, "multi", json_object_new_int((int)d->multi[dim][k]));
                        json_object_object_add(e, "multi_pct", json_object_new_double(vuln_pct(d->multi[dim][k], d->total)));
                        json_object_array_add(arr, e);
                }
                json_object_object_add(dj, hvs_vuln_rules_dim_name(dim), arr);
        }
        json_object_object_add(o, "dimensions", dj);
        json_object *cj = json_object_new_object();
        for (int t = 0; t < 2; t++) {
                enum hvs_vuln_dim col = t ? HVS_VULN_SOURCE : HVS_VULN_TYPE;
                json_object *tab = json_object_new_object(), *rows = json_object_new_array(),
                            *cols = json_object_new_array(), *counts = json_object_new_array();
                for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, col); k++)
                        json_object_array_add(cols, json_object_new_string(hvs_vuln_rules_class_id(r, col, k)));
                for (size_t f = 0; f < hvs_vuln_rules_nclasses(r, HVS_VULN_FUNC); f++) {
                        json_object_array_add(rows, json_object_new_string(hvs_vuln_rules_class_id(r, HVS_VULN_FUNC, f)));
                        json_object *row = json_object_new_array();
                        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, col); k++)
                                json_object_array_add(row, json_object_new_int((int)(t ? d->func_source[f][k]
                                                                                       : d->func_type[f][k])));
                        json_object_array_add(counts, row);
                }
                json_object_object_add(tab, "rows", rows);
                json_object_object_add(tab, "columns", cols);
                json_object_object_add(tab, "counts", counts);
                json_object_object_add(cj, t ? "functionality_by_source" : "functionality_by_type", tab);
        }
        json_object_object_add(o, "cross", cj);
        return o;
}

static json_object *records_json(const struct vuln_ctx *c, const struct vuln_sel *s) {
        json_object *arr = json_object_new_array();
        const hvs_vuln_rules *r = c->rules;
        for (size_t i = 0; i < hvs_vuln_feed_count(c->feed); i++) {
                const hvs_vuln_record *rec = hvs_vuln_feed_get(c->feed, i);
                hvs_vuln_result res;
                if (hvs_vuln_classify(r, rec, &res, NULL) < 0 || hvs_vuln_select(&s->q, rec, &res) <= 0)
                        continue;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_string(rec->id));
                json_object_object_add(o, "published", json_object_new_string(rec->published));
                json_object_object_add(o, "products", vuln_set_json(r, HVS_VULN_PRODUCT, res.set[HVS_VULN_PRODUCT]));
                static const char *const keys[] = { NULL, "functionality", "type", "source" };
                for (size_t k = 0; k < ARRAY_SIZE(dims); k++) {
                        enum hvs_vuln_dim dim = dims[k];
                        json_object_object_add(o, keys[dim],
                                               json_object_new_string(hvs_vuln_rules_class_id(r, dim, (size_t)res.primary[dim])));
                        if (dim != HVS_VULN_FUNC)
                                json_object_object_add(o, dim == HVS_VULN_TYPE ? "types" : "sources",
                                                       vuln_set_json(r, dim, res.set[dim]));
                }
                json_object_array_add(arr, o);
        }
        return arr;
}

static void report_csv(const struct vuln_ctx *c, const hvs_vuln_dist *d) {
        const hvs_vuln_rules *r = c->rules;
        puts("table,dimension,row,column,count,percent");
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++) {
                enum hvs_vuln_dim dim = dims[i];
                for (int m = 0; m < 2; m++)
                        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++) {
                                unsigned v = m ? d->multi[dim][k] : d->primary[dim][k];
                                printf("%s,%s,%s,,%u,%.1f\n", m ? "multi" : "primary", hvs_vuln_rules_dim_name(dim),
                                       hvs_vuln_rules_class_id(r, dim, k), v, vuln_pct(v, d->total));
                        }
        }
        for (int t = 0; t < 2; t++) {
                enum hvs_vuln_dim col = t ? HVS_VULN_SOURCE : HVS_VULN_TYPE;
                for (size_t f = 0; f < hvs_vuln_rules_nclasses(r, HVS_VULN_FUNC); f++)
                        for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, col); k++) {
                                unsigned v = t ? d->func_source[f][k] : d->func_type[f][k];
                                printf("cross,functionality_by_%s,%s,%s,%u,%.1f\n", t ? "source" : "type",
                                       hvs_vuln_rules_class_id(r, HVS_VULN_FUNC, f), hvs_vuln_rules_class_id(r, col, k),
                                       v, vuln_pct(v, d->total));
                        }
        }
        printf("total,,,,%zu,100.0\n", d->total);
}

/* ---------------------------------------------------------------- HTML */

void vuln_html_text(FILE *f, const char *s) {
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                switch (ch) {
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '&':
                        fputs("&amp;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                case '\'':
                        fputs("&#39;", f);
                        break;
                default:
                        fputc(ch < 0x20 && ch != '\n' && ch != '\t' ? '?' : ch, f);
                }
        }
}

/* One horizontal bar chart: a row per class, the primary bar over the multi-label one. */
static void svg_bars(FILE *f, const hvs_vuln_rules *r, enum hvs_vuln_dim dim, const hvs_vuln_dist *d) {
        size_t n = hvs_vuln_rules_nclasses(r, dim);
        const int row = 34, label_w = 190, bar_w = 420, top = 24;
        int h = top + (int)n * row + 10;
        fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
                   "aria-label=\"%s\">\n", label_w + bar_w + 120, h, dim_titles[dim]);
        fprintf(f, "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"10\" fill=\"#2f6fb0\"/><text x=\"%d\" y=\"13\" "
                   "font-size=\"11\">primary</text>", label_w, label_w + 16);
        fprintf(f, "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"10\" fill=\"#9cc3e6\"/><text x=\"%d\" y=\"13\" "
                   "font-size=\"11\">any (multi-label)</text>\n", label_w + 90, label_w + 106);
        for (size_t k = 0; k < n; k++) {
                unsigned p = d->primary[dim][k], m = d->multi[dim][k];
                double wp = d->total ? (double)bar_w * p / (double)d->total : 0;
                double wm = d->total ? (double)bar_w * m / (double)d->total : 0;
                int y = top + (int)k * row;
                fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", label_w - 8, y + 15);
                vuln_html_text(f, hvs_vuln_rules_class_id(r, dim, k));
                fprintf(f, "<title>");
                vuln_html_text(f, hvs_vuln_rules_class_name(r, dim, k));
                fprintf(f, "</title></text>\n");
                fprintf(f, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"13\" fill=\"#2f6fb0\"/>\n",
                        label_w, y + 3, wp);
                if (dim != HVS_VULN_FUNC)
                        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"9\" fill=\"#9cc3e6\"/>\n", label_w,
                                y + 17, wm);
                fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%u (%.1f%%)</text>\n", label_w + wp + 6, y + 14,
                        p, vuln_pct(p, d->total));
                if (dim != HVS_VULN_FUNC)
                        fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#555\">%u (%.1f%%)</text>\n",
                                label_w + wm + 6, y + 26, m, vuln_pct(m, d->total));
        }
        fputs("</svg>\n", f);
}

static void html_cross(FILE *f, const hvs_vuln_rules *r, const hvs_vuln_dist *d, bool source) {
        enum hvs_vuln_dim col = source ? HVS_VULN_SOURCE : HVS_VULN_TYPE;
        unsigned max = 1;
        for (size_t a = 0; a < hvs_vuln_rules_nclasses(r, HVS_VULN_FUNC); a++)
                for (size_t b = 0; b < hvs_vuln_rules_nclasses(r, col); b++) {
                        unsigned v = source ? d->func_source[a][b] : d->func_type[a][b];
                        if (v > max)
                                max = v;
                }
        fprintf(f, "<table class=\"cross\"><tr><th>functionality \\ %s</th>", source ? "source" : "type");
        for (size_t b = 0; b < hvs_vuln_rules_nclasses(r, col); b++) {
                fputs("<th>", f);
                vuln_html_text(f, hvs_vuln_rules_class_id(r, col, b));
                fputs("</th>", f);
        }
        fputs("<th>total</th></tr>\n", f);
        for (size_t a = 0; a < hvs_vuln_rules_nclasses(r, HVS_VULN_FUNC); a++) {
                fputs("<tr><th>", f);
                vuln_html_text(f, hvs_vuln_rules_class_id(r, HVS_VULN_FUNC, a));
                fputs("</th>", f);
                for (size_t b = 0; b < hvs_vuln_rules_nclasses(r, col); b++) {
                        unsigned v = source ? d->func_source[a][b] : d->func_type[a][b];
                        fprintf(f, "<td style=\"background:rgba(47,111,176,%.2f)\">%u</td>", 0.05 + 0.6 * v / max, v);
                }
                fprintf(f, "<td>%u</td></tr>\n", d->primary[HVS_VULN_FUNC][a]);
        }
        fputs("</table>\n", f);
}

static int report_html(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_dist *d, const char *path) {
        const hvs_vuln_rules *r = c->rules;
        bool to_stdout = !strcmp(path, "-");
        char tmp[4200];
        FILE *f = stdout;
        if (!to_stdout) {
                snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
                f = fopen(tmp, "w");
                if (!f) {
                        errorf("cannot write '%s': %s", tmp, strerror(errno));
                        return -errno;
                }
        }
        char label[512];
        sel_label(s, r, label, sizeof label);
        time_t now = time(NULL);
        char when[64];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>hvscope: vulnerabilities of ",
              f);
        vuln_html_text(f, label);
        fputs("</title>\n<style>\nbody{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}\n"
              "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\n"
              "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}\n"
              "th{background:#f2f2f2}table.recs td{text-align:left}.note{color:#555;font-size:12px}\n"
              "</style></head><body>\n<h1>Vulnerabilities of ",
              f);
        vuln_html_text(f, label);
        fprintf(f, "</h1>\n<p><b>%zu</b> vulnerabilities", d->total);
        if (d->no_date)
                fprintf(f, "; %zu records of these products have no published date and are left out", d->no_date);
        fputs(".</p>\n<p class=\"note\">Classified by NIST IR 8221's dimensions (functionality, attack type, attack "
              "source) with the rules in ",
              f);
        vuln_html_text(f, c->classes_path);
        fprintf(f, "; generated %s by hvscope %s. This product uses data from the NVD API but is not endorsed or "
                   "certified by the NVD.</p>\n", when, HVS_VERSION_STRING);
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++) {
                fprintf(f, "<h2>%s</h2>\n", dim_titles[dims[i]]);
                svg_bars(f, r, dims[i], d);
        }
        fputs("<h2>functionality by attack type (primary classes)</h2>\n", f);
        html_cross(f, r, d, false);
        fputs("<h2>functionality by attack source (primary classes)</h2>\n", f);
        html_cross(f, r, d, true);
        fputs("<h2>records</h2>\n<table class=\"recs\"><tr><th>CVE</th><th>published</th><th>functionality</th>"
              "<th>type</th><th>source</th><th>description</th></tr>\n",
              f);
        size_t shown = 0, more = 0;
        for (size_t i = 0; i < hvs_vuln_feed_count(c->feed); i++) {
                const hvs_vuln_record *rec = hvs_vuln_feed_get(c->feed, i);
                hvs_vuln_result res;
                if (hvs_vuln_classify(r, rec, &res, NULL) < 0 || hvs_vuln_select(&s->q, rec, &res) <= 0)
                        continue;
                if (shown >= HVS_DEFAULT_REPORT_ROWS) {
                        more++;
                        continue;
                }
                shown++;
                fputs("<tr><td>", f);
                vuln_html_text(f, rec->id);
                fprintf(f, "</td><td>%.10s</td>", rec->published);
                for (size_t k = 0; k < ARRAY_SIZE(dims); k++) {
                        fputs("<td>", f);
                        vuln_html_text(f, hvs_vuln_rules_class_id(r, dims[k], (size_t)res.primary[dims[k]]));
                        fputs("</td>", f);
                }
                fputs("<td>", f);
                char desc[301];
                hvs_strlcpy(desc, rec->description, sizeof desc);
                vuln_html_text(f, desc);
                if (strlen(rec->description) > 300)
                        fputs("&hellip;", f);
                fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
        if (more)
                fprintf(f, "<p>%zu more records (see --json).</p>\n", more);
        fputs("</body></html>\n", f);
        if (to_stdout)
                return fflush(f) == 0 ? 0 : -EIO;
        bool ok = !ferror(f);
        ok = fflush(f) == 0 && ok;
        ok = fsync(fileno(f)) == 0 && ok;
        ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, path) < 0) {
                int e = errno ? errno : EIO;
                unlink(tmp);
                errorf("cannot write '%s': %s", path, strerror(e));
                return -e;
        }
        fprintf(stderr, "hvscope: wrote %s\n", path);
        return 0;
}

int vuln_render_report(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_dist *d, bool json,
                       bool csv, const char *html_path) {
        if (html_path)
                return report_html(c, s, d, html_path);
        if (csv) {
                report_csv(c, d);
                return 0;
        }
        if (json) {
                json_object *o = dist_json(c, s, d);
                json_object_object_add(o, "records", records_json(c, s));
                print_json(o);
                return 0;
        }
        report_text(c, s, d);
        return 0;
}

/* ---------------------------------------------------------------- gaps */

static const char *status_of(const struct vuln_ctx *c, const hvs_vuln_evidence *e, bool covered, char *buf,
                             size_t cap) {
        if (e->collector < 0) {
                snprintf(buf, cap, "none");
                return buf;
        }
        const hvs_vuln_collector *col = hvs_vuln_evmap_collector(c->evmap, (size_t)e->collector);
        if (covered)
                snprintf(buf, cap, "%s (hvscope %s)", col->id, col->command);
        else if (col->issue)
                snprintf(buf, cap, "%s (planned, issue %u)", col->id, col->issue);
        else
                snprintf(buf, cap, "%s (not available)", col->id);
        return buf;
}

int vuln_render_gaps(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_gaps *g,
                     const hvs_vuln_dist *d, bool json) {
        char label[512], st[256];
        sel_label(s, c->rules, label, sizeof label);
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "product", json_object_new_string(s->product));
                years_json(o, s);
                json_object_object_add(o, "records", json_object_new_int64((int64_t)g->records));
                json_object_object_add(o, "left_out_no_date", json_object_new_int64((int64_t)d->no_date));
                json_object_object_add(o, "evidence_map", json_object_new_string(c->evidence_path));
                json_object_object_add(o, "needs_total", json_object_new_int64((int64_t)g->need_total));
                json_object_object_add(o, "needs_covered", json_object_new_int64((int64_t)g->need_covered));
                json_object_object_add(o, "coverage_pct", json_object_new_double(vuln_pct(g->need_covered, g->need_total)));
                json_object_object_add(o, "records_fully_covered", json_object_new_int64((int64_t)g->records_full));
                json_object_object_add(o, "records_not_covered", json_object_new_int64((int64_t)g->records_none));
                json_object *arr = json_object_new_array();
                for (size_t i = 0; i < g->n_items; i++) {
                        const hvs_vuln_gap *it = &g->items[i];
                        const hvs_vuln_evidence *e = hvs_vuln_evmap_evidence(c->evmap, (size_t)it->evidence);
                        json_object *j = json_object_new_object();
                        json_object_object_add(j, "evidence", json_object_new_string(e->id));
                        json_object_object_add(j, "description", json_object_new_string(e->description));
                        json_object_object_add(j, "needed_by", json_object_new_int((int)it->needed_by));
                        json_object_object_add(j, "needed_by_pct",
                                               json_object_new_double(vuln_pct(it->needed_by, g->records)));
                        json_object_object_add(j, "covered", json_object_new_boolean(it->covered));
                        const hvs_vuln_collector *col =
                                e->collector >= 0 ? hvs_vuln_evmap_collector(c->evmap, (size_t)e->collector) : NULL;
                        json_object_object_add(j, "collector", col ? json_object_new_string(col->id) : NULL);
                        json_object_object_add(j, "command", col && col->command ? json_object_new_string(col->command) : NULL);
                        json_object_object_add(j, "status", json_object_new_string(
                                it->covered ? "available" : col && col->issue ? "planned" : "none"));
                        json_object_object_add(j, "issue", col && col->issue ? json_object_new_int((int)col->issue) : NULL);
                        json_object_object_add(j, "technique", json_object_new_string(e->technique));
                        json_object_array_add(arr, j);
                }
                json_object_object_add(o, "evidence", arr);
                print_json(o);
                return 0;
        }
        printf("evidence gaps of %s: %zu vulnerabilities\n", label, g->records);
        if (d->no_date)
                printf("  (%zu records of these products have no published date and are left out)\n", d->no_date);
        printf("evidence map: %s\n", c->evidence_path);
        printf("coverage: %.1f%% of the evidence needed (%" PRIu64 " of %" PRIu64
               " evidence needs over all vulnerabilities)\n"
               "          %zu vulnerabilities have all their evidence covered, %zu none of it\n",
               vuln_pct(g->need_covered, g->need_total), g->need_covered, g->need_total, g->records_full,
               g->records_none);
        bool header = false;
        for (int pass = 0; pass < 2; pass++) {
                header = false;
                for (size_t i = 0; i < g->n_items; i++) {
                        const hvs_vuln_gap *it = &g->items[i];
                        if (it->covered != (pass == 1))
                                continue;
                        const hvs_vuln_evidence *e = hvs_vuln_evmap_evidence(c->evmap, (size_t)it->evidence);
                        if (!header) {
                                printf(pass ? "\ncovered evidence:\n" : "\nuncovered evidence, ranked by the vulnerabilities that need it:\n");
                                printf("  %6s %6s  %-22s %-36s %s\n", "NEEDED", "%", "EVIDENCE", "COLLECTOR",
                                       pass ? "WHAT" : "TECHNIQUE THAT WOULD GATHER IT");
                                header = true;
                        }
                        printf("  %6u %5.1f%%  %-22s %-36s %s\n", it->needed_by, vuln_pct(it->needed_by, g->records), e->id,
                               status_of(c, e, it->covered, st, sizeof st), pass ? e->description : e->technique);
                }
        }
        return 0;
}
