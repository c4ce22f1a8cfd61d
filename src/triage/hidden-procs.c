/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hidden-procs.c - the hidden-process check: processes missing from one of
 * the kernel's independent views of them.
 *
 * Views:
 *   task-list   init_task.tasks, the list for_each_process() and most tools
 *               walk (thread-group leaders only)
 *   pid-table   the PID namespace's IDR (init_pid_ns.idr: an xarray of
 *               struct pid), each pid's tasks[PIDTYPE_PID] hlist -> the
 *               task (task_struct.pid_links); /proc is listed from this
 *   runqueues   every CPU's rq: rq->curr, the CFS red-black trees
 *               (cfs_rq.tasks_timeline), descending into group entities
 *               (sched_entity.my_q), the real-time priority lists
 *               (rt_rq.active.queue[], into RT groups' rt_rq when the kernel
 *               has them) and the deadline tree (dl_rq.root; the 6.12 fair
 *               server is a deadline entity that is no task and is skipped);
 *               only runnable tasks are there
 *   memory-scan guest-physical RAM, 64-byte aligned (task_struct is a
 *               cache-aligned slab object), for structures that validate
 *               as a live task_struct (hp_task_plausible() plus list
 *               links that agree with their neighbours)
 * A thread-group leader that one of the other views holds (itself or one
 * of its threads) and the task list does not is hidden from the task list
 * (DKOM: list_del of task->tasks). A leader on the task list that the
 * pid-table lacks is hidden from /proc (its pid unhashed).
 *
 * Races: on a live guest a task may fork or exit between two views. The
 * check skips tasks that are exiting (exit_state or PF_EXITING) and idle
 * tasks (pid 0, never on the task list), and takes a second look at the
 * task list (translations flushed) before reporting: a task caught between
 * attach_pid() and its list insertion in fork is on the list by then. The
 * views are read in a few milliseconds; for a fully consistent picture run
 * triage with the VM paused (hvscope triage --pause).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <hvscope/linux.h>
#include <hvscope/limits.h>
#include "os/linux/linux-internal.h"
#include "os/linux/list.h"
#include "hidden.h"

#define CHECK_ID "hidden-process"
#define PID_MAX_LIMIT 4194304           /* include/linux/threads.h, 64-bit */
#define PF_EXITING 0x00000004u
#define XA_CHUNK_SHIFT 6u
#define XA_CHUNK_SIZE 64u
#define XA_MAX_SHIFT 60u                /* 64-bit indices: at most 11 levels */
#define TASK_SCAN_ALIGN 64u
#define HP_MAX_RT_PRIO 128u             /* MAX_RT_PRIO is 100; a bigger array is refused */

enum { V_LIST = 1, V_IDR = 2, V_RQ = 4, V_SCAN = 8 };
static const char *const view_names[] = { "task-list", "pid-table", "runqueues", "memory-scan" };

static uint64_t ld64(const uint8_t *p, uint32_t off) { return hvs_le64(p + off); }
static uint32_t ld32(const uint8_t *p, uint32_t off) { return hvs_le32(p + off); }

