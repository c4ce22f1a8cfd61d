/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vuln.h - hypervisor vulnerability data and the NIST IR 8221 method:
 * NVD records (API 2.0 JSON, 1.1 feeds, plain or gzip), a SQLite
 * vulnerability database kept up to date from the NVD API, product
 * selection and classification by rules read from data files, the
 * distributions of step 1, and the evidence map and gaps of steps 2-3.
 *
 * Invariants:
 *   - NVD data, HTTP replies, rules and evidence-map files are hostile input:
 *     every size, count and depth is bounded by a named limit (limits.h) and a
 *     violation is an error with a one-line reason, never a crash.
 *   - The library decides nothing by itself about the taxonomy: the classes,
 *     their precedence and every rule come from the rules files (docs/vuln.md
 *     describes the format). The C code only matches and scores.
 *   - Nothing here prints. Explanations are returned as data.
 *   - Objects are not thread-safe; distinct objects may be used concurrently.
 *     hvs_vuln_classify() only reads its rules, so one rules object may serve
 *     several threads.
 */
#ifndef HVSCOPE_VULN_H
#define HVSCOPE_VULN_H

#include <signal.h>
#include <hvscope/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ records */

/**
 * struct hvs_vuln_cpe - one CPE match of a record's configurations.
 * @criteria:   "cpe:2.3:a:qemu:qemu:*:..." as NVD gives it
 * @vulnerable: the match is marked vulnerable (others are platforms)
 */
typedef struct hvs_vuln_cpe {
        char *criteria;
        bool vulnerable;
} hvs_vuln_cpe;

/**
 * struct hvs_vuln_record - one CVE, decoded. All strings are NUL-terminated,
 * never NULL ("" when NVD has no value) and owned by the feed that holds the
 * record.
 * @id:                "CVE-2015-3456"
 * @source_identifier: who assigned it ("secalert@redhat.com"), or ""
 * @published:         "2015-05-13T18:59:00.000" (API 2.0 form), or ""
 * @last_modified:     same form, or ""
 * @status:            NVD's vulnStatus ("Analyzed", ...), or ""
 * @description:       the English description (never "")
 * @cvss_v2:           CVSS v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P"), or ""
 * @cvss_v3:           CVSS v3.x vector ("CVSS:3.1/AV:L/..."), or ""
 * @score_v2:          v2 base score, or -1
 * @score_v3:          v3 base score, or -1
 * @cwes:              the weakness ids ("CWE-119", "NVD-CWE-Other"), deduplicated
 * @n_cwes:            their number (at most HVS_MAX_NVD_CWES)
 * @cpes:              every CPE match of every configuration, deduplicated
 * @n_cpes:            their number (at most HVS_MAX_NVD_CPES)
 */
typedef struct hvs_vuln_record {
        char *id;
        char *source_identifier;
        char *published;
        char *last_modified;
        char *status;
        char *description;
        char *cvss_v2;
        char *cvss_v3;
        double score_v2;
        double score_v3;
        char **cwes;
        size_t n_cwes;
        hvs_vuln_cpe *cpes;
        size_t n_cpes;
} hvs_vuln_record;

enum hvs_vuln_format {
        HVS_VULN_FMT_NONE = 0,  /* records built by hand or loaded from a database */
        HVS_VULN_FMT_API2,      /* NVD API 2.0 response ("vulnerabilities": [{"cve": ...}]) */
        HVS_VULN_FMT_FEED11,    /* NVD JSON 1.1 feed ("CVE_Items") */
};

/**
 * struct hvs_vuln_feed_info - what a parsed input was.
 * @format:           its format
 * @gzip:             it was gzip-compressed
 * @total_results:    API 2.0 paging: totalResults, or -1 when absent
 * @start_index:      API 2.0 paging: startIndex, or -1
 * @results_per_page: API 2.0 paging: resultsPerPage, or -1
 * @timestamp:        the response's (or feed's) timestamp, or ""
 * @n_items:          entries in the input's record list (accepted + rejected)
 * @n_rejected:       entries skipped: rejected CVEs ("** REJECT **" or
 *                    vulnStatus "Rejected"), entries missing an id or an
 *                    English description, or over a limit; the reasons are
 *                    in hvs_vuln_feed_reject()
 */
