/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sync.c - keep a vulnerability database up to date from the NVD CVE API 2.0
 * (libcurl). Paging by startIndex/resultsPerPage, windows of at most
 * HVS_NVD_MAX_WINDOW_DAYS by lastModStartDate/lastModEndDate, the documented
 * rate limit (a rolling window of requests), back-off on throttling and
 * failures, and progress stored with every page so an interrupted sync
 * resumes where it stopped.
 *
 * libcurl is loaded with dlopen() the first time a sync starts, not linked:
 * linking it made every hvscope process (every view, every acquisition) pay
 * for loading and relocating libcurl and its TLS, Kerberos, LDAP, SSH and
 * HTTP/2 dependencies, about 2.9 ms of a 5 ms start, for the one command that
 * uses it. Only curl's headers are used at build time (types and constants);
 * the eight functions called are looked up in "libcurl.so.4" (Debian's
 * libcurl4, the soname libcurl4-openssl-dev builds against).
 *
 * Progress lives in vuln_meta:
 *   sync.watermark   end of the last complete run (next run starts there)
 *   sync.state       "running" while a run is unfinished, else "done"
 *   sync.mode        "full" (no date range) or "incremental"
 *   sync.range_end   end of the running run's range
 *   sync.window_start, sync.window_end, sync.next_index   the next request
 */
#include <inttypes.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>
#include <dlfcn.h>
#include <pthread.h>
#include <curl/curl.h>
#include "vuln-internal.h"

#define CURL_SONAME "libcurl.so.4"

/* The libcurl functions sync uses, resolved once by load_curl(). */
static struct {
        CURLcode (*global_init)(long flags);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
        CURLcode (*easy_perform)(CURL *c);
        CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
        void (*easy_cleanup)(CURL *c);
        const char *(*easy_strerror)(CURLcode rc);
        struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
        void (*slist_free_all)(struct curl_slist *l);
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static char cu_err[256];

static void cu_load(void) {
        void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *e = dlerror();
                snprintf(cu_err, sizeof cu_err, "%s", e ? e : "dlopen failed");
                return;
        }
        static const struct {
                const char *name;
                size_t off;
        } syms[] = {
#define SYM(f, n) { n, offsetof(__typeof__(cu), f) }
                SYM(global_init, "curl_global_init"), SYM(easy_init, "curl_easy_init"),
                SYM(easy_setopt, "curl_easy_setopt"), SYM(easy_perform, "curl_easy_perform"),
                SYM(easy_getinfo, "curl_easy_getinfo"), SYM(easy_cleanup, "curl_easy_cleanup"),
                SYM(easy_strerror, "curl_easy_strerror"), SYM(slist_append, "curl_slist_append"),
                SYM(slist_free_all, "curl_slist_free_all"),
#undef SYM
        };
        __typeof__(cu) t;
        for (size_t i = 0; i < ARRAY_SIZE(syms); i++) {
                void *f = dlsym(h, syms[i].name);
                if (!f) {
                        snprintf(cu_err, sizeof cu_err, "%s has no %s", CURL_SONAME, syms[i].name);
                        dlclose(h);
                        return;
                }
                memcpy((char *)&t + syms[i].off, &f, sizeof f);
        }
        if (t.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                snprintf(cu_err, sizeof cu_err, "curl_global_init failed");
                return;         /* the library stays loaded: curl cannot be unloaded half-initialised */
        }
        cu = t;                 /* kept loaded for the life of the process */
}

/* libcurl, loaded on first use. Return: 0; -ENOPKG (@diag says why). */
static int load_curl(hvs_diag *diag) {
        pthread_once(&cu_once, cu_load);
        if (!cu.easy_init)
                return HVS_DIAG(diag, -ENOPKG, "cannot load libcurl (%s) for the NVD API: %s; install libcurl4",
                                CURL_SONAME, cu_err);
        return 0;
}

#define DAY_S 86400

struct run {
        char mode[16];
        char range_end[32];
        char window_start[32], window_end[32];
        int64_t next_index;
};

