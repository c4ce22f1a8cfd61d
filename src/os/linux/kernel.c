/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel.c - find a Linux kernel in guest-physical memory, with no profile.
 *
 * Cold path: scan RAM for "Linux version " banners, recover kallsyms, place
 * the kernel image physically (banner address minus linux_banner's offset
 * from _text gives a 2 MiB-aligned load address), load BTF from between
 * __start_BTF and __stop_BTF, and save the resulting profile in the cache.
 *
 * Warm path: for each cached profile, probe the 2 MiB-aligned physical
 * addresses for its banner at linux_banner's offset; a hit places the image
 * with a few hundred small reads instead of a scan of all RAM.
 *
 * Either way, the KASLR virtual slide is checked through the kernel's own
 * page tables (init_top_pgt, found inside the image), so a profile is only
 * used if the guest's page tables map _text to where the banner was found.
 */
#include <dirent.h>
#include <inttypes.h>
#include <libgen.h>
#include <sys/stat.h>
#include "linux-internal.h"

#define KERNEL_TEXT_DEFAULT 0xffffffff81000000ull  /* __START_KERNEL without KASLR */
#define KERNEL_MAP_BASE     0xffffffff80000000ull  /* __START_KERNEL_map */
#define KERNEL_MAP_SIZE     (1ull << 30)           /* KERNEL_IMAGE_SIZE with KASLR */
#define PHYS_DEFAULT        0x1000000ull           /* CONFIG_PHYSICAL_START */
#define KERNEL_ALIGN        (2ull << 20)           /* CONFIG_PHYSICAL_ALIGN */
#define BANNER_PREFIX       "Linux version "
#define MAX_BANNER_HITS     64u
#define MAX_CACHED_PROFILES 32u
#define SCAN_CHUNK          (4u << 20)

/* ---- offsets ------------------------------------------------------------- */

#define O(f) offsetof(struct lx_offsets, f)
static const struct lx_field_row field_rows[] = {
        { "task_struct", { "tasks" }, O(task_tasks), SIZE_MAX, false },
        { "task_struct", { "pid" }, O(task_pid), SIZE_MAX, false },
        { "task_struct", { "tgid" }, O(task_tgid), SIZE_MAX, false },
        { "task_struct", { "comm" }, O(task_comm), O(task_comm_size), false },
        { "task_struct", { "__state", "state" }, O(task_state), O(task_state_size), false },
        { "task_struct", { "exit_state" }, O(task_exit_state), SIZE_MAX, false },
        { "task_struct", { "flags" }, O(task_flags), SIZE_MAX, false },
        { "task_struct", { "mm" }, O(task_mm), SIZE_MAX, false },
        { "task_struct", { "real_parent" }, O(task_real_parent), SIZE_MAX, false },
        { "task_struct", { "cred" }, O(task_cred), SIZE_MAX, false },
        { "task_struct", { "signal" }, O(task_signal), SIZE_MAX, false },
        { "task_struct", { "start_boottime", "real_start_time" }, O(task_start_boottime), SIZE_MAX, true },
        { "signal_struct", { "nr_threads" }, O(signal_nr_threads), SIZE_MAX, true },
        { "cred", { "uid.val", "uid" }, O(cred_uid), SIZE_MAX, false },
        { "cred", { "gid.val", "gid" }, O(cred_gid), SIZE_MAX, false },
        { "cred", { "euid.val", "euid" }, O(cred_euid), SIZE_MAX, false },
        { "cred", { "egid.val", "egid" }, O(cred_egid), SIZE_MAX, false },
        { "mm_struct", { "pgd" }, O(mm_pgd), SIZE_MAX, false },
        { "mm_struct", { "arg_start" }, O(mm_arg_start), SIZE_MAX, false },
        { "mm_struct", { "arg_end" }, O(mm_arg_end), SIZE_MAX, false },
};
#undef O

