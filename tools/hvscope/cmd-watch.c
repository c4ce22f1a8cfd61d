/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope watch: a live stream of normalized events about a running VM,
 * gathered from the hypervisor side only (include/hvscope/watch.h,
 * docs/watch.md). Human lines by default, NDJSON with Elastic Common Schema
 * names with --json, and with --case the events are stored in the case (in
 * batches) so that 'hvscope timeline' shows them.
 *
 * Adding a source: its option goes in longopts[] and the switch of
 * cmd_watch(), its name in source_names[], and its constructor call in
 * add_sources(). The loop, rate limits, output and case storage need
 * nothing else.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <hvscope/watch.h>
#include "hvscope.h"

/* The ECS version whose field names are used (as the timeline's export). */
#define ECS_VERSION "8.11.0"
/* Events stored in the case per transaction, and the longest wait before a
 * partial batch is stored. */
#define CASE_BATCH 256u
#define CASE_FLUSH_NS 1000000000ll

enum source_id { SRC_FLIGHT, SRC_BP, SRC_KVM, SRC_SYSCALLS, SRC_COUNT };
static const char *const source_names[SRC_COUNT] = { "flight", "bp", "kvm", "syscalls" };

static volatile int stop_flag;

static void on_signal(int sig) {
        stop_flag = sig;
}

/* The strings of one queued record (owned copies). */
struct kept {
        char *s[6];
};

struct case_batch {
        hvs_event_record ev[CASE_BATCH];
        struct kept mem[CASE_BATCH];
        size_t n;
        int64_t first_ns;       /* monotonic time the oldest queued one arrived */
        uint64_t stored;
};

struct watch {
        bool json;
        const char *host_name;  /* the guest's host name (ECS host.name) */
        const char *vm_name;
        bool linux_guest;       /* the guest kernel was found (host.os.type) */
        char observer[256];     /* this host */
        hvs_case *c;
        int64_t vm_id;
        struct case_batch b;
        int case_err;
        uint64_t printed;
};

/* ---- output --------------------------------------------------------------- */

/* The ECS event.type of an action (an array of one). */
static const char *ecs_type(const char *category, const char *action) {
        static const struct { const char *action, *type; } map[] = {
                { "process-started", "start" }, { "process-present", "info" }, { "process-exited", "end" },
                { "exec", "start" }, { "credential-change", "change" }, { "commit-creds", "change" },
                { "module-loaded", "start" }, { "module-present", "info" }, { "module-unloaded", "end" },
                { "socket-opened", "start" }, { "socket-present", "info" }, { "socket-closed", "end" },
                { "tcp-connect", "connection" },
        };
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
                if (!strcmp(map[i].action, action))
                        return map[i].type;
        return "info";
}

/* The object at @k of @o, created when absent; NULL if @k holds something else. */
static json_object *jobj(json_object *o, const char *k) {
        json_object *c;
        if (json_object_object_get_ex(o, k, &c))
                return json_object_is_type(c, json_type_object) ? c : NULL;
        c = json_object_new_object();
        json_object_object_add(o, k, c);
        return c;
}

/* The ECS field sets a source's data may use as they are; any other key
 * ("port", "qemu.pid", "syscall.name", "kvm.event") is a custom field and
 * goes under "hvscope." as ECS asks of custom fields. ("host" is the guest
 * in these events: a host-side thread id must not land in host.*.) */
static bool ecs_root(const char *key) {
        static const char *const roots[] = { "process", "user", "group", "file", "source", "destination",
                                             "network", "error", "hvscope" };
        size_t n = strcspn(key, ".");
        for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
                if (strlen(roots[i]) == n && !strncmp(key, roots[i], n))
                        return true;
        return false;
}

/* Puts @v at the dotted path @key of @root ("process.parent.pid"), as ECS
 * nests it (custom fields under "hvscope."); a path that runs into a value
 * keeps the key flat instead. */
static void put_dotted(json_object *root, const char *key, json_object *v) {
        char path[256];
        if (!ecs_root(key)) {
                char custom[256];
                int n = snprintf(custom, sizeof custom, "hvscope.%s", key);
                if (n > 0 && (size_t)n < sizeof custom) {
                        put_dotted(root, custom, v);
                        return;
                }
        }
        if (strlen(key) >= sizeof path) {
                json_object_object_add(root, key, v);
                return;
        }
        memcpy(path, key, strlen(key) + 1);
        json_object *o = root;
        char *seg = path, *dot;
        while ((dot = strchr(seg, '.')) && o) {
                *dot = '\0';
                o = jobj(o, seg);
                seg = dot + 1;
        }
        json_object_object_add(o ? o : root, o ? seg : key, v);
}

