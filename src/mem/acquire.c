/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * acquire.c - memory and register acquisition from a live QEMU VM
 * (contract in include/hvscope/acquire.h).
 *
 * Consistent mode keeps the guest's stop as short as the copy of its
 * resident memory. Everything that can be done before the stop is:
 *   1. find the runs of data of the RAM files (SEEK_DATA) and size the copy;
 *   2. create the output (PATH.part) and reserve its room (fallocate), so a
 *      full disk shows before the guest is touched;
 *   3. map anonymous staging memory for the copy and fault it in
 *      (MADV_POPULATE_WRITE), and fault in our read-only view of the guest's
 *      resident pages (MADV_POPULATE_READ on data runs only: a read fault on a
 *      tmpfs hole would allocate a page in the guest's file);
 * then, stopped: find the runs again (the guest ran until the stop), copy
 * them with one thread per CPU (memcpy from the view, at memory bandwidth)
 * while this thread reads the vCPU registers, and continue the guest. The
 * image is written, compressed and hashed from the copy afterwards. The
 * stop and continue go through hvs_mem_pause()/hvs_mem_resume(), so a handle
 * closed in a hurry still continues the guest; every path out of
 * hvs_acq_memory() after the stop continues it first.
 *
 * The guest's downtime is measured by QEMU: the timestamps of its STOP and
 * RESUME events (host wall clock, microseconds), which QEMU sends before it
 * answers "stop" and "cont".
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/evp.h>

#include "util/util.h"
#include "mem/acquire-internal.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Work item of a copy thread while the guest is stopped; also the piece the
 * early hash waits for, so it follows the copy closely. */
#define COPY_ITEM (8u << 20)
/* Staging memory faulted in before the stop beyond the runs found: the guest
 * keeps running and writing new pages until it is stopped. */
#define STAGE_SLACK(bytes) ((bytes) / 32 + (8u << 20))
#define PAGE 4096u

static double ms_since(uint64_t t0) { return (double)(hvs_now_ns() - t0) / 1e6; }

HVS_API const char *hvs_acq_mode_name(enum hvs_acq_mode m) {
        return m == HVS_ACQ_LIVE ? "live" : "consistent";
}

HVS_API const char *hvs_acq_compress_name(enum hvs_acq_compress c) {
        return c == HVS_ACQ_COMPRESS_ZSTD ? "zstd" : "none";
}

/* ---- stop and continue, with QEMU's event times ---------------------------- */

struct pause {
        bool stopped;                   /* we stopped it and have not continued it */
        bool was_paused;                /* it was stopped by someone else */
        uint64_t seq0;                  /* last event seq before our stop */
        int64_t stop_us, resume_us;     /* event timestamps (us since the epoch), -1 unknown */
        uint64_t t_stop, t_resume;      /* CLOCK_MONOTONIC around our commands */
};

static uint64_t last_seq(qmp *q) {
        struct qmp_event ev[QMP_EVENT_RING];
        size_t n = qmp_events(q, ev, QMP_EVENT_RING);
        return n ? ev[n - 1].seq : 0;
}

/* Timestamp (us) of the first event @name after seq @after, waiting for it if need be. */
static int64_t event_us(qmp *q, const char *name, uint64_t after) {
        struct qmp_event ev[QMP_EVENT_RING];
        size_t n = qmp_events(q, ev, QMP_EVENT_RING);
        for (size_t i = 0; i < n; i++)
                if (ev[i].seq > after && strcmp(ev[i].name, name) == 0)
                        return ev[i].seconds < 0 ? -1 : ev[i].seconds * 1000000 + ev[i].microseconds;
        struct qmp_event e;
        if (qmp_wait_event(q, name, NULL, &e) < 0 || e.seconds < 0)
                return -1;
        return e.seconds * 1000000 + e.microseconds;
}

static int query_running(qmp *q, hvs_diag *diag, bool *ret) {
        json_object *st = NULL, *v;
        int r = qmp_execute(q, "query-status", NULL, diag, &st);
        if (r < 0)
                return r;
        bool ok = json_object_object_get_ex(st, "running", &v) && json_object_is_type(v, json_type_boolean);
        if (ok)
                *ret = json_object_get_boolean(v);
        json_object_put(st);
        return ok ? 0 : HVS_BADMSG(diag, "qmp 'query-status': no 'running' flag in the reply");
}

static int do_pause(hvs_mem *vm, qmp *q, struct pause *p, hvs_diag *diag) {
        *p = (struct pause){ .stop_us = -1, .resume_us = -1 };
        p->seq0 = last_seq(q);
        p->t_stop = hvs_now_ns();
        int r = hvs_mem_pause(vm);
        if (r < 0)
                return HVS_DIAG(diag, r, "cannot stop the vm: %s", hvs_mem_errmsg(vm));
        struct qmp_event ev[QMP_EVENT_RING];
        size_t n = qmp_events(q, ev, QMP_EVENT_RING);
        for (size_t i = 0; i < n; i++)
                if (ev[i].seq > p->seq0 && strcmp(ev[i].name, "STOP") == 0)
                        p->stopped = true;
        if (!p->stopped) {
                /* No STOP of ours: it was stopped already (hvs_mem_pause() then does nothing). */
                bool running = true;
                r = query_running(q, diag, &running);
                if (r < 0)
                        return r;
                if (running)
                        return HVS_DIAG(diag, -EIO, "qemu did not report the vm stopped");
                p->was_paused = true;
                return 0;
        }
        p->stop_us = event_us(q, "STOP", p->seq0);
        return 0;
}

/* Whether QEMU's process is gone, or dead and not yet reaped (a zombie). */
static bool vm_gone(hvs_mem *vm) {
        pid_t pid = hvs_mem_get_info(vm)->qemu_pid;
        if (pid <= 0)
                return false;
        char p[64], st[512];
        snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(p, "re");
        if (!f)
                return kill(pid, 0) < 0 && errno == ESRCH;
        if (!fgets(st, sizeof st, f))
                return false;
        const char *e = strrchr(st, ')');
        return e && (e[2] == 'Z' || e[2] == 'X');
}

/* Continue the guest if we stopped it; safe to call on every path. */
static int do_resume(hvs_mem *vm, qmp *q, struct pause *p, hvs_diag *diag) {
        if (!p->stopped)
                return 0;
        p->stopped = false;
        uint64_t seq = last_seq(q);
        int r = hvs_mem_resume(vm);
        p->t_resume = hvs_now_ns();
        if (r < 0 && vm_gone(vm))
                return HVS_DIAG(diag, r, "the vm went away while it was stopped (qemu process %d is gone)",
                                (int)hvs_mem_get_info(vm)->qemu_pid);
        if (r < 0)
                return HVS_DIAG(diag, r, "cannot continue the vm (qmp 'cont'): %s; it may still be stopped",
                                hvs_mem_errmsg(vm));
        p->resume_us = event_us(q, "RESUME", seq);
        return 0;
}

static int64_t downtime_ns(const struct pause *p) {
        if (p->was_paused || p->stop_us < 0 || p->resume_us < p->stop_us)
                return -1;
        return (p->resume_us - p->stop_us) * 1000;
}

/* ---- the acquisition context ------------------------------------------------- */

struct early;

struct ctx {
        hvs_mem *vm;
        qmp *q;
        struct acq_source *src;
        size_t nsrc;
        int fds[HVS_ACQ_MAX_LOADS];
        size_t nfds;
        hvs_acq_opts o;
        hvs_acq_result *res;
        hvs_diag *diag;
        struct acq_out *out;
        struct acq_load *loads;
        size_t nloads;
        uint64_t data_bytes;
        hvs_acq_regs *regs;
        const hvs_acq_vcpu *vcpus;
        size_t nvcpus;
        uint8_t *stage;
        size_t stage_len;
        struct pause pz;
        unsigned threads;
        char host[256];
        char actor[256];
        struct early *early;
};

static int progress(struct ctx *c, enum hvs_acq_phase ph, uint64_t done, uint64_t total) {
        if (c->o.progress && c->o.progress(c->o.progress_data, ph, done, total) != 0)
                return HVS_DIAG(c->diag, -ECANCELED, "acquisition cancelled");
        return 0;
}

static int opts_read(const hvs_acq_opts *in, hvs_diag *diag, hvs_acq_opts *ret) {
        *ret = (hvs_acq_opts){ .sz = sizeof *ret };
        if (!in)
                return 0;
        if (in->sz < sizeof(size_t))
                return HVS_DIAG(diag, -EINVAL, "hvs_acq_opts.sz is %zu: use HVS_OPTS()", in->sz);
        for (size_t i = sizeof(hvs_acq_opts); i < in->sz; i++)
                if (((const uint8_t *)in)[i])
                        return HVS_DIAG(diag, -EINVAL, "unknown non-zero field at byte %zu of hvs_acq_opts", i);
        memcpy(ret, in, MIN(in->sz, sizeof *ret));
        ret->sz = sizeof *ret;
        if (ret->mode != HVS_ACQ_CONSISTENT && ret->mode != HVS_ACQ_LIVE)
                return HVS_DIAG(diag, -EINVAL, "unknown acquisition mode %d", (int)ret->mode);
        if (ret->compress != HVS_ACQ_COMPRESS_NONE && ret->compress != HVS_ACQ_COMPRESS_ZSTD)
                return HVS_DIAG(diag, -EINVAL, "unknown compression %d", (int)ret->compress);
        if (ret->zstd_level < 0 || ret->zstd_level > 22)
                return HVS_DIAG(diag, -EINVAL, "zstd level %d is not in 1..22", ret->zstd_level);
        return 0;
}

static unsigned pick_threads(unsigned want) {
        if (want == 0) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                want = n > 0 ? (unsigned)n : 1;
        }
        return MAX(1u, MIN(want, HVS_ACQ_MAX_THREADS));
}

