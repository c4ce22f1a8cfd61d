/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * yara.c - the "yara" check: user-supplied YARA rules (libyara) over the
 * guest's process memory and kernel memory.
 *
 * What is scanned:
 *   - each user process: its readable regions that are not simply a copy of
 *     a file on disk: anonymous memory, heap, stack, writable mappings, and
 *     mappings of deleted or memfd files (a read-only mapping of a file that
 *     exists is that file: scan the disk for it). Special mappings ([vdso],
 *     [vvar]) are skipped.
 *   - the kernel image's text, read-only data, data and bss (not its freed
 *     init memory and gaps, nor the freed end of bss, reused as ordinary
 *     pages after boot) and each module's memory (base, size of the
 *     modules view).
 * Memory is read through the guest's page tables page by page; pages not
 * present read as zeros. Regions are scanned in chunks of YARA_CHUNK bytes:
 * a match that straddles a chunk boundary is not found.
 *
 * Findings: one per (process, rule) and per (kernel area, rule), with the
 * guest virtual addresses of the first YARA_MAX_ADDRS matches. A rule's
 * metadata may set the severity ("severity" = "low".."critical", default
 * high) and the technique ("mitre_attack" or "technique").
 */
#include <errno.h>
#include <inttypes.h>
#include <yara.h>
#include <hvscope/limits.h>
#include "os/linux/linux-internal.h"
#include "triage-internal.h"

#define ID_YARA "yara"
#define YARA_CHUNK (4u << 20)
#define YARA_MAX_ADDRS 16u
#define PAGE 4096u

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_module_list *, hvs_module_list_free)

/* One (owner, rule) result being gathered. */
struct hit {
        const YR_RULE *rule;
        uint64_t addrs[YARA_MAX_ADDRS];
        char strings[YARA_MAX_ADDRS][32];
        uint64_t region_start[YARA_MAX_ADDRS];
        size_t n, total;
};

struct scan {
        YR_RULES *rules;
        struct triage_budget b;
        uint8_t *buf;
        uint64_t base;          /* guest address of buf[0] */
        struct hit *hits;
        size_t nhits, cap;
        int err;
        bool rule_errors;
        char errmsg[256];
        uint64_t regions, bytes;
};

static int on_match(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user) {
        struct scan *sc = user;
        if (message != CALLBACK_MSG_RULE_MATCHING)
                return CALLBACK_CONTINUE;
        const YR_RULE *rule = data;
        struct hit *h = NULL;
        for (size_t i = 0; i < sc->nhits; i++)
                if (sc->hits[i].rule == rule)
                        h = &sc->hits[i];
        if (!h) {
                if (sc->nhits == sc->cap) {
                        size_t cap = sc->cap ? sc->cap * 2 : 8;
                        struct hit *v = hvs_reallocarray(sc->hits, cap, sizeof *v);
                        if (!v) {
                                sc->err = -ENOMEM;
                                return CALLBACK_ABORT;
                        }
                        sc->hits = v;
                        sc->cap = cap;
                }
                h = &sc->hits[sc->nhits++];
                memset(h, 0, sizeof *h);
                h->rule = rule;
        }
        const YR_STRING *str;
        const YR_MATCH *m;
        yr_rule_strings_foreach(rule, str) {
                yr_string_matches_foreach(ctx, str, m) {
                        h->total++;
                        if (h->n < YARA_MAX_ADDRS) {
                                h->addrs[h->n] = sc->base + (uint64_t)m->base + (uint64_t)m->offset;
                                hvs_strlcpy(h->strings[h->n], str->identifier, sizeof h->strings[h->n]);
                                h->region_start[h->n] = sc->base;
                                h->n++;
                        }
                }
        }
        return CALLBACK_CONTINUE;
}

/* Read [start, start+len) page by page (absent pages as zeros) and scan it. */
static int scan_range(struct scan *sc, hvs_vas *as, uint64_t start, uint64_t len) {
        for (uint64_t off = 0; off < len;) {
                uint64_t n = len - off < YARA_CHUNK ? len - off : YARA_CHUNK;
                if (!triage_budget_take(&sc->b, n))
                        return 0;
                uint64_t present = 0;
                for (uint64_t p = 0; p < n; p += PAGE) {
                        size_t step = n - p < PAGE ? (size_t)(n - p) : PAGE;
                        if (hvs_vas_read(as, HVS_GVA(start + off + p), sc->buf + p, step) < 0)
                                memset(sc->buf + p, 0, step);
                        else
                                present += step;
                }
                if (present) {
                        sc->base = start + off;
                        sc->bytes += present;
                        uint64_t left_ms = sc->b.deadline_ns > hvs_now_ns() ? (sc->b.deadline_ns - hvs_now_ns()) / 1000000u : 0;
                        int timeout = (int)(left_ms / 1000u) + 1;
                        int r = yr_rules_scan_mem(sc->rules, sc->buf, (size_t)n, SCAN_FLAGS_FAST_MODE, on_match, sc, timeout);
                        if (sc->err)
                                return sc->err;
                        if (r == ERROR_SCAN_TIMEOUT) {
                                sc->b.out_of_time = true;
                                return 0;
                        }
                        if (r != ERROR_SUCCESS && !sc->rule_errors) {
                                sc->rule_errors = true;
                                snprintf(sc->errmsg, sizeof sc->errmsg, "libyara error %d at 0x%" PRIx64, r, start + off);
                        }
                }
                off += n;
        }
        return 0;
}