static int rd64(hvs_vas *kv, uint64_t base, uint32_t off, uint64_t *ret) {
        uint64_t a;
        if (off == HP_ABSENT || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read_u64(kv, HVS_GVA(a), ret);
}

/* ---- task list ---- */

int hp_view_tasklist(struct hp_ctx *c, struct addrset *out) {
        int e = addrset_add(out, c->init_task, c->max_tasks);
        if (e < 0)
                return e;
        hvs_list_iter it;
        hvs_list_iter_init(&it, c->kv, HVS_GVA(c->init_task + c->o->tasks), c->max_tasks);
        hvs_gva n;
        while ((e = hvs_list_iter_next(&it, &n)) == 1)
                if ((e = addrset_add(out, n.v - c->o->tasks, c->max_tasks)) < 0)
                        return e;
        return e;
}

/* ---- PID table (IDR / xarray) ---- */

static bool xa_is_node(uint64_t v) { return (v & 3) == 2 && v > 4096; }

static int idr_add_pid(struct hp_ctx *c, uint64_t pid, struct addrset *out) {
        if (!kb_direct(&c->kb, pid))
                return 0;       /* not a struct pid: nothing to follow */
        uint64_t first;
        if (rd64(c->kv, pid, c->o->pid_tasks, &first) < 0 || !first)
                return 0;
        uint64_t task = first - c->o->pid_links;
        if (!kb_kernel(&c->kb, task))
                return 0;
        return addrset_add(out, task, c->max_tasks);
}

int hp_view_idr(struct hp_ctx *c, struct addrset *out) {
        if (!c->idr)
                return -ENOENT;
        uint64_t head;
        int e = rd64(c->kv, c->idr, c->o->idr_xa_head, &head);
        if (e < 0)
                return e;
        if (!head)
                return 0;
        if (!xa_is_node(head))
                return idr_add_pid(c, head, out);       /* one entry, at index 0 */
        /* Depth-first with an explicit stack; a child's shift is its parent's
         * minus XA_CHUNK_SHIFT, so the walk cannot loop, and the node count is capped. */
        /* Each level pushes at most XA_CHUNK_SIZE children and there are at most
         * XA_MAX_SHIFT / XA_CHUNK_SHIFT + 1 levels, so the stack never overflows. */
        struct { uint64_t node; uint32_t shift; } stack[XA_CHUNK_SIZE * (XA_MAX_SHIFT / XA_CHUNK_SHIFT + 1) + 1];
        size_t sp = 0;
        uint8_t sh;
        if (hvs_vas_read(c->kv, HVS_GVA(head - 2 + c->o->xn_shift), &sh, 1) < 0)
                return -EFAULT;
        if (sh > XA_MAX_SHIFT || sh % XA_CHUNK_SHIFT)
                return -EBADMSG;
        stack[sp++] = (typeof(stack[0])){ head - 2, sh };
        uint32_t nodes = 0, max_nodes = c->max_tasks;
        int err = 0;
        while (sp) {
                typeof(stack[0]) n = stack[--sp];
                if (++nodes > max_nodes)
                        return -E2BIG;
                uint64_t slots[XA_CHUNK_SIZE];
                if (hvs_vas_read(c->kv, HVS_GVA(n.node + c->o->xn_slots), slots, sizeof slots) < 0) {
                        err = -EFAULT;
                        continue;
                }
                if (hvs_vas_read(c->kv, HVS_GVA(n.node + c->o->xn_shift), &sh, 1) < 0 || sh != n.shift) {
                        err = -EBADMSG;
                        continue;
                }
                /* Push in reverse so the walk goes in index order. */
                for (size_t i = XA_CHUNK_SIZE; i-- > 0;) {
                        uint64_t v = hvs_le64(&slots[i]);
                        if (!v)
                                continue;
                        if (n.shift == 0) {
                                if ((v & 3) == 0 && (e = idr_add_pid(c, v, out)) < 0)
                                        return e;
                        } else if (xa_is_node(v) && sp < ARRAY_SIZE(stack)) {
                                stack[sp++] = (typeof(stack[0])){ v - 2, n.shift - XA_CHUNK_SHIFT };
                        }
                }
        }
        return err;
}

/* ---- run queues ---- */

/* A depth-first walk of a kernel rb tree (rb_node.rb_left/rb_right) with a
 * 256-entry stack; the nodes visited count against @budget, which every walk
 * of the view shares. */
struct rb_iter {
        uint64_t stack[256];
        size_t sp;
};

static void rb_iter_init(struct rb_iter *it, uint64_t root) {
        it->sp = 0;
        if (root)
                it->stack[it->sp++] = root;
}

/* The next node in kernel memory; 0 when the tree or the budget is done. */
static uint64_t rb_iter_next(struct hp_ctx *c, struct rb_iter *it, uint32_t *budget) {
        while (it->sp && *budget) {
                uint64_t node = it->stack[--it->sp];
                if (!kb_kernel(&c->kb, node))
                        continue;
                (*budget)--;
                uint64_t l = 0, r = 0;
                if (rd64(c->kv, node, c->o->rb_left, &l) == 0 && l && it->sp < ARRAY_SIZE(it->stack))
                        it->stack[it->sp++] = l;
                if (rd64(c->kv, node, c->o->rb_right, &r) == 0 && r && it->sp < ARRAY_SIZE(it->stack))
                        it->stack[it->sp++] = r;
                return node;
        }
        return 0;
}

/* One CFS entity: a task, or a group whose own cfs_rq is queued. */
static int cfs_entity(struct hp_ctx *c, uint64_t se, struct addrset *out, uint64_t *queue, size_t *nq, size_t qcap) {
        const struct hp_offsets *o = c->o;
        if (!se || !kb_kernel(&c->kb, se))
                return 0;
        uint64_t my_q = 0;
        if (o->se_my_q != HP_ABSENT && rd64(c->kv, se, o->se_my_q, &my_q) == 0 && my_q) {
                if (kb_kernel(&c->kb, my_q) && *nq < qcap)
                        queue[(*nq)++] = my_q;
                return 0;
        }
        return addrset_add(out, se - o->task_se, c->max_tasks);
}

/* Walk one cfs_rq: its curr and its rb tree; group entities queue their own cfs_rq. */
static int rq_walk_cfs(struct hp_ctx *c, uint64_t cfs, struct addrset *out, uint64_t *queue, size_t *nq,
                       size_t qcap, uint32_t *budget) {
        const struct hp_offsets *o = c->o;
        uint64_t curr = 0, root = 0, node;
        (void)rd64(c->kv, cfs, o->cfs_curr, &curr);
        int e = cfs_entity(c, curr, out, queue, nq, qcap);
        if (rd64(c->kv, cfs, o->cfs_timeline, &root) < 0)
                root = 0;
        struct rb_iter it;
        rb_iter_init(&it, root);
        while (e == 0 && (node = rb_iter_next(c, &it, budget)))
                e = cfs_entity(c, node - o->se_run_node, out, queue, nq, qcap);
        return e;
}

/* Walk one rt_rq: every priority's list of sched_rt_entity.run_list; an
 * entity with its own rt_rq (an RT group) queues that instead of a task. */
static int rq_walk_rt(struct hp_ctx *c, uint64_t rt, struct addrset *out, uint64_t *queue, size_t *nq,
                      size_t qcap, uint32_t *budget) {
        const struct hp_offsets *o = c->o;
        size_t nprio = o->rt_queue_size / 16;
        uint64_t heads[2 * HP_MAX_RT_PRIO];
        if (!nprio || nprio > HP_MAX_RT_PRIO)
                return -EBADMSG;
        uint64_t qa;
        if (hvs_add_overflow(rt, (uint64_t)o->rt_queue, &qa) ||
            hvs_vas_read(c->kv, HVS_GVA(qa), heads, nprio * 16) < 0)
                return -EFAULT;
        for (size_t prio = 0; prio < nprio; prio++) {
                uint64_t head = qa + 16 * prio, node = hvs_le64(&heads[2 * prio]), first = node;
                /* A list that is empty points at itself; a cycle that misses the
                 * head ends when it comes back to its first node, or with the budget. */
                for (uint32_t step = 0; node && node != head && *budget; step++) {
                        if (step && node == first)
                                break;
                        (*budget)--;
                        if (!kb_kernel(&c->kb, node))
                                break;
                        uint64_t se = node - o->rt_run_list, my_q = 0;
                        if (o->rt_my_q != HP_ABSENT && rd64(c->kv, se, o->rt_my_q, &my_q) == 0 && my_q) {
                                if (kb_kernel(&c->kb, my_q) && *nq < qcap)
                                        queue[(*nq)++] = my_q;
                        } else {
                                int e = addrset_add(out, se - o->task_rt, c->max_tasks);
                                if (e < 0)
                                        return e;
                        }
                        if (rd64(c->kv, node, 0, &node) < 0)    /* list_head.next */
                                break;
                }
        }
        return 0;
}

/* Walk one dl_rq's rb tree of sched_dl_entity.rb_node; @skip is an entity
 * that is not a task (the fair server), 0 for none. */
static int rq_walk_dl(struct hp_ctx *c, uint64_t dl, uint64_t skip, struct addrset *out, uint32_t *budget) {
        const struct hp_offsets *o = c->o;
        uint64_t root = 0, node;
        if (rd64(c->kv, dl, o->dl_root, &root) < 0)
                root = 0;
        struct rb_iter it;
        rb_iter_init(&it, root);
        int e = 0;
        while (e == 0 && (node = rb_iter_next(c, &it, budget)))
                if (node - o->dl_rb_node != skip)
                        e = addrset_add(out, node - o->dl_rb_node - o->task_dl, c->max_tasks);
        return e;
}

int hp_view_runqueues(struct hp_ctx *c, struct addrset *out) {
        if (!c->runqueues || !c->ncpus || c->o->rq_curr == HP_ABSENT || c->o->rq_cfs == HP_ABSENT)
                return -ENOENT;
        uint32_t budget = c->max_tasks * 2;     /* rb nodes over all CPUs */
        uint64_t queue[1024];
        int err = 0;
        for (uint32_t cpu = 0; cpu < c->ncpus; cpu++) {
                uint64_t rq;
                if (hvs_add_overflow(c->runqueues, c->cpu_off[cpu], &rq))
                        continue;
                uint64_t curr;
                if (rd64(c->kv, rq, c->o->rq_curr, &curr) < 0) {
                        err = -EFAULT;
                        continue;
                }
                int e;
                if (kb_kernel(&c->kb, curr) && (e = addrset_add(out, curr, c->max_tasks)) < 0)
                        return e;
                size_t nq = 0;
                queue[nq++] = rq + c->o->rq_cfs;
                for (size_t i = 0; i < nq && budget; i++)
                        if ((e = rq_walk_cfs(c, queue[i], out, queue, &nq, ARRAY_SIZE(queue), &budget)) < 0)
                                return e;
                const struct hp_offsets *o = c->o;
                if (o->task_rt != HP_ABSENT && o->rt_run_list != HP_ABSENT && o->rq_rt != HP_ABSENT &&
                    o->rt_queue != HP_ABSENT) {
                        nq = 0;
                        queue[nq++] = rq + o->rq_rt;
                        for (size_t i = 0; i < nq && budget; i++) {
                                e = rq_walk_rt(c, queue[i], out, queue, &nq, ARRAY_SIZE(queue), &budget);
                                if (e == -ENOMEM || e == -E2BIG)
                                        return e;
                                if (e < 0)
                                        err = e;
                        }
                }
                if (o->task_dl != HP_ABSENT && o->dl_rb_node != HP_ABSENT && o->rq_dl != HP_ABSENT &&
                    o->dl_root != HP_ABSENT) {
                        uint64_t skip = o->rq_fair_server != HP_ABSENT ? rq + o->rq_fair_server : 0;
                        if ((e = rq_walk_dl(c, rq + o->rq_dl, skip, out, &budget)) < 0)
                                return e;
                }
        }
        return err;
}

/* ---- memory scan ---- */

static bool printable_padded(const uint8_t *s, size_t n) {
        size_t i = 0;
        if (!n || s[0] < 0x20 || s[0] > 0x7e)
                return false;
        while (i < n && s[i]) {
                if (s[i] < 0x20 || s[i] > 0x7e)
                        return false;
                i++;
        }
        if (i == n)
                return false;           /* not NUL-terminated */
        for (; i < n; i++)
                if (s[i])
                        return false;
        return true;
}

static uint32_t hp_extent(const struct hp_offsets *o) {
        uint32_t offs[] = { o->tasks + 16, o->pid + 4, o->tgid + 4, o->comm + o->comm_size, o->flags + 4,
                            o->exit_state + 4, o->mm + 8, o->active_mm + 8, o->cred + 8, o->real_cred + 8,
                            o->group_leader + 8 };
        uint32_t m = 0;
        for (size_t i = 0; i < ARRAY_SIZE(offs); i++)
                if (offs[i] > m)
                        m = offs[i];
        return m;
}

bool hp_task_plausible(const struct hp_offsets *o, const struct kbounds *kb, const uint8_t *p, size_t len) {
        if (o->comm_size == 0 || o->comm_size > 64 || hp_extent(o) > len || hp_extent(o) < o->tasks)
                return false;
        int32_t pid = (int32_t)ld32(p, o->pid), tgid = (int32_t)ld32(p, o->tgid);
        if (pid <= 0 || pid > PID_MAX_LIMIT || tgid <= 0 || tgid > PID_MAX_LIMIT)
                return false;
        if (!kb_kernel(kb, ld64(p, o->tasks)) || !kb_kernel(kb, ld64(p, o->tasks + 8)))
                return false;
        if (!kb_kernel(kb, ld64(p, o->cred)) || !kb_kernel(kb, ld64(p, o->real_cred)) ||
            !kb_kernel(kb, ld64(p, o->group_leader)))
                return false;
        uint64_t mm = ld64(p, o->mm), amm = ld64(p, o->active_mm);
        if ((mm && !kb_direct(kb, mm)) || (amm && !kb_kernel(kb, amm)) || (mm && amm != mm))
                return false;
        uint32_t es = ld32(p, o->exit_state);
        if (es & ~0x30u)                /* EXIT_ZOMBIE 0x20, EXIT_DEAD 0x10 */
                return false;
        return printable_padded(p + o->comm, o->comm_size);
}

struct scan_ud {
        struct hp_ctx *c;
        struct addrset *out;
        uint32_t need;
};

static int scan_one(void *ud_, uint64_t pa, const uint8_t *p, size_t avail) {
        struct scan_ud *ud = ud_;
        struct hp_ctx *c = ud->c;
        const struct hp_offsets *o = c->o;
        /* Cheapest tests first: a kernel pointer, a pid in range. */
        if (avail < ud->need || !kb_kernel(&c->kb, ld64(p, o->tasks)))
                return 0;
        uint32_t pid = ld32(p, o->pid);
        if (pid == 0 || pid > PID_MAX_LIMIT || !hp_task_plausible(o, &c->kb, p, avail))
                return 0;
        uint64_t va = c->kb.pob + pa, self = va + o->tasks;
        uint64_t next = ld64(p, o->tasks), prev = ld64(p, o->tasks + 8), back = 0, fwd = 0;
        if (!(next == self && prev == self)) {  /* self-linked (list_del_init) is a valid state */
                if (hvs_vas_read_u64(c->kv, HVS_GVA(next + 8), &back) < 0 || back != self)
                        return 0;
                if (hvs_vas_read_u64(c->kv, HVS_GVA(prev), &fwd) < 0 || fwd != self)
                        return 0;
        }
        int e = addrset_add(ud->out, va, c->max_tasks);
        return e == -E2BIG ? 0 : e;
}

int hp_view_scan(struct hp_ctx *c, struct triage_budget *b, struct addrset *out) {
        struct scan_ud ud = { .c = c, .out = out, .need = hp_extent(c->o) };
        if (ud.need > 65536)
                return -EBADMSG;
        return hscan_phys(c->mem, b, TASK_SCAN_ALIGN, ud.need, scan_one, &ud);
}

/* ---- comparison ---- */

struct tinfo {
        uint64_t leader;
        int32_t pid, tgid;
        uint32_t flags, exit_state;
        char comm[65];
};

static int read_task(struct hp_ctx *c, uint64_t t, struct tinfo *ti) {
        const struct hp_offsets *o = c->o;
        uint8_t buf[16384];
        uint32_t need = hp_extent(o);
        if (need > sizeof buf)
                return -EBADMSG;
        int e = hvs_vas_read(c->kv, HVS_GVA(t), buf, need);
        if (e < 0)
                return e;
        ti->pid = (int32_t)ld32(buf, o->pid);
        ti->tgid = (int32_t)ld32(buf, o->tgid);
        ti->flags = ld32(buf, o->flags);
        ti->exit_state = ld32(buf, o->exit_state);
        ti->leader = ld64(buf, o->group_leader);
        if (!kb_kernel(&c->kb, ti->leader))
                ti->leader = t;
        size_t n = MIN((size_t)o->comm_size, sizeof ti->comm - 1);
        for (size_t i = 0; i < n; i++)
                ti->comm[i] = buf[o->comm + i] >= 0x20 && buf[o->comm + i] < 0x7f ? (char)buf[o->comm + i]
                              : buf[o->comm + i] ? '?' : 0;
        ti->comm[n] = 0;
        return 0;
}

struct hidden_ent {
        uint64_t leader;
        unsigned views;
        uint64_t seen_as;       /* the first task_struct (leader or thread) a view gave */
};

static json_object *views_json(unsigned bits) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < ARRAY_SIZE(view_names); i++)
                if (bits & (1u << i))
                        json_object_array_add(a, json_object_new_string(view_names[i]));
        return a;
}

