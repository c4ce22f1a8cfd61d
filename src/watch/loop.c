/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loop.c - the watch loop: polls sources, rate-limits and summarizes what
 * they emit, and hands it to one consumer (include/hvscope/watch.h).
 *
 * Invariants that bound memory whatever a guest does:
 *  - a source's event is copied into the queue only when both token buckets
 *    (the global one and its (source, action) one) hold a token; otherwise it
 *    costs one counter increment;
 *  - the queue has max_queue slots, each one allocation of at most
 *    5 * HVS_WATCH_MAX_FIELD + HVS_WATCH_MAX_DATA bytes; a full queue counts
 *    the event as lost;
 *  - the (source, action) table has HVS_WATCH_MAX_ACTIONS rows; the rest
 *    share the last row ("*");
 *  - the loop's own events (summaries, losses) bypass the limiter but there
 *    is at most one per row and per source each summary period.
 * Everything runs on the caller's thread: no locks.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"
#include <hvscope/limits.h>
#include <hvscope/watch.h>
#include "watch/watch-internal.h"

#define WATCHER "watcher"

struct bucket {
        double tokens;
        int64_t last_ns;
};

struct action_row {
        char source[32];
        char action[48];
        struct bucket b;
        uint64_t suppressed;    /* since the last summary */
        uint64_t total;
};

struct src_slot {
        hvs_watch_source *src;
        uint64_t lost_seen;     /* the source's stats.lost already reported */
        uint64_t lost_pending;  /* lost (queue full or by the source), not yet reported */
};

struct slot {
        hvs_watch_event ev;
        char *mem;
};

struct hvs_watch_loop {
        hvs_watch_loop_opts o;
        hvs_watch_emit_fn emit;
        void *ctx;
        struct src_slot srcs[HVS_WATCH_MAX_SOURCES];
        size_t nsrcs;
        bool had_source, started;
        struct bucket global;
        struct action_row rows[HVS_WATCH_MAX_ACTIONS];
        size_t nrows;
        struct slot *q;
        size_t qn;              /* queued (always drained from 0 after a step) */
        size_t cur;             /* the source being stepped (for loss accounting) */
        int stop_rc;            /* the consumer's non-zero return */
        hvs_watch_loop_stats st;
};

int64_t hvs_watch_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int hvs_watch_loop_new(const hvs_watch_loop_opts *opts, hvs_watch_emit_fn emit, void *ctx, hvs_watch_loop **ret) {
        hvs_watch_loop_opts o = { 0 };
        if (opts) {
                if (opts->sz < sizeof(size_t) || opts->sz > sizeof o)
                        return -EINVAL;
                memcpy(&o, opts, opts->sz);
        }
        if (!emit || !ret)
                return -EINVAL;
        o.sz = sizeof o;
        if (!o.max_rate)
                o.max_rate = HVS_WATCH_DEFAULT_RATE;
        if (!o.max_action_rate)
                o.max_action_rate = HVS_WATCH_DEFAULT_ACTION_RATE;
        if (!o.burst)
                o.burst = 1;
        if (!o.summary_ms)
                o.summary_ms = HVS_WATCH_SUMMARY_MS;
        if (!o.max_queue)
                o.max_queue = HVS_WATCH_MAX_QUEUE;
        if (!o.poll_ms)
                o.poll_ms = 100;
        if (o.max_queue > (1u << 20) || o.burst > 3600)
                return -EINVAL;
        hvs_watch_loop *l = hvs_calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->q = hvs_calloc(o.max_queue, sizeof *l->q);
        if (!l->q) {
                free(l);
                return -ENOMEM;
        }
        l->o = o;
        l->emit = emit;
        l->ctx = ctx;
        l->global.tokens = (double)o.max_rate * o.burst;
        l->global.last_ns = -1;
        *ret = l;
        return 0;
}

int hvs_watch_loop_add_source(hvs_watch_loop *l, hvs_watch_source *src) {
        if (!src)
                return -EINVAL;
        if (!l || l->nsrcs >= HVS_WATCH_MAX_SOURCES) {
                src->ops->free(src);
                return l ? -E2BIG : -EINVAL;
        }
        l->srcs[l->nsrcs++] = (struct src_slot){ .src = src };
        l->had_source = true;
        return 0;
}

