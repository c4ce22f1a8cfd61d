/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-qmp.c - the QMP client against a fake QMP server thread on a unix
 * socket in a temporary directory; the parsers of "info mtree -f",
 * "info registers" and QEMU command lines on text copied from a real QEMU
 * 7.2; and the live QEMU backend against a fake QEMU (QMP answers as QEMU
 * 7.2 gives them, guest RAM in a temporary file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <hvscope/mem.h>
#include <hvscope/limits.h>
#include "util/util.h"
#include "mem/mem-internal.h"
#include "mem/qmp.h"

/* ================================================================ fake QMP server */

enum greet { GREET_OK, GREET_NONE, GREET_BAD };

struct fake;
typedef void (*handler_fn)(struct fake *f, const char *cmd, json_object *args, json_object *id);

struct fake {
        char dir[64];
        char path[128];
        int lfd, cfd;
        pthread_t th;
        bool started;
        enum greet greet;
        handler_fn handler;
        void *ud;
        char log[64][64];               /* commands received, in order */
        int nlog;
        json_object *stale_id;          /* id of a command answered late */
};

static void srv_send(struct fake *f, const char *s, size_t n) {
        while (n > 0) {
                ssize_t k = send(f->cfd, s, n, MSG_NOSIGNAL);
                if (k <= 0)
                        return;         /* the client went away: fine */
                s += k;
                n -= (size_t)k;
        }
}

static void srv_raw(struct fake *f, const char *s) { srv_send(f, s, strlen(s)); }

/* Send @json (an object) with "id": @id added. */
static void srv_reply_json(struct fake *f, json_object *id, const char *json) {
        json_object *o = json_tokener_parse(json);
        assert_non_null(o);
        if (id)
                json_object_object_add(o, "id", json_object_get(id));
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        srv_raw(f, s);
        srv_raw(f, "\r\n");
        json_object_put(o);
}

static void srv_reply(struct fake *f, json_object *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void srv_reply(struct fake *f, json_object *id, const char *fmt, ...) {
        char buf[65536];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        srv_reply_json(f, id, buf);
}

static void srv_return_string(struct fake *f, json_object *id, const char *text) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "return", json_object_new_string(text));
        if (id)
                json_object_object_add(o, "id", json_object_get(id));
        srv_raw(f, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        srv_raw(f, "\r\n");
        json_object_put(o);
}

static void *srv_main(void *arg) {
        struct fake *f = arg;
        f->cfd = accept(f->lfd, NULL, NULL);
        if (f->cfd < 0)
                return NULL;
        if (f->greet == GREET_OK)
                srv_raw(f, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                           "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\r\n");
        else if (f->greet == GREET_BAD)
                srv_raw(f, "{\"hello\": 1}\r\n");
        static __thread char buf[1 << 16];
        size_t len = 0;
        for (;;) {
                ssize_t k = recv(f->cfd, buf + len, sizeof buf - 1 - len, 0);
                if (k <= 0)
                        break;
                len += (size_t)k;
                buf[len] = '\0';
                char *nl;
                while ((nl = strchr(buf, '\n'))) {
                        *nl = '\0';
                        json_object *req = json_tokener_parse(buf);
                        json_object *ex = NULL, *args = NULL, *id = NULL;
                        if (req) {
                                json_object_object_get_ex(req, "execute", &ex);
                                json_object_object_get_ex(req, "arguments", &args);
                                json_object_object_get_ex(req, "id", &id);
                        }
                        const char *cmd = ex ? json_object_get_string(ex) : "";
                        if (f->nlog < 64)
                                snprintf(f->log[f->nlog++], sizeof f->log[0], "%s", cmd);
                        if (strcmp(cmd, "qmp_capabilities") == 0)
                                srv_reply(f, id, "{\"return\": {}}");
                        else
                                f->handler(f, cmd, args, id);
                        json_object_put(req);
                        size_t used = (size_t)(nl - buf) + 1;
                        memmove(buf, nl + 1, len - used + 1);
                        len -= used;
                }
        }
        close(f->cfd);
        f->cfd = -1;
        return NULL;
}

static struct fake *fake_new(handler_fn h, enum greet greet, void *ud) {
        struct fake *f = calloc(1, sizeof *f);
        assert_non_null(f);
        strcpy(f->dir, "/tmp/hvs-test-qmp.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof f->path, "%s/qmp.sock", f->dir);
        f->handler = h;
        f->greet = greet;
        f->ud = ud;
        f->cfd = -1;
        f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(f->lfd >= 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, f->path);
        assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
        assert_int_equal(listen(f->lfd, 4), 0);
        assert_int_equal(pthread_create(&f->th, NULL, srv_main, f), 0);
        f->started = true;
        return f;
}

/* Stop the server (the client should have closed first; if not, cut it off). */
static void fake_free(struct fake *f) {
        if (!f)
                return;
        shutdown(f->lfd, SHUT_RDWR);
        int cfd = f->cfd;
        if (cfd >= 0)
                shutdown(cfd, SHUT_RDWR);
        if (f->started)
                pthread_join(f->th, NULL);
        close(f->lfd);
        json_object_put(f->stale_id);
        unlink(f->path);
        rmdir(f->dir);
        free(f);
}

static bool logged(struct fake *f, const char *cmd) {
        for (int i = 0; i < f->nlog; i++)
                if (strcmp(f->log[i], cmd) == 0)
                        return true;
        return false;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ================================================================ QMP client */

#define EV_STOP "{\"timestamp\": {\"seconds\": 1795324240, \"microseconds\": 117375}, \"event\": \"STOP\"}\r\n"
#define EV_RESUME "{\"timestamp\": {\"seconds\": 1795324251, \"microseconds\": 923489}, \"event\": \"RESUME\"}\r\n"

static void h_basic(struct fake *f, const char *cmd, json_object *args, json_object *id) {
        if (strcmp(cmd, "query-status") == 0) {
                /* Events interleaved before the return, as QEMU does. */
                srv_raw(f, EV_STOP);
                srv_raw(f, EV_RESUME);
                srv_reply(f, id, "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}");
        } else if (strcmp(cmd, "fail") == 0) {
                srv_reply(f, id, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"boom happened\"}}");
        } else if (strcmp(cmd, "nocmd") == 0) {
                srv_reply(f, id, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nocmd has not been found\"}}");
        } else if (strcmp(cmd, "nodev") == 0) {
                srv_reply(f, id, "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device '/nothere' not found\"}}");
        } else if (strcmp(cmd, "big") == 0) {
                size_t n = HVS_MAX_QMP_REPLY + 4096;
                char *s = malloc(n + 64);
                assert_non_null(s);
                strcpy(s, "{\"return\": \"");
                memset(s + 12, 'x', n);
                strcpy(s + 12 + n, "\"}\r\n");
                srv_raw(f, s);
                free(s);
        } else if (strcmp(cmd, "hang") == 0) {
                /* no answer */
        } else if (strcmp(cmd, "slow") == 0) {
                f->stale_id = json_object_get(id);      /* answered with the next command */
        } else if (strcmp(cmd, "after-slow") == 0) {
                srv_reply(f, f->stale_id, "{\"return\": \"stale\"}");
                srv_reply(f, id, "{\"return\": \"fresh\"}");
        } else if (strcmp(cmd, "close") == 0) {
                shutdown(f->cfd, SHUT_RDWR);
        } else if (strcmp(cmd, "garbage") == 0) {
                srv_raw(f, "this is not json\r\n");
        } else if (strcmp(cmd, "array") == 0) {
                srv_raw(f, "[1, 2]\r\n");
                srv_reply(f, id, "{\"return\": 1}");
        } else if (strcmp(cmd, "neither") == 0) {
                srv_reply(f, id, "{\"foo\": 1}");
        } else if (strcmp(cmd, "split") == 0) {
                /* Pretty-printed and trickled out one byte at a time. */
                char buf[256];
                snprintf(buf, sizeof buf, "{\n    \"return\": {\n        \"a\": [1, 2, {\"b\": \"}\"}]\n    },\n    \"id\": %s\n}\n",
                         json_object_to_json_string(id));
                for (char *p = buf; *p; p++) {
                        srv_send(f, p, 1);
                        usleep(100);
                }
        } else if (strcmp(cmd, "many-events") == 0) {
                for (int i = 0; i < 40; i++) {
                        char ev[128];
                        snprintf(ev, sizeof ev, "{\"event\": \"EV%d\", \"timestamp\": {\"seconds\": %d, \"microseconds\": 5}}\n", i, i);
                        srv_raw(f, ev);
                }
                srv_reply(f, id, "{\"return\": {}}");
        } else if (strcmp(cmd, "emit-later") == 0) {
                srv_reply(f, id, "{\"return\": {}}");
                usleep(20000);
                srv_raw(f, "{\"event\": \"POWERDOWN\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
                srv_raw(f, EV_STOP);
        } else if (strcmp(cmd, "human-monitor-command") == 0) {
                json_object *cl = NULL;
                json_object_object_get_ex(args, "command-line", &cl);
                char text[256];
                snprintf(text, sizeof text, "ran '%s'\r\n", cl ? json_object_get_string(cl) : "?");
                srv_return_string(f, id, text);
        } else if (strcmp(cmd, "echo") == 0) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "return", json_object_get(args));
                json_object_object_add(o, "id", json_object_get(id));
                srv_raw(f, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                srv_raw(f, "\r\n");
                json_object_put(o);
        } else {
                srv_reply(f, id, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"unexpected %s\"}}", cmd);
        }
}

static void test_qmp_open_and_execute(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        assert_true(logged(f, "qmp_capabilities"));
        json_object *v, *qemu, *major;
        assert_true(json_object_object_get_ex(qmp_greeting(q), "version", &v));
        assert_true(json_object_object_get_ex(v, "qemu", &qemu));
        assert_true(json_object_object_get_ex(qemu, "major", &major));
        assert_int_equal(json_object_get_int(major), 7);
        assert_int_equal(qmp_peer_pid(q), getpid());
        assert_string_equal(qmp_path(q), f->path);
        json_object *ret = NULL;
        assert_int_equal(qmp_execute_fmt(q, "echo", "{\"x\": [1, \"two\"]}", &d, &ret), 0);
        assert_string_equal(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN), "{\"x\":[1,\"two\"]}");
        json_object_put(ret);
        assert_int_equal(qmp_execute_fmt(q, "echo", "[1]", &d, &ret), -EINVAL);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_events_before_return_are_kept(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        struct qmp_event ev[4];
        assert_int_equal(qmp_events(q, ev, 4), 0);
        json_object *ret = NULL, *running;
        assert_int_equal(qmp_execute(q, "query-status", NULL, &d, &ret), 0);
        assert_true(json_object_object_get_ex(ret, "running", &running));
        assert_true(json_object_get_boolean(running));
        json_object_put(ret);
        assert_int_equal(qmp_events(q, ev, 4), 2);
        assert_string_equal(ev[0].name, "STOP");
        assert_int_equal(ev[0].seq, 1);
        assert_int_equal(ev[0].seconds, 1795324240);
        assert_int_equal(ev[0].microseconds, 117375);
        assert_true(ev[0].recv_ns > 0);
        assert_string_equal(ev[1].name, "RESUME");
        assert_int_equal(ev[1].seq, 2);
        /* Only the newest when asked for fewer. */
        assert_int_equal(qmp_events(q, ev, 1), 1);
        assert_string_equal(ev[0].name, "RESUME");
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_event_ring_keeps_last(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        assert_int_equal(qmp_execute(q, "many-events", NULL, &d, NULL), 0);
        struct qmp_event ev[QMP_EVENT_RING + 8];
        size_t n = qmp_events(q, ev, ARRAY_SIZE(ev));
        assert_int_equal(n, QMP_EVENT_RING);
        assert_string_equal(ev[0].name, "EV8");
        assert_int_equal(ev[0].seq, 9);
        assert_string_equal(ev[n - 1].name, "EV39");
        assert_int_equal(ev[n - 1].seq, 40);
        assert_int_equal(ev[n - 1].seconds, 39);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_wait_event(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 1000, &d, &q), 0);
        assert_int_equal(qmp_execute(q, "emit-later", NULL, &d, NULL), 0);
        struct qmp_event e = { 0 };
        assert_int_equal(qmp_wait_event(q, "STOP", &d, &e), 0);
        assert_string_equal(e.name, "STOP");
        assert_int_equal(e.seq, 2);             /* POWERDOWN came first, kept in the ring */
        struct qmp_event ev[4];
        assert_int_equal(qmp_events(q, ev, 4), 2);
        assert_string_equal(ev[0].name, "POWERDOWN");
        /* The STOP already seen does not count again. */
        uint64_t t0 = now_ms();
        assert_int_equal(qmp_wait_event(q, "STOP", &d, &e), -ETIMEDOUT);
        assert_true(now_ms() - t0 >= 900);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_error_reply_desc_in_diag(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        json_object *ret = (json_object *)0x1;
        assert_int_equal(qmp_execute(q, "fail", NULL, &d, &ret), -EIO);
        assert_ptr_equal(ret, (json_object *)0x1);
        assert_non_null(strstr(d.msg, "boom happened"));
        assert_non_null(strstr(d.msg, "'fail'"));
        assert_int_equal(qmp_execute(q, "nocmd", NULL, &d, NULL), -EOPNOTSUPP);
        assert_non_null(strstr(d.msg, "has not been found"));
        assert_int_equal(qmp_execute(q, "nodev", NULL, &d, NULL), -ENOENT);
        /* The connection is still fine. */
        assert_int_equal(qmp_execute(q, "query-status", NULL, &d, NULL), 0);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_oversize_reply(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 5000, &d, &q), 0);
        assert_int_equal(qmp_execute(q, "big", NULL, &d, NULL), -E2BIG);
        assert_non_null(strstr(d.msg, "exceeds"));
        /* Out of sync: every later call fails cleanly. */
        assert_int_equal(qmp_execute(q, "query-status", NULL, &d, NULL), -EIO);
        assert_non_null(strstr(d.msg, "unusable"));
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_server_hangs_timeout(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 200, &d, &q), 0);
        uint64_t t0 = now_ms();
        assert_int_equal(qmp_execute(q, "hang", NULL, &d, NULL), -ETIMEDOUT);
        uint64_t dt = now_ms() - t0;
        assert_true(dt >= 190 && dt < 2000);
        assert_non_null(strstr(d.msg, "no reply"));
        assert_non_null(strstr(d.msg, "200 ms"));
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_late_reply_is_dropped(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 200, &d, &q), 0);
        assert_int_equal(qmp_execute(q, "slow", NULL, &d, NULL), -ETIMEDOUT);
        json_object *ret = NULL;
        assert_int_equal(qmp_execute(q, "after-slow", NULL, &d, &ret), 0);
        assert_string_equal(json_object_get_string(ret), "fresh");
        json_object_put(ret);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_server_closes(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        assert_int_equal(qmp_execute(q, "close", NULL, &d, NULL), -EIO);
        assert_non_null(strstr(d.msg, "closed"));
        assert_int_equal(qmp_execute(q, "query-status", NULL, &d, NULL), -EIO);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_garbage_and_odd_replies(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        /* A JSON value that is not an object: -EBADMSG, the stream stays in sync. */
        assert_int_equal(qmp_execute(q, "array", NULL, &d, NULL), -EBADMSG);
        assert_non_null(strstr(d.msg, "not a JSON object"));
        assert_int_equal(qmp_execute(q, "neither", NULL, &d, NULL), -EBADMSG);
        assert_non_null(strstr(d.msg, "neither"));
        assert_int_equal(qmp_execute(q, "garbage", NULL, &d, NULL), -EBADMSG);
        assert_int_equal(qmp_execute(q, "query-status", NULL, &d, NULL), -EIO);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_split_pretty_reply(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 5000, &d, &q), 0);
        json_object *ret = NULL;
        assert_int_equal(qmp_execute(q, "split", NULL, &d, &ret), 0);
        assert_string_equal(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN), "{\"a\":[1,2,{\"b\":\"}\"}]}");
        json_object_put(ret);
        assert_int_equal(qmp_execute(q, "query-status", NULL, &d, NULL), 0);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_hmp_text(void **state) {
        struct fake *f = fake_new(h_basic, GREET_OK, NULL);
        hvs_diag d = { 0 };
        qmp *q = NULL;
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), 0);
        char *text = NULL;
        assert_int_equal(qmp_hmp(q, "info mtree -f", &d, &text), 0);
        assert_string_equal(text, "ran 'info mtree -f'\r\n");
        free(text);
        qmp_close(q);
        fake_free(f);
}

