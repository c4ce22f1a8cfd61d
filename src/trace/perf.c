/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * perf.c - tracepoints of chosen threads through perf_event_open, with no
 * perf binary: one ring per CPU; every event of that CPU (each tracepoint,
 * each thread) writes into it (PERF_EVENT_IOC_SET_OUTPUT), so the watcher
 * reads ncpu rings whatever the number of threads. A per-thread event may
 * share a per-CPU ring with other threads only when it is bound to that CPU
 * too, hence one event per (thread, tracepoint, CPU). Inherited events
 * (threads the traced thread creates later) write into the same ring.
 */
#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "trace-internal.h"

struct trace_ring {
        int fd;                 /* the CPU's first event: owns the mmap */
        uint8_t *base;          /* perf_event_mmap_page, then the data area */
        size_t map_len;
        uint64_t data_size;
};

struct trace_perf {
        int epfd;
        unsigned ring_pages;
        int ncpu;
        struct trace_ring *rings;
        int *fds;               /* every event (the rings' own too) */
        size_t nfds;
        pid_t *tids;
        size_t ntids;
        uint8_t *scratch;
};

static int perf_open(struct perf_event_attr *a, pid_t pid, int cpu, int group, unsigned long flags) {
        return (int)syscall(__NR_perf_event_open, a, pid, cpu, group, flags);
}

int trace_perf_new(unsigned ring_pages, struct trace_perf **ret, hvs_diag *d) {
        if (!ring_pages || (ring_pages & (ring_pages - 1)) || ring_pages > HVS_TRACE_MAX_RING_PAGES)
                return HVS_DIAG(d, -EINVAL, "ring of %u pages: a power of two up to %u is needed", ring_pages,
                                HVS_TRACE_MAX_RING_PAGES);
        long n = sysconf(_SC_NPROCESSORS_CONF);
        if (n <= 0 || n > 4096)
                return HVS_DIAG(d, -EOPNOTSUPP, "cannot tell the number of CPUs");
        struct trace_perf *p = hvs_calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->ring_pages = ring_pages;
        p->ncpu = (int)n;
        p->rings = hvs_calloc((size_t)n, sizeof *p->rings);
        p->fds = hvs_calloc(HVS_TRACE_MAX_FDS, sizeof *p->fds);
        p->tids = hvs_calloc(HVS_TRACE_MAX_THREADS, sizeof *p->tids);
        p->scratch = hvs_malloc(TRACE_RING_SCRATCH);
        p->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (!p->rings || !p->fds || !p->tids || !p->scratch || p->epfd < 0) {
                int r = p->epfd < 0 && p->rings && p->fds && p->tids && p->scratch ? -errno : -ENOMEM;
                trace_perf_free(p);
                return HVS_DIAG(d, r, "cannot set up the perf rings: %s", strerror(-r));
        }
        for (int c = 0; c < p->ncpu; c++)
                p->rings[c].fd = -1;
        *ret = p;
        return 0;
}

static int ring_map(struct trace_perf *p, int cpu, int fd, hvs_diag *d) {
        long pg = sysconf(_SC_PAGESIZE);
        size_t len = (size_t)pg * (1 + p->ring_pages);
        void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
                return HVS_DIAG(d, -errno, "cannot map a perf ring of %zu bytes: %s", len, strerror(errno));
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)cpu };
        if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = -errno;
                munmap(m, len);
                return HVS_DIAG(d, r, "epoll_ctl: %s", strerror(-r));
        }
        struct perf_event_mmap_page *mp = m;
        p->rings[cpu] = (struct trace_ring){ .fd = fd, .base = m, .map_len = len,
                                             .data_size = mp->data_size ? mp->data_size : (uint64_t)pg * p->ring_pages };
        return 0;
}

