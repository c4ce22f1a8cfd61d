/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-vuln.c - src/vuln: the NVD parsers (API 2.0, 1.1 feeds, gzip, bad
 * input), the vulnerability database (migrations, upsert, coexistence with
 * other tables, atomic imports), the rules parser and matcher, the
 * classifier on hand-made records with its explanations, distributions, the
 * evidence map and gaps, and the shipped data files against the taxonomy.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <hvscope/vuln.h>
#include "util/util.h"

#ifndef HVS_SOURCE_ROOT
#define HVS_SOURCE_ROOT "."
#endif

/* ================================================================ helpers */

static hvs_vuln_feed *parse_ok(const char *json) {
        hvs_vuln_feed *f = NULL;
        hvs_diag d = { 0 };
        int r = hvs_vuln_feed_parse(json, strlen(json), &d, &f);
        if (r < 0)
                fail_msg("parse failed: %d %s", r, d.msg);
        return f;
}

static int parse_err(const char *buf, size_t len, hvs_diag *d) {
        hvs_vuln_feed *f = NULL;
        int r = hvs_vuln_feed_parse(buf, len, d, &f);
        assert_null(f);
        return r;
}

/* One API 2.0 "cve" object. */
static char *cve2(const char *id, const char *desc, const char *lastmod, const char *extra) {
        char *s = NULL;
        if (asprintf(&s,
                     "{\"cve\":{\"id\":\"%s\",\"sourceIdentifier\":\"x@y\",\"published\":\"2016-03-01T10:00:00.000\","
                     "\"lastModified\":\"%s\",\"descriptions\":[{\"lang\":\"es\",\"value\":\"no\"},"
                     "{\"lang\":\"en\",\"value\":\"%s\"}]%s}}",
                     id, lastmod, desc, extra ? extra : "") < 0)
                fail();
        return s;
}

static char *doc2(int n, char **items) {
        size_t len = 256;
        for (int i = 0; i < n; i++)
                len += strlen(items[i]) + 1;
        char *s = calloc(1, len);
        snprintf(s, len, "{\"resultsPerPage\":%d,\"startIndex\":0,\"totalResults\":%d,\"format\":\"NVD_CVE\","
                         "\"version\":\"2.0\",\"timestamp\":\"2026-01-01T00:00:00.000\",\"vulnerabilities\":[",
                 n, n);
        for (int i = 0; i < n; i++) {
                if (i)
                        strcat(s, ",");
                strcat(s, items[i]);
        }
        strcat(s, "]}");
        return s;
}

static uint8_t *gzip_buf(const void *in, size_t n, size_t *ret) {
        z_stream z = { 0 };
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        size_t cap = deflateBound(&z, n) + 64;
        uint8_t *out = malloc(cap);
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        *ret = cap - z.avail_out;
        deflateEnd(&z);
        return out;
}

/* ================================================================ parser */

static void test_parse_api2(void **state) {
        (void)state;
        char *items[2] = {
                cve2("CVE-2015-3456", "The Floppy Disk Controller (FDC) in QEMU allows local guest users to execute arbitrary code.",
                     "2020-01-01T00:00:00.000",
                     ",\"vulnStatus\":\"Analyzed\",\"metrics\":{\"cvssMetricV2\":[{\"cvssData\":{\"vectorString\":"
                     "\"AV:L/AC:L/Au:S/C:C/I:C/A:C\",\"baseScore\":7.7}}],\"cvssMetricV31\":[{\"source\":\"a\",\"type\":"
                     "\"Secondary\",\"cvssData\":{\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\","
                     "\"baseScore\":9.8}},{\"source\":\"nvd\",\"type\":\"Primary\",\"cvssData\":{\"vectorString\":"
                     "\"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H\",\"baseScore\":8.8}}]},"
                     "\"weaknesses\":[{\"description\":[{\"lang\":\"en\",\"value\":\"CWE-119\"}]},{\"description\":"
                     "[{\"lang\":\"en\",\"value\":\"CWE-119\"},{\"lang\":\"en\",\"value\":\"NVD-CWE-Other\"}]}],"
                     "\"configurations\":[{\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":true,"
                     "\"criteria\":\"cpe:2.3:a:qemu:qemu:*:*:*:*:*:*:*:*\"},{\"vulnerable\":false,\"criteria\":"
                     "\"cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*\"}]}]},{\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":"
                     "true,\"criteria\":\"cpe:2.3:a:qemu:qemu:*:*:*:*:*:*:*:*\"}]}]}]"),
                cve2("CVE-2021-0001", "Something else.", "2021-01-01T00:00:00.000", NULL),
        };
        char *doc = doc2(2, items);
        hvs_vuln_feed *f = parse_ok(doc);
        const hvs_vuln_feed_info *fi = hvs_vuln_feed_get_info(f);
        assert_int_equal(fi->format, HVS_VULN_FMT_API2);
        assert_false(fi->gzip);
        assert_int_equal(fi->total_results, 2);
        assert_int_equal(fi->start_index, 0);
        assert_int_equal(fi->n_items, 2);
        assert_int_equal(fi->n_rejected, 0);
        assert_string_equal(fi->timestamp, "2026-01-01T00:00:00.000");
        assert_int_equal(hvs_vuln_feed_count(f), 2);
        const hvs_vuln_record *r = hvs_vuln_feed_get(f, 0);
        assert_string_equal(r->id, "CVE-2015-3456");
        assert_string_equal(r->status, "Analyzed");
        assert_string_equal(r->published, "2016-03-01T10:00:00.000");
        assert_string_equal(r->description,
                            "The Floppy Disk Controller (FDC) in QEMU allows local guest users to execute arbitrary code.");
        assert_string_equal(r->cvss_v2, "AV:L/AC:L/Au:S/C:C/I:C/A:C");
        /* NVD's Primary metric is preferred over a secondary one listed first */
        assert_string_equal(r->cvss_v3, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H");
        assert_true(r->score_v3 > 8.7 && r->score_v3 < 8.9);
        assert_int_equal(r->n_cwes, 2);     /* deduplicated */
        assert_string_equal(r->cwes[0], "CWE-119");
        assert_int_equal(r->n_cpes, 2);     /* the qemu match once, sorted */
        assert_true(r->cpes[0].vulnerable == false || r->cpes[1].vulnerable == false);
        assert_ptr_equal(hvs_vuln_feed_find(f, "cve-2021-0001"), hvs_vuln_feed_get(f, 1));
        assert_null(hvs_vuln_feed_find(f, "CVE-2099-0001"));
        assert_null(hvs_vuln_feed_get(f, 2));
        assert_int_equal(hvs_vuln_record_year(r), 2016);
        hvs_vuln_feed_free(f);
        free(doc);
        free(items[0]);
        free(items[1]);
}

static const char FEED11[] =
        "{\"CVE_data_type\":\"CVE\",\"CVE_data_format\":\"MITRE\",\"CVE_data_timestamp\":\"2021-09-10T07:00Z\","
        "\"CVE_Items\":[{\"cve\":{\"CVE_data_meta\":{\"ID\":\"CVE-2016-9776\",\"ASSIGNER\":\"cve@mitre.org\"},"
        "\"problemtype\":{\"problemtype_data\":[{\"description\":[{\"lang\":\"en\",\"value\":\"CWE-835\"}]}]},"
        "\"description\":{\"description_data\":[{\"lang\":\"en\",\"value\":\"The mcf_fec_do_tx function in "
        "hw/net/mcf_fec.c in QEMU allows local guest OS administrators to cause a denial of service (infinite "
        "loop).\"}]}},\"configurations\":{\"nodes\":[{\"operator\":\"AND\",\"children\":[{\"operator\":\"OR\","
        "\"cpe_match\":[{\"vulnerable\":true,\"cpe23Uri\":\"cpe:2.3:a:qemu:qemu:*:*:*:*:*:*:*:*\"}]}],"
        "\"cpe_match\":[]}]},\"impact\":{\"baseMetricV3\":{\"cvssV3\":{\"vectorString\":\"CVSS:3.0/AV:L/AC:L/PR:H/"
        "UI:N/S:U/C:N/I:N/A:H\",\"baseScore\":4.4}},\"baseMetricV2\":{\"cvssV2\":{\"vectorString\":\"AV:L/AC:L/Au:N/"
        "C:N/I:N/A:P\",\"baseScore\":2.1}}},\"publishedDate\":\"2016-12-29T16:59Z\",\"lastModifiedDate\":"
        "\"2020-11-10T15:15Z\"},{\"cve\":{\"CVE_data_meta\":{\"ID\":\"CVE-2016-0001\"},\"description\":"
        "{\"description_data\":[{\"lang\":\"en\",\"value\":\"** REJECT ** DO NOT USE THIS CANDIDATE NUMBER.\"}]}}}]}";

static void test_parse_feed11_and_gzip(void **state) {
        (void)state;
        hvs_vuln_feed *f = parse_ok(FEED11);
        const hvs_vuln_feed_info *fi = hvs_vuln_feed_get_info(f);
        assert_int_equal(fi->format, HVS_VULN_FMT_FEED11);
        assert_int_equal(fi->n_items, 2);
        assert_int_equal(fi->n_rejected, 1); /* the REJECT entry */
        assert_non_null(strstr(hvs_vuln_feed_reject(f, 0), "rejected CVE"));
        assert_int_equal(hvs_vuln_feed_count(f), 1);
        const hvs_vuln_record *r = hvs_vuln_feed_get(f, 0);
        assert_string_equal(r->id, "CVE-2016-9776");
        assert_string_equal(r->source_identifier, "cve@mitre.org");
        /* 1.1 minute dates become the API 2.0 form */
        assert_string_equal(r->published, "2016-12-29T16:59:00.000");
        assert_string_equal(r->last_modified, "2020-11-10T15:15:00.000");
        assert_string_equal(r->cvss_v3, "CVSS:3.0/AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H");
        assert_int_equal(r->n_cpes, 1);
        assert_true(r->cpes[0].vulnerable);
        assert_int_equal(r->n_cwes, 1);
        hvs_vuln_feed_free(f);

        /* the same bytes gzip-compressed, and as two concatenated gzip members of a file */
        size_t gn;
        uint8_t *gz = gzip_buf(FEED11, strlen(FEED11), &gn);
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_feed_parse(gz, gn, &d, &f), 0);
        assert_true(hvs_vuln_feed_get_info(f)->gzip);
        assert_int_equal(hvs_vuln_feed_count(f), 1);
        hvs_vuln_feed_free(f);
        /* truncated gzip: a clear error */
        assert_int_equal(parse_err((const char *)gz, gn / 2, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "gzip"));
        /* corrupt gzip */
        gz[gn / 2] ^= 0xff;
        gz[gn / 2 + 1] ^= 0xff;
        assert_int_equal(parse_err((const char *)gz, gn, &d), -EBADMSG);
        free(gz);
}