struct http {
        CURL *curl;
        struct curl_slist *headers;
        struct vbuf body;
        bool too_big;
        long retry_after_s;
        char message[256];      /* NVD's "message" header on errors */
        char errbuf[CURL_ERROR_SIZE];
};

struct sync {
        hvs_vuln_db *db;
        const hvs_vuln_sync_opts *o;
        hvs_vuln_sync_stats *st;
        struct http h;
        uint64_t *ring;          /* start times (ms, monotonic) of the last requests */
        unsigned nring, ring_pos, ring_n;
        unsigned rate_n, window_ms, backoff_ms, backoff_max_ms, retries, per_page, timeout_ms;
        const char *url;
        hvs_vuln_sync_progress p;
};

static uint64_t now_ms(void) { return hvs_now_ns() / 1000000u; }

static bool stopped(const struct sync *s) { return s->o->stop && *s->o->stop; }

/* Sleeps @ms, waking early when asked to stop. Return: 0; -EINTR. */
static int nap(const struct sync *s, unsigned ms) {
        uint64_t until = now_ms() + ms;
        for (;;) {
                if (stopped(s))
                        return -EINTR;
                uint64_t t = now_ms();
                if (t >= until)
                        return 0;
                uint64_t left = until - t > 50 ? 50 : until - t;
                struct timespec ts = { 0, (long)left * 1000000L };
                nanosleep(&ts, NULL);
        }
}

static void report(struct sync *s, const char *what, long status, unsigned wait_ms) {
        s->p.what = what;
        s->p.status = status;
        s->p.wait_ms = wait_ms;
        s->p.requests = s->st->requests;
        s->p.stored = s->st->import.inserted + s->st->import.updated;
        if (s->o->progress)
                s->o->progress(s->o->progress_userdata, &s->p);
}

/* Waits until one more request fits in the rolling window. */
static int rate_wait(struct sync *s) {
        if (s->ring_n == s->rate_n) {
                uint64_t oldest = s->ring[s->ring_pos], t = now_ms();
                if (t - oldest < s->window_ms) {
                        unsigned w = (unsigned)(s->window_ms - (t - oldest));
                        report(s, "rate-limit", 0, w);
                        int k = nap(s, w);
                        if (k < 0)
                                return k;
                }
        }
        s->ring[s->ring_pos] = now_ms();
        s->ring_pos = (s->ring_pos + 1) % s->rate_n;
        if (s->ring_n < s->rate_n)
                s->ring_n++;
        return 0;
}

/* ---------------------------------------------------------------- dates */

static int parse_iso(const char *s, time_t *ret) {
        char norm[32];
        if (vuln_norm_date(s, norm, sizeof norm) < 0)
                return -EINVAL;
        struct tm tm = { 0 };
        if (!strptime(norm, "%Y-%m-%dT%H:%M:%S", &tm))
                return -EINVAL;
        *ret = timegm(&tm);
        return 0;
}

static void fmt_iso(time_t t, char *buf, size_t cap) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%S.000", &tm);
}

/* ---------------------------------------------------------------- HTTP */

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
        struct http *h = ud;
        size_t len = sz * n;
        if (vbuf_add(&h->body, p, len) < 0) {
                h->too_big = true;
                return 0;       /* makes curl fail with CURLE_WRITE_ERROR */
        }
        return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
        struct http *h = ud;
        size_t len = sz * n;
        char line[512];
        size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
        memcpy(line, p, k);
        line[k] = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        if (!strncasecmp(line, "Retry-After:", 12)) {
                char *end;
                long v = strtol(line + 12, &end, 10);
                if (end != line + 12 && v >= 0)
                        h->retry_after_s = v;
        } else if (!strncasecmp(line, "message:", 8)) {
                const char *v = line + 8;
                while (*v == ' ')
                        v++;
                /* Shown to people: printable ASCII only. */
                size_t j = 0;
                for (; *v && j + 1 < sizeof h->message; v++)
                        h->message[j++] = (*v >= 0x20 && *v < 0x7f) ? *v : '?';
                h->message[j] = '\0';
        }
        return len;
}

