/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * maps.c - a process's memory regions, rendered as fs/proc/task_mmu.c
 * (show_map_vma()) renders /proc/PID/maps.
 *
 * The regions come from the maple tree (maple.c) on 6.1+ or from the
 * mm->mmap list on older kernels; both walks are bounded by max_vmas, and the
 * list walk requires strictly ascending, non-overlapping regions, which
 * rules out cycles. Each vm_area_struct is copied once and decoded from the
 * copy (C6); the fields behind pointers (file, inode, superblock, names) are
 * read one by one, and a failure there marks the region partial instead of
 * dropping it.
 *
 * Naming follows show_map_vma(): a file mapping gets its path; otherwise a
 * special mapping's own name (vm_ops is special_mapping_vmops and
 * vm_private_data a struct vm_special_mapping: "[vdso]", "[vvar]"); otherwise
 * "[heap]" if it overlaps mm->start_brk..brk, "[stack]" if it contains
 * mm->start_stack; otherwise nothing.
 */
#include <inttypes.h>
#include "maps.h"
#include "vfs-internal.h"

#define PAGE_SHIFT 12

#define O(f) offsetof(struct lx_maps_offsets, f)
static const struct lx_field_row maps_rows[] = {
        { "mm_struct", { "mm_mt" }, O(mm_mt), SIZE_MAX, true },
        { "maple_tree", { "ma_root" }, O(mt_root), SIZE_MAX, true },
        { "mm_struct", { "mmap" }, O(mm_mmap), SIZE_MAX, true },
        { "mm_struct", { "map_count" }, O(mm_map_count), SIZE_MAX, true },
        { "mm_struct", { "start_brk" }, O(mm_start_brk), SIZE_MAX, false },
        { "mm_struct", { "brk" }, O(mm_brk), SIZE_MAX, false },
        { "mm_struct", { "start_stack" }, O(mm_start_stack), SIZE_MAX, false },
        { "vm_area_struct", { "vm_start" }, O(vma_start), SIZE_MAX, false },
        { "vm_area_struct", { "vm_end" }, O(vma_end), SIZE_MAX, false },
        { "vm_area_struct", { "vm_flags", "__vm_flags" }, O(vma_flags), SIZE_MAX, false },
        { "vm_area_struct", { "vm_pgoff" }, O(vma_pgoff), SIZE_MAX, false },
        { "vm_area_struct", { "vm_file" }, O(vma_file), SIZE_MAX, false },
        { "vm_area_struct", { "vm_ops" }, O(vma_ops), SIZE_MAX, false },
        { "vm_area_struct", { "vm_private_data" }, O(vma_private), SIZE_MAX, false },
        { "vm_area_struct", { "vm_next" }, O(vma_next), SIZE_MAX, true },
        { "file", { "f_inode" }, O(file_inode), SIZE_MAX, false },
        { "file", { "f_path.dentry" }, O(file_dentry), SIZE_MAX, true },
        { "dentry", { "d_name.name" }, O(dentry_name), SIZE_MAX, true },
        { "inode", { "i_ino" }, O(inode_ino), SIZE_MAX, false },
        { "inode", { "i_sb" }, O(inode_sb), SIZE_MAX, false },
        { "super_block", { "s_dev" }, O(sb_dev), SIZE_MAX, false },
        { "vm_special_mapping", { "name" }, O(special_name), SIZE_MAX, true },
        { "maple_range_64", { "pivot" }, O(maple.r64_pivot), O(maple.r64_npivots), true },
        { "maple_range_64", { "slot" }, O(maple.r64_slot), SIZE_MAX, true },
        { "maple_range_64", { "meta.end" }, O(maple.r64_meta_end), SIZE_MAX, true },
        { "maple_arange_64", { "pivot" }, O(maple.a64_pivot), O(maple.a64_npivots), true },
        { "maple_arange_64", { "slot" }, O(maple.a64_slot), SIZE_MAX, true },
        { "maple_arange_64", { "meta.end" }, O(maple.a64_meta_end), SIZE_MAX, true },
};
#undef O