typedef struct hvs_vuln_feed_info {
        enum hvs_vuln_format format;
        bool gzip;
        int64_t total_results;
        int64_t start_index;
        int64_t results_per_page;
        char timestamp[40];
        size_t n_items;
        size_t n_rejected;
} hvs_vuln_feed_info;

typedef struct hvs_vuln_feed hvs_vuln_feed;

/**
 * hvs_vuln_feed_parse() - decode NVD data from a buffer.
 * @buf: the bytes (borrowed; gzip is recognised by its magic and inflated up
 *       to HVS_MAX_NVD_JSON_BYTES)
 * @len: their number
 * @d:   nullable; the reason of a failure
 * @ret: the feed, owned by the caller (hvs_vuln_feed_free())
 *
 * Accepts an NVD API 2.0 response (or a file of that shape) and an NVD JSON
 * 1.1 feed. Entries that cannot be used are skipped and counted, with their
 * reason (see hvs_vuln_feed_info.n_rejected); the rest is kept.
 * Return: 0; -EBADMSG not JSON, truncated, not an NVD shape, corrupt gzip;
 * -E2BIG over HVS_MAX_NVD_JSON_BYTES, HVS_MAX_NVD_JSON_DEPTH or
 * HVS_MAX_NVD_RECORDS; -ENOMEM.
 */
HVS_API int hvs_vuln_feed_parse(const void *buf, size_t len, hvs_diag *d, hvs_vuln_feed **ret);

/**
 * hvs_vuln_feed_load() - hvs_vuln_feed_parse() on a whole file of at most
 * HVS_MAX_NVD_FILE_BYTES. Return: as hvs_vuln_feed_parse(); -errno of open/read;
 * -E2BIG for a larger file.
 */
HVS_API int hvs_vuln_feed_load(const char *path, hvs_diag *d, hvs_vuln_feed **ret);

/**
 * hvs_vuln_feed_new() - an empty feed (format NONE), for records added with
 * hvs_vuln_feed_add(). Return: 0; -ENOMEM.
 */
HVS_API int hvs_vuln_feed_new(hvs_vuln_feed **ret);

/**
 * hvs_vuln_feed_add() - append a deep copy of @rec to @f.
 * @rec must have a non-empty id and description; NULL string fields are
 * taken as "". Return: 0; -EINVAL missing id/description; -E2BIG over
 * HVS_MAX_NVD_RECORDS; -ENOMEM.
 */
HVS_API int hvs_vuln_feed_add(hvs_vuln_feed *f, const hvs_vuln_record *rec);

/** hvs_vuln_feed_get_info() - the input's description; valid until free. */
HVS_API const hvs_vuln_feed_info *hvs_vuln_feed_get_info(const hvs_vuln_feed *f);

/** hvs_vuln_feed_count() / hvs_vuln_feed_get() - the records, in input order;
 *  get() returns NULL past the end. Borrowed: valid until the feed is freed. */
HVS_API size_t hvs_vuln_feed_count(const hvs_vuln_feed *f);
HVS_API const hvs_vuln_record *hvs_vuln_feed_get(const hvs_vuln_feed *f, size_t i);

/**
 * hvs_vuln_feed_find() - the record with id @id (exact, case-insensitive),
 * or NULL. Linear; borrowed like hvs_vuln_feed_get().
 */
HVS_API const hvs_vuln_record *hvs_vuln_feed_find(const hvs_vuln_feed *f, const char *id);

/**
 * hvs_vuln_feed_reject() - the reason entry @i of the input was skipped
 * ("CVE-2099-1: description of 70000 bytes exceeds limit 65536"), for
 * @i < min(n_rejected, HVS_MAX_NVD_REJECT_MSGS); NULL past that.
 */
HVS_API const char *hvs_vuln_feed_reject(const hvs_vuln_feed *f, size_t i);

/** hvs_vuln_feed_free() - NULL-safe. Return: NULL. */
HVS_API hvs_vuln_feed *hvs_vuln_feed_free(hvs_vuln_feed *f);