static json_object *ecs_event(struct watch *w, const hvs_watch_event *ev) {
        char t[40];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "@timestamp", json_object_new_string(hvs_time_format(ev->ts_ns, t, sizeof t)));
        if (ev->summary)
                json_object_object_add(o, "message", json_object_new_string(ev->summary));
        json_object_object_add(jobj(o, "ecs"), "version", json_object_new_string(ECS_VERSION));
        json_object *e = jobj(o, "event");
        bool own = !strcmp(ev->source, "watcher");
        json_object_object_add(e, "kind", json_object_new_string(ev->severity >= 3 && !own ? "alert"
                                                                 : own && strcmp(ev->action, "watch-started") &&
                                                                   strcmp(ev->action, "watch-stopped") ? "metric"
                                                                 : "event"));
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_string(ev->category));
        json_object_object_add(e, "category", a);
        a = json_object_new_array();
        json_object_array_add(a, json_object_new_string(ecs_type(ev->category, ev->action)));
        json_object_object_add(e, "type", a);
        json_object_object_add(e, "action", json_object_new_string(ev->action));
        char ds[64];
        snprintf(ds, sizeof ds, "hvscope.%s", ev->source);
        json_object_object_add(e, "dataset", json_object_new_string(ds));
        json_object_object_add(e, "module", json_object_new_string("hvscope"));
        json_object_object_add(e, "provider", json_object_new_string(ev->source));
        json_object_object_add(e, "severity", json_object_new_int(ev->severity));
        json_object_object_add(e, "created", json_object_new_string(hvs_time_format(ev->ts_ns, t, sizeof t)));
        if (ev->pid >= 0) {
                json_object *p = jobj(o, "process");
                json_object_object_add(p, "pid", json_object_new_int(ev->pid));
                if (ev->comm)
                        json_object_object_add(p, "name", json_object_new_string(ev->comm));
        }
        if (w->host_name)
                json_object_object_add(jobj(o, "host"), "name", json_object_new_string(w->host_name));
        if (w->linux_guest)
                json_object_object_add(jobj(jobj(o, "host"), "os"), "type", json_object_new_string("linux"));
        json_object *ob = jobj(o, "observer");
        json_object_object_add(ob, "hostname", json_object_new_string(w->observer));
        json_object_object_add(ob, "product", json_object_new_string("hvscope"));
        json_object_object_add(ob, "type", json_object_new_string("hypervisor"));
        if (w->vm_name)
                json_object_object_add(jobj(o, "hvscope"), "vm", json_object_new_string(w->vm_name));
        if (ev->guest_ts_ns)
                json_object_object_add(jobj(o, "hvscope"), "guest_time",
                                       json_object_new_string(hvs_time_format(ev->guest_ts_ns, t, sizeof t)));
        if (ev->data_json) {
                json_object *d = json_tokener_parse(ev->data_json);
                if (d && json_object_is_type(d, json_type_object)) {
                        json_object_object_foreach(d, k, v) put_dotted(o, k, json_object_get(v));
                } else {
                        json_object_object_add(jobj(o, "hvscope"), "data", json_object_new_string(ev->data_json));
                }
                json_object_put(d);
        }
        return o;
}

static void print_human(const hvs_watch_event *ev) {
        char t[40], pid[16] = "-";
        hvs_time_format(ev->ts_ns, t, sizeof t);
        /* "2024-05-01T12:00:00.123456Z" -> "12:00:00.123" */
        const char *hms = strlen(t) >= 23 ? t + 11 : t;
        if (ev->pid >= 0)
                snprintf(pid, sizeof pid, "%d", ev->pid);
        printf("%.12s %-15s %-17s %7s %-16s %s\n", hms, ev->source, ev->action, pid, ev->comm ? ev->comm : "",
               ev->summary ? ev->summary : "");
}

/* ---- the case ------------------------------------------------------------- */

