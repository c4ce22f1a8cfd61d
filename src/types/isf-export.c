/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * isf-export.c - write a kernel's BTF types and kallsyms symbols as a
 * Volatility 3 ISF (Intermediate Symbol Format) JSON file.
 *
 * The output has the shape dwarf2json gives a Linux kernel (format 6.2.0):
 *   metadata   format, producer, linux.symbols/types (where they came from)
 *   base_types every integer and float type by name, plus "void" and
 *              "pointer" (Volatility builds its native types from these)
 *   user_types every struct and union: kind, size, fields {name: {type,
 *              offset[, anonymous]}}
 *   enums      size, base (an integer base type of that size), constants
 *   symbols    address (as linked: the KASLR slide taken off), type where
 *              known, constant_data for linux_banner (Volatility finds the
 *              file for a memory image by these bytes)
 * Type descriptors resolve typedefs and qualifiers to what they name, as
 * dwarf2json does. Names: a struct, union or enum keeps its own; an
 * anonymous one is named after the typedef that names it (kuid_t,
 * atomic64_t: the names Volatility's own code looks for), else
 * "unnamed_<hash of its layout>"; a second distinct type of an already used
 * name becomes "<name>__<btf id>" (the first by BTF id keeps the name, as in
 * hvs_btf_field()); a forward declaration that is never defined becomes an
 * empty struct so that every reference in the file resolves. Anonymous
 * members are "unnamed_field_<offset in hex>" with "anonymous": true, which
 * Volatility (ISF 6.2+) flattens into the parent.
 *
 * Everything is streamed to the caller's FILE in one pass per section,
 * entries sorted by name (deterministic output).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <openssl/evp.h>

#include <hvscope/limits.h>
#include <hvscope/types.h>

#include "types-internal.h"
#include "util/util.h"

#define ISF_FORMAT "6.2.0"
#define KERNEL_MAP_BASE 0xffffffff80000000ull  /* __START_KERNEL_map */
/* Typedef/qualifier hops followed from one type (a cycle in hostile BTF). */
#define EXPORT_MAX_MOD_CHAIN 32u
/* Pointer/array nesting of one type descriptor. */
#define EXPORT_MAX_DESC_DEPTH 24u

/* A string-keyed set/map over borrowed keys, open addressing. */
struct smap {
        const char **keys;
        uint32_t *vals;
        size_t cap, n;
};

static int smap_init(struct smap *m, size_t n) {
        size_t cap = 64;
        while (cap < n * 2 + 2)
                cap <<= 1;
        m->keys = hvs_calloc(cap, sizeof *m->keys);
        m->vals = hvs_calloc(cap, sizeof *m->vals);
        m->n = 0;
        m->cap = m->keys && m->vals ? cap : 0;
        if (m->cap)
                return 0;
        free(m->keys);
        free(m->vals);
        m->keys = NULL;
        m->vals = NULL;
        return -ENOMEM;
}

static void smap_free(struct smap *m) {
        free(m->keys);
        free(m->vals);
}

static bool smap_get(const struct smap *m, const char *k, uint32_t *ret) {
        size_t mask = m->cap - 1;
        for (size_t h = (size_t)types_hash_str(k) & mask;; h = (h + 1) & mask) {
                if (!m->keys[h])
                        return false;
                if (strcmp(m->keys[h], k) == 0) {
                        if (ret)
                                *ret = m->vals[h];
                        return true;
                }
        }
}

/* Insert @k (borrowed) unless present. Return: 1 inserted; 0 present. Capacity is fixed at init. */
static int smap_put(struct smap *m, const char *k, uint32_t v) {
        size_t mask = m->cap - 1;
        for (size_t h = (size_t)types_hash_str(k) & mask;; h = (h + 1) & mask) {
                if (!m->keys[h]) {
                        if ((m->n + 1) * 2 > m->cap)
                                return -E2BIG;
                        m->keys[h] = k;
                        m->vals[h] = v;
                        m->n++;
                        return 1;
                }
                if (strcmp(m->keys[h], k) == 0)
                        return 0;
        }
}

struct exp {
        const struct btf *btf;
        uint32_t ntypes;
        char **name;            /* per type id: the ISF name of a struct/union/enum/fwd (owned) */
        struct smap utypes;     /* user type name -> type id */
        struct smap enums;      /* enum name -> type id */
        struct smap bases;      /* base type name -> type id (0 for "void", "pointer") */
        uint32_t ptr_size;
        FILE *f;
        bool oom;               /* an allocation for output failed: the file is incomplete */
        hvs_diag *diag;
        hvs_isf_export_stats st;
        /* The synthesized type of tk_core (plan_tk_core()). */
        bool tk_synth;
        const char *tk_seq;     /* ISF name of the sequence count's struct */
        uint32_t tk_off, tk_size;
};

static const char *btf_name(const struct exp *e, uint32_t off) {
        const char *s = btf__name_by_offset(e->btf, off);
        return s ? s : "";
}

/* ---- output ---- */

/* Every byte goes through here, counted (a pipe has no file position). */
static void emit(struct exp *e, const void *p, size_t n) {
        e->st.bytes += fwrite(p, 1, n, e->f);
}

static void put(struct exp *e, const char *s) { emit(e, s, strlen(s)); }

static void putf(struct exp *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct exp *e, const char *fmt, ...) {
        char buf[256];
        va_list ap, ap2;
        va_start(ap, fmt);
        va_copy(ap2, ap);
        int n = vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (n > 0 && (size_t)n < sizeof buf) {
                emit(e, buf, (size_t)n);
        } else if (n > 0) {
                char *big = hvs_malloc((size_t)n + 1);
                if (big && vsnprintf(big, (size_t)n + 1, fmt, ap2) == n)
                        emit(e, big, (size_t)n);
                else
                        e->oom = true;
                free(big);
        }
        va_end(ap2);
}

/* A JSON string. Bytes >= 0x80 are written as \u00XX so the file stays valid UTF-8. */
static void put_str(struct exp *e, const char *s) {
        char buf[256];
        size_t n = 0;
        buf[n++] = '"';
        for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
                if (n > sizeof buf - 8) {
                        emit(e, buf, n);
                        n = 0;
                }
                if (*p == '"' || *p == '\\') {
                        buf[n++] = '\\';
                        buf[n++] = (char)*p;
                } else if (*p < 0x20 || *p >= 0x80) {
                        n += (size_t)snprintf(buf + n, sizeof buf - n, "\\u%04x", *p);
                } else {
                        buf[n++] = (char)*p;
                }
        }
        buf[n++] = '"';
        emit(e, buf, n);
}