int lx_resolve_fields(hvs_linux *k, const struct lx_field_row *rows, size_t n, void *dst, hvs_diag *diag) {
        uint8_t *base = dst;
        for (size_t i = 0; i < n; i++) {
                const struct lx_field_row *row = &rows[i];
                uint32_t o = LX_ABSENT, sz = 0;
                int r = -ENOENT;
                for (size_t p = 0; p < ARRAY_SIZE(row->paths) && row->paths[p]; p++) {
                        r = hvs_profile_field(k->profile, row->type, row->paths[p], &o, &sz);
                        if (r != -ENOENT)
                                break;
                }
                if (r < 0 && !(r == -ENOENT && row->optional))
                        return HVS_DIAG(diag, r, "kernel type '%s.%s': %s", row->type, row->paths[0],
                                        hvs_strerror(r));
                if (r < 0)
                        o = LX_ABSENT, sz = 0;
                memcpy(base + row->off_field, &o, sizeof o);
                if (row->size_field != SIZE_MAX)
                        memcpy(base + row->size_field, &sz, sizeof sz);
        }
        return 0;
}

int lx_resolve_offsets(hvs_linux *k, hvs_diag *diag) {
        struct lx_offsets off;
        int r = lx_resolve_fields(k, field_rows, ARRAY_SIZE(field_rows), &off, diag);
        if (r < 0)
                return r;
        r = hvs_profile_type_size(k->profile, "task_struct", &off.task_size);
        if (r < 0)
                return HVS_DIAG(diag, r, "kernel type 'task_struct': %s", hvs_strerror(r));
        if (off.task_state_size != 4 && off.task_state_size != 8)
                return HVS_BADMSG(diag, "task_struct state has size %u", off.task_state_size);
        if (off.task_comm_size == 0 || off.task_comm_size > 64)
                return HVS_BADMSG(diag, "task_struct comm has size %u", off.task_comm_size);
        k->off = off;
        return 0;
}

/* ---- banners -------------------------------------------------------------- */

struct banner_hit {
        uint64_t pa;
        char text[512];
};

/* Read the banner string at @pa: printable bytes up to a newline or NUL. */
static int read_banner(hvs_mem *m, uint64_t pa, char *out, size_t cap) {
        uint8_t raw[512];
        size_t n = MIN(sizeof raw, cap - 1);
        /* The banner may sit at the very end of a range: shrink until readable. */
        while (n >= sizeof BANNER_PREFIX && hvs_mem_read(m, HVS_GPA(pa), raw, n) < 0)
                n /= 2;
        if (n < sizeof BANNER_PREFIX)
                return -EFAULT;
        size_t len = 0;
        while (len < n && raw[len] != '\n' && raw[len] != '\0') {
                if (raw[len] < 0x20 || raw[len] > 0x7e)
                        return -EBADMSG;
                len++;
        }
        if (len == n)
                return -EBADMSG;        /* no terminator: a fragment, not the banner */
        memcpy(out, raw, len);
        out[len] = '\0';
        return (int)len;
}

/* Find banner strings in RAM, at most @max. */
static int find_banners(hvs_mem *m, struct banner_hit *hits, size_t max, size_t *ret_n) {
        size_t nr, n = 0;
        const hvs_mem_range *rg = hvs_mem_ranges(m, &nr);
        _cleanup_free_ uint8_t *buf = hvs_malloc(SCAN_CHUNK);
        if (!buf)
                return -ENOMEM;
        const size_t overlap = sizeof BANNER_PREFIX - 1;

        for (size_t i = 0; i < nr && n < max; i++) {
                for (uint64_t off = 0; off < rg[i].size && n < max;) {
                        size_t len = (size_t)MIN((uint64_t)SCAN_CHUNK, rg[i].size - off);
                        if (hvs_mem_read(m, HVS_GPA(rg[i].gpa + off), buf, len) < 0)
                                break;
                        for (uint8_t *p = buf; n < max;) {
                                p = memmem(p, len - (size_t)(p - buf), BANNER_PREFIX, overlap);
                                if (!p)
                                        break;
                                uint64_t pa = rg[i].gpa + off + (uint64_t)(p - buf);
                                if (read_banner(m, pa, hits[n].text, sizeof hits[n].text) > 0 &&
                                    strstr(hits[n].text, " (") && strchr(hits[n].text, '#')) {
                                        hits[n].pa = pa;
                                        n++;
                                }
                                p += overlap;
                        }
                        if (len <= overlap)
                                break;
                        off += len - overlap;
                }
        }
        *ret_n = n;
        return 0;
}

/*
 * The banner at linux_banner's offset @boff from a 2 MiB-aligned _text,
 * probed at every aligned base: for when more copies of the banner than
 * find_banners() keeps (old logs in the page cache) lie below the kernel.
 */
