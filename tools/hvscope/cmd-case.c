/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope case: look at, check and compare what a case holds.
 *   case info     VMs, acquisitions with hashes, snapshots
 *   case log      the chain-of-custody log
 *   case verify   re-hash images, snapshots, logged rows and the chain
 *   case diff     what changed between two snapshots
 *   case upgrade  migrate a case to this program's schema
 * Everything read from a case may have been tampered with: text goes to the
 * terminal with control bytes escaped, and NULL where the schema says NOT
 * NULL is shown as "-".
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"

/* @s for a terminal: control bytes as '?', NULL as "-". Borrowed buffer. */
static const char *safe(const char *s, char *buf, size_t cap) {
        if (!s)
                return "-";
        size_t n = 0;
        for (; s[n] && n + 1 < cap; n++)
                buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
        buf[n] = '\0';
        return buf;
}

static json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *jtime(int64_t ns) {
        char t[40];
        fmt_iso_time(ns, t, sizeof t);
        return t[0] ? json_object_new_string(t) : NULL;
}

static const char *tstr(int64_t ns, char *buf, size_t cap) {
        fmt_iso_time(ns, buf, cap);
        return buf[0] ? buf : "-";
}

static int open_case(const char *path, unsigned flags, hvs_case **ret) {
        if (!path)
                path = hvs_case_default_path();
        hvs_diag d = { 0 };
        int r = hvs_case_open(path, flags, &d, ret);
        if (r < 0)
                errorf("%s", d.msg[0] ? d.msg : hvs_strerror(r));
        return r;
}

struct common {
        const char *case_path;
        bool json;
};

/* Parses --case, --json, --help; returns the index of the first operand, or -1 (exit 1) / -2 (exit 0). */
static int parse_common(int argc, char **argv, struct common *o, const char *usage, const struct option *extra,
                        int (*on_extra)(int c, const char *arg, void *ud), void *ud) {
        struct option longopts[16] = {
                { "case", required_argument, NULL, 'C' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
        };
        size_t n = 3;
        for (; extra && extra[n - 3].name && n < 15; n++)
                longopts[n] = extra[n - 3];
        longopts[n] = (struct option){ 0 };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case 'C':
                        o->case_path = optarg;
                        break;
                case 'j':
                        o->json = true;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return -2;
                default:
                        if (on_extra && on_extra(c, optarg, ud) == 0)
                                break;
                        fputs(usage, stderr);
                        return -1;
                }
        }
        return optind;
}

#define CASE_OPT_HELP                                                                      \
        "  --case FILE        the case (default $HVS_CASE, else ./" HVS_CASE_DEFAULT_PATH ")\n" \
        "  --json             machine-readable output\n"

/* ---- info ---- */

struct info_ctx {
        json_object *arr;
        bool json;
};

static int info_vm(void *ud, const hvs_case_vm *v) {
        struct info_ctx *x = ud;
        if (x->json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_int64(v->id));
                json_object_object_add(o, "host", jstr(v->host));
                json_object_object_add(o, "name", jstr(v->name));
                json_object_object_add(o, "uuid", jstr(v->uuid));
                json_object_object_add(o, "qmp", jstr(v->qmp));
                json_object_object_add(o, "qemu_pid", v->qemu_pid ? json_object_new_int(v->qemu_pid) : NULL);
                json_object_object_add(o, "image", jstr(v->image));
                json_object_object_add(o, "kernel_banner", jstr(v->kernel_banner));
                json_object_object_add(o, "first_seen", jtime(v->first_seen_ns));
                json_object_object_add(o, "last_seen", jtime(v->last_seen_ns));
                json_object_array_add(x->arr, o);
                return 0;
        }
        char a[512], b[1024], c[1024], t1[40], t2[40];
        printf("  %4" PRId64 "  %-16s %-30s %s .. %s  on %s\n", v->id, safe(v->name ? v->name : v->uuid, a, 64),
               safe(v->qmp ? v->qmp : v->image, b, 256), tstr(v->first_seen_ns, t1, sizeof t1),
               tstr(v->last_seen_ns, t2, sizeof t2), safe(v->host, c, 256));
        return 0;
}