/* Refills @b at @rate/s up to @depth; true (and one token taken) if one was there. */
static bool take(struct bucket *b, double rate, double depth, int64_t now) {
        if (b->last_ns < 0) {
                b->tokens = depth;
        } else if (now > b->last_ns) {
                b->tokens += rate * (double)(now - b->last_ns) / 1e9;
                if (b->tokens > depth)
                        b->tokens = depth;
        }
        b->last_ns = now;
        if (b->tokens < 1.0)
                return false;
        b->tokens -= 1.0;
        return true;
}

static struct action_row *row_of(hvs_watch_loop *l, const char *source, const char *action) {
        for (size_t i = 0; i < l->nrows; i++)
                if (!strcmp(l->rows[i].source, source) && !strcmp(l->rows[i].action, action))
                        return &l->rows[i];
        struct action_row *r;
        if (l->nrows < HVS_WATCH_MAX_ACTIONS - 1) {
                r = &l->rows[l->nrows++];
                hvs_strlcpy(r->source, source, sizeof r->source);
                hvs_strlcpy(r->action, action, sizeof r->action);
                r->b.last_ns = -1;
        } else {
                r = &l->rows[HVS_WATCH_MAX_ACTIONS - 1];  /* the shared overflow row */
                if (!r->source[0]) {
                        hvs_strlcpy(r->source, "*", sizeof r->source);
                        hvs_strlcpy(r->action, "*", sizeof r->action);
                        r->b.last_ns = -1;
                        l->nrows = HVS_WATCH_MAX_ACTIONS;
                }
        }
        return r;
}

/* Copies @ev into one allocation (strings cut to HVS_WATCH_MAX_FIELD). */
static int copy_event(const hvs_watch_event *ev, struct slot *s) {
        const char *str[5] = { ev->source, ev->category, ev->action, ev->comm, ev->summary };
        size_t len[6], total = 0;
        for (size_t i = 0; i < 5; i++) {
                len[i] = str[i] ? strnlen(str[i], HVS_WATCH_MAX_FIELD - 1) : 0;
                total += len[i] + 1;
        }
        static const char too_big[] = "{\"hvscope.truncated\":true}";
        const char *data = ev->data_json;
        len[5] = data ? strnlen(data, HVS_WATCH_MAX_DATA) : 0;
        if (data && len[5] >= HVS_WATCH_MAX_DATA)
                data = too_big, len[5] = sizeof too_big - 1;
        total += len[5] + 1;
        char *m = hvs_malloc(total), *p = m;
        if (!m)
                return -ENOMEM;
        const char *out[6];
        const char *in[6] = { str[0], str[1], str[2], str[3], str[4], data };
        for (size_t i = 0; i < 6; i++) {
                if (!in[i]) {
                        out[i] = NULL;
                        continue;
                }
                memcpy(p, in[i], len[i]);
                p[len[i]] = '\0';
                out[i] = p;
                p += len[i] + 1;
        }
        s->mem = m;
        s->ev = *ev;
        s->ev.source = out[0] ? out[0] : "";
        s->ev.category = out[1] ? out[1] : "host";
        s->ev.action = out[2] ? out[2] : "";
        s->ev.comm = out[3];
        s->ev.summary = out[4] ? out[4] : "";
        s->ev.data_json = out[5];
        if (!s->ev.ts_ns)
                s->ev.ts_ns = hvs_watch_now_ns();
        return 0;
}

static void note_lost(hvs_watch_loop *l, uint64_t n) {
        l->st.lost += n;
        if (l->cur < l->nsrcs)
                l->srcs[l->cur].lost_pending += n;
}

/* The emit function sources see: limiter, then queue. */
static int loop_emit(void *ctx, const hvs_watch_event *ev) {
        hvs_watch_loop *l = ctx;
        if (l->stop_rc)
                return l->stop_rc;
        if (!ev)
                return 0;
        int64_t now = (int64_t)hvs_now_ns();
        struct action_row *r = row_of(l, ev->source ? ev->source : "", ev->action ? ev->action : "");
        r->total++;
        double depth = (double)l->o.burst;
        /* Per-action first, so a flood of one action does not eat the tokens
         * every other action needs. */
        if (!take(&r->b, l->o.max_action_rate, depth * l->o.max_action_rate, now) ||
            !take(&l->global, l->o.max_rate, depth * l->o.max_rate, now)) {
                r->suppressed++;
                l->st.suppressed++;
                return 0;
        }
        if (l->qn >= l->o.max_queue) {
                note_lost(l, 1);
                return 0;
        }
        if (copy_event(ev, &l->q[l->qn]) < 0) {
                note_lost(l, 1);
                return 0;
        }
        l->qn++;
        if (l->qn > l->st.queue_high)
                l->st.queue_high = l->qn;
        return 0;
}