int lx_maps_offsets_get(hvs_linux *k, struct lx_maps_offsets *ret) {
        struct lx_maps_offsets o = { 0 };
        int r = lx_resolve_fields(k, maps_rows, ARRAY_SIZE(maps_rows), &o, &k->diag);
        if (r < 0)
                return r;
        if ((r = hvs_profile_type_size(k->profile, "vm_area_struct", &o.vma_size)) < 0)
                return HVS_DIAG(&k->diag, r, "kernel type 'vm_area_struct': %s", hvs_strerror(r));
        if (o.mm_mt != LX_ABSENT) {
                /* The resolver stored the pivot arrays' sizes in bytes: make them counts. */
                if (o.mt_root == LX_ABSENT || o.maple.r64_pivot == LX_ABSENT || o.maple.a64_pivot == LX_ABSENT ||
                    o.maple.r64_slot == LX_ABSENT || o.maple.a64_slot == LX_ABSENT ||
                    o.maple.r64_meta_end == LX_ABSENT || o.maple.a64_meta_end == LX_ABSENT)
                        return HVS_DIAG(&k->diag, -ENOENT, "kernel has mm_struct.mm_mt but no maple node layout");
                o.maple.r64_npivots /= 8;
                o.maple.a64_npivots /= 8;
                if (o.mt_root > UINT32_MAX - o.mm_mt)
                        return HVS_BADMSG(&k->diag, "mm_struct.mm_mt.ma_root offset overflows");
        } else if (o.mm_mmap == LX_ABSENT || o.vma_next == LX_ABSENT) {
                return HVS_DIAG(&k->diag, -ENOENT, "kernel has neither mm_struct.mm_mt nor mm_struct.mmap");
        }
        static const char *const ops[] = { "special_mapping_vmops", "legacy_special_mapping_vmops" };
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
                if (hvs_profile_symbol(k->profile, ops[i], &o.special_ops[i]) < 0)
                        o.special_ops[i] = 0;
        *ret = o;
        return 0;
}

/* ---- one region ------------------------------------------------------------------ */

struct maps_ctx {
        hvs_linux *k;
        const struct lx_maps_offsets *o;
        hvs_vma_list *l;
        size_t cap;
        uint64_t start_brk, brk, start_stack;
        uint8_t *vma;           /* copy of the current vm_area_struct */
        bool have_path;
        struct lx_path_offsets path;
};

static char *dup_printable(const char *s) {
        char *d = hvs_strdup(s);
        for (size_t i = 0; d && d[i]; i++)     /* guest-controlled: keep it printable */
                if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] == 0x7f)
                        d[i] = '?';
        return d;
}

/* A string at the guest pointer stored at @base + @off; "" with -errno on failure. */
static int read_str_at(hvs_vas *kv, uint64_t base, uint32_t off, char *buf, size_t cap) {
        uint64_t p;
        buf[0] = '\0';
        int r = lx_read_u64(kv, base, off, &p);
        if (r < 0)
                return r;
        if (p == 0)
                return -EFAULT;
        r = hvs_vas_read_str(kv, HVS_GVA(p), buf, cap);
        if (r < 0 && r != -E2BIG)
                buf[0] = '\0';
        return r;
}

/* dev, inode and path of the backing file of @v. */
static int name_file(struct maps_ctx *c, hvs_vma *v) {
        const struct lx_maps_offsets *o = c->o;
        hvs_vas *kv = c->k->kvas;
        uint64_t inode, sb;
        uint32_t dev;
        if (lx_read_u64(kv, v->file.v, o->file_inode, &inode) < 0 || inode == 0 ||
            lx_read_u64(kv, inode, o->inode_ino, &v->inode) < 0 || lx_read_u64(kv, inode, o->inode_sb, &sb) < 0 ||
            lx_read_u32(kv, sb, o->sb_dev, &dev) < 0) {
                v->partial |= HVS_VMA_PARTIAL_FILE;
                v->inode = 0;
        } else {
                v->dev_major = dev >> 20;       /* MAJOR()/MINOR() of include/linux/kdev_t.h */
                v->dev_minor = dev & 0xfffff;
        }
        char buf[HVS_MAX_PATH_BYTES];
        int r = c->have_path ? lx_path_build_file(kv, &c->path, v->file.v, buf, sizeof buf, NULL) : -ENOENT;
        if (r < 0) {
                /* No full path: the file's own name (its dentry's), marked partial. */
                v->partial |= HVS_VMA_PARTIAL_PATH;
                uint64_t dentry;
                if (lx_read_u64(kv, v->file.v, o->file_dentry, &dentry) < 0 ||
                    read_str_at(kv, dentry, o->dentry_name, buf, LX_MAX_VMA_NAME) < 0)
                        buf[0] = '\0';
        }
        v->name = dup_printable(buf);
        return v->name ? 0 : -ENOMEM;
}