static const char *rule_meta(const YR_RULE *rule, const char *a, const char *b) {
        const YR_META *meta;
        yr_rule_metas_foreach(rule, meta) {
                if (meta->type == META_TYPE_STRING &&
                    (strcmp(meta->identifier, a) == 0 || (b && strcmp(meta->identifier, b) == 0)))
                        return meta->string;
        }
        return NULL;
}

/* Findings for the hits gathered for one owner; then forget them. */
static int flush_hits(struct scan *sc, hvs_findings *out, const hvs_task *t, const char *area, json_object *owner) {
        int e = 0;
        for (size_t i = 0; i < sc->nhits && e >= 0; i++) {
                const struct hit *h = &sc->hits[i];
                enum hvs_severity sev = HVS_SEV_HIGH;
                const char *s = rule_meta(h->rule, "severity", NULL);
                if (s)
                        (void)triage_severity_parse(s, &sev);
                const char *tech = rule_meta(h->rule, "mitre_attack", "technique");
                json_object *ev = json_object_new_object(), *arr = json_object_new_array();
                json_object_object_add(ev, "rule", json_object_new_string(h->rule->identifier));
                json_object_object_add(ev, "namespace", json_object_new_string(h->rule->ns->name));
                const char *desc = rule_meta(h->rule, "description", NULL);
                if (desc)
                        json_object_object_add(ev, "description", json_object_new_string(desc));
                json_object_object_add(ev, t ? "process" : "kernel", json_object_get(owner));
                for (size_t j = 0; j < h->n; j++) {
                        json_object *m = json_object_new_object();
                        json_object_object_add(m, "address", triage_json_addr(h->addrs[j]));
                        json_object_object_add(m, "string", json_object_new_string(h->strings[j]));
                        json_object_array_add(arr, m);
                }
                json_object_object_add(ev, "matches", arr);
                json_object_object_add(ev, "match_count", json_object_new_uint64(h->total));
                char title[256];
                if (t)
                        snprintf(title, sizeof title, "YARA rule %s matches process %d (%s) at 0x%" PRIx64,
                                 h->rule->identifier, t->pid, t->comm, h->addrs[0]);
                else
                        snprintf(title, sizeof title, "YARA rule %s matches %s at 0x%" PRIx64, h->rule->identifier, area,
                                 h->addrs[0]);
                e = triage_add(out, sev, ID_YARA, t ? t->pid : -1, h->addrs[0], title,
                               t ? "A user-supplied YARA rule matched this process's memory (addresses are guest "
                                   "virtual addresses in the process)."
                                 : "A user-supplied YARA rule matched kernel memory (guest kernel virtual addresses).",
                               tech, ev);
        }
        sc->nhits = 0;
        return e;
}

static bool worth_scanning(const hvs_vma *v) {
        if (!(v->flags & HVS_VM_READ) || v->kind == HVS_VMA_SPECIAL || v->end <= v->start)
                return false;
        if (v->kind != HVS_VMA_FILE || (v->flags & HVS_VM_WRITE))
                return true;
        return strstr(v->name, " (deleted)") || strncmp(v->name, "/memfd:", 7) == 0;
}