static int http_init(struct sync *s) {
        struct http *h = &s->h;
        int r = load_curl(vuln_db_diag(s->db));
        if (r < 0)
                return r;
        h->curl = cu.easy_init();
        if (!h->curl)
                return -ENOMEM;
        if (s->o->api_key && s->o->api_key[0]) {
                char hdr[600];
                if (strlen(s->o->api_key) > 512 || strpbrk(s->o->api_key, "\r\n"))
                        return HVS_DIAG(vuln_db_diag(s->db), -EINVAL, "the API key is not a valid header value");
                snprintf(hdr, sizeof hdr, "apiKey: %s", s->o->api_key);
                if (!(h->headers = cu.slist_append(h->headers, hdr)))
                        return -ENOMEM;
        }
        h->body.max = HVS_MAX_NVD_PAGE_BYTES;
        CURL *c = h->curl;
        cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        cu.easy_setopt(c, CURLOPT_USERAGENT, "hvscope/" HVS_VERSION_STRING);
        cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        cu.easy_setopt(c, CURLOPT_WRITEDATA, h);
        cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        cu.easy_setopt(c, CURLOPT_HEADERDATA, h);
        cu.easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
        cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
        cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(s->timeout_ms < 30000 ? s->timeout_ms : 30000));
        cu.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
        cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HVS_MAX_NVD_PAGE_BYTES);
        if (h->headers)
                cu.easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
        return 0;
}

static void http_free(struct http *h) {
        if (h->curl)
                cu.easy_cleanup(h->curl);
        if (h->headers)
                cu.slist_free_all(h->headers);
        vbuf_free(&h->body);
}

/* One GET. Return: 0 with *@ret_status set (any HTTP status); -EIO transport error (reason in @why). */
static int http_get(struct sync *s, const char *url, long *ret_status, char *why, size_t cap) {
        struct http *h = &s->h;
        h->body.n = 0;
        if (h->body.p)
                h->body.p[0] = '\0';
        h->too_big = false;
        h->retry_after_s = -1;
        h->message[0] = h->errbuf[0] = '\0';
        cu.easy_setopt(h->curl, CURLOPT_URL, url);
        CURLcode rc = cu.easy_perform(h->curl);
        if (h->too_big) {
                snprintf(why, cap, "reply larger than the limit of %u bytes", HVS_MAX_NVD_PAGE_BYTES);
                return -E2BIG;
        }
        if (rc == CURLE_FILESIZE_EXCEEDED) {
                snprintf(why, cap, "reply larger than the limit of %u bytes", HVS_MAX_NVD_PAGE_BYTES);
                return -E2BIG;
        }
        if (rc != CURLE_OK) {
                snprintf(why, cap, "%s", h->errbuf[0] ? h->errbuf : cu.easy_strerror(rc));
                return -EIO;
        }
        cu.easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, ret_status);
        return 0;
}

/* ---------------------------------------------------------------- progress */

static int load_run(struct sync *s, struct run *run, bool *ret_running) {
        char state[16] = "";
        int k = hvs_vuln_db_get_meta(s->db, "sync.state", state, sizeof state);
        if (k < 0 && k != -ENOENT)
                return k;
        *ret_running = k == 0 && !strcmp(state, "running");
        if (!*ret_running)
                return 0;
        char idx[32];
        if ((k = hvs_vuln_db_get_meta(s->db, "sync.mode", run->mode, sizeof run->mode)) < 0 ||
            (k = hvs_vuln_db_get_meta(s->db, "sync.range_end", run->range_end, sizeof run->range_end)) < 0 ||
            (k = hvs_vuln_db_get_meta(s->db, "sync.window_start", run->window_start, sizeof run->window_start)) < 0 ||
            (k = hvs_vuln_db_get_meta(s->db, "sync.window_end", run->window_end, sizeof run->window_end)) < 0 ||
            (k = hvs_vuln_db_get_meta(s->db, "sync.next_index", idx, sizeof idx)) < 0) {
                *ret_running = false;   /* damaged progress: start over */
                return k == -ENOENT || k == -ENAMETOOLONG ? 0 : k;
        }
        char *end;
        run->next_index = strtoll(idx, &end, 10);
        time_t t;
        if (*end || run->next_index < 0 || (strcmp(run->mode, "full") && strcmp(run->mode, "incremental")) ||
            parse_iso(run->range_end, &t) < 0)
                *ret_running = false;
        return 0;
}