/* ---- types ---- */

/* Follow typedefs, qualifiers and type tags from @id. */
static int skip_mods(const struct exp *e, uint32_t id, uint32_t *ret) {
        for (unsigned hop = 0; hop <= EXPORT_MAX_MOD_CHAIN; hop++) {
                const struct btf_type *t = id ? btf__type_by_id(e->btf, id) : NULL;
                if (id && !t)
                        return -EBADMSG;
                if (!id || !(btf_is_mod(t) || btf_is_typedef(t))) {
                        *ret = id;
                        return 0;
                }
                id = t->type;
        }
        return -EBADMSG;
}

static uint64_t layout_hash(const struct exp *e, uint32_t id) {
        const struct btf_type *t = btf__type_by_id(e->btf, id);
        char buf[64];
        snprintf(buf, sizeof buf, "%u/%u/%u", btf_kind(t), t->size, btf_vlen(t));
        uint64_t h = types_hash_str(buf);
        if (btf_is_composite(t)) {
                const struct btf_member *m = btf_members(t);
                for (uint32_t i = 0; i < btf_vlen(t); i++) {
                        snprintf(buf, sizeof buf, "%s@%u:%u;", btf_name(e, m[i].name_off), m[i].offset, m[i].type);
                        h = (h ^ types_hash_str(buf)) * 0x100000001b3ull;
                }
        } else if (btf_is_any_enum(t)) {
                for (uint32_t i = 0; i < btf_vlen(t); i++) {
                        uint32_t no = btf_is_enum(t) ? btf_enum(t)[i].name_off : ((const uint32_t *)btf_enum64(t))[3 * i];
                        h = (h ^ types_hash_str(btf_name(e, no))) * 0x100000001b3ull;
                }
        }
        return h;
}

/* Give type @id the name @want in @m, or "<want>__<id>" if another type has it. */
static int assign_name(struct exp *e, struct smap *m, uint32_t id, const char *want) {
        char buf[HVS_MAX_ISF_NAME];
        const char *name = want;
        if (smap_get(m, want, NULL)) {
                if (hvs_snprintf_ok(buf, sizeof buf, "%.900s__%u", want, id) < 0)
                        return -EBADMSG;
                name = buf;
        }
        if (strlen(name) >= HVS_MAX_ISF_NAME)
                return HVS_BADMSG(e->diag, "isf export: type %u: a name of %zu bytes", id, strlen(name));
        char *copy = hvs_strdup(name);
        if (!copy)
                return -ENOMEM;
        int r = smap_put(m, copy, id);
        if (r <= 0) {
                free(copy);
                return r < 0 ? r : HVS_BADMSG(e->diag, "isf export: type name '%s' used twice", name);
        }
        e->name[id] = copy;
        return 0;
}

static bool is_user_kind(const struct btf_type *t) { return btf_is_composite(t); }

/* Whether @id is (or forward-declares, or names the same type as) a union. */
static bool is_union(const struct exp *e, uint32_t id) {
        const struct btf_type *t = btf__type_by_id(e->btf, id);
        uint32_t def;
        if (btf_is_fwd(t) && e->name[id] && smap_get(&e->utypes, e->name[id], &def))
                t = btf__type_by_id(e->btf, def);
        return btf_is_union(t) || (btf_is_fwd(t) && btf_kflag(t));
}

/*
 * Name every struct, union and enum, in three passes so named types take
 * their names before anonymous ones are named after typedefs.
 */