/* ---- metadata: the HVSCOPE note and the sidecar -------------------------------- */

static void iso(int64_t ns, char *buf, size_t cap) {
        time_t s = (time_t)(ns / 1000000000);
        struct tm tm;
        buf[0] = '\0';
        if (ns <= 0 || !gmtime_r(&s, &tm))
                return;
        char d[32];
        strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, cap, "%s.%06" PRId64 "Z", d, (ns % 1000000000) / 1000);
}

static json_object *jstr(const char *s) { return s && *s ? json_object_new_string(s) : NULL; }

static void add_time(json_object *o, const char *key, int64_t ns) {
        char b[48], k[64];
        iso(ns, b, sizeof b);
        json_object_object_add(o, key, jstr(b));
        snprintf(k, sizeof k, "%s_ns", key);
        json_object_object_add(o, k, ns > 0 ? json_object_new_int64(ns) : NULL);
}

static json_object *vm_json(const hvs_acq_result *r) {
        json_object *vm = json_object_new_object();
        json_object_object_add(vm, "name", jstr(r->vm_name));
        json_object_object_add(vm, "uuid", jstr(r->vm_uuid));
        json_object_object_add(vm, "qmp", jstr(r->qmp_path));
        json_object_object_add(vm, "qemu_pid", r->qemu_pid > 0 ? json_object_new_int(r->qemu_pid) : NULL);
        json_object_object_add(vm, "accelerator", jstr(r->accel));
        json_object_object_add(vm, "qemu_version", jstr(r->qemu_version));
        return vm;
}

/* Host and user, looked up before the guest is stopped (NSS reads files). */
static void who(struct ctx *c) {
        if (gethostname(c->host, sizeof c->host - 1) < 0)
                c->host[0] = '\0';
        struct passwd pw, *pwp = NULL;
        char pwbuf[1024];
        if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp)
                hvs_strlcpy(c->actor, pw.pw_name, sizeof c->actor);
}

