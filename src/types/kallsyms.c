/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kallsyms.c - recover the kernel's symbol table from guest-physical memory.
 *
 * Every x86-64 Linux kernel carries its symbols in .rodata, in the tables
 * that scripts/kallsyms.c emits (each label ".balign 8"):
 *
 *   kallsyms_token_table   256 NUL-terminated tokens (contains "0" .. "9")
 *   kallsyms_token_index   256 x u16 offsets into the token table
 *   kallsyms_markers       offset in kallsyms_names of every 256th symbol
 *                          (u32; u64 on older kernels)
 *   kallsyms_names         per symbol: a length (ULEB128, one or two bytes)
 *                          then that many token indices; the first expanded
 *                          character is the type letter
 *   kallsyms_num_syms      u32, right before kallsyms_names
 *   kallsyms_offsets       s32 x num_syms, with a u64 kallsyms_relative_base
 *   kallsyms_seqs_of_names 3 bytes x num_syms (6.2+, backported to 6.1.y)
 *
 * The order of these tables changed over time:
 *   <= 6.1:   offsets, relative_base, num_syms, names, markers, token_table, token_index
 *   6.2-6.3 and 6.1.y stable (Debian 6.1): ..., markers, seqs_of_names, token_table, ...
 *   >= 6.4:   num_syms, names, markers, token_table, token_index, offsets,
 *             relative_base, seqs_of_names
 * and so did the address encoding: with ABSOLUTE_PERCPU (x86-64 SMP up to
 * 6.10) an offset >= 0 is an absolute address and any other is
 * relative_base - 1 - offset; from 6.11 every address is
 * relative_base + (u32)offset. Nothing here assumes an order: each table is
 * found by its own structure and confirmed by the others.
 *
 *  1. Scan RAM (the hint window first) for the digit run "0\0" ... "9\0".
 *  2. The token table is where 256 tokens, read on from the hit, end right
 *     before a u16 array that indexes exactly those tokens.
 *  3. The markers end either right before the token table or before a
 *     seqs_of_names array of 3 or 4 bytes per symbol; they are found by
 *     walking back from their end: strictly decreasing to a 0 entry, with
 *     steps that 256 names can take.
 *  4. num_syms is a u32 before the names whose value fits the number of
 *     markers; walking that many names must meet every marker and end right
 *     before the markers.
 *  5. The offsets and relative base are tried before num_syms and after the
 *     token index, with both encodings; the one that yields addresses in
 *     kallsyms (ascending) order is taken.
 *
 * All parsing happens on a local copy of a bounded window of guest RAM;
 * every index is checked against the copy.
 */
#include <inttypes.h>

#include <hvscope/limits.h>
#include <hvscope/types.h>

#include "types-internal.h"
#include "util/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_ksyms *, hvs_ksyms_free)

/* Bytes of guest RAM scanned per read; consecutive reads overlap by the needle. */
#define KALLSYMS_SCAN_CHUNK (1u << 20)
/*
 * Windows of guest RAM copied around a candidate token table: a small one
 * that holds a distribution kernel's tables (~2 MiB for 94,000 symbols),
 * then, if that fails, one that holds HVS_MAX_KSYMS symbols.
 */
static const struct {
        uint64_t before, after;
} kallsyms_windows[] = {
        { 6u << 20, 4u << 20 },
        { 48u << 20, 16u << 20 },
};
/* Bytes a symbol can take in kallsyms_names: two length bytes and one token per character. */
#define KALLSYMS_MAX_SYM_BYTES (2u + HVS_MAX_KSYM_NAME)
/* Bytes of one token; tokens are pieces of names. */
#define KALLSYMS_MAX_TOKEN HVS_MAX_KSYM_NAME
/* Highest number of markers (one per 256 symbols). */
#define KALLSYMS_MAX_MARKERS ((HVS_MAX_KSYMS + 255u) / 256u)
/* Share of out-of-order addresses tolerated when judging an address encoding (1/n). */
#define KALLSYMS_DISORDER_DIV 100u

