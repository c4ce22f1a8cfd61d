/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope timeline: everything in a case with a time, in order (table, ECS NDJSON, Timesketch CSV). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/case.h>
#include <hvscope/timeline.h>
#include "hvscope.h"

/* Control bytes as '?', so a guest-chosen string cannot forge lines or move the cursor. */
static void put_safe(FILE *f, const char *s, size_t width) {
        size_t n = 0;
        for (; s && *s; s++, n++) {
                unsigned char c = (unsigned char)*s;
                fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
        }
        for (; n < width; n++)
                fputc(' ', f);
}

int case_open_readonly(const char *path, hvs_case **ret) {
        if (!path)
                path = hvs_case_default_path();
        hvs_diag d = { 0 };
        int r = hvs_case_open(path, HVS_CASE_READONLY, &d, ret);
        if (r < 0 && d.msg[0])
                errorf("%s", d.msg);    /* names the case */
        else if (r < 0)
                errorf("cannot open the case '%s': %s", path, hvs_strerror(r));
        return r;
}

static int write_table(const hvs_timeline *tl, FILE *f) {
        fprintf(f, "%-27s %-5s %-11s %-22s %-14s %s\n", "TIME (UTC)", "CLOCK", "SOURCE", "ACTION", "VM", "WHAT");
        for (size_t i = 0; i < tl->n; i++) {
                const hvs_tl_entry *e = &tl->entries[i];
                char t[40];
                fprintf(f, "%-27s %-5s %-11s ", hvs_time_format(e->ts_ns, t, sizeof t), e->guest_clock ? "guest" : "host",
                        hvs_tl_source_name(e->source));
                put_safe(f, e->action, 22);
                fputc(' ', f);
                put_safe(f, e->vm_name ? e->vm_name : "-", 14);
                fputc(' ', f);
                if (e->severity) {
                        fputc('[', f);
                        put_safe(f, e->severity, 0);
                        fputs("] ", f);
                }
                put_safe(f, e->message, 0);
                fputc('\n', f);
        }
        return fflush(f) == EOF || ferror(f) ? -EIO : 0;
}

static void timeline_usage(FILE *f) {
        fputs("usage: hvscope timeline [--case FILE] [--format table|ndjson|csv] [--from TIME] [--to TIME]\n"
              "                        [--no-kthreads] [-o FILE]\n"
              "\n"
              "Merge everything in a case that has a time into one ordered timeline: process\n"
              "starts (once per process, whatever the number of snapshots that saw it),\n"
              "processes and modules that appeared or disappeared between snapshots,\n"
              "acquisitions (start and finish), snapshots, events, findings and the custody\n"
              "log. Times are UTC; process starts are on the guest's clock.\n"
              "\n"
              "  --case FILE        the case database (default: $HVS_CASE, else " HVS_CASE_DEFAULT_PATH ")\n"
              "  --format FORMAT    table (default), ndjson (Elastic Common Schema, one\n"
              "                     document per line) or csv (Timesketch)\n"
              "  --json             the same as --format ndjson\n"
              "  --from TIME        only entries at or after TIME, --to TIME: at or before;\n"
              "                     TIME is ISO 8601 (2024-05-01, 2024-05-01T12:00:00Z,\n"
              "                     2024-05-01 12:00+02:00) or @SECONDS since the epoch\n"
              "  --no-kthreads      leave out kernel threads\n"
              "  -o, --output FILE  write to FILE (complete or not at all) instead of stdout\n",
              f);
}

int cmd_timeline(int argc, char **argv) {
        static const struct option longopts[] = {
                { "case", required_argument, NULL, 'c' },
                { "format", required_argument, NULL, 'f' },
                { "json", no_argument, NULL, 'j' },
                { "from", required_argument, NULL, 'F' },
                { "to", required_argument, NULL, 'T' },
                { "no-kthreads", no_argument, NULL, 'K' },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *case_path = NULL, *format = "table", *output = NULL;
        hvs_timeline_opts opts = { .sz = sizeof opts };
        int c;
        while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        case_path = optarg;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'j':
                        format = "ndjson";
                        break;
                case 'F':
                case 'T':
                        if (hvs_time_parse(optarg, c == 'F' ? &opts.from_ns : &opts.to_ns) < 0) {
                                errorf("timeline: invalid time '%s' (ISO 8601 or @SECONDS)", optarg);
                                return 1;
                        }
                        break;
                case 'K':
                        opts.no_kthreads = true;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        timeline_usage(stdout);
                        return 0;
                default:
                        timeline_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("timeline: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        int (*writer)(const hvs_timeline *, FILE *);
        if (!strcmp(format, "table"))
                writer = write_table;
        else if (!strcmp(format, "ndjson") || !strcmp(format, "json"))
                writer = hvs_timeline_write_ndjson;
        else if (!strcmp(format, "csv"))
                writer = hvs_timeline_write_csv;
        else {
                errorf("timeline: unknown format '%s' (table, ndjson or csv)", format);
                return 1;
        }
        if (opts.from_ns && opts.to_ns && opts.from_ns > opts.to_ns) {
                errorf("timeline: --from is after --to");
                return 1;
        }
        hvs_case *k = NULL;
        if (case_open_readonly(case_path, &k) < 0)
                return 1;
        hvs_timeline *tl = NULL;
        hvs_diag d = { 0 };
        int r = hvs_timeline_build_db(hvs_case_db(k), &opts, &d, &tl);
        if (r < 0) {
                errorf("cannot build the timeline of '%s': %s", hvs_case_path(k), d.msg[0] ? d.msg : hvs_strerror(r));
                hvs_case_close(k);
                return 1;
        }
        if (tl->truncated)
                warnf("partial result: the timeline has %zu entries, more than %zu; the earliest are shown "
                      "(narrow it with --from/--to)",
                      tl->n_matched, tl->n);
        struct out_file o;
        r = out_file_open(&o, output);
        if (r >= 0) {
                r = writer(tl, o.f);
                if (r < 0)
                        errorf("cannot write the timeline: %s", strerror(-r));
                r = out_file_close(&o, r >= 0);
        }
        hvs_timeline_free(tl);
        hvs_case_close(k);
        return r < 0 ? 1 : 0;
}