static void test_qmp_greeting_problems(void **state) {
        hvs_diag d = { 0 };
        qmp *q = NULL;
        struct fake *f = fake_new(h_basic, GREET_NONE, NULL);
        uint64_t t0 = now_ms();
        assert_int_equal(qmp_open(f->path, 200, &d, &q), -ETIMEDOUT);
        assert_true(now_ms() - t0 < 2000);
        assert_non_null(strstr(d.msg, "another client"));
        assert_null(q);
        fake_free(f);
        f = fake_new(h_basic, GREET_BAD, NULL);
        assert_int_equal(qmp_open(f->path, 2000, &d, &q), -EBADMSG);
        assert_non_null(strstr(d.msg, "qmp banner"));
        assert_null(q);
        fake_free(f);
}

static void test_qmp_connect_errors(void **state) {
        hvs_diag d = { 0 };
        qmp *q = NULL;
        char dir[] = "/tmp/hvs-test-qmp.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[128];
        snprintf(path, sizeof path, "%s/none.sock", dir);
        assert_int_equal(qmp_open(path, 500, &d, &q), -ENOENT);
        assert_non_null(strstr(d.msg, "does not exist"));
        /* A socket file nobody listens on any more (QEMU died). */
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, path);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        close(fd);
        assert_int_equal(qmp_open(path, 500, &d, &q), -ECONNREFUSED);
        assert_non_null(strstr(d.msg, "nothing listens"));
        unlink(path);
        rmdir(dir);
        char longp[200];
        memset(longp, 'a', sizeof longp - 1);
        longp[0] = '/';
        longp[sizeof longp - 1] = '\0';
        assert_int_equal(qmp_open(longp, 500, &d, &q), -ENAMETOOLONG);
        assert_int_equal(qmp_open("", 500, &d, &q), -EINVAL);
        assert_null(q);
        assert_null(qmp_close(NULL));
}