static int probe_banner(hvs_mem *m, uint64_t boff, struct banner_hit *ret) {
        size_t nr;
        const hvs_mem_range *rg = hvs_mem_ranges(m, &nr);
        char prefix[sizeof BANNER_PREFIX - 1];
        for (size_t i = 0; i < nr; i++) {
                uint64_t start = (rg[i].gpa + KERNEL_ALIGN - 1) & ~(KERNEL_ALIGN - 1);
                for (uint64_t base = start; base < rg[i].gpa + rg[i].size; base += KERNEL_ALIGN) {
                        if (hvs_mem_read(m, HVS_GPA(base + boff), prefix, sizeof prefix) < 0 ||
                            memcmp(prefix, BANNER_PREFIX, sizeof prefix) != 0)
                                continue;
                        if (read_banner(m, base + boff, ret->text, sizeof ret->text) > 0 &&
                            strstr(ret->text, " (") && strchr(ret->text, '#')) {
                                ret->pa = base + boff;
                                return 0;
                        }
                }
        }
        return -ENOENT;
}

/* ---- placing the kernel ------------------------------------------------------ */

/*
 * Paging mode: the kernel's own __pgtable_l5_enabled first (it is what the
 * kernel built its tables for, and reading it costs no round trip to a live
 * VMM), else a vCPU's CR4.LA57 when registers are known, else 4-level.
 */
static enum hvs_paging find_paging(hvs_linux *k, uint64_t text_va) {
        uint64_t va;
        uint8_t raw[4];
        if (hvs_profile_symbol(k->profile, "__pgtable_l5_enabled", &va) == 0 &&
            hvs_mem_read(k->mem, HVS_GPA(va - text_va + k->info.text_pa), raw, sizeof raw) == 0)
                return hvs_le32(raw) ? HVS_PAGING_5LEVEL : HVS_PAGING_4LEVEL;
        const hvs_vcpu_regs *regs;
        size_t nregs;
        if (hvs_mem_vcpus(k->mem, &regs, &nregs) == 0 && nregs > 0 && (regs[0].valid & HVS_REG_CR) &&
            regs[0].cr0 & (1ull << 31))
                return regs[0].cr4 & HVS_CR4_LA57 ? HVS_PAGING_5LEVEL : HVS_PAGING_4LEVEL;
        return HVS_PAGING_4LEVEL;
}

/*
 * With the image placed physically at text_pa, find _text's virtual address
 * by asking the kernel's page tables which 2 MiB slot of the kernel map
 * points there. Sets k->kvas, info.root, info.paging, info.text_va.
 */
static int place_virtual(hvs_linux *k, uint64_t expect_text_va, hvs_diag *diag) {
        uint64_t pgt_va, text_va_profile = hvs_profile_text(k->profile);
        int r = hvs_profile_symbol(k->profile, "init_top_pgt", &pgt_va);
        if (r < 0)
                return HVS_DIAG(diag, -EOPNOTSUPP, "kernel has no 'init_top_pgt' symbol");
        /* The offset of init_top_pgt inside the image does not depend on the slide. */
        hvs_gpa root = HVS_GPA(pgt_va - text_va_profile + k->info.text_pa);
        enum hvs_paging paging = find_paging(k, text_va_profile);

        uint64_t found = 0;
        hvs_gpa pa;
        if (expect_text_va && hvs_x86_translate(k->mem, root, paging, HVS_GVA(expect_text_va), &pa, NULL) == 0 &&
            pa.v == k->info.text_pa)
                found = expect_text_va;
        for (uint64_t va = KERNEL_MAP_BASE; !found && va < KERNEL_MAP_BASE + KERNEL_MAP_SIZE; va += KERNEL_ALIGN)
                if (hvs_x86_translate(k->mem, root, paging, HVS_GVA(va), &pa, NULL) == 0 && pa.v == k->info.text_pa)
                        found = va;
        if (!found)
                return HVS_DIAG(diag, -EFAULT,
                                "kernel page tables at 0x%" PRIx64 " do not map the kernel image at 0x%" PRIx64,
                                root.v, k->info.text_pa);

        r = hvs_vas_new(k->mem, root, paging, &k->kvas);
        if (r < 0)
                return r;
        hvs_profile_set_text(k->profile, found);
        k->info.text_va = found;
        k->info.root = root.v;
        k->info.paging = paging;
        k->info.root_source = "init_top_pgt";
        k->info.kaslr_slide = (int64_t)(found - KERNEL_TEXT_DEFAULT);
        k->info.phys_slide = (int64_t)(k->info.text_pa - PHYS_DEFAULT);

        /* The banner read through the page tables must be the one we placed. */
        uint64_t banner_va;
        char b[512];
        if (hvs_profile_symbol(k->profile, "linux_banner", &banner_va) == 0) {
                r = hvs_vas_read_str(k->kvas, HVS_GVA(banner_va), b, sizeof b);
                if (r < 0 || strncmp(b, k->info.banner, strlen(k->info.banner)) != 0)
                        return HVS_BADMSG(diag, "linux_banner at 0x%" PRIx64 " does not read back through the page tables",
                                          banner_va);
        }
        return 0;
}