static int name_types(struct exp *e) {
        int r;
        /* 1: named structs/unions/enums; the first by id keeps the name. */
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                const char *n = btf_name(e, t->name_off);
                if (!*n || !(is_user_kind(t) || btf_is_any_enum(t)))
                        continue;
                if ((r = assign_name(e, is_user_kind(t) ? &e->utypes : &e->enums, id, n)) < 0)
                        return r;
        }
        /* 2: anonymous ones a typedef names take the typedef's name (the first typedef). */
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                if (!btf_is_typedef(t) || t->type == 0 || t->type >= e->ntypes || e->name[t->type])
                        continue;
                const struct btf_type *target = btf__type_by_id(e->btf, t->type);
                const char *n = btf_name(e, t->name_off);
                if (!*n || target->name_off != 0 || !(is_user_kind(target) || btf_is_any_enum(target)))
                        continue;
                struct smap *m = is_user_kind(target) ? &e->utypes : &e->enums;
                if (smap_get(m, n, NULL))
                        continue;       /* the name is a real struct's: pass 3 names this one */
                if ((r = assign_name(e, m, t->type, n)) < 0)
                        return r;
        }
        /* 3: the other anonymous ones, by their layout. */
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                if (e->name[id] || !(is_user_kind(t) || btf_is_any_enum(t)))
                        continue;
                char n[32];
                snprintf(n, sizeof n, "unnamed_%016" PRIx64, layout_hash(e, id));
                if ((r = assign_name(e, is_user_kind(t) ? &e->utypes : &e->enums, id, n)) < 0)
                        return r;
        }
        /* Forward declarations: the defined type of that name, else an empty placeholder. */
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                if (!btf_is_fwd(t))
                        continue;
                const char *n = btf_name(e, t->name_off);
                uint32_t def;
                if (!*n)
                        n = "unnamed_fwd";
                if (smap_get(&e->utypes, n, &def)) {
                        if (!(e->name[id] = hvs_strdup(e->name[def])))
                                return -ENOMEM;
                } else if ((r = assign_name(e, &e->utypes, id, n)) < 0) {
                        return r;
                }
        }
        return 0;
}

/* Integer and float types by name, then "void" and "pointer". */
static int collect_bases(struct exp *e) {
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                const char *n = btf_name(e, t->name_off);
                /* A reader takes base types of 1 to 16 bytes (the widest C type); others are void. */
                if (!(btf_is_int(t) || btf_is_float(t)) || !*n || !strcmp(n, "void") || !strcmp(n, "pointer") ||
                    t->size == 0 || t->size > 16 || strlen(n) >= HVS_MAX_ISF_NAME)
                        continue;
                int r = smap_put(&e->bases, n, id);
                if (r < 0)
                        return r;
        }
        size_t ps = btf__pointer_size(e->btf);
        e->ptr_size = ps ? (uint32_t)ps : 8;
        if (smap_put(&e->bases, "void", 0) < 0 || smap_put(&e->bases, "pointer", 0) < 0)
                return -E2BIG;
        return 0;
}

/* The ISF name of base type @id ("int", "long unsigned int", ...). */
static const char *base_name(const struct exp *e, uint32_t id) {
        const struct btf_type *t = btf__type_by_id(e->btf, id);
        const char *n = btf_name(e, t->name_off);
        return *n && smap_get(&e->bases, n, NULL) ? n : "void";
}

/* The type descriptor of @id: {"kind": ...}. */
static int put_desc(struct exp *e, uint32_t id, unsigned depth) {
        if (depth > EXPORT_MAX_DESC_DEPTH)
                return HVS_BADMSG(e->diag, "isf export: type %u nested too deep", id);
        int r = skip_mods(e, id, &id);
        if (r < 0)
                return HVS_BADMSG(e->diag, "isf export: typedef/qualifier chain at type %u too long", id);
        if (id == 0) {
                put(e, "{\"kind\":\"base\",\"name\":\"void\"}");
                return 0;
        }
        const struct btf_type *t = btf__type_by_id(e->btf, id);
        switch (btf_kind(t)) {
        case BTF_KIND_INT:
        case BTF_KIND_FLOAT:
                put(e, "{\"kind\":\"base\",\"name\":");
                put_str(e, base_name(e, id));
                put(e, "}");
                return 0;
        case BTF_KIND_PTR:
                put(e, "{\"kind\":\"pointer\",\"subtype\":");
                if ((r = put_desc(e, t->type, depth + 1)) < 0)
                        return r;
                put(e, "}");
                return 0;
        case BTF_KIND_ARRAY: {
                const struct btf_array *a = btf_array(t);
                putf(e, "{\"kind\":\"array\",\"count\":%u,\"subtype\":", a->nelems);
                if ((r = put_desc(e, a->type, depth + 1)) < 0)
                        return r;
                put(e, "}");
                return 0;
        }
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_FWD: {
                bool un = is_union(e, id);
                putf(e, "{\"kind\":\"%s\",\"name\":", un ? "union" : "struct");
                put_str(e, e->name[id] ? e->name[id] : "unnamed");
                put(e, "}");
                return 0;
        }
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
                put(e, "{\"kind\":\"enum\",\"name\":");
                put_str(e, e->name[id] ? e->name[id] : "unnamed");
                put(e, "}");
                return 0;
        case BTF_KIND_FUNC:
        case BTF_KIND_FUNC_PROTO:
                put(e, "{\"kind\":\"function\"}");
                return 0;
        default:        /* VAR, DATASEC, DECL_TAG: not types of values */
                put(e, "{\"kind\":\"base\",\"name\":\"void\"}");
                return 0;
        }
}

/* ---- sections ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The keys of @m, sorted. Caller frees the array (not the keys). */
static int sorted_keys(const struct smap *m, const char ***ret) {
        const char **k = hvs_calloc(m->n ? m->n : 1, sizeof *k);
        if (!k)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < m->cap; i++)
                if (m->keys[i])
                        k[n++] = m->keys[i];
        qsort(k, n, sizeof *k, cmp_str);
        *ret = k;
        return 0;
}