static int report_hidden(struct hp_ctx *c, hvs_findings *out, const struct hidden_ent *h, unsigned ran) {
        struct tinfo ti = { 0 };
        if (read_task(c, h->leader, &ti) < 0)
                return 0;
        enum hvs_severity sev = (h->views & (V_IDR | V_RQ)) ? HVS_SEV_HIGH : HVS_SEV_MEDIUM;
        char title[200];
        snprintf(title, sizeof title, "process %" PRId32 " (%s) hidden from the task list", ti.tgid, ti.comm);
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "task", triage_json_addr(h->leader));
        json_object_object_add(ev, "pid", json_object_new_int(ti.pid));
        json_object_object_add(ev, "tgid", json_object_new_int(ti.tgid));
        json_object_object_add(ev, "comm", json_object_new_string(ti.comm));
        json_object_object_add(ev, "flags", triage_json_addr(ti.flags));
        if (h->seen_as != h->leader)
                json_object_object_add(ev, "seen_as_thread", triage_json_addr(h->seen_as));
        json_object_object_add(ev, "seen_by", views_json(h->views));
        json_object_object_add(ev, "missing_from", views_json(V_LIST));
        json_object_object_add(ev, "views_run", views_json(ran));
        return triage_add(out, sev, CHECK_ID, ti.tgid, h->leader, title,
                          "A running process whose task_struct is reachable from the kernel's other views"
                          " (PID table, run queues, or a validated task_struct in memory) is not linked on"
                          " init_task's task list, which ps-like walkers and for_each_process() use. Kernel"
                          " rootkits hide processes this way (direct kernel object manipulation).",
                          "T1014", ev);
}

