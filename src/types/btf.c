/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * btf.c - type layouts from the kernel's own BTF, parsed by libbpf.
 *
 * libbpf validates the blob (header, string section, every type's size and
 * type ids) when it builds a struct btf; we add what it does not bound: the
 * blob size, chains of modifiers (typedef/const/volatile/...) and the
 * nesting of anonymous members, both of which a hostile blob can make cyclic.
 *
 * Lookups by name go through an index built once at parse time (struct,
 * union and typedef names), because libbpf's btf__find_by_name_kind() is a
 * linear scan over ~100,000 kernel types.
 *
 * libbpf prints its warnings through a process-wide callback; the library
 * must not print, so the first parse routes them to hvs_log() at debug
 * level (a program that installed its own libbpf printer after that keeps it).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <hvscope/limits.h>
#include <hvscope/types.h>

#include "types-internal.h"
#include "util/util.h"

#define BTF_MAGIC_LE 0xeb9f
/* Modifier hops followed from one type (typedef of const of volatile ...). */
#define BTF_MAX_MOD_CHAIN 32u
/*
 * Members examined for one path component: anonymous members can share
 * types, so a hostile blob could make the search exponential in the depth.
 */
#define BTF_MAX_MEMBER_VISITS (1u << 20)

struct hvs_btf {
        struct btf *btf;
        uint32_t *index;        /* slot = type id; 0 = empty */
        size_t index_cap;       /* power of two */
};

__attribute__((format(printf, 2, 0)))
static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap) {
        if (!hvs_log_enabled(HVS_LOG_DEBUG))
                return 0;
        char msg[512];
        vsnprintf(msg, sizeof msg, fmt, ap);
        msg[strcspn(msg, "\n")] = '\0';
        hvs_log(HVS_LOG_DEBUG, "libbpf: %s", msg);
        return 0;
}

static pthread_once_t libbpf_quiet_once = PTHREAD_ONCE_INIT;
static void libbpf_quiet(void) { libbpf_set_print(libbpf_to_log); }

hvs_btf *hvs_btf_free(hvs_btf *b) {
        if (!b)
                return NULL;
        btf__free(b->btf);
        free(b->index);
        free(b);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_btf *, hvs_btf_free)

static bool indexed_kind(const struct btf_type *t) {
        return btf_is_struct(t) || btf_is_union(t) || btf_is_typedef(t);
}

static int build_index(hvs_btf *b) {
        uint32_t n = btf__type_cnt(b->btf);
        size_t named = 0;
        for (uint32_t id = 1; id < n; id++) {
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                named += t && indexed_kind(t) && t->name_off != 0;
        }
        size_t cap = 16;
        while (cap < named * 2)
                cap <<= 1;
        b->index = hvs_calloc(cap, sizeof *b->index);
        if (!b->index)
                return -ENOMEM;
        b->index_cap = cap;
        size_t mask = cap - 1;
        for (uint32_t id = 1; id < n; id++) {
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                if (!t || !indexed_kind(t) || t->name_off == 0)
                        continue;
                const char *name = btf__name_by_offset(b->btf, t->name_off);
                if (!name || !*name)
                        continue;
                for (size_t h = (size_t)types_hash_str(name) & mask;; h = (h + 1) & mask) {
                        uint32_t o = b->index[h];
                        if (o == 0) {
                                b->index[h] = id;
                                break;
                        }
                        const struct btf_type *ot = btf__type_by_id(b->btf, o);
                        if (strcmp(btf__name_by_offset(b->btf, ot->name_off), name) == 0) {
                                /* A struct or union wins over a typedef of the same name. */
                                if (btf_is_typedef(ot) && !btf_is_typedef(t))
                                        b->index[h] = id;
                                break;
                        }
                }
        }
        return 0;
}