static void test_parse_bad_documents(void **state) {
        (void)state;
        hvs_diag d = { 0 };
        assert_int_equal(parse_err("", 0, &d), -EBADMSG);
        assert_int_equal(parse_err("   \n", 4, &d), -EBADMSG);
        assert_int_equal(parse_err("{\"vulnerabilities\":[", 20, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "truncated"));
        assert_int_equal(parse_err("{\"a\":}", 6, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "malformed JSON"));
        assert_int_equal(parse_err("{\"vulnerabilities\":[]} x", 24, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "trailing"));
        assert_int_equal(parse_err("[1,2]", 5, &d), -EBADMSG);
        assert_int_equal(parse_err("{\"results\":[]}", 14, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "not an NVD document"));
        assert_int_equal(parse_err("{\"vulnerabilities\":{}}", 22, &d), -EBADMSG);
        assert_int_equal(parse_err("PK\x03\x04zipzip", 10, &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "zip"));
        /* nesting beyond the limit */
        char deep[300];
        memset(deep, '[', 200);
        deep[200] = '\0';
        assert_int_equal(parse_err(deep, 200, &d), -E2BIG);
}

static void test_parse_bad_records(void **state) {
        (void)state;
        /* Each bad entry is skipped with its reason; the good one stays. */
        char *big = malloc(HVS_MAX_NVD_TEXT + 100);
        memset(big, 'a', HVS_MAX_NVD_TEXT + 10);
        big[HVS_MAX_NVD_TEXT + 10] = '\0';
        char *items[] = {
                cve2("CVE-2016-1000", "Good one.", "2020-01-01T00:00:00.000", NULL),
                strdup("{\"cve\":{\"descriptions\":[{\"lang\":\"en\",\"value\":\"no id\"}]}}"),
                strdup("{\"cve\":{\"id\":\"CVE-2016-1001\"}}"),
                strdup("{\"cve\":{\"id\":\"CVE-2016-1002\",\"descriptions\":[{\"lang\":\"fr\",\"value\":\"x\"}]}}"),
                strdup("{\"cve\":{\"id\":7,\"descriptions\":[{\"lang\":\"en\",\"value\":\"x\"}]}}"),
                strdup("{\"cve\":{\"id\":\"NOT-A-CVE\",\"descriptions\":[{\"lang\":\"en\",\"value\":\"x\"}]}}"),
                cve2("CVE-2016-1003", big, "2020-01-01T00:00:00.000", NULL),
                cve2("CVE-2016-1004", "Bad date.", "yesterday", NULL),
                strdup("{\"cve\":{\"id\":\"CVE-2016-1005\",\"vulnStatus\":\"Rejected\",\"descriptions\":[{\"lang\":"
                       "\"en\",\"value\":\"x\"}]}}"),
                strdup("{\"cve\":{\"id\":\"CVE-2016-1006\",\"descriptions\":[{\"lang\":\"en\",\"value\":\"nul\\u0000"
                       "inside\"}]}}"),
                strdup("42"),
                strdup("{\"nocve\":1}"),
        };
        size_t n = ARRAY_SIZE(items);
        char *doc = doc2((int)n, items);
        hvs_vuln_feed *f = parse_ok(doc);
        const hvs_vuln_feed_info *fi = hvs_vuln_feed_get_info(f);
        assert_int_equal(fi->n_items, n);
        assert_int_equal(hvs_vuln_feed_count(f), 1);
        assert_int_equal(fi->n_rejected, n - 1);
        assert_string_equal(hvs_vuln_feed_get(f, 0)->id, "CVE-2016-1000");
        bool huge = false, date = false, noid = false;
        for (size_t i = 0; hvs_vuln_feed_reject(f, i); i++) {
                const char *m = hvs_vuln_feed_reject(f, i);
                huge |= strstr(m, "CVE-2016-1003") && strstr(m, "exceeds limit");
                date |= strstr(m, "CVE-2016-1004") && strstr(m, "ISO 8601");
                noid |= strstr(m, "no valid CVE id") != NULL;
        }
        assert_true(huge && date && noid);
        hvs_vuln_feed_free(f);
        free(doc);
        for (size_t i = 0; i < n; i++)
                free(items[i]);
        free(big);
}

