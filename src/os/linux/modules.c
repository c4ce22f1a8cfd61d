/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modules.c - loaded kernel modules, from the kernel's `modules` list.
 *
 * Each struct module is copied once (C6) and decoded from the copy, the way
 * kernel/module/procfs.c renders /proc/modules: size is the sum of the
 * module's memory areas (core + init layouts up to 6.3; every mem[] area from
 * 6.4, where struct module_layout became struct module_memory), the address
 * is the core text base, the refcount is refcnt - MODULE_REF_BASE, users come
 * from source_list. What sits behind pointers (users, parameters) is read
 * field by field, and a failure there marks the module partial.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include "linux-internal.h"
#include "list.h"
#include "modules-walk.h"

#define MAX_MODULE_STRUCT (64u << 10)   /* struct module is ~1 KiB; more is implausible */
#define MAX_KP_STRUCT 256u              /* struct kernel_param is 40 bytes */
#define MAX_MEM_AREAS 16u               /* MOD_MEM_NUM_TYPES is 7 */
#define MAX_ARRAY_ELEMS 1024u           /* elements of one array parameter decoded */
#define MAX_ELEM_SIZE 64u

/* ---- value rendering ------------------------------------------------------- */

struct vbuf {
        char s[HVS_MAX_MODULE_PARAM_VALUE];
        size_t len;
        bool full;
};

static void vb_printf(struct vbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vb_printf(struct vbuf *b, const char *fmt, ...) {
        if (b->full)
                return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, sizeof b->s - b->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof b->s - b->len) {
                b->len = sizeof b->s - 1;
                b->full = true;
        } else {
                b->len += (size_t)n;
        }
}

static const char *ops_type(const struct lx_param_ops *ops, size_t nops, uint64_t addr) {
        for (size_t i = 0; addr && i < nops; i++)
                if (ops[i].addr == addr)
                        return ops[i].type;
        return "other";
}

/* Append the value of a scalar of @type at @arg as param_get_<type>() prints it. Return: 0; -errno. */
static int scalar_value(hvs_vas *as, const char *type, uint64_t arg, struct vbuf *b) {
        uint8_t raw[8];
        static const struct { const char *type; unsigned size; } sizes[] = {
                { "int", 4 }, { "bint", 4 }, { "uint", 4 }, { "hexint", 4 }, { "bool", 1 }, { "invbool", 1 },
                { "long", 8 }, { "ulong", 8 }, { "ullong", 8 }, { "short", 2 }, { "ushort", 2 }, { "byte", 1 },
                { "charp", 8 },
        };
        unsigned size = 0;
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
                if (strcmp(sizes[i].type, type) == 0)
                        size = sizes[i].size;
        if (!size)
                return -EOPNOTSUPP;
        int r = hvs_vas_read(as, HVS_GVA(arg), raw, size);
        if (r < 0)
                return r;
        uint64_t v = size == 1 ? raw[0] : hvs_leN(raw, size);
        if (!strcmp(type, "int") || !strcmp(type, "bint"))
                vb_printf(b, "%" PRId32, (int32_t)(uint32_t)v);
        else if (!strcmp(type, "uint"))
                vb_printf(b, "%" PRIu32, (uint32_t)v);
        else if (!strcmp(type, "hexint"))
                vb_printf(b, "%#08" PRIx32, (uint32_t)v);
        else if (!strcmp(type, "bool"))
                vb_printf(b, "%c", v ? 'Y' : 'N');
        else if (!strcmp(type, "invbool"))
                vb_printf(b, "%c", v ? 'N' : 'Y');
        else if (!strcmp(type, "long"))
                vb_printf(b, "%" PRId64, (int64_t)v);
        else if (!strcmp(type, "ulong") || !strcmp(type, "ullong"))
                vb_printf(b, "%" PRIu64, v);
        else if (!strcmp(type, "short"))
                vb_printf(b, "%" PRId16, (int16_t)(uint16_t)v);
        else if (!strcmp(type, "ushort"))
                vb_printf(b, "%" PRIu16, (uint16_t)v);
        else if (!strcmp(type, "byte"))
                vb_printf(b, "%" PRIu8, (uint8_t)v);
        else {  /* charp: a pointer to the string */
                if (v == 0) {
                        vb_printf(b, "(null)");
                        return 0;
                }
                char s[HVS_MAX_MODULE_PARAM_VALUE];
                r = hvs_vas_read_str(as, HVS_GVA(v), s, sizeof s);
                if (r < 0 && r != -E2BIG)
                        return r;
                vb_printf(b, "%s", s);
        }
        return 0;
}

