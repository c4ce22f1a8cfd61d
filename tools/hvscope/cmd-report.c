/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope report: the case as one self-contained HTML page. */
#include <stdlib.h>
#include <string.h>
#include <hvscope/case.h>
#include <hvscope/timeline.h>
#include "hvscope.h"

static void report_usage(FILE *f) {
        fputs("usage: hvscope report [--case FILE] [--title TEXT] -o FILE.html\n"
              "\n"
              "Write the case as one self-contained HTML page (no script, no external\n"
              "resource: it opens offline in any browser): case summary, findings by\n"
              "severity, VMs, acquisitions with their SHA-256, a timeline chart, the process\n"
              "tree and network connections (with owning processes) of each VM's latest\n"
              "snapshot, and the chain-of-custody log. Everything from the guest is escaped.\n"
              "\n"
              "  --case FILE        the case database (default: $HVS_CASE, else " HVS_CASE_DEFAULT_PATH ")\n"
              "  --title TEXT       the page title (default \"hvscope report\")\n"
              "  -o, --output FILE  where to write it ('-' for stdout); written complete or\n"
              "                     not at all\n",
              f);
}

int cmd_report(int argc, char **argv) {
        static const struct option longopts[] = {
                { "case", required_argument, NULL, 'c' },
                { "title", required_argument, NULL, 't' },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *case_path = NULL, *output = NULL;
        hvs_report_opts opts = { .sz = sizeof opts };
        int c;
        while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        case_path = optarg;
                        break;
                case 't':
                        opts.title = optarg;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        report_usage(stdout);
                        return 0;
                default:
                        report_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("report: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (!output) {
                errorf("report: no output file (-o FILE.html, or -o - for stdout)");
                return 1;
        }
        hvs_case *k = NULL;
        if (case_open_readonly(case_path, &k) < 0)
                return 1;
        opts.case_path = hvs_case_path(k);
        struct out_file o;
        int r = out_file_open(&o, output);
        if (r >= 0) {
                hvs_diag d = { 0 };
                r = hvs_report_write_db(hvs_case_db(k), &opts, &d, o.f);
                if (r < 0)
                        errorf("cannot write the report of '%s': %s", hvs_case_path(k),
                               d.msg[0] ? d.msg : hvs_strerror(r));
                r = out_file_close(&o, r >= 0);
        }
        hvs_case_close(k);
        return r < 0 ? 1 : 0;
}
