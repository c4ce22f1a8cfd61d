/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * profile.c - one kernel build's symbols and type layouts, and its cache file.
 *
 * Symbols are kept relative to the kernel's _text (absolute, per-CPU ones as
 * they are), so one profile serves every KASLR slide of a build. Field
 * offsets and type sizes are memoized, the failures that analyzers probe for
 * (-ENOENT, -EOPNOTSUPP) included, so a warm start answers them without
 * parsing BTF at all.
 *
 * Cache file (all integers little-endian):
 *
 *   header   magic "HVSPROF\0", version, file size, _text when recorded,
 *            counts, block size, six sections as (offset, length) in the
 *            payload, then root = SHA-256 of the header before it and of the
 *            block digest table
 *   digests  SHA-256 of each PROFILE_BLOCK bytes of the payload
 *   payload  banner (NUL-terminated) | symbols (16 bytes each: s64 value
 *            relative to _text or absolute address, u32 name offset, u8 type,
 *            u8 flags, u16 0) in address order | names (NUL-terminated) |
 *            name index (u32 slots, symbol + 1, open addressing with linear
 *            probing over FNV-1a 64, power-of-two size) | memo records |
 *            raw BTF
 *
 * Loading maps the file, checks every count, length and offset of the
 * header against the file, the root digest, and the blocks of the banner and
 * the memo. Every other block is checked against its digest the first time
 * it is used, so a warm start that looks up ten symbols hashes a few blocks
 * instead of megabytes; a corrupt block makes the call that needs it fail
 * with -EBADMSG. The name index is stored, so nothing is built at load time.
 *
 * The file is mapped read-only and private; it is only ever replaced by
 * rename(), never rewritten in place, so the mapping stays valid.
 * A profile is not thread-safe (lazy state); use one per thread or lock.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include <hvscope/limits.h>
#include <hvscope/types.h>

#include "types-internal.h"
#include "util/util.h"

#define PROFILE_MAGIC "HVSPROF"         /* 8 bytes with its NUL */
#define PROFILE_VERSION 1u
#define PROFILE_BLOCK 4096u
#define PROFILE_SYM_SIZE 16u
#define PROFILE_DIGEST 32u
/* Memoized results kept (and accepted from a file). */
#define PROFILE_MAX_MEMO 65536u
/* Bytes of a memo key (type and path). */
#define PROFILE_MAX_MEMO_KEY 1024u

enum { SEC_BANNER, SEC_SYMS, SEC_NAMES, SEC_INDEX, SEC_MEMO, SEC_BTF, SEC_NR };

/* Header layout (byte offsets). */
#define H_MAGIC 0
#define H_VERSION 8
#define H_FILE_SIZE 16
#define H_TEXT 24
#define H_NSYMS 32
#define H_NMEMO 36
#define H_INDEX_CAP 40
#define H_BLOCK 44
#define H_NBLOCKS 48
#define H_SECTIONS 56           /* SEC_NR x (u64 offset, u64 length), offsets relative to the payload */
#define H_ROOT (H_SECTIONS + SEC_NR * 16)
#define H_SIZE (H_ROOT + PROFILE_DIGEST)

enum memo_kind { MEMO_FIELD = 1, MEMO_SIZE = 2 };

struct memo {
        char *key;              /* type "\x01" path, or type "\x02" */
        int err;                /* 0, -ENOENT or -EOPNOTSUPP */
        uint32_t off, size;
};

struct hvs_profile {
        char *banner;
        uint64_t text;          /* current _text */
        hvs_ksyms *ksyms;       /* NULL until materialised from the file */
        uint64_t ksyms_text;    /* the _text the addresses in ksyms are for */
        hvs_btf *btf;
        hvs_isf *isf;           /* types from a Volatility ISF instead of BTF */

        struct memo *memo;
        size_t nmemo, memo_cap;
        size_t nmemo_saved;     /* memo entries the cache file has */
        uint32_t *memo_idx;     /* slot = memo index + 1 */
        size_t memo_idx_cap;

        /* Loaded file (map == NULL for a profile built in memory). */
        uint8_t *map;
        size_t map_len;
        uint64_t file_text;     /* _text the file's relative values are for */
        size_t payload;         /* offset of the payload in the file */
        uint64_t sec_off[SEC_NR], sec_len[SEC_NR];
        uint32_t nsyms, index_cap, nblocks;
        uint64_t *verified;     /* bit per block */
        bool btf_bad;           /* the stored BTF failed to load once */
        hvs_diag diag;          /* detail of lazy failures */
};

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_profile *, hvs_profile_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_ksyms *, hvs_ksyms_free)

