/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp.c - QMP client (contract in qmp.h).
 *
 * Framing: QEMU writes each message as one JSON object (followed by CRLF,
 * or spread over lines with pretty=on). Rather than relying on line breaks,
 * bytes are fed to json-c's incremental tokener, which says where an object
 * ends; the bytes fed to one message are counted so a hostile or broken peer
 * cannot make us buffer more than HVS_MAX_QMP_REPLY.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "util/util.h"
#include <hvscope/limits.h>
#include "mem/qmp.h"

#define QMP_READ_CHUNK 65536u

struct qmp {
        int fd;
        int timeout_ms;
        pid_t pid;
        bool broken;                    /* stream out of sync: every call fails */
        char broken_why[128];
        uint64_t next_id;
        json_tokener *tok;
        size_t msg_bytes;               /* bytes fed to the message being parsed */
        size_t roff, rlen;              /* unparsed bytes in rbuf */
        json_object *greeting;
        uint64_t n_events;              /* events seen; ring slot = (seq-1) % RING */
        struct qmp_event ring[QMP_EVENT_RING];
        char path[4096];
        uint8_t rbuf[QMP_READ_CHUNK];
};

static uint64_t deadline_after(int timeout_ms) {
        return hvs_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* Milliseconds left until @deadline, rounded up; 0 when it has passed. */
static int ms_left(uint64_t deadline) {
        uint64_t now = hvs_now_ns();
        if (now >= deadline)
                return 0;
        uint64_t ms = (deadline - now + 999999u) / 1000000u;
        return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int mark_broken(qmp *q, int err, const char *why) {
        q->broken = true;
        hvs_strlcpy(q->broken_why, why, sizeof q->broken_why);
        return err;
}

static int check_usable(qmp *q, hvs_diag *diag) {
        if (q->broken)
                return HVS_DIAG(diag, -EIO, "qmp connection to '%s' is unusable: %s", q->path, q->broken_why);
        return 0;
}

/* Read the next complete JSON message; @what names the wait for messages. */
static int read_message(qmp *q, uint64_t deadline, const char *what, hvs_diag *diag, json_object **ret) {
        int r = check_usable(q, diag);
        if (r < 0)
                return r;
        for (;;) {
                if (q->rlen > 0) {
                        const char *p = (const char *)q->rbuf + q->roff;
                        json_object *o = json_tokener_parse_ex(q->tok, p, (int)q->rlen);
                        enum json_tokener_error je = json_tokener_get_error(q->tok);
                        if (je == json_tokener_continue) {
                                q->msg_bytes += q->rlen;
                                q->roff = q->rlen = 0;
                                if (q->msg_bytes > HVS_MAX_QMP_REPLY) {
                                        mark_broken(q, -E2BIG, "a message exceeded HVS_MAX_QMP_REPLY");
                                        return HVS_DIAG(diag, -E2BIG, "qmp %s: message exceeds %u bytes", what,
                                                        HVS_MAX_QMP_REPLY);
                                }
                                continue;
                        }
                        if (je != json_tokener_success) {
                                mark_broken(q, -EBADMSG, "qemu sent bytes that are not JSON");
                                return HVS_BADMSG(diag, "qmp %s: qemu sent bytes that are not JSON (%s)", what,
                                                  json_tokener_error_desc(je));
                        }
                        size_t used = json_tokener_get_parse_end(q->tok);
                        if (used > q->rlen)     /* defensive: json-c never reports more */
                                used = q->rlen;
                        q->msg_bytes += used;
                        q->roff += used;
                        q->rlen -= used;
                        json_tokener_reset(q->tok);
                        size_t total = q->msg_bytes;
                        q->msg_bytes = 0;
                        if (total > HVS_MAX_QMP_REPLY) {
                                json_object_put(o);
                                mark_broken(q, -E2BIG, "a message exceeded HVS_MAX_QMP_REPLY");
                                return HVS_DIAG(diag, -E2BIG, "qmp %s: message of %zu bytes exceeds %u", what,
                                                total, HVS_MAX_QMP_REPLY);
                        }
                        if (!o || !json_object_is_type(o, json_type_object)) {
                                json_object_put(o);
                                return HVS_BADMSG(diag, "qmp %s: qemu sent a message that is not a JSON object",
                                                  what);
                        }
                        *ret = o;
                        return 0;
                }

                int left = ms_left(deadline);
                if (left == 0)
                        return HVS_DIAG(diag, -ETIMEDOUT, "qmp %s: no reply from '%s' within %d ms", what,
                                        q->path, q->timeout_ms);
                struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
                int pr = poll(&pfd, 1, left);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr < 0) {
                        int e = -errno;
                        return HVS_DIAG(diag, -EIO, "qmp %s: poll failed: %s", what, strerror(-e));
                }
                if (pr == 0)
                        continue;       /* the deadline check above reports it */
                ssize_t k = recv(q->fd, q->rbuf, sizeof q->rbuf, 0);
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (k < 0) {
                        int e = errno;
                        mark_broken(q, -EIO, "a read failed");
                        return HVS_DIAG(diag, -EIO, "qmp %s: read from '%s' failed: %s", what, q->path,
                                        strerror(e));
                }
                if (k == 0) {
                        mark_broken(q, -EIO, "qemu closed the connection");
                        return HVS_DIAG(diag, -EIO, "qmp %s: qemu closed the connection '%s'", what, q->path);
                }
                q->roff = 0;
                q->rlen = (size_t)k;
        }
}

static int write_all(qmp *q, const char *buf, size_t len, uint64_t deadline, const char *what,
                     hvs_diag *diag) {
        int r = check_usable(q, diag);
        if (r < 0)
                return r;
        while (len > 0) {
                int left = ms_left(deadline);
                if (left == 0)
                        return HVS_DIAG(diag, -ETIMEDOUT, "qmp %s: cannot send to '%s' within %d ms", what,
                                        q->path, q->timeout_ms);
                struct pollfd pfd = { .fd = q->fd, .events = POLLOUT };
                int pr = poll(&pfd, 1, left);
                if (pr < 0 && errno != EINTR)
                        return HVS_DIAG(diag, -EIO, "qmp %s: poll failed: %s", what, strerror(errno));
                if (pr <= 0)
                        continue;
                ssize_t k = send(q->fd, buf, len, MSG_NOSIGNAL);
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (k < 0) {
                        int e = errno;
                        /* A partial command may have gone out: the stream is no longer trusted. */
                        mark_broken(q, -EIO, "a write failed");
                        return HVS_DIAG(diag, -EIO, "qmp %s: write to '%s' failed: %s", what, q->path,
                                        strerror(e));
                }
                buf += k;
                len -= (size_t)k;
        }
        return 0;
}

static void record_event(qmp *q, json_object *msg) {
        json_object *name, *ts, *v;
        struct qmp_event *e = &q->ring[q->n_events % QMP_EVENT_RING];
        *e = (struct qmp_event){ .seq = ++q->n_events, .seconds = -1, .microseconds = -1,
                                 .recv_ns = hvs_now_ns() };
        if (json_object_object_get_ex(msg, "event", &name) && json_object_is_type(name, json_type_string))
                hvs_strlcpy(e->name, json_object_get_string(name), sizeof e->name);
        if (json_object_object_get_ex(msg, "timestamp", &ts) && json_object_is_type(ts, json_type_object)) {
                if (json_object_object_get_ex(ts, "seconds", &v) && json_object_is_type(v, json_type_int))
                        e->seconds = json_object_get_int64(v);
                if (json_object_object_get_ex(ts, "microseconds", &v) && json_object_is_type(v, json_type_int))
                        e->microseconds = json_object_get_int64(v);
        }
}

static int error_reply(qmp *q, const char *cmd, json_object *err, hvs_diag *diag) {
        json_object *cls = NULL, *desc = NULL;
        const char *c = "", *d = "(no description)";
        if (json_object_is_type(err, json_type_object)) {
                if (json_object_object_get_ex(err, "class", &cls) && json_object_is_type(cls, json_type_string))
                        c = json_object_get_string(cls);
                if (json_object_object_get_ex(err, "desc", &desc) && json_object_is_type(desc, json_type_string))
                        d = json_object_get_string(desc);
        }
        int e = -EIO;
        if (strcmp(c, "CommandNotFound") == 0)
                e = -EOPNOTSUPP;
        else if (strcmp(c, "DeviceNotFound") == 0)
                e = -ENOENT;
        return HVS_DIAG(diag, e, "qmp '%s' failed: %s%s%s", cmd, d, *c ? " - " : "", c);
}

int qmp_execute(qmp *q, const char *cmd, json_object *args, hvs_diag *diag, json_object **ret) {
        if (!q || !cmd)
                return HVS_DIAG(diag, -EINVAL, "qmp: no command given");
        if (args && !json_object_is_type(args, json_type_object))
                return HVS_DIAG(diag, -EINVAL, "qmp '%s': arguments are not an object", cmd);
        uint64_t deadline = deadline_after(q->timeout_ms);
        uint64_t id = ++q->next_id;

        json_object *req = json_object_new_object();
        if (!req)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        int r = 0;
        if (json_object_object_add(req, "execute", json_object_new_string(cmd)) < 0 ||
            (args && json_object_object_add(req, "arguments", json_object_get(args)) < 0) ||
            json_object_object_add(req, "id", json_object_new_int64((int64_t)id)) < 0)
                r = HVS_DIAG(diag, -ENOMEM, "out of memory");
        const char *text = r == 0 ? json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN) : NULL;
        if (r == 0 && !text)
                r = HVS_DIAG(diag, -ENOMEM, "out of memory");
        if (r == 0)
                r = write_all(q, text, strlen(text), deadline, cmd, diag);
        if (r == 0)
                r = write_all(q, "\n", 1, deadline, cmd, diag);
        json_object_put(req);
        if (r < 0)
                return r;

        for (;;) {
                json_object *msg = NULL, *v = NULL;
                r = read_message(q, deadline, cmd, diag, &msg);
                if (r < 0)
                        return r;
                if (json_object_object_get_ex(msg, "event", NULL)) {
                        record_event(q, msg);
                        json_object_put(msg);
                        continue;
                }
                /* A reply to an earlier command that timed out: not ours. */
                if (json_object_object_get_ex(msg, "id", &v) &&
                    (!json_object_is_type(v, json_type_int) || (uint64_t)json_object_get_int64(v) != id)) {
                        json_object_put(msg);
                        continue;
                }
                if (json_object_object_get_ex(msg, "return", &v)) {
                        if (ret)
                                *ret = json_object_get(v);
                        json_object_put(msg);
                        return 0;
                }
                if (json_object_object_get_ex(msg, "error", &v)) {
                        r = error_reply(q, cmd, v, diag);
                        json_object_put(msg);
                        return r;
                }
                json_object_put(msg);
                return HVS_BADMSG(diag, "qmp '%s': reply has neither 'return' nor 'error'", cmd);
        }
}