static void set_release(hvs_linux_info *info) {
        const char *p = info->banner + strlen(BANNER_PREFIX);
        size_t n = strcspn(p, " ");
        if (n >= sizeof info->release)
                n = sizeof info->release - 1;
        memcpy(info->release, p, n);
        info->release[n] = '\0';
}

static int read_direct_map(hvs_linux *k) {
        uint64_t va, v;
        if (hvs_profile_symbol(k->profile, "page_offset_base", &va) == 0 &&
            hvs_vas_read_u64(k->kvas, HVS_GVA(va), &v) == 0 && hvs_gva_canonical(HVS_GVA(v), k->info.paging)) {
                k->info.page_offset_base = v;
                return 0;
        }
        /* Kernels without CONFIG_RANDOMIZE_MEMORY use the fixed base. */
        k->info.page_offset_base = k->info.paging == HVS_PAGING_5LEVEL ? 0xff11000000000000ull : 0xffff888000000000ull;
        return 0;
}

/* ---- the profile cache ------------------------------------------------------ */

static int cache_dir_of(const hvs_linux_opts *o, char *buf, size_t cap) {
        if (o && o->cache_dir)
                return hvs_snprintf_ok(buf, cap, "%s/profiles", o->cache_dir) < 0 ? -ENAMETOOLONG : 0;
        char p[4096];
        int r = hvs_profile_cache_path("", p, sizeof p);
        if (r < 0)
                return r;
        return hvs_strlcpy(buf, dirname(p), cap) >= cap ? -ENAMETOOLONG : 0;
}

static int cache_path_of(const hvs_linux_opts *o, const char *banner, char *buf, size_t cap) {
        char p[4096], d[4096];
        int r = hvs_profile_cache_path(banner, p, sizeof p);
        if (r < 0)
                return r;
        if (!(o && o->cache_dir))
                return hvs_strlcpy(buf, p, cap) >= cap ? -ENAMETOOLONG : 0;
        if ((r = cache_dir_of(o, d, sizeof d)) < 0)
                return r;
        return hvs_snprintf_ok(buf, cap, "%s/%s", d, basename(p)) < 0 ? -ENAMETOOLONG : 0;
}

/* Probe each 2 MiB-aligned physical address for @p's banner. */
static int probe_profile(hvs_linux *k, hvs_profile *p) {
        uint64_t banner_va;
        if (hvs_profile_symbol(p, "linux_banner", &banner_va) < 0)
                return -ENOENT;
        uint64_t boff = banner_va - hvs_profile_text(p);
        const char *want = hvs_profile_banner(p);
        size_t wl = strlen(want);
        if (wl == 0 || wl >= 512 || boff > KERNEL_MAP_SIZE)
                return -ENOENT;
        char got[512];
        size_t nr;
        const hvs_mem_range *rg = hvs_mem_ranges(k->mem, &nr);
        for (size_t i = 0; i < nr; i++) {
                uint64_t start = (rg[i].gpa + KERNEL_ALIGN - 1) & ~(KERNEL_ALIGN - 1);
                for (uint64_t base = start; base < rg[i].gpa + rg[i].size; base += KERNEL_ALIGN) {
                        if (hvs_mem_read(k->mem, HVS_GPA(base + boff), got, wl + 1) < 0)
                                continue;
                        if (memcmp(got, want, wl) == 0 && (got[wl] == '\n' || got[wl] == '\0')) {
                                k->info.text_pa = base;
                                return 0;
                        }
                }
        }
        return -ENOENT;
}

