/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * isf.c - type layouts from a Volatility 3 ISF (Intermediate Symbol Format)
 * JSON file, for kernels without BTF.
 *
 * An ISF is one JSON object with five sections (metadata, base_types,
 * user_types, enums, symbols); each section maps names to small entries.
 * A Linux ISF from dwarf2json is 30-60 MB, and a json-c tree of it would
 * take several hundred MB (every JSON object is a hash table), so the text is
 * not parsed whole: a bounded scanner walks the top-level object and each
 * section (strings, nesting, commas and colons checked here), and json-c
 * parses each entry alone, with a nesting limit, into a tree that is turned
 * into compact tables and dropped at once. What is kept: interned names,
 * user types with their fields (offset, type descriptor, anonymous flag),
 * base type and enum sizes, symbol addresses and types, the banner.
 *
 * The file is hostile: every count, size, offset and name length is bounded
 * (HVS_MAX_ISF_*), duplicate names are rejected, and lookups that follow
 * anonymous members or array element types are depth- and step-bounded, so
 * a self-referencing type ends in -EBADMSG rather than a loop. A reference to
 * a type the file does not define is only an error when a lookup needs it:
 * dwarf2json names incomplete structs (declared, never defined) it skips.
 */
#include <inttypes.h>
#include <lzma.h>
#include <zlib.h>
#include <json-c/json.h>

#include <hvscope/limits.h>
#include <hvscope/types.h>

#include "types-internal.h"
#include "util/util.h"

#define NO_IDX UINT32_MAX
/* Field visits for one path component (anonymous members may share types). */
#define ISF_MAX_MEMBER_VISITS (1u << 20)
/* Bytes of constant_data decoded (linux_banner only). */
#define ISF_MAX_CONSTANT_DATA 8192u
/* Size of one base type (the widest C type is 16 bytes). */
#define ISF_MAX_BASE_SIZE 64u
/* Memory liblzma may use to decode an .xz file (xz -9 needs 65 MiB). */
#define ISF_XZ_MEMLIMIT (256ull << 20)

enum dkind {
        DK_BASE = 1,
        DK_POINTER,
        DK_ARRAY,
        DK_STRUCT,
        DK_UNION,
        DK_CLASS,
        DK_ENUM,
        DK_FUNCTION,
        DK_BITFIELD,
};

/* A type descriptor (ISF "type" object), in the descriptor pool. */
struct desc {
        uint8_t kind;
        uint8_t bitpos, bitlen;         /* bitfield */
        uint32_t name;                  /* base/struct/union/enum name; pointer "base"; else NO_IDX */
        uint32_t sub;                   /* pointer/array subtype, bitfield type; else NO_IDX */
        uint32_t count;                 /* array */
};

struct utype {
        uint32_t name, size, first, n;
        uint8_t kind;                   /* DK_STRUCT, DK_UNION or DK_CLASS */
};

struct field {
        uint32_t name, offset, desc;
        bool anonymous;
};

struct sized {
        uint32_t name, size;
};

struct sym {
        uint32_t name, desc;            /* desc NO_IDX: untyped */
        uint64_t addr;
};

/* Interned strings: id = offset in buf; slots hold id + 1. */
struct strtab {
        char *buf;
        size_t len, cap;
        uint32_t *slots;
        size_t nslots, count;
};

/* Name id -> element index, open addressing; keys hold id + 1. */
struct idmap {
        uint32_t *keys, *vals;
        size_t cap, n;
};

struct hvs_isf {
        struct strtab str;
        struct desc *descs;
        size_t ndescs, cap_descs;
        struct utype *ut;
        size_t nut, cap_ut;
        struct field *fields;
        size_t nfields, cap_fields;
        struct sized *bases, *enums;
        size_t nbases, cap_bases, nenums, cap_enums;
        struct sym *syms;
        size_t nsyms, cap_syms;
        struct idmap ut_idx, base_idx, enum_idx, sym_idx;
        size_t nconstants;              /* enum constants seen (bounded with fields) */
        char *banner;
        uint32_t ptr_size;
};

/* ---- strings and maps ---------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < n; i++)
                h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
        return h;
}

static bool strtab_find(const struct strtab *t, const char *s, size_t n, uint32_t *ret_id) {
        if (!t->slots)
                return false;
        size_t mask = t->nslots - 1;
        for (size_t h = (size_t)hash_bytes(s, n) & mask;; h = (h + 1) & mask) {
                uint32_t v = t->slots[h];
                if (v == 0)
                        return false;
                const char *c = t->buf + v - 1;
                if (strncmp(c, s, n) == 0 && c[n] == '\0') {
                        *ret_id = v - 1;
                        return true;
                }
        }
}

static int strtab_intern(struct strtab *t, const char *s, size_t n, uint32_t *ret_id) {
        if (strtab_find(t, s, n, ret_id))
                return 0;
        if ((t->count + 1) * 2 > t->nslots) {
                size_t cap = t->nslots ? t->nslots * 2 : 1024;
                uint32_t *slots = hvs_calloc(cap, sizeof *slots);
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < t->nslots; i++) {
                        uint32_t v = t->slots[i];
                        if (v == 0)
                                continue;
                        const char *c = t->buf + v - 1;
                        size_t h = (size_t)hash_bytes(c, strlen(c)) & (cap - 1);
                        while (slots[h])
                                h = (h + 1) & (cap - 1);
                        slots[h] = v;
                }
                free(t->slots);
                t->slots = slots;
                t->nslots = cap;
        }
        if (t->len + n + 1 > UINT32_MAX - 1)
                return -E2BIG;
        if (t->cap - t->len < n + 1) {
                size_t cap = MAX(t->cap * 2, t->len + n + 1 + 65536);
                char *b = hvs_realloc(t->buf, cap);
                if (!b)
                        return -ENOMEM;
                t->buf = b;
                t->cap = cap;
        }
        uint32_t id = (uint32_t)t->len;
        memcpy(t->buf + t->len, s, n);
        t->buf[t->len + n] = '\0';
        t->len += n + 1;
        size_t mask = t->nslots - 1;
        size_t h = (size_t)hash_bytes(s, n) & mask;
        while (t->slots[h])
                h = (h + 1) & mask;
        t->slots[h] = id + 1;
        t->count++;
        *ret_id = id;
        return 0;
}

static size_t idmap_slot(uint32_t key, size_t mask) { return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & mask; }

static bool idmap_get(const struct idmap *m, uint32_t key, uint32_t *ret) {
        if (!m->keys)
                return false;
        size_t mask = m->cap - 1;
        for (size_t h = idmap_slot(key, mask);; h = (h + 1) & mask) {
                if (m->keys[h] == 0)
                        return false;
                if (m->keys[h] == key + 1) {
                        *ret = m->vals[h];
                        return true;
                }
        }
}

/* Add @key -> @val. Return: 0; -EEXIST if @key is there; -ENOMEM. */
static int idmap_put(struct idmap *m, uint32_t key, uint32_t val) {
        uint32_t old;
        if (idmap_get(m, key, &old))
                return -EEXIST;
        if ((m->n + 1) * 2 > m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 256;
                uint32_t *keys = hvs_calloc(cap, sizeof *keys), *vals = hvs_calloc(cap, sizeof *vals);
                if (!keys || !vals) {
                        free(keys);
                        free(vals);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < m->cap; i++) {
                        if (m->keys[i] == 0)
                                continue;
                        size_t h = idmap_slot(m->keys[i] - 1, cap - 1);
                        while (keys[h])
                                h = (h + 1) & (cap - 1);
                        keys[h] = m->keys[i];
                        vals[h] = m->vals[i];
                }
                free(m->keys);
                free(m->vals);
                m->keys = keys;
                m->vals = vals;
                m->cap = cap;
        }
        size_t mask = m->cap - 1;
        size_t h = idmap_slot(key, mask);
        while (m->keys[h])
                h = (h + 1) & mask;
        m->keys[h] = key + 1;
        m->vals[h] = val;
        m->n++;
        return 0;
}