static void drain(hvs_watch_loop *l) {
        for (size_t i = 0; i < l->qn; i++) {
                if (!l->stop_rc) {
                        int r = l->emit(l->ctx, &l->q[i].ev);
                        l->st.forwarded++;
                        if (r)
                                l->stop_rc = r;
                }
                free(l->q[i].mem);
                l->q[i].mem = NULL;
        }
        l->qn = 0;
}

/* The loop's own events go straight to the consumer. */
static void own_event(hvs_watch_loop *l, const char *action, int severity, const char *summary, const char *data) {
        if (l->stop_rc)
                return;
        hvs_watch_event ev = {
                .ts_ns = hvs_watch_now_ns(), .source = WATCHER, .category = "host", .action = action,
                .severity = severity, .pid = -1, .summary = summary, .data_json = data,
        };
        int r = l->emit(l->ctx, &ev);
        l->st.forwarded++;
        if (r)
                l->stop_rc = r;
}

static void collect_lost(hvs_watch_loop *l) {
        for (size_t i = 0; i < l->nsrcs; i++) {
                struct src_slot *s = &l->srcs[i];
                if (!s->src->ops->stats)
                        continue;
                hvs_watch_stats st = { 0 };
                s->src->ops->stats(s->src, &st);
                if (st.lost > s->lost_seen) {
                        uint64_t d = st.lost - s->lost_seen;
                        s->lost_seen = st.lost;
                        s->lost_pending += d;
                        l->st.lost += d;
                }
        }
}

static void report_lost(hvs_watch_loop *l, const char *name, uint64_t *pending) {
        if (!*pending)
                return;
        char sum[160], data[256];
        struct jbuf j;
        snprintf(sum, sizeof sum, "%" PRIu64 " events of %s lost", *pending, name);
        jb_init(&j, data, sizeof data);
        jb_u64(&j, "hvscope.lost", *pending);
        jb_str(&j, "hvscope.for_source", name);
        own_event(l, "events-lost", 2, sum, jb_end(&j));
        *pending = 0;
}

static void summarize(hvs_watch_loop *l) {
        collect_lost(l);
        for (size_t i = 0; i < l->nrows; i++) {
                struct action_row *r = &l->rows[i];
                if (!r->suppressed)
                        continue;
                char sum[200], data[384];
                struct jbuf j;
                snprintf(sum, sizeof sum, "%" PRIu64 " more %s events of %s held back by the rate limit",
                         r->suppressed, r->action, r->source);
                jb_init(&j, data, sizeof data);
                jb_u64(&j, "hvscope.suppressed", r->suppressed);
                jb_u64(&j, "hvscope.seen", r->total);
                jb_str(&j, "hvscope.for_source", r->source);
                jb_str(&j, "hvscope.for_action", r->action);
                own_event(l, "rate-summary", 1, sum, jb_end(&j));
                r->suppressed = 0;
        }
        for (size_t i = 0; i < l->nsrcs; i++)
                report_lost(l, l->srcs[i].src->ops->name, &l->srcs[i].lost_pending);
}

static void drop_source(hvs_watch_loop *l, size_t i, int err, const hvs_diag *d) {
        struct src_slot *s = &l->srcs[i];
        const char *name = s->src->ops->name;
        char sum[HVS_DIAG_MSG_MAX + 96], data[HVS_DIAG_MSG_MAX * 2 + 128];
        struct jbuf j;
        collect_lost(l);
        report_lost(l, name, &s->lost_pending);
        snprintf(sum, sizeof sum, "source %s stopped: %s", name, d && d->msg[0] ? d->msg : strerror(-err));
        jb_init(&j, data, sizeof data);
        jb_str(&j, "hvscope.for_source", name);
        jb_i64(&j, "error.code", err);
        jb_str(&j, "error.message", d && d->msg[0] ? d->msg : strerror(-err));
        own_event(l, "source-failed", 3, sum, jb_end(&j));
        s->src->ops->free(s->src);
        memmove(s, s + 1, (l->nsrcs - i - 1) * sizeof *s);
        l->nsrcs--;
}