static const char *anon_label(const struct maps_ctx *c, const hvs_vma *v, enum hvs_vma_kind *ret_kind) {
        if (v->start <= c->brk && v->end >= c->start_brk) {
                *ret_kind = HVS_VMA_HEAP;
                return "[heap]";
        }
        if (v->start <= c->start_stack && v->end >= c->start_stack) {
                *ret_kind = HVS_VMA_STACK;
                return "[stack]";
        }
        *ret_kind = HVS_VMA_ANON;
        return "";
}

static int name_vma(struct maps_ctx *c, hvs_vma *v, uint64_t ops, uint64_t priv) {
        const struct lx_maps_offsets *o = c->o;
        if (v->file.v) {
                v->kind = HVS_VMA_FILE;
                return name_file(c, v);
        }
        if (ops && priv && (ops == o->special_ops[0] || ops == o->special_ops[1])) {
                char buf[LX_MAX_VMA_NAME];
                v->kind = HVS_VMA_SPECIAL;
                if (read_str_at(c->k->kvas, priv, o->special_name, buf, sizeof buf) < 0)
                        v->partial |= HVS_VMA_PARTIAL_NAME;
                v->name = dup_printable(buf);
                return v->name ? 0 : -ENOMEM;
        }
        v->name = hvs_strdup(anon_label(c, v, &v->kind));
        return v->name ? 0 : -ENOMEM;
}

/* Decode the vm_area_struct at @addr; -EFAULT/-EBADMSG stop the walk. */
static int add_vma(struct maps_ctx *c, uint64_t addr, uint64_t *ret_next) {
        const struct lx_maps_offsets *o = c->o;
        hvs_vma_list *l = c->l;
        if (addr == 0 || (addr & 7))
                return HVS_BADMSG(&c->k->diag, "vm_area_struct pointer 0x%" PRIx64 " is misaligned", addr);
        int r = hvs_vas_read(c->k->kvas, HVS_GVA(addr), c->vma, o->vma_size);
        if (r < 0)
                return HVS_DIAG(&c->k->diag, r, "vm_area_struct at 0x%" PRIx64 " unreadable", addr);
        hvs_vma v = { .addr = HVS_GVA(addr) };
        v.start = hvs_le64(c->vma + o->vma_start);
        v.end = hvs_le64(c->vma + o->vma_end);
        v.flags = hvs_le64(c->vma + o->vma_flags);
        v.pgoff = hvs_le64(c->vma + o->vma_pgoff);
        v.file = HVS_GVA(hvs_le64(c->vma + o->vma_file));
        uint64_t ops = hvs_le64(c->vma + o->vma_ops), priv = hvs_le64(c->vma + o->vma_private);
        if (ret_next)
                *ret_next = o->vma_next == LX_ABSENT ? 0 : hvs_le64(c->vma + o->vma_next);
        if (v.end <= v.start)
                return HVS_BADMSG(&c->k->diag, "vm_area_struct at 0x%" PRIx64 ": empty range 0x%" PRIx64 "-0x%" PRIx64,
                                  addr, v.start, v.end);
        if (l->n > 0 && v.start < l->vmas[l->n - 1].end)
                return HVS_BADMSG(&c->k->diag, "vm_area_struct at 0x%" PRIx64 ": 0x%" PRIx64 " overlaps the previous region",
                                  addr, v.start);
        v.perms[0] = v.flags & HVS_VM_READ ? 'r' : '-';
        v.perms[1] = v.flags & HVS_VM_WRITE ? 'w' : '-';
        v.perms[2] = v.flags & HVS_VM_EXEC ? 'x' : '-';
        v.perms[3] = v.flags & HVS_VM_MAYSHARE ? 's' : 'p';
        if (v.file.v)
                v.offset = v.pgoff << PAGE_SHIFT;
        if (l->n == c->cap) {
                size_t ncap = c->cap ? c->cap * 2 : 32;
                hvs_vma *nv = hvs_reallocarray(l->vmas, ncap, sizeof *nv);
                if (!nv)
                        return -ENOMEM;
                l->vmas = nv;
                c->cap = ncap;
        }
        if ((r = name_vma(c, &v, ops, priv)) < 0)
                return r;
        l->vmas[l->n++] = v;
        return 0;
}

static int maple_cb(void *userdata, uint64_t first, uint64_t last, uint64_t entry) {
        struct maps_ctx *c = userdata;
        int r = add_vma(c, entry, NULL);
        if (r < 0)
                return r;
        const hvs_vma *v = &c->l->vmas[c->l->n - 1];
        /* The tree indexes each VMA by [vm_start, vm_end - 1]. */
        if (v->start != first || v->end - 1 != last)
                return HVS_BADMSG(&c->k->diag, "vm_area_struct at 0x%" PRIx64 " (0x%" PRIx64 "-0x%" PRIx64
                                  ") stored under 0x%" PRIx64 "-0x%" PRIx64, entry, v->start, v->end, first, last + 1);
        return 0;
}