static void put_base(struct exp *e, const char *name, uint32_t id) {
        uint32_t size = e->ptr_size;
        const char *kind = "int";
        bool sgn = false;
        if (!strcmp(name, "void")) {
                size = 0;
                kind = "void";
        } else if (strcmp(name, "pointer") != 0) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                size = t->size;
                if (btf_is_float(t)) {
                        kind = "float";
                        sgn = true;
                } else {
                        uint8_t enc = btf_int_encoding(t);
                        sgn = enc & BTF_INT_SIGNED;
                        kind = enc & BTF_INT_BOOL ? "bool" : (enc & BTF_INT_CHAR) || strstr(name, "char") ? "char" : "int";
                }
        }
        put_str(e, name);
        putf(e, ":{\"size\":%u,\"signed\":%s,\"kind\":\"%s\",\"endian\":\"little\"}", size, sgn ? "true" : "false", kind);
}

static int write_bases(struct exp *e) {
        const char **k;
        int r = sorted_keys(&e->bases, &k);
        if (r < 0)
                return r;
        put(e, "\"base_types\":{\n");
        for (size_t i = 0; i < e->bases.n; i++) {
                uint32_t id = 0;
                smap_get(&e->bases, k[i], &id);
                put_base(e, k[i], id);
                put(e, i + 1 < e->bases.n ? ",\n" : "\n");
        }
        put(e, "},\n");
        e->st.base_types = e->bases.n;
        free(k);
        return 0;
}

/*
 * Whether member @i of @t is a bitfield, and its bit offset and length
 * (a member of an int type narrower than its bytes counts, as in btf.c).
 */
static bool member_bits(const struct exp *e, const struct btf_type *t, uint32_t i, uint32_t *ret_bit, uint32_t *ret_len) {
        uint32_t bit = btf_member_bit_offset(t, i), len = btf_member_bitfield_size(t, i), id;
        const struct btf_type *mt = NULL;
        if (skip_mods(e, btf_members(t)[i].type, &id) == 0 && id)
                mt = btf__type_by_id(e->btf, id);
        if (len == 0 && mt && btf_is_int(mt) && (btf_int_offset(mt) != 0 || btf_int_bits(mt) != mt->size * 8)) {
                bit += btf_int_offset(mt);
                len = btf_int_bits(mt);
        }
        *ret_bit = bit;
        *ret_len = len;
        return len != 0 || bit % 8 != 0;
}

static int put_field(struct exp *e, const struct btf_type *t, uint32_t i, struct smap *seen, bool *first) {
        const struct btf_member *m = &btf_members(t)[i];
        const char *mname = btf_name(e, m->name_off);
        char anon[64];
        uint32_t bit, blen, target;
        bool bitfield = member_bits(e, t, i, &bit, &blen);
        int r = skip_mods(e, m->type, &target);
        if (r < 0)
                return HVS_BADMSG(e->diag, "isf export: typedef/qualifier chain at type %u too long", m->type);
        const struct btf_type *mt = target ? btf__type_by_id(e->btf, target) : NULL;
        bool anonymous = !*mname && mt && btf_is_composite(mt);
        if (!*mname) {
                snprintf(anon, sizeof anon, "unnamed_field_%x", bit / 8);
                for (unsigned k = 1; smap_get(seen, anon, NULL); k++)
                        snprintf(anon, sizeof anon, "unnamed_field_%x_%u", bit / 8, k);
                mname = anon;
        } else if (strlen(mname) >= HVS_MAX_ISF_NAME) {
                return HVS_BADMSG(e->diag, "isf export: a member name of %zu bytes", strlen(mname));
        } else if (smap_get(seen, mname, NULL)) {
                return 0;       /* a repeated member name: C forbids it; keep the first */
        }
        char *key = hvs_strdup(mname);
        if (!key)
                return -ENOMEM;
        if ((r = smap_put(seen, key, 0)) <= 0) {
                free(key);
                return r < 0 ? r : 0;
        }
        put(e, *first ? "" : ",");
        *first = false;
        put_str(e, mname);
        if (bitfield) {
                /* The storage unit: the member type's size, aligned, holding the bits. */
                uint32_t unit = mt && (btf_is_int(mt) || btf_is_any_enum(mt)) ? mt->size : 4;
                if (unit == 0 || unit > 16)
                        unit = 4;
                uint32_t off = bit / (unit * 8) * unit;
                if (bit - off * 8 + blen > unit * 8)
                        off = bit / 8;
                /* What a C compiler can lay out (and a reader accepts): at most 128 bits in one unit. */
                if (blen == 0 || bit - off * 8 + blen > 128)
                        return HVS_BADMSG(e->diag, "isf export: member '%s': a bitfield of %u bits at bit %u is implausible",
                                          mname, blen, bit);
                putf(e, ":{\"type\":{\"kind\":\"bitfield\",\"bit_position\":%u,\"bit_length\":%u,\"type\":", bit - off * 8,
                     blen);
                if (mt && (btf_is_int(mt) || btf_is_any_enum(mt))) {
                        if ((r = put_desc(e, target, 0)) < 0)
                                return r;
                } else {
                        put(e, "{\"kind\":\"base\",\"name\":\"unsigned int\"}");
                }
                putf(e, "},\"offset\":%u}", off);
        } else {
                put(e, ":{\"type\":");
                if ((r = put_desc(e, m->type, 0)) < 0)
                        return r;
                putf(e, ",\"offset\":%u%s}", bit / 8, anonymous ? ",\"anonymous\":true" : "");
        }
        e->st.fields++;
        return 0;
}