static int report_unhashed(struct hp_ctx *c, hvs_findings *out, uint64_t t) {
        struct tinfo ti = { 0 };
        if (read_task(c, t, &ti) < 0 || ti.pid <= 0 || ti.exit_state || (ti.flags & PF_EXITING))
                return 0;
        char title[200];
        snprintf(title, sizeof title, "process %" PRId32 " (%s) missing from the PID table", ti.tgid, ti.comm);
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "task", triage_json_addr(t));
        json_object_object_add(ev, "pid", json_object_new_int(ti.pid));
        json_object_object_add(ev, "comm", json_object_new_string(ti.comm));
        json_object_object_add(ev, "seen_by", views_json(V_LIST));
        json_object_object_add(ev, "missing_from", views_json(V_IDR));
        return triage_add(out, HVS_SEV_HIGH, CHECK_ID, ti.tgid, t, title,
                          "A process on the task list has no entry in the PID namespace's table, so /proc,"
                          " kill(2) and every lookup by pid miss it: its pid was unhashed, a way kernel"
                          " rootkits hide processes from ps.",
                          "T1014", ev);
}

static void add_view_info(json_object *ev, const char *name, const struct addrset *s, int err, uint64_t ns) {
        json_object *v = json_object_new_object();
        json_object_object_add(v, "tasks", json_object_new_int64((int64_t)s->n));
        json_object_object_add(v, "ms", json_object_new_double((double)ns / 1e6));
        if (err < 0)
                json_object_object_add(v, "error", json_object_new_string(hvs_strerror(err)));
        json_object_object_add(ev, name, v);
}

