/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * synth-image - write synthetic Linux guests (tests/fixtures/synth_image.h)
 * for synth.sh and the golden tests, and what hvscope must find in them.
 *
 *   synth-image DIR          every variant below into DIR, and DIR/expect.json
 *   synth-image --golden F   the golden image only (4-level, 6.1 kallsyms, raw,
 *                            default tasks) into F
 *
 * expect.json: {"images": [{"file", "paging", "layout", "text_va", "text_pa",
 * "kaslr_slide", "page_offset_base", "root", "symbols", "flags": [...],
 * "build": name of the variant whose profile this one may reuse,
 * "tasks": [{pid, ppid, tgid, uid, gid, euid, egid, name, threads,
 * kernel_thread, argv, task_address, unreadable}]}]}; the tasks are those
 * ps must list (init_task is the list head, not a process), in list order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/limits.h>
#include "synth_image.h"

/* Extra processes for the non-golden variants: arguments longer than
 * HVS_DEFAULT_MAX_CMDLINE (reported truncated) and a thread-group member. */
static char long_args[HVS_DEFAULT_MAX_CMDLINE + 904];

static struct synth_task tasks_plus[64];
static size_t ntasks_plus;

static void make_tasks_plus(void) {
        memcpy(tasks_plus, synth_default_tasks, synth_default_ntasks * sizeof *tasks_plus);
        ntasks_plus = synth_default_ntasks;
        for (size_t i = 0; i + 1 < sizeof long_args; i++)
                long_args[i] = i % 100 == 99 ? '\0' : (char)('a' + i % 26);
        long_args[sizeof long_args - 1] = '\0';
        tasks_plus[ntasks_plus++] = (struct synth_task){
                .pid = 2001, .ppid = 1001, .comm = "java", .uid = 1000, .gid = 1000, .euid = 1000, .egid = 1000,
                .argv = long_args, .argv_len = sizeof long_args, .nr_threads = 31,
                .state = FAKE_TASK_INTERRUPTIBLE, .start_boottime = 5000000000000ull,
        };
}

struct variant {
        const char *file;
        const char *build;      /* variants with the same build share a profile */
        enum hvs_paging paging;
        enum fake_kallsyms_layout layout;
        enum { RAW, ELF, ELF_NOTE } format;
        uint32_t flags;
        uint64_t text_va, text_pa, pob;
};