static int put_user_type(struct exp *e, const char *name, uint32_t id) {
        const struct btf_type *t = btf__type_by_id(e->btf, id);
        bool un = is_union(e, id);
        put_str(e, name);
        putf(e, ":{\"kind\":\"%s\",\"size\":%u,\"fields\":{", un ? "union" : "struct", btf_is_fwd(t) ? 0 : t->size);
        if (btf_is_composite(t) && btf_vlen(t) > 0) {
                struct smap seen;
                int r = smap_init(&seen, btf_vlen(t));
                bool first = true;
                for (uint32_t i = 0; r == 0 && i < btf_vlen(t); i++)
                        r = put_field(e, t, i, &seen, &first);
                for (size_t i = 0; i < seen.cap; i++)
                        free((char *)seen.keys[i]);
                smap_free(&seen);
                if (r < 0)
                        return r;
        }
        put(e, "}}");
        return 0;
}

/*
 * tk_core is `static struct { seqcount_raw_spinlock_t seq; struct timekeeper
 * timekeeper; }`: an anonymous type that kernel BTF without global variables
 * (pahole < 1.26: Debian's 6.1 and 6.12) does not have, while Volatility's
 * linux.pslist reads tk_core.timekeeper for creation times (and linux.boottime
 * for the boot time). dwarf2json gives it from DWARF; here it follows from its
 * two members: the timekeeper after the sequence count, aligned to 8 (its
 * widest members are 64-bit), as src/os/linux/kernel.c reads the clock. It is
 * written as TK_CORE_TYPE only when both member types are defined, the BTF
 * has no tk_core variable and no type of that name.
 */
#define TK_CORE_TYPE "unnamed_tk_core"

static void plan_tk_core(struct exp *e) {
        uint32_t seq, tk;
        if (smap_get(&e->utypes, TK_CORE_TYPE, NULL) || !smap_get(&e->utypes, "seqcount_raw_spinlock", &seq) ||
            !smap_get(&e->utypes, "timekeeper", &tk))
                return;
        const struct btf_type *ts = btf__type_by_id(e->btf, seq), *tt = btf__type_by_id(e->btf, tk);
        if (!btf_is_struct(ts) || !btf_is_struct(tt) || ts->size == 0 || ts->size > 64 || tt->size == 0 ||
            tt->size > UINT32_MAX - 128)
                return;
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                if (btf_is_var(t) && !strcmp(btf_name(e, t->name_off), "tk_core"))
                        return;
        }
        e->tk_seq = e->name[seq];
        e->tk_off = (ts->size + 7u) & ~7u;
        e->tk_size = (e->tk_off + tt->size + 7u) & ~7u;
        e->tk_synth = true;
}

static void put_tk_core_type(struct exp *e) {
        put_str(e, TK_CORE_TYPE);
        putf(e, ":{\"kind\":\"struct\",\"size\":%u,\"fields\":{\n\"seq\":{\"type\":{\"kind\":\"struct\",\"name\":",
             e->tk_size);
        put_str(e, e->tk_seq);
        putf(e, "},\"offset\":0},\n\"timekeeper\":{\"type\":{\"kind\":\"struct\",\"name\":\"timekeeper\"},"
                "\"offset\":%u}}}", e->tk_off);
        e->st.fields += 2;
}

static int write_user_types(struct exp *e) {
        const char **k;
        int r = sorted_keys(&e->utypes, &k);
        if (r < 0)
                return r;
        plan_tk_core(e);
        bool tk_due = e->tk_synth;
        size_t total = e->utypes.n + tk_due;
        put(e, "\"user_types\":{\n");
        for (size_t i = 0, done = 0; i < e->utypes.n && r == 0; i++) {
                if (tk_due && strcmp(TK_CORE_TYPE, k[i]) < 0) {
                        put_tk_core_type(e);
                        put(e, ++done < total ? ",\n" : "\n");
                        tk_due = false;
                }
                uint32_t id = 0;
                smap_get(&e->utypes, k[i], &id);
                r = put_user_type(e, k[i], id);
                put(e, ++done < total ? ",\n" : "\n");
        }
        if (tk_due && r == 0) {
                put_tk_core_type(e);
                put(e, "\n");
        }
        put(e, "},\n");
        e->st.user_types = total;
        free(k);
        return r;
}

struct enum_base {
        const char *name;
        uint32_t size;
        bool sgn;
};