static int sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[PROFILE_DIGEST]) {
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        unsigned n = 0;
        int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, a, alen) &&
                 (blen == 0 || EVP_DigestUpdate(c, b, blen)) && EVP_DigestFinal_ex(c, out, &n);
        EVP_MD_CTX_free(c);
        return ok && n == PROFILE_DIGEST ? 0 : -ENOMEM;
}

hvs_profile *hvs_profile_free(hvs_profile *p) {
        if (!p)
                return NULL;
        free(p->banner);
        hvs_ksyms_free(p->ksyms);
        hvs_btf_free(p->btf);
        hvs_isf_free(p->isf);
        for (size_t i = 0; i < p->nmemo; i++)
                free(p->memo[i].key);
        free(p->memo);
        free(p->memo_idx);
        if (p->map)
                munmap(p->map, p->map_len);
        free(p->verified);
        free(p);
        return NULL;
}

int hvs_profile_new(const char *banner, hvs_ksyms *syms, uint64_t text_va, hvs_btf *btf, hvs_profile **ret) {
        if (!banner || !*banner || !syms || !ret)
                return -EINVAL;
        hvs_profile *p = hvs_calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->banner = hvs_strdup(banner);
        if (!p->banner) {
                free(p);
                return -ENOMEM;
        }
        p->ksyms = syms;
        p->text = p->ksyms_text = p->file_text = text_va;
        p->btf = btf;
        *ret = p;
        return 0;
}

void hvs_profile_set_text(hvs_profile *p, uint64_t text_va) {
        if (p)
                p->text = text_va;
}

uint64_t hvs_profile_text(const hvs_profile *p) { return p ? p->text : 0; }
const char *hvs_profile_banner(const hvs_profile *p) { return p ? p->banner : NULL; }

bool hvs_profile_has_btf(const hvs_profile *p) {
        return p && (p->btf || p->isf || (p->map && p->sec_len[SEC_BTF] > 0 && !p->btf_bad));
}

int hvs_profile_set_btf(hvs_profile *p, hvs_btf *btf) {
        if (!p || !btf)
                return -EINVAL;
        hvs_btf_free(p->btf);
        p->isf = hvs_isf_free(p->isf);
        p->btf = btf;
        p->btf_bad = false;
        return 0;
}

/*
 * Memoized results already in the profile stay: they describe the same
 * kernel build, whichever source resolved them.
 */
int hvs_profile_set_isf(hvs_profile *p, hvs_isf *isf) {
        if (!p || !isf)
                return -EINVAL;
        hvs_isf_free(p->isf);
        p->btf = hvs_btf_free(p->btf);
        p->isf = isf;
        return 0;
}

/* ---- lazily verified file bytes ---- */

/* Check the blocks under [off, off + len) of section @sec; return a pointer to the bytes. */
static int sec_bytes(hvs_profile *p, unsigned sec, uint64_t off, uint64_t len, const uint8_t **ret) {
        if (!hvs_range_ok(off, len, p->sec_len[sec]))
                return HVS_BADMSG(&p->diag, "profile: read past section %u", sec);
        uint64_t start = p->sec_off[sec] + off;
        if (len > 0) {
                uint64_t first = start / PROFILE_BLOCK, last = (start + len - 1) / PROFILE_BLOCK;
                for (uint64_t b = first; b <= last; b++) {
                        if (p->verified[b / 64] & (1ull << (b % 64)))
                                continue;
                        size_t bstart = p->payload + (size_t)b * PROFILE_BLOCK;
                        size_t blen = MIN((size_t)PROFILE_BLOCK, p->map_len - bstart);
                        uint8_t d[PROFILE_DIGEST];
                        if (sha256(p->map + bstart, blen, NULL, 0, d) < 0)
                                return -ENOMEM;
                        if (memcmp(d, p->map + H_SIZE + b * PROFILE_DIGEST, PROFILE_DIGEST) != 0)
                                return HVS_BADMSG(&p->diag, "profile: block %" PRIu64 " (section %u) is corrupt", b, sec);
                        p->verified[b / 64] |= 1ull << (b % 64);
                }
        }
        *ret = p->map + p->payload + start;
        return 0;
}

/* The NUL-terminated name at @off in the names section. */
static int file_name(hvs_profile *p, uint32_t off, const char **ret) {
        if (off >= p->sec_len[SEC_NAMES])
                return HVS_BADMSG(&p->diag, "profile: name offset %u out of range", off);
        uint64_t len = MIN((uint64_t)HVS_MAX_KSYM_NAME, p->sec_len[SEC_NAMES] - off);
        const uint8_t *s;
        int r = sec_bytes(p, SEC_NAMES, off, len, &s);
        if (r < 0)
                return r;
        if (!memchr(s, 0, (size_t)len))
                return HVS_BADMSG(&p->diag, "profile: name at %u not terminated", off);
        *ret = (const char *)s;
        return 0;
}

struct fsym {
        int64_t value;
        const char *name;
        char type;
        bool absolute;
};