/* struct kparam_string { maxlen; string }: the string, at most maxlen bytes. */
static int string_value(hvs_vas *as, const struct lx_module_offsets *o, uint64_t kps, struct vbuf *b) {
        uint32_t maxlen;
        uint64_t str;
        int r;
        if ((r = lx_read_u32(as, kps, o->kps_maxlen, &maxlen)) < 0 || (r = lx_read_u64(as, kps, o->kps_string, &str)) < 0)
                return r;
        char s[HVS_MAX_MODULE_PARAM_VALUE];
        size_t cap = MIN((size_t)maxlen, sizeof s);
        if (cap == 0 || str == 0)
                return -EBADMSG;
        r = hvs_vas_read_str(as, HVS_GVA(str), s, cap);
        if (r < 0 && r != -E2BIG)
                return r;
        vb_printf(b, "%s", s);
        return 0;
}

/* struct kparam_array: the elements joined by ',' as param_array_get() does. */
static int array_value(hvs_vas *as, const struct lx_module_offsets *o, const struct lx_param_ops *ops, size_t nops,
                       uint64_t kpa, struct vbuf *b) {
        uint32_t max, elemsize, num;
        uint64_t nump, eops, elem;
        int r;
        if ((r = lx_read_u32(as, kpa, o->kpa_max, &max)) < 0 || (r = lx_read_u32(as, kpa, o->kpa_elemsize, &elemsize)) < 0 ||
            (r = lx_read_u64(as, kpa, o->kpa_num, &nump)) < 0 || (r = lx_read_u64(as, kpa, o->kpa_ops, &eops)) < 0 ||
            (r = lx_read_u64(as, kpa, o->kpa_elem, &elem)) < 0)
                return r;
        num = max;
        if (nump && (r = hvs_vas_read_u32(as, HVS_GVA(nump), &num)) < 0)
                return r;
        const char *type = ops_type(ops, nops, eops);
        if (num > max || max > MAX_ARRAY_ELEMS || elemsize == 0 || elemsize > MAX_ELEM_SIZE)
                return -EBADMSG;
        for (uint32_t i = 0; i < num; i++) {
                uint64_t at;
                if (hvs_add_overflow(elem, (uint64_t)i * elemsize, &at))
                        return -EFAULT;
                if (i)
                        vb_printf(b, ",");
                if (!strcmp(type, "string"))
                        r = string_value(as, o, at, b);
                else
                        r = scalar_value(as, type, at, b);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void sanitize(char *s) {
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
                        *s = '?';
}

static void read_param(hvs_vas *as, const struct lx_module_offsets *o, const struct lx_param_ops *ops, size_t nops,
                       uint64_t addr, const uint8_t *kp, hvs_module_param *p) {
        *p = (hvs_module_param){ .addr = HVS_GVA(addr) };
        uint64_t name = hvs_le64(kp + o->kp_name);
        if (name == 0 || hvs_vas_read_str(as, HVS_GVA(name), p->name, sizeof p->name) == -EFAULT)
                hvs_strlcpy(p->name, "?", sizeof p->name);
        sanitize(p->name);
        p->type = ops_type(ops, nops, hvs_le64(kp + o->kp_ops));
        p->perm = hvs_le16(kp + o->kp_perm);
        p->arg = HVS_GVA(hvs_le64(kp + o->kp_arg));

        struct vbuf *b = hvs_malloc(sizeof *b);
        if (!b)
                return;
        b->len = 0;
        b->full = false;
        b->s[0] = '\0';
        int r;
        if (!strcmp(p->type, "other"))
                r = -EOPNOTSUPP;
        else if (!strcmp(p->type, "string"))
                r = string_value(as, o, p->arg.v, b);
        else if (!strcmp(p->type, "array"))
                r = array_value(as, o, ops, nops, p->arg.v, b);
        else
                r = scalar_value(as, p->type, p->arg.v, b);
        if (r == 0) {
                sanitize(b->s);
                p->value = hvs_strdup(b->s);
        }
        free(b);
}

/* ---- one module --------------------------------------------------------------- */

/* The "(OE)" flags of kernel/module/main.c module_flags(): shown only when tainted. */
static void format_flags(uint64_t taints, uint32_t state, char *buf, size_t cap) {
        static const char letters[] = "PFSRMBUDAWCIOELKXTNJ";   /* taint_flags[], by bit */
        size_t l = 0;
        buf[0] = '\0';
        if (!taints || cap < 8)
                return;
        buf[l++] = '(';
        for (unsigned i = 0; i < 64 && l + 3 < cap; i++)
                if (taints & (1ull << i))
                        buf[l++] = i < sizeof letters - 1 ? letters[i] : '?';
        if (state == HVS_MODULE_COMING && l + 2 < cap)
                buf[l++] = '+';
        if (state == HVS_MODULE_GOING && l + 2 < cap)
                buf[l++] = '-';
        buf[l++] = ')';
        buf[l] = '\0';
}

static void read_users(hvs_vas *as, const struct lx_module_offsets *o, uint64_t mod, uint64_t init, uint64_t exit,
                       hvs_module *m) {
        struct vbuf *b = hvs_malloc(sizeof *b);
        if (!b) {
                m->partial |= HVS_MODULE_PARTIAL_USERS;
                return;
        }
        b->len = 0;
        b->full = false;
        b->s[0] = '\0';
        if (o->source_list != LX_ABSENT && o->use_source_list != LX_ABSENT && o->use_source != LX_ABSENT) {
                hvs_list_iter it;
                hvs_gva node;
                int r;
                hvs_list_iter_init(&it, as, HVS_GVA(mod + o->source_list), HVS_MAX_MODULE_USERS);
                while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                        uint64_t src;
                        char name[64];
                        size_t cap = MIN((size_t)o->name_size + 1, sizeof name);
                        if (lx_read_u64(as, node.v - o->use_source_list, o->use_source, &src) < 0 ||
                            hvs_vas_read_str(as, HVS_GVA(src + o->name), name, cap) == -EFAULT) {
                                r = -EFAULT;
                                break;
                        }
                        sanitize(name);
                        vb_printf(b, "%s,", name);
                }
                if (r < 0 || b->full)
                        m->partial |= HVS_MODULE_PARTIAL_USERS;
        }
        if (init && !exit && o->exit != LX_ABSENT)
                vb_printf(b, "[permanent],");
        m->users = hvs_strdup(b->s);
        if (!m->users)
                m->partial |= HVS_MODULE_PARTIAL_USERS;
        free(b);
}

static void read_params(hvs_vas *as, const struct lx_module_offsets *o, const struct lx_param_ops *ops, size_t nops,
                        uint64_t kp, uint32_t num, hvs_module *m) {
        if (num == 0 || kp == 0)
                return;
        if (num > HVS_MAX_MODULE_PARAMS) {
                num = HVS_MAX_MODULE_PARAMS;
                m->partial |= HVS_MODULE_PARTIAL_PARAMS;
        }
        size_t bytes = (size_t)num * o->kp_size;
        _cleanup_free_ uint8_t *raw = hvs_malloc(bytes);
        m->params = hvs_calloc(num, sizeof *m->params);
        if (!raw || !m->params || hvs_vas_read(as, HVS_GVA(kp), raw, bytes) < 0) {
                free(m->params);
                m->params = NULL;
                m->partial |= HVS_MODULE_PARTIAL_PARAMS;
                return;
        }
        for (uint32_t i = 0; i < num; i++)
                read_param(as, o, ops, nops, kp + (uint64_t)i * o->kp_size, raw + (size_t)i * o->kp_size,
                           &m->params[i]);
        m->nparams = num;
}

static void read_module(hvs_vas *as, const struct lx_module_offsets *o, const struct lx_param_ops *ops, size_t nops,
                        uint64_t addr, const uint8_t *ms, hvs_module *m) {
        *m = (hvs_module){ .addr = HVS_GVA(addr) };
        size_t nl = MIN((size_t)o->name_size, sizeof m->name - 1);
        memcpy(m->name, ms + o->name, nl);
        m->name[nl] = '\0';
        sanitize(m->name);
        m->state = hvs_le32(ms + o->state);
        m->taints = hvs_le64(ms + o->taints);
        if (o->mem != LX_ABSENT) {
                for (uint32_t i = 0; i < o->mem_bytes / o->mem_elem; i++) {
                        const uint8_t *a = ms + o->mem + (size_t)i * o->mem_elem;
                        if (i == 0)     /* MOD_TEXT */
                                m->base = hvs_le64(a + o->mem_base);
                        m->size += hvs_le32(a + o->mem_len);
                }
        } else {
                m->base = hvs_le64(ms + o->core_base);
                m->size = (uint64_t)hvs_le32(ms + o->core_len) +
                          (o->init_len != LX_ABSENT ? hvs_le32(ms + o->init_len) : 0);
        }
        format_flags(m->taints, m->state, m->flags, sizeof m->flags);
        if (o->refcnt != LX_ABSENT)
                m->refcount = (int32_t)(hvs_le32(ms + o->refcnt) - 1u);
        else
                m->partial |= HVS_MODULE_PARTIAL_REFCNT;
        uint64_t init = o->init != LX_ABSENT ? hvs_le64(ms + o->init) : 0;
        uint64_t exit = o->exit != LX_ABSENT ? hvs_le64(ms + o->exit) : 0;
        read_users(as, o, addr, init, exit, m);
        if (o->kp != LX_ABSENT && o->num_kp != LX_ABSENT && o->kp_size != LX_ABSENT)
                read_params(as, o, ops, nops, hvs_le64(ms + o->kp), hvs_le32(ms + o->num_kp), m);
}

static void module_clear(hvs_module *m) {
        free(m->users);
        for (size_t i = 0; i < m->nparams; i++)
                free(m->params[i].value);
        free(m->params);
}

/* 64-bit sums: offsets from a profile cache are untrusted and may be near UINT32_MAX. */
static bool offsets_fit(const struct lx_module_offsets *o) {
        const uint32_t sz = o->mod_size;
        if (sz == 0 || sz > MAX_MODULE_STRUCT || o->name_size == 0 || o->name_size > 64)
                return false;
        const uint64_t ends[] = {
                (uint64_t)o->list + 16, (uint64_t)o->name + o->name_size, (uint64_t)o->state + 4,
                (uint64_t)o->taints + 8,
                o->refcnt == LX_ABSENT ? 0 : (uint64_t)o->refcnt + 4,
                o->init == LX_ABSENT ? 0 : (uint64_t)o->init + 8,
                o->exit == LX_ABSENT ? 0 : (uint64_t)o->exit + 8,
                o->source_list == LX_ABSENT ? 0 : (uint64_t)o->source_list + 16,
                o->kp == LX_ABSENT ? 0 : (uint64_t)o->kp + 8,
                o->num_kp == LX_ABSENT ? 0 : (uint64_t)o->num_kp + 4,
                o->mem == LX_ABSENT ? 0 : (uint64_t)o->mem + o->mem_bytes,
                o->core_base == LX_ABSENT ? 0 : (uint64_t)o->core_base + 8,
                o->core_len == LX_ABSENT ? 0 : (uint64_t)o->core_len + 4,
                o->init_len == LX_ABSENT ? 0 : (uint64_t)o->init_len + 4,
        };
        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                if (ends[i] > sz)
                        return false;
        if (o->mem != LX_ABSENT) {
                if (o->mem_elem == 0 || o->mem_elem == LX_ABSENT || o->mem_bytes % o->mem_elem ||
                    o->mem_bytes / o->mem_elem > MAX_MEM_AREAS || o->mem_bytes / o->mem_elem == 0 ||
                    (uint64_t)o->mem_base + 8 > o->mem_elem || (uint64_t)o->mem_len + 4 > o->mem_elem)
                        return false;
        } else if (o->core_base == LX_ABSENT || o->core_len == LX_ABSENT) {
                return false;
        }
        if (o->kp != LX_ABSENT && o->kp_size != LX_ABSENT) {
                if (o->kp_size == 0 || o->kp_size > MAX_KP_STRUCT || (uint64_t)o->kp_name + 8 > o->kp_size ||
                    (uint64_t)o->kp_ops + 8 > o->kp_size || (uint64_t)o->kp_perm + 2 > o->kp_size ||
                    (uint64_t)o->kp_arg + 8 > o->kp_size)
                        return false;
        }
        return true;
}

/* A walk stopped on a cycle listed some modules twice: keep each once. */
static void drop_repeats(hvs_module_list *l) {
        size_t keep = hvs_list_unrepeated(l->modules, l->n, sizeof *l->modules, offsetof(hvs_module, addr));
        for (size_t i = keep; i < l->n; i++)
                module_clear(&l->modules[i]);
        l->n = keep;
}

int lx_modules_walk(hvs_vas *as, const struct lx_module_offsets *o, const struct lx_param_ops *ops, size_t nops,
                    uint64_t head, uint32_t max_modules, hvs_diag *diag, hvs_module_list **ret) {
        if (!offsets_fit(o))
                return HVS_BADMSG(diag, "struct module field offsets do not fit its size %u", o->mod_size);
        _cleanup_free_ uint8_t *ms = hvs_malloc(o->mod_size);
        hvs_module_list *l = hvs_calloc(1, sizeof *l);
        if (!ms || !l) {
                free(l);
                return -ENOMEM;
        }
        l->list_addr = HVS_GVA(head);
        size_t cap = 0;
        hvs_list_iter it;
        hvs_gva node;
        int r;
        hvs_list_iter_init(&it, as, HVS_GVA(head), max_modules);
        while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                uint64_t addr = node.v - o->list;
                if (hvs_vas_read(as, HVS_GVA(addr), ms, o->mod_size) < 0) {
                        r = -EFAULT;
                        break;
                }
                if (l->n == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        hvs_module *nm = hvs_reallocarray(l->modules, ncap, sizeof *nm);
                        if (!nm) {
                                hvs_module_list_free(l);
                                return -ENOMEM;
                        }
                        l->modules = nm;
                        cap = ncap;
                }
                read_module(as, o, ops, nops, addr, ms, &l->modules[l->n++]);
        }
        if (r < 0) {
                drop_repeats(l);
                l->truncated = true;
                l->trunc_err = r;
                snprintf(l->trunc_msg, sizeof l->trunc_msg,
                         "module list walk stopped after %zu modules at 0x%" PRIx64 ": %s", l->n, it.cur.v,
                         hvs_strerror(r));
        }
        *ret = l;
        return 0;
}