static void idmap_free(struct idmap *m) {
        free(m->keys);
        free(m->vals);
}

/* Grow *@arr (of @size-byte elements, *@cap allocated) to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t size) {
        if (n < *cap)
                return 0;
        size_t ncap = *cap ? *cap * 2 : 64;
        void *a = hvs_reallocarray(*arr, ncap, size);
        if (!a)
                return -ENOMEM;
        *arr = a;
        *cap = ncap;
        return 0;
}

hvs_isf *hvs_isf_free(hvs_isf *isf) {
        if (!isf)
                return NULL;
        free(isf->str.buf);
        free(isf->str.slots);
        free(isf->descs);
        free(isf->ut);
        free(isf->fields);
        free(isf->bases);
        free(isf->enums);
        free(isf->syms);
        idmap_free(&isf->ut_idx);
        idmap_free(&isf->base_idx);
        idmap_free(&isf->enum_idx);
        idmap_free(&isf->sym_idx);
        free(isf->banner);
        free(isf);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_isf *, hvs_isf_free)

/* ---- the scanner ----------------------------------------------------------- */

struct parser {
        hvs_isf *isf;
        hvs_diag *diag;
        const char *text, *end;
        json_tokener *tok;
};

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *skip_ws(const char *p, const char *end) {
        while (p < end && is_ws(*p))
                p++;
        return p;
}

/* @p at '"': the end of the string (past its closing quote), or NULL. */
static const char *scan_string(const char *p, const char *end) {
        for (p++; p < end; p++) {
                if (*p == '"')
                        return p + 1;
                if (*p == '\\') {
                        if (++p >= end)
                                return NULL;
                } else if ((uint8_t)*p < 0x20) {
                        return NULL;
                }
        }
        return NULL;
}

/*
 * The end of the JSON object or array at @p, counting brackets outside
 * strings; json-c checks the content when it parses the extent.
 */
static const char *scan_composite(const char *p, const char *end) {
        unsigned depth = 0;
        while (p < end) {
                char c = *p;
                if (c == '"') {
                        p = scan_string(p, end);
                        if (!p)
                                return NULL;
                        continue;
                }
                if (c == '{' || c == '[') {
                        if (++depth > HVS_MAX_ISF_DEPTH)
                                return NULL;
                } else if (c == '}' || c == ']') {
                        if (depth == 0)
                                return NULL;
                        if (--depth == 0)
                                return p + 1;
                }
                p++;
        }
        return NULL;
}

#define BAD(ps, ...) HVS_BADMSG((ps)->diag, "isf: " __VA_ARGS__)

static size_t at(const struct parser *ps, const char *p) { return (size_t)(p - ps->text); }

/* "expected WHAT at byte N", or that the text ended there (a truncated file). */
static int expected(struct parser *ps, const char *p, const char *what) {
        if (p >= ps->end)
                return BAD(ps, "the text ends at byte %zu, in the middle (truncated?)", at(ps, p));
        return BAD(ps, "expected %s at byte %zu", what, at(ps, p));
}

/*
 * Decode the key string [@p, @e) (quotes included) into @buf. Keys without
 * escapes are copied; others go through json-c.
 */
static int decode_key(struct parser *ps, const char *p, const char *e, char *buf, size_t cap, size_t *ret_len) {
        size_t n = (size_t)(e - p) - 2;
        if (!memchr(p + 1, '\\', n)) {
                if (n >= cap)
                        return BAD(ps, "name at byte %zu longer than %u bytes", at(ps, p), HVS_MAX_ISF_NAME);
                memcpy(buf, p + 1, n);
                buf[n] = '\0';
                *ret_len = n;
                return 0;
        }
        json_tokener_reset(ps->tok);
        json_object *o = json_tokener_parse_ex(ps->tok, p, (int)(e - p));
        if (!o || !json_object_is_type(o, json_type_string)) {
                json_object_put(o);
                return BAD(ps, "bad string at byte %zu", at(ps, p));
        }
        size_t len = (size_t)json_object_get_string_len(o);
        const char *s = json_object_get_string(o);
        int r = 0;
        if (len >= cap)
                r = BAD(ps, "name at byte %zu longer than %u bytes", at(ps, p), HVS_MAX_ISF_NAME);
        else if (memchr(s, '\0', len))
                r = BAD(ps, "name at byte %zu holds a NUL", at(ps, p));
        if (r == 0) {
                memcpy(buf, s, len);
                buf[len] = '\0';
                *ret_len = len;
        }
        json_object_put(o);
        return r;
}