/* ================================================================ parsers on real text */

/* QEMU 7.2, q35, -S (reset state), 5 GiB in memory-backend-file id=mem. */
static const char mtree_reset_5g[] =
        "FlatView #0\r\n"
        " AS \"memory\", root: system\r\n"
        " AS \"cpu-memory-0\", root: system\r\n"
        " Root memory region: system\r\n"
        "  0000000000000000-00000000000bffff (prio 0, ram): mem\r\n"
        "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\r\n"
        "  00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000\r\n"
        "  0000000000100000-000000007fffffff (prio 0, ram): mem @0000000000100000\r\n"
        "  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\r\n"
        "  00000000fed00000-00000000fed003ff (prio 0, i/o): hpet\r\n"
        "  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi\r\n"
        "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\r\n"
        "  0000000100000000-00000001bfffffff (prio 0, ram): mem @0000000080000000\r\n"
        "\r\n"
        "FlatView #1\r\n"
        " AS \"mch\", root: bus master container\r\n"
        " AS \"ICH9-LPC\", root: bus master container\r\n"
        " Root memory region: (none)\r\n"
        "  No rendered FlatView\r\n"
        "\r\n"
        "FlatView #2\r\n"
        " AS \"I/O\", root: io\r\n"
        " Root memory region: io\r\n"
        "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\r\n"
        "  0000000000000010-000000000000001f (prio 0, i/o): io @0000000000000010\r\n";

/* QEMU 7.2, q35, booted Linux 6.1 (-smp 2, 3 GiB): SMM views come first; PAM "rom" over mem. */
static const char mtree_booted_3g[] =
        "FlatView #0\r\n"
        " AS \"cpu-smm-0\", root: memory\r\n"
        " Root memory region: memory\r\n"
        "  0000000000000000-00000000000c2fff (prio 0, ram): mem\r\n"
        "  00000000000c3000-00000000000e7fff (prio 0, rom): mem @00000000000c3000\r\n"
        "  00000000000e8000-00000000000effff (prio 0, ram): mem @00000000000e8000\r\n"
        "  00000000000f0000-00000000000fffff (prio 0, rom): mem @00000000000f0000\r\n"
        "  0000000000100000-000000007fffffff (prio 0, ram): mem @0000000000100000\r\n"
        "  00000000b0000000-00000000bfffffff (prio 0, i/o): pcie-mmcfg-mmio\r\n"
        "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\r\n"
        "  0000000100000000-000000013fffffff (prio 0, ram): mem @0000000080000000\r\n"
        "\r\n"
        "FlatView #2\r\n"
        " AS \"memory\", root: system\r\n"
        " AS \"cpu-memory-0\", root: system\r\n"
        " AS \"cpu-memory-1\", root: system\r\n"
        " AS \"ich9-ahci\", root: bus master container\r\n"
        " Root memory region: system\r\n"
        "  0000000000000000-00000000000c2fff (prio 0, ram): mem\r\n"
        "  00000000000c3000-00000000000e7fff (prio 0, rom): mem @00000000000c3000\r\n"
        "  00000000000e8000-00000000000effff (prio 0, ram): mem @00000000000e8000\r\n"
        "  00000000000f0000-00000000000fffff (prio 0, rom): mem @00000000000f0000\r\n"
        "  0000000000100000-000000007fffffff (prio 0, ram): mem @0000000000100000\r\n"
        "  00000000b0000000-00000000bfffffff (prio 0, i/o): pcie-mmcfg-mmio\r\n"
        "  00000000febff000-00000000febfffff (prio 1, i/o): ahci\r\n"
        "  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\r\n"
        "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\r\n"
        "  0000000100000000-000000013fffffff (prio 0, ram): mem @0000000080000000\r\n"
        "\r\n"
        "FlatView #3\r\n"
        " AS \"I/O\", root: io\r\n"
        " Root memory region: io\r\n";