static int file_sym(hvs_profile *p, uint32_t i, struct fsym *ret) {
        const uint8_t *b;
        int r = sec_bytes(p, SEC_SYMS, (uint64_t)i * PROFILE_SYM_SIZE, PROFILE_SYM_SIZE, &b);
        if (r < 0)
                return r;
        ret->value = (int64_t)hvs_le64(b);
        ret->type = (char)b[12];
        ret->absolute = b[13] & 1;
        return file_name(p, hvs_le32(b + 8), &ret->name);
}

static int file_find(hvs_profile *p, const char *name, struct fsym *ret) {
        if (p->index_cap == 0)
                return -ENOENT;
        uint32_t mask = p->index_cap - 1;
        uint32_t h = (uint32_t)types_hash_str(name) & mask;
        for (uint32_t probe = 0; probe < p->index_cap; probe++, h = (h + 1) & mask) {
                const uint8_t *b;
                int r = sec_bytes(p, SEC_INDEX, (uint64_t)h * 4, 4, &b);
                if (r < 0)
                        return r;
                uint32_t v = hvs_le32(b);
                if (v == 0)
                        return -ENOENT;
                if (v > p->nsyms)
                        return HVS_BADMSG(&p->diag, "profile: index slot %u names symbol %u of %u", h, v, p->nsyms);
                struct fsym s;
                r = file_sym(p, v - 1, &s);
                if (r < 0)
                        return r;
                if (strcmp(s.name, name) == 0) {
                        *ret = s;
                        return 0;
                }
        }
        return -ENOENT;
}

int hvs_profile_symbol(hvs_profile *p, const char *name, uint64_t *ret_va) {
        if (!p || !name || !ret_va)
                return -EINVAL;
        if (p->ksyms) {
                hvs_ksym s;
                int r = hvs_ksyms_find(p->ksyms, name, &s);
                if (r < 0)
                        return r;
                *ret_va = s.absolute ? s.addr : s.addr - p->ksyms_text + p->text;
                return 0;
        }
        struct fsym s = { 0 };
        int r = file_find(p, name, &s);
        if (r < 0)
                return r;
        *ret_va = s.absolute ? (uint64_t)s.value : p->text + (uint64_t)s.value;
        return 0;
}

static int materialise_ksyms(hvs_profile *p) {
        if (p->ksyms)
                return 0;
        if (!p->map)
                return -ENOENT;
        _cleanup_(hvs_ksyms_freep) hvs_ksyms *k = NULL;
        int r = hvs_ksyms_new(&k);
        if (r < 0)
                return r;
        r = ksyms_reserve(k, p->nsyms, (size_t)p->sec_len[SEC_NAMES]);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < p->nsyms; i++) {
                struct fsym s;
                r = file_sym(p, i, &s);
                if (r < 0)
                        return r;
                r = hvs_ksyms_add(k, s.name, s.type, s.absolute ? (uint64_t)s.value : p->text + (uint64_t)s.value,
                                  s.absolute);
                if (r == -EINVAL)
                        return HVS_BADMSG(&p->diag, "profile: symbol %u has a bad name", i);
                if (r < 0)
                        return r;
        }
        p->ksyms = TAKE_PTR(k);
        p->ksyms_text = p->text;
        return 0;
}

size_t hvs_profile_nsyms(const hvs_profile *p) {
        if (!p)
                return 0;
        return p->ksyms ? hvs_ksyms_count(p->ksyms) : p->nsyms;
}

int hvs_profile_ksyms(hvs_profile *p, hvs_ksyms **ret) {
        if (!p || !ret)
                return -EINVAL;
        int r = materialise_ksyms(p);
        if (r < 0)
                return r;
        if (p->ksyms_text != p->text) {
                ksyms_shift(p->ksyms, p->text - p->ksyms_text);
                p->ksyms_text = p->text;
        }
        *ret = p->ksyms;
        return 0;
}

/* ---- memo ---- */

static char *memo_key(const char *type, const char *path) {
        size_t tl = strlen(type), pl = path ? strlen(path) : 0;
        if (tl + pl + 2 > PROFILE_MAX_MEMO_KEY)
                return NULL;
        char *k = hvs_malloc(tl + pl + 2);
        if (!k)
                return NULL;
        memcpy(k, type, tl);
        k[tl] = path ? '\x01' : '\x02';
        memcpy(k + tl + 1, path ? path : "", pl + 1);
        return k;
}

static struct memo *memo_find(const hvs_profile *p, const char *key) {
        if (!p->memo_idx)
                return NULL;
        size_t mask = p->memo_idx_cap - 1;
        for (size_t h = (size_t)types_hash_str(key) & mask;; h = (h + 1) & mask) {
                uint32_t v = p->memo_idx[h];
                if (v == 0)
                        return NULL;
                if (strcmp(p->memo[v - 1].key, key) == 0)
                        return &p->memo[v - 1];
        }
}