static void test_parse_cpe_limit(void **state) {
        (void)state;
        size_t cap = (size_t)(HVS_MAX_NVD_CPES + 10) * 64 + 512;
        char *extra = malloc(cap);
        size_t k = (size_t)snprintf(extra, cap, ",\"configurations\":[{\"nodes\":[{\"cpeMatch\":[");
        for (unsigned i = 0; i < HVS_MAX_NVD_CPES + 1; i++)
                k += (size_t)snprintf(extra + k, cap - k, "%s{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:v:p%u\"}",
                                      i ? "," : "", i);
        snprintf(extra + k, cap - k, "]}]}]");
        char *items[] = { cve2("CVE-2017-0001", "Many CPEs.", "2020-01-01T00:00:00.000", extra),
                          cve2("CVE-2017-0002", "Fine.", "2020-01-01T00:00:00.000", NULL) };
        char *doc = doc2(2, items);
        hvs_vuln_feed *f = parse_ok(doc);
        assert_int_equal(hvs_vuln_feed_count(f), 1);
        assert_non_null(strstr(hvs_vuln_feed_reject(f, 0), "CPE matches"));
        hvs_vuln_feed_free(f);
        free(doc);
        free(items[0]);
        free(items[1]);
        free(extra);
}

static void test_feed_add_and_load_file(void **state) {
        (void)state;
        hvs_vuln_feed *f = NULL;
        assert_int_equal(hvs_vuln_feed_new(&f), 0);
        hvs_vuln_record r = { .id = "CVE-2020-0001", .description = "d" };
        assert_int_equal(hvs_vuln_feed_add(f, &r), 0);
        hvs_vuln_record bad = { .id = "CVE-2020-0002" };
        assert_int_equal(hvs_vuln_feed_add(f, &bad), -EINVAL);
        assert_string_equal(hvs_vuln_feed_get(f, 0)->cvss_v2, "");
        hvs_vuln_feed_free(f);
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_feed_load("/nonexistent/nvd.json", &d, &f), -ENOENT);
        assert_non_null(strstr(d.msg, "/nonexistent/nvd.json"));
        assert_null(hvs_vuln_feed_free(NULL));
}

/* ================================================================ database */

struct dbfx {
        char dir[64];
        char path[128];
};

static int db_setup(void **state) {
        struct dbfx *fx = calloc(1, sizeof *fx);
        snprintf(fx->dir, sizeof fx->dir, "/tmp/test-vuln-XXXXXX");
        if (!mkdtemp(fx->dir))
                return -1;
        snprintf(fx->path, sizeof fx->path, "%s/vuln.db", fx->dir);
        *state = fx;
        return 0;
}

static int db_teardown(void **state) {
        struct dbfx *fx = *state;
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
        if (system(cmd) != 0)
                return -1;
        free(fx);
        return 0;
}

static hvs_vuln_feed *one_record(const char *id, const char *desc, const char *lastmod, const char *cwe) {
        char extra[256] = "";
        if (cwe)
                snprintf(extra, sizeof extra, ",\"weaknesses\":[{\"description\":[{\"lang\":\"en\",\"value\":\"%s\"}]}]",
                         cwe);
        char *items[] = { cve2(id, desc, lastmod, extra) };
        char *doc = doc2(1, items);
        hvs_vuln_feed *f = parse_ok(doc);
        free(doc);
        free(items[0]);
        return f;
}

static void test_db_upsert(void **state) {
        struct dbfx *fx = *state;
        hvs_vuln_db *db = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_db_open(fx->path, &d, &db), 0);
        assert_int_equal(hvs_vuln_db_schema_version(db), 1);
        hvs_vuln_feed *v1 = one_record("CVE-2018-0001", "first text", "2019-01-01T00:00:00.000", "CWE-119");
        hvs_vuln_import_stats st = { 0 };
        assert_int_equal(hvs_vuln_db_import(db, v1, "/data/a.json", NULL, NULL, &st), 0);
        assert_int_equal(st.inserted, 1);
        /* the same again: unchanged, nothing written */
        memset(&st, 0, sizeof st);
        assert_int_equal(hvs_vuln_db_import(db, v1, "/data/a.json", NULL, NULL, &st), 0);
        assert_int_equal(st.unchanged, 1);
        assert_int_equal(st.inserted + st.updated, 0);
        /* a newer copy updates, and replaces the lists */
        hvs_vuln_feed *v2 = one_record("CVE-2018-0001", "second text", "2020-01-01T00:00:00.000", "CWE-787");
        memset(&st, 0, sizeof st);
        assert_int_equal(hvs_vuln_db_import(db, v2, "/data/b.json", NULL, NULL, &st), 0);
        assert_int_equal(st.updated, 1);
        /* an older copy does not replace the newer one */
        memset(&st, 0, sizeof st);
        assert_int_equal(hvs_vuln_db_import(db, v1, "/data/a.json", NULL, NULL, &st), 0);
        assert_int_equal(st.older, 1);
        size_t n = 0;
        assert_int_equal(hvs_vuln_db_count(db, &n), 0);
        assert_int_equal(n, 1);
        hvs_vuln_feed *all = NULL;
        assert_int_equal(hvs_vuln_db_load(db, &all), 0);
        assert_int_equal(hvs_vuln_feed_count(all), 1);
        const hvs_vuln_record *r = hvs_vuln_feed_get(all, 0);
        assert_string_equal(r->description, "second text");
        assert_int_equal(r->n_cwes, 1);
        assert_string_equal(r->cwes[0], "CWE-787");
        assert_string_equal(r->published, "2016-03-01T10:00:00.000");
        assert_true(r->score_v2 < 0);
        hvs_vuln_feed_free(all);
        /* meta */
        char buf[32];
        assert_int_equal(hvs_vuln_db_get_meta(db, "nope", buf, sizeof buf), -ENOENT);
        assert_int_equal(hvs_vuln_db_set_meta(db, "k", "value"), 0);
        assert_int_equal(hvs_vuln_db_get_meta(db, "k", buf, sizeof buf), 0);
        assert_string_equal(buf, "value");
        assert_int_equal(hvs_vuln_db_get_meta(db, "k", buf, 3), -ENAMETOOLONG);
        /* keep filter */
        hvs_vuln_feed *v3 = one_record("CVE-2018-0002", "x", "2020-01-01T00:00:00.000", NULL);
        memset(&st, 0, sizeof st);
        assert_int_equal(hvs_vuln_db_import(db, v3, "/data/c.json", NULL, NULL, &st), 0);
        assert_int_equal(st.inserted, 1);
        hvs_vuln_db_close(db);
        /* reopening keeps everything; the version is not re-applied */
        assert_int_equal(hvs_vuln_db_open(fx->path, &d, &db), 0);
        assert_int_equal(hvs_vuln_db_count(db, &n), 0);
        assert_int_equal(n, 2);
        hvs_vuln_db_close(db);
        hvs_vuln_feed_free(v1);
        hvs_vuln_feed_free(v2);
        hvs_vuln_feed_free(v3);
}

static bool keep_none(const hvs_vuln_record *r, void *ud) {
        (void)r;
        (*(int *)ud)++;
        return false;
}