int hp_compare(struct hp_ctx *c, const hvs_triage_opts *opts, hvs_findings *out) {
        struct addrset sets[4] = { 0 };
        int errs[4];
        uint64_t ns[4];
        struct triage_budget b;
        triage_budget_init(&b, opts);
        for (int v = 0; v < 4; v++) {
                uint64_t t0 = hvs_now_ns();
                errs[v] = v == 0 ? hp_view_tasklist(c, &sets[0])
                        : v == 1 ? hp_view_idr(c, &sets[1])
                        : v == 2 ? hp_view_runqueues(c, &sets[2])
                                 : hp_view_scan(c, &b, &sets[3]);
                ns[v] = hvs_now_ns() - t0;
                addrset_sort(&sets[v]);
        }
        int e = 0;
        unsigned ran = V_LIST;
        for (int v = 1; v < 4; v++)
                if (sets[v].n || errs[v] == 0)
                        ran |= 1u << v;
        /* The task list must have been read whole, or every comparison is meaningless. */
        bool list_ok = errs[0] == 0;
        struct hidden_ent *hid = NULL;
        size_t nhid = 0;
        if (list_ok) {
                for (int v = 1; v < 4 && e >= 0; v++) {
                        for (size_t i = 0; i < sets[v].n && e >= 0; i++) {
                                uint64_t t = sets[v].v[i];
                                if (addrset_has(&sets[0], t))
                                        continue;
                                struct tinfo ti;
                                if (read_task(c, t, &ti) < 0 || ti.pid <= 0 || ti.exit_state || (ti.flags & PF_EXITING))
                                        continue;
                                if (addrset_has(&sets[0], ti.leader))
                                        continue;       /* a thread of a listed process */
                                size_t j = 0;
                                while (j < nhid && hid[j].leader != ti.leader)
                                        j++;
                                if (j == nhid) {
                                        if (nhid >= HVS_MAX_FINDINGS)
                                                continue;
                                        struct hidden_ent *nh = hvs_reallocarray(hid, nhid + 1, sizeof *hid);
                                        if (!nh) {
                                                e = -ENOMEM;
                                                break;
                                        }
                                        hid = nh;
                                        hid[nhid++] = (struct hidden_ent){ ti.leader, 0, t };
                                }
                                hid[j].views |= 1u << v;
                        }
                }
                /* Second look: a task forked or exiting while the views were read is on the
                 * list (or exiting) now; what is still missing was hidden. */
                struct addrset again = { 0 };
                if (nhid) {
                        hvs_vas_flush(c->kv);
                        if (hp_view_tasklist(c, &again) < 0)
                                again.n = 0;
                        addrset_sort(&again);
                }
                for (size_t j = 0; j < nhid && e >= 0; j++) {
                        struct tinfo ti;
                        if (addrset_has(&again, hid[j].leader) || read_task(c, hid[j].leader, &ti) < 0 ||
                            ti.exit_state || (ti.flags & PF_EXITING))
                                continue;
                        e = report_hidden(c, out, &hid[j], ran);
                }
                addrset_free(&again);
                /* The other way round: listed leaders without a PID-table entry. */
                if (errs[1] == 0 && sets[1].n)
                        for (size_t i = 0; i < sets[0].n && e >= 0; i++)
                                if (sets[0].v[i] != c->init_task && !addrset_has(&sets[1], sets[0].v[i]))
                                        e = report_unhashed(c, out, sets[0].v[i]);
        }
        free(hid);
        if (e >= 0) {
                json_object *ev = json_object_new_object();
                for (int v = 0; v < 4; v++)
                        add_view_info(ev, view_names[v], &sets[v], errs[v], ns[v]);
                json_object_object_add(ev, "hidden", json_object_new_int64((int64_t)nhid));
                char title[200];
                snprintf(title, sizeof title, "%s views compared: task list %zu, pid table %zu, runqueues %zu, memory scan %zu",
                         list_ok ? "process" : "process (task list unreadable: nothing)", sets[0].n, sets[1].n,
                         sets[2].n, sets[3].n);
                e = triage_add(out, HVS_SEV_INFO, CHECK_ID, -1, 0, title,
                               "How many task_structs each view of the kernel held; a process missing from a"
                               " view that should hold it is reported separately.", NULL, ev);
        }
        if (e >= 0)
                e = triage_budget_report(&b, out, CHECK_ID);
        for (int v = 0; v < 4; v++)
                addrset_free(&sets[v]);
        return e;
}

