/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp.h - a small synchronous client for the QEMU Machine Protocol, for the
 * whole project (memory backend, tracing, acquisition). Internal API: not
 * installed, not part of the ABI.
 *
 * Model: one connection to a QMP unix socket; one command in flight at a
 * time. Every command carries an "id"; replies with another id (late answers
 * to a command that timed out) are dropped, so a timeout does not break the
 * connection. Asynchronous events that arrive while waiting are not returned
 * but kept, with QEMU's timestamps, in a small ring (the last
 * QMP_EVENT_RING events) that later consumers read with qmp_events().
 *
 * Bounds: one message is at most HVS_MAX_QMP_REPLY bytes (-E2BIG beyond,
 * after which the connection is unusable: -EIO); every wait is a poll() with
 * the connection's timeout, counted from the start of the call.
 *
 * Errors: -ETIMEDOUT (no complete reply in time), -EIO (QEMU closed the
 * socket, a read or write failed, or a QMP error reply), -EBADMSG (a message
 * that is not a JSON object, or that has neither "return" nor "error"),
 * -E2BIG (oversize message), -ENOMEM. A QMP error reply maps by its class:
 * CommandNotFound -> -EOPNOTSUPP, DeviceNotFound -> -ENOENT, anything else
 * -> -EIO; its "desc" is copied into the diag. Diag messages name the command.
 *
 * Thread-safety: one thread per connection.
 * QEMU serves one QMP client per socket at a time: while another client
 * (libvirt, a script) holds the socket, the greeting never comes and
 * qmp_open() times out.
 */
#ifndef HVS_MEM_QMP_H
#define HVS_MEM_QMP_H

#include <json-c/json.h>
#include <sys/types.h>
#include <hvscope/common.h>

typedef struct qmp qmp;

/* Events kept in the ring of one connection. */
#define QMP_EVENT_RING 32u
/* Default per-call timeout when 0 is given. */
#define QMP_DEFAULT_TIMEOUT_MS 5000

/**
 * struct qmp_event - one asynchronous event QEMU sent.
 * @seq:     1 for the first event of the connection, then +1 per event
 * @name:    event name ("STOP", "RESUME", "SHUTDOWN", ...), truncated to fit
 * @seconds, @microseconds: QEMU's "timestamp" (host wall clock; -1 if absent)
 * @recv_ns: when the client read it (CLOCK_MONOTONIC, hvs_now_ns())
 */
struct qmp_event {
        uint64_t seq;
        char name[64];
        int64_t seconds;
        int64_t microseconds;
        uint64_t recv_ns;
};

/**
 * qmp_open() - connect to the QMP unix socket @path, read the greeting and
 * negotiate capabilities (qmp_capabilities).
 * @timeout_ms: per-call timeout for this and every later call, 0 = 5000
 * @ret: new connection (owned; qmp_close())
 *
 * Return: 0; -ENOENT no such socket; -ECONNREFUSED nothing listens;
 * -ENAMETOOLONG path too long for a unix socket; -ETIMEDOUT no greeting (the
 * socket may be held by another client); -EBADMSG not a QMP greeting; the
 * errors of qmp_execute(). @ret untouched on failure.
 */
int qmp_open(const char *path, int timeout_ms, hvs_diag *diag, qmp **ret);

/**
 * qmp_execute() - run @cmd with @args and return its "return" value.
 * @args: arguments object (borrowed, nullable)
 * @ret:  new reference to the "return" value (json_object_put() it); may be
 *        NULL when the caller only wants success
 * Return: 0; the errors listed at the top. @ret untouched on failure.
 */
int qmp_execute(qmp *q, const char *cmd, json_object *args, hvs_diag *diag, json_object **ret);

/**
 * qmp_execute_fmt() - qmp_execute() with the arguments given as JSON text
 * (nullable). Return: as qmp_execute(); -EINVAL if @args_json does not parse
 * to an object.
 */
int qmp_execute_fmt(qmp *q, const char *cmd, const char *args_json, hvs_diag *diag, json_object **ret);

/**
 * qmp_hmp() - run the human monitor command @cmdline through
 * human-monitor-command and return its text output.
 * @ret: new NUL-terminated string (owned; free()); "" when QEMU printed nothing
 * HMP reports its own errors as text ("unknown command: ..."): callers check
 * the text. Return: as qmp_execute(); -EBADMSG if the return is not a string.
 */
int qmp_hmp(qmp *q, const char *cmdline, hvs_diag *diag, char **ret);

/**
 * qmp_wait_event() - wait up to the connection's timeout for an event named
 * @name that arrives after this call starts (events already in the ring do
 * not count); other events are recorded in the ring.
 * @ret: nullable; receives the event
 * Return: 0; -ETIMEDOUT; -EIO, -EBADMSG, -E2BIG as above.
 */
int qmp_wait_event(qmp *q, const char *name, hvs_diag *diag, struct qmp_event *ret);

/**
 * qmp_events() - copy the last (at most @max) events kept, oldest first.
 * Return: the number copied. Never fails.
 */
size_t qmp_events(const qmp *q, struct qmp_event *ret, size_t max);

/** qmp_peer_pid() - QEMU's PID from SO_PEERCRED at connect time (0 if unknown). */
pid_t qmp_peer_pid(const qmp *q);

/** qmp_path() - the socket path given to qmp_open() (borrowed). */
const char *qmp_path(const qmp *q);

/** qmp_greeting() - the "QMP" member of the greeting (borrowed; version etc.). */
json_object *qmp_greeting(const qmp *q);

/** qmp_close() - disconnect and free (NULL-safe). Return: NULL. */
qmp *qmp_close(qmp *q);

static inline void qmp_closep(qmp **q) { if (*q) qmp_close(*q); }

#endif