/* Parse the JSON object at [@p, @e) with json-c. */
static int parse_entry(struct parser *ps, const char *p, const char *e, json_object **ret) {
        json_tokener_reset(ps->tok);
        size_t n = (size_t)(e - p);
        if (n > INT32_MAX)
                return BAD(ps, "entry at byte %zu too large", at(ps, p));
        json_object *o = json_tokener_parse_ex(ps->tok, p, (int)n);
        if (!o || json_tokener_get_error(ps->tok) != json_tokener_success ||
            json_tokener_get_parse_end(ps->tok) != n || !json_object_is_type(o, json_type_object)) {
                enum json_tokener_error err = json_tokener_get_error(ps->tok);
                json_object_put(o);
                return BAD(ps, "entry at byte %zu is not a JSON object (%s)", at(ps, p),
                           err == json_tokener_success ? "trailing data" : json_tokener_error_desc(err));
        }
        *ret = o;
        return 0;
}

typedef int (*member_fn)(struct parser *ps, const char *key, size_t klen, const char *vp, const char *ve);

/*
 * Walk the object at *@pp: for each member, its decoded key and the extent
 * of its value (an object, or with @any_value any JSON value). *@pp is left
 * past the closing brace.
 */
static int walk_object(struct parser *ps, const char **pp, bool any_value, member_fn fn) {
        const char *p = skip_ws(*pp, ps->end);
        if (p >= ps->end || *p != '{')
                return expected(ps, p, "an object");
        p = skip_ws(p + 1, ps->end);
        if (p < ps->end && *p == '}') {
                *pp = p + 1;
                return 0;
        }
        char key[HVS_MAX_ISF_NAME];
        for (;;) {
                if (p >= ps->end || *p != '"')
                        return expected(ps, p, "a name");
                const char *ke = scan_string(p, ps->end);
                if (!ke)
                        return BAD(ps, "unterminated string at byte %zu", at(ps, p));
                size_t klen;
                int r = decode_key(ps, p, ke, key, sizeof key, &klen);
                if (r < 0)
                        return r;
                p = skip_ws(ke, ps->end);
                if (p >= ps->end || *p != ':')
                        return expected(ps, p, "':'");
                const char *vp = skip_ws(p + 1, ps->end), *ve;
                if (vp < ps->end && (*vp == '{' || *vp == '['))
                        ve = scan_composite(vp, ps->end);
                else if (vp < ps->end && *vp == '"')
                        ve = scan_string(vp, ps->end);
                else
                        for (ve = vp; ve < ps->end && !is_ws(*ve) && *ve != ',' && *ve != '}' && *ve != ']'; ve++)
                                ;
                if (!ve || ve == vp)
                        return BAD(ps, "bad value at byte %zu", at(ps, vp));
                if (!any_value && *vp != '{')
                        return BAD(ps, "'%s' at byte %zu is not an object", key, at(ps, vp));
                if ((r = fn(ps, key, klen, vp, ve)) < 0)
                        return r;
                p = skip_ws(ve, ps->end);
                if (p < ps->end && *p == ',') {
                        p = skip_ws(p + 1, ps->end);
                        continue;
                }
                if (p < ps->end && *p == '}') {
                        *pp = p + 1;
                        return 0;
                }
                return expected(ps, p, "',' or '}'");
        }
}

/* ---- entries ----------------------------------------------------------------- */

static bool get_obj(json_object *o, const char *key, json_type type, json_object **ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return false;
        *ret = v;
        return true;
}

/* A non-negative JSON integer (json-c keeps those above INT64_MAX as uint64). */
static bool get_u64(json_object *o, const char *key, uint64_t *ret) {
        json_object *v;
        if (!get_obj(o, key, json_type_int, &v))
                return false;
        int64_t s = json_object_get_int64(v);
        if (s < 0)
                return false;
        *ret = s == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)s;
        return true;
}

static bool get_u32(json_object *o, const char *key, uint32_t max, uint32_t *ret) {
        uint64_t v;
        if (!get_u64(o, key, &v) || v > max)
                return false;
        *ret = (uint32_t)v;
        return true;
}

static int intern_json(struct parser *ps, json_object *s, uint32_t *ret) {
        size_t len = (size_t)json_object_get_string_len(s);
        const char *c = json_object_get_string(s);
        if (len == 0 || len >= HVS_MAX_ISF_NAME || memchr(c, '\0', len))
                return BAD(ps, "bad type name '%.40s'", c);
        return strtab_intern(&ps->isf->str, c, len, ret);
}

static int add_desc(hvs_isf *isf, const struct desc *d, uint32_t *ret) {
        if (isf->ndescs >= UINT32_MAX - 1)
                return -E2BIG;
        int r = grow((void **)&isf->descs, &isf->cap_descs, isf->ndescs, sizeof *isf->descs);
        if (r < 0)
                return r;
        isf->descs[isf->ndescs] = *d;
        *ret = (uint32_t)isf->ndescs++;
        return 0;
}