/* The next window after @run's current one, or false when the range is done. */
static bool next_window(struct run *run) {
        if (strcmp(run->mode, "incremental"))
                return false;
        time_t we, end;
        if (parse_iso(run->window_end, &we) < 0 || parse_iso(run->range_end, &end) < 0 || we >= end)
                return false;
        time_t ne = we + (time_t)HVS_NVD_MAX_WINDOW_DAYS * DAY_S;
        hvs_strlcpy(run->window_start, run->window_end, sizeof run->window_start);
        fmt_iso(ne < end ? ne : end, run->window_end, sizeof run->window_end);
        run->next_index = 0;
        return true;
}

/* Stores @f (may be empty) and the progress after it in one transaction. */
static int commit(struct sync *s, const hvs_vuln_feed *f, const char *origin, const struct run *run, bool done) {
        char idx[32];
        snprintf(idx, sizeof idx, "%" PRId64, run->next_index);
        const char *kv[] = {
                "sync.state", done ? "done" : "running", "sync.mode", run->mode, "sync.range_end", run->range_end,
                "sync.window_start", run->window_start, "sync.window_end", run->window_end, "sync.next_index", idx,
                "sync.watermark", run->range_end,
        };
        size_t nkv = ARRAY_SIZE(kv) / 2 - (done ? 0 : 1);
        int k;
        if (f)
                return vuln_db_import_meta(s->db, f, origin, s->o->keep, s->o->keep_userdata, kv, nkv,
                                           &s->st->import);
        hvs_vuln_feed *empty = vuln_feed_alloc();
        if (!empty)
                return -ENOMEM;
        empty->info.format = HVS_VULN_FMT_API2;
        k = vuln_db_import_meta(s->db, empty, origin, NULL, NULL, kv, nkv, NULL);
        hvs_vuln_feed_free(empty);
        return k;
}

/* ---------------------------------------------------------------- one page */

static int build_url(struct sync *s, const struct run *run, char *buf, size_t cap) {
        const char *sep = strchr(s->url, '?') ? "&" : "?";
        int k;
        if (!strcmp(run->mode, "full"))
                k = hvs_snprintf_ok(buf, cap, "%s%sresultsPerPage=%u&startIndex=%" PRId64, s->url, sep, s->per_page,
                                    run->next_index);
        else
                k = hvs_snprintf_ok(buf, cap,
                                    "%s%sresultsPerPage=%u&startIndex=%" PRId64 "&lastModStartDate=%s&lastModEndDate=%s",
                                    s->url, sep, s->per_page, run->next_index, run->window_start, run->window_end);
        return k < 0 ? HVS_DIAG(vuln_db_diag(s->db), -EINVAL, "the API URL is too long") : 0;
}