int hvs_btf_parse(const void *data, size_t len, hvs_diag *diag, hvs_btf **ret) {
        if (!data || !ret)
                return -EINVAL;
        if (len > HVS_MAX_BTF_BYTES)
                return HVS_BADMSG(diag, "btf: %zu bytes exceeds limit %u", len, HVS_MAX_BTF_BYTES);
        if (len < 24 || hvs_le16(data) != BTF_MAGIC_LE)
                return HVS_BADMSG(diag, "btf: no BTF header (magic 0x%04x, %zu bytes)",
                                  len >= 2 ? hvs_le16(data) : 0, len);
        pthread_once(&libbpf_quiet_once, libbpf_quiet);

        _cleanup_(hvs_btf_freep) hvs_btf *b = hvs_calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        /* btf__new() parses its own copy of the bytes. */
        b->btf = btf__new(data, (uint32_t)len);
        if (!b->btf) {
                int e = errno;
                if (e == ENOMEM)
                        return -ENOMEM;
                return HVS_BADMSG(diag, "btf: libbpf rejects the blob (%s)", strerror(e ? e : EINVAL));
        }
        int r = build_index(b);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

static int load_elf(int fd, const char *path, hvs_diag *diag, hvs_btf **ret) {
        if (elf_version(EV_CURRENT) == EV_NONE)
                return HVS_DIAG(diag, -EOPNOTSUPP, "btf: libelf unusable");
        Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!e)
                return HVS_BADMSG(diag, "btf: %s: not a readable ELF file (%s)", path, elf_errmsg(-1));
        size_t shstrndx;
        int r = -ENOENT;
        if (elf_getshdrstrndx(e, &shstrndx) != 0) {
                r = HVS_BADMSG(diag, "btf: %s: no section names (%s)", path, elf_errmsg(-1));
                goto out;
        }
        for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
                GElf_Shdr sh;
                if (!gelf_getshdr(scn, &sh))
                        continue;
                const char *name = elf_strptr(e, shstrndx, sh.sh_name);
                if (!name || strcmp(name, ".BTF") != 0)
                        continue;
                if (sh.sh_type == SHT_NOBITS || sh.sh_size > HVS_MAX_BTF_BYTES) {
                        r = HVS_BADMSG(diag, "btf: %s: .BTF section of %" PRIu64 " bytes", path,
                                       (uint64_t)sh.sh_size);
                        goto out;
                }
                Elf_Data *d = elf_rawdata(scn, NULL);
                if (!d || !d->d_buf || d->d_size != sh.sh_size) {
                        r = HVS_BADMSG(diag, "btf: %s: .BTF section unreadable (%s)", path, elf_errmsg(-1));
                        goto out;
                }
                r = hvs_btf_parse(d->d_buf, d->d_size, diag, ret);
                goto out;
        }
        r = HVS_DIAG(diag, -ENOENT, "btf: %s has no .BTF section", path);
out:
        elf_end(e);
        return r;
}

int hvs_btf_load_file(const char *path, hvs_diag *diag, hvs_btf **ret) {
        if (!path || !ret)
                return -EINVAL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return HVS_DIAG(diag, -errno, "btf: cannot open %s: %s", path, strerror(errno));
        uint8_t head[4];
        ssize_t k = pread(fd, head, sizeof head, 0);
        if (k < 0)
                return HVS_DIAG(diag, -errno, "btf: cannot read %s: %s", path, strerror(errno));
        if (k == (ssize_t)sizeof head && memcmp(head, ELFMAG, SELFMAG) == 0)
                return load_elf(fd, path, diag, ret);

        _cleanup_free_ uint8_t *raw = NULL;
        size_t len;
        int r = hvs_read_file(path, HVS_MAX_BTF_BYTES, &raw, &len);
        if (r == -E2BIG)
                return HVS_BADMSG(diag, "btf: %s exceeds %u bytes", path, HVS_MAX_BTF_BYTES);
        if (r < 0)
                return HVS_DIAG(diag, r, "btf: cannot read %s: %s", path, strerror(-r));
        return hvs_btf_parse(raw, len, diag, ret);
}

static uint32_t find_named(const hvs_btf *b, const char *name) {
        size_t mask = b->index_cap - 1;
        for (size_t h = (size_t)types_hash_str(name) & mask;; h = (h + 1) & mask) {
                uint32_t id = b->index[h];
                if (id == 0)
                        return 0;
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                if (strcmp(btf__name_by_offset(b->btf, t->name_off), name) == 0)
                        return id;
        }
}

/* Follow typedef/const/volatile/restrict/type_tag from @id. */
static int skip_mods(const hvs_btf *b, uint32_t id, uint32_t *ret_id, const struct btf_type **ret_t) {
        for (unsigned hop = 0; hop <= BTF_MAX_MOD_CHAIN; hop++) {
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                if (!t)
                        return -EBADMSG;
                if (!btf_is_mod(t) && !btf_is_typedef(t)) {
                        *ret_id = id;
                        *ret_t = t;
                        return 0;
                }
                id = t->type;
        }
        return -EBADMSG;
}

static bool is_bitfield(const hvs_btf *b, const struct btf_type *t, uint32_t i) {
        if (btf_member_bitfield_size(t, i) != 0 || btf_member_bit_offset(t, i) % 8 != 0)
                return true;
        /* Without kind_flag, a bitfield is an int type narrower than its bytes. */
        uint32_t id;
        const struct btf_type *mt;
        if (skip_mods(b, btf_members(t)[i].type, &id, &mt) < 0)
                return false;
        return btf_is_int(mt) && (btf_int_offset(mt) != 0 || btf_int_bits(mt) != mt->size * 8);
}

/*
 * Find member @name (@nlen bytes) in composite @t, looking into anonymous
 * struct/union members. *ret_bits: bit offset from the start of @t.
 */