static void test_mtree_real_reset_5g(void **state) {
        struct qemu_ram_region *r = NULL;
        size_t n = 0;
        hvs_diag d = { 0 };
        assert_int_equal(qemu_parse_mtree(mtree_reset_5g, &d, &r, &n), 0);
        assert_int_equal(n, 6);         /* 3 ram of mem, 3 rom of the firmware */
        assert_int_equal(r[0].gpa, 0);
        assert_int_equal(r[0].size, 0xc0000);
        assert_int_equal(r[0].offset, 0);
        assert_string_equal(r[0].owner, "mem");
        assert_false(r[0].rom);
        assert_string_equal(r[1].owner, "pc.rom");
        assert_true(r[1].rom);
        assert_string_equal(r[2].owner, "pc.bios");
        assert_int_equal(r[2].offset, 0x20000);
        assert_int_equal(r[3].gpa, 0x100000);
        assert_int_equal(r[3].offset, 0x100000);
        assert_int_equal(r[5].gpa, 0x100000000ull);
        assert_int_equal(r[5].size, 0xc0000000ull);
        assert_int_equal(r[5].offset, 0x80000000ull);
        free(r);
}

static void test_mtree_real_booted_smm_first(void **state) {
        struct qemu_ram_region *r = NULL;
        size_t n = 0;
        assert_int_equal(qemu_parse_mtree(mtree_booted_3g, NULL, &r, &n), 0);
        /* Only the view of "memory" (#2), not the identical-looking SMM view (#0). */
        assert_int_equal(n, 7);
        assert_true(r[1].rom);
        assert_string_equal(r[1].owner, "mem");
        assert_int_equal(r[1].offset, 0xc3000);
        assert_int_equal(r[6].gpa, 0x100000000ull);
        assert_int_equal(r[6].size, 0x40000000ull);
        free(r);
}