/* ================================================================ database */

typedef struct hvs_vuln_db hvs_vuln_db;

/**
 * hvs_vuln_db_open() - open (creating it if absent) a vulnerability database.
 * @path: a SQLite file: a standalone vulnerability database or a case file;
 *        the tables are all named vuln_* and versioned by their own
 *        vuln_meta row, so they coexist with a case's tables
 * @d:    nullable; the reason of a failure
 * @ret:  the handle (hvs_vuln_db_close())
 *
 * Applies every migration of src/vuln/schema.sql above the file's version,
 * one transaction each. Foreign keys on, WAL journal.
 * Return: 0; -EBADMSG not a SQLite file or corrupt; -EPROTONOSUPPORT written
 * by a newer hvscope (schema version above ours); -ENOSPC, -EROFS, -EBUSY (disk
 * full, read-only file, locked by another writer); -EIO other SQLite errors;
 * -ENOMEM.
 */
HVS_API int hvs_vuln_db_open(const char *path, hvs_diag *d, hvs_vuln_db **ret);

/** hvs_vuln_db_close() - NULL-safe; rolls back an open transaction. Return: NULL. */
HVS_API hvs_vuln_db *hvs_vuln_db_close(hvs_vuln_db *db);

/** hvs_vuln_db_errmsg() - the reason of the handle's last failure, or "". */
HVS_API const char *hvs_vuln_db_errmsg(const hvs_vuln_db *db);

/** hvs_vuln_db_schema_version() - the vulnerability schema version of the file. */
HVS_API int hvs_vuln_db_schema_version(const hvs_vuln_db *db);

/**
 * typedef hvs_vuln_keep_fn - decides whether an imported record is stored.
 * Return: true to store @rec.
 */
typedef bool (*hvs_vuln_keep_fn)(const hvs_vuln_record *rec, void *userdata);

/**
 * struct hvs_vuln_import_stats - what an import did.
 * @inserted:  records new to the database
 * @updated:   records that replaced an older or equal-dated, different copy
 * @unchanged: records identical to the stored copy (nothing written)
 * @older:     records older (lastModified) than the stored copy (kept the stored one)
 * @skipped:   records the keep function declined
 */
typedef struct hvs_vuln_import_stats {
        size_t inserted;
        size_t updated;
        size_t unchanged;
        size_t older;
        size_t skipped;
} hvs_vuln_import_stats;

/**
 * hvs_vuln_db_import() - upsert every record of @f, in one transaction.
 * @origin: where the records came from (a path or URL), stored with each record
 * @keep:   nullable filter; NULL keeps all
 * @ret:    nullable; the counts of this import, added to its current values
 *
 * A record is keyed by its CVE id: re-importing never duplicates. A copy
 * whose lastModified is older than the stored one does not replace it.
 * Each import is logged in vuln_import (origin, format, counts, time).
 * All or nothing: on failure nothing of @f is stored and what was stored
 * before is intact.
 * Return: 0; -EIO SQLite failure (disk full, read-only, ...); -ENOMEM.
 */
HVS_API int hvs_vuln_db_import(hvs_vuln_db *db, const hvs_vuln_feed *f, const char *origin,
                               hvs_vuln_keep_fn keep, void *userdata, hvs_vuln_import_stats *ret);

/**
 * hvs_vuln_db_load() - every stored record, ordered by id, in a new feed
 * (format NONE). Return: 0; -EIO; -ENOMEM.
 */
HVS_API int hvs_vuln_db_load(hvs_vuln_db *db, hvs_vuln_feed **ret);

/**
 * hvs_vuln_db_count() - the number of stored records. Return: 0; -EIO.
 */
HVS_API int hvs_vuln_db_count(hvs_vuln_db *db, size_t *ret);

/**
 * hvs_vuln_db_get_meta() / hvs_vuln_db_set_meta() - small key/value state
 * kept in vuln_meta (sync progress, watermarks). get() copies the value into
 * @buf (NUL-terminated). Return: 0; -ENOENT no such key (get);
 * -ENAMETOOLONG value longer than @cap - 1; -EIO.
 */