static const struct variant variants[] = {
        { "l4-61.raw", "l4-61", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1, RAW, 0, 0, 0, 0 },
        { "l4-61.elf", "l4-61", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1, ELF, 0, 0, 0, 0 },
        { "l4-61seqs.elf", "l4-61seqs", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1_SEQS, ELF_NOTE, 0, 0, 0, 0 },
        { "l4-612.raw", "l4-612", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_12, RAW, 0, 0, 0, 0 },
        { "l5-61.raw", "l5-61", HVS_PAGING_5LEVEL, FAKE_KALLSYMS_6_1, RAW, 0, 0, 0, 0 },
        { "l5-612.raw", "l5-612", HVS_PAGING_5LEVEL, FAKE_KALLSYMS_6_12, RAW, 0, 0, 0, 0 },
        { "l5-612.elf", "l5-612", HVS_PAGING_5LEVEL, FAKE_KALLSYMS_6_12, ELF_NOTE, 0, 0, 0, 0 },
        /* No __pgtable_l5_enabled: 5-level paging is known only from CR4 in the note. */
        { "l5-cr4.elf", "l5-cr4", HVS_PAGING_5LEVEL, FAKE_KALLSYMS_6_1_SEQS, ELF_NOTE, SYNTH_NO_L5_SYMBOL, 0, 0, 0 },
        /* Another boot of the l4-61 build: other slides, other direct map. */
        { "l4-61-reboot.raw", "l4-61", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1, RAW, 0, 0xffffffffa4200000ull,
          0x1200000ull, 0xffffa1b2c0000000ull },
        /* More copies of the banner below the kernel than a scan keeps. */
        { "many-banners.raw", "many-banners", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1, RAW, SYNTH_MANY_BANNERS, 0, 0, 0 },
        { "cyclic.raw", "cyclic", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1, RAW, SYNTH_CYCLIC_TASKS, 0, 0, 0 },
        { "no-kallsyms.raw", "no-kallsyms", HVS_PAGING_4LEVEL, FAKE_KALLSYMS_6_1, RAW, SYNTH_NO_KALLSYMS, 0, 0, 0 },
};

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void json_str(FILE *f, const char *s, size_t n) {
        fputc('"', f);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static int32_t tgid_of(const struct synth_task *t) { return t->tgid ? t->tgid : t->pid; }

static void expect_task(FILE *f, const struct synth_image *s, size_t i) {
        const struct synth_task *t = &s->tasks[i];
        int32_t ppid = 0;
        for (size_t j = 0; j < i; j++)
                if (t->ppid && s->tasks[j].pid == t->ppid)
                        ppid = tgid_of(&s->tasks[j]);
        bool kthread = t->flags & FAKE_PF_KTHREAD;
        fprintf(f, "    {\"pid\": %d, \"ppid\": %d, \"tgid\": %d, ", t->pid, ppid, tgid_of(t));
        fprintf(f, "\"uid\": %u, \"gid\": %u, \"euid\": %u, \"egid\": %u, ",
                t->uid, t->gid, t->euid, t->egid);
        fputs("\"name\": ", f);
        json_str(f, t->comm, strnlen(t->comm, 16));
        fprintf(f, ", \"threads\": %u, \"kernel_thread\": %s, \"task_address\": \"0x%016" PRIx64 "\", ",
                t->nr_threads ? t->nr_threads : 1, kthread ? "true" : "false", s->task_va[i]);
        /* What tasks.c reads: at most max_cmdline bytes, final NULs dropped, split at NULs. */
        const char *unreadable = "";
        size_t len = 0;
        if (t->argv && !kthread) {
                if (t->args_swapped) {
                        unreadable = "\"cmdline\"";
                } else {
                        len = t->argv_len;
                        if (len > HVS_DEFAULT_MAX_CMDLINE) {
                                len = HVS_DEFAULT_MAX_CMDLINE;
                                unreadable = "\"cmdline_truncated\"";
                        }
                        while (len > 0 && t->argv[len - 1] == '\0')
                                len--;
                }
        }
        fputs("\"argv\": [", f);
        for (size_t p = 0; p < len;) {
                size_t l = strnlen(t->argv + p, len - p);
                if (p)
                        fputs(", ", f);
                json_str(f, t->argv + p, l);
                p += l + 1;
        }
        fprintf(f, "], \"unreadable\": [%s]}", unreadable);
}

static int write_expect(FILE *f, const struct variant *v, const struct synth_image *s, bool last) {
        static const char *const layouts[] = { "6.1", "6.1-seqs", "6.12" };
        const struct synth_opts *o = &s->opts;
        fputs("  {\"file\": ", f);
        json_str(f, v->file, strlen(v->file));
        fprintf(f, ", \"build\": \"%s\", \"format\": \"%s\", \"paging\": %d, \"layout\": \"%s\",\n", v->build,
                v->format == RAW ? "raw" : v->format == ELF ? "elf" : "elf+note", (int)o->paging, layouts[o->layout]);
        fprintf(f, "   \"text_va\": \"0x%016" PRIx64 "\", \"text_pa\": \"0x%" PRIx64 "\", \"kaslr_slide\": \"0x%" PRIx64
                   "\", \"page_offset_base\": \"0x%016" PRIx64 "\", \"root\": \"0x%" PRIx64 "\", \"symbols\": %zu,\n",
                o->text_va, o->text_pa, (uint64_t)(o->text_va - 0xffffffff81000000ull), o->page_offset_base,
                s->root_pa, s->nsyms);
        static const struct { uint32_t bit; const char *name; } flag_names[] = {
                { SYNTH_NO_KALLSYMS, "no-kallsyms" }, { SYNTH_CYCLIC_TASKS, "cyclic" },
                { SYNTH_NO_L5_SYMBOL, "no-l5-symbol" }, { SYNTH_MANY_BANNERS, "many-banners" },
        };
        const char *sep = "";
        fputs("   \"flags\": [", f);
        for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
                if (o->flags & flag_names[i].bit) {
                        fprintf(f, "%s\"%s\"", sep, flag_names[i].name);
                        sep = ", ";
                }
        fputs("],\n   \"tasks\": [\n", f);
        for (size_t i = 0; i < s->ntasks; i++) {
                expect_task(f, s, i);
                fputs(i + 1 < s->ntasks ? ",\n" : "\n", f);
        }
        fprintf(f, "  ]}%s\n", last ? "" : ",");
        return ferror(f) ? -EIO : 0;
}

static int write_variant(const struct variant *v, const char *dir, FILE *expect, bool last) {
        const struct synth_opts o = {
                .paging = v->paging, .layout = v->layout, .tasks = tasks_plus, .ntasks = ntasks_plus,
                .text_va = v->text_va, .text_pa = v->text_pa, .page_offset_base = v->pob, .flags = v->flags,
        };
        struct synth_image *s = NULL;
        int r = synth_image_build(&o, &s);
        char path[4096];
        if (r == 0 && snprintf(path, sizeof path, "%s/%s", dir, v->file) >= (int)sizeof path)
                r = -ENAMETOOLONG;
        if (r == 0)
                r = v->format == RAW ? synth_image_write_raw(s, path)
                                     : synth_image_write_elf(s, path, v->format == ELF_NOTE);
        if (r == 0)
                r = write_expect(expect, v, s, last);
        if (r < 0)
                fprintf(stderr, "synth-image: %s: %s\n", v->file, strerror(-r));
        synth_image_free(s);
        return r;
}

int main(int argc, char **argv) {
        if (argc == 3 && strcmp(argv[1], "--golden") == 0) {
                struct synth_image *s = NULL;
                int r = synth_image_build(NULL, &s);
                if (r == 0)
                        r = synth_image_write_raw(s, argv[2]);
                synth_image_free(s);
                if (r < 0)
                        fprintf(stderr, "synth-image: %s: %s\n", argv[2], strerror(-r));
                return r < 0;
        }
        if (argc != 2 || argv[1][0] == '-') {
                fputs("usage: synth-image DIR | synth-image --golden FILE\n", stderr);
                return 2;
        }
        make_tasks_plus();
        char path[4096];
        snprintf(path, sizeof path, "%s/expect.json", argv[1]);
        FILE *f = fopen(path, "w");
        if (!f) {
                fprintf(stderr, "synth-image: %s: %s\n", path, strerror(errno));
                return 1;
        }
        fputs("{\"images\": [\n", f);
        int r = 0;
        const size_t nv = sizeof variants / sizeof variants[0];
        for (size_t i = 0; i < nv && r == 0; i++)
                r = write_variant(&variants[i], argv[1], f, i + 1 == nv);
        fputs("]}\n", f);
        if (fclose(f) != 0 && r == 0) {
                fprintf(stderr, "synth-image: %s: %s\n", path, strerror(errno));
                r = -EIO;
        }
        return r < 0;
}