static void test_mtree_kvm_suffix_and_old_format(void **state) {
        static const char kvm[] =
                "FlatView #0\n AS \"memory\", root: system\n Root memory region: system\n"
                "  0000000000000000-000000000009ffff (prio 0, ram): mem KVM\n"
                "  0000000100000000-000000017fffffff (prio 0, ram): mem @0000000080000000 KVM\n"
                "  00000000fd000000-00000000fdffffff (prio 1, ramd): vfio-bar KVM\n"
                "  00000000fe000000-00000000fe003fff (prio 1, nv-ram): pmem\n";
        struct qemu_ram_region *r = NULL;
        size_t n = 0;
        assert_int_equal(qemu_parse_mtree(kvm, NULL, &r, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(r[0].owner, "mem");
        assert_string_equal(r[1].owner, "mem");
        assert_int_equal(r[1].offset, 0x80000000ull);
        assert_int_equal(r[1].size, 0x80000000ull);
        free(r);
        static const char old[] =
                "address-space (flat view): I/O\n  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n"
                "address-space (flat view): memory\n  0000000000000000-000000000009ffff (prio 0, ram): pc.ram\n";
        assert_int_equal(qemu_parse_mtree(old, NULL, &r, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(r[0].owner, "pc.ram");
        free(r);
}

static void test_mtree_malformed(void **state) {
        struct qemu_ram_region *r = (struct qemu_ram_region *)0x1;
        size_t n = 99;
        hvs_diag d = { 0 };
        assert_int_equal(qemu_parse_mtree("unknown command: 'info'\r\n", &d, &r, &n), -EBADMSG);
        assert_non_null(strstr(d.msg, "no flat view"));
        assert_int_equal(qemu_parse_mtree("FlatView #0\n AS \"memory\", root: system\n"
                                          "  0000000000000000-zz (prio 0, ram): mem\n", &d, &r, &n), -EBADMSG);
        assert_non_null(strstr(d.msg, "line 3"));
        assert_int_equal(qemu_parse_mtree("FlatView #0\n AS \"memory\", root: system\n"
                                          "  00000000000fffff-0000000000000000 (prio 0, ram): mem\n", &d, &r, &n), -EBADMSG);
        assert_int_equal(qemu_parse_mtree("FlatView #0\n AS \"memory\", root: system\n"
                                          "  0000000000000000-ffffffffffffffff (prio 0, ram): mem\n", &d, &r, &n), -EBADMSG);
        assert_int_equal(qemu_parse_mtree("FlatView #0\n AS \"memory\", root: system\n"
                                          "  0000000000000000-0000000000000fff (prio 0, ram): mem @zz\n", &d, &r, &n), -EBADMSG);
        assert_int_equal(qemu_parse_mtree("FlatView #0\n AS \"memory\", root: system\n"
                                          "  00000000000000000-0000000000000fff (prio 0, ram): mem\n", &d, &r, &n), -EBADMSG);
        assert_ptr_equal(r, (struct qemu_ram_region *)0x1);
        assert_int_equal(n, 99);
}

static void test_mtree_range_limit(void **state) {
        size_t cap = (HVS_MAX_MEM_RANGES + 1) * 80 + 100;
        char *t = malloc(cap);
        assert_non_null(t);
        size_t len = (size_t)snprintf(t, cap, "FlatView #0\n AS \"memory\", root: system\n");
        for (unsigned i = 0; i <= HVS_MAX_MEM_RANGES; i++)
                len += (size_t)snprintf(t + len, cap - len, "  %016x-%016x (prio 0, ram): mem\n", i * 0x2000, i * 0x2000 + 0xfff);
        struct qemu_ram_region *r = NULL;
        size_t n = 0;
        hvs_diag d = { 0 };
        assert_int_equal(qemu_parse_mtree(t, &d, &r, &n), -E2BIG);
        free(t);
}

/* QEMU 7.2 "info registers -a" at reset (-S): 32-bit form. */
static const char regs_reset[] =
        "\r\n"
        "CPU#0\r\n"
        "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1\r\n"
        "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\r\n"
        "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n"
        "ES =0000 00000000 0000ffff 00009300\r\n"
        "CS =f000 ffff0000 0000ffff 00009b00\r\n"
        "SS =0000 00000000 0000ffff 00009300\r\n"
        "DS =0000 00000000 0000ffff 00009300\r\n"
        "FS =0000 00000000 0000ffff 00009300\r\n"
        "GS =0000 00000000 0000ffff 00009300\r\n"
        "LDT=0000 00000000 0000ffff 00008200\r\n"
        "TR =0000 00000000 0000ffff 00008b00\r\n"
        "GDT=     00000000 0000ffff\r\n"
        "IDT=     00000000 0000ffff\r\n"
        "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\r\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\r\n"
        "EFER=0000000000000000\r\n"
        "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\r\n"
        "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000\r\n"
        "XMM00=0000000000000000 0000000000000000 XMM01=0000000000000000 0000000000000000\r\n";

/* QEMU 7.2, Linux 6.1 idle, -smp 2 -cpu max (LA57 on): long-mode form (trimmed after YMM01). */
static const char regs_long_2cpu[] =
        "\r\n"
        "CPU#0\r\n"
        "RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000001 RDX=4000000000000000\r\n"
        "RSI=0000000000000083 RDI=0000000000009fcc RBP=ffffffff82a1aa40 RSP=ffffffff82a03e98\r\n"
        "R8 =0000000000000000 R9 =00000000313b0ff8 R10=0000000000000000 R11=0000000000000001\r\n"
        "R12=0000000000000000 R13=0000000000000000 R14=0000000000000000 R15=0000000000000000\r\n"
        "RIP=ffffffff81a592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
        "ES =0000 0000000000000000 00000000 00000000\r\n"
        "CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\r\n"
        "SS =0018 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\r\n"
        "DS =0000 0000000000000000 00000000 00000000\r\n"
        "FS =0000 0000000000000000 00000000 00000000\r\n"
        "GS =0000 ffff88813cc00000 00000000 00000000\r\n"
        "LDT=0000 0000000000000000 00000000 00008200 DPL=0 LDT\r\n"
        "TR =0040 fffffe0000003000 00004087 00008900 DPL=0 TSS64-avl\r\n"
        "GDT=     fffffe0000001000 0000007f\r\n"
        "IDT=     fffffe0000000000 00000fff\r\n"
        "CR0=80050033 CR2=000000000042ee70 CR3=0000000002a10000 CR4=00750ef0\r\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\r\n"
        "EFER=0000000000000d01\r\n"
        "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\r\n"
        "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000\r\n"
        "YMM00=0000000000000000 0000000000000000 00000000005e2343 00000000005e2343\r\n"
        "YMM01=0000000000000000 0000000000000000 ffffffffffffffff ffffffffffffffff\r\n"
        "\r\n"
        "CPU#1\r\n"
        "RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000001 RDX=4000000000000000\r\n"
        "RSI=0000000000000083 RDI=0000000000008c74 RBP=ffff888100282100 RSP=ffffc9000009bed8\r\n"
        "R8 =0000000000000000 R9 =00000000313b0ff8 R10=00000000fffffffb R11=0000000000000001\r\n"
        "R12=0000000000000001 R13=0000000000000000 R14=0000000000000000 R15=0000000000000000\r\n"
        "RIP=ffffffff81a592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
        "ES =0000 0000000000000000 00000000 00000000\r\n"
        "CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\r\n"
        "SS =0018 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\r\n"
        "DS =0000 0000000000000000 00000000 00000000\r\n"
        "FS =0000 0000000000000000 00000000 00000000\r\n"
        "GS =0000 ffff88813cd00000 00000000 00000000\r\n"
        "LDT=0000 0000000000000000 00000000 00008200 DPL=0 LDT\r\n"
        "TR =0040 fffffe000003e000 00004087 00008900 DPL=0 TSS64-avl\r\n"
        "GDT=     fffffe000003c000 0000007f\r\n"
        "IDT=     fffffe0000000000 00000fff\r\n"
        "CR0=80050033 CR2=000000003b1eb398 CR3=0000000100a2a000 CR4=00750ee0\r\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\r\n"
        "EFER=0000000000000d01\r\n";

#define ALL_LIVE (HVS_REG_GPR | HVS_REG_CR | HVS_REG_EFER | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CPL)

static void test_registers_real_reset_32bit(void **state) {
        hvs_vcpu_regs *v = NULL;
        size_t n = 0;
        assert_int_equal(qemu_parse_registers(regs_reset, NULL, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(v[0].cpu, 0);
        assert_int_equal(v[0].valid, ALL_LIVE);
        assert_int_equal(v[0].rdx, 0x60fb1);
        assert_int_equal(v[0].rip, 0xfff0);
        assert_int_equal(v[0].rflags, 2);
        assert_int_equal(v[0].cr0, 0x60000010);
        assert_int_equal(v[0].idt_limit, 0xffff);
        assert_int_equal(v[0].r8, 0);
        free(v);
}

static void test_registers_real_long_mode_2cpu(void **state) {
        hvs_vcpu_regs *v = NULL;
        size_t n = 0;
        assert_int_equal(qemu_parse_registers(regs_long_2cpu, NULL, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(v[0].valid, ALL_LIVE);
        assert_false(v[0].valid & HVS_REG_KGS);
        assert_int_equal(v[0].rax, 0x1ad40);
        assert_int_equal(v[0].rdx, 0x4000000000000000ull);
        assert_int_equal(v[0].rbp, 0xffffffff82a1aa40ull);
        assert_int_equal(v[0].rsp, 0xffffffff82a03e98ull);
        assert_int_equal(v[0].r9, 0x313b0ff8);
        assert_int_equal(v[0].r11, 1);
        assert_int_equal(v[0].rip, 0xffffffff81a592ebull);
        assert_int_equal(v[0].rflags, 0x246);
        assert_int_equal(v[0].gs_base, 0xffff88813cc00000ull);
        assert_int_equal(v[0].fs_base, 0);
        assert_int_equal(v[0].gdt_base, 0xfffffe0000001000ull);
        assert_int_equal(v[0].gdt_limit, 0x7f);
        assert_int_equal(v[0].idt_base, 0xfffffe0000000000ull);
        assert_int_equal(v[0].idt_limit, 0xfff);
        assert_int_equal(v[0].cr2, 0x42ee70);
        assert_int_equal(v[0].cr3, 0x2a10000);
        assert_int_equal(v[0].cr4, 0x750ef0);
        assert_false(v[0].cr4 & HVS_CR4_LA57);  /* this boot (vmlinux via PVH) stayed on 4 levels */
        assert_int_equal(v[0].efer, 0xd01);
        assert_int_equal(v[1].cpu, 1);
        assert_int_equal(v[1].r10, 0xfffffffb);
        assert_int_equal(v[1].r12, 1);
        assert_int_equal(v[1].cr3, 0x100a2a000ull);
        assert_int_equal(v[1].gs_base, 0xffff88813cd00000ull);
        free(v);
}

static void test_registers_headerless_and_partial(void **state) {
        /* "info registers" of an old QEMU: no CPU# header. */
        const char *t = strstr(regs_reset, "EAX=");
        hvs_vcpu_regs *v = NULL;
        size_t n = 0;
        assert_int_equal(qemu_parse_registers(t, NULL, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(v[0].cpu, 0);
        free(v);
        /* A block without CR lines: GPR known, CR not. */
        assert_int_equal(qemu_parse_registers("CPU#3\nRAX=1 RBX=2 RCX=3 RDX=4\nRSI=5 RDI=6 RBP=7 RSP=8\n"
                                              "RIP=9 RFL=2 [---] CPL=3\n", NULL, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(v[0].cpu, 3);
        assert_int_equal(v[0].valid, HVS_REG_GPR | HVS_REG_CPL);
        assert_int_equal(v[0].cpl, 3);
        free(v);
}

static void test_registers_malformed(void **state) {
        hvs_vcpu_regs *v = (hvs_vcpu_regs *)0x1;
        size_t n = 5;
        hvs_diag d = { 0 };
        assert_int_equal(qemu_parse_registers("unknown command: 'bogus'\r\n", &d, &v, &n), -EBADMSG);
        assert_non_null(strstr(d.msg, "no cpu state"));
        assert_int_equal(qemu_parse_registers("", &d, &v, &n), -EBADMSG);
        assert_int_equal(qemu_parse_registers("CPU#0\nRIP=xyz\n", &d, &v, &n), -EBADMSG);
        assert_int_equal(qemu_parse_registers("CPU#0\nRIP=00000000000000001\n", &d, &v, &n), -EBADMSG);
        assert_int_equal(qemu_parse_registers("CPU#0\nRIP=1 CPL=7\n", &d, &v, &n), -EBADMSG);
        assert_int_equal(qemu_parse_registers("CPU#x\nRIP=1\n", &d, &v, &n), -EBADMSG);
        assert_int_equal(qemu_parse_registers("CPU#0\nRIP=1\nFS =zz\n", &d, &v, &n), -EBADMSG);
        assert_int_equal(qemu_parse_registers("CPU#0\nRIP=1\nGDT=     1\n", &d, &v, &n), -EBADMSG);
        assert_ptr_equal(v, (hvs_vcpu_regs *)0x1);
        assert_int_equal(n, 5);
}

static void test_registers_cpu_limit(void **state) {
        size_t cap = (HVS_MAX_VCPUS + 1) * 20 + 16;
        char *t = malloc(cap);
        assert_non_null(t);
        size_t len = 0;
        for (unsigned i = 0; i <= HVS_MAX_VCPUS; i++)
                len += (size_t)snprintf(t + len, cap - len, "CPU#%u\nRIP=1\n", i);
        hvs_vcpu_regs *v = NULL;
        size_t n = 0;
        assert_int_equal(qemu_parse_registers(t, NULL, &v, &n), -E2BIG);
        free(t);
}

#define CMDLINE(s) s, sizeof(s) - 1

static void free_paths(char **p, int n) {
        for (int i = 0; i < n; i++)
                free(p[i]);
}

static void test_cmdline_qmp_forms(void **state) {
        char *p[8];
        int n = qemu_find_qmp_sockets(CMDLINE("qemu-system-x86_64\0-S\0-qmp\0unix:/run/a.sock,server=on,wait=off\0"
                                              "--qmp\0unix:rel/b.sock\0-qmp\0tcp:127.0.0.1:4444,server\0"
                                              "-qmp-pretty\0unix:/run/c,,d.sock,server\0-qmp\0unix:/run/a.sock\0"
                                              "-qmp\0unix:\0"), "/home/vm", p, 8);
        assert_int_equal(n, 3);
        assert_string_equal(p[0], "/run/a.sock");
        assert_string_equal(p[1], "/home/vm/rel/b.sock");
        assert_string_equal(p[2], "/run/c,d.sock");
        free_paths(p, n);
}

static void test_cmdline_chardev_mon(void **state) {
        char *p[8];
        int n = qemu_find_qmp_sockets(CMDLINE("qemu\0-chardev\0socket,id=hmp,path=/run/hmp.sock,server=on\0"
                                              "-mon\0chardev=hmp,mode=readline\0"
                                              "-chardev\0socket,path=/run/q,,x.sock,server=on,id=charmonitor,wait=off\0"
                                              "-mon\0chardev=charmonitor,id=monitor,mode=control\0"
                                              "-chardev\0socket,id=libvirt,fd=23,server=on\0"
                                              "-mon\0chardev=libvirt,mode=control\0"
                                              "-name\0vm1"), NULL, p, 8);
        assert_int_equal(n, 1);
        assert_string_equal(p[0], "/run/q,x.sock");
        free_paths(p, n);
        n = qemu_find_qmp_sockets(CMDLINE("qemu\0-monitor\0unix:/run/hmp,server\0-m\0512"), NULL, p, 8);
        assert_int_equal(n, 0);
        n = qemu_find_qmp_sockets(CMDLINE("qemu\0-qmp"), NULL, p, 8);      /* option without value */
        assert_int_equal(n, 0);
        n = qemu_find_qmp_sockets("", 0, NULL, p, 8);
        assert_int_equal(n, 0);
        /* At most @max. */
        n = qemu_find_qmp_sockets(CMDLINE("q\0-qmp\0unix:/a\0-qmp\0unix:/b\0-qmp\0unix:/c"), NULL, p, 2);
        assert_int_equal(n, 2);
        free_paths(p, n);
}

/* ================================================================ live backend vs a fake QEMU */

struct fake_vm {
        char dir[64];
        char ram[128];
        const char *machine_backend;    /* NULL: the property does not exist */
        const char *be_type;
        bool share;
        int64_t size;
        char mem_path[160];
        const char *mtree;
        const char *regs;
        bool running;
        int stops, conts;
        bool kvm;
        const char *name;
};

#define FAKE_RAM_SIZE 0x300000u

static const char fake_mtree[] =
        "FlatView #0\n"
        " AS \"cpu-smm-0\", root: memory\n"
        " Root memory region: memory\n"
        "  0000000000000000-00000000000fffff (prio 0, ram): mem KVM\n"
        "\n"
        "FlatView #1\n"
        " AS \"memory\", root: system\n"
        " AS \"cpu-memory-0\", root: system\n"
        " Root memory region: system\n"
        "  0000000000000000-000000000009ffff (prio 0, ram): mem KVM\n"
        "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom KVM\n"
        "  00000000000e0000-00000000000fffff (prio 0, rom): mem @00000000000e0000 KVM\n"
        "  0000000000100000-00000000001fffff (prio 0, ram): mem @0000000000100000 KVM\n"
        "  00000000fd000000-00000000fdffffff (prio 1, ram): vga.vram KVM\n"
        "  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\n"
        "  0000000100000000-00000001000fffff (prio 0, ram): mem @0000000000200000 KVM\n";

static void h_vm(struct fake *f, const char *cmd, json_object *args, json_object *id) {
        struct fake_vm *vm = f->ud;
        json_object *jp = NULL, *jprop = NULL, *jcl = NULL;
        const char *path = "", *prop = "", *cl = "";
        if (args) {
                if (json_object_object_get_ex(args, "path", &jp))
                        path = json_object_get_string(jp);
                if (json_object_object_get_ex(args, "property", &jprop))
                        prop = json_object_get_string(jprop);
                if (json_object_object_get_ex(args, "command-line", &jcl))
                        cl = json_object_get_string(jcl);
        }
        if (strcmp(cmd, "qom-get") == 0 && strcmp(path, "/machine") == 0 && strcmp(prop, "memory-backend") == 0) {
                if (vm->machine_backend)
                        srv_reply(f, id, "{\"return\": \"%s\"}", vm->machine_backend);
                else
                        srv_reply(f, id, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Property 'pc-i440fx-2.9-machine.memory-backend' not found\"}}");
        } else if (strcmp(cmd, "qom-get") == 0 && strcmp(path, "/objects/mem") == 0) {
                if (strcmp(prop, "type") == 0)
                        srv_reply(f, id, "{\"return\": \"%s\"}", vm->be_type);
                else if (strcmp(prop, "share") == 0)
                        srv_reply(f, id, "{\"return\": %s}", vm->share ? "true" : "false");
                else if (strcmp(prop, "size") == 0)
                        srv_reply(f, id, "{\"return\": %lld}", (long long)vm->size);
                else if (strcmp(prop, "mem-path") == 0)
                        srv_reply(f, id, "{\"return\": \"%s\"}", vm->mem_path);
                else
                        srv_reply(f, id, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no %s\"}}", prop);
        } else if (strcmp(cmd, "qom-get") == 0) {
                srv_reply(f, id, "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device '%s' not found\"}}", path);
        } else if (strcmp(cmd, "qom-list") == 0 && strcmp(path, "/objects") == 0) {
                srv_reply(f, id, "{\"return\": [{\"name\": \"type\", \"type\": \"string\"}, "
                                 "{\"name\": \"io0\", \"type\": \"child<iothread>\"}, "
                                 "{\"name\": \"mem\", \"type\": \"child<%s>\"}]}", vm->be_type);
        } else if (strcmp(cmd, "human-monitor-command") == 0 && strcmp(cl, "info mtree -f") == 0) {
                srv_return_string(f, id, vm->mtree);
        } else if (strcmp(cmd, "human-monitor-command") == 0 && (strcmp(cl, "info registers -a") == 0 || strcmp(cl, "info registers") == 0)) {
                srv_return_string(f, id, vm->regs);
        } else if (strcmp(cmd, "query-kvm") == 0) {
                srv_reply(f, id, "{\"return\": {\"enabled\": %s, \"present\": true}}", vm->kvm ? "true" : "false");
        } else if (strcmp(cmd, "query-name") == 0) {
                if (vm->name)
                        srv_reply(f, id, "{\"return\": {\"name\": \"%s\"}}", vm->name);
                else
                        srv_reply(f, id, "{\"return\": {}}");
        } else if (strcmp(cmd, "query-status") == 0) {
                srv_reply(f, id, "{\"return\": {\"status\": \"%s\", \"singlestep\": false, \"running\": %s}}",
                          vm->running ? "running" : "paused", vm->running ? "true" : "false");
        } else if (strcmp(cmd, "stop") == 0) {
                vm->running = false;
                vm->stops++;
                srv_raw(f, EV_STOP);
                srv_reply(f, id, "{\"return\": {}}");
        } else if (strcmp(cmd, "cont") == 0) {
                vm->running = true;
                vm->conts++;
                srv_raw(f, EV_RESUME);
                srv_reply(f, id, "{\"return\": {}}");
        } else {
                srv_reply(f, id, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command %s has not been found\"}}", cmd);
        }
}

static uint8_t ram_byte(uint64_t off) { return (uint8_t)(off * 31 + (off >> 12)); }

static int vm_setup(void **state) {
        struct fake_vm *vm = calloc(1, sizeof *vm);
        if (!vm)
                return -1;
        strcpy(vm->dir, "/tmp/hvs-test-vm.XXXXXX");
        if (!mkdtemp(vm->dir))
                return -1;
        snprintf(vm->ram, sizeof vm->ram, "%s/guest.ram", vm->dir);
        uint8_t *b = malloc(FAKE_RAM_SIZE);
        for (uint64_t i = 0; i < FAKE_RAM_SIZE; i++)
                b[i] = ram_byte(i);
        FILE *f = fopen(vm->ram, "wb");
        if (!f || fwrite(b, 1, FAKE_RAM_SIZE, f) != FAKE_RAM_SIZE)
                return -1;
        fclose(f);
        free(b);
        vm->machine_backend = "/objects/mem";
        vm->be_type = "memory-backend-file";
        vm->share = true;
        vm->size = FAKE_RAM_SIZE;
        strcpy(vm->mem_path, vm->ram);
        vm->mtree = fake_mtree;
        vm->regs = regs_long_2cpu;
        vm->running = true;
        vm->kvm = true;
        vm->name = "guest-1";
        *state = vm;
        return 0;
}

static int vm_teardown(void **state) {
        struct fake_vm *vm = *state;
        unlink(vm->ram);
        char sub[128];
        snprintf(sub, sizeof sub, "%s/sub", vm->dir);
        rmdir(sub);
        rmdir(vm->dir);
        free(vm);
        return 0;
}

static int open_vm(struct fake_vm *vm, struct fake **ret_f, hvs_diag *d, hvs_mem **m) {
        *ret_f = fake_new(h_vm, GREET_OK, vm);
        return hvs_mem_open_qemu((*ret_f)->path, &HVS_OPTS(hvs_mem_qemu_opts, .timeout_ms = 2000), d, m);
}

static void expect_ram(hvs_mem *m, uint64_t gpa, uint64_t off, size_t n) {
        uint8_t buf[64];
        assert_true(n <= sizeof buf);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(gpa), buf, n), 0);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(buf[i], ram_byte(off + i));
}

static void test_qemu_backend_layout(void **state) {
        struct fake_vm *vm = *state;
        struct fake *f;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(open_vm(vm, &f, &d, &m), 0);
        size_t n;
        const hvs_mem_range *r = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 4);
        assert_int_equal(r[0].gpa, 0);
        assert_int_equal(r[0].size, 0xa0000);
        assert_int_equal(r[1].gpa, 0xe0000);            /* PAM-shadowed RAM ("rom" of mem) */
        assert_int_equal(r[2].gpa, 0x100000);
        assert_int_equal(r[3].gpa, 0x100000000ull);
        assert_int_equal(r[3].size, 0x100000);
        expect_ram(m, 0x100000000ull, 0x200000, 64);    /* the @offset is the file offset */
        expect_ram(m, 0x1000ff000ull, 0x2ff000, 16);
        expect_ram(m, 0xfffe0, 0xfffe0, 64);            /* across the rom/ram boundary */
        uint8_t b[8];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0xc0000), b, 8), -EFAULT);     /* pc.rom: firmware */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0xfd000000), b, 8), -EFAULT);  /* vga.vram: not ours */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x200000), b, 8), -EFAULT);
        const hvs_mem_info *info = hvs_mem_get_info(m);
        assert_int_equal(info->kind, HVS_MEM_QEMU);
        assert_string_equal(info->source, vm->ram);
        assert_string_equal(info->control, f->path);
        assert_string_equal(info->accel, "kvm");
        assert_string_equal(info->vm_name, "guest-1");
        assert_int_equal(info->qemu_pid, getpid());
        hvs_mem_close(m);
        fake_free(f);
}