HVS_API int hvs_vuln_db_get_meta(hvs_vuln_db *db, const char *key, char *buf, size_t cap);
HVS_API int hvs_vuln_db_set_meta(hvs_vuln_db *db, const char *key, const char *value);

/* ================================================================ rules */

/* The dimensions a rule can speak about. */
enum hvs_vuln_dim {
        HVS_VULN_PRODUCT = 0,   /* xen, kvm, qemu (several may hold) */
        HVS_VULN_FUNC,          /* hypervisor functionality */
        HVS_VULN_TYPE,          /* attack type */
        HVS_VULN_SOURCE,        /* attack source */
        HVS_VULN_NDIMS
};

typedef struct hvs_vuln_rules hvs_vuln_rules;

/** hvs_vuln_rules_new() - an empty rule set. Return: 0; -ENOMEM. */
HVS_API int hvs_vuln_rules_new(hvs_vuln_rules **ret);

/**
 * hvs_vuln_rules_add() - parse one rules text (format: docs/vuln.md) into @r.
 * @text: the text (borrowed, at most HVS_MAX_VULN_RULES_BYTES)
 * @len:  its length
 * @name: a name for it in explanations and errors (a path); copied
 * @d:    nullable; "NAME:LINE: what is wrong"
 * Return: 0; -EBADMSG syntax error, unknown dimension or class, bad pattern;
 * -E2BIG over HVS_MAX_VULN_RULES, HVS_VULN_MAX_CLASSES or a pattern limit;
 * -ENOMEM. On failure @r keeps what earlier calls added and nothing of @text.
 */
HVS_API int hvs_vuln_rules_add(hvs_vuln_rules *r, const char *text, size_t len, const char *name, hvs_diag *d);

/**
 * hvs_vuln_rules_load() - hvs_vuln_rules_add() of a whole file.
 * Return: as hvs_vuln_rules_add(); -errno of open/read.
 */
HVS_API int hvs_vuln_rules_load(hvs_vuln_rules *r, const char *path, hvs_diag *d);

/**
 * hvs_vuln_rules_check() - whether @r is complete enough to classify: every
 * dimension declares its classes, the classification dimensions have an
 * "unknown" class and an order. Return: 0; -EBADMSG with the reason.
 */
HVS_API int hvs_vuln_rules_check(const hvs_vuln_rules *r, hvs_diag *d);

/** hvs_vuln_rules_free() - NULL-safe. Return: NULL. */
HVS_API hvs_vuln_rules *hvs_vuln_rules_free(hvs_vuln_rules *r);

/**
 * hvs_vuln_rules_nclasses() / hvs_vuln_rules_class_id() /
 * hvs_vuln_rules_class_name() - the classes of a dimension, in declaration
 * order: ids ("io_device") and human names ("I/O and networking"). The
 * strings are borrowed (valid until free); NULL for a bad index.
 */
HVS_API size_t hvs_vuln_rules_nclasses(const hvs_vuln_rules *r, enum hvs_vuln_dim dim);
HVS_API const char *hvs_vuln_rules_class_id(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, size_t k);
HVS_API const char *hvs_vuln_rules_class_name(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, size_t k);

/**
 * hvs_vuln_rules_class_find() - the index of class @id in @dim.
 * Return: the index (>= 0); -ENOENT.
 */
HVS_API int hvs_vuln_rules_class_find(const hvs_vuln_rules *r, enum hvs_vuln_dim dim, const char *id);

/**
 * hvs_vuln_rules_products() - the product mask a name stands for: a product
 * class ("xen") or a group declared in the rules ("kvm-stack" = kvm + qemu),
 * or "all". Return: 0; -ENOENT unknown name.
 */
HVS_API int hvs_vuln_rules_products(const hvs_vuln_rules *r, const char *name, uint32_t *ret_mask);

/**
 * hvs_vuln_rules_dim_name() - "product", "functionality", "type", "source";
 * static, NULL for a bad value.
 */
HVS_API const char *hvs_vuln_rules_dim_name(enum hvs_vuln_dim dim);

/* ================================================================ classification */