static int case_flush(struct watch *w) {
        struct case_batch *b = &w->b;
        int r = 0;
        if (b->n && !w->case_err) {
                r = hvs_case_add_events(w->c, b->ev, b->n, NULL);
                if (r < 0) {
                        errorf("cannot store %zu events in case '%s': %s", b->n, hvs_case_path(w->c),
                               hvs_case_errmsg(w->c));
                        w->case_err = r;
                } else {
                        b->stored += b->n;
                }
        }
        for (size_t i = 0; i < b->n; i++)
                for (size_t j = 0; j < 6; j++)
                        free(b->mem[i].s[j]);
        b->n = 0;
        return r;
}

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static int case_add(struct watch *w, const hvs_watch_event *ev) {
        struct case_batch *b = &w->b;
                char *src = dup_or_null(ev->source), *cat = dup_or_null(ev->category), *act = dup_or_null(ev->action),
             *comm = dup_or_null(ev->comm), *sum = dup_or_null(ev->summary), *data = dup_or_null(ev->data_json);
        if (!src || !cat || !act || (ev->comm && !comm) || (ev->summary && !sum) || (ev->data_json && !data)) {
                free(src), free(cat), free(act), free(comm), free(sum), free(data);
                return -ENOMEM;
        }
        b->ev[b->n] = (hvs_event_record){
                .vm_id = w->vm_id, .ts_ns = ev->ts_ns, .guest_ts_ns = ev->guest_ts_ns, .source = src,
                .category = cat, .action = act, .pid = ev->pid, .comm = comm, .summary = sum ? sum : "",
                .data_json = data,
        };
        b->mem[b->n] = (struct kept){ { src, cat, act, comm, sum, data } };
        if (b->n++ == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                b->first_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
        return 0;
}

/* ---- the consumer --------------------------------------------------------- */

static int on_event(void *ctx, const hvs_watch_event *ev) {
        struct watch *w = ctx;
        if (w->json) {
                json_object *o = ecs_event(w, ev);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        } else {
                print_human(ev);
        }
        /* Events are wanted as they happen, even through a pipe. */
        fflush(stdout);
        w->printed++;
        if (w->c && !w->case_err) {
                if (case_add(w, ev) < 0) {
                        errorf("out of memory keeping events for the case");
                        return -ENOMEM;
                }
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
                if (w->b.n == CASE_BATCH || now - w->b.first_ns >= CASE_FLUSH_NS)
                        (void)case_flush(w);
        }
        return 0;
}

/* ---- options -------------------------------------------------------------- */

static void watch_usage(FILE *f) {
        fputs("usage: hvscope watch [--rate HZ] [--sources LIST | --no-flight] [--views LIST] [--duration S]\n"
              "                     [--json] [--case FILE] (--vm QMP_SOCKET | --pid QEMU_PID)\n"
              "\n"
              "A live stream of events about a running VM, read from the hypervisor side only:\n"
              "nothing runs in the guest and the VM is never paused. Stops on SIGINT/SIGTERM or\n"
              "after --duration. Output: one line per event, or with --json one ECS object per\n"
              "line (NDJSON). See docs/watch.md.\n"
              "\n"
              "  --sources LIST     event sources, comma-separated (default: flight):\n"
              "                       flight    the flight recorder: guest views re-read at --rate,\n"
              "                                 differences as events (processes, credentials,\n"
              "                                 modules, sockets)\n"
              "                       bp        guest-kernel functions through hardware breakpoints\n"
              "                                 of QEMU's gdbstub (--break)\n"
              "                       kvm       kvm:* tracepoints of the VM's vCPU threads (perf)\n"
              "                       syscalls  the QEMU process's own system calls (perf)\n"
              "  --no-flight        without the flight recorder\n"
              "  --rate HZ          flight recorder reads per second (default 2, at most 100)\n"
              "  --views LIST       flight recorder views: procs,creds,modules,sockets (default all)\n"
              "  --baseline         also report what exists at the first read (*-present events)\n"
              "  --kthreads         also report kernel threads starting and exiting\n"
              "  --break LIST       breakpoints: exec,creds,module,connect (source bp)\n"
              "  --bp-max-rate N    hits of one breakpoint within a second before it is taken\n"
              "                     out for a while (each hit stops the VM; default 20, 0 = never)\n"
              "  --duration S       stop after S seconds (default: until interrupted)\n"
              "  --max-rate N       events per second forwarded in total (default 2000); more\n"
              "                     are counted and reported in rate-summary events\n"
              "  --max-action-rate N  events per second per source and action (default 200)\n"
              "  --tracefs DIR      where tracefs is mounted (sources kvm, syscalls; default: found)\n"
              "  --max-queue N      events held between a read and the output (default 4096);\n"
              "                     more are lost, counted and reported in events-lost events\n"
              "  --case FILE        also store the events in this case (see 'hvscope timeline')\n"
              "  --json             NDJSON, Elastic Common Schema field names\n"
              "  --vm, --pid, --btf, --isf, --no-cache, --cache-dir, -v  as for every command\n",
              f);
}

static int parse_list(const char *arg, const char *const *names, size_t n, const char *what, unsigned *ret) {
        char buf[256];
        if (strlen(arg) >= sizeof buf) {
                errorf("invalid %s '%s'", what, arg);
                return -EINVAL;
        }
        memcpy(buf, arg, strlen(arg) + 1);
        unsigned bits = 0;
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t i = 0;
                while (i < n && strcmp(names[i], tok))
                        i++;
                if (i == n) {
                        errorf("unknown %s '%s'", what, tok);
                        return -EINVAL;
                }
                bits |= 1u << i;
        }
        *ret = bits;
        return 0;
}