static void test_qemu_backend_sees_live_writes(void **state) {
        struct fake_vm *vm = *state;
        struct fake *f;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(open_vm(vm, &f, &d, &m), 0);
        int fd = open(vm->ram, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "LIVE", 4, 0x200010), 4);
        close(fd);
        char b[4];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x100000010ull), b, 4), 0);
        assert_memory_equal(b, "LIVE", 4);
        hvs_mem_close(m);
        fake_free(f);
}

static void test_qemu_backend_registers(void **state) {
        struct fake_vm *vm = *state;
        struct fake *f;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(open_vm(vm, &f, &d, &m), 0);
        const hvs_vcpu_regs *v;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(v[1].cr3, 0x100a2a000ull);
        /* Asked again each time. */
        vm->regs = regs_reset;
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(v[0].rip, 0xfff0);
        vm->regs = "unknown command: 'info'\r\n";
        assert_int_equal(hvs_mem_vcpus(m, &v, &n), -EBADMSG);
        assert_non_null(strstr(hvs_mem_errmsg(m), "no cpu state"));
        hvs_mem_close(m);
        fake_free(f);
}

static void test_qemu_backend_pause_resume(void **state) {
        struct fake_vm *vm = *state;
        struct fake *f;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(open_vm(vm, &f, &d, &m), 0);
        assert_int_equal(hvs_mem_pause(m), 0);
        assert_false(vm->running);
        assert_int_equal(hvs_mem_pause(m), 0);          /* already paused (by us): no second stop */
        assert_int_equal(vm->stops, 1);
        assert_int_equal(hvs_mem_resume(m), 0);
        assert_true(vm->running);
        assert_int_equal(hvs_mem_resume(m), 0);         /* nothing to resume */
        assert_int_equal(vm->conts, 1);
        /* Paused by someone else: we neither stop nor continue it. */
        vm->running = false;
        assert_int_equal(hvs_mem_pause(m), 0);
        assert_int_equal(hvs_mem_resume(m), 0);
        assert_false(vm->running);
        assert_int_equal(vm->stops, 1);
        assert_int_equal(vm->conts, 1);
        /* Close resumes what this handle paused. */
        vm->running = true;
        assert_int_equal(hvs_mem_pause(m), 0);
        assert_false(vm->running);
        hvs_mem_close(m);
        fake_free(f);   /* joins the server: the cont has been handled */
        assert_true(vm->running);
        assert_int_equal(vm->conts, 2);
}