static int info_acq(void *ud, const hvs_case_acq *a) {
        struct info_ctx *x = ud;
        if (x->json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_int64(a->id));
                json_object_object_add(o, "vm_id", a->vm_id ? json_object_new_int64(a->vm_id) : NULL);
                json_object_object_add(o, "kind", jstr(a->kind));
                json_object_object_add(o, "mode", jstr(a->mode));
                json_object_object_add(o, "status", jstr(a->status));
                json_object_object_add(o, "path", jstr(a->path));
                json_object_object_add(o, "size", json_object_new_uint64(a->size));
                json_object_object_add(o, "sha256", jstr(a->sha256));
                json_object_object_add(o, "compression", jstr(a->compression));
                json_object_object_add(o, "smeared", json_object_new_boolean(a->smeared));
                json_object_object_add(o, "downtime_ns", a->downtime_ns >= 0 ? json_object_new_int64(a->downtime_ns) : NULL);
                json_object_object_add(o, "started", jtime(a->started_ns));
                json_object_object_add(o, "finished", a->finished_ns > 0 ? jtime(a->finished_ns) : NULL);
                json_object_object_add(o, "tool_version", jstr(a->tool_version));
                json_object_object_add(o, "host", jstr(a->host));
                json_object_object_add(o, "actor", jstr(a->actor));
                json_object_array_add(x->arr, o);
                return 0;
        }
        char k[64], m[64], s[64], h[80], p[1024], t[40];
        printf("  %4" PRId64 "  %-9s %-10s %-8s %s %12" PRIu64 "  %s  %s\n", a->id, safe(a->kind, k, sizeof k),
               safe(a->mode, m, sizeof m), safe(a->status, s, sizeof s), tstr(a->started_ns, t, sizeof t), a->size,
               safe(a->sha256, h, sizeof h), safe(a->path, p, sizeof p));
        return 0;
}

static int info_snap(void *ud, const hvs_case_snapshot *s) {
        struct info_ctx *x = ud;
        if (x->json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_int64(s->id));
                json_object_object_add(o, "vm_id", s->vm_id ? json_object_new_int64(s->vm_id) : NULL);
                json_object_object_add(o, "acquisition_id", json_object_new_int64(s->acquisition_id));
                json_object_object_add(o, "taken", jtime(s->taken_ns));
                json_object_object_add(o, "guest_time", s->guest_time_ns ? jtime(s->guest_time_ns) : NULL);
                json_object_object_add(o, "paused", json_object_new_boolean(s->paused));
                json_object_object_add(o, "source", jstr(s->source));
                json_object_object_add(o, "kernel_release", jstr(s->kernel_release));
                json_object_object_add(o, "hostname", jstr(s->hostname));
                json_object_object_add(o, "label", jstr(s->label));
                json_object_object_add(o, "content_sha256", jstr(s->content_sha256));
                json_object_object_add(o, "processes", json_object_new_int64(s->n_processes));
                json_object_object_add(o, "modules", json_object_new_int64(s->n_modules));
                json_object_object_add(o, "sockets", json_object_new_int64(s->n_sockets));
                json_object_array_add(x->arr, o);
                return 0;
        }
        char t[40], src[32], hn[128], kr[128], lb[256], h[80];
        printf("  %4" PRId64 "  %s %-7s %-6s %-16s %-20s %5" PRId64 " %5" PRId64 " %5" PRId64 "  %s  %s\n", s->id,
               tstr(s->taken_ns, t, sizeof t), safe(s->source, src, sizeof src), s->paused ? "yes" : "no",
               safe(s->hostname, hn, 40), safe(s->kernel_release, kr, 40), s->n_processes, s->n_modules,
               s->n_sockets, safe(s->content_sha256, h, sizeof h), s->label ? safe(s->label, lb, sizeof lb) : "");
        return 0;
}

static int count_rows(void *ud, const hvs_case_custody *r) {
        int64_t *n = ud;
        (void)r;
        (*n)++;
        return 0;
}