static void memo_index_put(uint32_t *idx, size_t cap, const struct memo *m, uint32_t i) {
        for (size_t h = (size_t)types_hash_str(m[i].key) & (cap - 1);; h = (h + 1) & (cap - 1))
                if (idx[h] == 0) {
                        idx[h] = i + 1;
                        return;
                }
}

/* Add a result; takes @key. Return: 0; -E2BIG; -ENOMEM. */
static int memo_add(hvs_profile *p, char *key, int err, uint32_t off, uint32_t size) {
        _cleanup_free_ char *k = key;
        if (p->nmemo >= PROFILE_MAX_MEMO)
                return -E2BIG;
        if (p->nmemo == p->memo_cap) {
                size_t cap = MAX(p->memo_cap * 2, (size_t)32);
                struct memo *m = hvs_reallocarray(p->memo, cap, sizeof *m);
                if (!m)
                        return -ENOMEM;
                p->memo = m;
                p->memo_cap = cap;
        }
        if ((p->nmemo + 1) * 2 > p->memo_idx_cap) {
                size_t cap = MAX(p->memo_idx_cap * 2, (size_t)64);
                uint32_t *idx = hvs_calloc(cap, sizeof *idx);
                if (!idx)
                        return -ENOMEM;
                for (size_t i = 0; i < p->nmemo; i++)
                        memo_index_put(idx, cap, p->memo, (uint32_t)i);
                free(p->memo_idx);
                p->memo_idx = idx;
                p->memo_idx_cap = cap;
        }
        p->memo[p->nmemo] = (struct memo){ .key = TAKE_PTR(k), .err = err, .off = off, .size = size };
        memo_index_put(p->memo_idx, p->memo_idx_cap, p->memo, (uint32_t)p->nmemo);
        p->nmemo++;
        return 0;
}

static int ensure_btf(hvs_profile *p) {
        if (p->btf)
                return 0;
        if (p->isf)
                return -EOPNOTSUPP;
        if (!p->map || p->sec_len[SEC_BTF] == 0)
                return -EOPNOTSUPP;
        if (p->btf_bad)
                return -EBADMSG;
        const uint8_t *b;
        int r = sec_bytes(p, SEC_BTF, 0, p->sec_len[SEC_BTF], &b);
        if (r == 0)
                r = hvs_btf_parse(b, (size_t)p->sec_len[SEC_BTF], &p->diag, &p->btf);
        if (r == -EBADMSG)
                p->btf_bad = true;
        return r;
}

/* A memoized lookup: @path NULL for a type size. */
static int memo_lookup(hvs_profile *p, const char *type, const char *path, uint32_t *ret_off, uint32_t *ret_size) {
        _cleanup_free_ char *key = memo_key(type, path);
        if (!key)
                return strlen(type) + (path ? strlen(path) : 0) + 2 > PROFILE_MAX_MEMO_KEY ? -ENOENT : -ENOMEM;
        const struct memo *m = memo_find(p, key);
        if (!m) {
                uint32_t off = 0, size = 0;
                int r;
                if (p->isf) {
                        r = path ? hvs_isf_field(p->isf, type, path, &off, &size)
                                 : hvs_isf_type_size(p->isf, type, &size);
                } else {
                        if ((r = ensure_btf(p)) < 0)
                                return r;
                        r = path ? hvs_btf_field(p->btf, type, path, &off, &size)
                                 : hvs_btf_type_size(p->btf, type, &size);
                }
                if (r < 0 && r != -ENOENT && r != -EOPNOTSUPP)
                        return r;
                int e = memo_add(p, TAKE_PTR(key), r, off, size);
                if (e < 0 && e != -E2BIG)
                        return e;
                if (r < 0)
                        return r;
                if (ret_off)
                        *ret_off = off;
                if (ret_size)
                        *ret_size = size;
                return 0;
        }
        if (m->err < 0)
                return m->err;
        if (ret_off)
                *ret_off = m->off;
        if (ret_size)
                *ret_size = m->size;
        return 0;
}

int hvs_profile_field(hvs_profile *p, const char *type, const char *path, uint32_t *ret_off, uint32_t *ret_size) {
        if (!p || !type || !path || !ret_off)
                return -EINVAL;
        return memo_lookup(p, type, path, ret_off, ret_size);
}

int hvs_profile_type_size(hvs_profile *p, const char *type, uint32_t *ret_size) {
        if (!p || !type || !ret_size)
                return -EINVAL;
        return memo_lookup(p, type, NULL, NULL, ret_size);
}