static void test_qemu_backend_without_machine_property(void **state) {
        struct fake_vm *vm = *state;
        vm->machine_backend = NULL;     /* older machine types: find it via qom-list /objects */
        vm->kvm = false;
        vm->name = NULL;
        struct fake *f;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(open_vm(vm, &f, &d, &m), 0);
        assert_true(logged(f, "qom-list"));
        expect_ram(m, 0x100000000ull, 0x200000, 8);
        assert_string_equal(hvs_mem_get_info(m)->accel, "tcg");
        assert_string_equal(hvs_mem_get_info(m)->vm_name, "");
        hvs_mem_close(m);
        fake_free(f);
}

static void expect_open_fails(struct fake_vm *vm, int err, const char *needle) {
        struct fake *f;
        hvs_diag d = { 0 };
        hvs_mem *m = (hvs_mem *)0x1;
        assert_int_equal(open_vm(vm, &f, &d, &m), err);
        assert_ptr_equal(m, (hvs_mem *)0x1);
        if (needle && !strstr(d.msg, needle))
                fail_msg("diag '%s' lacks '%s'", d.msg, needle);
        fake_free(f);
}

static void test_qemu_backend_not_shared(void **state) {
        struct fake_vm *vm = *state;
        vm->share = false;
        expect_open_fails(vm, -EOPNOTSUPP, "share=on");
}