/* A type descriptor ("type" of a field or symbol). @what names it in messages. */
static int conv_desc(struct parser *ps, json_object *o, unsigned depth, const char *what, uint32_t *ret) {
        if (depth > HVS_MAX_ISF_DEPTH)
                return BAD(ps, "%s: type nested too deep", what);
        json_object *k, *v;
        if (!json_object_is_type(o, json_type_object) || !get_obj(o, "kind", json_type_string, &k))
                return BAD(ps, "%s: type without a kind", what);
        const char *kind = json_object_get_string(k);
        struct desc d = { .name = NO_IDX, .sub = NO_IDX };
        int r;
        if (!strcmp(kind, "base") || !strcmp(kind, "struct") || !strcmp(kind, "union") || !strcmp(kind, "class") ||
            !strcmp(kind, "enum")) {
                d.kind = !strcmp(kind, "base") ? DK_BASE : !strcmp(kind, "struct") ? DK_STRUCT
                         : !strcmp(kind, "union") ? DK_UNION : !strcmp(kind, "class") ? DK_CLASS : DK_ENUM;
                if (!get_obj(o, "name", json_type_string, &v))
                        return BAD(ps, "%s: %s type without a name", what, kind);
                if ((r = intern_json(ps, v, &d.name)) < 0)
                        return r;
        } else if (!strcmp(kind, "pointer") || !strcmp(kind, "array")) {
                d.kind = kind[0] == 'p' ? DK_POINTER : DK_ARRAY;
                if (!json_object_object_get_ex(o, "subtype", &v))
                        return BAD(ps, "%s: %s without a subtype", what, kind);
                if (d.kind == DK_ARRAY && !get_u32(o, "count", UINT32_MAX, &d.count))
                        return BAD(ps, "%s: array without a plausible count", what);
                json_object *b;
                if (d.kind == DK_POINTER && get_obj(o, "base", json_type_string, &b) &&
                    (r = intern_json(ps, b, &d.name)) < 0)
                        return r;
                if ((r = conv_desc(ps, v, depth + 1, what, &d.sub)) < 0)
                        return r;
        } else if (!strcmp(kind, "function")) {
                d.kind = DK_FUNCTION;
        } else if (!strcmp(kind, "bitfield")) {
                d.kind = DK_BITFIELD;
                uint32_t pos, len;
                if (!get_u32(o, "bit_position", 127, &pos) || !get_u32(o, "bit_length", 128, &len) || len == 0 ||
                    pos + len > 128)
                        return BAD(ps, "%s: bitfield position/length implausible", what);
                d.bitpos = (uint8_t)pos;
                d.bitlen = (uint8_t)len;
                if (!json_object_object_get_ex(o, "type", &v))
                        return BAD(ps, "%s: bitfield without a type", what);
                if ((r = conv_desc(ps, v, depth + 1, what, &d.sub)) < 0)
                        return r;
                uint8_t sk = ps->isf->descs[d.sub].kind;
                if (sk != DK_BASE && sk != DK_ENUM)
                        return BAD(ps, "%s: bitfield of a type that is neither base nor enum", what);
        } else {
                return BAD(ps, "%s: unknown type kind '%.32s'", what, kind);
        }
        return add_desc(ps->isf, &d, ret);
}

static int name_taken(struct parser *ps, const char *section, const char *name) {
        return BAD(ps, "%s: '%s' defined twice", section, name);
}

static int on_user_type(struct parser *ps, const char *key, size_t klen, const char *vp, const char *ve) {
        hvs_isf *isf = ps->isf;
        if (isf->nut + isf->nbases + isf->nenums >= HVS_MAX_ISF_TYPES)
                return BAD(ps, "more than %u types", HVS_MAX_ISF_TYPES);
        if (klen == 0)
                return BAD(ps, "user type with an empty name");
        json_object *o;
        int r = parse_entry(ps, vp, ve, &o);
        if (r < 0)
                return r;
        struct utype u = { .first = (uint32_t)isf->nfields };
        json_object *k, *fields;
        const char *kind = get_obj(o, "kind", json_type_string, &k) ? json_object_get_string(k) : "";
        u.kind = !strcmp(kind, "struct") ? DK_STRUCT : !strcmp(kind, "union") ? DK_UNION
                 : !strcmp(kind, "class") ? DK_CLASS : 0;
        if (!u.kind)
                r = BAD(ps, "user type '%s': kind '%.16s' is not struct, union or class", key, kind);
        else if (!get_u32(o, "size", UINT32_MAX, &u.size))
                r = BAD(ps, "user type '%s': no plausible size", key);
        else if (!get_obj(o, "fields", json_type_object, &fields))
                r = BAD(ps, "user type '%s': no fields", key);
        if (r == 0) {
                json_object_object_foreach(fields, fname, fv) {
                        size_t fl = strlen(fname);
                        if (isf->nfields + isf->nconstants >= HVS_MAX_ISF_FIELDS) {
                                r = BAD(ps, "more than %u fields", HVS_MAX_ISF_FIELDS);
                                break;
                        }
                        struct field f = { 0 };
                        json_object *t, *an;
                        if (fl == 0 || fl >= HVS_MAX_ISF_NAME) {
                                r = BAD(ps, "user type '%s': a field name is empty or too long", key);
                                break;
                        }
                        if (!json_object_is_type(fv, json_type_object) || !json_object_object_get_ex(fv, "type", &t) ||
                            !get_u32(fv, "offset", UINT32_MAX, &f.offset)) {
                                r = BAD(ps, "user type '%s': field '%.64s' without type or plausible offset", key, fname);
                                break;
                        }
                        if (json_object_object_get_ex(fv, "anonymous", &an))
                                f.anonymous = json_object_get_boolean(an);
                        if ((r = strtab_intern(&isf->str, fname, fl, &f.name)) < 0 ||
                            (r = conv_desc(ps, t, 0, key, &f.desc)) < 0 ||
                            (r = grow((void **)&isf->fields, &isf->cap_fields, isf->nfields, sizeof *isf->fields)) < 0)
                                break;
                        isf->fields[isf->nfields++] = f;
                        u.n++;
                }
        }
        json_object_put(o);
        if (r < 0)
                return r;
        if ((r = strtab_intern(&isf->str, key, klen, &u.name)) < 0 ||
            (r = grow((void **)&isf->ut, &isf->cap_ut, isf->nut, sizeof *isf->ut)) < 0)
                return r;
        r = idmap_put(&isf->ut_idx, u.name, (uint32_t)isf->nut);
        if (r == -EEXIST)
                return name_taken(ps, "user_types", key);
        if (r < 0)
                return r;
        isf->ut[isf->nut++] = u;
        return 0;
}

static int add_sized(struct parser *ps, const char *section, const char *key, size_t klen, uint32_t size,
                     struct sized **arr, size_t *n, size_t *cap, struct idmap *idx) {
        uint32_t name;
        int r = strtab_intern(&ps->isf->str, key, klen, &name);
        if (r < 0 || (r = grow((void **)arr, cap, *n, sizeof **arr)) < 0)
                return r;
        r = idmap_put(idx, name, (uint32_t)*n);
        if (r == -EEXIST)
                return name_taken(ps, section, key);
        if (r < 0)
                return r;
        (*arr)[(*n)++] = (struct sized){ .name = name, .size = size };
        return 0;
}