static int case_info(int argc, char **argv) {
        struct common o = { 0 };
        int i = parse_common(argc, argv, &o,
                             "usage: hvscope case info [--case FILE] [--json]\n"
                             "\n"
                             "What the case holds: its VMs, its acquisitions with their SHA-256, its\n"
                             "snapshots with their counts and content hashes, and the custody log's head.\n"
                             "\n" CASE_OPT_HELP,
                             NULL, NULL, NULL);
        if (i < 0)
                return i == -2 ? 0 : 1;
        if (i < argc) {
                errorf("case info: unexpected argument '%s'", argv[i]);
                return 1;
        }
        hvs_case *c = NULL;
        if (open_case(o.case_path, HVS_CASE_READONLY, &c) < 0)
                return 1;
        int64_t nlog = 0;
        int r = hvs_case_foreach_custody(c, count_rows, &nlog);
        struct info_ctx vms = { .json = o.json, .arr = o.json ? json_object_new_array() : NULL };
        struct info_ctx acqs = { .json = o.json, .arr = o.json ? json_object_new_array() : NULL };
        struct info_ctx snaps = { .json = o.json, .arr = o.json ? json_object_new_array() : NULL };
        if (!o.json && r == 0) {
                printf("case %s (schema %d, %" PRId64 " custody log rows)\n", hvs_case_path(c),
                       hvs_case_schema_version(), nlog);
                printf("\nVMs\n  %4s  %-16s %-30s %s\n", "ID", "NAME", "QMP SOCKET / IMAGE", "SEEN");
        }
        if (r == 0)
                r = hvs_case_foreach_vm(c, info_vm, &vms);
        if (!o.json && r == 0)
                printf("\nacquisitions\n  %4s  %-9s %-10s %-8s %-24s %12s  %-64s  %s\n", "ID", "KIND", "MODE",
                       "STATUS", "STARTED", "BYTES", "SHA-256", "PATH");
        if (r == 0)
                r = hvs_case_foreach_acquisition(c, info_acq, &acqs);
        if (!o.json && r == 0)
                printf("\nsnapshots\n  %4s  %-24s %-7s %-6s %-16s %-20s %5s %5s %5s  %-64s  %s\n", "ID", "TAKEN",
                       "SOURCE", "PAUSED", "HOSTNAME", "KERNEL", "PROCS", "MODS", "SOCKS", "CONTENT SHA-256", "LABEL");
        if (r == 0)
                r = hvs_case_foreach_snapshot(c, info_snap, &snaps);
        if (r < 0) {
                errorf("cannot read case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                json_object_put(vms.arr);
                json_object_put(acqs.arr);
                json_object_put(snaps.arr);
                hvs_case_close(c);
                return 1;
        }
        if (o.json) {
                json_object *root = json_object_new_object();
                json_object_object_add(root, "case", json_object_new_string(hvs_case_path(c)));
                json_object_object_add(root, "schema_version", json_object_new_int(hvs_case_schema_version()));
                json_object_object_add(root, "custody_rows", json_object_new_int64(nlog));
                json_object_object_add(root, "vms", vms.arr);
                json_object_object_add(root, "acquisitions", acqs.arr);
                json_object_object_add(root, "snapshots", snaps.arr);
                print_json(root);
        }
        hvs_case_close(c);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- log ---- */

static int log_row(void *ud, const hvs_case_custody *r) {
        json_object *arr = ud;
        if (arr) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "seq", json_object_new_int64(r->seq));
                json_object_object_add(o, "time", jtime(r->ts_ns));
                json_object_object_add(o, "ts_ns", json_object_new_int64(r->ts_ns));
                json_object_object_add(o, "actor", jstr(r->actor));
                json_object_object_add(o, "host", jstr(r->host));
                json_object_object_add(o, "tool_version", jstr(r->tool_version));
                json_object_object_add(o, "action", jstr(r->action));
                /* As stored (text): parsing it here would trust a tampered case. */
                json_object_object_add(o, "args_json", jstr(r->args_json));
                json_object_object_add(o, "result_sha256", jstr(r->result_sha256));
                json_object_object_add(o, "prev_hash", jstr(r->prev_hash));
                json_object_object_add(o, "hash", jstr(r->hash));
                json_object_array_add(arr, o);
                return 0;
        }
        char t[40], a[128], h[128], ac[64], res[80], hash[80], args[2048];
        printf("%5" PRId64 " %-24s %-20s %-16s %-9s %-16.16s %-16.16s %s\n", r->seq, tstr(r->ts_ns, t, sizeof t),
               safe(r->actor, a, sizeof a), safe(r->host, h, 17), safe(r->action, ac, sizeof ac),
               safe(r->result_sha256, res, sizeof res), safe(r->hash, hash, sizeof hash),
               safe(r->args_json, args, sizeof args));
        return 0;
}