/* ---- the check: offsets from the guest's BTF ---- */

#define O(f) offsetof(struct hp_offsets, f)
static const struct lx_field_row hp_rows[] = {
        { "task_struct", { "tasks" }, O(tasks), SIZE_MAX, false },
        { "task_struct", { "pid" }, O(pid), SIZE_MAX, false },
        { "task_struct", { "tgid" }, O(tgid), SIZE_MAX, false },
        { "task_struct", { "comm" }, O(comm), O(comm_size), false },
        { "task_struct", { "flags" }, O(flags), SIZE_MAX, false },
        { "task_struct", { "exit_state" }, O(exit_state), SIZE_MAX, false },
        { "task_struct", { "__state", "state" }, O(state), SIZE_MAX, false },
        { "task_struct", { "mm" }, O(mm), SIZE_MAX, false },
        { "task_struct", { "active_mm" }, O(active_mm), SIZE_MAX, false },
        { "task_struct", { "cred" }, O(cred), SIZE_MAX, false },
        { "task_struct", { "real_cred" }, O(real_cred), SIZE_MAX, false },
        { "task_struct", { "group_leader" }, O(group_leader), SIZE_MAX, false },
        { "task_struct", { "pid_links" }, O(pid_links), SIZE_MAX, false },
        { "pid", { "tasks" }, O(pid_tasks), SIZE_MAX, false },
        { "pid_namespace", { "idr.idr_rt.xa_head" }, O(idr_xa_head), SIZE_MAX, false },
        { "xa_node", { "shift" }, O(xn_shift), SIZE_MAX, false },
        { "xa_node", { "slots" }, O(xn_slots), SIZE_MAX, false },
        { "task_struct", { "se" }, O(task_se), SIZE_MAX, true },
        { "sched_entity", { "run_node" }, O(se_run_node), SIZE_MAX, true },
        { "sched_entity", { "my_q" }, O(se_my_q), SIZE_MAX, true },
        { "rq", { "curr" }, O(rq_curr), SIZE_MAX, true },
        { "rq", { "cfs" }, O(rq_cfs), SIZE_MAX, true },
        { "cfs_rq", { "tasks_timeline.rb_root.rb_node" }, O(cfs_timeline), SIZE_MAX, true },
        { "cfs_rq", { "curr" }, O(cfs_curr), SIZE_MAX, true },
        { "rb_node", { "rb_left" }, O(rb_left), SIZE_MAX, true },
        { "rb_node", { "rb_right" }, O(rb_right), SIZE_MAX, true },
        { "task_struct", { "rt" }, O(task_rt), SIZE_MAX, true },
        { "sched_rt_entity", { "run_list" }, O(rt_run_list), SIZE_MAX, true },
        { "sched_rt_entity", { "my_q" }, O(rt_my_q), SIZE_MAX, true },
        { "rq", { "rt" }, O(rq_rt), SIZE_MAX, true },
        { "rt_rq", { "active.queue" }, O(rt_queue), O(rt_queue_size), true },
        { "task_struct", { "dl" }, O(task_dl), SIZE_MAX, true },
        { "sched_dl_entity", { "rb_node" }, O(dl_rb_node), SIZE_MAX, true },
        { "rq", { "dl" }, O(rq_dl), SIZE_MAX, true },
        { "dl_rq", { "root.rb_root.rb_node" }, O(dl_root), SIZE_MAX, true },
        { "rq", { "fair_server" }, O(rq_fair_server), SIZE_MAX, true },
};
#undef O