/**
 * struct hvs_vuln_result - the classes of one record.
 * @primary: per dimension, the index of the primary class (the "unknown"
 *           class when nothing decides); for HVS_VULN_PRODUCT, the first
 *           product selected, or -1 when none is
 * @set:     per dimension, bit k set when class k is supported (products:
 *           every product selected; functionality: the primary only;
 *           type and source: every class the description supports; the
 *           unknown class when no other is)
 */
typedef struct hvs_vuln_result {
        int primary[HVS_VULN_NDIMS];
        uint32_t set[HVS_VULN_NDIMS];
} hvs_vuln_result;

/**
 * struct hvs_vuln_hit - one rule that matched, for explanations.
 * @dim, @cls:  what the rule votes for
 * @kind:       "phrase", "cwe", "cvss", "cpe"; static
 * @pattern:    the rule's pattern as written; borrowed from the rules
 * @file:       the rules file it comes from; borrowed
 * @line:       its line there
 * @weight:     the rule's weight times the factor of the part of the text it
 *              matched in (0 for a veto or a suppressed match)
 * @part:       "location", "impact", "vector", "subject", "" (not text); static
 * @pos, @len:  where it matched in the description (bytes), when a phrase
 * @effect:     "vote", "veto", "needs", "ignored", "fallback"; static
 * @suppressed: inside a longer match for another class of the same dimension
 */
typedef struct hvs_vuln_hit {
        enum hvs_vuln_dim dim;
        int cls;
        const char *kind;
        const char *pattern;
        const char *file;
        unsigned line;
        double weight;
        const char *part;
        size_t pos, len;
        const char *effect;
        bool suppressed;
} hvs_vuln_hit;

/**
 * struct hvs_vuln_explain - why a record got its classes.
 * @hits:    every rule that matched, in rule order
 * @n_hits:  their number
 * @score:   the summed weight per dimension and class
 * @reason:  per dimension, one line on how the primary was decided
 */
typedef struct hvs_vuln_explain {
        hvs_vuln_hit *hits;
        size_t n_hits;
        double score[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES];
        char reason[HVS_VULN_NDIMS][256];
} hvs_vuln_explain;

/**
 * hvs_vuln_classify() - select products and classify one record.
 * @r:           complete rules (hvs_vuln_rules_check() passed); read only
 * @rec:         the record (borrowed)
 * @ret:         the classes
 * @ret_explain: nullable; when given, a new explanation (hvs_vuln_explain_free())
 *
 * Method (docs/vuln.md): rules vote for classes with weights, scaled by the
 * part of the description the phrase is in; matches inside longer matches of
 * another class are dropped; the functionality with the highest score wins
 * (ties: the one named first), at least the dimension's threshold, else
 * unknown; every type and source over the threshold is in the set, and the
 * primary is the first of the set in the dimension's declared order.
 * Return: 0; -EINVAL incomplete rules; -ENOMEM.
 */
HVS_API int hvs_vuln_classify(const hvs_vuln_rules *r, const hvs_vuln_record *rec, hvs_vuln_result *ret,
                              hvs_vuln_explain **ret_explain);

/** hvs_vuln_explain_free() - NULL-safe. Return: NULL. */
HVS_API hvs_vuln_explain *hvs_vuln_explain_free(hvs_vuln_explain *e);

/**
 * hvs_vuln_record_year() - the year of @rec's published date.
 * Return: the year; -ENOENT no (valid) published date.
 */
HVS_API int hvs_vuln_record_year(const hvs_vuln_record *rec);

/* ================================================================ distributions */

/**
 * struct hvs_vuln_query - which records a distribution counts.
 * @sz:        sizeof(struct hvs_vuln_query), set by HVS_OPTS()
 * @products:  product mask (hvs_vuln_rules_products()); 0 = any record,
 *             selected or not
 * @year_from: first published year counted, 0 = no lower bound
 * @year_to:   last published year counted, 0 = no upper bound
 */
typedef struct hvs_vuln_query {
        size_t sz;
        uint32_t products;
        int year_from;
        int year_to;
} hvs_vuln_query;