static int scan_processes(struct scan *sc, hvs_linux *k, hvs_findings *out) {
        _cleanup_(hvs_task_list_freep) hvs_task_list *l = NULL;
        int e = hvs_linux_tasks(k, &l);
        if (e < 0)
                return e;
        for (size_t i = 0; i < l->n && !triage_budget_over(&sc->b); i++) {
                const hvs_task *t = &l->tasks[i];
                if (t->kthread || !t->mm.v)
                        continue;
                _cleanup_(hvs_vma_list_freep) hvs_vma_list *m = NULL;
                hvs_vas *as = NULL;
                if (hvs_linux_task_maps(k, t, &m) < 0 || lx_mm_vas(k, t->mm.v, &as) < 0)
                        continue;
                for (size_t j = 0; j < m->n && e >= 0 && !triage_budget_over(&sc->b); j++)
                        if (worth_scanning(&m->vmas[j])) {
                                sc->regions++;
                                e = scan_range(sc, as, m->vmas[j].start, m->vmas[j].end - m->vmas[j].start);
                        }
                hvs_vas_free(as);
                if (e < 0)
                        return e;
                if (sc->nhits) {
                        json_object *owner = json_object_new_object();
                        json_object_object_add(owner, "pid", json_object_new_int(t->pid));
                        json_object_object_add(owner, "name", json_object_new_string(t->comm));
                        json_object_object_add(owner, "task_address", triage_json_addr(t->addr.v));
                        json_object_object_add(owner, "mm_address", triage_json_addr(t->mm.v));
                        e = flush_hits(sc, out, t, NULL, owner);
                        json_object_put(owner);
                        if (e < 0)
                                return e;
                }
        }
        return 0;
}

/*
 * The kernel image's sections that stay: not _text.._end whole, whose gaps
 * (init memory, the padding after text and rodata) are freed after boot and
 * reused as ordinary pages, process memory included. A section may have a
 * hole freed the same way: x86's bss ends with the 2 MiB-aligned
 * .bss..decrypted area, whose unused part (__start_bss_decrypted_unused ..
 * __end_bss_decrypted, nearly 2 MiB) free_initmem() gives to the page
 * allocator on every boot, SME or not ("Freeing unused decrypted memory"),
 * while the kernel mapping of those pages stays: read through it, they are
 * process stacks, pipe buffers, page cache.
 */
static const struct {
        const char *start, *end, *name;
        const char *hole_start, *hole_end;      /* freed part (nullable) */
} kernel_sections[] = {
        { "_stext", "_etext", "kernel text", NULL, NULL },
        { "__start_rodata", "__end_rodata", "kernel rodata", NULL, NULL },
        { "_sdata", "_edata", "kernel data", NULL, NULL },
        { "__bss_start", "__bss_stop", "kernel bss", "__start_bss_decrypted_unused", "__end_bss_decrypted" },
};

/* Scan [start, end) of the kernel minus the hole [hlo, hhi) (empty when hlo >= hhi). */
static int scan_kernel_range(struct scan *sc, hvs_vas *kv, uint64_t start, uint64_t end, uint64_t hlo, uint64_t hhi) {
        if (hlo < start)
                hlo = start;
        if (hhi > end)
                hhi = end;
        if (hlo >= hhi)
                return scan_range(sc, kv, start, end - start);
        int e = hlo > start ? scan_range(sc, kv, start, hlo - start) : 0;
        if (e >= 0 && end > hhi)
                e = scan_range(sc, kv, hhi, end - hhi);
        return e;
}

static int scan_kernel(struct scan *sc, hvs_linux *k, hvs_findings *out) {
        hvs_vas *kv = hvs_linux_kernel_vas(k);
        hvs_profile *p = hvs_linux_profile(k);
        int e = 0;
        for (size_t i = 0; i < ARRAY_SIZE(kernel_sections) && !triage_budget_over(&sc->b); i++) {
                uint64_t start, end, hlo = 0, hhi = 0;
                if (hvs_profile_symbol(p, kernel_sections[i].start, &start) < 0 ||
                    hvs_profile_symbol(p, kernel_sections[i].end, &end) < 0 || end <= start || end - start > (1ull << 30))
                        continue;
                if (kernel_sections[i].hole_start &&
                    (hvs_profile_symbol(p, kernel_sections[i].hole_start, &hlo) < 0 ||
                     hvs_profile_symbol(p, kernel_sections[i].hole_end, &hhi) < 0))
                        hlo = hhi = 0;
                sc->regions++;
                if ((e = scan_kernel_range(sc, kv, start, end, hlo, hhi)) < 0)
                        return e;
                if (sc->nhits) {
                        json_object *owner = json_object_new_object();
                        json_object_object_add(owner, "area", json_object_new_string(kernel_sections[i].name));
                        json_object_object_add(owner, "start", triage_json_addr(start));
                        json_object_object_add(owner, "end", triage_json_addr(end));
                        if (hlo < hhi) {
                                json_object_object_add(owner, "freed_start", triage_json_addr(hlo));
                                json_object_object_add(owner, "freed_end", triage_json_addr(hhi));
                        }
                        e = flush_hits(sc, out, NULL, kernel_sections[i].name, owner);
                        json_object_put(owner);
                        if (e < 0)
                                return e;
                }
        }
        _cleanup_(hvs_module_list_freep) hvs_module_list *ml = NULL;
        if (hvs_linux_modules(k, &ml) < 0)
                return 0;
        for (size_t i = 0; i < ml->n && !triage_budget_over(&sc->b); i++) {
                const hvs_module *m = &ml->modules[i];
                if (!m->base || !m->size || m->size > (64u << 20))
                        continue;
                sc->regions++;
                if ((e = scan_range(sc, kv, m->base, m->size)) < 0)
                        return e;
                if (sc->nhits) {
                        char area[96];
                        snprintf(area, sizeof area, "module %s", m->name);
                        json_object *owner = json_object_new_object();
                        json_object_object_add(owner, "area", json_object_new_string(area));
                        json_object_object_add(owner, "module_address", triage_json_addr(m->addr.v));
                        json_object_object_add(owner, "start", triage_json_addr(m->base));
                        json_object_object_add(owner, "size", json_object_new_uint64(m->size));
                        e = flush_hits(sc, out, NULL, area, owner);
                        json_object_put(owner);
                        if (e < 0)
                                return e;
                }
        }
        return 0;
}