static bool retryable(long status) {
        return status == 403 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/*
 * Fetches the page at @run->next_index, retrying as the options say.
 * Return: 0 and the parsed page in *@ret; -errno (reason in the db's diag).
 */
static int fetch(struct sync *s, const struct run *run, char *url, size_t cap, hvs_vuln_feed **ret) {
        hvs_diag *dd = vuln_db_diag(s->db);
        int k = build_url(s, run, url, cap);
        if (k < 0)
                return k;
        char why[512] = "";
        int last_err = -EIO;
        for (unsigned attempt = 0;; attempt++) {
                if (attempt) {
                        if (attempt > s->retries)
                                return HVS_DIAG(dd, last_err, "giving up on %s after %u attempts: %s", url, attempt,
                                                why);
                        s->st->retries++;
                        uint64_t w = (uint64_t)s->backoff_ms << (attempt - 1 < 20 ? attempt - 1 : 20);
                        if (s->h.retry_after_s >= 0 && (uint64_t)s->h.retry_after_s * 1000 > w)
                                w = (uint64_t)s->h.retry_after_s * 1000;
                        if (w > s->backoff_max_ms)
                                w = s->backoff_max_ms;
                        report(s, "back-off", s->p.status, (unsigned)w);
                        if ((k = nap(s, (unsigned)w)) < 0)
                                return HVS_DIAG(dd, k, "interrupted");
                }
                if ((k = rate_wait(s)) < 0)
                        return HVS_DIAG(dd, k, "interrupted");
                s->st->requests++;
                long status = 0;
                k = http_get(s, url, &status, why, sizeof why);
                s->p.status = status;
                if (k == -E2BIG)
                        return HVS_DIAG(dd, k, "%s: %s", url, why);
                if (k < 0) {
                        last_err = -EIO;
                        continue;
                }
                if (status != 200) {
                        snprintf(why, sizeof why, "HTTP %ld%s%s", status, s->h.message[0] ? ": " : "", s->h.message);
                        if (!retryable(status))
                                return HVS_DIAG(dd, -EIO, "%s: %s", url, why);
                        last_err = -EIO;
                        continue;
                }
                hvs_diag pd = { 0 };
                hvs_vuln_feed *f = NULL;
                k = hvs_vuln_feed_parse(s->h.body.p ? s->h.body.p : "", s->h.body.n, &pd, &f);
                if (k == -ENOMEM)
                        return k;
                if (k == 0 && f->info.format != HVS_VULN_FMT_API2) {
                        snprintf(pd.msg, sizeof pd.msg, "not an API 2.0 reply");
                        k = -EBADMSG;
                } else if (k == 0 && (f->info.total_results < 0 ||
                                      (f->info.start_index >= 0 && f->info.start_index != run->next_index))) {
                        snprintf(pd.msg, sizeof pd.msg, "reply for startIndex %" PRId64 " (asked %" PRId64
                                 ") or without totalResults", f->info.start_index, run->next_index);
                        k = -EBADMSG;
                } else if (k == 0 && !f->info.n_items && run->next_index < f->info.total_results) {
                        snprintf(pd.msg, sizeof pd.msg, "empty page while totalResults is %" PRId64,
                                 f->info.total_results);
                        k = -EBADMSG;
                }
                if (k < 0) {
                        hvs_vuln_feed_free(f);
                        snprintf(why, sizeof why, "bad reply (%zu bytes): %.400s", s->h.body.n, pd.msg);
                        last_err = -EBADMSG;
                        continue;
                }
                *ret = f;
                return 0;
        }
}

/* ---------------------------------------------------------------- the run */

static int start_run(struct sync *s, struct run *run) {
        const hvs_vuln_sync_opts *o = s->o;
        hvs_diag *dd = vuln_db_diag(s->db);
        time_t end = o->now > 0 ? (time_t)o->now : time(NULL), start;
        char wm[32] = "";
        int k = hvs_vuln_db_get_meta(s->db, "sync.watermark", wm, sizeof wm);
        if (k < 0 && k != -ENOENT)
                return k;
        const char *from = o->since ? o->since : (k == 0 ? wm : NULL);
        memset(run, 0, sizeof *run);
        fmt_iso(end, run->range_end, sizeof run->range_end);
        if (o->full || !from || !from[0]) {
                hvs_strlcpy(run->mode, "full", sizeof run->mode);
        } else {
                if (parse_iso(from, &start) < 0)
                        return HVS_DIAG(dd, -EINVAL, "'%s' is not an ISO 8601 UTC date", from);
                if (start > end)
                        return HVS_DIAG(dd, -EINVAL, "the start %s is after the end %s", from, run->range_end);
                hvs_strlcpy(run->mode, "incremental", sizeof run->mode);
                fmt_iso(start, run->window_start, sizeof run->window_start);
                time_t we = start + (time_t)HVS_NVD_MAX_WINDOW_DAYS * DAY_S;
                fmt_iso(we < end ? we : end, run->window_end, sizeof run->window_end);
        }
        return commit(s, NULL, "sync start", run, false);
}

int hvs_vuln_sync(hvs_vuln_db *db, const hvs_vuln_sync_opts *o, hvs_vuln_sync_stats *ret) {
        hvs_vuln_sync_stats st_local = { 0 };
        hvs_vuln_sync_stats *st = ret ? ret : &st_local;
        memset(st, 0, sizeof *st);
        if (!db || !o || o->sz < sizeof *o)
                return -EINVAL;
        hvs_diag *dd = vuln_db_diag(db);
        hvs_diag_clear(dd);
        bool key = o->api_key && o->api_key[0];
        struct sync s = {
                .db = db, .o = o, .st = st, .url = o->api_url && o->api_url[0] ? o->api_url : HVS_NVD_API_URL,
                .rate_n = o->rate_requests ? o->rate_requests : key ? 50 : 5,
                .window_ms = o->rate_window_ms ? o->rate_window_ms : 30000,
                .backoff_ms = o->backoff_ms ? o->backoff_ms : 6000,
                .backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms : 120000,
                .retries = o->max_retries ? o->max_retries : 6,
                .per_page = o->results_per_page ? o->results_per_page : 2000,
                .timeout_ms = o->timeout_ms ? o->timeout_ms : 120000,
        };
        if (s.per_page > 2000 || s.rate_n > 10000 || strlen(s.url) > 2000 ||
            (strncmp(s.url, "http://", 7) && strncmp(s.url, "https://", 8)))
                return HVS_DIAG(dd, -EINVAL, "bad sync options (results per page 1..2000, an http(s) URL)");
        if (!(s.ring = hvs_calloc(s.rate_n, sizeof *s.ring)))
                return -ENOMEM;
        int k = http_init(&s);
        struct run run;
        bool running = false;
        if (k >= 0)
                k = load_run(&s, &run, &running);
        if (k >= 0) {
                if (running && !o->full && !o->since)
                        st->resumed = true;
                else
                        k = start_run(&s, &run);
        }
        char url[2300];
        while (k >= 0) {
                time_t ws, we;
                if (!strcmp(run.mode, "incremental") && parse_iso(run.window_start, &ws) == 0 &&
                    parse_iso(run.window_end, &we) == 0 && ws >= we) {
                        /* Nothing left in the range (an empty window at its end). */
                        k = commit(&s, NULL, "sync end", &run, true);
                        if (k >= 0)
                                st->complete = true;
                        break;
                }
                if (stopped(&s)) {
                        k = HVS_DIAG(dd, -EINTR, "interrupted");
                        break;
                }
                s.p.window_start = run.window_start;
                s.p.window_end = run.window_end;
                s.p.start_index = run.next_index;
                hvs_vuln_feed *f = NULL;
                if ((k = fetch(&s, &run, url, sizeof url, &f)) < 0)
                        break;
                s.p.total = f->info.total_results;
                struct run next = run;
                next.next_index = run.next_index + (int64_t)f->info.n_items;
                bool done = false;
                if (next.next_index >= f->info.total_results && !next_window(&next))
                        done = true;
                k = commit(&s, f, url, &next, done);
                hvs_vuln_feed_free(f);
                if (k < 0)
                        break;
                st->pages++;
                run = next;
                report(&s, "page", s.p.status, 0);
                if (done) {
                        st->complete = true;
                        break;
                }
        }
        hvs_vuln_db_get_meta(db, "sync.watermark", st->watermark, sizeof st->watermark);
        http_free(&s.h);
        free(s.ring);
        return k < 0 ? k : 0;
}