/* ---- offsets from the profile ------------------------------------------------- */

#define O(f) offsetof(struct lx_module_offsets, f)
static const struct lx_field_row rows[] = {
        { "module", { "list" }, O(list), SIZE_MAX, false },
        { "module", { "name" }, O(name), O(name_size), false },
        { "module", { "state" }, O(state), SIZE_MAX, false },
        { "module", { "taints" }, O(taints), SIZE_MAX, false },
        { "module", { "refcnt.counter", "refcnt" }, O(refcnt), SIZE_MAX, true },
        { "module", { "init" }, O(init), SIZE_MAX, true },
        { "module", { "exit" }, O(exit), SIZE_MAX, true },
        { "module", { "source_list" }, O(source_list), SIZE_MAX, true },
        { "module", { "kp" }, O(kp), SIZE_MAX, true },
        { "module", { "num_kp" }, O(num_kp), SIZE_MAX, true },
        { "module", { "mem" }, O(mem), O(mem_bytes), true },
        { "module", { "core_layout.base" }, O(core_base), SIZE_MAX, true },
        { "module", { "core_layout.size" }, O(core_len), SIZE_MAX, true },
        { "module", { "init_layout.size" }, O(init_len), SIZE_MAX, true },
        { "module_memory", { "base" }, O(mem_base), SIZE_MAX, true },
        { "module_memory", { "size" }, O(mem_len), SIZE_MAX, true },
        { "module_use", { "source_list" }, O(use_source_list), SIZE_MAX, true },
        { "module_use", { "source" }, O(use_source), SIZE_MAX, true },
        { "kernel_param", { "name" }, O(kp_name), SIZE_MAX, true },
        { "kernel_param", { "ops" }, O(kp_ops), SIZE_MAX, true },
        { "kernel_param", { "perm" }, O(kp_perm), SIZE_MAX, true },
        { "kernel_param", { "arg" }, O(kp_arg), SIZE_MAX, true },
        { "kparam_string", { "maxlen" }, O(kps_maxlen), SIZE_MAX, true },
        { "kparam_string", { "string" }, O(kps_string), SIZE_MAX, true },
        { "kparam_array", { "max" }, O(kpa_max), SIZE_MAX, true },
        { "kparam_array", { "elemsize" }, O(kpa_elemsize), SIZE_MAX, true },
        { "kparam_array", { "num" }, O(kpa_num), SIZE_MAX, true },
        { "kparam_array", { "ops" }, O(kpa_ops), SIZE_MAX, true },
        { "kparam_array", { "elem" }, O(kpa_elem), SIZE_MAX, true },
};
#undef O