static int put_enum(struct exp *e, const char *name, uint32_t id, const struct enum_base *eb, size_t neb) {
        const struct btf_type *t = btf__type_by_id(e->btf, id);
        bool sgn = false;
        uint32_t vlen = btf_vlen(t);
        if (t->size == 0 || t->size > 8)
                return HVS_BADMSG(e->diag, "isf export: enum '%s' of %u bytes", name, t->size);
        for (uint32_t i = 0; i < vlen; i++) {
                if (btf_is_enum(t))
                        sgn |= btf_kflag(t) ? btf_enum(t)[i].val < 0 : false;
                else
                        sgn |= btf_kflag(t) && (int64_t)btf_enum64_value(btf_enum64(t) + i) < 0;
        }
        /* As dwarf2json: the first integer base type, by name, of the same size and sign. */
        const char *base = NULL;
        for (size_t i = 0; i < neb && !base; i++)
                if (eb[i].size == t->size && eb[i].sgn == sgn)
                        base = eb[i].name;
        for (size_t i = 0; i < neb && !base; i++)
                if (eb[i].size == t->size)
                        base = eb[i].name;
        put_str(e, name);
        putf(e, ":{\"size\":%u,\"base\":", t->size);
        put_str(e, base ? base : "int");
        put(e, ",\"constants\":{");
        struct smap seen;
        int r = smap_init(&seen, vlen);
        bool first = true;
        for (uint32_t i = 0; r == 0 && i < vlen; i++) {
                uint32_t no;
                int64_t sv;
                uint64_t uv;
                bool neg;
                if (btf_is_enum(t)) {
                        no = btf_enum(t)[i].name_off;
                        sv = btf_enum(t)[i].val;
                        uv = (uint32_t)btf_enum(t)[i].val;
                        neg = btf_kflag(t) && sv < 0;
                } else {
                        no = ((const uint32_t *)btf_enum64(t))[3 * i];
                        uv = btf_enum64_value(btf_enum64(t) + i);
                        sv = (int64_t)uv;
                        neg = btf_kflag(t) && sv < 0;
                }
                const char *cn = btf_name(e, no);
                if (!*cn || smap_put(&seen, cn, 0) <= 0)
                        continue;
                put(e, first ? "" : ",");
                first = false;
                put_str(e, cn);
                if (neg)
                        putf(e, ":%" PRId64, sv);
                else
                        putf(e, ":%" PRIu64, uv);
        }
        smap_free(&seen);
        put(e, "}}");
        return r;
}

static int write_enums(struct exp *e) {
        /* Integer base types sorted by name, for the enums' "base". */
        const char **bk;
        int r = sorted_keys(&e->bases, &bk);
        if (r < 0)
                return r;
        struct enum_base *eb = hvs_calloc(e->bases.n ? e->bases.n : 1, sizeof *eb);
        size_t neb = 0;
        if (!eb) {
                free(bk);
                return -ENOMEM;
        }
        for (size_t i = 0; i < e->bases.n; i++) {
                uint32_t id = 0;
                smap_get(&e->bases, bk[i], &id);
                const struct btf_type *t = id ? btf__type_by_id(e->btf, id) : NULL;
                if (t && btf_is_int(t) && !(btf_int_encoding(t) & (BTF_INT_BOOL | BTF_INT_CHAR)) && !strstr(bk[i], "char"))
                        eb[neb++] = (struct enum_base){ bk[i], t->size, btf_int_encoding(t) & BTF_INT_SIGNED };
        }
        const char **k;
        if ((r = sorted_keys(&e->enums, &k)) < 0)
                goto out;
        put(e, "\"enums\":{\n");
        for (size_t i = 0; i < e->enums.n && r == 0; i++) {
                uint32_t id = 0;
                smap_get(&e->enums, k[i], &id);
                r = put_enum(e, k[i], id, eb, neb);
                put(e, i + 1 < e->enums.n ? ",\n" : "\n");
        }
        put(e, "},\n");
        e->st.enums = e->enums.n;
        free(k);
out:
        free(eb);
        free(bk);
        return r;
}

/*
 * Types of variables that Volatility's Linux support reads and that kernel
 * BTF (pahole < 1.26 describes per-CPU variables only) has no VAR for.
 * Grammar: ["struct " | "union "] NAME [" *"] ["[N]"].
 */
static const struct {
        const char *sym, *type;
} curated[] = {
        { "init_task", "struct task_struct" },
        { "init_files", "struct files_struct" },
        { "init_fs", "struct fs_struct" },
        { "init_mm", "struct mm_struct" },
        { "init_nsproxy", "struct nsproxy" },
        { "init_cred", "struct cred" },
        { "init_net", "struct net" },
        { "init_uts_ns", "struct uts_namespace" },
        { "init_pid_ns", "struct pid_namespace" },
        { "init_user_ns", "struct user_namespace" },
        { "init_ipc_ns", "struct ipc_namespace" },
        { "modules", "struct list_head" },
        { "super_blocks", "struct list_head" },
        { "net_namespace_list", "struct list_head" },
        { "init_top_pgt", "pgd_t[512]" },
        { "init_level4_pgt", "pgd_t[512]" },
        { "swapper_pg_dir", "pgd_t[512]" },
        { "saved_command_line", "char *" },
        { "log_buf", "char *" },
        { "prb", "struct printk_ringbuffer *" },
        { "printk_rb_static", "struct printk_ringbuffer" },
        { "tcp_hashinfo", "struct inet_hashinfo" },
        { "udp_table", "struct udp_table" },
        { "socket_file_ops", "struct file_operations" },
        { "mount_hashtable", "struct hlist_head *" },
        { "nr_cpu_ids", "unsigned int" },
        { "page_offset_base", "long unsigned int" },
        { "vmalloc_base", "long unsigned int" },
        { "vmemmap_base", "long unsigned int" },
        { "jiffies", "long unsigned int" },
        { "jiffies_64", "long long unsigned int" },
};