int hvs_watch_loop_run(hvs_watch_loop *l, const volatile int *stop, int64_t duration_ns, hvs_diag *diag) {
        if (!l)
                return -EINVAL;
        if (!l->had_source)
                return HVS_DIAG(diag, -ENODEV, "no event source to watch");
        l->stop_rc = 0;
        int64_t start = (int64_t)hvs_now_ns();
        int64_t end = duration_ns > 0 ? start + duration_ns : INT64_MAX;
        int64_t period = (int64_t)l->o.summary_ms * 1000000;
        int64_t next_summary = start + period;
        if (!l->started) {
                char data[HVS_WATCH_MAX_SOURCES * 40 + 64];
                char names[HVS_WATCH_MAX_SOURCES * 36] = "";
                for (size_t i = 0, off = 0; i < l->nsrcs; i++, off = strlen(names))
                        snprintf(names + off, sizeof names - off, "%s%s", i ? "," : "", l->srcs[i].src->ops->name);
                struct jbuf j;
                jb_init(&j, data, sizeof data);
                jb_str(&j, "hvscope.sources", names);
                char sum[sizeof names + 32];
                snprintf(sum, sizeof sum, "watching: %s", names);
                own_event(l, "watch-started", 0, sum, jb_end(&j));
                l->started = true;
        }
        struct pollfd pfd[HVS_WATCH_MAX_SOURCES];
        while (!l->stop_rc && l->nsrcs && !(stop && *stop)) {
                int64_t now = (int64_t)hvs_now_ns();
                if (now >= end)
                        break;
                int64_t wake = MIN(end, next_summary);
                wake = MIN(wake, now + (int64_t)l->o.poll_ms * 1000000);
                for (size_t i = 0; i < l->nsrcs; i++) {
                        hvs_watch_source *s = l->srcs[i].src;
                        pfd[i] = (struct pollfd){ .fd = s->ops->fd ? s->ops->fd(s) : -1, .events = POLLIN };
                        int64_t d = s->ops->deadline_ns ? s->ops->deadline_ns(s) : INT64_MAX;
                        wake = MIN(wake, d);
                }
                int timeout = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
                int n = poll(pfd, l->nsrcs, timeout);
                if (n < 0 && errno != EINTR)
                        return HVS_DIAG(diag, -errno, "poll: %s", strerror(errno));
                now = (int64_t)hvs_now_ns();
                for (size_t i = 0; i < l->nsrcs && !l->stop_rc;) {
                        hvs_watch_source *s = l->srcs[i].src;
                        bool ready = n > 0 && pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLERR | POLLHUP));
                        int64_t d = s->ops->deadline_ns ? s->ops->deadline_ns(s) : INT64_MAX;
                        if (!ready && d > now) {
                                i++;
                                continue;
                        }
                        hvs_diag sd = { 0 };
                        l->cur = i;
                        int r = s->ops->step(s, now, loop_emit, l, &sd);
                        l->cur = SIZE_MAX;
                        l->st.steps++;
                        drain(l);
                        if (r < 0 && r != l->stop_rc) {
                                hvs_diag_copy(diag, &sd);
                                drop_source(l, i, r, &sd);
                                if (i < l->nsrcs)
                                        memmove(&pfd[i], &pfd[i + 1], (l->nsrcs - i) * sizeof *pfd);
                                continue;
                        }
                        i++;
                }
                if (now >= next_summary) {
                        summarize(l);
                        next_summary = now + period;
                }
        }
        drain(l);
        summarize(l);
        char sum[256], data[384];
        struct jbuf j;
        snprintf(sum, sizeof sum,
                 "watch stopped: %" PRIu64 " events, %" PRIu64 " held back by the rate limit, %" PRIu64 " lost",
                 l->st.forwarded, l->st.suppressed, l->st.lost);
        jb_init(&j, data, sizeof data);
        jb_u64(&j, "hvscope.forwarded", l->st.forwarded);
        jb_u64(&j, "hvscope.suppressed", l->st.suppressed);
        jb_u64(&j, "hvscope.lost", l->st.lost);
        jb_u64(&j, "hvscope.steps", l->st.steps);
        jb_u64(&j, "hvscope.queue_high", l->st.queue_high);
        own_event(l, "watch-stopped", 0, sum, jb_end(&j));
        l->started = false;
        return l->stop_rc;
}

void hvs_watch_loop_get_stats(const hvs_watch_loop *l, hvs_watch_loop_stats *st) {
        *st = l->st;
        st->sources = (uint32_t)l->nsrcs;
}

hvs_watch_loop *hvs_watch_loop_free(hvs_watch_loop *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->nsrcs; i++)
                l->srcs[i].src->ops->free(l->srcs[i].src);
        if (l->q)
                for (size_t i = 0; i < l->qn; i++)
                        free(l->q[i].mem);
        free(l->q);
        free(l);
        return NULL;
}