static const char *const param_types[] = {
        "int", "uint", "bool", "invbool", "bint", "charp", "string", "long", "ulong", "ullong",
        "short", "ushort", "byte", "hexint",
};

int hvs_linux_modules(hvs_linux *k, hvs_module_list **ret) {
        struct lx_module_offsets o;
        hvs_profile *p = k->profile;
        int r = lx_resolve_fields(k, rows, ARRAY_SIZE(rows), &o, &k->diag);
        if (r < 0)
                return r;
        if ((r = hvs_profile_type_size(p, "module", &o.mod_size)) < 0)
                return HVS_DIAG(&k->diag, r, "kernel type 'module': %s", hvs_strerror(r));
        o.mem_elem = LX_ABSENT;
        if (o.mem != LX_ABSENT && hvs_profile_type_size(p, "module_memory", &o.mem_elem) < 0)
                o.mem = LX_ABSENT;
        if (o.mem == LX_ABSENT && (o.core_base == LX_ABSENT || o.core_len == LX_ABSENT))
                return HVS_DIAG(&k->diag, -ENOENT, "kernel type 'module' has neither 'mem' nor 'core_layout'");
        o.kp_size = LX_ABSENT;
        if (o.kp_name != LX_ABSENT && o.kp_ops != LX_ABSENT && o.kp_perm != LX_ABSENT && o.kp_arg != LX_ABSENT &&
            hvs_profile_type_size(p, "kernel_param", &o.kp_size) < 0)
                o.kp_size = LX_ABSENT;

        uint64_t head;
        if (hvs_profile_symbol(p, "modules", &head) < 0)
                return HVS_DIAG(&k->diag, -ENOENT, "kernel has no 'modules' symbol");
        struct lx_param_ops ops[ARRAY_SIZE(param_types) + 1];
        size_t nops = 0;
        for (size_t i = 0; i < ARRAY_SIZE(param_types); i++) {
                char sym[64];
                snprintf(sym, sizeof sym, "param_ops_%s", param_types[i]);
                if (hvs_profile_symbol(p, sym, &ops[nops].addr) == 0)
                        ops[nops++].type = param_types[i];
        }
        if (hvs_profile_symbol(p, "param_array_ops", &ops[nops].addr) == 0)
                ops[nops++].type = "array";
        return lx_modules_walk(k->kvas, &o, ops, nops, head, k->limits.max_modules, &k->diag, ret);
}

hvs_module_list *hvs_module_list_free(hvs_module_list *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                module_clear(&l->modules[i]);
        free(l->modules);
        free(l);
        return NULL;
}