/* Write the descriptor of a curated type. Return: 0; -ENOENT if the BTF lacks it. */
static int put_curated(struct exp *e, const char *spec) {
        char name[128];
        bool agg = false, ptr = false;
        unsigned long count = 0;
        if (!strncmp(spec, "struct ", 7) || !strncmp(spec, "union ", 6)) {
                agg = true;
                spec = strchr(spec, ' ') + 1;
        }
        /* A struct/union name is one word; a base type's may be several
         * ("long unsigned int"): it ends at " *" or "[". */
        size_t n = strcspn(spec, agg ? " [" : "*[");
        while (n > 0 && spec[n - 1] == ' ')
                n--;
        if (n >= sizeof name)
                return -ENOENT;
        memcpy(name, spec, n);
        name[n] = '\0';
        ptr = strstr(spec + n, " *") != NULL;
        const char *br = strchr(spec + n, '[');
        if (br)
                count = strtoul(br + 1, NULL, 10);
        uint32_t id;
        if (agg) {
                if (!smap_get(&e->utypes, name, &id) || btf_is_fwd(btf__type_by_id(e->btf, id)))
                        return -ENOENT;
        } else {
                int t = btf__find_by_name(e->btf, name);
                if (t <= 0)
                        return -ENOENT;
                id = (uint32_t)t;
        }
        if (br)
                putf(e, "{\"kind\":\"array\",\"count\":%lu,\"subtype\":", count);
        if (ptr)
                put(e, "{\"kind\":\"pointer\",\"subtype\":");
        int r = put_desc(e, id, 0);
        if (r < 0)
                return r;
        if (ptr)
                put(e, "}");
        if (br)
                put(e, "}");
        return 0;
}

struct xsym {
        const char *name;
        uint64_t addr;
};

static int cmp_xsym(const void *a, const void *b) {
        return strcmp(((const struct xsym *)a)->name, ((const struct xsym *)b)->name);
}

static void put_b64(struct exp *e, const uint8_t *p, size_t n) {
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        put(e, "\"");
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
                char q[4] = { tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                              i + 2 < n ? tab[v & 63] : '=' };
                emit(e, q, sizeof q);
        }
        put(e, "\"");
}

static int write_symbols(struct exp *e, hvs_ksyms *syms, const hvs_isf_export_opts *o) {
        size_t n = syms ? hvs_ksyms_count(syms) : 0;
        _cleanup_free_ struct xsym *xs = hvs_calloc(n ? n : 1, sizeof *xs);
        struct smap seen = { 0 }, vars = { 0 }, cur = { 0 };
        int r;
        if (!xs || (r = smap_init(&seen, n)) < 0)
                return -ENOMEM;
        size_t nx = 0;
        for (size_t i = 0; i < n; i++) {
                const hvs_ksym *s = hvs_ksyms_get(syms, i);
                if (!s || smap_put(&seen, s->name, 0) <= 0)
                        continue;       /* same name again (static symbols): the first by address */
                uint64_t a = s->addr;
                if (!s->absolute && a >= KERNEL_MAP_BASE + (uint64_t)o->kaslr_slide)
                        a -= (uint64_t)o->kaslr_slide;
                xs[nx++] = (struct xsym){ s->name, a };
        }
        qsort(xs, nx, sizeof *xs, cmp_xsym);

        /* Variables the BTF describes (per-CPU ones on Debian's kernels, all with pahole >= 1.26). */
        size_t nvars = 0;
        for (uint32_t id = 1; id < e->ntypes; id++)
                nvars += btf_is_var(btf__type_by_id(e->btf, id));
        if ((r = smap_init(&vars, nvars)) < 0 || (r = smap_init(&cur, ARRAY_SIZE(curated))) < 0)
                goto out;
        for (uint32_t id = 1; id < e->ntypes; id++) {
                const struct btf_type *t = btf__type_by_id(e->btf, id);
                if (btf_is_var(t) && t->name_off && (r = smap_put(&vars, btf_name(e, t->name_off), t->type)) < 0)
                        goto out;
        }
        for (uint32_t i = 0; i < ARRAY_SIZE(curated); i++)
                if ((r = smap_put(&cur, curated[i].sym, i)) < 0)
                        goto out;

        put(e, "\"symbols\":{\n");
        r = 0;
        for (size_t i = 0; i < nx && r == 0; i++) {
                const char *name = xs[i].name;
                uint32_t v;
                put_str(e, name);
                putf(e, ":{\"address\":%" PRIu64 ",\"type\":", xs[i].addr);
                bool typed = true;
                if (!strcmp(name, "linux_banner") && o->banner) {
                        size_t bl = strlen(o->banner);
                        putf(e, "{\"kind\":\"array\",\"count\":%zu,\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}}", bl + 2);
                        /* The bytes of linux_banner[]: the text, its newline and the NUL. */
                        _cleanup_free_ uint8_t *b = hvs_malloc(bl + 2);
                        if (!b) {
                                r = -ENOMEM;
                                break;
                        }
                        memcpy(b, o->banner, bl);
                        b[bl] = '\n';
                        b[bl + 1] = '\0';
                        put(e, ",\"constant_data\":");
                        put_b64(e, b, bl + 2);
                } else if (smap_get(&vars, name, &v)) {
                        r = put_desc(e, v, 0);
                } else if (e->tk_synth && !strcmp(name, "tk_core")) {
                        put(e, "{\"kind\":\"struct\",\"name\":\"" TK_CORE_TYPE "\"}");
                } else if (smap_get(&cur, name, &v)) {
                        r = put_curated(e, curated[v].type);
                        if (r == -ENOENT) {
                                /* Not in this kernel's BTF (nothing was written): untyped. */
                                r = 0;
                                typed = false;
                                put(e, "{\"kind\":\"base\",\"name\":\"void\"}");
                        }
                } else {
                        typed = false;
                        put(e, "{\"kind\":\"base\",\"name\":\"void\"}");
                }
                e->st.typed_symbols += typed;
                put(e, i + 1 < nx ? "},\n" : "}\n");
        }
        put(e, "}\n");
        e->st.symbols = nx;
out:
        smap_free(&seen);
        smap_free(&vars);
        smap_free(&cur);
        return r;
}