static int on_base_type(struct parser *ps, const char *key, size_t klen, const char *vp, const char *ve) {
        hvs_isf *isf = ps->isf;
        if (isf->nut + isf->nbases + isf->nenums >= HVS_MAX_ISF_TYPES)
                return BAD(ps, "more than %u types", HVS_MAX_ISF_TYPES);
        if (klen == 0)
                return BAD(ps, "base type with an empty name");
        json_object *o, *k;
        int r = parse_entry(ps, vp, ve, &o);
        if (r < 0)
                return r;
        uint32_t size = 0;
        const char *kind = get_obj(o, "kind", json_type_string, &k) ? json_object_get_string(k) : "";
        if (strcmp(kind, "void") && strcmp(kind, "int") && strcmp(kind, "float") && strcmp(kind, "char") &&
            strcmp(kind, "bool"))
                r = BAD(ps, "base type '%s': kind '%.16s' unknown", key, kind);
        else if (!get_u32(o, "size", ISF_MAX_BASE_SIZE, &size))
                r = BAD(ps, "base type '%s': no plausible size", key);
        json_object_put(o);
        if (r < 0)
                return r;
        return add_sized(ps, "base_types", key, klen, size, &isf->bases, &isf->nbases, &isf->cap_bases,
                         &isf->base_idx);
}

static int on_enum(struct parser *ps, const char *key, size_t klen, const char *vp, const char *ve) {
        hvs_isf *isf = ps->isf;
        if (isf->nut + isf->nbases + isf->nenums >= HVS_MAX_ISF_TYPES)
                return BAD(ps, "more than %u types", HVS_MAX_ISF_TYPES);
        if (klen == 0)
                return BAD(ps, "enum with an empty name");
        json_object *o, *c, *b;
        int r = parse_entry(ps, vp, ve, &o);
        if (r < 0)
                return r;
        uint32_t size = 0;
        if (!get_u32(o, "size", ISF_MAX_BASE_SIZE, &size) || !get_obj(o, "base", json_type_string, &b) ||
            !get_obj(o, "constants", json_type_object, &c)) {
                r = BAD(ps, "enum '%s': size, base or constants missing", key);
        } else {
                json_object_object_foreach(c, cname, cv) {
                        (void)cname;
                        if (!json_object_is_type(cv, json_type_int)) {
                                r = BAD(ps, "enum '%s': a constant is not an integer", key);
                                break;
                        }
                        if (isf->nfields + ++isf->nconstants > HVS_MAX_ISF_FIELDS) {
                                r = BAD(ps, "more than %u fields", HVS_MAX_ISF_FIELDS);
                                break;
                        }
                }
        }
        json_object_put(o);
        if (r < 0)
                return r;
        return add_sized(ps, "enums", key, klen, size, &isf->enums, &isf->nenums, &isf->cap_enums, &isf->enum_idx);
}

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode base64 @s (@n chars) into @out (cap bytes). Return: bytes; -EBADMSG. */
static int b64_decode(const char *s, size_t n, uint8_t *out, size_t cap) {
        size_t o = 0;
        uint32_t acc = 0;
        unsigned bits = 0, pad = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '=') {
                        pad++;
                        continue;
                }
                int v = b64_value(s[i]);
                if (v < 0 || pad)
                        return -EBADMSG;
                acc = acc << 6 | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        if (o >= cap)
                                return -EBADMSG;
                        out[o++] = (uint8_t)(acc >> bits);
                }
        }
        if (pad > 2 || (n % 4) != 0)
                return -EBADMSG;
        return (int)o;
}

/* The banner from linux_banner's constant_data: "Linux version ...", up to its newline. */
static int take_banner(struct parser *ps, json_object *cd) {
        size_t n = (size_t)json_object_get_string_len(cd);
        if (n > ISF_MAX_CONSTANT_DATA)
                return BAD(ps, "linux_banner constant_data of %zu bytes", n);
        uint8_t raw[ISF_MAX_CONSTANT_DATA];
        int len = b64_decode(json_object_get_string(cd), n, raw, sizeof raw);
        if (len < 0)
                return BAD(ps, "linux_banner constant_data is not base64");
        size_t l = 0;
        while (l < (size_t)len && raw[l] != '\n' && raw[l] != '\0') {
                if (raw[l] < 0x20 || raw[l] > 0x7e)
                        return BAD(ps, "linux_banner constant_data holds a byte 0x%02x", raw[l]);
                l++;
        }
        if (l < 14 || l >= 512 || memcmp(raw, "Linux version ", 14) != 0)
                return BAD(ps, "linux_banner constant_data is not a 'Linux version' banner");
        free(ps->isf->banner);
        ps->isf->banner = hvs_malloc(l + 1);
        if (!ps->isf->banner)
                return -ENOMEM;
        memcpy(ps->isf->banner, raw, l);
        ps->isf->banner[l] = '\0';
        return 0;
}

static int on_symbol(struct parser *ps, const char *key, size_t klen, const char *vp, const char *ve) {
        hvs_isf *isf = ps->isf;
        if (isf->nsyms >= HVS_MAX_ISF_SYMBOLS)
                return BAD(ps, "more than %u symbols", HVS_MAX_ISF_SYMBOLS);
        if (klen == 0)
                return BAD(ps, "symbol with an empty name");
        json_object *o, *t, *cd;
        int r = parse_entry(ps, vp, ve, &o);
        if (r < 0)
                return r;
        struct sym s = { .desc = NO_IDX };
        if (!get_u64(o, "address", &s.addr))
                r = BAD(ps, "symbol '%s': no plausible address", key);
        else if (json_object_object_get_ex(o, "type", &t))
                r = conv_desc(ps, t, 0, key, &s.desc);
        if (r == 0 && !strcmp(key, "linux_banner") && get_obj(o, "constant_data", json_type_string, &cd))
                r = take_banner(ps, cd);
        json_object_put(o);
        if (r < 0)
                return r;
        if ((r = strtab_intern(&isf->str, key, klen, &s.name)) < 0 ||
            (r = grow((void **)&isf->syms, &isf->cap_syms, isf->nsyms, sizeof *isf->syms)) < 0)
                return r;
        r = idmap_put(&isf->sym_idx, s.name, (uint32_t)isf->nsyms);
        if (r == -EEXIST)
                return name_taken(ps, "symbols", key);
        if (r < 0)
                return r;
        isf->syms[isf->nsyms++] = s;
        return 0;
}