static void test_qemu_backend_ram_object(void **state) {
        struct fake_vm *vm = *state;
        vm->be_type = "memory-backend-ram";
        expect_open_fails(vm, -EOPNOTSUPP, "memory-backend-file,id=mem");
}

static void test_qemu_backend_legacy_ram(void **state) {
        struct fake_vm *vm = *state;
        /* -m 512 without a backend object: RAM is "pc.ram", QEMU's private anonymous memory. */
        vm->machine_backend = "";
        vm->mtree = "FlatView #0\n AS \"memory\", root: system\n"
                    "  0000000000000000-000000000009ffff (prio 0, ram): pc.ram\n"
                    "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\n";
        vm->be_type = "iothread";       /* qom-list has no memory backend */
        expect_open_fails(vm, -EOPNOTSUPP, "guest RAM ('pc.ram') is not in a shared memory-backend-file");
}

static void test_qemu_backend_range_beyond_file(void **state) {
        struct fake_vm *vm = *state;
        vm->mtree = "FlatView #0\n AS \"memory\", root: system\n"
                    "  0000000100000000-00000001001fffff (prio 0, ram): mem @0000000000200000\n";
        expect_open_fails(vm, -EBADMSG, "lies beyond");
}

static void test_qemu_backend_file_smaller_than_backend(void **state) {
        struct fake_vm *vm = *state;
        vm->size = FAKE_RAM_SIZE * 2;
        expect_open_fails(vm, -EBADMSG, "less than the backend size");
}

static void test_qemu_backend_mem_path_problems(void **state) {
        struct fake_vm *vm = *state;
        snprintf(vm->mem_path, sizeof vm->mem_path, "%s/sub", vm->dir);
        mkdir(vm->mem_path, 0700);
        expect_open_fails(vm, -EOPNOTSUPP, "is a directory");
        snprintf(vm->mem_path, sizeof vm->mem_path, "%s/gone.ram", vm->dir);
        expect_open_fails(vm, -ENOENT, "gone.ram");
}

static void test_qemu_backend_bad_opts(void **state) {
        struct {
                hvs_mem_qemu_opts o;
                uint64_t future;
        } big = { .o = { .sz = sizeof big }, .future = 1 };
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_qemu("/nonexistent", &big.o, &d, &m), -EINVAL);
        assert_non_null(strstr(d.msg, "unknown non-zero"));
        big.future = 0;         /* a newer caller with zeroed new fields is fine */
        assert_int_equal(hvs_mem_open_qemu("/nonexistent.sock", &big.o, &d, &m), -ENOENT);
        hvs_mem_qemu_opts bad = { .sz = 1 };
        assert_int_equal(hvs_mem_open_qemu("/x", &bad, &d, &m), -EINVAL);
        hvs_mem_qemu_opts neg = HVS_OPTS(hvs_mem_qemu_opts, .timeout_ms = -1);
        assert_int_equal(hvs_mem_open_qemu("/x", &neg, &d, &m), -EINVAL);
        assert_null(m);
}

static void test_qemu_pid_errors(void **state) {
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        /* PIDs above pid_max cannot exist. */
        assert_int_equal(hvs_mem_open_qemu_pid(INT_MAX, NULL, &d, &m), -ESRCH);
        assert_non_null(strstr(d.msg, "no process"));
        /* This test program has no -qmp on its command line. */
        assert_int_equal(hvs_mem_open_qemu_pid(getpid(), NULL, &d, &m), -ENOENT);
        assert_non_null(strstr(d.msg, "no QMP unix socket"));
        assert_int_equal(hvs_mem_open_qemu_pid(0, NULL, &d, &m), -EINVAL);
        assert_null(m);
}

static void test_qemu_backend_alloc_failures(void **state) {
        struct fake_vm *vm = *state;
        for (unsigned k = 0;; k++) {
                struct fake *f = fake_new(h_vm, GREET_OK, vm);
                hvs_mem *m = NULL;
                hvs_test_fail_alloc_after(k);
                int e = hvs_mem_open_qemu(f->path, NULL, NULL, &m);
                hvs_test_fail_alloc_after(UINT_MAX);
                hvs_mem_close(m);
                fake_free(f);
                if (e == 0)
                        break;
                assert_int_equal(e, -ENOMEM);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_qmp_open_and_execute),
                cmocka_unit_test(test_qmp_events_before_return_are_kept),
                cmocka_unit_test(test_qmp_event_ring_keeps_last),
                cmocka_unit_test(test_qmp_wait_event),
                cmocka_unit_test(test_qmp_error_reply_desc_in_diag),
                cmocka_unit_test(test_qmp_oversize_reply),
                cmocka_unit_test(test_qmp_server_hangs_timeout),
                cmocka_unit_test(test_qmp_late_reply_is_dropped),
                cmocka_unit_test(test_qmp_server_closes),
                cmocka_unit_test(test_qmp_garbage_and_odd_replies),
                cmocka_unit_test(test_qmp_split_pretty_reply),
                cmocka_unit_test(test_qmp_hmp_text),
                cmocka_unit_test(test_qmp_greeting_problems),
                cmocka_unit_test(test_qmp_connect_errors),
                cmocka_unit_test(test_mtree_real_reset_5g),
                cmocka_unit_test(test_mtree_real_booted_smm_first),
                cmocka_unit_test(test_mtree_kvm_suffix_and_old_format),
                cmocka_unit_test(test_mtree_malformed),
                cmocka_unit_test(test_mtree_range_limit),
                cmocka_unit_test(test_registers_real_reset_32bit),
                cmocka_unit_test(test_registers_real_long_mode_2cpu),
                cmocka_unit_test(test_registers_headerless_and_partial),
                cmocka_unit_test(test_registers_malformed),
                cmocka_unit_test(test_registers_cpu_limit),
                cmocka_unit_test(test_cmdline_qmp_forms),
                cmocka_unit_test(test_cmdline_chardev_mon),
                cmocka_unit_test_setup_teardown(test_qemu_backend_layout, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_sees_live_writes, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_registers, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_pause_resume, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_without_machine_property, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_not_shared, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_ram_object, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_legacy_ram, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_range_beyond_file, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_file_smaller_than_backend, vm_setup, vm_teardown),
                cmocka_unit_test_setup_teardown(test_qemu_backend_mem_path_problems, vm_setup, vm_teardown),
                cmocka_unit_test(test_qemu_backend_bad_opts),
                cmocka_unit_test(test_qemu_pid_errors),
                cmocka_unit_test_setup_teardown(test_qemu_backend_alloc_failures, vm_setup, vm_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