/**
 * struct hvs_vuln_dist - the distributions of step 1.
 * @total:       records counted
 * @no_date:     records of the products left out because they have no
 *               published date while a year range was asked for
 * @primary:     per dimension and class, records whose primary class it is
 * @multi:       per dimension and class, records whose set holds it
 * @func_type:   [functionality][type], primary classes
 * @func_source: [functionality][source], primary classes
 */
typedef struct hvs_vuln_dist {
        size_t total;
        size_t no_date;
        unsigned primary[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES];
        unsigned multi[HVS_VULN_NDIMS][HVS_VULN_MAX_CLASSES];
        unsigned func_type[HVS_VULN_MAX_CLASSES][HVS_VULN_MAX_CLASSES];
        unsigned func_source[HVS_VULN_MAX_CLASSES][HVS_VULN_MAX_CLASSES];
} hvs_vuln_dist;

/**
 * hvs_vuln_select() - whether @q counts @rec, given its classes @res.
 * Return: 1 counted; 0 not selected; -ENOENT selected by product but without
 * a published date while @q has a year range.
 */
HVS_API int hvs_vuln_select(const hvs_vuln_query *q, const hvs_vuln_record *rec, const hvs_vuln_result *res);

/**
 * hvs_vuln_distribution() - classify every record of @f and count those @q
 * selects. @ret is overwritten. Return: 0; -EINVAL bad @q or rules; -ENOMEM.
 */
HVS_API int hvs_vuln_distribution(const hvs_vuln_rules *r, const hvs_vuln_feed *f, const hvs_vuln_query *q,
                                  hvs_vuln_dist *ret);

/* ================================================================ evidence map and gaps */

typedef struct hvs_vuln_evmap hvs_vuln_evmap;

/**
 * struct hvs_vuln_collector - a way hvscope gathers evidence.
 * @id:          "guest-views", "watch-kvm", ...
 * @command:     the hvscope command that provides it ("ps", "watch"); the
 *               collector is available only when that command exists
 * @issue:       the issue that plans it (0 = none)
 * @description: one line
 */
typedef struct hvs_vuln_collector {
        const char *id;
        const char *command;
        unsigned issue;
        const char *description;
} hvs_vuln_collector;

/**
 * struct hvs_vuln_evidence - something an attack leaves.
 * @id:          "pio-mmio", ...
 * @description: what it is
 * @collector:   index of the collector that gathers it, -1 = none
 * @technique:   how it would be gathered (for gaps)
 */
typedef struct hvs_vuln_evidence {
        const char *id;
        const char *description;
        int collector;
        const char *technique;
} hvs_vuln_evidence;

/**
 * hvs_vuln_evmap_parse() - parse an evidence map (format: docs/vuln.md).
 * @rules: the classes the map may name (borrowed; must outlive the map)
 * Return: 0; -EBADMSG "NAME:LINE: reason" (unknown class, evidence or
 * collector, syntax); -E2BIG over HVS_MAX_VULN_EVIDENCE; -ENOMEM.
 */
HVS_API int hvs_vuln_evmap_parse(const char *text, size_t len, const char *name, const hvs_vuln_rules *rules,
                                 hvs_diag *d, hvs_vuln_evmap **ret);

/** hvs_vuln_evmap_load() - hvs_vuln_evmap_parse() of a file. Return: as parse; -errno. */
HVS_API int hvs_vuln_evmap_load(const char *path, const hvs_vuln_rules *rules, hvs_diag *d, hvs_vuln_evmap **ret);

/** hvs_vuln_evmap_free() - NULL-safe. Return: NULL. */
HVS_API hvs_vuln_evmap *hvs_vuln_evmap_free(hvs_vuln_evmap *m);

/**
 * hvs_vuln_evmap_nevidence() / hvs_vuln_evmap_evidence() /
 * hvs_vuln_evmap_ncollectors() / hvs_vuln_evmap_collector() - the items, in
 * file order; borrowed, valid until free; NULL past the end.
 */
HVS_API size_t hvs_vuln_evmap_nevidence(const hvs_vuln_evmap *m);
HVS_API const hvs_vuln_evidence *hvs_vuln_evmap_evidence(const hvs_vuln_evmap *m, size_t i);
HVS_API size_t hvs_vuln_evmap_ncollectors(const hvs_vuln_evmap *m);
HVS_API const hvs_vuln_collector *hvs_vuln_evmap_collector(const hvs_vuln_evmap *m, size_t i);