int qmp_execute_fmt(qmp *q, const char *cmd, const char *args_json, hvs_diag *diag, json_object **ret) {
        json_object *args = NULL;
        if (args_json) {
                args = json_tokener_parse(args_json);
                if (!args || !json_object_is_type(args, json_type_object)) {
                        json_object_put(args);
                        return HVS_DIAG(diag, -EINVAL, "qmp '%s': arguments are not a JSON object", cmd);
                }
        }
        int r = qmp_execute(q, cmd, args, diag, ret);
        json_object_put(args);
        return r;
}

int qmp_hmp(qmp *q, const char *cmdline, hvs_diag *diag, char **ret) {
        if (!cmdline || !ret)
                return HVS_DIAG(diag, -EINVAL, "qmp: no monitor command given");
        json_object *args = json_object_new_object(), *out = NULL;
        if (!args || json_object_object_add(args, "command-line", json_object_new_string(cmdline)) < 0) {
                json_object_put(args);
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        }
        int r = qmp_execute(q, "human-monitor-command", args, diag, &out);
        json_object_put(args);
        if (r < 0)
                return r;
        if (!json_object_is_type(out, json_type_string)) {
                json_object_put(out);
                return HVS_BADMSG(diag, "qmp monitor command '%s': the reply is not text", cmdline);
        }
        char *s = hvs_strdup(json_object_get_string(out));
        json_object_put(out);
        if (!s)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        *ret = s;
        return 0;
}