static int parse_number(const char *opt, const char *arg, double lo, double hi, double *ret) {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (errno || end == arg || *end || !isfinite(v) || v < lo || v > hi) {
                errorf("invalid %s '%s' (%g to %g)", opt, arg, lo, hi);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

struct watch_opts {
        unsigned sources;
        hvs_watch_flight_opts flight;
        const char *breaks;
        int bp_max_rate;        /* 0 = default, -1 = no guard */
        double duration;
        double max_rate, max_action_rate, max_queue;
        const char *case_path;
        const char *tracefs;    /* kvm, syscalls: the tracefs mount (NULL = find it) */
};

/* The sources that watch the host (the QEMU process and its vCPU threads)
 * need only the VM's QEMU process, not its guest kernel: with only those,
 * any guest can be watched (another OS, firmware, a bare-metal test guest). */
#define HOST_ONLY_SOURCES ((1u << SRC_KVM) | (1u << SRC_SYSCALLS))

static int add_sources(struct watch_opts *wo, hvs_session *s, hvs_mem *m, hvs_watch_loop *l) {
        for (unsigned id = 0; id < SRC_COUNT; id++) {
                if (!(wo->sources & (1u << id)))
                        continue;
                hvs_watch_source *src = NULL;
                hvs_diag d = { 0 };
                int r = -EOPNOTSUPP;
                switch ((enum source_id)id) {
                case SRC_FLIGHT:
                        r = hvs_watch_flight_new(s, &wo->flight, &src, &d);
                        break;
                case SRC_BP:
                        r = hvs_watch_bp_new(s, &(hvs_watch_bp_opts){ .sz = sizeof(hvs_watch_bp_opts),
                                                                      .probes = wo->breaks,
                                                                      .max_hit_rate = wo->bp_max_rate },
                                             &src, &d);
                        break;
                case SRC_KVM:
                case SRC_SYSCALLS: {
                        /* host-kernel tracing of the QEMU process (src/trace/, docs/watch-kvm.md) */
                        pid_t qpid = hvs_mem_get_info(m)->qemu_pid;
                        hvs_trace_opts to = { .sz = sizeof to, .tracefs = wo->tracefs };
                        if (qpid <= 0)
                                snprintf(d.msg, sizeof d.msg, "the QEMU process of this VM is not known (give --pid)");
                        else if (id == SRC_KVM)
                                r = hvs_watch_kvm_new(qpid, &to, &d, &src);
                        else
                                r = hvs_watch_vmm_syscall_new(qpid, &to, &d, &src);
                        if (r == 0 && id == SRC_KVM && s) {
                                /* With the guest kernel: name the guest process behind each access. */
                                hvs_watch_source *w = NULL;
                                hvs_diag od = { 0 };
                                if (hvs_watch_originator_new(s, src, &od, &w) == 0)
                                        src = w;
                                else
                                        warnf("kvm events will not name the guest process: %s", od.msg);
                        }
                        break;
                }
                case SRC_COUNT:
                        break;
                }
                if (r < 0) {
                        errorf("cannot start source '%s': %s", source_names[id], d.msg[0] ? d.msg : hvs_strerror(r));
                        return r;
                }
                if ((r = hvs_watch_loop_add_source(l, src)) < 0) {
                        errorf("cannot add source '%s': %s", source_names[id], hvs_strerror(r));
                        return r;
                }
        }
        return 0;
}

static int open_case(struct watch *w, const char *path, hvs_session *s, hvs_mem *m, int argc, char **argv) {
        hvs_diag d = { 0 };
        int r = hvs_case_open(path, HVS_CASE_CREATE, &d, &w->c);
        if (r < 0) {
                errorf("%s", d.msg[0] ? d.msg : hvs_strerror(r));
                return r;
        }
        (void)hvs_case_set_command(w->c, argc, argv);
        const hvs_mem_info *mi = hvs_mem_get_info(m);
        hvs_vm_record vm = {
                .name = mi->vm_name[0] ? mi->vm_name : NULL,
                .qmp_path = mi->control[0] ? mi->control : NULL,
                .qemu_pid = mi->qemu_pid,
                .kernel_banner = s ? hvs_linux_get_info(hvs_session_linux(s))->banner : NULL,
        };
        if ((r = hvs_case_add_vm(w->c, &vm, &w->vm_id)) < 0) {
                errorf("cannot record the VM in case '%s': %s", hvs_case_path(w->c), hvs_case_errmsg(w->c));
                return r;
        }
        return 0;
}

/* The VM by its QMP socket or QEMU PID, without looking for its kernel (the
 * host-only sources). */
static int open_vm_only(const struct target_opts *t, hvs_mem **ret) {
        hvs_diag d = { 0 };
        int r;
        if (t->session.kind == HVS_TARGET_VM_QMP)
                r = hvs_mem_open_qemu(t->session.path, NULL, &d, ret);
        else if (t->session.kind == HVS_TARGET_VM_PID)
                r = hvs_mem_open_qemu_pid(t->session.pid, NULL, &d, ret);
        else {
                errorf("no target: give --vm QMP_SOCKET or --pid QEMU_PID");
                return -EINVAL;
        }
        if (r < 0)
                errorf("cannot open the VM: %s", d.msg[0] ? d.msg : hvs_strerror(r));
        return r;
}

int cmd_watch(int argc, char **argv) {
        enum {
                O_SOURCES = 0x200, O_NO_FLIGHT, O_RATE, O_VIEWS, O_BASELINE, O_KTHREADS, O_BREAK, O_BP_MAX_RATE, O_DURATION,
                O_MAX_RATE, O_MAX_ACTION_RATE, O_MAX_QUEUE, O_CASE,
                O_TRACEFS,
        };
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "sources", required_argument, NULL, O_SOURCES },
                { "no-flight", no_argument, NULL, O_NO_FLIGHT },
                { "rate", required_argument, NULL, O_RATE },
                { "views", required_argument, NULL, O_VIEWS },
                { "baseline", no_argument, NULL, O_BASELINE },
                { "kthreads", no_argument, NULL, O_KTHREADS },
                { "break", required_argument, NULL, O_BREAK },
                { "bp-max-rate", required_argument, NULL, O_BP_MAX_RATE },
                { "duration", required_argument, NULL, O_DURATION },
                { "max-rate", required_argument, NULL, O_MAX_RATE },
                { "max-action-rate", required_argument, NULL, O_MAX_ACTION_RATE },
                { "max-queue", required_argument, NULL, O_MAX_QUEUE },
                { "case", required_argument, NULL, O_CASE },
                { "tracefs", required_argument, NULL, O_TRACEFS },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        static const char *const view_names[] = { "procs", "creds", "modules", "sockets" };
        struct target_opts t = { 0 };
        struct watch_opts wo = { .sources = 1u << SRC_FLIGHT, .flight = { .sz = sizeof wo.flight } };
        bool no_flight = false;
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case O_SOURCES:
                        if (parse_list(optarg, source_names, SRC_COUNT, "source", &wo.sources) < 0)
                                return 1;
                        break;
                case O_NO_FLIGHT:
                        no_flight = true;
                        break;
                case O_RATE:
                        if (parse_number("--rate", optarg, 0.01, HVS_WATCH_FLIGHT_MAX_HZ, &wo.flight.rate_hz) < 0)
                                return 1;
                        break;
                case O_VIEWS:
                        if (parse_list(optarg, view_names, 4, "view", &wo.flight.views) < 0)
                                return 1;
                        break;
                case O_BASELINE:
                        wo.flight.baseline = true;
                        break;
                case O_KTHREADS:
                        wo.flight.kthreads = true;
                        break;
                case O_BP_MAX_RATE: {
                        double v;
                        if (parse_number("--bp-max-rate", optarg, 0, 1e6, &v) < 0)
                                return 1;
                        wo.bp_max_rate = v == 0 ? -1 : (int)v;
                        break;
                }
                case O_BREAK:
                        wo.breaks = optarg;
                        break;
                case O_DURATION:
                        if (parse_number("--duration", optarg, 0.001, 1e7, &wo.duration) < 0)
                                return 1;
                        break;
                case O_MAX_RATE:
                        if (parse_number("--max-rate", optarg, 1, 1e6, &wo.max_rate) < 0)
                                return 1;
                        break;
                case O_MAX_ACTION_RATE:
                        if (parse_number("--max-action-rate", optarg, 1, 1e6, &wo.max_action_rate) < 0)
                                return 1;
                        break;
                case O_MAX_QUEUE:
                        if (parse_number("--max-queue", optarg, 1, 1u << 20, &wo.max_queue) < 0)
                                return 1;
                        break;
                case O_CASE:
                        wo.case_path = optarg;
                        break;
                case O_TRACEFS:
                        wo.tracefs = optarg;
                        break;
                case 'h':
                        watch_usage(stdout);
                        return 0;
                default:
                        watch_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("watch: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (no_flight)
                wo.sources &= ~(1u << SRC_FLIGHT);
        if (wo.breaks && !(wo.sources & (1u << SRC_BP)))
                wo.sources |= 1u << SRC_BP;
        if (!wo.sources) {
                errorf("watch: no event source left (see --sources)");
                return 1;
        }
        if (t.pause) {
                errorf("watch: --pause does not apply: the VM is watched running");
                return 1;
        }
        if (t.session.kind == HVS_TARGET_IMAGE) {
                errorf("watch: a memory image does not change: give a live VM (--vm or --pid)");
                return 1;
        }

        hvs_session *s = NULL;
        hvs_mem *host_mem = NULL;       /* host-only sources: the VM without its kernel */
        struct watch w = { .json = t.json };
        hvs_sysinfo si;
        if (!(wo.sources & ~HOST_ONLY_SOURCES)) {
                if (open_vm_only(&t, &host_mem) < 0)
                        return 1;
        } else {
                if (target_open(&t, &s) < 0)
                        return 1;
                w.linux_guest = true;
                if (hvs_linux_sysinfo(hvs_session_linux(s), &si) == 0 && !(si.partial & HVS_SYSINFO_PARTIAL_UTS))
                        w.host_name = si.nodename;
        }
        hvs_mem *m = s ? hvs_session_mem(s) : host_mem;
        if (gethostname(w.observer, sizeof w.observer - 1) < 0)
                w.observer[0] = '\0';
        const hvs_mem_info *mi = hvs_mem_get_info(m);
        w.vm_name = mi->vm_name[0] ? mi->vm_name : NULL;
        if (!w.host_name)
                w.host_name = w.vm_name;

        int rc = 1;
        hvs_watch_loop *l = NULL;
        if (wo.case_path && open_case(&w, wo.case_path, s, m, argc, argv) < 0)
                goto out;
        hvs_watch_loop_opts lo = { .sz = sizeof lo, .max_rate = (uint32_t)wo.max_rate,
                                   .max_action_rate = (uint32_t)wo.max_action_rate,
                                   .max_queue = (uint32_t)wo.max_queue };
        int r = hvs_watch_loop_new(&lo, on_event, &w, &l);
        if (r < 0) {
                errorf("cannot start watching: %s", hvs_strerror(r));
                goto out;
        }
        if (add_sources(&wo, s, m, l) < 0)
                goto out;

        struct sigaction sa = { .sa_handler = on_signal };     /* no SA_RESTART: poll() returns */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        /* A reader that went away (| head) must end the watch like SIGINT: killed
         * by SIGPIPE, the breakpoint source could not take its breakpoints out of
         * QEMU, and the next hit would leave the VM stopped. */
        sigaction(SIGPIPE, &sa, NULL);
        hvs_diag d = { 0 };
        r = hvs_watch_loop_run(l, &stop_flag, (int64_t)(wo.duration * 1e9), &d);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (r < 0) {
                errorf("watch stopped: %s", d.msg[0] ? d.msg : hvs_strerror(r));
                goto out;
        }
        hvs_watch_loop_stats st;
        hvs_watch_loop_get_stats(l, &st);
        rc = st.sources ? 0 : 1;
        if (!st.sources)
                errorf("watch stopped: every source failed%s%s", d.msg[0] ? ": " : "", d.msg);
out:
        if (w.c) {
                if (case_flush(&w) < 0 || w.case_err)
                        rc = 1;
                else if (!w.json)
                        fprintf(stderr, "hvscope: %" PRIu64 " events stored in case %s\n", w.b.stored,
                                hvs_case_path(w.c));
        }
        hvs_watch_loop_free(l);
        hvs_case_close(w.c);
        hvs_session_close(s);
        hvs_mem_close(host_mem);
        return rc;
}