static const char digit_run[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9";
#define DIGIT_RUN_LEN (sizeof digit_run)        /* 20: includes the final NUL */

/* A window of guest RAM, copied; offsets are relative to b[0] at gpa @base (8-aligned). */
struct kwin {
        const uint8_t *b;
        size_t len;
        uint64_t base;
        hvs_diag *diag;
        bool confirmed;         /* a token table was confirmed in this window */
        bool too_big;           /* a table over HVS_MAX_KSYMS was seen */

        /* Results, as offsets in b. */
        size_t tt, ti, markers, names, names_end, num_syms_at, offsets, relbase_at;
        unsigned marker_width;
        uint32_t n_markers, num_syms;
        uint64_t relbase;
        bool absolute_percpu;
        uint16_t tok_off[256];
        uint16_t tok_len[256];
};

static uint32_t rd32(const struct kwin *w, size_t off) { return hvs_le32(w->b + off); }
static uint64_t rd_w(const struct kwin *w, size_t off, unsigned width) {
        return width == 8 ? hvs_le64(w->b + off) : hvs_le32(w->b + off);
}
static size_t align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

/* ---- 1/2: the token table and its index ---- */

/*
 * The digit run starts at @h. For each index j that "0" could have, the
 * token table ends 256 - j tokens after @h; the u16 index follows, aligned.
 */
static bool find_token_table(struct kwin *w, size_t h) {
        size_t ends[257];       /* ends[c]: offset after c tokens read from h */
        size_t pos = h;
        unsigned c;
        ends[0] = h;
        for (c = 1; c <= 256; c++) {
                size_t lim = MIN(w->len - pos, (size_t)KALLSYMS_MAX_TOKEN + 1);
                const uint8_t *nul = memchr(w->b + pos, 0, lim);
                if (!nul)
                        break;
                pos = (size_t)(nul - w->b) + 1;
                ends[c] = pos;
                if (pos >= w->len)
                        break;
        }
        unsigned have = c <= 256 ? c - 1 : 256;  /* complete tokens read */

        static const size_t aligns[] = { 8, 4, 2 };
        for (unsigned j = 0; j + 10 <= 256; j++) {
                if (256 - j > have)
                        continue;
                size_t end = ends[256 - j];
                for (size_t a = 0; a < ARRAY_SIZE(aligns); a++) {
                        size_t ti = align_up(end, aligns[a]);
                        if (!hvs_range_ok(ti, 512, w->len) || hvs_le16(w->b + ti) != 0)
                                continue;
                        size_t off_j = hvs_le16(w->b + ti + 2 * j);
                        if (off_j > h)
                                continue;
                        size_t tt = h - off_j, p = tt;
                        bool ok = true;
                        for (unsigned i = 0; i < 256 && ok; i++) {
                                if (hvs_le16(w->b + ti + 2 * i) != p - tt || p >= end) {
                                        ok = false;
                                        break;
                                }
                                const uint8_t *nul = memchr(w->b + p, 0, end - p);
                                if (!nul || (size_t)(nul - (w->b + p)) > KALLSYMS_MAX_TOKEN) {
                                        ok = false;
                                        break;
                                }
                                w->tok_off[i] = (uint16_t)(p - tt);
                                w->tok_len[i] = (uint16_t)(nul - (w->b + p));
                                p = (size_t)(nul - w->b) + 1;
                        }
                        /* Bytes between the table and its index are padding. */
                        if (!ok || p != end)
                                continue;
                        for (size_t q = end; q < ti && ok; q++)
                                ok = w->b[q] == 0;
                        if (!ok)
                                continue;
                        w->tt = tt;
                        w->ti = ti;
                        return true;
                }
        }
        return false;
}

/* ---- 3/4: markers, names, num_syms ---- */

/* Length of the name at @pos (ULEB128, 1 or 2 bytes); 0 if invalid. */
static size_t name_len_at(const struct kwin *w, size_t pos, size_t limit, size_t *ret_hdr) {
        if (pos >= limit)
                return 0;
        size_t l = w->b[pos], hdr = 1;
        if (l & 0x80) {
                if (pos + 1 >= limit)
                        return 0;
                l = (l & 0x7f) | ((size_t)w->b[pos + 1] << 7);
                hdr = 2;
        }
        if (l == 0 || l > HVS_MAX_KSYM_NAME)
                return 0;
        *ret_hdr = hdr;
        return l;
}

/*
 * Walk @n names from @s, checking that symbol 256k starts at marker k, up to
 * @limit. Return the offset after the last name, or 0 on mismatch.
 */
static size_t walk_names(const struct kwin *w, size_t s, uint32_t n, size_t mk, unsigned width,
                         uint32_t n_markers, size_t limit) {
        size_t pos = s;
        for (uint32_t i = 0; i < n; i++) {
                if ((i & 0xff) == 0) {
                        uint32_t k = i >> 8;
                        if (k >= n_markers || rd_w(w, mk + (size_t)k * width, width) != pos - s)
                                return 0;
                }
                size_t hdr, l = name_len_at(w, pos, limit, &hdr);
                if (l == 0 || !hvs_range_ok(pos + hdr, l, limit))
                        return 0;
                pos += hdr + l;
        }
        return pos;
}

/* Look for num_syms (a value in [nlo, nhi]) before names that end right before the markers at @p. */
static bool find_names(struct kwin *w, size_t p, unsigned width, uint32_t m, uint32_t nlo, uint32_t nhi) {
        uint64_t last = rd_w(w, p + (size_t)(m - 1) * width, width);
        if (nlo == 0 || nlo > nhi)
                return false;
        uint32_t min_last_cnt = nlo > 256u * (m - 1) ? nlo - 256u * (m - 1) : 1;
        uint32_t max_last_cnt = nhi - 256u * (m - 1);
        /* S + last + 2 * cnt <= E <= p, S = Q + 8 (or Q + 4). */
        if (last + 2ull * min_last_cnt + 4 > p)
                return false;
        size_t qmax = p - (size_t)last - 2u * min_last_cnt - 4;
        uint64_t span = (uint64_t)KALLSYMS_MAX_SYM_BYTES * max_last_cnt + 16;
        size_t qmin = qmax > span ? qmax - (size_t)span : 0;
        for (size_t q = qmax & ~(size_t)3; q >= qmin && q + 8 <= w->len; q -= 4) {
                uint32_t n = rd32(w, q);
                if (n >= nlo && n <= nhi && (n + 255u) / 256u == m) {
                        size_t starts[2] = { q + 8, q + 4 };
                        for (int t = 0; t < 2; t++) {
                                size_t s = starts[t];
                                if (t == 0 && (q % 8 != 0 || rd32(w, q + 4) != 0))
                                        continue;
                                if (t == 1 && w->b[q + 4] == 0)
                                        continue;
                                size_t e = walk_names(w, s, n, p, width, m, p);
                                if (e == 0 || p - e >= 8)
                                        continue;
                                bool pad0 = true;
                                for (size_t z = e; z < p; z++)
                                        pad0 = pad0 && w->b[z] == 0;
                                if (!pad0)
                                        continue;
                                w->num_syms_at = q;
                                w->num_syms = n;
                                w->names = s;
                                w->names_end = e;
                                w->markers = p;
                                w->marker_width = width;
                                w->n_markers = m;
                                return true;
                        }
                }
                if (q < 4)
                        break;
        }
        return false;
}

/*
 * Walk back from @end over markers of @width bytes: strictly decreasing by
 * what 256 names can take, down to a 0 entry. Return the count (0 = none)
 * and the first entry's offset in *ret_p.
 */
static uint32_t markers_back(struct kwin *w, size_t end, unsigned width, size_t *ret_p) {
        if (end < width)
                return 0;
        size_t i = end - width;
        uint64_t v = rd_w(w, i, width);
        uint32_t m = 1;
        while (v != 0) {
                if (i < width)
                        return 0;
                i -= width;
                uint64_t prev = v;
                v = rd_w(w, i, width);
                if (v >= prev || prev - v < 512 || prev - v > 256ull * KALLSYMS_MAX_SYM_BYTES)
                        return 0;
                if (++m > KALLSYMS_MAX_MARKERS) {
                        w->too_big = true;
                        return 0;
                }
        }
        *ret_p = i;
        return m;
}

static bool find_markers(struct kwin *w) {
        size_t tt = w->tt;
        uint64_t max_back = 4ull * HVS_MAX_KSYMS + 32;
        for (int pass = 0; pass < 2; pass++) {
                /* pass 0: at least 257 symbols; pass 1: one marker (tiny tables), near the token table */
                uint64_t back = pass == 0 ? max_back : 4u * 256u + 32u;
                for (size_t x = tt & ~(size_t)3; x >= 8 && tt - x <= back; x -= 4) {
                        for (unsigned width = 4; width <= 8; width += 4) {
                                if (x % width)
                                        continue;
                                for (int skip = 0; skip < (width == 4 ? 2 : 1); skip++) {
                                        size_t mend = x - 4u * (unsigned)skip;
                                        if (skip && rd32(w, mend) != 0)
                                                continue;
                                        size_t p;
                                        uint32_t m = markers_back(w, mend, width, &p);
                                        if (m == 0 || (pass == 0) != (m > 1) || p % 8)
                                                continue;
                                        uint32_t nlo = 256u * (m - 1) + 1, nhi = 256u * m;
                                        if (tt - align_up(mend, 8) < 8) {
                                                if (find_names(w, p, width, m, nlo, nhi))
                                                        return true;
                                                continue;
                                        }
                                        /* seqs_of_names between: 3 or 4 bytes per symbol. */
                                        size_t seqs = align_up(mend, 8), slen = tt - seqs;
                                        for (unsigned sz = 3; sz <= 4; sz++) {
                                                uint64_t lo = slen >= 7 ? (slen - 7 + sz - 1) / sz : 0;
                                                uint64_t hi = slen / sz;
                                                lo = MAX(lo, (uint64_t)nlo);
                                                hi = MIN(hi, (uint64_t)nhi);
                                                if (lo <= hi && find_names(w, p, width, m, (uint32_t)lo, (uint32_t)hi))
                                                        return true;
                                        }
                                }
                        }
                        if (x < 4)
                                break;
                }
        }
        return false;
}

/* ---- 5: addresses ---- */

static uint64_t decode_addr(int32_t off, uint64_t relbase, bool abs_percpu, bool *ret_abs) {
        if (abs_percpu) {
                *ret_abs = off >= 0;
                return off >= 0 ? (uint64_t)off : relbase - 1 - (uint64_t)(int64_t)off;
        }
        *ret_abs = false;
        return relbase + (uint32_t)off;
}

/* Count addresses out of order, giving up above @max_bad; *ret_rel: relative ones. */
static uint32_t disorder(const struct kwin *w, size_t o, uint64_t relbase, bool abs_percpu, uint32_t max_bad,
                         uint32_t *ret_rel) {
        uint64_t prev = 0;
        uint32_t bad = 0, rel = 0;
        for (uint32_t i = 0; i < w->num_syms; i++) {
                bool a;
                uint64_t addr = decode_addr((int32_t)rd32(w, o + 4ull * i), relbase, abs_percpu, &a);
                rel += !a;
                if (addr < prev && ++bad > max_bad)
                        break;
                prev = addr;
        }
        *ret_rel = rel;
        return bad;
}

static bool find_addresses(struct kwin *w) {
        size_t cand_o[2], cand_rb[2];
        unsigned nc = 0;
        uint64_t bytes = 4ull * w->num_syms;
        /* Before num_syms: offsets, relative_base (u64, 8-aligned), num_syms. */
        if (w->num_syms_at % 8 == 0 && w->num_syms_at >= 8 + bytes) {
                size_t rb = w->num_syms_at - 8;
                size_t o = rb - (size_t)bytes - ((w->num_syms & 1) ? 4 : 0);
                if (rb >= bytes + ((w->num_syms & 1) ? 4 : 0)) {
                        cand_o[nc] = o;
                        cand_rb[nc++] = rb;
                }
        }
        /* After the token index. */
        {
                size_t o = align_up(w->ti + 512, 8);
                size_t rb = align_up(o + (size_t)bytes, 8);
                if (hvs_range_ok(rb, 8, w->len)) {
                        cand_o[nc] = o;
                        cand_rb[nc++] = rb;
                }
        }
        uint32_t max_bad = w->num_syms / KALLSYMS_DISORDER_DIV, best_bad = UINT32_MAX;
        for (unsigned c = 0; c < nc; c++) {
                uint64_t relbase = hvs_le64(w->b + cand_rb[c]);
                if (relbase == 0)
                        continue;
                for (int enc = 0; enc < 2; enc++) {
                        bool abs_percpu = enc == 0;
                        uint32_t rel;
                        uint32_t bad = disorder(w, cand_o[c], relbase, abs_percpu, max_bad, &rel);
                        /* With ABSOLUTE_PERCPU only the per-CPU symbols are absolute. */
                        if (bad > max_bad || (abs_percpu && rel < w->num_syms / 2 + 1) || bad >= best_bad)
                                continue;
                        best_bad = bad;
                        w->offsets = cand_o[c];
                        w->relbase_at = cand_rb[c];
                        w->relbase = relbase;
                        w->absolute_percpu = abs_percpu;
                }
        }
        return best_bad != UINT32_MAX;
}

/* ---- decoding ---- */

/* Expand the name at @pos; return the offset after it, 0 if implausible. */
static size_t expand_name(const struct kwin *w, size_t pos, char *out, size_t *ret_len) {
        size_t hdr, l = name_len_at(w, pos, w->names_end, &hdr), n = 0;
        if (l == 0)
                return 0;
        const uint8_t *t = w->b + pos + hdr;
        for (size_t i = 0; i < l; i++) {
                size_t tl = w->tok_len[t[i]];
                if (tl > HVS_MAX_KSYM_NAME - n)
                        return 0;
                memcpy(out + n, w->b + w->tt + w->tok_off[t[i]], tl);
                n += tl;
        }
        out[n] = '\0';
        *ret_len = n;
        return pos + hdr + l;
}

static int build_table(struct kwin *w, hvs_ksyms **ret) {
        _cleanup_(hvs_ksyms_freep) hvs_ksyms *k = NULL;
        int r = hvs_ksyms_new(&k);
        if (r < 0)
                return r;
        /* Decoded names are about twice the compressed stream. */
        r = ksyms_reserve(k, w->num_syms, (w->names_end - w->names) * 3 + w->num_syms);
        if (r < 0)
                return r;
        char name[HVS_MAX_KSYM_NAME + 1];
        size_t pos = w->names;
        for (uint32_t i = 0; i < w->num_syms; i++) {
                size_t n;
                pos = expand_name(w, pos, name, &n);
                if (pos == 0 || n < 2)
                        return HVS_BADMSG(w->diag, "kallsyms: symbol %u has an implausible name", i);
                bool a;
                uint64_t addr = decode_addr((int32_t)rd32(w, w->offsets + 4ull * i), w->relbase,
                                            w->absolute_percpu, &a);
                r = hvs_ksyms_add(k, name + 1, name[0], addr, a);
                if (r < 0)
                        return r == -EINVAL ? HVS_BADMSG(w->diag, "kallsyms: symbol %u: bad name", i) : r;
        }
        *ret = TAKE_PTR(k);
        return 0;
}

/*
 * Decode the tables around the digit run at offset @h of the window.
 * Return: 0; -ENOENT (no token table here); -EBADMSG; -E2BIG; -ENOMEM.
 */
static int decode_window(struct kwin *w, size_t h, hvs_ksyms **ret) {
        if (!find_token_table(w, h))
                return -ENOENT;
        w->confirmed = true;
        if (!find_markers(w)) {
                if (w->too_big)
                        return HVS_DIAG(w->diag, -E2BIG, "kallsyms at 0x%" PRIx64 ": more than %u symbols",
                                        w->base + w->tt, HVS_MAX_KSYMS);
                return HVS_BADMSG(w->diag,
                                  "kallsyms token table at 0x%" PRIx64 ": no markers and names fit it",
                                  w->base + w->tt);
        }
        if (!find_addresses(w))
                return HVS_BADMSG(w->diag,
                                  "kallsyms at 0x%" PRIx64 ": %u names but no address table in kallsyms order",
                                  w->base + w->tt, w->num_syms);
        return build_table(w, ret);
}

/* ---- scanning guest RAM ---- */

struct scan {
        hvs_mem *m;
        hvs_diag *diag;
        const hvs_mem_range *ranges;
        size_t n_ranges;
        uint8_t *chunk;
        int err;                /* the most telling failure so far (0 = none) */
        hvs_ksyms *result;
        hvs_ksyms_layout layout;
};

static void note_err(struct scan *sc, int r, const hvs_diag *d) {
        /* -ENOENT < -EBADMSG < -E2BIG in how much they tell. */
        int rank_new = r == -E2BIG ? 3 : r == -EBADMSG ? 2 : r == -ENOENT ? 1 : 4;
        int rank_old = sc->err == 0 ? 0 : sc->err == -E2BIG ? 3 : sc->err == -EBADMSG ? 2 : sc->err == -ENOENT ? 1 : 4;
        if (rank_new >= rank_old) {
                sc->err = r;
                if (d && d->err)
                        hvs_diag_copy(sc->diag, d);
        }
}

static const hvs_mem_range *range_of(const struct scan *sc, uint64_t gpa) {
        for (size_t i = 0; i < sc->n_ranges; i++)
                if (gpa >= sc->ranges[i].gpa && gpa - sc->ranges[i].gpa < sc->ranges[i].size)
                        return &sc->ranges[i];
        return NULL;
}

/* Try the digit run at guest-physical @hit. Return 0 when the tables decoded. */
static int try_hit(struct scan *sc, uint64_t hit) {
        const hvs_mem_range *rg = range_of(sc, hit);
        if (!rg)
                return -ENOENT;
        uint64_t rg_end = rg->gpa + rg->size;
        uint64_t prev_lo = UINT64_MAX, prev_hi = 0;
        for (size_t wi = 0; wi < ARRAY_SIZE(kallsyms_windows); wi++) {
                uint64_t lo = hit - rg->gpa > kallsyms_windows[wi].before ? hit - kallsyms_windows[wi].before
                                                                           : rg->gpa;
                lo = MAX(lo & ~7ull, rg->gpa);
                if (lo % 8)     /* keep gpa alignment == offset alignment */
                        lo += 8 - lo % 8;
                uint64_t hi = rg_end - hit > kallsyms_windows[wi].after ? hit + kallsyms_windows[wi].after : rg_end;
                if (lo > hit || hi <= hit || (lo == prev_lo && hi == prev_hi))
                        break;  /* the larger window would not see more */
                prev_lo = lo;
                prev_hi = hi;
                _cleanup_free_ uint8_t *buf = hvs_malloc((size_t)(hi - lo));
                if (!buf)
                        return -ENOMEM;
                int r = hvs_mem_read(sc->m, HVS_GPA(lo), buf, (size_t)(hi - lo));
                if (r < 0)
                        return r;
                hvs_diag d = { 0 };
                struct kwin w = { .b = buf, .len = (size_t)(hi - lo), .base = lo, .diag = &d };
                hvs_ksyms *k = NULL;
                r = decode_window(&w, (size_t)(hit - lo), &k);
                if (r == 0) {
                        sc->result = k;
                        sc->layout = (hvs_ksyms_layout){
                                .token_table = lo + w.tt,
                                .token_index = lo + w.ti,
                                .markers = lo + w.markers,
                                .names = lo + w.names,
                                .num_syms_at = lo + w.num_syms_at,
                                .offsets = lo + w.offsets,
                                .relative_base_at = lo + w.relbase_at,
                                .relative_base = w.relbase,
                                .num_syms = w.num_syms,
                                .absolute_percpu = w.absolute_percpu,
                        };
                        return 0;
                }
                if (r == -ENOMEM)
                        return r;
                note_err(sc, r, &d);
                if (!w.confirmed)
                        break;  /* not a token table: a larger window will not change that */
        }
        return -ENOENT;
}

/* Scan [lo, hi) of one RAM range. Return 0 when found, -ENOENT when not, <0 on fatal errors. */
static int scan_interval(struct scan *sc, uint64_t lo, uint64_t hi) {
        uint64_t next_hit = lo;        /* hits below this were tried already */
        for (uint64_t pos = lo; pos < hi;) {
                size_t n = (size_t)MIN((uint64_t)KALLSYMS_SCAN_CHUNK, hi - pos);
                int r = hvs_mem_read(sc->m, HVS_GPA(pos), sc->chunk, n);
                if (r < 0) {
                        if (r != -EFAULT)
                                return r;
                } else {
                        const uint8_t *p = sc->chunk, *end = sc->chunk + n;
                        while ((size_t)(end - p) >= DIGIT_RUN_LEN) {
                                const uint8_t *f = memmem(p, (size_t)(end - p), digit_run, DIGIT_RUN_LEN);
                                if (!f)
                                        break;
                                uint64_t hit = pos + (uint64_t)(f - sc->chunk);
                                if (hit >= next_hit) {
                                        next_hit = hit + 1;
                                        r = try_hit(sc, hit);
                                        if (r == 0 || (r < 0 && r != -ENOENT && r != -EBADMSG && r != -E2BIG &&
                                                       r != -EFAULT))
                                                return r;
                                }
                                p = f + 1;
                        }
                }
                if (pos + n >= hi)
                        break;
                pos += n - (DIGIT_RUN_LEN - 1);
        }
        return -ENOENT;
}

int hvs_ksyms_recover(hvs_mem *m, uint64_t hint_lo, uint64_t hint_hi, hvs_diag *diag, hvs_ksyms **ret,
                      hvs_ksyms_layout *ret_layout) {
        if (!m || !ret)
                return -EINVAL;
        struct scan sc = { .m = m, .diag = diag };
        sc.ranges = hvs_mem_ranges(m, &sc.n_ranges);
        _cleanup_free_ uint8_t *chunk = hvs_malloc(KALLSYMS_SCAN_CHUNK);
        if (!chunk)
                return -ENOMEM;
        sc.chunk = chunk;
        bool hint = hint_hi > hint_lo;
        int r = -ENOENT;

        /* The hint window first, then everything else. */
        for (int pass = hint ? 0 : 1; pass < 2 && r == -ENOENT; pass++) {
                for (size_t i = 0; i < sc.n_ranges && r == -ENOENT; i++) {
                        uint64_t lo = sc.ranges[i].gpa, hi = lo + sc.ranges[i].size;
                        if (pass == 0) {
                                lo = MAX(lo, hint_lo);
                                hi = MIN(hi, hint_hi);
                                if (lo < hi)
                                        r = scan_interval(&sc, lo, hi);
                                continue;
                        }
                        if (hint && hint_lo < hi && hint_hi > lo) {
                                /* The parts outside the hint window (the run may straddle its edges). */
                                if (hint_lo > lo)
                                        r = scan_interval(&sc, lo, MIN(hi, hint_lo + DIGIT_RUN_LEN - 1));
                                if (r == -ENOENT && hint_hi < hi)
                                        r = scan_interval(&sc, hint_hi > DIGIT_RUN_LEN ? MAX(lo, hint_hi - DIGIT_RUN_LEN + 1) : lo, hi);
                        } else {
                                r = scan_interval(&sc, lo, hi);
                        }
                }
        }
        if (r < 0) {
                if (r == -ENOENT && sc.err)
                        return sc.err;  /* detail already in diag */
                if (r == -ENOENT)
                        return HVS_DIAG(diag, -ENOENT, "no kallsyms tables found in %zu RAM range(s)", sc.n_ranges);
                return r;
        }
        *ret = sc.result;
        if (ret_layout)
                *ret_layout = sc.layout;
        return 0;
}