int qmp_wait_event(qmp *q, const char *name, hvs_diag *diag, struct qmp_event *ret) {
        if (!q || !name)
                return HVS_DIAG(diag, -EINVAL, "qmp: no event name given");
        uint64_t deadline = deadline_after(q->timeout_ms);
        char what[96];
        snprintf(what, sizeof what, "wait for event '%s'", name);
        for (;;) {
                json_object *msg = NULL;
                int r = read_message(q, deadline, what, diag, &msg);
                if (r < 0)
                        return r;
                if (json_object_object_get_ex(msg, "event", NULL)) {
                        record_event(q, msg);
                        const struct qmp_event *e = &q->ring[(q->n_events - 1) % QMP_EVENT_RING];
                        if (strcmp(e->name, name) == 0) {
                                if (ret)
                                        *ret = *e;
                                json_object_put(msg);
                                return 0;
                        }
                }
                /* Anything else is a late reply to a command that timed out. */
                json_object_put(msg);
        }
}

size_t qmp_events(const qmp *q, struct qmp_event *ret, size_t max) {
        if (!q || !ret)
                return 0;
        uint64_t kept = MIN(q->n_events, (uint64_t)QMP_EVENT_RING);
        size_t n = (size_t)MIN(kept, (uint64_t)max);
        for (size_t i = 0; i < n; i++) {
                uint64_t seq = q->n_events - n + 1 + i;
                ret[i] = q->ring[(seq - 1) % QMP_EVENT_RING];
        }
        return n;
}