static int find_member(const hvs_btf *b, const struct btf_type *t, const char *name, size_t nlen,
                       unsigned depth, uint32_t *budget, uint64_t *ret_bits, uint32_t *ret_type,
                       bool *ret_bitfield) {
        const struct btf_member *mb = btf_members(t);
        uint32_t vlen = btf_vlen(t);
        for (uint32_t i = 0; i < vlen; i++) {
                if (*budget == 0)
                        return -EBADMSG;
                (*budget)--;
                const char *mname = btf__name_by_offset(b->btf, mb[i].name_off);
                if (mname && *mname) {
                        if (strncmp(mname, name, nlen) != 0 || mname[nlen] != '\0')
                                continue;
                        *ret_bits = btf_member_bit_offset(t, i);
                        *ret_type = mb[i].type;
                        *ret_bitfield = is_bitfield(b, t, i);
                        return 0;
                }
                /* Anonymous member: its members are found as if direct. */
                uint32_t id;
                const struct btf_type *mt;
                int r = skip_mods(b, mb[i].type, &id, &mt);
                if (r < 0)
                        return r;
                if (!btf_is_composite(mt))
                        continue;
                if (depth + 1 > HVS_MAX_TYPE_DEPTH)
                        return -EBADMSG;
                uint64_t bits;
                r = find_member(b, mt, name, nlen, depth + 1, budget, &bits, ret_type, ret_bitfield);
                if (r == 0) {
                        *ret_bits = bits + btf_member_bit_offset(t, i);
                        return 0;
                }
                if (r != -ENOENT)
                        return r;
        }
        return -ENOENT;
}

/*
 * "var:NAME" names the type of the global variable NAME, for variables of
 * anonymous struct types (tk_core). Variables are not in the name index: a
 * linear search, paid once per kernel because profiles memoize the result.
 */
static uint32_t find_type(const hvs_btf *b, const char *type) {
        if (strncmp(type, "var:", 4) != 0)
                return find_named(b, type);
        int id = btf__find_by_name_kind(b->btf, type + 4, BTF_KIND_VAR);
        const struct btf_type *v = id > 0 ? btf__type_by_id(b->btf, (uint32_t)id) : NULL;
        return v ? v->type : 0;
}

static int lookup_composite(const hvs_btf *b, const char *type, uint32_t *ret_id, const struct btf_type **ret_t) {
        uint32_t id = find_type(b, type);
        if (id == 0)
                return -ENOENT;
        int r = skip_mods(b, id, ret_id, ret_t);
        if (r < 0)
                return r;
        return btf_is_composite(*ret_t) ? 0 : -ENOENT;
}

int hvs_btf_field(const hvs_btf *b, const char *type, const char *path, uint32_t *ret_off, uint32_t *ret_size) {
        if (!b || !type || !path || !ret_off)
                return -EINVAL;
        uint32_t id;
        const struct btf_type *t;
        int r = lookup_composite(b, type, &id, &t);
        if (r < 0)
                return r;
        uint64_t bits = 0;
        uint32_t mtype = 0;
        bool bitfield = false;
        const char *p = path;
        for (unsigned depth = 0;; depth++) {
                size_t nlen = strcspn(p, ".");
                if (nlen == 0)
                        return -ENOENT;
                if (depth >= HVS_MAX_TYPE_DEPTH)
                        return -EBADMSG;
                uint64_t mbits;
                uint32_t budget = BTF_MAX_MEMBER_VISITS;
                r = find_member(b, t, p, nlen, 0, &budget, &mbits, &mtype, &bitfield);
                if (r < 0)
                        return r;
                if (hvs_add_overflow(bits, mbits, &bits))
                        return -EBADMSG;
                if (p[nlen] == '\0')
                        break;
                /* Going deeper: the member must be an embedded struct or union. */
                if (bitfield)
                        return -ENOENT;
                r = skip_mods(b, mtype, &id, &t);
                if (r < 0)
                        return r;
                if (!btf_is_composite(t))
                        return -ENOENT;
                p += nlen + 1;
        }
        if (bitfield)
                return -EOPNOTSUPP;
        __s64 size = btf__resolve_size(b->btf, mtype);
        if (size < 0 || size > UINT32_MAX || bits / 8 > UINT32_MAX)
                return -EBADMSG;
        *ret_off = (uint32_t)(bits / 8);
        if (ret_size)
                *ret_size = (uint32_t)size;
        return 0;
}

int hvs_btf_type_size(const hvs_btf *b, const char *type, uint32_t *ret_size) {
        if (!b || !type || !ret_size)
                return -EINVAL;
        uint32_t id = find_named(b, type);
        if (id == 0)
                return -ENOENT;
        __s64 size = btf__resolve_size(b->btf, id);
        if (size < 0 || size > UINT32_MAX)
                return -EBADMSG;
        *ret_size = (uint32_t)size;
        return 0;
}

const void *hvs_btf_raw(const hvs_btf *b, size_t *ret_len) {
        uint32_t size = 0;
        const void *p = b ? btf__raw_data(b->btf, &size) : NULL;
        if (ret_len)
                *ret_len = p ? size : 0;
        return p;
}

const struct btf *btf_libbpf(const hvs_btf *b) { return b->btf; }

uint32_t hvs_btf_ntypes(const hvs_btf *b) {
        uint32_t n = b ? btf__type_cnt(b->btf) : 0;
        return n ? n - 1 : 0;
}