/* metadata.format "MAJOR.MINOR.PATCH": fields sized in bytes ("size") since 4. */
static int check_metadata(struct parser *ps, json_object *m) {
        json_object *f;
        if (!get_obj(m, "format", json_type_string, &f))
                return BAD(ps, "metadata has no format");
        unsigned major, minor, patch;
        char tail;
        const char *fs = json_object_get_string(f);
        if (sscanf(fs, "%u.%u.%u%c", &major, &minor, &patch, &tail) != 3)
                return BAD(ps, "metadata format '%.32s' is not MAJOR.MINOR.PATCH", fs);
        if (major < 4 || major > 6)
                return HVS_DIAG(ps->diag, -EOPNOTSUPP, "isf: format %u.%u.%u not supported (4.x to 6.x are)",
                                major, minor, patch);
        json_object *os;
        if (json_object_object_get_ex(m, "windows", &os) || json_object_object_get_ex(m, "mac", &os))
                return HVS_DIAG(ps->diag, -EOPNOTSUPP, "isf: not a Linux ISF (metadata names another system)");
        return 0;
}

enum { SEC_METADATA, SEC_BASE, SEC_USER, SEC_ENUMS, SEC_SYMBOLS, SEC_NR };
static const char *const section_names[SEC_NR] = { "metadata", "base_types", "user_types", "enums", "symbols" };

static int parse_top(struct parser *ps) {
        bool seen[SEC_NR] = { false };
        const char *p = skip_ws(ps->text, ps->end);
        if (p >= ps->end || *p != '{')
                return BAD(ps, "not a JSON object");
        p = skip_ws(p + 1, ps->end);
        char key[HVS_MAX_ISF_NAME];
        if (p < ps->end && *p == '}')
                goto done;
        for (;;) {
                if (p >= ps->end || *p != '"')
                        return expected(ps, p, "a section name");
                const char *ke = scan_string(p, ps->end);
                if (!ke)
                        return BAD(ps, "unterminated string at byte %zu", at(ps, p));
                size_t klen;
                int r = decode_key(ps, p, ke, key, sizeof key, &klen);
                if (r < 0)
                        return r;
                p = skip_ws(ke, ps->end);
                if (p >= ps->end || *p != ':')
                        return expected(ps, p, "':'");
                p = skip_ws(p + 1, ps->end);
                int sec = -1;
                for (int i = 0; i < SEC_NR; i++)
                        if (!strcmp(key, section_names[i]))
                                sec = i;
                if (sec < 0)
                        return BAD(ps, "unknown section '%.64s'", key);
                if (seen[sec])
                        return BAD(ps, "section '%s' given twice", key);
                seen[sec] = true;
                if (sec == SEC_METADATA) {
                        const char *e = p < ps->end && *p == '{' ? scan_composite(p, ps->end) : NULL;
                        json_object *m;
                        if (!e)
                                return BAD(ps, "metadata is not an object");
                        if ((r = parse_entry(ps, p, e, &m)) < 0)
                                return r;
                        r = check_metadata(ps, m);
                        json_object_put(m);
                        if (r < 0)
                                return r;
                        p = e;
                } else {
                        static const member_fn fns[SEC_NR] = { NULL, on_base_type, on_user_type, on_enum, on_symbol };
                        if ((r = walk_object(ps, &p, false, fns[sec])) < 0)
                                return r;
                }
                p = skip_ws(p, ps->end);
                if (p < ps->end && *p == ',') {
                        p = skip_ws(p + 1, ps->end);
                        continue;
                }
                if (p < ps->end && *p == '}')
                        break;
                return expected(ps, p, "',' or '}'");
        }
done:
        p = skip_ws(p + 1, ps->end);
        if (p != ps->end)
                return BAD(ps, "data after the end at byte %zu", at(ps, p));
        for (int i = 0; i < SEC_NR; i++)
                if (!seen[i])
                        return BAD(ps, "no '%s' section", section_names[i]);
        return 0;
}

int hvs_isf_parse(const void *data, size_t len, hvs_diag *diag, hvs_isf **ret) {
        if (!data || !ret)
                return -EINVAL;
        if (len > HVS_MAX_ISF_BYTES)
                return HVS_BADMSG(diag, "isf: %zu bytes exceeds limit %u", len, HVS_MAX_ISF_BYTES);
        _cleanup_(hvs_isf_freep) hvs_isf *isf = hvs_calloc(1, sizeof *isf);
        if (!isf)
                return -ENOMEM;
        struct parser ps = { .isf = isf, .diag = diag, .text = data, .end = (const char *)data + len };
        ps.tok = json_tokener_new_ex(HVS_MAX_ISF_DEPTH);
        if (!ps.tok)
                return -ENOMEM;
        json_tokener_set_flags(ps.tok, JSON_TOKENER_STRICT);
        int r = parse_top(&ps);
        json_tokener_free(ps.tok);
        if (r == -E2BIG)
                r = HVS_BADMSG(diag, "isf: names exceed 4 GiB");
        if (r < 0)
                return r;
        uint32_t name, i;
        isf->ptr_size = 8;
        if (strtab_find(&isf->str, "pointer", 7, &name) && idmap_get(&isf->base_idx, name, &i))
                isf->ptr_size = isf->bases[i].size;
        *ret = TAKE_PTR(isf);
        return 0;
}

/* ---- files ---------------------------------------------------------------------- */

/* Append to a growing output buffer bounded by HVS_MAX_ISF_BYTES. */
struct obuf {
        uint8_t *b;
        size_t len, cap;
};

static int obuf_reserve(struct obuf *o, size_t want) {
        if (o->cap - o->len >= want)
                return 0;
        if (o->len + want > (size_t)HVS_MAX_ISF_BYTES)
                return -E2BIG;
        size_t cap = MAX(o->cap * 2, o->len + want);
        cap = MIN(cap, (size_t)HVS_MAX_ISF_BYTES + 1);
        uint8_t *b = hvs_realloc(o->b, cap);
        if (!b)
                return -ENOMEM;
        o->b = b;
        o->cap = cap;
        return 0;
}