void hidden_kbounds(hvs_linux *k, hvs_mem *m, struct kbounds *kb) {
        const hvs_linux_info *info = hvs_linux_get_info(k);
        size_t nr = 0;
        const hvs_mem_range *r = hvs_mem_ranges(m, &nr);
        uint64_t top = 0;
        for (size_t i = 0; i < nr; i++)
                if (r[i].gpa + r[i].size > top)
                        top = r[i].gpa + r[i].size;
        kb->pob = info->page_offset_base;
        kb->pob_end = kb->pob + top;
        kb->img = info->text_va;
        uint64_t end = 0;
        bool end_known = hvs_profile_symbol(hvs_linux_profile(k), "_end", &end) == 0 && end > kb->img &&
                         end - kb->img <= (1ull << 30);
        kb->img_end = end_known ? end : kb->img + (1ull << 30);
        /*
         * Module space: MODULES_VADDR is __START_KERNEL_map + KERNEL_IMAGE_SIZE, 0xffffffffa0000000 for a
         * 512 MiB image, 0xffffffffc0000000 with CONFIG_RANDOMIZE_BASE (1 GiB); MODULES_END is
         * 0xffffffffff000000 (the fixmap is above). KASLR moves the image, not module space, inside the
         * lower gigabyte: start at the lower bound, or above the image's high mapping when that is higher
         * (head64.c keeps the 2 MiB pages up to the one that holds _end).
         */
        kb->mod = 0xffffffffa0000000ull;
        if (end_known && (end | 0x1fffffull) + 1 > kb->mod)
                kb->mod = (end | 0x1fffffull) + 1;
        kb->mod_end = 0xffffffffff000000ull;
}

