/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-add-acq CASE FILE SHA256 - record FILE as a complete memory
 * acquisition in CASE through the library (hvs_case_add_acquisition()), as
 * `hvscope acquire memory` does after writing an image: lets case.sh test
 * `hvscope case verify` on an image without a live VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <hvscope/case.h>

int main(int argc, char **argv) {
        if (argc != 4) {
                fprintf(stderr, "usage: case-add-acq CASE FILE SHA256\n");
                return 2;
        }
        struct stat st;
        if (stat(argv[2], &st) < 0) {
                perror(argv[2]);
                return 1;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        hvs_diag d = { 0 };
        hvs_case *c = NULL;
        int r = hvs_case_open(argv[1], HVS_CASE_CREATE, &d, &c);
        if (r < 0) {
                fprintf(stderr, "case-add-acq: %s\n", d.msg);
                return 1;
        }
        hvs_case_set_command(c, argc, argv);
        hvs_acq_record a = { .kind = "memory", .mode = "consistent", .path = argv[2], .size = (uint64_t)st.st_size,
                             .sha256 = argv[3], .compression = "none", .downtime_ns = -1, .started_ns = now,
                             .finished_ns = now, .status = "complete", .vm_name = "case-test" };
        int64_t id = 0;
        r = hvs_case_add_acquisition(c, &a, &id);
        if (r < 0)
                fprintf(stderr, "case-add-acq: %s\n", hvs_case_errmsg(c));
        else
                printf("%lld\n", (long long)id);
        hvs_case_close(c);
        return r < 0;
}