struct compile_err {
        char msg[256];
        int n;
};

static void on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *message, void *user) {
        struct compile_err *ce = user;
        if (level != YARA_ERROR_LEVEL_ERROR)
                return;
        if (!ce->n++)
                snprintf(ce->msg, sizeof ce->msg, "line %d: %s", line, message);
}

static int triage_yara_compile(const char *src, YR_RULES **ret, char *err, size_t errcap) {
        YR_COMPILER *comp = NULL;
        struct compile_err ce = { .n = 0 };
        if (yr_compiler_create(&comp) != ERROR_SUCCESS)
                return -ENOMEM;
        yr_compiler_set_callback(comp, on_compile, &ce);
        int r = 0;
        if (yr_compiler_add_string(comp, src, NULL) != 0) {
                snprintf(err, errcap, "%d error%s, first: %s", ce.n, ce.n == 1 ? "" : "s", ce.msg);
                r = -EINVAL;
        } else if (yr_compiler_get_rules(comp, ret) != ERROR_SUCCESS) {
                r = -ENOMEM;
        }
        yr_compiler_destroy(comp);
        return r;
}

TRIAGE_CHECK(triage_yara) {
        if (!o || !o->yara_rules)
                return 0;       /* no rules: nothing to look for */
        hvs_linux *k = hvs_session_linux(s);
        if (!k)
                return HVS_DIAG(diag, -ENOENT, "no Linux kernel view");
        _cleanup_free_ uint8_t *src = NULL;
        size_t len;
        int e = hvs_read_file(o->yara_rules, HVS_MAX_YARA_RULES_BYTES, &src, &len);
        if (e < 0)
                return HVS_DIAG(diag, e, "cannot read YARA rules '%s': %s", o->yara_rules, hvs_strerror(e));
        if (yr_initialize() != ERROR_SUCCESS)
                return HVS_DIAG(diag, -ENOMEM, "libyara did not initialize");
        struct scan sc = { .err = 0 };
        char err[300] = "";
        e = triage_yara_compile((const char *)src, &sc.rules, err, sizeof err);
        if (e < 0) {
                yr_finalize();
                return HVS_DIAG(diag, e, "YARA rules '%s': %s", o->yara_rules, e == -EINVAL ? err : hvs_strerror(e));
        }
        triage_budget_init(&sc.b, o);
        sc.buf = hvs_malloc(YARA_CHUNK);
        if (!sc.buf)
                e = HVS_DIAG(diag, -ENOMEM, "out of memory");
        if (e >= 0 && (e = scan_processes(&sc, k, out)) < 0)
                e = HVS_DIAG(diag, e, "YARA over process memory: %s", hvs_strerror(e));
        if (e >= 0 && !triage_budget_over(&sc.b) && (e = scan_kernel(&sc, k, out)) < 0)
                e = HVS_DIAG(diag, e, "YARA over kernel memory: %s", hvs_strerror(e));
        if (e >= 0 && (e = triage_budget_report(&sc.b, out, ID_YARA)) < 0)
                e = HVS_DIAG(diag, e, "cannot add a finding");
        if (e >= 0 && sc.rule_errors) {
                json_object *ev = json_object_new_object();
                json_object_object_add(ev, "error", json_object_new_string(sc.errmsg));
                e = triage_add(out, HVS_SEV_INFO, ID_YARA, -1, 0, "libyara failed on part of the memory",
                               "Some chunks could not be scanned; a match may be missing.", NULL, ev);
        }
        free(sc.buf);
        free(sc.hits);
        yr_rules_destroy(sc.rules);
        yr_finalize();
        return e < 0 ? e : 0;
}