static int try_cache(hvs_linux *k, const hvs_linux_opts *o) {
        char dir[4096];
        if (cache_dir_of(o, dir, sizeof dir) < 0)
                return -ENOENT;
        DIR *d = opendir(dir);
        if (!d)
                return -ENOENT;
        struct dirent *de;
        unsigned tried = 0;
        int r = -ENOENT;
        while ((de = readdir(d)) && tried < MAX_CACHED_PROFILES) {
                size_t l = strlen(de->d_name);
                if (l < 6 || strcmp(de->d_name + l - 5, ".prof") != 0)
                        continue;
                char path[4096 + 256];
                if (hvs_snprintf_ok(path, sizeof path, "%s/%s", dir, de->d_name) < 0)
                        continue;
                tried++;
                hvs_profile *p = NULL;
                if (hvs_profile_load(path, NULL, NULL, &p) < 0)
                        continue;       /* corrupt or foreign: the cold path will rebuild it */
                if (probe_profile(k, p) == 0) {
                        k->profile = p;
                        hvs_strlcpy(k->info.banner, hvs_profile_banner(p), sizeof k->info.banner);
                        hvs_strlcpy(k->info.cache_path, path, sizeof k->info.cache_path);
                        r = 0;
                        break;
                }
                hvs_profile_free(p);
        }
        closedir(d);
        return r;
}

/* ---- cold path --------------------------------------------------------------- */

static int load_guest_btf(hvs_linux *k, hvs_btf **ret, hvs_diag *diag) {
        uint64_t start, stop;
        if (hvs_profile_symbol(k->profile, "__start_BTF", &start) < 0 ||
            hvs_profile_symbol(k->profile, "__stop_BTF", &stop) < 0)
                return HVS_DIAG(diag, -EOPNOTSUPP,
                                "kernel has no BTF (no '__start_BTF' symbol); give its BTF with --btf");
        if (stop <= start || stop - start > HVS_MAX_BTF_BYTES)
                return HVS_BADMSG(diag, "kernel BTF bounds 0x%" PRIx64 "-0x%" PRIx64 " implausible", start, stop);
        size_t len = (size_t)(stop - start);
        _cleanup_free_ uint8_t *raw = hvs_malloc(len);
        if (!raw)
                return -ENOMEM;
        int r = hvs_mem_read(k->mem, HVS_GPA(lx_image_pa(k, start)), raw, len);
        if (r < 0)
                return HVS_DIAG(diag, r, "kernel BTF at 0x%" PRIx64 " (%zu bytes) unreadable", start, len);
        return hvs_btf_parse(raw, len, diag, ret);
}

/*
 * An ISF must describe the guest's build: its banner must be the guest's (a
 * file without one is taken on trust), and where it has symbols, their
 * offsets from _text must be kallsyms' (a rebuilt kernel moves them).
 */
static int check_isf(hvs_linux *k, const hvs_isf *isf, const char *path, hvs_diag *diag) {
        const char *b = hvs_isf_banner(isf);
        if (b && strcmp(b, k->info.banner) != 0)
                return HVS_DIAG(diag, -ESTALE, "ISF %s is for another kernel build: '%.120s' (the guest runs '%.120s')",
                                path, b, k->info.banner);
        static const char *const probes[] = { "linux_banner", "init_task", "init_top_pgt" };
        uint64_t itext, ktext;
        if (hvs_isf_symbol(isf, "_text", &itext) < 0 || hvs_profile_symbol(k->profile, "_text", &ktext) < 0)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
                uint64_t ia, ka;
                if (hvs_isf_symbol(isf, probes[i], &ia) < 0 || hvs_profile_symbol(k->profile, probes[i], &ka) < 0)
                        continue;
                if (ia - itext != ka - ktext)
                        return HVS_DIAG(diag, -ESTALE,
                                        "ISF %s is for another kernel build: '%s' at _text+0x%" PRIx64
                                        " in it, at _text+0x%" PRIx64 " in the guest",
                                        path, probes[i], ia - itext, ka - ktext);
        }
        return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_isf *, hvs_isf_free)

