/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope report: the case as one self-contained HTML page. The page is
 * built in memory, hashed (SHA-256), written, and then the writing is
 * recorded in the case's custody log (action "report": where, how many
 * bytes, the title; the hash as the row's result).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>
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
              "                     not at all\n"
              "\n"
              "The report's path and SHA-256 are then appended to the case's custody log\n"
              "(action \"report\"; 'hvscope case log' shows it). A case that cannot be\n"
              "written (read-only file or file system) keeps the report, with a warning.\n",
              f);
}

/* Appends the custody row "report"; a case that cannot be written only warns. */
static int report_log(const char *case_path, const char *output, size_t bytes, const char *title, const char *sha,
                      int argc, char **argv) {
        if (!case_path)
                return -ENOMEM;
        hvs_diag d = { 0 };
        hvs_case *k = NULL;
        int r = hvs_case_open(case_path, 0, &d, &k);
        if (r == -EROFS || r == -EACCES || r == -EPERM) {
                warnf("the report was written, but the case '%s' cannot be written to record it in its custody "
                      "log: %s", case_path, d.msg[0] ? d.msg : hvs_strerror(r));
                return 0;
        }
        if (r < 0) {
                errorf("the report was written, but not recorded in the custody log of '%s': %s", case_path,
                       d.msg[0] ? d.msg : hvs_strerror(r));
                return r;
        }
        (void)hvs_case_set_command(k, argc, argv);
        json_object *a = json_object_new_object();
        char real[PATH_MAX];
        bool to_stdout = !strcmp(output, "-");
        json_object_object_add(a, "path", json_object_new_string(to_stdout ? "-" :
                                                                 realpath(output, real) ? real : output));
        json_object_object_add(a, "bytes", json_object_new_int64((int64_t)bytes));
        json_object_object_add(a, "format", json_object_new_string("html"));
        if (title)
                json_object_object_add(a, "title", json_object_new_string(title));
        const char *text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = text ? hvs_case_log_action(k, "report", text, sha, NULL) : -ENOMEM;
        json_object_put(a);
        if (r < 0)
                errorf("the report was written, but not recorded in the custody log of '%s': %s", case_path,
                       hvs_case_errmsg(k)[0] ? hvs_case_errmsg(k) : hvs_strerror(r));
        hvs_case_close(k);
        return r;
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
        char *page = NULL;
        size_t len = 0;
        FILE *mf = open_memstream(&page, &len);
        if (!mf) {
                errorf("out of memory");
                hvs_case_close(k);
                return 1;
        }
        hvs_diag d = { 0 };
        int r = hvs_report_write_db(hvs_case_db(k), &opts, &d, mf);
        if (fclose(mf) == EOF && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                errorf("cannot write the report of '%s': %s", hvs_case_path(k), d.msg[0] ? d.msg : hvs_strerror(r));
        char *path_copy = strdup(hvs_case_path(k));
        hvs_case_close(k);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdn = 0;
        char sha[65] = "";
        if (r >= 0 && (EVP_Digest(page, len, md, &mdn, EVP_sha256(), NULL) != 1 || mdn != 32)) {
                errorf("report: sha-256 failed");
                r = -EIO;
        }
        for (unsigned i = 0; r >= 0 && i < mdn; i++)
                snprintf(sha + 2 * i, 3, "%02x", md[i]);
        struct out_file o;
        if (r >= 0 && (r = out_file_open(&o, output)) >= 0) {
                if (len && fwrite(page, 1, len, o.f) != len) {
                        r = errno ? -errno : -EIO;
                        errorf("cannot write the report to '%s': %s", output, strerror(-r));
                }
                int rc = out_file_close(&o, r >= 0);
                if (r >= 0)
                        r = rc;
        }
        free(page);
        if (r >= 0)
                r = report_log(path_copy, output, len, opts.title, sha, argc, argv);
        free(path_copy);
        return r < 0 ? 1 : 0;
}
