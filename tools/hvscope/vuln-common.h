/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by cmd-vuln.c and vuln-render.c: options, loaded data, renderers. */
#ifndef HVSCOPE_VULN_COMMON_H
#define HVSCOPE_VULN_COMMON_H

#include <getopt.h>
#include <stdio.h>
#include <json-c/json.h>
#include <hvscope/vuln.h>

enum {
        OPT_DB = 0x200, OPT_CASE, OPT_DATA, OPT_RULES, OPT_JSON, OPT_CSV, OPT_HTML, OPT_PRODUCT, OPT_YEARS,
        OPT_EXPLAIN, OPT_API_URL, OPT_API_KEY, OPT_SINCE, OPT_FULL, OPT_ALL, OPT_PER_PAGE, OPT_RATE,
        OPT_BACKOFF, OPT_BACKOFF_MAX, OPT_RETRIES, OPT_TIMEOUT, OPT_QUIET, OPT_SELECT, OPT_NOW,
};

#define COMMON_LONG_OPTS                                                 \
        { "db", required_argument, NULL, OPT_DB },                       \
        { "case", required_argument, NULL, OPT_CASE },                   \
        { "data-dir", required_argument, NULL, OPT_DATA },               \
        { "rules", required_argument, NULL, OPT_RULES },                 \
        { "help", no_argument, NULL, 'h' }

#define COMMON_HELP                                                                         \
        "  --db FILE          the vulnerability database (default $HVS_VULN_DB, else\n"      \
        "                     ~/.local/share/hvscope/vuln.db)\n"                              \
        "  --case FILE        keep the vulnerability tables in this case file instead\n"      \
        "  --data-dir DIR     rules and evidence map (default $HVS_VULN_DATA, else the\n"     \
        "                     source tree's or the installed data/vuln)\n"                     \
        "  --rules FILE       classification rules instead of DIR/classes.rules\n"

struct vuln_common {
        const char *db, *casefile, *data_dir, *rules;
};

int vuln_common_opt(struct vuln_common *co, int c, const char *arg);

struct vuln_ctx {
        const char *db_path;            /* resolved database path */
        const char *data_dir;           /* resolved data directory */
        char products_path[4096], classes_path[4096], evidence_path[4096];
        hvs_vuln_rules *rules;
        hvs_vuln_feed *feed;            /* every stored record */
        hvs_vuln_evmap *evmap;
};

/* A product/years selection and its label ("kvm-stack (kvm, qemu), 2016-2017"). */
struct vuln_sel {
        const char *product;
        uint32_t mask;
        int year_from, year_to;
        hvs_vuln_query q;
};

/* Loads the rules (products + classes) and, when asked, the evidence map;
 * vuln_load_all() also opens the database and loads every record. Print errors. */
int vuln_load_rules(const struct vuln_common *co, struct vuln_ctx *c, bool evidence);
int vuln_load_all(const struct vuln_common *co, struct vuln_ctx *c, bool evidence);
void vuln_ctx_free(struct vuln_ctx *c);
/* Prints the ids of @set, comma-separated ("-" when empty). */
void vuln_print_set(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, uint32_t set);
/* Parses an unsigned option value; prints the error. */
bool vuln_parse_uint(const char *arg, const char *what, unsigned long max, unsigned *ret);
/* hvscope vuln attack-evidence (vuln-attack.c). */
int vuln_attack(int argc, char **argv);

/* Text that came from NVD, safe for a terminal: control characters become '?'
 * (newlines a space when @one_line). */
void vuln_print_text(FILE *f, const char *s, size_t n, bool one_line);
/* HTML-escaped text. */
void vuln_html_text(FILE *f, const char *s);

/* Renderers (vuln-render.c). Return: 0; -errno (printed). */
int vuln_render_report(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_dist *d, bool json,
                       bool csv, const char *html_path);
int vuln_render_gaps(const struct vuln_ctx *c, const struct vuln_sel *s, const hvs_vuln_gaps *g,
                     const hvs_vuln_dist *d, bool json);
/* "x of y" as a percentage string "12.3%" (0 when y is 0). */
double vuln_pct(unsigned long x, unsigned long y);
/* The selection's classes as a JSON array of ids. */
json_object *vuln_set_json(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, uint32_t set);

#endif