static int cold_open(hvs_linux *k, const hvs_linux_opts *o, hvs_diag *diag) {
        _cleanup_(hvs_isf_freep) hvs_isf *isf = NULL;
        int r;
        /* A bad ISF file is reported before the scan of all RAM. */
        if (o && o->isf_path && (r = hvs_isf_load_file(o->isf_path, diag, &isf)) < 0)
                return r;
        _cleanup_free_ struct banner_hit *hits = hvs_calloc(MAX_BANNER_HITS, sizeof *hits);
        if (!hits)
                return -ENOMEM;
        size_t nhits = 0;
        r = find_banners(k->mem, hits, MAX_BANNER_HITS, &nhits);
        if (r < 0)
                return r;
        if (nhits == 0)
                return HVS_DIAG(diag, -ENOENT, "no Linux kernel banner in guest memory: not a Linux guest?");

        hvs_ksyms *syms = NULL;
        uint64_t lo = hits[0].pa > (64ull << 20) ? (hits[0].pa - (64ull << 20)) & ~(KERNEL_ALIGN - 1) : 0;
        r = hvs_ksyms_recover(k->mem, lo, hits[0].pa + (64ull << 20), diag, &syms, NULL);
        if (r < 0) {
                if (r == -ENOENT)
                        return HVS_DIAG(diag, -ENOENT, "found '%.60s' but no kallsyms tables in guest memory",
                                        hits[0].text);
                return r;
        }
        hvs_ksym text, banner;
        if (hvs_ksyms_find(syms, "_text", &text) < 0 || hvs_ksyms_find(syms, "linux_banner", &banner) < 0) {
                hvs_ksyms_free(syms);
                return HVS_BADMSG(diag, "kallsyms has no '_text' or 'linux_banner'");
        }
        uint64_t boff = banner.addr - text.addr;
        const struct banner_hit *chosen = NULL;
        struct banner_hit probed;
        for (size_t i = 0; i < nhits && !chosen; i++)
                if (hits[i].pa >= boff && ((hits[i].pa - boff) & (KERNEL_ALIGN - 1)) == 0)
                        chosen = &hits[i];
        if (!chosen && nhits == MAX_BANNER_HITS && boff < KERNEL_MAP_SIZE && probe_banner(k->mem, boff, &probed) == 0)
                chosen = &probed;
        for (size_t i = 0; i < nhits && !chosen; i++)   /* a kernel with a smaller PHYSICAL_ALIGN */
                if (hits[i].pa >= boff && ((hits[i].pa - boff) & 0xfff) == 0)
                        chosen = &hits[i];
        if (!chosen) {
                hvs_ksyms_free(syms);
                return HVS_BADMSG(diag, "no banner copy sits at linux_banner's offset from an aligned _text");
        }
        k->info.text_pa = chosen->pa - boff;
        k->info.text_va = text.addr;    /* lx_image_pa() needs both; confirmed by place_virtual() */
        hvs_strlcpy(k->info.banner, chosen->text, sizeof k->info.banner);

        r = hvs_profile_new(k->info.banner, syms, text.addr, NULL, &k->profile);
        if (r < 0) {
                hvs_ksyms_free(syms);
                return r;
        }
        k->info.profile_source = "memory";

        if (isf) {
                if ((r = check_isf(k, isf, o->isf_path, diag)) < 0)
                        return r;
                if ((r = hvs_profile_set_isf(k->profile, isf)) < 0)
                        return r;
                isf = NULL;     /* taken */
                k->info.btf_source = "isf";
                return place_virtual(k, text.addr, diag);
        }
        hvs_btf *btf = NULL;
        if (o && o->btf_path) {
                r = hvs_btf_load_file(o->btf_path, diag, &btf);
                k->info.btf_source = "file";
        } else {
                r = load_guest_btf(k, &btf, diag);
                k->info.btf_source = "guest";
        }
        if (r < 0)
                return r;
        if ((r = hvs_profile_set_btf(k->profile, btf)) < 0) {
                hvs_btf_free(btf);
                return r;
        }
        return place_virtual(k, text.addr, diag);
}

/* ---- open ------------------------------------------------------------------------ */