static void test_db_keep_filter(void **state) {
        struct dbfx *fx = *state;
        hvs_vuln_db *db = NULL;
        assert_int_equal(hvs_vuln_db_open(fx->path, NULL, &db), 0);
        hvs_vuln_feed *v = one_record("CVE-2018-0003", "x", "2020-01-01T00:00:00.000", NULL);
        hvs_vuln_import_stats st = { 0 };
        int calls = 0;
        assert_int_equal(hvs_vuln_db_import(db, v, "o", keep_none, &calls, &st), 0);
        assert_int_equal(calls, 1);
        assert_int_equal(st.skipped, 1);
        size_t n = 5;
        assert_int_equal(hvs_vuln_db_count(db, &n), 0);
        assert_int_equal(n, 0);
        hvs_vuln_db_close(db);
        hvs_vuln_feed_free(v);
}

static void test_db_coexists_with_case(void **state) {
        struct dbfx *fx = *state;
        /* a "case" with its own tables and user_version */
        sqlite3 *s;
        assert_int_equal(sqlite3_open(fx->path, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s, "CREATE TABLE vms(id INTEGER PRIMARY KEY); PRAGMA user_version = 7;", NULL,
                                      NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(s);
        hvs_vuln_db *db = NULL;
        assert_int_equal(hvs_vuln_db_open(fx->path, NULL, &db), 0);
        hvs_vuln_db_close(db);
        assert_int_equal(sqlite3_open(fx->path, &s), SQLITE_OK);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 7);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(s, "SELECT count(*) FROM vms", -1, &st, NULL), SQLITE_OK);
        sqlite3_finalize(st);
        /* a newer vulnerability schema is refused */
        assert_int_equal(sqlite3_exec(s, "UPDATE vuln_meta SET value = '99' WHERE key = 'schema_version'", NULL, NULL,
                                      NULL),
                         SQLITE_OK);
        sqlite3_close(s);
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_db_open(fx->path, &d, &db), -EPROTONOSUPPORT);
        assert_non_null(strstr(d.msg, "newer"));
}

static void test_db_bad_files(void **state) {
        struct dbfx *fx = *state;
        int fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        const char junk[] = "this is not a SQLite database, just text that is long enough to be a header.......";
        for (int i = 0; i < 100; i++)
                assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)sizeof junk - 1);
        close(fd);
        hvs_vuln_db *db = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_db_open(fx->path, &d, &db), -EBADMSG);
        assert_null(db);
        assert_true(d.msg[0] != '\0');
        char p[200];
        snprintf(p, sizeof p, "%s/no/such/dir/x.db", fx->dir);
        assert_true(hvs_vuln_db_open(p, &d, &db) < 0);
}