static int unxz(const uint8_t *in, size_t n, struct obuf *o) {
        lzma_stream z = LZMA_STREAM_INIT;
        if (lzma_stream_decoder(&z, ISF_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
                return -ENOMEM;
        z.next_in = in;
        z.avail_in = n;
        int r = 0;
        for (;;) {
                if ((r = obuf_reserve(o, 1u << 20)) < 0)
                        break;
                z.next_out = o->b + o->len;
                z.avail_out = MIN(o->cap - o->len, (size_t)HVS_MAX_ISF_BYTES + 1 - o->len);
                size_t before = z.avail_out;
                lzma_ret lr = lzma_code(&z, LZMA_FINISH);
                o->len += before - z.avail_out;
                if (o->len > HVS_MAX_ISF_BYTES) {
                        r = -E2BIG;
                        break;
                }
                if (lr == LZMA_STREAM_END)
                        break;
                if (lr != LZMA_OK) {
                        r = lr == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
                        break;
                }
        }
        lzma_end(&z);
        return r;
}

static int gunzip(const uint8_t *in, size_t n, struct obuf *o) {
        z_stream z = { 0 };
        if (inflateInit2(&z, 15 + 16) != Z_OK)
                return -ENOMEM;
        const uint8_t *p = in;
        size_t left = n;
        int r = 0;
        for (;;) {
                if ((r = obuf_reserve(o, 1u << 20)) < 0)
                        break;
                uInt chunk_in = (uInt)MIN(left, (size_t)UINT32_MAX);
                z.next_in = (Bytef *)(uintptr_t)p;
                z.avail_in = chunk_in;
                z.next_out = o->b + o->len;
                z.avail_out = (uInt)MIN(o->cap - o->len, (size_t)HVS_MAX_ISF_BYTES + 1 - o->len);
                uInt out_before = z.avail_out;
                int zr = inflate(&z, Z_NO_FLUSH);
                o->len += out_before - z.avail_out;
                p += chunk_in - z.avail_in;
                left -= chunk_in - z.avail_in;
                if (o->len > HVS_MAX_ISF_BYTES) {
                        r = -E2BIG;
                        break;
                }
                if (zr == Z_STREAM_END) {
                        /* Concatenated members, as gzip writes for appended files. */
                        if (left >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
                                inflateReset(&z);
                                continue;
                        }
                        break;
                }
                if (zr == Z_BUF_ERROR && left == 0) {
                        r = -EBADMSG;   /* truncated */
                        break;
                }
                if (zr != Z_OK && zr != Z_BUF_ERROR) {
                        r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
                        break;
                }
        }
        inflateEnd(&z);
        return r;
}

int hvs_isf_load_file(const char *path, hvs_diag *diag, hvs_isf **ret) {
        if (!path || !ret)
                return -EINVAL;
        _cleanup_free_ uint8_t *raw = NULL;
        size_t len;
        int r = hvs_read_file(path, HVS_MAX_ISF_BYTES, &raw, &len);
        if (r == -E2BIG)
                return HVS_BADMSG(diag, "isf: %s exceeds %u bytes", path, HVS_MAX_ISF_BYTES);
        if (r < 0)
                return HVS_DIAG(diag, r, "isf: cannot read %s: %s", path, strerror(-r));
        static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
        bool xz = len >= 6 && !memcmp(raw, xz_magic, 6), gz = len >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
        if (!xz && !gz) {
                r = hvs_isf_parse(raw, len, diag, ret);
        } else {
                struct obuf o = { 0 };
                r = xz ? unxz(raw, len, &o) : gunzip(raw, len, &o);
                if (r == -E2BIG)
                        r = HVS_BADMSG(diag, "isf: %s decompresses to more than %u bytes", path, HVS_MAX_ISF_BYTES);
                else if (r == -EBADMSG)
                        r = HVS_BADMSG(diag, "isf: %s: corrupt %s data", path, xz ? "xz" : "gzip");
                if (r == 0)
                        r = hvs_isf_parse(o.b, o.len, diag, ret);
                free(o.b);
        }
        if (r < 0 && diag && diag->err == r && !strstr(diag->msg, path)) {
                /* Name the file in the message: "isf: <path>: <what>". */
                char msg[HVS_DIAG_MSG_MAX];
                const char *what = strncmp(diag->msg, "isf: ", 5) == 0 ? diag->msg + 5 : diag->msg;
                snprintf(msg, sizeof msg, "isf: %.200s: %.300s", path, what);
                hvs_strlcpy(diag->msg, msg, sizeof diag->msg);
        }
        return r;
}

/* ---- lookups ------------------------------------------------------------------------ */

static bool find_in(const hvs_isf *isf, const struct idmap *m, const char *name, size_t n, uint32_t *ret) {
        uint32_t id;
        return strtab_find(&isf->str, name, n, &id) && idmap_get(m, id, ret);
}

static bool is_composite(uint8_t kind) { return kind == DK_STRUCT || kind == DK_UNION || kind == DK_CLASS; }

/* The user type a struct/union descriptor names; -EBADMSG if the ISF lacks it. */
static int desc_utype(const hvs_isf *isf, const struct desc *d, const struct utype **ret) {
        uint32_t i;
        if (!idmap_get(&isf->ut_idx, d->name, &i))
                return -EBADMSG;
        *ret = &isf->ut[i];
        return 0;
}

static int desc_size(const hvs_isf *isf, uint32_t di, uint32_t *ret) {
        uint64_t mult = 1;
        for (unsigned depth = 0; depth <= HVS_MAX_ISF_DEPTH; depth++) {
                const struct desc *d = &isf->descs[di];
                uint32_t i, size;
                switch (d->kind) {
                case DK_BASE:
                        if (!idmap_get(&isf->base_idx, d->name, &i))
                                return -EBADMSG;
                        size = isf->bases[i].size;
                        break;
                case DK_POINTER:
                        size = isf->ptr_size;
                        if (d->name != NO_IDX && idmap_get(&isf->base_idx, d->name, &i))
                                size = isf->bases[i].size;
                        break;
                case DK_ENUM:
                        if (!idmap_get(&isf->enum_idx, d->name, &i))
                                return -EBADMSG;
                        size = isf->enums[i].size;
                        break;
                case DK_STRUCT:
                case DK_UNION:
                case DK_CLASS: {
                        const struct utype *u;
                        if (desc_utype(isf, d, &u) < 0)
                                return -EBADMSG;
                        size = u->size;
                        break;
                }
                case DK_ARRAY:
                        if (hvs_mul_overflow(mult, (uint64_t)d->count, &mult) || mult > UINT32_MAX)
                                return -EBADMSG;
                        di = d->sub;
                        continue;
                default:        /* functions and bitfields have no byte size */
                        return -EBADMSG;
                }
                uint64_t total;
                if (hvs_mul_overflow(mult, (uint64_t)size, &total) || total > UINT32_MAX)
                        return -EBADMSG;
                *ret = (uint32_t)total;
                return 0;
        }
        return -EBADMSG;
}

/*
 * Find the field named @name (interned id) in @u, looking into anonymous
 * members; *@ret_off is from the start of @u.
 */
static int find_member(const hvs_isf *isf, const struct utype *u, uint32_t name, unsigned depth, uint32_t *budget,
                       uint64_t *ret_off, const struct field **ret) {
        for (uint32_t i = 0; i < u->n; i++) {
                if (*budget == 0)
                        return -EBADMSG;
                (*budget)--;
                const struct field *f = &isf->fields[u->first + i];
                if (!f->anonymous) {
                        if (f->name != name)
                                continue;
                        *ret_off = f->offset;
                        *ret = f;
                        return 0;
                }
                const struct desc *d = &isf->descs[f->desc];
                const struct utype *sub;
                if (!is_composite(d->kind) || desc_utype(isf, d, &sub) < 0)
                        continue;
                if (depth + 1 > HVS_MAX_TYPE_DEPTH)
                        return -EBADMSG;
                uint64_t off;
                int r = find_member(isf, sub, name, depth + 1, budget, &off, ret);
                if (r == 0) {
                        *ret_off = off + f->offset;
                        return 0;
                }
                if (r != -ENOENT)
                        return r;
        }
        return -ENOENT;
}

static int lookup_utype(const hvs_isf *isf, const char *type, const struct utype **ret) {
        uint32_t i;
        if (strncmp(type, "var:", 4) == 0) {
                if (!find_in(isf, &isf->sym_idx, type + 4, strlen(type + 4), &i) || isf->syms[i].desc == NO_IDX)
                        return -ENOENT;
                const struct desc *d = &isf->descs[isf->syms[i].desc];
                if (!is_composite(d->kind))
                        return -ENOENT;
                return desc_utype(isf, d, ret) < 0 ? -ENOENT : 0;
        }
        if (!find_in(isf, &isf->ut_idx, type, strlen(type), &i))
                return -ENOENT;
        *ret = &isf->ut[i];
        return 0;
}

int hvs_isf_field(const hvs_isf *isf, const char *type, const char *path, uint32_t *ret_off, uint32_t *ret_size) {
        if (!isf || !type || !path || !ret_off)
                return -EINVAL;
        const struct utype *u;
        int r = lookup_utype(isf, type, &u);
        if (r < 0)
                return r;
        uint64_t off = 0;
        const struct field *f = NULL;
        const char *p = path;
        for (unsigned depth = 0;; depth++) {
                size_t nlen = strcspn(p, ".");
                if (nlen == 0)
                        return -ENOENT;
                if (depth >= HVS_MAX_TYPE_DEPTH)
                        return -EBADMSG;
                uint32_t name;
                if (!strtab_find(&isf->str, p, nlen, &name))
                        return -ENOENT;         /* no field anywhere has that name */
                uint64_t moff;
                uint32_t budget = ISF_MAX_MEMBER_VISITS;
                if ((r = find_member(isf, u, name, 0, &budget, &moff, &f)) < 0)
                        return r;
                if (hvs_add_overflow(off, moff, &off))
                        return -EBADMSG;
                if (p[nlen] == '\0')
                        break;
                /* Going deeper: the member must be an embedded struct or union. */
                const struct desc *d = &isf->descs[f->desc];
                if (!is_composite(d->kind))
                        return -ENOENT;
                if (desc_utype(isf, d, &u) < 0)
                        return -EBADMSG;
                p += nlen + 1;
        }
        if (isf->descs[f->desc].kind == DK_BITFIELD)
                return -EOPNOTSUPP;
        uint32_t size;
        if ((r = desc_size(isf, f->desc, &size)) < 0)
                return r;
        if (off > UINT32_MAX)
                return -EBADMSG;
        *ret_off = (uint32_t)off;
        if (ret_size)
                *ret_size = size;
        return 0;
}

int hvs_isf_type_size(const hvs_isf *isf, const char *type, uint32_t *ret_size) {
        if (!isf || !type || !ret_size)
                return -EINVAL;
        uint32_t i;
        size_t n = strlen(type);
        if (find_in(isf, &isf->ut_idx, type, n, &i))
                *ret_size = isf->ut[i].size;
        else if (find_in(isf, &isf->enum_idx, type, n, &i))
                *ret_size = isf->enums[i].size;
        else if (find_in(isf, &isf->base_idx, type, n, &i))
                *ret_size = isf->bases[i].size;
        else
                return -ENOENT;
        return 0;
}

int hvs_isf_symbol(const hvs_isf *isf, const char *name, uint64_t *ret_addr) {
        if (!isf || !name || !ret_addr)
                return -EINVAL;
        uint32_t i;
        if (!find_in(isf, &isf->sym_idx, name, strlen(name), &i))
                return -ENOENT;
        *ret_addr = isf->syms[i].addr;
        return 0;
}

const char *hvs_isf_banner(const hvs_isf *isf) { return isf ? isf->banner : NULL; }
size_t hvs_isf_ntypes(const hvs_isf *isf) { return isf ? isf->nut : 0; }
size_t hvs_isf_nsymbols(const hvs_isf *isf) { return isf ? isf->nsyms : 0; }