/* The JSON inside the image (no hash: it cannot hold its own) or the sidecar. */
static char *meta_json(const struct ctx *c, bool sidecar) {
        const hvs_acq_result *r = c->res;
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        json_object_object_add(o, "tool", json_object_new_string("hvscope"));
        json_object_object_add(o, "version", json_object_new_string(HVS_VERSION_STRING));
        json_object_object_add(o, "kind", json_object_new_string("memory"));
        json_object_object_add(o, "format", json_object_new_string("elf64-core"));
        json_object_object_add(o, "mode", json_object_new_string(hvs_acq_mode_name(r->mode)));
        json_object_object_add(o, "smeared", json_object_new_boolean(r->smeared));
        json_object_object_add(o, "vm_was_paused", json_object_new_boolean(r->vm_was_paused));
        json_object_object_add(o, "host", jstr(c->host));
        json_object_object_add(o, "actor", jstr(c->actor));
        json_object_object_add(o, "uid", json_object_new_int((int)geteuid()));
        json_object_object_add(o, "vm", vm_json(r));
        add_time(o, "started", r->started_ns);
        add_time(o, "paused", r->paused_ns);
        /* The note is final while the guest is still stopped (the image is
         * hashed from there on): what is known only after it continues is
         * in the sidecar (and the case) alone. */
        if (sidecar) {
                add_time(o, "resumed", r->resumed_ns);
                json_object_object_add(o, "downtime_ns", r->downtime_ns >= 0 ? json_object_new_int64(r->downtime_ns)
                                                                             : NULL);
                json_object_object_add(o, "downtime_source",
                                       r->downtime_ns > 0 ? json_object_new_string("qmp STOP/RESUME event timestamps")
                                                          : NULL);
                json_object_object_add(o, "pause_wall_ns", r->pause_wall_ns > 0 ? json_object_new_int64(r->pause_wall_ns)
                                                                                : NULL);
        }
        json_object *ram = json_object_new_object();
        json_object_object_add(ram, "bytes", json_object_new_int64((int64_t)r->ram_bytes));
        json_object_object_add(ram, "data_bytes", json_object_new_int64((int64_t)r->data_bytes));
        json_object_object_add(ram, "skipped_hole_bytes", json_object_new_int64((int64_t)r->skipped_bytes));
        json_object *ranges = json_object_new_array();
        for (size_t i = 0; i < c->nsrc; i++) {
                json_object *e = json_object_new_object();
                char b[24];
                snprintf(b, sizeof b, "0x%" PRIx64, c->src[i].gpa);
                json_object_object_add(e, "gpa", json_object_new_string(b));
                json_object_object_add(e, "size", json_object_new_int64((int64_t)c->src[i].size));
                json_object_array_add(ranges, e);
        }
        json_object_object_add(ram, "ranges", ranges);
        json_object_object_add(ram, "loads", json_object_new_int64((int64_t)c->nloads));
        json_object_object_add(o, "ram", ram);
        json_object_object_add(o, "vcpus", json_object_new_int64((int64_t)c->nvcpus));
        if (c->regs)
                add_time(o, "registers_taken", c->regs->taken_ns);
        if (sidecar) {
                json_object *img = json_object_new_object();
                json_object_object_add(img, "path", jstr(r->path));
                json_object_object_add(img, "size", json_object_new_int64((int64_t)r->size));
                json_object_object_add(img, "sha256", jstr(r->sha256));
                json_object_object_add(img, "compression", json_object_new_string(hvs_acq_compress_name(r->compress)));
                json_object_object_add(img, "uncompressed_size", json_object_new_int64((int64_t)r->image_size));
                json_object_object_add(img, "uncompressed_sha256", jstr(r->image_sha256));
                json_object_object_add(o, "image", img);
                add_time(o, "finished", r->finished_ns);
                json_object_object_add(o, "write_ns", json_object_new_int64(r->write_ns));
                json_object_object_add(o, "status", json_object_new_string("complete"));
        }
        const char *s = json_object_to_json_string_ext(o, (sidecar ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
        char *copy = s ? hvs_strdup(s) : NULL;
        json_object_put(o);
        if (copy && sidecar) {
                size_t l = strlen(copy);
                char *nl = hvs_realloc(copy, l + 2);
                if (!nl) {
                        free(copy);
                        return NULL;
                }
                nl[l] = '\n';
                nl[l + 1] = '\0';
                copy = nl;
        }
        return copy;
}

/* ---- writing the image ------------------------------------------------------- */

static int pread_full(const struct ctx *c, const struct acq_source *s, uint8_t *buf, size_t len, uint64_t off) {
        while (len > 0) {
                ssize_t k = pread(s->fd, buf, len, (off_t)off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return HVS_DIAG(c->diag, -errno, "cannot read guest ram at file offset 0x%" PRIx64 ": %s",
                                        off, strerror(errno));
                if (k == 0)
                        return HVS_DIAG(c->diag, -EIO,
                                        "the guest ram file ends at offset 0x%" PRIx64 ", before the end of ram range "
                                        "0x%" PRIx64 "+0x%" PRIx64 " (the vm went away?)",
                                        off, s->gpa, s->size);
                buf += k;
                len -= (size_t)k;
                off += (uint64_t)k;
        }
        return 0;
}

/* ---- consistent: the image's hash starts while the guest is stopped ---------- */

/*
 * SHA-256 of the image is the slowest part of an acquisition into tmpfs (one
 * core; about 1.8 GB/s with SHA-NI), and it can start only once every byte
 * before the data is final. These are all known while the guest is still
 * stopped: the loads (found again after the stop), the registers (read over
 * QMP while the copy threads run) and the HVSCOPE note, which holds only what
 * is known at the stop (the resume time and the downtime are in FILE.json and
 * the case). So once the registers are in, a thread hashes the header and then
 * the staging copy, piece by piece (COPY_ITEM) as the copy threads finish them,
 * and it runs on after the guest continues while the writer writes the same
 * bytes.
 */
struct early {
        struct ctx *c;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        bool *done;                     /* per copy item */
        size_t nitems;
        bool cancel;
        bool started;
        int err;
        uint8_t *hdr;
        size_t hlen;
        EVP_MD_CTX *md;
        char sha[65];
        pthread_t th;
};

static bool item_at(const struct ctx *c, size_t idx, const struct acq_load **ret_l, uint64_t *ret_off,
                    uint64_t *ret_len);

static void *early_main(void *arg) {
        struct early *e = arg;
        int r = EVP_DigestUpdate(e->md, e->hdr, e->hlen) == 1 ? 0 : -EIO;
        for (size_t k = 0; k < e->nitems && r == 0; k++) {
                pthread_mutex_lock(&e->mu);
                while (!e->done[k] && !e->cancel)
                        pthread_cond_wait(&e->cv, &e->mu);
                bool stop = e->cancel;
                pthread_mutex_unlock(&e->mu);
                if (stop) {
                        r = -ECANCELED;
                        break;
                }
                const struct acq_load *l;
                uint64_t off, len;
                if (!item_at(e->c, k, &l, &off, &len))
                        r = -EINVAL;
                else if (EVP_DigestUpdate(e->md, e->c->stage + l->out_off + off, (size_t)len) != 1)
                        r = -EIO;
        }
        if (r == 0) {
                unsigned char h[EVP_MAX_MD_SIZE];
                unsigned int n = 0;
                if (EVP_DigestFinal_ex(e->md, h, &n) != 1 || n != 32)
                        r = -EIO;
                for (unsigned i = 0; r == 0 && i < n; i++)
                        snprintf(e->sha + 2 * i, 3, "%02x", h[i]);
        }
        e->err = r;
        return NULL;
}

static void early_free(struct ctx *c) {
        struct early *e = c->early;
        if (!e)
                return;
        if (e->started) {
                pthread_mutex_lock(&e->mu);
                e->cancel = true;
                pthread_cond_broadcast(&e->cv);
                pthread_mutex_unlock(&e->mu);
                pthread_join(e->th, NULL);
        }
        EVP_MD_CTX_free(e->md);
        pthread_cond_destroy(&e->cv);
        pthread_mutex_destroy(&e->mu);
        free(e->hdr);
        free(e->done);
        free(e);
        c->early = NULL;
}

/* Before the copy: room for @nitems pieces. Without it (no memory) the
 * stream hashes after the guest continues, as in live mode. */
static void early_init(struct ctx *c, size_t nitems) {
        struct early *e = hvs_calloc(1, sizeof *e);
        if (!e)
                return;
        e->c = c;
        e->nitems = nitems;
        e->done = hvs_calloc(MAX(nitems, (size_t)1), sizeof *e->done);
        e->md = EVP_MD_CTX_new();
        pthread_mutex_init(&e->mu, NULL);
        pthread_cond_init(&e->cv, NULL);
        c->early = e;
        if (!e->done || !e->md || EVP_DigestInit_ex(e->md, EVP_sha256(), NULL) != 1)
                early_free(c);
}

static void early_item_done(struct early *e, size_t idx) {
        if (!e)
                return;
        pthread_mutex_lock(&e->mu);
        e->done[idx] = true;
        pthread_cond_broadcast(&e->cv);
        pthread_mutex_unlock(&e->mu);
}

/* Still stopped, registers read: build the header and start hashing. */
static void early_start(struct ctx *c) {
        struct early *e = c->early;
        if (!e)
                return;
        _cleanup_free_ char *note = meta_json(c, false);
        if (!note || acq_elf_header(c->loads, c->nloads, c->vcpus, c->nvcpus, note, &e->hdr, &e->hlen) < 0 ||
            pthread_create(&e->th, NULL, early_main, e) != 0) {
                early_free(c);
                return;
        }
        e->started = true;
}

/* The header the early hash hashed (the image must start with exactly it). */
static bool early_header(const struct early *e, const uint8_t **ret, size_t *ret_len) {
        if (!e || !e->started)
                return false;
        *ret = e->hdr;
        *ret_len = e->hlen;
        return true;
}

/* Wait for the early hash (or stop it with @abort). Return: 0; -errno. */
static int early_finish(struct early *e, bool abort, char *ret_sha256) {
        if (abort) {
                pthread_mutex_lock(&e->mu);
                e->cancel = true;
                pthread_cond_broadcast(&e->cv);
                pthread_mutex_unlock(&e->mu);
        }
        pthread_join(e->th, NULL);
        e->started = false;
        if (e->err == 0)
                memcpy(ret_sha256, e->sha, sizeof e->sha);
        return e->err;
}

/* Write header and loads from the staging copy (consistent) or the RAM files (live). */
static int write_image(struct ctx *c) {
        uint64_t t0 = hvs_now_ns();
        _cleanup_free_ uint8_t *own = NULL;
        const uint8_t *hdr = NULL;
        size_t hlen = 0;
        int r = 0;
        bool early = early_header(c->early, &hdr, &hlen);
        if (!early) {
                _cleanup_free_ char *note = meta_json(c, false);
                if (!note)
                        return HVS_DIAG(c->diag, -ENOMEM, "out of memory");
                r = acq_elf_header(c->loads, c->nloads, c->vcpus, c->nvcpus, note, &own, &hlen);
                if (r < 0)
                        return HVS_DIAG(c->diag, r, "cannot build the ELF header: %s", hvs_strerror(r));
                hdr = own;
        }
        uint64_t total = hlen + c->data_bytes;
        c->res->image_size = total;
        if (c->o.compress == HVS_ACQ_COMPRESS_NONE && !c->stage && (r = acq_out_reserve(c->out, total, c->diag)) < 0)
                return r;
        if ((r = progress(c, HVS_ACQ_PHASE_WRITE, 0, total)) < 0)
                return r;
        struct acq_stream *s = NULL;
        r = acq_stream_start(c->out, c->o.compress, c->o.zstd_level, c->threads, total, !early, c->diag, &s);
        if (r < 0)
                return r;
        /* @r: an error of ours (reading guest RAM, cancelled), with its diag set;
         * @sr: the writers failed (full disk, ...): acq_stream_finish() says why. */
        int sr = acq_stream_put(s, hdr, hlen);
        uint64_t last = 0;
        for (size_t i = 0; i < c->nloads && r == 0 && sr == 0; i++) {
                const struct acq_load *l = &c->loads[i];
                for (uint64_t off = 0; off < l->size && r == 0 && sr == 0; off += ACQ_CHUNK) {
                        size_t n = (size_t)MIN((uint64_t)ACQ_CHUNK, l->size - off);
                        if (c->stage) {
                                sr = acq_stream_put(s, c->stage + l->out_off + off, n);
                        } else {
                                uint8_t *buf = acq_stream_buffer(s);
                                if (!buf) {
                                        sr = -EIO;
                                        break;
                                }
                                r = pread_full(c, &c->src[l->src], buf, n, l->file_off + off);
                                if (r == 0)
                                        sr = acq_stream_commit(s, n);
                        }
                        uint64_t done = acq_stream_done(s);
                        if (r == 0 && sr == 0 && done - last >= (32u << 20)) {
                                last = done;
                                r = progress(c, HVS_ACQ_PHASE_WRITE, done, total);
                        }
                }
        }
        int w = acq_stream_finish(s, r < 0 || sr < 0, r < 0 ? NULL : c->diag, c->res->sha256, c->res->image_sha256,
                                  &c->res->size);
        if (early) {
                /* The image's hash, started while the guest was stopped. */
                int e = early_finish(c->early, r < 0 || w < 0, c->res->image_sha256);
                if (r == 0 && w == 0 && e < 0)
                        w = HVS_DIAG(c->diag, e, "sha-256 of the image failed");
                if (c->o.compress == HVS_ACQ_COMPRESS_NONE)
                        memcpy(c->res->sha256, c->res->image_sha256, sizeof c->res->sha256);
        }
        c->res->write_ns = (int64_t)(hvs_now_ns() - t0);
        hvs_debug("acquire: %" PRIu64 " bytes written in %.1f ms", total, ms_since(t0));
        if (r < 0)
                return r;
        if (w < 0)
                return w;
        return progress(c, HVS_ACQ_PHASE_WRITE, total, total);
}

static int commit(struct ctx *c) {
        int r = progress(c, HVS_ACQ_PHASE_SYNC, 0, 0);
        if (r < 0)
                return r;
        hvs_strlcpy(c->res->path, acq_out_path(c->out), sizeof c->res->path);
        hvs_strlcpy(c->res->sidecar, acq_out_sidecar(c->out), sizeof c->res->sidecar);
        c->res->finished_ns = acq_realtime_ns();
        _cleanup_free_ char *side = meta_json(c, true);
        if (!side)
                return HVS_DIAG(c->diag, -ENOMEM, "out of memory");
        r = acq_out_commit(c->out, c->res->size, side, c->diag);
        if (r < 0)
                return r;
        c->out = acq_out_abort(c->out, NULL);   /* committed: this only frees */
        return 0;
}

static void account(struct ctx *c) {
        c->res->n_loads = c->nloads;
        c->res->data_bytes = c->data_bytes;
        c->res->skipped_bytes = c->res->ram_bytes > c->data_bytes ? c->res->ram_bytes - c->data_bytes : 0;
        c->res->n_vcpus = c->nvcpus;
}

/* ---- consistent: copy while stopped ------------------------------------------ */

struct copier {
        struct ctx *c;
        atomic_size_t next;             /* next work item */
        size_t nitems;
        atomic_uint_fast64_t done;      /* bytes of loads copied */
        atomic_bool cancel;
        atomic_int err;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        unsigned running;
};

/*
 * Copy [off, off+len) of load @l into the staging memory: a run of data with
 * memcpy from our faulted-in view of the guest's RAM (memory bandwidth), a
 * load with holes inside with pread (holes read as zeros, and no page is
 * allocated in the guest's file as a read fault through the mapping would).
 */
static int copy_part(const struct ctx *c, const struct acq_load *l, uint64_t off, uint64_t len) {
        const struct acq_source *s = &c->src[l->src];
        uint8_t *dst = c->stage + l->out_off + off;
        uint64_t at = l->file_off + off;
        if (s->host && !l->holes) {
                memcpy(dst, s->host + (at - s->file_off), len);
                return 0;
        }
        while (len > 0) {
                ssize_t k = pread(s->fd, dst, len, (off_t)at);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                dst += k;
                at += (uint64_t)k;
                len -= (size_t)k;
        }
        return 0;
}

/* The work item @idx: the (load, offset) it starts at and its length. */
static bool item_at(const struct ctx *c, size_t idx, const struct acq_load **ret_l, uint64_t *ret_off, uint64_t *ret_len) {
        for (size_t i = 0; i < c->nloads; i++) {
                size_t k = (size_t)((c->loads[i].size + COPY_ITEM - 1) / COPY_ITEM);
                if (idx < k) {
                        *ret_l = &c->loads[i];
                        *ret_off = (uint64_t)idx * COPY_ITEM;
                        *ret_len = MIN((uint64_t)COPY_ITEM, c->loads[i].size - *ret_off);
                        return true;
                }
                idx -= k;
        }
        return false;
}

static void *copy_main(void *arg) {
        struct copier *cp = arg;
        for (;;) {
                size_t idx = atomic_fetch_add(&cp->next, 1);
                const struct acq_load *l;
                uint64_t off, len;
                if (idx >= cp->nitems || atomic_load(&cp->cancel) || atomic_load(&cp->err) ||
                    !item_at(cp->c, idx, &l, &off, &len))
                        break;
                int r = copy_part(cp->c, l, off, len);
                if (r < 0) {
                        int zero = 0;
                        atomic_compare_exchange_strong(&cp->err, &zero, r);
                        break;
                }
                early_item_done(cp->c->early, idx);
                atomic_fetch_add(&cp->done, len);
        }
        pthread_mutex_lock(&cp->mu);
        cp->running--;
        pthread_cond_broadcast(&cp->cv);
        pthread_mutex_unlock(&cp->mu);
        return NULL;
}

/* Copy every load into the staging memory with c->threads threads, reading
 * the registers meanwhile. */
static int copy_stopped(struct ctx *c) {
        struct copier cp = { .c = c };
        for (size_t i = 0; i < c->nloads; i++)
                cp.nitems += (size_t)((c->loads[i].size + COPY_ITEM - 1) / COPY_ITEM);
        early_init(c, cp.nitems);
        pthread_mutex_init(&cp.mu, NULL);
        pthread_cond_init(&cp.cv, NULL);
        pthread_t th[HVS_ACQ_MAX_THREADS];
        unsigned n = 0;
        for (; n < c->threads; n++) {
                pthread_mutex_lock(&cp.mu);
                cp.running++;
                pthread_mutex_unlock(&cp.mu);
                if (pthread_create(&th[n], NULL, copy_main, &cp) != 0) {
                        pthread_mutex_lock(&cp.mu);
                        cp.running--;
                        pthread_mutex_unlock(&cp.mu);
                        break;
                }
        }
        int r = 0;
        if (n == 0) {
                /* No thread to spare: copy here. */
                pthread_mutex_lock(&cp.mu);
                cp.running++;
                pthread_mutex_unlock(&cp.mu);
                copy_main(&cp);
        }
        /* The registers, while the memory is copied: both are of this one instant. */
        uint64_t t0 = hvs_now_ns();
        r = acq_query_registers(c->q, c->diag, &c->regs);
        hvs_debug("acquire: registers read in %.1f ms", ms_since(t0));
        if (r < 0)
                atomic_store(&cp.cancel, true);
        if (r == 0) {
                c->vcpus = c->regs->vcpus;
                c->nvcpus = c->regs->n;
                account(c);
                early_start(c);
        }
        pthread_mutex_lock(&cp.mu);
        while (cp.running > 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 20 * 1000 * 1000;
                if (ts.tv_nsec >= 1000000000) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&cp.cv, &cp.mu, &ts);
                pthread_mutex_unlock(&cp.mu);
                if (r == 0 && progress(c, HVS_ACQ_PHASE_PAUSED, atomic_load(&cp.done), c->data_bytes) < 0) {
                        r = -ECANCELED;
                        atomic_store(&cp.cancel, true);
                }
                pthread_mutex_lock(&cp.mu);
        }
        pthread_mutex_unlock(&cp.mu);
        for (unsigned i = 0; i < n; i++)
                pthread_join(th[i], NULL);
        pthread_cond_destroy(&cp.cv);
        pthread_mutex_destroy(&cp.mu);
        int e = atomic_load(&cp.err);
        if (r == 0 && e < 0)
                r = HVS_DIAG(c->diag, e, "cannot copy guest memory: %s", strerror(-e));
        if (r == 0)
                r = progress(c, HVS_ACQ_PHASE_PAUSED, c->data_bytes, c->data_bytes);
        return r;
}

static uint64_t mem_available(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
        char line[256];
        unsigned long long kb;
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
                        return (uint64_t)kb * 1024;
        return UINT64_MAX;      /* unknown: let mmap decide */
}


/* Staging memory and faulted-in views, before the stop. */
static int prepare_stage(struct ctx *c, uint64_t est) {
        uint64_t avail = mem_available();
        if (est > avail)
                return HVS_DIAG(c->diag, -ENOMEM,
                                "a consistent image stages the guest's %" PRIu64 " MiB of resident memory in host "
                                "memory, and only %" PRIu64 " MiB are available: free memory, or acquire --live",
                                est >> 20, avail >> 20);
        uint64_t len = (c->res->ram_bytes + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
        if (len > SIZE_MAX)
                return HVS_DIAG(c->diag, -ENOMEM, "guest memory too large to stage");
        void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
                return HVS_DIAG(c->diag, -ENOMEM, "cannot map %" PRIu64 " MiB of staging memory: %s", len >> 20,
                                strerror(errno));
        c->stage = p;
        c->stage_len = (size_t)len;
        (void)madvise(p, (size_t)len, MADV_HUGEPAGE);
        size_t pop = (size_t)MIN(len, (est + STAGE_SLACK(est) + PAGE - 1) & ~(uint64_t)(PAGE - 1));
        if (madvise(p, pop, MADV_POPULATE_WRITE) < 0) {
                if (errno == ENOMEM)
                        return HVS_DIAG(c->diag, -ENOMEM, "not enough host memory to stage %zu MiB", pop >> 20);
                for (size_t i = 0; i < pop; i += PAGE)  /* kernels before 5.14 */
                        ((volatile uint8_t *)p)[i] = 0;
        }
        return 0;
}

/*
 * The other half of the preparation, in a thread of its own next to
 * prepare_stage() (both are mostly kernel work and independent): fault in
 * our read-only view of the resident guest pages.
 *
 * The output's room is checked (acq_out_check_room()), not reserved: a
 * reservation (fallocate) makes tmpfs allocate every page before the stop,
 * about 30 ms per 120 MiB on the critical path, while the writer allocates
 * them anyway as it writes, on the other core, in the shadow of the image's
 * hash. A disk someone else fills meanwhile shows while writing, after the
 * guest continued (the .part file is removed).
 */
struct prep_job {
        struct ctx *c;
};

static void populate_views(const struct ctx *c) {
        /* Only loads without holes are copied through the view (copy_part()). */
        for (size_t i = 0; i < c->nloads; i++) {
                const struct acq_load *l = &c->loads[i];
                const struct acq_source *s = &c->src[l->src];
                if (!s->host || l->holes)
                        continue;
                uintptr_t a = (uintptr_t)(s->host + (l->file_off - s->file_off));
                uintptr_t lo = a & ~(uintptr_t)(PAGE - 1), hi = (a + l->size + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
                (void)madvise((void *)lo, hi - lo, MADV_POPULATE_READ); /* a hint: faults happen anyway */
        }
}

static void *prep_main(void *arg) {
        struct prep_job *j = arg;
        populate_views(j->c);
        return NULL;
}

static int acquire_consistent(struct ctx *c) {
        uint64_t t0 = hvs_now_ns();
        /* Room for the headers (a page per 64 vCPUs is generous) and the data. */
        int r = c->o.compress ? 0 : acq_out_check_room(c->out, c->data_bytes + (1u << 20), c->diag);
        if (r < 0)
                return r;
        struct prep_job job = { .c = c };
        pthread_t th;
        bool threaded = pthread_create(&th, NULL, prep_main, &job) == 0;
        r = prepare_stage(c, c->data_bytes);
        if (threaded)
                pthread_join(th, NULL);
        else if (r == 0)
                prep_main(&job);
        if (r < 0)
                return r;
        hvs_debug("acquire: staged %" PRIu64 " MiB and faulted in in %.1f ms", c->data_bytes >> 20, ms_since(t0));
        if ((r = progress(c, HVS_ACQ_PHASE_PAUSED, 0, c->data_bytes)) < 0)
                return r;

        t0 = hvs_now_ns();
        r = do_pause(c->vm, c->q, &c->pz, c->diag);
        if (r < 0)
                return r;
        hvs_debug("acquire: stop answered in %.1f ms", ms_since(t0));
        c->res->vm_was_paused = c->pz.was_paused;
        c->res->paused_ns = !c->pz.was_paused && c->pz.stop_us > 0 ? c->pz.stop_us * 1000 : 0;
        /* ---- stopped (or was already): the guest changes no byte until do_resume() ---- */
        struct acq_load *loads = NULL;
        size_t nloads = 0;
        r = acq_plan_again(c->src, c->nsrc, c->loads, c->nloads, 0, 0, c->diag, &loads, &nloads, &c->data_bytes);
        if (r == 0) {
                free(c->loads);
                c->loads = loads;
                c->nloads = nloads;
        }
        hvs_debug("acquire: %zu loads, %" PRIu64 " MiB found again at %.1f ms", c->nloads, c->data_bytes >> 20,
                  ms_since(t0));
        if (r == 0)
                r = copy_stopped(c);
        hvs_debug("acquire: copied at %.1f ms", ms_since(t0));
        int rr = do_resume(c->vm, c->q, &c->pz, r < 0 ? NULL : c->diag);
        hvs_debug("acquire: cont answered at %.1f ms", ms_since(t0));
        /* ---- running again ---- */
        if (r == 0)
                r = rr;
        else if (rr < 0 && vm_gone(c->vm))
                r = HVS_DIAG(c->diag, r, "the vm went away during the acquisition (qemu process %d is gone)",
                             (int)c->res->qemu_pid);
        else if (rr < 0 && c->diag) {
                size_t l = strlen(c->diag->msg);
                snprintf(c->diag->msg + l, sizeof c->diag->msg - l, "; and the vm could not be continued: %s",
                         hvs_mem_errmsg(c->vm));
        }
        c->res->downtime_ns = downtime_ns(&c->pz);
        if (!c->pz.was_paused) {
                c->res->pause_wall_ns = (int64_t)(c->pz.t_resume - c->pz.t_stop);
                c->res->resumed_ns = c->pz.resume_us > 0 ? c->pz.resume_us * 1000 : 0;
        }
        if (r < 0)
                return r;
        c->vcpus = c->regs->vcpus;
        c->nvcpus = c->regs->n;
        account(c);
        r = write_image(c);
        if (r == 0)
                r = commit(c);
        return r;
}

/* ---- live: stream from the RAM files ------------------------------------------ */

static int acquire_live(struct ctx *c) {
        c->res->smeared = true;
        c->res->downtime_ns = 0;
        int r = 0;
        if (c->q) {
                r = acq_query_registers(c->q, c->diag, &c->regs);
                if (r < 0)
                        return r;
                c->vcpus = c->regs->vcpus;
                c->nvcpus = c->regs->n;
        }
        account(c);
        r = write_image(c);
        if (r == 0 && c->q) {
                /* The RAM file outlives its QEMU: make sure the VM was there to the end. */
                bool running = false;
                hvs_diag d = { 0 };
                r = query_running(c->q, &d, &running);
                if (r < 0 && vm_gone(c->vm))
                        r = HVS_DIAG(c->diag, r, "the vm went away during the acquisition (qemu process %d is gone)",
                                     (int)c->res->qemu_pid);
                else if (r < 0)
                        r = HVS_DIAG(c->diag, r, "the vm went away during the acquisition (%s)", d.msg);
        }
        if (r == 0)
                r = commit(c);
        return r;
}

/* ---- entry points -------------------------------------------------------------- */

static void ctx_done(struct ctx *c) {
        early_free(c);          /* first: it reads the staging copy and the loads */
        if (c->out)
                acq_out_abort(c->out, c->diag);
        if (c->stage)
                munmap(c->stage, c->stage_len);
        for (size_t i = 0; i < c->nfds; i++)
                close(c->fds[i]);
        free(c->loads);
        hvs_acq_regs_free(c->regs);
}

/* Plan, create the output and reserve its room; then the mode's own part. */
static int run(struct ctx *c, const char *path) {
        c->res->mode = c->o.mode;
        c->res->compress = c->o.compress;
        c->threads = pick_threads(c->o.threads);
        who(c);
        for (size_t i = 0; i < c->nsrc; i++)
                c->res->ram_bytes += c->src[i].size;
        int r = progress(c, HVS_ACQ_PHASE_PREPARE, 0, 0);
        if (r < 0)
                return r;
        r = acq_plan(c->src, c->nsrc, 0, 0, c->diag, &c->loads, &c->nloads, &c->data_bytes);
        if (r < 0)
                return r;
        /* Room for the headers (a page per 64 vCPUs is generous) and the data;
         * consistent mode only checks it (acquire_consistent()). */
        uint64_t prealloc = c->o.compress || c->o.mode != HVS_ACQ_LIVE ? 0 : c->data_bytes + (1u << 20);
        r = acq_out_open(path, c->o.force, prealloc, c->diag, &c->out);
        if (r < 0)
                return r;
        return c->o.mode == HVS_ACQ_LIVE ? acquire_live(c) : acquire_consistent(c);
}

static int open_sources(struct ctx *c, const struct qemu_ram_source *rs, size_t n) {
        if (n > HVS_ACQ_MAX_LOADS)
                return HVS_DIAG(c->diag, -E2BIG, "%zu ram ranges exceed %u (HVS_ACQ_MAX_LOADS)", n, HVS_ACQ_MAX_LOADS);
        c->src = hvs_calloc(n, sizeof *c->src);
        if (!c->src)
                return HVS_DIAG(c->diag, -ENOMEM, "out of memory");
        c->nsrc = n;
        const char *paths[HVS_ACQ_MAX_LOADS];
        for (size_t i = 0; i < n; i++) {
                if (!rs[i].path || !rs[i].path[0])
                        return HVS_DIAG(c->diag, -EOPNOTSUPP, "guest ram range 0x%" PRIx64 " has no file", rs[i].gpa);
                size_t k = 0;
                while (k < c->nfds && strcmp(paths[k], rs[i].path) != 0)
                        k++;
                if (k == c->nfds) {
                        int fd = open(rs[i].path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0)
                                return HVS_DIAG(c->diag, -errno, "cannot open guest ram file '%s': %s", rs[i].path,
                                                strerror(errno));
                        paths[k] = rs[i].path;
                        c->fds[c->nfds++] = fd;
                }
                struct stat st;
                if (fstat(c->fds[k], &st) < 0 || (uint64_t)st.st_size < rs[i].file_off + rs[i].size)
                        return HVS_DIAG(c->diag, -EBADMSG, "guest ram file '%s' is shorter than the vm's memory map",
                                        rs[i].path);
                c->src[i] = (struct acq_source){ .gpa = rs[i].gpa, .size = rs[i].size, .fd = c->fds[k],
                                                 .file_off = rs[i].file_off, .host = rs[i].host };
        }
        return 0;
}

static void fill_vm(hvs_acq_result *res, hvs_mem *vm, qmp *q) {
        hvs_acq_regs r = { 0 };
        acq_regs_fill_vm(&r, vm, q);
        memcpy(res->vm_name, r.vm_name, sizeof res->vm_name);
        memcpy(res->vm_uuid, r.vm_uuid, sizeof res->vm_uuid);
        memcpy(res->qmp_path, r.qmp_path, sizeof res->qmp_path);
        memcpy(res->accel, r.accel, sizeof res->accel);
        memcpy(res->qemu_version, r.qemu_version, sizeof res->qemu_version);
        res->qemu_pid = r.qemu_pid;
}

HVS_API int hvs_acq_memory(hvs_mem *vm, const char *path, const hvs_acq_opts *opts, hvs_diag *diag,
                           hvs_acq_result *ret) {
        if (!vm || !path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no vm or output given");
        *ret = (hvs_acq_result){ .downtime_ns = -1, .started_ns = acq_realtime_ns() };
        struct ctx c = { .vm = vm, .res = ret, .diag = diag };
        int r = opts_read(opts, diag, &c.o);
        if (r < 0)
                return r;
        _cleanup_free_ struct qemu_ram_source *rs = NULL;
        size_t nrs = 0;
        r = qemu_live_parts(vm, &c.q, &rs, &nrs);
        if (r == -EOPNOTSUPP)
                return HVS_DIAG(diag, r, "memory acquisition needs a live qemu vm (--vm or --pid), not '%s' memory",
                                hvs_mem_get_info(vm)->source);
        if (r < 0)
                return HVS_DIAG(diag, r, "out of memory");
        fill_vm(ret, vm, c.q);
        r = open_sources(&c, rs, nrs);
        if (r == 0)
                r = run(&c, path);
        if (r == 0)
                ret->finished_ns = ret->finished_ns ? ret->finished_ns : acq_realtime_ns();
        ctx_done(&c);
        free(c.src);
        return r;
}

int acq_image_from_sources(const struct acq_source *src, size_t nsrc, const hvs_acq_vcpu *vcpus, size_t nvcpus,
                           const char *path, const hvs_acq_opts *opts, hvs_diag *diag, hvs_acq_result *ret) {
        if (!src || !nsrc || !path || !ret)
                return HVS_DIAG(diag, -EINVAL, "no memory or output given");
        *ret = (hvs_acq_result){ .downtime_ns = -1, .started_ns = acq_realtime_ns() };
        struct ctx c = { .res = ret, .diag = diag, .vcpus = vcpus, .nvcpus = nvcpus };
        int r = opts_read(opts, diag, &c.o);
        if (r < 0)
                return r;
        c.o.mode = HVS_ACQ_LIVE;
        c.src = (struct acq_source *)src;
        c.nsrc = nsrc;
        r = run(&c, path);
        c.src = NULL;
        ctx_done(&c);
        return r;
}

HVS_API int hvs_acq_registers(hvs_mem *vm, bool pause, hvs_diag *diag, hvs_acq_regs **ret) {
        if (!vm || !ret)
                return HVS_DIAG(diag, -EINVAL, "no vm given");
        qmp *q = NULL;
        _cleanup_free_ struct qemu_ram_source *rs = NULL;
        size_t nrs = 0;
        int r = qemu_live_parts(vm, &q, &rs, &nrs);
        if (r == -EOPNOTSUPP)
                return HVS_DIAG(diag, r, "registers can be acquired from a live qemu vm only (--vm or --pid)");
        if (r < 0)
                return HVS_DIAG(diag, r, "out of memory");
        struct pause pz = { .stop_us = -1, .resume_us = -1 };
        if (pause && (r = do_pause(vm, q, &pz, diag)) < 0)
                return r;
        hvs_acq_regs *regs = NULL;
        r = acq_query_registers(q, diag, &regs);
        int rr = do_resume(vm, q, &pz, r < 0 ? NULL : diag);
        if (r == 0 && rr < 0) {
                hvs_acq_regs_free(regs);
                r = rr;
        }
        if (r < 0)
                return r;
        regs->paused = pause;
        regs->downtime_ns = pause ? downtime_ns(&pz) : -1;
        acq_regs_fill_vm(regs, vm, q);
        *ret = regs;
        return 0;
}

HVS_API int hvs_acq_save(const char *path, const void *data, size_t len, bool force, hvs_diag *diag,
                         char *ret_sha256) {
        if (!path || (!data && len))
                return HVS_DIAG(diag, -EINVAL, "nothing to save");
        struct acq_out *o = NULL;
        int r = acq_out_open(path, force, len, diag, &o);
        if (r < 0)
                return r;
        char sha[65];
        r = acq_out_write(o, data, len, diag);
        if (r == 0 && acq_sha256_hex(data, len, sha) < 0)
                r = HVS_DIAG(diag, -EIO, "sha-256 failed");
        if (r == 0)
                r = acq_out_commit(o, len, NULL, diag);
        if (r < 0) {
                acq_out_abort(o, diag);
                return r;
        }
        acq_out_abort(o, NULL);         /* committed: this only frees */
        if (ret_sha256)
                memcpy(ret_sha256, sha, sizeof sha);
        return 0;
}