static int sha256_hex(const void *p, size_t n, char out[65]) {
        uint8_t d[32];
        unsigned dl = 0;
        if (!EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL) || dl != 32)
                return -ENOMEM;
        for (unsigned i = 0; i < 32; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
        return 0;
}

static int write_metadata(struct exp *e, const hvs_isf_export_opts *o) {
        uint32_t raw_len = 0;
        const void *raw = btf__raw_data((struct btf *)e->btf, &raw_len);
        char hex[65];
        int r = raw ? sha256_hex(raw, raw_len, hex) : -ENOMEM;
        if (r < 0)
                return r;
        put(e, "{\n\"metadata\":{\"format\":\"" ISF_FORMAT "\",\"producer\":{\"name\":\"hvscope\",\"version\":\""
               HVS_VERSION_STRING "\"},\"linux\":{\"symbols\":[{\"kind\":\"symtab\",\"name\":\"kallsyms\"}],"
               "\"types\":[{\"kind\":\"dwarf\",\"name\":");
        put_str(e, o->types_name ? o->types_name : "btf");
        putf(e, ",\"hash_type\":\"sha256\",\"hash_value\":\"%s\"}]}},\n", hex);
        return 0;
}

int hvs_isf_write(const hvs_btf *btf, hvs_ksyms *syms, const hvs_isf_export_opts *opts, FILE *f, hvs_diag *diag,
                  hvs_isf_export_stats *ret_stats) {
        if (!btf || !f)
                return -EINVAL;
        /* Options from an older caller may be shorter: the rest is zero (defaults). */
        hvs_isf_export_opts o = { .sz = sizeof o };
        if (opts)
                memcpy(&o, opts, MIN(opts->sz, sizeof o));
        struct exp e = { .btf = btf_libbpf(btf), .f = f, .diag = diag };
        e.ntypes = btf__type_cnt(e.btf);
        e.name = hvs_calloc(e.ntypes, sizeof *e.name);
        int r = -ENOMEM;
        if (!e.name || smap_init(&e.utypes, e.ntypes) < 0 || smap_init(&e.enums, e.ntypes) < 0 ||
            smap_init(&e.bases, e.ntypes + 2) < 0)
                goto out;
        if ((r = name_types(&e)) < 0 || (r = collect_bases(&e)) < 0 || (r = write_metadata(&e, &o)) < 0 ||
            (r = write_bases(&e)) < 0 || (r = write_user_types(&e)) < 0 || (r = write_enums(&e)) < 0 ||
            (r = write_symbols(&e, syms, &o)) < 0)
                goto out;
        put(&e, "}\n");
        if (e.oom) {
                r = -ENOMEM;
                goto out;
        }
        if (fflush(f) != 0 || ferror(f)) {
                r = HVS_DIAG(diag, -EIO, "isf export: write failed: %s", strerror(errno ? errno : EIO));
                goto out;
        }
        if (ret_stats)
                *ret_stats = e.st;
        r = 0;
out:
        if (r == -E2BIG)
                r = HVS_BADMSG(diag, "isf export: too many names");
        if (e.name) {
                for (uint32_t i = 0; i < e.ntypes; i++)
                        free(e.name[i]);
        }
        /* Keys of utypes/enums are the e.name strings (freed above); bases' are BTF's. */
        free(e.name);
        smap_free(&e.utypes);
        smap_free(&e.enums);
        smap_free(&e.bases);
        return r;
}

int hvs_isf_export(const hvs_btf *btf, hvs_ksyms *syms, const hvs_isf_export_opts *opts, const char *path,
                   hvs_diag *diag, hvs_isf_export_stats *ret_stats) {
        if (!btf || !path)
                return -EINVAL;
        char tmp[4096];
        if (hvs_snprintf_ok(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) < 0)
                return HVS_DIAG(diag, -ENAMETOOLONG, "isf export: path too long");
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return HVS_DIAG(diag, -errno, "isf export: cannot create %s: %s", path, strerror(errno));
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int err = -errno;
                close(fd);
                unlink(tmp);
                return HVS_DIAG(diag, err, "isf export: %s: %s", tmp, strerror(-err));
        }
        int r = hvs_isf_write(btf, syms, opts, f, diag, ret_stats);
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = HVS_DIAG(diag, -errno, "isf export: %s: %s", tmp, strerror(errno));
        if (fclose(f) != 0 && r == 0)
                r = HVS_DIAG(diag, -errno, "isf export: cannot write %s: %s", tmp, strerror(errno));
        if (r == 0 && rename(tmp, path) < 0)
                r = HVS_DIAG(diag, -errno, "isf export: cannot rename to %s: %s", path, strerror(errno));
        if (r < 0)
                unlink(tmp);
        return r;
}