/**
 * hvs_vuln_evmap_needs() - the evidence items class @cls of @dim leaves, as a
 * bit set over evidence indices (at most HVS_MAX_VULN_EVIDENCE items).
 * @ret: HVS_MAX_VULN_EVIDENCE / 64 words, overwritten
 */
HVS_API void hvs_vuln_evmap_needs(const hvs_vuln_evmap *m, enum hvs_vuln_dim dim, int cls, uint64_t *ret);

/**
 * hvs_vuln_evmap_find_evidence() - the index of evidence @id. Return: >= 0; -ENOENT.
 */
HVS_API int hvs_vuln_evmap_find_evidence(const hvs_vuln_evmap *m, const char *id);

/**
 * typedef hvs_vuln_available_fn - whether hvscope has command @command.
 */
typedef bool (*hvs_vuln_available_fn)(const char *command, void *userdata);

/**
 * struct hvs_vuln_gap - one evidence item weighed by a distribution.
 * @evidence:  index in the map
 * @needed_by: records (of the query) whose primary functionality or any
 *             supported attack type needs it
 * @covered:   its collector is available in this hvscope
 */
typedef struct hvs_vuln_gap {
        int evidence;
        unsigned needed_by;
        bool covered;
} hvs_vuln_gap;

/**
 * struct hvs_vuln_gaps - the result of hvs_vuln_gaps_compute().
 * @items:          one per evidence item needed by at least one record,
 *                  uncovered first, then by @needed_by descending, then map order
 * @n_items:        their number
 * @records:        records counted
 * @records_full:   records all of whose needed evidence is covered
 * @records_none:   records none of whose needed evidence is covered
 * @need_total:     sum over records of the number of items each needs
 * @need_covered:   the part of @need_total that is covered
 */
typedef struct hvs_vuln_gaps {
        hvs_vuln_gap *items;
        size_t n_items;
        size_t records;
        size_t records_full;
        size_t records_none;
        uint64_t need_total;
        uint64_t need_covered;
} hvs_vuln_gaps;

/**
 * hvs_vuln_gaps_compute() - weigh the evidence items by the records @q selects.
 * @available: says which commands exist; NULL = none does
 * Return: 0; -EINVAL; -ENOMEM. @ret is owned by the caller (hvs_vuln_gaps_free()).
 */
HVS_API int hvs_vuln_gaps_compute(const hvs_vuln_evmap *m, const hvs_vuln_rules *r, const hvs_vuln_feed *f,
                                  const hvs_vuln_query *q, hvs_vuln_available_fn available, void *userdata,
                                  hvs_vuln_gaps **ret);

/** hvs_vuln_gaps_free() - NULL-safe. Return: NULL. */
HVS_API hvs_vuln_gaps *hvs_vuln_gaps_free(hvs_vuln_gaps *g);

/* ================================================================ NVD API sync */

/* The NVD CVE API 2.0 endpoint (overridden by opts.api_url / HVS_NVD_API_URL in the CLI). */
#define HVS_NVD_API_URL "https://services.nvd.nist.gov/rest/json/cves/2.0"

/**
 * struct hvs_vuln_sync_progress - reported after each request.
 * @window_start, @window_end: the lastModified window ("" for a full pass)
 * @start_index:   the page's first index
 * @total:         totalResults of the window
 * @stored:        records stored so far in this run (inserted + updated)
 * @requests:      HTTP requests made so far in this run
 * @status:        HTTP status of the last request (0 = transport error)
 * @wait_ms:       how long the client now waits (rate limit or back-off)
 * @what:          "page", "rate-limit", "back-off"; static
 */
typedef struct hvs_vuln_sync_progress {
        const char *window_start;
        const char *window_end;
        int64_t start_index;
        int64_t total;
        size_t stored;
        unsigned requests;
        long status;
        unsigned wait_ms;
        const char *what;
} hvs_vuln_sync_progress;