static void test_db_import_atomic(void **state) {
        struct dbfx *fx = *state;
        hvs_vuln_db *db = NULL;
        assert_int_equal(hvs_vuln_db_open(fx->path, NULL, &db), 0);
        hvs_vuln_feed *v1 = one_record("CVE-2018-0010", "kept", "2020-01-01T00:00:00.000", NULL);
        assert_int_equal(hvs_vuln_db_import(db, v1, "a", NULL, NULL, NULL), 0);
        hvs_vuln_db_close(db);
        /* a trigger makes the second record of the next import fail */
        sqlite3 *s;
        assert_int_equal(sqlite3_open(fx->path, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s,
                                      "CREATE TRIGGER boom BEFORE INSERT ON vuln_cve WHEN NEW.id = 'CVE-2018-0012' "
                                      "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(s);
        char *items[] = { cve2("CVE-2018-0011", "a", "2020-01-01T00:00:00.000", NULL),
                          cve2("CVE-2018-0012", "b", "2020-01-01T00:00:00.000", NULL),
                          cve2("CVE-2018-0010", "changed", "2021-01-01T00:00:00.000", NULL) };
        char *doc = doc2(3, items);
        hvs_vuln_feed *v2 = parse_ok(doc);
        assert_int_equal(hvs_vuln_db_open(fx->path, NULL, &db), 0);
        assert_true(hvs_vuln_db_import(db, v2, "b", NULL, NULL, NULL) < 0);
        assert_non_null(strstr(hvs_vuln_db_errmsg(db), "disk on fire"));
        hvs_vuln_feed *all = NULL;
        assert_int_equal(hvs_vuln_db_load(db, &all), 0);
        assert_int_equal(hvs_vuln_feed_count(all), 1);
        assert_string_equal(hvs_vuln_feed_get(all, 0)->description, "kept");
        hvs_vuln_feed_free(all);
        hvs_vuln_db_close(db);
        hvs_vuln_feed_free(v1);
        hvs_vuln_feed_free(v2);
        free(doc);
        for (int i = 0; i < 3; i++)
                free(items[i]);
}

/* ================================================================ rules */

static const char BASE_RULES[] =
        "class product xen \"Xen\"\n"
        "class product kvm \"KVM\"\n"
        "class product qemu \"QEMU\"\n"
        "group kvm-stack kvm qemu\n"
        "split subject In the Linux kernel, the following vulnerability has been resolved:\n"
        "part product body 0\n"
        "[product xen]\n"
        "cpe - xen:xen*\n"
        "phrase - case=sensitive in=location,impact,vector Xen\n"
        "mask phrase - case=sensitive Xen Mobile\n"
        "[product qemu]\n"
        "phrase - qemu\n"
        "veto phrase - libvirt\n"
        "[product kvm]\n"
        "phrase - kvm | kvm_*\n"
        "mask phrase - qemu-kvm\n"
        "need cpe - linux:linux_kernel\n"
        "need phrase - kernel\n"
        "class functionality io_device \"I/O\"\n"
        "class functionality vcpu \"vCPU\"\n"
        "class functionality smp \"SMP\"\n"
        "class functionality unknown \"?\"\n"
        "order functionality io_device vcpu smp\n"
        "threshold functionality 3\n"
        "class type dos \"DoS\"\n"
        "class type code_execution \"code\"\n"
        "class type memory_corruption \"mem\"\n"
        "class type unknown \"?\"\n"
        "decide type order\n"
        "order type code_execution memory_corruption dos\n"
        "class source guest_user \"gu\"\n"
        "class source guest_admin \"ga\"\n"
        "class source remote \"r\"\n"
        "class source unknown \"?\"\n"
        "order source guest_user guest_admin remote\n"
        "combine source max\n"
        "split impact allows\n"
        "split vector via\n"
        "part functionality vector 0.5\n"
        "# a comment line\n"
        "[functionality io_device]\n"
        "phrase 6 floppy | fdc   # a trailing comment\n"
        "phrase 4 e1000_*\n"
        "phrase 2 controller\n"
        "[functionality vcpu]\n"
        "phrase 6 instruction emulat* | #UD\n"
        "phrase 3 instruction\n"
        "[functionality smp]\n"
        "phrase 5 race condition\n"
        "cwe 4 CWE-362\n"
        "[type dos]\n"
        "phrase 1 denial of service | crash\n"
        "[type code_execution]\n"
        "phrase 1 execute arbitrary code | execute ** code\n"
        "[type memory_corruption]\n"
        "fallback phrase 1 buffer overflow | use-after-free\n"
        "[source guest_user]\n"
        "phrase 1 guest OS users | guest users\n"
        "[source guest_admin]\n"
        "phrase 1 privileged guest users | malicious guest\n"
        "phrase 3 leveraging ** privileges\n"
        "[source remote]\n"
        "phrase 1 remote attackers\n"
        "fallback phrase 1 cvss=AV:N attackers\n";

static hvs_vuln_rules *base_rules(void) {
        hvs_vuln_rules *r = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_rules_new(&r), 0);
        if (hvs_vuln_rules_add(r, BASE_RULES, strlen(BASE_RULES), "base.rules", &d) < 0)
                fail_msg("rules: %s", d.msg);
        assert_int_equal(hvs_vuln_rules_check(r, &d), 0);
        return r;
}

static void classify(const hvs_vuln_rules *r, const char *desc, const char *v2, hvs_vuln_result *res) {
        hvs_vuln_record rec = { .id = "CVE-2000-0001", .description = (char *)desc, .cvss_v2 = (char *)(v2 ? v2 : ""),
                                .cvss_v3 = "", .published = "", .last_modified = "", .status = "", .source_identifier = "" };
        assert_int_equal(hvs_vuln_classify(r, &rec, res, NULL), 0);
}

static const char *cls(const hvs_vuln_rules *r, enum hvs_vuln_dim d, const hvs_vuln_result *res) {
        return hvs_vuln_rules_class_id(r, d, (size_t)res->primary[d]);
}

static void test_rules_parse_errors(void **state) {
        (void)state;
        static const struct {
                const char *text;
                int err;
                const char *msg;
        } cases[] = {
                { "phrase 1 x\n", -EBADMSG, "t.rules:1: a rule outside" },
                { "class nope x \"X\"\n", -EBADMSG, "unknown dimension 'nope'" },
                { "class type x\n", -EBADMSG, "usage: class" },
                { "class type Bad! \"x\"\n", -EBADMSG, "is not [a-z0-9_-]+" },
                { "class type a \"A\"\nclass type a \"A\"\n", -EBADMSG, "t.rules:2: type class 'a' declared twice" },
                { "[type dos]\n", -EBADMSG, "unknown type class 'dos'" },
                { "class type a \"A\"\n[type a]\nwhatever 1 x\n", -EBADMSG, "unknown rule kind 'whatever'" },
                { "class type a \"A\"\n[type a]\nphrase x y\n", -EBADMSG, "'x' is not a number" },
                { "class type a \"A\"\n[type a]\nphrase 1\n", -EBADMSG, "without a pattern" },
                { "class type a \"A\"\n[type a]\nphrase 1 *\n", -EBADMSG, "matches everything" },
                { "class type a \"A\"\n[type a]\nphrase 1 a*b*c*d*e*f\n", -EBADMSG, "wildcards" },
                { "class type a \"A\"\n[type a]\nphrase 1 ** x\n", -EBADMSG, "starts with '**'" },
                { "class type a \"A\"\n[type a]\nphrase 1 x **\n", -EBADMSG, "ends with '**'" },
                { "class type a \"A\"\n[type a]\ncwe 1 CVE-1\n", -EBADMSG, "not a weakness id" },
                { "class type a \"A\"\n[type a]\ncvss 1 AVN\n", -EBADMSG, "not a CVSS vector part" },
                { "class type a \"A\"\n[type a]\ncpe 1 qemu\n", -EBADMSG, "not a CPE" },
                { "class type a \"A\"\n[type a]\nmask cwe - CWE-1\n", -EBADMSG, "apply to phrases only" },
                { "class type a \"A\"\n[type a]\nphrase 1 only=nope x\n", -EBADMSG, "unknown product 'nope'" },
                { "class type a \"A\"\n[type a]\nphrase 1 in=nowhere x\n", -EBADMSG, "unknown part 'nowhere'" },
                { "class type a \"A\"\n[type a]\nphrase 1 cvss=bad x\n", -EBADMSG, "cvss=" },
                { "class type a \"A\"\n[type a]\nphrase 1 x | case=sensitive Y\n", -EBADMSG, "options go before" },
                { "class type a \"A\"\norder type a b\n", -EBADMSG, "unknown type class 'b'" },
                { "decide type maybe\n", -EBADMSG, "usage: decide" },
                { "combine type avg\n", -EBADMSG, "usage: combine" },
                { "threshold type -1\n", -EBADMSG, "not a number" },
                { "part type nowhere 1\n", -EBADMSG, "unknown part" },
                { "split sideways x\n", -EBADMSG, "unknown split" },
                { "group all xen\n", -EBADMSG, "group" },
                { "[type a\n", -EBADMSG, "section header" },
                { "class type a \"A\n", -EBADMSG, "unterminated" },
                { "class type a \"A\"\n[type a]\nphrase 1 caf\xc3\xa9\n", -EBADMSG, "printable ASCII" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                hvs_vuln_rules *r = NULL;
                hvs_diag d = { 0 };
                assert_int_equal(hvs_vuln_rules_new(&r), 0);
                int k = hvs_vuln_rules_add(r, cases[i].text, strlen(cases[i].text), "t.rules", &d);
                if (k != cases[i].err || !strstr(d.msg, cases[i].msg))
                        fail_msg("case %zu: got %d '%s', want %d '%s'", i, k, d.msg, cases[i].err, cases[i].msg);
                /* nothing of the bad text is kept */
                assert_int_equal(hvs_vuln_rules_nclasses(r, HVS_VULN_TYPE), 0);
                hvs_vuln_rules_free(r);
        }
        /* a long line, a NUL byte, a file over the limit */
        hvs_vuln_rules *r = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_rules_new(&r), 0);
        char longline[3000];
        memset(longline, 'x', sizeof longline - 1);
        longline[sizeof longline - 1] = '\0';
        assert_int_equal(hvs_vuln_rules_add(r, longline, strlen(longline), "l", &d), -EBADMSG);
        assert_int_equal(hvs_vuln_rules_add(r, "class\0x", 7, "n", &d), -EBADMSG);
        assert_int_equal(hvs_vuln_rules_add(r, "x", HVS_MAX_VULN_RULES_BYTES + 1, "big", &d), -E2BIG);
        assert_int_equal(hvs_vuln_rules_check(r, &d), -EBADMSG);
        assert_int_equal(hvs_vuln_rules_load(r, "/nonexistent/x.rules", &d), -ENOENT);
        hvs_vuln_rules_free(r);
}

static void test_rules_failed_add_keeps_earlier(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        hvs_diag d = { 0 };
        const char bad[] = "class type extra \"E\"\n[type extra]\nphrase 1 fine\nphrase 1 ** bad\n";
        assert_int_equal(hvs_vuln_rules_add(r, bad, strlen(bad), "second.rules", &d), -EBADMSG);
        assert_non_null(strstr(d.msg, "second.rules:4:"));
        assert_int_equal(hvs_vuln_rules_class_find(r, HVS_VULN_TYPE, "extra"), -ENOENT);
        assert_int_equal(hvs_vuln_rules_check(r, NULL), 0);
        hvs_vuln_result res;
        classify(r, "QEMU floppy bug allows guest users to crash.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "io_device");
        hvs_vuln_rules_free(r);
}

static void test_rules_lookup(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        uint32_t m;
        assert_int_equal(hvs_vuln_rules_products(r, "kvm-stack", &m), 0);
        assert_int_equal(m, (1u << 1) | (1u << 2));
        assert_int_equal(hvs_vuln_rules_products(r, "xen", &m), 0);
        assert_int_equal(m, 1u);
        assert_int_equal(hvs_vuln_rules_products(r, "all", &m), 0);
        assert_int_equal(m, 7u);
        assert_int_equal(hvs_vuln_rules_products(r, "vmware", &m), -ENOENT);
        assert_int_equal(hvs_vuln_rules_nclasses(r, HVS_VULN_FUNC), 4);
        assert_string_equal(hvs_vuln_rules_class_name(r, HVS_VULN_FUNC, 1), "vCPU");
        assert_null(hvs_vuln_rules_class_id(r, HVS_VULN_FUNC, 99));
        assert_string_equal(hvs_vuln_rules_dim_name(HVS_VULN_SOURCE), "source");
        assert_null(hvs_vuln_rules_dim_name(HVS_VULN_NDIMS));
        hvs_vuln_rules_free(r);
}

/* ================================================================ classifier */

static void test_classify_products(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        hvs_vuln_result res;
        classify(r, "Xen allows guest users to crash the host.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 1u);
        classify(r, "Citrix XenServer and Xen Mobile issue.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 0u);   /* not the word Xen, and a mask */
        classify(r, "the xen hypervisor", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 0u);   /* case-sensitive */
        classify(r, "QEMU device bug.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 4u);
        classify(r, "libvirt passes bad options to QEMU.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 0u);   /* veto */
        classify(r, "qemu-kvm has a bug.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 4u);   /* qemu yes; kvm masked */
        classify(r, "kvm_set_msr in the KVM code of the kernel.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 2u);
        classify(r, "KVM tool bug.", NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 0u);   /* needs kernel evidence */
        /* a CPE selects whatever the text says */
        hvs_vuln_cpe cpes[] = { { "cpe:2.3:o:xen:xen:4.1:*:*:*:*:*:*:*", true }, { "cpe:2.3:o:linux:linux_kernel:-", true } };
        hvs_vuln_record rec = { .id = "CVE-2000-0002", .description = "KVM tool bug.", .cvss_v2 = "", .cvss_v3 = "",
                                .cpes = cpes, .n_cpes = 2 };
        assert_int_equal(hvs_vuln_classify(r, &rec, &res, NULL), 0);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 3u);   /* xen by CPE, kvm: word + kernel CPE */
        cpes[0].vulnerable = false;
        assert_int_equal(hvs_vuln_classify(r, &rec, &res, NULL), 0);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 2u);   /* non-vulnerable CPEs do not select */
        /* kernel CNA texts: the subject only */
        classify(r, "In the Linux kernel, the following vulnerability has been resolved:\n\nxen-netback: fix\n\nThe "
                    "QEMU side is fine.",
                 NULL, &res);
        assert_int_equal(res.set[HVS_VULN_PRODUCT], 0u);   /* xen-netback: phrase 'Xen' is not in the subject rule; qemu only in the body */
        hvs_vuln_rules_free(r);
}

static void test_classify_words(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        hvs_vuln_result res;
        /* whole words only */
        classify(r, "A floppyish FDCX thing.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "unknown");
        /* '*' inside a word, case-insensitive */
        classify(r, "E1000_RECEIVE bug.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "io_device");
        /* separators: blanks, hyphens and line breaks are one */
        classify(r, "A use-after-free.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "memory_corruption");
        classify(r, "A use after\n free.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "memory_corruption");
        /* '**': a few words within one clause, a line break allowed, not a sentence end */
        classify(r, "lets them execute their own\nmalicious code.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "code_execution");
        classify(r, "lets them execute. Code is fine.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "unknown");
        /* '#' inside a pattern is text, not a comment */
        classify(r, "Guest triggers #UD in the emulator.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "vcpu");
        hvs_vuln_rules_free(r);
}

static void test_classify_decisions(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        hvs_vuln_result res;
        /* type: every stated consequence in the set, the most severe is primary */
        classify(r, "Buffer overflow in the floppy controller allows guest users to cause a denial of service or "
                    "possibly execute arbitrary code.",
                 NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "code_execution");
        assert_int_equal(__builtin_popcount(res.set[HVS_VULN_TYPE]), 2);   /* dos + code; the overflow is a fallback */
        /* fallback only when nothing else is stated */
        classify(r, "Buffer overflow in the floppy controller.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "memory_corruption");
        /* nothing stated: unknown */
        classify(r, "The floppy controller mishandles a register.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_TYPE, &res), "unknown");
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "unknown");
        /* functionality below the threshold: unknown */
        classify(r, "A controller bug.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "unknown");
        /* the location outweighs the vector: "X in A ... via B" is A */
        classify(r, "Race condition in the floppy code allows guest users to crash via instruction emulation.", NULL,
                 &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "io_device");   /* 6 vs 6*0.5 */
        /* ties go to the class named first */
        classify(r, "Instruction emulation in the floppy code.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "vcpu");
        classify(r, "Floppy code in the instruction emulator.", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "io_device");
        /* a CWE votes too */
        char *cwes[] = { "CWE-362" };
        hvs_vuln_record rec = { .id = "CVE-2000-0003", .description = "A bug.", .cvss_v2 = "", .cvss_v3 = "",
                                .cwes = cwes, .n_cwes = 1 };
        assert_int_equal(hvs_vuln_classify(r, &rec, &res, NULL), 0);
        assert_string_equal(cls(r, HVS_VULN_FUNC, &res), "smp");
        /* sources: a longer match hides the shorter one inside it */
        classify(r, "allows privileged guest users to crash", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "guest_admin");
        assert_int_equal(res.set[HVS_VULN_SOURCE], 1u << 1);
        /* max, not sum: the stronger wording wins over the one named first */
        classify(r, "allows guest users to crash by leveraging guest OS privileges", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "guest_admin");
        assert_int_equal(res.set[HVS_VULN_SOURCE], 3u);
        classify(r, "allows guest users or a malicious guest to crash", NULL, &res);
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "guest_user");
        /* a fallback under a CVSS condition */
        classify(r, "allows attackers to crash", "AV:N/AC:L/Au:N/C:N/I:N/A:P", &res);
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "remote");
        classify(r, "allows attackers to crash", "AV:L/AC:L/Au:N/C:N/I:N/A:P", &res);
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "unknown");
        classify(r, "allows remote attackers to crash", "AV:L/AC:L/Au:N/C:N/I:N/A:P", &res);
        assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), "remote");
        hvs_vuln_rules_free(r);
}

static void test_classify_explain(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        const char *desc = "Use-after-free in the floppy controller allows privileged guest users to execute "
                           "arbitrary code via instruction emulation.";
        hvs_vuln_record rec = { .id = "CVE-2000-0004", .description = (char *)desc, .cvss_v2 = "", .cvss_v3 = "" };
        hvs_vuln_result res;
        hvs_vuln_explain *e = NULL;
        assert_int_equal(hvs_vuln_classify(r, &rec, &res, &e), 0);
        assert_non_null(e);
        bool floppy = false, suppressed_user = false, fallback_unused = false, vector = false;
        for (size_t i = 0; i < e->n_hits; i++) {
                const hvs_vuln_hit *h = &e->hits[i];
                assert_string_equal(h->file, "base.rules");
                if (h->dim == HVS_VULN_FUNC && !strcmp(h->pattern, "floppy")) {
                        floppy = true;
                        assert_string_equal(h->part, "location");
                        assert_true(h->weight == 6.0);
                        assert_int_equal(strncmp(desc + h->pos, "floppy", h->len), 0);
                        assert_int_equal(h->line, 42);
                }
                if (h->dim == HVS_VULN_FUNC && !strcmp(h->pattern, "instruction emulat*")) {
                        vector = !strcmp(h->part, "vector") && h->weight == 3.0;
                }
                if (h->dim == HVS_VULN_SOURCE && !strcmp(h->pattern, "guest users"))
                        suppressed_user = h->suppressed;
                if (h->dim == HVS_VULN_TYPE && !strcmp(h->pattern, "use-after-free"))
                        fallback_unused = !strcmp(h->effect, "ignored") && h->weight == 0;
        }
        assert_true(floppy);
        assert_true(vector);
        assert_true(suppressed_user);
        assert_true(fallback_unused);
        assert_true(e->score[HVS_VULN_FUNC][0] == 8.0);     /* floppy 6 + controller 2 */
        assert_non_null(strstr(e->reason[HVS_VULN_FUNC], "io_device: score 8.0, next vcpu 3.0"));
        assert_non_null(strstr(e->reason[HVS_VULN_TYPE], "code_execution"));
        hvs_vuln_explain_free(e);
        assert_null(hvs_vuln_explain_free(NULL));
        /* an incomplete rule set is refused */
        hvs_vuln_rules *empty = NULL;
        assert_int_equal(hvs_vuln_rules_new(&empty), 0);
        assert_int_equal(hvs_vuln_classify(empty, &rec, &res, NULL), -EINVAL);
        hvs_vuln_rules_free(empty);
        hvs_vuln_rules_free(r);
}

static void test_distribution(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        hvs_vuln_feed *f = NULL;
        assert_int_equal(hvs_vuln_feed_new(&f), 0);
        struct {
                const char *id, *published, *desc;
        } recs[] = {
                { "CVE-2016-0001", "2016-05-01T00:00:00.000", "QEMU floppy allows guest users to crash." },
                { "CVE-2016-0002", "2017-05-01T00:00:00.000",
                  "QEMU floppy allows privileged guest users to execute arbitrary code or crash." },
                { "CVE-2016-0003", "2018-05-01T00:00:00.000", "QEMU floppy allows guest users to crash." },
                { "CVE-2016-0004", "", "QEMU floppy crash." },
                { "CVE-2016-0005", "2016-05-01T00:00:00.000", "Xen instruction emulation crash." },
        };
        for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
                hvs_vuln_record rec = { .id = (char *)recs[i].id, .description = (char *)recs[i].desc,
                                        .published = (char *)recs[i].published };
                assert_int_equal(hvs_vuln_feed_add(f, &rec), 0);
        }
        uint32_t qemu;
        hvs_vuln_rules_products(r, "qemu", &qemu);
        hvs_vuln_query q = { .sz = sizeof q, .products = qemu, .year_from = 2016, .year_to = 2017 };
        hvs_vuln_dist d;
        assert_int_equal(hvs_vuln_distribution(r, f, &q, &d), 0);
        assert_int_equal(d.total, 2);
        assert_int_equal(d.no_date, 1);
        int io = hvs_vuln_rules_class_find(r, HVS_VULN_FUNC, "io_device");
        int dos = hvs_vuln_rules_class_find(r, HVS_VULN_TYPE, "dos");
        int code = hvs_vuln_rules_class_find(r, HVS_VULN_TYPE, "code_execution");
        int gu = hvs_vuln_rules_class_find(r, HVS_VULN_SOURCE, "guest_user");
        int ga = hvs_vuln_rules_class_find(r, HVS_VULN_SOURCE, "guest_admin");
        assert_int_equal(d.primary[HVS_VULN_FUNC][io], 2);
        assert_int_equal(d.primary[HVS_VULN_TYPE][dos], 1);
        assert_int_equal(d.primary[HVS_VULN_TYPE][code], 1);
        assert_int_equal(d.multi[HVS_VULN_TYPE][dos], 2);
        assert_int_equal(d.func_type[io][code], 1);
        assert_int_equal(d.func_source[io][gu], 1);
        assert_int_equal(d.func_source[io][ga], 1);
        /* no product, no years: every record */
        hvs_vuln_query all = { .sz = sizeof all };
        assert_int_equal(hvs_vuln_distribution(r, f, &all, &d), 0);
        assert_int_equal(d.total, 5);
        assert_int_equal(d.no_date, 0);
        hvs_vuln_query bad = { .sz = sizeof bad, .year_from = 2018, .year_to = 2016 };
        assert_int_equal(hvs_vuln_distribution(r, f, &bad, &d), -EINVAL);
        hvs_vuln_feed_free(f);
        hvs_vuln_rules_free(r);
}

/* ================================================================ evidence map */

static const char EVMAP[] =
        "# test map\n"
        "collector views ps - \"guest views\"\n"
        "collector tracer watch 5 \"kvm events\"\n"
        "evidence procs views \"guest processes\" \"walk the task list\"\n"
        "evidence pio tracer \"port I/O\" \"kvm:kvm_pio\"\n"
        "evidence crash - \"QEMU crash\" \"keep the core\"\n"
        "needs functionality io_device pio procs crash\n"
        "needs type code_execution procs\n"
        "needs source guest_admin procs\n";

static bool have_ps_only(const char *command, void *ud) {
        (void)ud;
        return !strcmp(command, "ps");
}

static void test_evidence_map_and_gaps(void **state) {
        (void)state;
        hvs_vuln_rules *r = base_rules();
        hvs_vuln_evmap *m = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_evmap_parse(EVMAP, strlen(EVMAP), "t.map", r, &d, &m), 0);
        assert_int_equal(hvs_vuln_evmap_nevidence(m), 3);
        assert_int_equal(hvs_vuln_evmap_ncollectors(m), 2);
        assert_int_equal(hvs_vuln_evmap_find_evidence(m, "pio"), 1);
        assert_int_equal(hvs_vuln_evmap_find_evidence(m, "nope"), -ENOENT);
        assert_int_equal(hvs_vuln_evmap_collector(m, 1)->issue, 5);
        assert_null(hvs_vuln_evmap_collector(m, 1 + 1));
        assert_int_equal(hvs_vuln_evmap_evidence(m, 2)->collector, -1);
        uint64_t bits[HVS_MAX_VULN_EVIDENCE / 64];
        hvs_vuln_evmap_needs(m, HVS_VULN_FUNC, hvs_vuln_rules_class_find(r, HVS_VULN_FUNC, "io_device"), bits);
        assert_int_equal(bits[0], 7u);
        hvs_vuln_feed *f = NULL;
        assert_int_equal(hvs_vuln_feed_new(&f), 0);
        hvs_vuln_record a = { .id = "CVE-2016-0001", .description = "QEMU floppy allows guest users to crash." };
        hvs_vuln_record b = { .id = "CVE-2016-0002", .description = "QEMU floppy allows privileged guest users to "
                                                                    "execute arbitrary code." };
        hvs_vuln_record c = { .id = "CVE-2016-0003", .description = "QEMU has a problem." };
        assert_int_equal(hvs_vuln_feed_add(f, &a), 0);
        assert_int_equal(hvs_vuln_feed_add(f, &b), 0);
        assert_int_equal(hvs_vuln_feed_add(f, &c), 0);
        hvs_vuln_query q = { .sz = sizeof q };
        hvs_vuln_rules_products(r, "qemu", &q.products);
        hvs_vuln_gaps *g = NULL;
        assert_int_equal(hvs_vuln_gaps_compute(m, r, f, &q, have_ps_only, NULL, &g), 0);
        assert_int_equal(g->records, 3);
        assert_int_equal(g->need_total, 6);     /* a, b: pio procs crash; c: nothing */
        assert_int_equal(g->need_covered, 2);   /* procs, twice */
        assert_int_equal(g->records_full, 0);
        assert_int_equal(g->records_none, 0);
        assert_int_equal(g->n_items, 3);
        /* uncovered first, then by need; covered last */
        assert_false(g->items[0].covered);
        assert_false(g->items[1].covered);
        assert_true(g->items[2].covered);
        assert_int_equal(g->items[2].evidence, 0);
        assert_int_equal(g->items[2].needed_by, 2);
        hvs_vuln_gaps_free(g);
        /* nothing available: no coverage */
        assert_int_equal(hvs_vuln_gaps_compute(m, r, f, &q, NULL, NULL, &g), 0);
        assert_int_equal(g->need_covered, 0);
        assert_int_equal(g->records_none, 2);
        hvs_vuln_gaps_free(g);
        hvs_vuln_feed_free(f);
        hvs_vuln_evmap_free(m);
        /* bad maps */
        static const struct {
                const char *text, *msg;
        } bad[] = {
                { "evidence x nope \"a\" \"b\"\n", "unknown collector 'nope'" },
                { "needs functionality io_device x\n", "unknown evidence 'x'" },
                { "needs functionality teleport x\n", "unknown functionality class 'teleport'" },
                { "needs sideways io_device x\n", "unknown dimension" },
                { "collector a b c \"d\"\n", "issue 'c'" },
                { "collector a b - \"d\"\ncollector a b - \"d\"\n", "duplicate collector" },
                { "evidence x - \"a\"\n", "usage: evidence" },
                { "frobnicate\n", "unknown statement" },
                { "collector a b - \"d\n", "unterminated" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                m = NULL;
                int k = hvs_vuln_evmap_parse(bad[i].text, strlen(bad[i].text), "b.map", r, &d, &m);
                if (k != -EBADMSG || !strstr(d.msg, bad[i].msg) || m)
                        fail_msg("bad map %zu: %d '%s'", i, k, d.msg);
        }
        hvs_vuln_rules_free(r);
}

/* ================================================================ shipped data */

static void test_shipped_data_follows_taxonomy(void **state) {
        (void)state;
        hvs_vuln_rules *r = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_vuln_rules_new(&r), 0);
        if (hvs_vuln_rules_load(r, HVS_SOURCE_ROOT "/data/vuln/products.rules", &d) < 0 ||
            hvs_vuln_rules_load(r, HVS_SOURCE_ROOT "/data/vuln/classes.rules", &d) < 0 || hvs_vuln_rules_check(r, &d) < 0)
                fail_msg("shipped rules: %s", d.msg);
        /* exactly the classes of shared/docs/vuln-taxonomy.md, nothing more */
        static const char *const func[] = { "vcpu", "smp", "soft_mmu", "interrupt_timer", "io_device", "paravirt_io",
                                            "vm_exit", "hypercall", "vm_management", "remote_mgmt", "addon", "unknown" };
        static const char *const type[] = { "dos", "info_leak", "privilege_escalation", "code_execution",
                                            "memory_corruption", "unknown" };
        static const char *const src[] = { "guest_user", "guest_admin", "host_user", "admin", "remote", "unknown" };
        static const char *const prod[] = { "xen", "kvm", "qemu" };
        struct {
                enum hvs_vuln_dim d;
                const char *const *ids;
                size_t n;
        } dims[] = { { HVS_VULN_FUNC, func, ARRAY_SIZE(func) }, { HVS_VULN_TYPE, type, ARRAY_SIZE(type) },
                     { HVS_VULN_SOURCE, src, ARRAY_SIZE(src) }, { HVS_VULN_PRODUCT, prod, ARRAY_SIZE(prod) } };
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++) {
                assert_int_equal(hvs_vuln_rules_nclasses(r, dims[i].d), dims[i].n);
                for (size_t k = 0; k < dims[i].n; k++)
                        assert_true(hvs_vuln_rules_class_find(r, dims[i].d, dims[i].ids[k]) >= 0);
        }
        uint32_t m;
        assert_int_equal(hvs_vuln_rules_products(r, "kvm-stack", &m), 0);
        assert_int_equal(__builtin_popcount(m), 2);
        /* the taxonomy's own examples */
        static const struct {
                const char *desc;
                const char *func, *type, *source;
        } ex[] = {
                { "Use-after-free in the e1000 model in QEMU allows guest OS users to cause a denial of service "
                  "(crash) via MMIO writes.",
                  "io_device", "dos", "guest_user" },
                { "A double fetch in blkback in the Linux kernel allows guest OS administrators to cause a denial "
                  "of service or possibly gain privileges.",
                  "paravirt_io", "privilege_escalation", "guest_admin" },
                { "Buffer overflow in the floppy disk controller (FDC) in QEMU allows local guest users to execute "
                  "arbitrary code.",
                  "io_device", "code_execution", "guest_user" },
                { "The VNC server in QEMU allows remote attackers to cause a denial of service.", "remote_mgmt", "dos",
                  "remote" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(ex); i++) {
                hvs_vuln_result res;
                classify(r, ex[i].desc, NULL, &res);
                assert_string_equal(cls(r, HVS_VULN_FUNC, &res), ex[i].func);
                assert_string_equal(cls(r, HVS_VULN_TYPE, &res), ex[i].type);
                assert_string_equal(cls(r, HVS_VULN_SOURCE, &res), ex[i].source);
        }
        hvs_vuln_evmap *map = NULL;
        if (hvs_vuln_evmap_load(HVS_SOURCE_ROOT "/data/vuln/evidence.map", r, &d, &map) < 0)
                fail_msg("shipped evidence map: %s", d.msg);
        /* every functionality and attack type (but unknown) leaves some evidence */
        for (size_t i = 0; i < 2; i++) {
                enum hvs_vuln_dim dim = i ? HVS_VULN_TYPE : HVS_VULN_FUNC;
                for (size_t k = 0; k < hvs_vuln_rules_nclasses(r, dim); k++) {
                        if (!strcmp(hvs_vuln_rules_class_id(r, dim, k), "unknown"))
                                continue;
                        uint64_t bits[HVS_MAX_VULN_EVIDENCE / 64];
                        hvs_vuln_evmap_needs(map, dim, (int)k, bits);
                        bool any = false;
                        for (size_t w = 0; w < ARRAY_SIZE(bits); w++)
                                any |= bits[w] != 0;
                        if (!any)
                                fail_msg("%s needs no evidence", hvs_vuln_rules_class_id(r, dim, k));
                }
        }
        hvs_vuln_evmap_free(map);
        hvs_vuln_rules_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_api2),
                cmocka_unit_test(test_parse_feed11_and_gzip),
                cmocka_unit_test(test_parse_bad_documents),
                cmocka_unit_test(test_parse_bad_records),
                cmocka_unit_test(test_parse_cpe_limit),
                cmocka_unit_test(test_feed_add_and_load_file),
                cmocka_unit_test_setup_teardown(test_db_upsert, db_setup, db_teardown),
                cmocka_unit_test_setup_teardown(test_db_keep_filter, db_setup, db_teardown),
                cmocka_unit_test_setup_teardown(test_db_coexists_with_case, db_setup, db_teardown),
                cmocka_unit_test_setup_teardown(test_db_bad_files, db_setup, db_teardown),
                cmocka_unit_test_setup_teardown(test_db_import_atomic, db_setup, db_teardown),
                cmocka_unit_test(test_rules_parse_errors),
                cmocka_unit_test(test_rules_failed_add_keeps_earlier),
                cmocka_unit_test(test_rules_lookup),
                cmocka_unit_test(test_classify_products),
                cmocka_unit_test(test_classify_words),
                cmocka_unit_test(test_classify_decisions),
                cmocka_unit_test(test_classify_explain),
                cmocka_unit_test(test_distribution),
                cmocka_unit_test(test_evidence_map_and_gaps),
                cmocka_unit_test(test_shipped_data_follows_taxonomy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