int trace_perf_attach(struct trace_perf *p, pid_t tid, const uint32_t *ids, const char *const *filters, size_t nids,
                      bool inherit, hvs_diag *d) {
        if (p->ntids == HVS_TRACE_MAX_THREADS || p->nfds + nids * (size_t)p->ncpu > HVS_TRACE_MAX_FDS)
                return HVS_DIAG(d, -E2BIG, "more than %u traced threads or %u perf events", HVS_TRACE_MAX_THREADS,
                                HVS_TRACE_MAX_FDS);
        long pg = sysconf(_SC_PAGESIZE);
        size_t first = p->nfds;
        int r = 0;
        for (int c = 0; c < p->ncpu && r == 0; c++) {
                for (size_t i = 0; i < nids; i++) {
                        struct perf_event_attr a = {
                                .type = PERF_TYPE_TRACEPOINT,
                                .size = sizeof a,
                                .config = ids[i],
                                .sample_period = 1,
                                .sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW,
                                .inherit = inherit,
                                .use_clockid = 1,
                                /* REALTIME is refused for tracepoints (not NMI-safe): the
                                 * sources add the REALTIME-MONOTONIC offset */
                                .clockid = CLOCK_MONOTONIC,
                                .watermark = 1,
                                /* wake the watcher when a quarter of the ring is full */
                                .wakeup_watermark = (uint32_t)((size_t)pg * p->ring_pages / 4),
                        };
                        int fd = perf_open(&a, tid, c, -1, PERF_FLAG_FD_CLOEXEC);
                        if (fd < 0) {
                                r = -errno;
                                if (r == -ENODEV) {
                                        r = 0;  /* an offline CPU */
                                        break;
                                }
                                HVS_DIAG(d, r, "perf_event_open of tracepoint %u on thread %d cpu %d: %s%s", ids[i],
                                         (int)tid, c, strerror(-r),
                                         r == -EACCES || r == -EPERM ? " (needs root or CAP_PERFMON, see "
                                                                       "/proc/sys/kernel/perf_event_paranoid)" : "");
                                break;
                        }
                        p->fds[p->nfds++] = fd;
                        if (filters && filters[i] && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filters[i]) < 0) {
                                r = HVS_DIAG(d, -errno, "the kernel refused the filter '%s': %s", filters[i], strerror(errno));
                                break;
                        }
                        if (p->rings[c].fd < 0)
                                r = ring_map(p, c, fd, d);
                        else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, p->rings[c].fd) < 0)
                                r = HVS_DIAG(d, -errno, "cannot share the CPU %d ring: %s", c, strerror(errno));
                        if (r < 0)
                                break;
                }
        }
        if (r < 0) {
                /* undo this thread's events; a ring mapped for them stays (its fd is still open) */
                for (size_t i = first; i < p->nfds; i++) {
                        bool owner = false;
                        for (int c = 0; c < p->ncpu; c++)
                                owner |= p->rings[c].fd == p->fds[i];
                        if (!owner) {
                                ioctl(p->fds[i], PERF_EVENT_IOC_DISABLE, 0);
                                close(p->fds[i]);
                                p->fds[i] = -1;
                        }
                }
                size_t k = first;
                for (size_t i = first; i < p->nfds; i++)
                        if (p->fds[i] >= 0)
                                p->fds[k++] = p->fds[i];
                p->nfds = k;
                return r;
        }
        p->tids[p->ntids++] = tid;
        return 0;
}

bool trace_perf_has(const struct trace_perf *p, pid_t tid) {
        for (size_t i = 0; i < p->ntids; i++)
                if (p->tids[i] == tid)
                        return true;
        return false;
}

int trace_perf_fd(const struct trace_perf *p) {
        return p->epfd;
}

void trace_perf_drain(struct trace_perf *p, trace_sample_fn fn, void *ctx, struct trace_ring_stats *st) {
        long pg = sysconf(_SC_PAGESIZE);
        for (int c = 0; c < p->ncpu; c++) {
                struct trace_ring *rg = &p->rings[c];
                if (rg->fd < 0)
                        continue;
                struct perf_event_mmap_page *mp = (struct perf_event_mmap_page *)rg->base;
                /* the kernel writes the data, then data_head (release); acquire pairs with it */
                uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
                uint64_t tail = mp->data_tail;
                uint64_t nt = trace_ring_parse(rg->base + pg, rg->data_size, tail, head, p->scratch, fn, ctx, st);
                /* every read of the data is done before the kernel may reuse it */
                __atomic_store_n(&mp->data_tail, nt, __ATOMIC_RELEASE);
        }
}

uint64_t trace_perf_fired(const struct trace_perf *p) {
        uint64_t sum = 0;
        for (size_t i = 0; i < p->nfds; i++) {
                uint64_t v;
                if (read(p->fds[i], &v, sizeof v) == (ssize_t)sizeof v)
                        sum += v;
        }
        return sum;
}

void trace_perf_free(struct trace_perf *p) {
        if (!p)
                return;
        for (size_t i = 0; p->fds && i < p->nfds; i++) {
                ioctl(p->fds[i], PERF_EVENT_IOC_DISABLE, 0);
                close(p->fds[i]);
        }
        for (int c = 0; p->rings && c < p->ncpu; c++)
                if (p->rings[c].base)
                        munmap(p->rings[c].base, p->rings[c].map_len);
        if (p->epfd >= 0)
                close(p->epfd);
        free(p->rings);
        free(p->fds);
        free(p->tids);
        free(p->scratch);
        free(p);
}

/* Kernel workers that live in the VM process (kvm-nx-lpage-recovery, kvm-pit):
 * not QEMU's code, and perf refuses some of them. */
static bool is_kernel_worker(const char *s) {
        return !strncmp(s, "kvm-", 4);
}

static bool is_vcpu_comm(const char *s) {
        unsigned n;
        char tail[8];
        return sscanf(s, "CPU %u/%7s", &n, tail) == 2 && !strncmp(tail, "KVM", 3);
}

int trace_threads(pid_t pid, bool vcpu_only, pid_t *tids, size_t cap) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
        DIR *dir = opendir(path);
        if (!dir)
                return errno == ENOENT ? -ESRCH : -errno;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(dir)) && n < cap) {
                char *e;
                long tid = strtol(de->d_name, &e, 10);
                if (*e || tid <= 0)
                        continue;
                char cp[96], comm[64] = "";
                snprintf(cp, sizeof cp, "/proc/%d/task/%ld/comm", (int)pid, tid);
                FILE *f = fopen(cp, "re");
                if (!f)
                        continue;
                if (!fgets(comm, sizeof comm, f))
                        comm[0] = '\0';
                fclose(f);
                if (is_kernel_worker(comm) || (vcpu_only && !is_vcpu_comm(comm)))
                        continue;
                tids[n++] = (pid_t)tid;
        }
        closedir(dir);
        return (int)n;
}
