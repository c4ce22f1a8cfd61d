/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vuln-internal.h - what the files of src/vuln share: the feed's layout,
 * record helpers, the text matcher of the rules.
 */
#ifndef HVS_VULN_INTERNAL_H
#define HVS_VULN_INTERNAL_H

#include <hvscope/vuln.h>
#include "util/util.h"

struct hvs_vuln_feed {
        hvs_vuln_feed_info info;
        hvs_vuln_record *recs;
        size_t n, cap;
        char *rejects[HVS_MAX_NVD_REJECT_MSGS];
        size_t n_reject_msgs;
};

/* Frees the members of @r (not @r itself) and zeroes it. */
void vuln_record_clear(hvs_vuln_record *r);
/* Takes ownership of *@r's members (moves them into @f). Return: 0; -E2BIG; -ENOMEM. */
int vuln_feed_take(hvs_vuln_feed *f, hvs_vuln_record *r);
/* Counts a rejected entry and keeps its reason (the first HVS_MAX_NVD_REJECT_MSGS). */
void vuln_feed_reject(hvs_vuln_feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Allocates an empty feed. */
hvs_vuln_feed *vuln_feed_alloc(void);

/* Whether @s is "CVE-YYYY-NNNN..." (4 to 19 digits after the year). */
bool vuln_valid_id(const char *s);
/*
 * Normalizes an NVD date ("2015-05-13T18:59Z", "2015-05-13T18:59:00.000",
 * "2015-05-13T18:59:00", with an optional Z or +00:00) to
 * "YYYY-MM-DDTHH:MM:SS.mmm" in @out (>= 24 bytes). Return: 0; -EBADMSG.
 */
int vuln_norm_date(const char *in, char *out, size_t cap);

/*
 * hvs_vuln_db_import() that also sets @nkv key/value pairs of vuln_meta
 * (@kv: key0, value0, key1, ...) in the same transaction (sync progress).
 */
int vuln_db_import_meta(hvs_vuln_db *db, const hvs_vuln_feed *f, const char *origin, hvs_vuln_keep_fn keep,
                        void *userdata, const char *const *kv, size_t nkv, hvs_vuln_import_stats *ret);
/* The handle's diagnostic record (for sync.c's messages). */
hvs_diag *vuln_db_diag(hvs_vuln_db *db);

/*
 * Splits @s in place on blanks into at most @max words; a "quoted string"
 * is one word. Return: 0; -E2BIG more words; -EBADMSG unterminated quote.
 */
int vuln_split_words(char *s, char **w, size_t max, size_t *ret_n);

/* A growable string with a hard cap (appends beyond it fail with -E2BIG). */
struct vbuf {
        char *p;
        size_t n, cap, max;
};
int vbuf_add(struct vbuf *b, const char *s, size_t n);
int vbuf_addf(struct vbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void vbuf_free(struct vbuf *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }

#endif