int hvs_profile_btf(hvs_profile *p, const hvs_btf **ret) {
        if (!p || !ret)
                return -EINVAL;
        int r = ensure_btf(p);
        if (r < 0)
                return r;
        *ret = p->btf;
        return 0;
}

/* ---- saving ---- */

struct wbuf {
        uint8_t *b;
        size_t len, cap;
};

static int wput(struct wbuf *w, const void *p, size_t n) {
        if (w->cap - w->len < n) {
                size_t cap = MAX(w->cap * 2, w->len + n + 4096);
                uint8_t *b = hvs_realloc(w->b, cap);
                if (!b)
                        return -ENOMEM;
                w->b = b;
                w->cap = cap;
        }
        memcpy(w->b + w->len, p, n);
        w->len += n;
        return 0;
}
static int wput_le(struct wbuf *w, uint64_t v, unsigned n) {
        uint8_t b[8];
        for (unsigned i = 0; i < n; i++)
                b[i] = (uint8_t)(v >> (8 * i));
        return wput(w, b, n);
}
static void set_le(uint8_t *p, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* The payload sections, in order, from the profile's current state. */
static int build_payload(hvs_profile *p, struct wbuf *w, uint64_t sec_off[SEC_NR], uint64_t sec_len[SEC_NR],
                         uint32_t *ret_nsyms, uint32_t *ret_cap) {
        int r = materialise_ksyms(p);
        if (r < 0)
                return r;
        hvs_ksyms *k = p->ksyms;
        size_t n = hvs_ksyms_count(k);
        uint32_t cap = 16;
        while (cap < n * 2)
                cap <<= 1;

        sec_off[SEC_BANNER] = w->len;
        if ((r = wput(w, p->banner, strlen(p->banner) + 1)) < 0)
                return r;
        sec_len[SEC_BANNER] = w->len - sec_off[SEC_BANNER];

        /* Symbols, then names. */
        sec_off[SEC_SYMS] = w->len;
        uint64_t name_off = 0;
        for (size_t i = 0; i < n; i++) {
                const hvs_ksym *s = hvs_ksyms_get(k, i);
                uint64_t v = s->absolute ? s->addr : s->addr - p->ksyms_text;
                if ((r = wput_le(w, v, 8)) < 0 || (r = wput_le(w, name_off, 4)) < 0 ||
                    (r = wput_le(w, (uint8_t)s->type | (uint32_t)s->absolute << 8, 4)) < 0)
                        return r;
                name_off += strlen(s->name) + 1;
        }
        sec_len[SEC_SYMS] = w->len - sec_off[SEC_SYMS];
        if (name_off > UINT32_MAX)
                return -E2BIG;
        sec_off[SEC_NAMES] = w->len;
        for (size_t i = 0; i < n; i++) {
                const char *name = hvs_ksyms_get(k, i)->name;
                if ((r = wput(w, name, strlen(name) + 1)) < 0)
                        return r;
        }
        sec_len[SEC_NAMES] = w->len - sec_off[SEC_NAMES];

        /* Name index: the first symbol in address order wins. */
        _cleanup_free_ uint32_t *idx = hvs_calloc(cap, sizeof *idx);
        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *name = hvs_ksyms_get(k, i)->name;
                for (uint32_t h = (uint32_t)types_hash_str(name) & (cap - 1);; h = (h + 1) & (cap - 1)) {
                        if (idx[h] == 0) {
                                idx[h] = (uint32_t)i + 1;
                                break;
                        }
                        if (strcmp(hvs_ksyms_get(k, idx[h] - 1)->name, name) == 0)
                                break;
                }
        }
        sec_off[SEC_INDEX] = w->len;
        for (uint32_t i = 0; i < cap; i++)
                if ((r = wput_le(w, idx[i], 4)) < 0)
                        return r;
        sec_len[SEC_INDEX] = w->len - sec_off[SEC_INDEX];

        /* Memo: kind, err, off, size, key length, key. */
        sec_off[SEC_MEMO] = w->len;
        for (size_t i = 0; i < p->nmemo; i++) {
                const struct memo *m = &p->memo[i];
                size_t kl = strlen(m->key);
                if ((r = wput_le(w, (uint32_t)m->err, 4)) < 0 || (r = wput_le(w, m->off, 4)) < 0 ||
                    (r = wput_le(w, m->size, 4)) < 0 || (r = wput_le(w, kl, 4)) < 0 || (r = wput(w, m->key, kl)) < 0)
                        return r;
        }
        sec_len[SEC_MEMO] = w->len - sec_off[SEC_MEMO];

        /* Raw BTF: the parsed one, else the stored one. */
        sec_off[SEC_BTF] = w->len;
        const void *raw = NULL;
        size_t raw_len = 0;
        if (p->btf) {
                raw = hvs_btf_raw(p->btf, &raw_len);
        } else if (p->map && p->sec_len[SEC_BTF] > 0) {
                const uint8_t *b;
                if ((r = sec_bytes(p, SEC_BTF, 0, p->sec_len[SEC_BTF], &b)) < 0)
                        return r;
                raw = b;
                raw_len = (size_t)p->sec_len[SEC_BTF];
        }
        if (raw_len && (r = wput(w, raw, raw_len)) < 0)
                return r;
        sec_len[SEC_BTF] = raw_len;
        *ret_nsyms = (uint32_t)n;
        *ret_cap = cap;
        return 0;
}

