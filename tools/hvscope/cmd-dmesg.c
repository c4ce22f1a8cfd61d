/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope dmesg: the guest's kernel log, from its printk ring buffer. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static const char *const level_names[8] = { "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug" };

/* "err,warn" or "3,4" -> bit mask of levels; 0 on a bad name. */
static unsigned parse_levels(const char *arg) {
        unsigned mask = 0;
        char *dup = strdup(arg), *save = NULL;
        if (!dup)
                return 0;
        for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int lv = -1;
                for (int i = 0; i < 8; i++)
                        if (!strcmp(t, level_names[i]))
                                lv = i;
                if (t[0] >= '0' && t[0] <= '7' && t[1] == '\0')
                        lv = t[0] - '0';
                if (lv < 0) {
                        free(dup);
                        return 0;
                }
                mask |= 1u << lv;
        }
        free(dup);
        return mask;
}

/* One line of text with non-printable bytes escaped as dmesg does (\xNN). */
static void put_escaped(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        printf("\\x%02x", c);
                else
                        putchar(c);
        }
}

static void print_record(const hvs_dmesg_record *r) {
        /* As the kernel's syslog output: every line of a multi-line record gets the prefix. */
        const char *p = r->text, *end = r->text + r->text_len;
        do {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                printf("[%5" PRIu64 ".%06" PRIu64 "] ", r->ts_nsec / 1000000000u, r->ts_nsec % 1000000000u / 1000u);
                put_escaped(p, n);
                putchar('\n');
                p += n + (nl != NULL);
        } while (p < end);
}

static json_object *record_json(const hvs_linux_info *info, const hvs_dmesg_record *r) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "seq", json_object_new_uint64(r->seq));
        json_object_object_add(o, "timestamp_ns", json_object_new_uint64(r->ts_nsec));
        char when[40];
        fmt_iso_time(info->boot_time_ns ? info->boot_time_ns + (int64_t)r->ts_nsec : 0, when, sizeof when);
        json_object_object_add(o, "time", when[0] ? json_object_new_string(when) : NULL);
        json_object_object_add(o, "level", json_object_new_int(r->level));
        json_object_object_add(o, "level_name", json_object_new_string(level_names[r->level & 7]));
        json_object_object_add(o, "facility", json_object_new_int(r->facility));
        char caller[24];
        snprintf(caller, sizeof caller, "%c%" PRIu32, r->caller & HVS_DMESG_CALLER_CPU ? 'C' : 'T',
                 r->caller & ~HVS_DMESG_CALLER_CPU);
        json_object_object_add(o, "caller", json_object_new_string(caller));
        json_object_object_add(o, "flags", json_object_new_int(r->flags));
        json_object_object_add(o, "finalized", json_object_new_boolean(r->finalized));
        json_object_object_add(o, "text", json_object_new_string_len(r->text, (int)r->text_len));
        json_object_object_add(o, "text_address", json_addr(r->text_addr.v));
        return o;
}

json_object *view_dmesg_json(hvs_session *s, const hvs_dmesg *d, unsigned levels) {
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "source", json_object_new_string(hvs_mem_get_info(hvs_session_mem(s))->source));
        json_object_object_add(root, "ringbuffer_address", json_addr(d->prb.v));
        json_object_object_add(root, "skipped", json_object_new_uint64(d->skipped));
        json_object_object_add(root, "truncated", json_object_new_boolean(d->truncated));
        if (d->truncated)
                json_object_object_add(root, "truncated_reason", json_object_new_string(d->trunc_msg));
        for (size_t j = 0; j < d->n; j++)
                if (levels & (1u << (d->records[j].level & 7)))
                        json_object_array_add(arr, record_json(i, &d->records[j]));
        json_object_object_add(root, "records", arr);
        return root;
}

static void dmesg_usage(FILE *f) {
        fputs("usage: hvscope dmesg [--level LIST] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "Print the guest's kernel log from its printk ring buffer, as dmesg does:\n"
              "[seconds since boot] text. Records being written while the ring is read\n"
              "are skipped (use --pause for a complete view of a busy guest).\n"
              "\n"
              "  -l, --level LIST   only these levels (comma-separated names or numbers:\n"
              "                     emerg,alert,crit,err,warn,notice,info,debug)\n" TARGET_HELP,
              f);
}

int cmd_dmesg(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "level", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        unsigned levels = 0xff;
        int c;
        while ((c = getopt_long(argc, argv, "vl:h", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case 'l':
                        if (!(levels = parse_levels(optarg))) {
                                errorf("dmesg: unknown level in '%s'", optarg);
                                return 1;
                        }
                        break;
                case 'h':
                        dmesg_usage(stdout);
                        return 0;
                default:
                        dmesg_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("dmesg: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_linux *k = hvs_session_linux(s);
        hvs_dmesg *d = NULL;
        int r = hvs_linux_dmesg(k, &d);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                errorf("cannot read the kernel log: %s", hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (d->truncated)
                warnf("partial result: %s", d->trunc_msg);
        if (t.json) {
                print_json(view_dmesg_json(s, d, levels));
        } else {
                for (size_t j = 0; j < d->n; j++)
                        if (levels & (1u << (d->records[j].level & 7)))
                                print_record(&d->records[j]);
        }
        hvs_dmesg_free(d);
        hvs_session_close(s);
        if (fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return 0;
}