static int case_log(int argc, char **argv) {
        struct common o = { 0 };
        int i = parse_common(argc, argv, &o,
                             "usage: hvscope case log [--case FILE] [--json]\n"
                             "\n"
                             "The chain-of-custody log: every action on the case, in order, with who\n"
                             "(user and uid), where (host), when, the arguments, the result hash and the\n"
                             "row's own hash (hashes shortened to 16 digits in the table; --json has\n"
                             "them whole). 'hvscope case verify' checks the chain.\n"
                             "\n" CASE_OPT_HELP,
                             NULL, NULL, NULL);
        if (i < 0)
                return i == -2 ? 0 : 1;
        if (i < argc) {
                errorf("case log: unexpected argument '%s'", argv[i]);
                return 1;
        }
        hvs_case *c = NULL;
        if (open_case(o.case_path, HVS_CASE_READONLY, &c) < 0)
                return 1;
        json_object *arr = o.json ? json_object_new_array() : NULL;
        if (!o.json)
                printf("%5s %-24s %-20s %-16s %-9s %-16s %-16s %s\n", "SEQ", "TIME (UTC)", "WHO", "HOST", "ACTION",
                       "RESULT", "HASH", "ARGUMENTS");
        int r = hvs_case_foreach_custody(c, log_row, arr);
        if (r < 0) {
                errorf("cannot read the custody log of '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                json_object_put(arr);
                hvs_case_close(c);
                return 1;
        }
        if (arr) {
                json_object *root = json_object_new_object();
                json_object_object_add(root, "case", json_object_new_string(hvs_case_path(c)));
                json_object_object_add(root, "custody", arr);
                print_json(root);
        }
        hvs_case_close(c);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- verify ---- */

static const char *problem_kind(enum hvs_case_problem_kind k) {
        switch (k) {
        case HVS_CASE_PROBLEM_DATABASE: return "database";
        case HVS_CASE_PROBLEM_CUSTODY: return "custody";
        case HVS_CASE_PROBLEM_ROWS: return "rows";
        case HVS_CASE_PROBLEM_UNLOGGED: return "unlogged";
        case HVS_CASE_PROBLEM_IMAGE: return "image";
        case HVS_CASE_PROBLEM_SNAPSHOT: return "snapshot";
        }
        return "?";
}

static int verify_extra(int c, const char *arg, void *ud) {
        (void)arg;
        if (c != 'R')
                return -1;
        *(bool *)ud = true;
        return 0;
}

static int case_verify(int argc, char **argv) {
        struct common o = { 0 };
        bool record = false;
        static const struct option extra[] = { { "record", no_argument, NULL, 'R' }, { 0 } };
        int i = parse_common(argc, argv, &o,
                             "usage: hvscope case verify [--case FILE] [--record] [--json]\n"
                             "\n"
                             "Check the whole case: the database's integrity; the custody chain (each\n"
                             "row's hash, its link to the row before, no gap in the sequence, the head);\n"
                             "the rows each custody row accounts for (re-hashed); rows no custody row\n"
                             "accounts for; each snapshot's content hash; each acquired file (present,\n"
                             "size, SHA-256). Prints every discrepancy (which table and row, which field,\n"
                             "expected and found) and exits 1 if there is any.\n"
                             "\n"
                             "  --record           append the outcome to the custody log (\"verify\")\n" CASE_OPT_HELP,
                             extra, verify_extra, &record);
        if (i < 0)
                return i == -2 ? 0 : 1;
        if (i < argc) {
                errorf("case verify: unexpected argument '%s'", argv[i]);
                return 1;
        }
        hvs_case *c = NULL;
        if (open_case(o.case_path, record ? 0 : HVS_CASE_READONLY, &c) < 0)
                return 1;
        if (record)
                (void)hvs_case_set_command(c, argc, argv);
        hvs_case_verify_result *res = NULL;
        int r = hvs_case_verify(c, &res);
        if (r < 0) {
                errorf("cannot verify case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                hvs_case_close(c);
                return 1;
        }
        if (o.json) {
                json_object *root = json_object_new_object(), *arr = json_object_new_array();
                json_object_object_add(root, "case", json_object_new_string(hvs_case_path(c)));
                json_object_object_add(root, "ok", json_object_new_boolean(res->n_problems == 0));
                json_object_object_add(root, "custody_rows", json_object_new_int64(res->custody_rows));
                json_object_object_add(root, "head_seq", json_object_new_int64(res->head_seq));
                json_object_object_add(root, "head_hash", json_object_new_string(res->head_hash));
                json_object_object_add(root, "row_sets", json_object_new_int64(res->row_sets));
                json_object_object_add(root, "snapshots", json_object_new_int64(res->snapshots));
                json_object_object_add(root, "images", json_object_new_int64(res->images));
                json_object_object_add(root, "image_bytes", json_object_new_uint64(res->image_bytes));
                for (size_t k = 0; k < res->n_problems; k++) {
                        const hvs_case_problem *p = &res->problems[k];
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "kind", json_object_new_string(problem_kind(p->kind)));
                        json_object_object_add(e, "table", json_object_new_string(p->table));
                        json_object_object_add(e, "row", json_object_new_int64(p->row));
                        json_object_object_add(e, "field", json_object_new_string(p->field));
                        json_object_object_add(e, "expected", json_object_new_string(p->expected));
                        json_object_object_add(e, "found", json_object_new_string(p->found));
                        json_object_object_add(e, "message", json_object_new_string(p->msg));
                        json_object_array_add(arr, e);
                }
                json_object_object_add(root, "problems", arr);
                json_object_object_add(root, "problems_truncated", json_object_new_boolean(res->problems_truncated));
                print_json(root);
        } else {
                for (size_t k = 0; k < res->n_problems; k++) {
                        const hvs_case_problem *p = &res->problems[k];
                        char m[1100], e[600], f[600];
                        printf("FAIL %-8s %s\n", problem_kind(p->kind), safe(p->msg, m, sizeof m));
                        if (!p->expected[0] && !p->found[0])
                                continue;
                        char where[96];
                        if (p->row)
                                snprintf(where, sizeof where, "%s row %" PRId64 " %s", p->table, p->row, p->field);
                        else
                                snprintf(where, sizeof where, "%s%s%s", p->table, p->table[0] ? " " : "", p->field);
                        printf("     %s: recorded %s, found %s\n", where, safe(p->expected, e, sizeof e),
                               safe(p->found, f, sizeof f));
                }
                if (res->problems_truncated)
                        printf("FAIL ... more problems than the %u listed\n", HVS_MAX_CASE_PROBLEMS);
                printf("%s: case %s: %" PRId64 " custody rows (head %" PRId64 " %s), %" PRId64
                       " logged row sets, %" PRId64 " snapshots, %" PRId64 " files (%" PRIu64 " bytes) re-hashed; "
                       "%zu problem%s\n",
                       res->n_problems ? "FAILED" : "OK", hvs_case_path(c), res->custody_rows, res->head_seq,
                       res->head_hash[0] ? res->head_hash : "-", res->row_sets, res->snapshots, res->images,
                       res->image_bytes, res->n_problems, res->n_problems == 1 ? "" : "s");
        }
        int rc = res->n_problems ? 1 : 0;
        if (record && hvs_case_log_verify(c, res) < 0) {
                errorf("cannot record the verification in case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                rc = 1;
        }
        hvs_case_verify_result_free(res);
        hvs_case_close(c);
        if (fflush(stdout) != 0)
                rc = 1;
        return rc;
}

/* ---- diff ---- */

static bool parse_id(const char *s, int64_t *ret) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end || v <= 0)
                return false;
        *ret = v;
        return true;
}

static int case_diff(int argc, char **argv) {
        struct common o = { 0 };
        int i = parse_common(argc, argv, &o,
                             "usage: hvscope case diff A B [--case FILE] [--json]\n"
                             "\n"
                             "What appeared (+), disappeared (-) or changed (~) from snapshot A to snapshot\n"
                             "B: processes (by PID and start time), modules (by name), sockets (by\n"
                             "protocol, endpoints and inode); for a change, which fields and their values.\n"
                             "'hvscope case info' lists the snapshot ids.\n"
                             "\n" CASE_OPT_HELP,
                             NULL, NULL, NULL);
        if (i < 0)
                return i == -2 ? 0 : 1;
        int64_t a, b;
        if (argc - i != 2) {
                errorf("case diff: give two snapshot ids (see 'hvscope case info')");
                return 1;
        }
        if (!parse_id(argv[i], &a) || !parse_id(argv[i + 1], &b)) {
                errorf("case diff: invalid snapshot id '%s'", parse_id(argv[i], &a) ? argv[i + 1] : argv[i]);
                return 1;
        }
        hvs_case *c = NULL;
        if (open_case(o.case_path, HVS_CASE_READONLY, &c) < 0)
                return 1;
        hvs_diff *d = NULL;
        int r = hvs_case_diff(c, a, b, &d);
        if (r < 0) {
                errorf("cannot diff snapshots %" PRId64 " and %" PRId64 ": %s", a, b, hvs_case_errmsg(c));
                hvs_case_close(c);
                return 1;
        }
        if (o.json) {
                json_object *root = json_object_new_object(), *arr = json_object_new_array();
                json_object_object_add(root, "case", json_object_new_string(hvs_case_path(c)));
                json_object_object_add(root, "a", json_object_new_int64(a));
                json_object_object_add(root, "b", json_object_new_int64(b));
                for (size_t k = 0; k < d->n; k++) {
                        const hvs_diff_item *it = &d->items[k];
                        json_object *e = json_object_new_object(), *fields = json_object_new_array();
                        json_object_object_add(e, "what", json_object_new_string(hvs_diff_what_name(it->what)));
                        json_object_object_add(e, "change", json_object_new_string(hvs_diff_change_name(it->change)));
                        json_object_object_add(e, "key", json_object_new_string(it->key));
                        json_object_object_add(e, "label", json_object_new_string(it->label));
                        json_object_object_add(e, "pid", it->what == HVS_DIFF_PROCESS ? json_object_new_int(it->pid) : NULL);
                        for (size_t j = 0; j < it->n_fields; j++) {
                                json_object *f = json_object_new_object();
                                json_object_object_add(f, "field", json_object_new_string(it->fields[j].name));
                                json_object_object_add(f, "a", jstr(it->fields[j].a));
                                json_object_object_add(f, "b", jstr(it->fields[j].b));
                                json_object_array_add(fields, f);
                        }
                        json_object_object_add(e, "fields", fields);
                        json_object_array_add(arr, e);
                }
                json_object_object_add(root, "changes", arr);
                print_json(root);
        } else {
                size_t counts[4][4] = { { 0 } };
                for (size_t k = 0; k < d->n; k++) {
                        const hvs_diff_item *it = &d->items[k];
                        counts[it->what][it->change]++;
                        char lb[1600];
                        printf("%c %-7s %s\n",
                               it->change == HVS_DIFF_ADDED ? '+' : it->change == HVS_DIFF_REMOVED ? '-' : '~',
                               hvs_diff_what_name(it->what), safe(it->label, lb, sizeof lb));
                        for (size_t j = 0; j < it->n_fields; j++) {
                                char fa[600], fb[600];
                                printf("          %-12s %s -> %s\n", it->fields[j].name,
                                       safe(it->fields[j].a, fa, sizeof fa), safe(it->fields[j].b, fb, sizeof fb));
                        }
                }
                printf("snapshot %" PRId64 " -> %" PRId64 ": processes +%zu -%zu ~%zu, modules +%zu -%zu ~%zu, "
                       "sockets +%zu -%zu ~%zu\n",
                       a, b, counts[HVS_DIFF_PROCESS][HVS_DIFF_ADDED], counts[HVS_DIFF_PROCESS][HVS_DIFF_REMOVED],
                       counts[HVS_DIFF_PROCESS][HVS_DIFF_CHANGED], counts[HVS_DIFF_MODULE][HVS_DIFF_ADDED],
                       counts[HVS_DIFF_MODULE][HVS_DIFF_REMOVED], counts[HVS_DIFF_MODULE][HVS_DIFF_CHANGED],
                       counts[HVS_DIFF_SOCKET][HVS_DIFF_ADDED], counts[HVS_DIFF_SOCKET][HVS_DIFF_REMOVED],
                       counts[HVS_DIFF_SOCKET][HVS_DIFF_CHANGED]);
        }
        hvs_diff_free(d);
        hvs_case_close(c);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- upgrade ---- */

static int case_upgrade(int argc, char **argv) {
        struct common o = { 0 };
        int i = parse_common(argc, argv, &o,
                             "usage: hvscope case upgrade [--case FILE]\n"
                             "\n"
                             "Migrate the case to the schema of this hvscope (each missing step in its\n"
                             "own transaction, logged in the custody log). A case that is current is\n"
                             "left as it is.\n"
                             "\n" CASE_OPT_HELP,
                             NULL, NULL, NULL);
        if (i < 0)
                return i == -2 ? 0 : 1;
        if (i < argc) {
                errorf("case upgrade: unexpected argument '%s'", argv[i]);
                return 1;
        }
        hvs_case *c = NULL;
        if (open_case(o.case_path, 0, &c) < 0)
                return 1;
        printf("case %s: schema %d\n", hvs_case_path(c), hvs_case_schema_version());
        hvs_case_close(c);
        return 0;
}

static void case_usage(FILE *f) {
        fputs("usage: hvscope case <info|log|verify|diff|upgrade> [--case FILE] [options]\n"
              "\n"
              "A case is one SQLite file holding the evidence of an investigation: VMs,\n"
              "acquisitions, snapshots of the guest views (hvscope collect), events,\n"
              "findings and a hash-chained chain-of-custody log (docs/case.md).\n"
              "\n"
              "  info      VMs, acquisitions with hashes, snapshots\n"
              "  log       the chain-of-custody log\n"
              "  verify    re-hash the images, snapshots, logged rows and the chain\n"
              "  diff A B  processes, modules and sockets that appeared, disappeared or changed\n"
              "  upgrade   migrate the case to this hvscope's schema\n"
              "\n"
              "The case is --case FILE, else $HVS_CASE, else ./" HVS_CASE_DEFAULT_PATH ".\n"
              "These commands never create a case.\n",
              f);
}

int cmd_case(int argc, char **argv) {
        if (argc < 2) {
                case_usage(stderr);
                return 1;
        }
        const char *sub = argv[1];
        if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
                case_usage(stdout);
                return 0;
        }
        static const struct {
                const char *name;
                int (*fn)(int argc, char **argv);
        } subs[] = {
                { "info", case_info }, { "log", case_log }, { "verify", case_verify },
                { "diff", case_diff }, { "upgrade", case_upgrade },
        };
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
                if (!strcmp(sub, subs[i].name))
                        return subs[i].fn(argc - 1, argv + 1);
        errorf("case: unknown subcommand '%s' (info, log, verify, diff, upgrade)", sub);
        return 1;
}