static int write_all(int fd, const uint8_t *b, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, b, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

int hvs_profile_save(const hvs_profile *cp, const char *path, hvs_diag *diag) {
        if (!cp || !path)
                return -EINVAL;
        /* Saving may materialise lazily loaded parts: logically const. */
        hvs_profile *p = (hvs_profile *)cp;
        /* A cache file is a BTF-typed profile; one typed by an ISF would be
         * mistaken for it by a later warm start (fields it never resolved). */
        if (p->isf)
                return HVS_DIAG(diag, -EOPNOTSUPP, "profile: types from an ISF are not cached");
        struct wbuf pay = { 0 };
        _cleanup_free_ uint8_t *pay_b = NULL;
        uint64_t sec_off[SEC_NR], sec_len[SEC_NR];
        uint32_t nsyms, cap;
        int r = build_payload(p, &pay, sec_off, sec_len, &nsyms, &cap);
        pay_b = pay.b;
        if (r < 0) {
                if (p->diag.err == r)
                        hvs_diag_copy(diag, &p->diag);
                return HVS_DIAG(diag, r, "profile: cannot build %s: %s", path, hvs_strerror(r));
        }
        uint64_t nblocks = (pay.len + PROFILE_BLOCK - 1) / PROFILE_BLOCK;
        size_t hdr_len = H_SIZE + (size_t)nblocks * PROFILE_DIGEST;
        _cleanup_free_ uint8_t *hdr = hvs_calloc(1, hdr_len);
        if (!hdr)
                return -ENOMEM;
        memcpy(hdr + H_MAGIC, PROFILE_MAGIC, 8);
        set_le(hdr + H_VERSION, PROFILE_VERSION, 4);
        set_le(hdr + H_FILE_SIZE, hdr_len + pay.len, 8);
        set_le(hdr + H_TEXT, p->ksyms_text, 8);
        set_le(hdr + H_NSYMS, nsyms, 4);
        set_le(hdr + H_NMEMO, p->nmemo, 4);
        set_le(hdr + H_INDEX_CAP, cap, 4);
        set_le(hdr + H_BLOCK, PROFILE_BLOCK, 4);
        set_le(hdr + H_NBLOCKS, nblocks, 4);
        for (int s = 0; s < SEC_NR; s++) {
                set_le(hdr + H_SECTIONS + 16 * s, sec_off[s], 8);
                set_le(hdr + H_SECTIONS + 16 * s + 8, sec_len[s], 8);
        }
        for (uint64_t b = 0; b < nblocks; b++) {
                size_t off = (size_t)b * PROFILE_BLOCK;
                if ((r = sha256(pay.b + off, MIN((size_t)PROFILE_BLOCK, pay.len - off), NULL, 0,
                                hdr + H_SIZE + b * PROFILE_DIGEST)) < 0)
                        return r;
        }
        if ((r = sha256(hdr, H_ROOT, hdr + H_SIZE, (size_t)nblocks * PROFILE_DIGEST, hdr + H_ROOT)) < 0)
                return r;

        /* Atomically: a temporary file next to the target, then rename. */
        char dir[4096], tmp[4096];
        if (hvs_strlcpy(dir, path, sizeof dir) >= sizeof dir ||
            hvs_snprintf_ok(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) < 0)
                return HVS_DIAG(diag, -ENAMETOOLONG, "profile: path too long");
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if ((r = hvs_mkdir_p(dir)) < 0)
                        return HVS_DIAG(diag, r, "profile: cannot create %s: %s", dir, strerror(-r));
        }
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return HVS_DIAG(diag, -errno, "profile: cannot create %s: %s", tmp, strerror(errno));
        r = write_all(fd, hdr, hdr_len);
        if (r == 0)
                r = write_all(fd, pay.b, pay.len);
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return HVS_DIAG(diag, r, "profile: cannot write %s: %s", path, strerror(-r));
        }
        p->nmemo_saved = p->nmemo;
        return 0;
}

bool hvs_profile_changed(const hvs_profile *p) { return p && p->nmemo != p->nmemo_saved; }

/* ---- loading ---- */