/**
 * struct hvs_vuln_sync_opts - how to sync.
 * @sz:               sizeof(struct hvs_vuln_sync_opts), set by HVS_OPTS()
 * @api_url:          endpoint; NULL = HVS_NVD_API_URL
 * @api_key:          NVD API key sent in the "apiKey" header; NULL = none
 * @results_per_page: 1..2000; 0 = 2000
 * @rate_requests:    requests allowed per window; 0 = 5, or 50 with a key
 * @rate_window_ms:   the rolling window; 0 = 30000
 * @backoff_ms:       first wait after 403/429/503 or a broken reply; doubles
 *                    each retry; 0 = 6000
 * @backoff_max_ms:   cap of one wait (also of Retry-After); 0 = 120000
 * @max_retries:      failed attempts per page before giving up; 0 = 6
 * @timeout_ms:       per request; 0 = 120000
 * @since:            start of the lastModified range ("2024-01-01T00:00:00");
 *                    NULL = the database's watermark (a full pass without one)
 * @full:             a full pass (no date range) whatever the watermark
 * @now:              end of the range, seconds since the epoch; 0 = now
 * @keep:             nullable: which records to store (others are counted)
 * @keep_userdata:    passed to @keep
 * @progress:         nullable callback after each request
 * @progress_userdata: passed to @progress
 * @stop:             nullable; when it becomes non-zero (a signal handler),
 *                    the sync stops after the current request, progress saved
 */
typedef struct hvs_vuln_sync_opts {
        size_t sz;
        const char *api_url;
        const char *api_key;
        unsigned results_per_page;
        unsigned rate_requests;
        unsigned rate_window_ms;
        unsigned backoff_ms;
        unsigned backoff_max_ms;
        unsigned max_retries;
        unsigned timeout_ms;
        const char *since;
        bool full;
        int64_t now;
        hvs_vuln_keep_fn keep;
        void *keep_userdata;
        void (*progress)(void *userdata, const hvs_vuln_sync_progress *p);
        void *progress_userdata;
        const volatile sig_atomic_t *stop;
} hvs_vuln_sync_opts;

/**
 * struct hvs_vuln_sync_stats - what a sync did.
 * @import:    counts of the records received (as hvs_vuln_db_import())
 * @requests:  HTTP requests made
 * @retries:   of which repeated after a failure
 * @pages:     pages stored
 * @resumed:   the run continued one an earlier sync left unfinished
 * @complete:  the whole range was fetched; the watermark moved to its end
 * @watermark: the database's watermark after the sync ("" if none)
 */
typedef struct hvs_vuln_sync_stats {
        hvs_vuln_import_stats import;
        unsigned requests;
        unsigned retries;
        unsigned pages;
        bool resumed;
        bool complete;
        char watermark[32];
} hvs_vuln_sync_stats;

/**
 * hvs_vuln_sync() - bring @db up to date from the NVD CVE API 2.0.
 *
 * Without a watermark (first sync) or with @full, one pass over every CVE;
 * otherwise the records modified since the watermark, in windows of at most
 * HVS_NVD_MAX_WINDOW_DAYS (lastModStartDate/lastModEndDate). Each window is
 * paged with startIndex/resultsPerPage. Each page is stored together with
 * the progress in one transaction, so an interrupted sync (error, signal,
 * crash) resumes at the first page not stored. Requests stay under the rate
 * limit (a rolling window); 403, 429, 500, 502, 503, 504, transport errors,
 * truncated or malformed replies are retried after a back-off that doubles
 * (Retry-After is honoured up to @backoff_max_ms).
 * Return: 0 complete; -EINTR stopped by @stop (progress kept); -EIO the API
 * kept failing (reason in the handle's errmsg, progress kept); -EBADMSG a
 * reply that stays malformed; -EINVAL bad options; -E2BIG a reply over
 * HVS_MAX_NVD_PAGE_BYTES; -ENOMEM.
 * @ret is filled (nullable) on success and on failure.
 */
HVS_API int hvs_vuln_sync(hvs_vuln_db *db, const hvs_vuln_sync_opts *opts, hvs_vuln_sync_stats *ret);

#ifdef __cplusplus
}
#endif
#endif