pid_t qmp_peer_pid(const qmp *q) {
        return q ? q->pid : 0;
}

const char *qmp_path(const qmp *q) {
        return q ? q->path : "";
}

json_object *qmp_greeting(const qmp *q) {
        return q ? q->greeting : NULL;
}

qmp *qmp_close(qmp *q) {
        if (!q)
                return NULL;
        if (q->fd >= 0)
                close(q->fd);
        if (q->tok)
                json_tokener_free(q->tok);
        json_object_put(q->greeting);
        free(q);
        return NULL;
}

static int connect_unix(qmp *q, uint64_t deadline, hvs_diag *diag) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(q->path) >= sizeof sa.sun_path)
                return HVS_DIAG(diag, -ENAMETOOLONG, "qmp socket path '%s' is longer than %zu bytes", q->path,
                                sizeof sa.sun_path - 1);
        memcpy(sa.sun_path, q->path, strlen(q->path) + 1);
        q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (q->fd < 0)
                return HVS_DIAG(diag, -errno, "cannot create a unix socket: %s", strerror(errno));
        for (;;) {
                if (connect(q->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
                        return 0;
                int e = errno;
                if (e == EINTR)
                        continue;
                if (e == EINPROGRESS) {
                        struct pollfd pfd = { .fd = q->fd, .events = POLLOUT };
                        int pr = poll(&pfd, 1, ms_left(deadline));
                        if (pr == 0)
                                return HVS_DIAG(diag, -ETIMEDOUT, "cannot connect to qmp socket '%s' within %d ms",
                                                q->path, q->timeout_ms);
                        socklen_t sl = sizeof e;
                        if (pr < 0 || getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
                                e = errno;
                        if (e == 0)
                                return 0;
                } else if (e == EAGAIN) {
                        /* The listener's backlog is full (unix sockets do not queue): retry. */
                        if (ms_left(deadline) == 0)
                                return HVS_DIAG(diag, -ETIMEDOUT, "qmp socket '%s' accepts no connection (backlog full)",
                                                q->path);
                        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
                        continue;
                }
                if (e == ENOENT)
                        return HVS_DIAG(diag, -ENOENT, "qmp socket '%s' does not exist", q->path);
                struct stat st;
                if (e == ECONNREFUSED && stat(q->path, &st) == 0 && !S_ISSOCK(st.st_mode))
                        return HVS_DIAG(diag, -ENOTSOCK, "'%s' is not a qmp socket (not a socket at all)", q->path);
                if (e == ECONNREFUSED)
                        return HVS_DIAG(diag, -ECONNREFUSED, "nothing listens on qmp socket '%s' (qemu gone?)",
                                        q->path);
                return HVS_DIAG(diag, -e, "cannot connect to qmp socket '%s': %s", q->path, strerror(e));
        }
}

int qmp_open(const char *path, int timeout_ms, hvs_diag *diag, qmp **ret) {
        if (!path || !*path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no qmp socket path given");
        if (timeout_ms < 0)
                return HVS_DIAG(diag, -EINVAL, "negative qmp timeout %d", timeout_ms);
        qmp *q = hvs_calloc(1, sizeof *q);
        if (!q)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");
        _cleanup_(qmp_closep) qmp *guard = q;
        q->fd = -1;
        q->timeout_ms = timeout_ms ? timeout_ms : QMP_DEFAULT_TIMEOUT_MS;
        if (hvs_strlcpy(q->path, path, sizeof q->path) >= sizeof q->path)
                return HVS_DIAG(diag, -ENAMETOOLONG, "qmp socket path is too long");
        q->tok = json_tokener_new();
        if (!q->tok)
                return HVS_DIAG(diag, -ENOMEM, "out of memory");

        uint64_t deadline = deadline_after(q->timeout_ms);
        int r = connect_unix(q, deadline, diag);
        if (r < 0)
                return r;
        struct ucred cred;
        socklen_t sl = sizeof cred;
        if (getsockopt(q->fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) == 0 && sl == sizeof cred)
                q->pid = cred.pid;

        json_object *msg = NULL, *v = NULL;
        r = read_message(q, deadline, "greeting", diag, &msg);
        if (r == -ETIMEDOUT)
                return HVS_DIAG(diag, r, "no qmp greeting on '%s' within %d ms (another client may hold the socket)",
                                path, q->timeout_ms);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(msg, "QMP", &v) || !json_object_is_type(v, json_type_object)) {
                json_object_put(msg);
                return HVS_BADMSG(diag, "'%s' did not greet with a qmp banner", path);
        }
        q->greeting = json_object_get(v);
        json_object_put(msg);

        r = qmp_execute(q, "qmp_capabilities", NULL, diag, NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(guard);
        return 0;
}