static int parse_memo(hvs_profile *p, uint32_t nmemo) {
        const uint8_t *b;
        uint64_t len = p->sec_len[SEC_MEMO];
        int r = sec_bytes(p, SEC_MEMO, 0, len, &b);
        if (r < 0)
                return r;
        uint64_t pos = 0;
        for (uint32_t i = 0; i < nmemo; i++) {
                if (!hvs_range_ok(pos, 16, len))
                        return HVS_BADMSG(&p->diag, "profile: memo %u truncated", i);
                int32_t err = (int32_t)hvs_le32(b + pos);
                uint32_t off = hvs_le32(b + pos + 4), size = hvs_le32(b + pos + 8), kl = hvs_le32(b + pos + 12);
                pos += 16;
                if (kl < 2 || kl >= PROFILE_MAX_MEMO_KEY || !hvs_range_ok(pos, kl, len) ||
                    memchr(b + pos, 0, kl) || (err != 0 && err != -ENOENT && err != -EOPNOTSUPP))
                        return HVS_BADMSG(&p->diag, "profile: memo %u is implausible", i);
                char *key = hvs_malloc(kl + 1);
                if (!key)
                        return -ENOMEM;
                memcpy(key, b + pos, kl);
                key[kl] = '\0';
                pos += kl;
                if (memo_find(p, key)) {
                        free(key);
                        return HVS_BADMSG(&p->diag, "profile: memo %u repeats a key", i);
                }
                if ((r = memo_add(p, key, err, off, size)) < 0)
                        return r == -E2BIG ? HVS_BADMSG(&p->diag, "profile: too many memo entries") : r;
        }
        if (pos != len)
                return HVS_BADMSG(&p->diag, "profile: %" PRIu64 " stray bytes after the memo", len - pos);
        return 0;
}

static int check_header(hvs_profile *p, const uint8_t *h, size_t file_len, uint32_t *ret_nmemo) {
        hvs_diag *d = &p->diag;
        if (file_len < H_SIZE || memcmp(h + H_MAGIC, PROFILE_MAGIC, 8) != 0)
                return HVS_BADMSG(d, "profile: not a profile file (%zu bytes)", file_len);
        if (hvs_le32(h + H_VERSION) != PROFILE_VERSION)
                return HVS_BADMSG(d, "profile: version %u, expected %u", hvs_le32(h + H_VERSION), PROFILE_VERSION);
        if (hvs_le64(h + H_FILE_SIZE) != file_len)
                return HVS_BADMSG(d, "profile: %zu bytes, header says %" PRIu64 " (truncated?)", file_len,
                                  hvs_le64(h + H_FILE_SIZE));
        uint32_t nblocks = hvs_le32(h + H_NBLOCKS);
        uint64_t dig_len = (uint64_t)nblocks * PROFILE_DIGEST;
        if (hvs_le32(h + H_BLOCK) != PROFILE_BLOCK || !hvs_range_ok(H_SIZE, dig_len, file_len))
                return HVS_BADMSG(d, "profile: bad block table");
        p->payload = H_SIZE + (size_t)dig_len;
        uint64_t pay_len = file_len - p->payload;
        if ((pay_len + PROFILE_BLOCK - 1) / PROFILE_BLOCK != nblocks)
                return HVS_BADMSG(d, "profile: %u blocks for %" PRIu64 " bytes", nblocks, pay_len);
        uint8_t root[PROFILE_DIGEST];
        int r = sha256(h, H_ROOT, h + H_SIZE, (size_t)dig_len, root);
        if (r < 0)
                return r;
        if (memcmp(root, h + H_ROOT, PROFILE_DIGEST) != 0)
                return HVS_BADMSG(d, "profile: header checksum mismatch");
        for (int s = 0; s < SEC_NR; s++) {
                p->sec_off[s] = hvs_le64(h + H_SECTIONS + 16 * s);
                p->sec_len[s] = hvs_le64(h + H_SECTIONS + 16 * s + 8);
                if (!hvs_range_ok(p->sec_off[s], p->sec_len[s], pay_len))
                        return HVS_BADMSG(d, "profile: section %d out of the file", s);
        }
        p->nsyms = hvs_le32(h + H_NSYMS);
        p->index_cap = hvs_le32(h + H_INDEX_CAP);
        p->nblocks = nblocks;
        p->file_text = hvs_le64(h + H_TEXT);
        *ret_nmemo = hvs_le32(h + H_NMEMO);
        if (p->nsyms > HVS_MAX_KSYMS || p->sec_len[SEC_SYMS] != (uint64_t)p->nsyms * PROFILE_SYM_SIZE)
                return HVS_BADMSG(d, "profile: %u symbols do not fit their section", p->nsyms);
        if ((p->index_cap & (p->index_cap - 1)) != 0 || p->index_cap < (uint64_t)p->nsyms ||
            p->sec_len[SEC_INDEX] != (uint64_t)p->index_cap * 4)
                return HVS_BADMSG(d, "profile: bad name index size %u", p->index_cap);
        if (*ret_nmemo > PROFILE_MAX_MEMO)
                return HVS_BADMSG(d, "profile: %u memo entries exceed %u", *ret_nmemo, PROFILE_MAX_MEMO);
        if (p->sec_len[SEC_BANNER] < 2 || p->sec_len[SEC_BANNER] > HVS_MAX_GUEST_STR)
                return HVS_BADMSG(d, "profile: bad banner length");
        if (p->sec_len[SEC_BTF] > HVS_MAX_BTF_BYTES)
                return HVS_BADMSG(d, "profile: BTF section over %u bytes", HVS_MAX_BTF_BYTES);
        if (p->nsyms && p->sec_len[SEC_NAMES] == 0)
                return HVS_BADMSG(d, "profile: symbols without names");
        return 0;
}