static int walk_list(struct maps_ctx *c, uint64_t first) {
        uint32_t max = c->k->limits.max_vmas;
        for (uint64_t vma = first; vma != 0;) {
                if (c->l->n >= max)
                        return HVS_DIAG(&c->k->diag, -E2BIG, "more than %u regions", max);
                int r = add_vma(c, vma, &vma);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool offsets_fit(const struct lx_maps_offsets *o) {
        const uint32_t fields[] = { o->vma_start, o->vma_end, o->vma_flags, o->vma_pgoff, o->vma_file, o->vma_ops,
                                    o->vma_private, o->vma_next };
        if (o->vma_size == 0 || o->vma_size > LX_MAX_VMA_STRUCT)
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                if (fields[i] != LX_ABSENT && !hvs_range_ok(fields[i], 8, o->vma_size))
                        return false;
        return true;
}

int lx_maps_walk(hvs_linux *k, const struct lx_maps_offsets *o, uint64_t mm, hvs_vma_list **ret) {
        hvs_vas *kv = k->kvas;
        if (mm == 0)
                return -ENOENT;
        if (!offsets_fit(o))
                return HVS_BADMSG(&k->diag, "vm_area_struct field offsets exceed its size %u", o->vma_size);
        struct maps_ctx c = { .k = k, .o = o };
        int r;
        if ((r = lx_read_u64(kv, mm, o->mm_start_brk, &c.start_brk)) < 0 || (r = lx_read_u64(kv, mm, o->mm_brk, &c.brk)) < 0 ||
            (r = lx_read_u64(kv, mm, o->mm_start_stack, &c.start_stack)) < 0)
                return HVS_DIAG(&k->diag, r == -ENOENT ? -EFAULT : r, "mm_struct at 0x%" PRIx64 " unreadable", mm);
        uint64_t head;
        bool maple = o->mm_mt != LX_ABSENT;
        if ((r = lx_read_u64(kv, mm, maple ? o->mm_mt + o->mt_root : o->mm_mmap, &head)) < 0)
                return HVS_DIAG(&k->diag, r == -ENOENT ? -EFAULT : r, "mm_struct at 0x%" PRIx64 " unreadable", mm);

        _cleanup_free_ uint8_t *vma = hvs_malloc(o->vma_size);
        hvs_vma_list *l = hvs_calloc(1, sizeof *l);
        if (!vma || !l) {
                free(l);
                return -ENOMEM;
        }
        l->mm = HVS_GVA(mm);
        l->source = maple ? "maple" : "list";
        uint32_t count;
        if (lx_read_u32(kv, mm, o->mm_map_count, &count) == 0)
                l->map_count = (int32_t)count;
        c.l = l;
        c.vma = vma;
        c.have_path = lx_path_offsets_get(k, &c.path) == 0;
        hvs_diag_clear(&k->diag);       /* a missing path layout is not this walk's failure */

        if (maple)
                r = lx_maple_walk(kv, &o->maple, head, k->limits.max_vmas, maple_cb, &c, &k->diag);
        else
                r = walk_list(&c, head);
        if (r == -ENOMEM) {
                hvs_vma_list_free(l);
                return r;
        }
        if (r < 0) {
                l->truncated = true;
                l->trunc_err = r;
                snprintf(l->trunc_msg, sizeof l->trunc_msg, "region walk stopped after %zu regions: %.200s", l->n,
                         k->diag.msg[0] ? k->diag.msg : hvs_strerror(r));
        }
        *ret = l;
        return 0;
}

int hvs_linux_task_maps(hvs_linux *k, const hvs_task *t, hvs_vma_list **ret) {
        if (t->kthread || t->mm.v == 0)
                return HVS_DIAG(&k->diag, -ENOENT, "process %d has no address space", t->pid);
        struct lx_maps_offsets o;
        int r = lx_maps_offsets_get(k, &o);
        if (r < 0)
                return r;
        return lx_maps_walk(k, &o, t->mm.v, ret);
}

hvs_vma_list *hvs_vma_list_free(hvs_vma_list *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                free(l->vmas[i].name);
        free(l->vmas);
        free(l);
        return NULL;
}