static void apply_limits(hvs_linux_limits *dst, const hvs_linux_limits *src) {
        *dst = src ? *src : (hvs_linux_limits){ 0 };
        if (!dst->max_tasks)
                dst->max_tasks = HVS_DEFAULT_MAX_TASKS;
        if (!dst->max_threads)
                dst->max_threads = HVS_DEFAULT_MAX_THREADS;
        if (!dst->max_cmdline)
                dst->max_cmdline = HVS_DEFAULT_MAX_CMDLINE;
        if (!dst->max_modules)
                dst->max_modules = HVS_DEFAULT_MAX_MODULES;
        if (!dst->max_fds)
                dst->max_fds = HVS_DEFAULT_MAX_FDS;
        if (!dst->max_vmas)
                dst->max_vmas = HVS_DEFAULT_MAX_VMAS;
        if (!dst->max_mounts)
                dst->max_mounts = HVS_DEFAULT_MAX_MOUNTS;
        if (!dst->max_sockets)
                dst->max_sockets = HVS_DEFAULT_MAX_SOCKETS;
        if (!dst->max_env)
                dst->max_env = HVS_DEFAULT_MAX_ENV;
        if (!dst->max_dmesg)
                dst->max_dmesg = HVS_DEFAULT_MAX_DMESG;
}

/*
 * The guest's clock: tk_core is `static struct { seqcount_raw_spinlock_t seq;
 * struct timekeeper timekeeper; }`, an anonymous type that kernel BTF without
 * global variables (pahole < 1.26, Debian 12's kernels) does not describe, so
 * the timekeeper is placed after the sequence count, aligned to 8 (its widest
 * members are 64-bit). CLOCK_REALTIME - CLOCK_BOOTTIME = offs_real - offs_boot
 * is the wall-clock time of boot. The values must be plausible or the clock
 * stays unknown (0): a wrong guess must not produce wrong times.
 */
#define TIME_2000 946684800ll
#define TIME_2200 7258118400ll

static void read_clock(hvs_linux *k) {
        hvs_profile *p = k->profile;
        uint64_t tk, real, boot, xsec;
        uint32_t seqsz, o_real, o_boot, o_xsec;
        /* The struct's own name first: ISF files (dwarf2json, ours) keep no typedef names. */
        if (hvs_profile_symbol(p, "tk_core", &tk) < 0 ||
            (hvs_profile_type_size(p, "seqcount_raw_spinlock", &seqsz) < 0 &&
             hvs_profile_type_size(p, "seqcount_raw_spinlock_t", &seqsz) < 0) || seqsz > 64 ||
            hvs_profile_field(p, "timekeeper", "offs_real", &o_real, NULL) < 0 ||
            hvs_profile_field(p, "timekeeper", "offs_boot", &o_boot, NULL) < 0 ||
            hvs_profile_field(p, "timekeeper", "xtime_sec", &o_xsec, NULL) < 0)
                return;
        uint64_t base = tk + ((seqsz + 7u) & ~7u);
        if (hvs_vas_read_u64(k->kvas, HVS_GVA(base + o_real), &real) < 0 ||
            hvs_vas_read_u64(k->kvas, HVS_GVA(base + o_boot), &boot) < 0 ||
            hvs_vas_read_u64(k->kvas, HVS_GVA(base + o_xsec), &xsec) < 0)
                return;
        int64_t offs_real = (int64_t)real, offs_boot = (int64_t)boot, now = (int64_t)xsec;
        if (offs_boot < 0 || offs_real <= offs_boot || now < TIME_2000 || now > TIME_2200)
                return;
        int64_t boot_ns = offs_real - offs_boot;
        if (boot_ns / 1000000000 < TIME_2000 || boot_ns / 1000000000 > now)
                return;
        k->info.boot_time_ns = boot_ns;
        k->info.guest_time_s = now;
}

static int finish_open(hvs_linux *k, hvs_diag *diag) {
        int r;
        uint64_t va;
        if ((r = read_direct_map(k)) < 0)
                return r;
        if ((r = lx_resolve_offsets(k, diag)) < 0)
                return r;
        if (hvs_profile_symbol(k->profile, "init_task", &va) < 0)
                return HVS_DIAG(diag, -ENOENT, "kernel has no 'init_task' symbol");
        k->init_task = va;
        set_release(&k->info);
        k->info.nsyms = hvs_profile_nsyms(k->profile);
        read_clock(k);
        return 0;
}