TRIAGE_CHECK(triage_hidden_procs) {
        hvs_linux *k = hvs_session_linux(s);
        hvs_mem *m = hvs_session_mem(s);
        if (!k || !m)
                return HVS_DIAG(diag, -EINVAL, "no kernel view");
        struct hp_offsets off;
        int e = lx_resolve_fields(k, hp_rows, ARRAY_SIZE(hp_rows), &off, diag);
        if (e < 0)
                return e;
        hvs_profile *p = hvs_linux_profile(k);
        if (off.task_se == HP_ABSENT || off.se_run_node == HP_ABSENT)
                off.rq_curr = HP_ABSENT;          /* no run-queue view */
        struct hp_ctx c = {
                .kv = hvs_linux_kernel_vas(k), .mem = m, .o = &off, .init_task = k->init_task,
                .max_tasks = k->limits.max_tasks ? k->limits.max_tasks : HVS_DEFAULT_MAX_TASKS,
        };
        hidden_kbounds(k, m, &c.kb);
        uint64_t ns;
        if (hvs_profile_symbol(p, "init_pid_ns", &ns) == 0)
                c.idr = ns;
        uint64_t cpu_off[HVS_MAX_VCPUS];
        uint64_t rqs, pco, nr;
        uint32_t ncpu = 0;
        if (hvs_profile_symbol(p, "runqueues", &rqs) == 0 && hvs_profile_symbol(p, "__per_cpu_offset", &pco) == 0 &&
            hvs_profile_symbol(p, "nr_cpu_ids", &nr) == 0 && hvs_vas_read_u32(c.kv, HVS_GVA(nr), &ncpu) == 0) {
                ncpu = MIN(ncpu, HVS_MAX_VCPUS);
                uint32_t i = 0;
                while (i < ncpu && hvs_vas_read_u64(c.kv, HVS_GVA(pco + 8ull * i), &cpu_off[i]) == 0)
                        i++;
                c.ncpus = i;
                c.runqueues = rqs;
                c.cpu_off = cpu_off;
        }
        e = hp_compare(&c, o, out);
        return e < 0 ? HVS_DIAG(diag, e, "hidden-process: %s", hvs_strerror(e)) : 0;
}