int hvs_profile_load(const char *path, const char *expect_banner, hvs_diag *diag, hvs_profile **ret) {
        if (!path || !ret)
                return -EINVAL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return HVS_DIAG(diag, -errno, "profile: cannot open %s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return HVS_DIAG(diag, -errno, "profile: cannot stat %s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return HVS_BADMSG(diag, "profile: %s is not a regular file", path);
        if ((uint64_t)st.st_size > HVS_MAX_PROFILE_BYTES || st.st_size < (off_t)H_SIZE)
                return HVS_BADMSG(diag, "profile: %s: %" PRIu64 " bytes is implausible", path, (uint64_t)st.st_size);

        _cleanup_(hvs_profile_freep) hvs_profile *p = hvs_calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return HVS_DIAG(diag, -errno, "profile: cannot map %s: %s", path, strerror(errno));
        p->map = map;
        p->map_len = (size_t)st.st_size;

        uint32_t nmemo = 0;
        int r = check_header(p, p->map, p->map_len, &nmemo);
        if (r == 0) {
                p->verified = hvs_calloc((p->nblocks + 63) / 64 + 1, sizeof *p->verified);
                if (!p->verified)
                        return -ENOMEM;
                const uint8_t *b;
                r = sec_bytes(p, SEC_BANNER, 0, p->sec_len[SEC_BANNER], &b);
                if (r == 0 && (b[p->sec_len[SEC_BANNER] - 1] != 0 ||
                               strlen((const char *)b) != p->sec_len[SEC_BANNER] - 1))
                        r = HVS_BADMSG(&p->diag, "profile: banner is not one string");
                if (r == 0 && expect_banner && strcmp((const char *)b, expect_banner) != 0)
                        r = HVS_DIAG(&p->diag, -ESTALE, "profile: %s is for another kernel build", path);
                if (r == 0 && !(p->banner = hvs_strdup((const char *)b)))
                        r = -ENOMEM;
                /* The names section must end with a NUL so every name ends inside it. */
                if (r == 0 && p->nsyms) {
                        r = sec_bytes(p, SEC_NAMES, p->sec_len[SEC_NAMES] - 1, 1, &b);
                        if (r == 0 && *b != 0)
                                r = HVS_BADMSG(&p->diag, "profile: names are not terminated");
                }
                if (r == 0)
                        r = parse_memo(p, nmemo);
                p->nmemo_saved = p->nmemo;
        }
        if (r < 0) {
                hvs_diag_copy(diag, &p->diag);
                return r;
        }
        p->text = p->file_text;
        *ret = TAKE_PTR(p);
        return 0;
}

int hvs_profile_cache_path(const char *banner, char *buf, size_t cap) {
        if (!banner || !buf)
                return -EINVAL;
        uint8_t d[PROFILE_DIGEST];
        if (sha256(banner, strlen(banner), NULL, 0, d) < 0)
                return -ENOMEM;
        char hex[2 * PROFILE_DIGEST + 1];
        for (unsigned i = 0; i < PROFILE_DIGEST; i++)
                snprintf(hex + 2 * i, 3, "%02x", d[i]);
        const char *env;
        int r;
        if ((env = getenv("HVS_CACHE_DIR")) && *env) {
                r = hvs_snprintf_ok(buf, cap, "%s/profiles/%s.prof", env, hex);
        } else if ((env = getenv("XDG_CACHE_HOME")) && *env) {
                r = hvs_snprintf_ok(buf, cap, "%s/hvscope/profiles/%s.prof", env, hex);
        } else {
                const char *home = getenv("HOME");
                struct passwd pw, *res = NULL;
                char pwbuf[4096];
                if ((!home || !*home) && getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
                        home = res->pw_dir;
                if (!home || !*home)
                        return -ENOENT;
                r = hvs_snprintf_ok(buf, cap, "%s/.cache/hvscope/profiles/%s.prof", home, hex);
        }
        return r < 0 ? -ENAMETOOLONG : 0;
}