int hvs_linux_open(hvs_mem *m, const hvs_linux_opts *opts, hvs_diag *diag, hvs_linux **ret) {
        uint64_t t0 = hvs_now_ns();
        hvs_linux *k = hvs_calloc(1, sizeof *k);
        if (!k)
                return -ENOMEM;
        k->mem = m;
        apply_limits(&k->limits, opts ? &opts->limits : NULL);
        const char *isf_path = opts ? opts->isf_path : NULL;
        if (isf_path && opts->btf_path) {
                free(k);
                return HVS_DIAG(diag, -EINVAL, "give the kernel's types with --btf or --isf, not both");
        }
        /*
         * Types from an ISF never meet the cache: a cached profile carries the
         * BTF it was made from, and an ISF-typed one is not saved (types.h).
         */
        bool use_cache = !(opts && (opts->no_cache || opts->btf_path || isf_path));
        k->cache_writable = !(opts && (opts->no_cache || isf_path));
        int r = -ENOENT;

        if (use_cache && try_cache(k, opts) == 0) {
                k->info.profile_source = "cache";
                k->info.btf_source = "cache";
                r = place_virtual(k, 0, diag);
                if (r == 0)
                        r = finish_open(k, diag);
                if (r < 0) {            /* a stale or wrong profile: rebuild from memory */
                        k->profile = hvs_profile_free(k->profile);
                        k->kvas = hvs_vas_free(k->kvas);
                        k->info = (hvs_linux_info){ 0 };
                }
        }
        if (r < 0) {
                r = cold_open(k, opts, diag);
                if (r == 0)
                        r = finish_open(k, diag);
                if (r == 0 && k->cache_writable &&
                    cache_path_of(opts, k->info.banner, k->info.cache_path, sizeof k->info.cache_path) == 0) {
                        /* A cache that cannot be written only costs the next run time. */
                        if (hvs_profile_save(k->profile, k->info.cache_path, NULL) < 0)
                                k->info.cache_path[0] = '\0';
                }
        }
        if (r < 0) {
                hvs_linux_close(k);
                return r;
        }
        k->info.open_ns = hvs_now_ns() - t0;
        *ret = k;
        return 0;
}

int hvs_linux_open_parts(hvs_mem *m, const hvs_linux_parts *parts, const hvs_linux_limits *limits,
                         hvs_diag *diag, hvs_linux **ret) {
        if (!m || !parts || !parts->profile || !parts->banner)
                return -EINVAL;
        hvs_linux *k = hvs_calloc(1, sizeof *k);
        if (!k)
                return -ENOMEM;
        k->mem = m;
        apply_limits(&k->limits, limits);
        int r = hvs_vas_new(m, parts->root, parts->paging, &k->kvas);
        if (r < 0) {
                free(k);
                return r;
        }
        k->profile = parts->profile;
        hvs_profile_set_text(k->profile, parts->text_va);
        hvs_strlcpy(k->info.banner, parts->banner, sizeof k->info.banner);
        k->info.text_va = parts->text_va;
        k->info.text_pa = parts->text_pa;
        k->info.root = parts->root.v;
        k->info.paging = parts->paging;
        k->info.root_source = "given";
        k->info.profile_source = "given";
        k->info.btf_source = "given";
        k->info.page_offset_base = parts->page_offset_base;
        r = lx_resolve_offsets(k, diag);
        uint64_t va;
        if (r == 0 && hvs_profile_symbol(k->profile, "init_task", &va) < 0)
                r = HVS_DIAG(diag, -ENOENT, "kernel has no 'init_task' symbol");
        if (r < 0) {
                k->profile = NULL;      /* not taken on failure */
                hvs_linux_close(k);
                return r;
        }
        k->init_task = va;
        set_release(&k->info);
        read_clock(k);
        *ret = k;
        return 0;
}

const hvs_linux_info *hvs_linux_get_info(const hvs_linux *k) { return &k->info; }
hvs_vas *hvs_linux_kernel_vas(hvs_linux *k) { return k->kvas; }
hvs_profile *hvs_linux_profile(hvs_linux *k) { return k->profile; }
const char *hvs_linux_errmsg(const hvs_linux *k) { return k->diag.msg; }
void hvs_linux_refresh(hvs_linux *k) { hvs_vas_flush(k->kvas); }

hvs_linux *hvs_linux_close(hvs_linux *k) {
        if (!k)
                return NULL;
        /* Views resolve their fields on first use; keep what they learnt so the
         * next warm start needs no BTF. Failing to write only costs time. */
        if (k->cache_writable && k->info.cache_path[0] && hvs_profile_changed(k->profile))
                (void)hvs_profile_save(k->profile, k->info.cache_path, NULL);
        hvs_vas_free(k->kvas);
        hvs_profile_free(k->profile);
        free(k);
        return NULL;
}
