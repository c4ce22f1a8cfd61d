/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rules.h - the rule set's layout, shared by rules.c (parser, matcher) and
 * classify.c (scoring). The file format is described in docs/vuln.md.
 */
#ifndef HVS_VULN_RULES_H
#define HVS_VULN_RULES_H

#include "vuln-internal.h"

enum rule_kind { RK_PHRASE, RK_CWE, RK_CVSS, RK_CPE };
enum rule_mod { RM_VOTE, RM_VETO, RM_NEED, RM_MASK, RM_FALLBACK };
/* Parts of a description; a phrase's weight is scaled by its part's factor. */
enum part { P_LOCATION, P_IMPACT, P_VECTOR, P_SUBJECT, P_BODY, P_HEADER, P_TRACE, P_COUNT };
enum split_kind { SPLIT_IMPACT, SPLIT_VECTOR, SPLIT_SUBJECT, SPLIT_TRACE, SPLIT_COUNT };
enum decide { DECIDE_SCORE, DECIDE_ORDER };
enum combine { COMBINE_SUM, COMBINE_MAX };

struct rule {
        uint8_t dim, kind, mod;
        bool case_sensitive;
        int cls;                /* class index; for splits the split_kind */
        double weight;
        uint32_t only;          /* product mask the rule is limited to, 0 = all */
        uint8_t parts;          /* parts of the text a phrase may match in (bit per enum part), 0 = all */
        const char *cvss_cond;  /* the rule holds only if a CVSS vector has this part ("AV:N"), or NULL */
        const char *pattern;    /* as written (owned by the rule set's string pool) */
        const char *pat;        /* compiled: lowercased unless case_sensitive */
        size_t plen;
        bool left_bound, right_bound;
        /* The pattern's leading word, lowercased: a text without it cannot match (a fast filter). */
        const char *tok;
        uint16_t tok_len;
        bool tok_prefix;        /* the word is followed by '*': any word starting with it */
        uint16_t file;          /* index into the file names */
        unsigned line;
};

struct hvs_vuln_rules {
        struct {
                char *id, *name;
        } cls[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES];
        size_t ncls[HVS_VULN_NDIMS];
        int order[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES];
        size_t norder[HVS_VULN_NDIMS];
        enum decide decide[HVS_VULN_NDIMS];
        enum combine combine[HVS_VULN_NDIMS];
        double threshold[HVS_VULN_NDIMS];
        double part_factor[HVS_VULN_NDIMS][P_COUNT];
        struct rule *rules;
        size_t n, cap;
        unsigned *bydim[HVS_VULN_NDIMS];        /* rule indices per dimension */
        size_t nbydim[HVS_VULN_NDIMS];
        struct rule *splits;
        size_t nsplits, capsplits;
        struct {
                char *name;
                uint32_t mask;
        } groups[16];
        size_t ngroups;
        char **files;
        size_t nfiles;
        char **pool;            /* every pattern string */
        size_t npool, cappool;
};

extern const char *const vuln_part_names[P_COUNT];

/* A match of a phrase in a text: [pos, end). */
struct span {
        size_t pos, end;
};

/*
 * Finds the matches of phrase rule @ru in @text (@lc: the same text
 * lowercased) within [@from, @to), at most @max, in order. Matches do not
 * overlap. Return: their number.
 */
size_t vuln_phrase_find(const struct rule *ru, const char *text, const char *lc, size_t from, size_t to,
                        struct span *out, size_t max);
/*
 * The words of a lowercased text, sorted, for the leading-word filter:
 * vuln_words_build() fills @w (caller frees w->v), vuln_words_may_match()
 * says whether phrase rule @ru can match at all.
 */
struct words {
        const char *lc;
        struct span *v;
        size_t n;
};
int vuln_words_build(const char *lc, size_t len, struct words *w);
bool vuln_words_may_match(const struct words *w, const struct rule *ru);

/* Whether the non-phrase rule @ru (cwe, cvss, cpe) matches @rec. */
bool vuln_field_match(const struct rule *ru, const hvs_vuln_record *rec);
/* Whether @rec satisfies @ru's cvss= condition (true when it has none). */
bool vuln_cond_holds(const struct rule *ru, const hvs_vuln_record *rec);

/* The compiled form of "**" (a gap of a few words within a clause). */
#define GAP_CHAR '\x01'
/* Bytes a gap may span. */
#define GAP_MAX 60

#endif
