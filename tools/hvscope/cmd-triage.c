/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope triage: run the detection checks (include/hvscope/triage.h) on a
 * VM or a dump and report the findings, worst first.
 *
 * With --case, the findings are stored tied to a snapshot of their own,
 * taken in the same run: the kernel facts, the process list (typed rows and
 * the ps view's JSON) and the triage result as the view "triage", committed
 * first; then the findings, with that snapshot's id and its VM's. So every
 * finding points at the process list it was made from, and `hvscope report`
 * and `hvscope timeline` show both.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <hvscope/triage.h>
#include "hvscope.h"
#include "views.h"

#define MAX_SELECTED 64

struct check_run {
        const hvs_triage_check *c;
        bool ran, skipped;
        int err;
        char msg[HVS_DIAG_MSG_MAX];
        double ms;
        size_t findings;
};

struct triage {
        struct check_run *runs;
        size_t n;
        hvs_findings *f;
        size_t *order;          /* findings, worst first */
        enum hvs_severity min;
        double open_ms, total_ms;
        const char *case_path;  /* set once stored: --json names the case and snapshot */
        int64_t snap_id;
        size_t stored;
};

static int sev_parse(const char *s, enum hvs_severity *ret) {
        for (int i = HVS_SEV_INFO; i <= HVS_SEV_CRITICAL; i++)
                if (strcmp(s, hvs_severity_name((enum hvs_severity)i)) == 0) {
                        *ret = (enum hvs_severity)i;
                        return 0;
                }
        return -EINVAL;
}

static const struct triage *sort_ctx;
static int cmp_findings(const void *a, const void *b) {
        const hvs_finding *x = hvs_findings_get(sort_ctx->f, *(const size_t *)a);
        const hvs_finding *y = hvs_findings_get(sort_ctx->f, *(const size_t *)b);
        if (x->severity != y->severity)
                return x->severity > y->severity ? -1 : 1;
        size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
        return (ia > ib) - (ia < ib);   /* then check order, then as found */
}

static json_object *finding_json(const hvs_finding *f) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "severity", json_object_new_string(hvs_severity_name(f->severity)));
        json_object_object_add(o, "check", json_object_new_string(f->check_id));
        json_object_object_add(o, "title", json_object_new_string(f->title));
        json_object_object_add(o, "explanation", f->explanation ? json_object_new_string(f->explanation) : NULL);
        json_object_object_add(o, "technique", f->technique ? json_object_new_string(f->technique) : NULL);
        json_object_object_add(o, "pid", f->pid >= 0 ? json_object_new_int(f->pid) : NULL);
        json_object_object_add(o, "address", f->addr ? json_addr(f->addr) : NULL);
        json_object_object_add(o, "evidence", f->evidence_json ? json_tokener_parse(f->evidence_json) : NULL);
        return o;
}

static json_object *result_json(const struct triage *tr, hvs_session *s) {
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *checks = json_object_new_array(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "source", json_object_new_string(hvs_mem_get_info(hvs_session_mem(s))->source));
        for (size_t k = 0; k < tr->n; k++) {
                const struct check_run *r = &tr->runs[k];
                json_object *c = json_object_new_object();
                json_object_object_add(c, "id", json_object_new_string(r->c->id));
                json_object_object_add(c, "status", json_object_new_string(r->skipped ? "skipped" : r->err ? "failed" : "ok"));
                json_object_object_add(c, "error", r->err ? json_object_new_string(r->msg) : NULL);
                json_object_object_add(c, "findings", json_object_new_uint64(r->findings));
                json_object_object_add(c, "ms", json_object_new_double(r->ms));
                json_object_array_add(checks, c);
        }
        json_object_object_add(root, "checks", checks);
        size_t shown = 0;
        for (size_t k = 0; k < hvs_findings_count(tr->f); k++) {
                const hvs_finding *f = hvs_findings_get(tr->f, tr->order[k]);
                if (f->severity < tr->min)
                        continue;
                json_object_array_add(arr, finding_json(f));
                shown++;
        }
        json_object_object_add(root, "findings", arr);
        json_object_object_add(root, "min_severity", json_object_new_string(hvs_severity_name(tr->min)));
        json_object_object_add(root, "below_min_severity",
                               json_object_new_uint64(hvs_findings_count(tr->f) - shown));
        json_object_object_add(root, "dropped", json_object_new_uint64(hvs_findings_dropped(tr->f)));
        json_object_object_add(root, "max_severity",
                               json_object_new_string(hvs_severity_name(hvs_findings_max_severity(tr->f))));
        if (tr->case_path) {
                json_object_object_add(root, "case", json_object_new_string(tr->case_path));
                json_object_object_add(root, "snapshot_id", json_object_new_int64(tr->snap_id));
                json_object_object_add(root, "findings_stored", json_object_new_uint64(tr->stored));
        }
        json_object_object_add(root, "open_ms", json_object_new_double(tr->open_ms));
        json_object_object_add(root, "total_ms", json_object_new_double(tr->total_ms));
        return root;
}

static void render_table(const struct triage *tr, bool timings) {
        size_t shown = 0;
        for (size_t k = 0; k < hvs_findings_count(tr->f); k++) {
                const hvs_finding *f = hvs_findings_get(tr->f, tr->order[k]);
                if (f->severity < tr->min)
                        continue;
                if (!shown++)
                        printf("%-8s %-20s %7s %-18s %-10s %s\n", "SEVERITY", "CHECK", "PID", "ADDRESS", "ATT&CK",
                               "FINDING");
                char pid[16] = "-", addr[24] = "-";
                if (f->pid >= 0)
                        snprintf(pid, sizeof pid, "%d", f->pid);
                if (f->addr)
                        snprintf(addr, sizeof addr, "0x%016" PRIx64, f->addr);
                printf("%-8s %-20s %7s %-18s %-10s ", hvs_severity_name(f->severity), f->check_id, pid, addr,
                       f->technique ? f->technique : "-");
                print_escaped(f->title);
                putchar('\n');
        }
        size_t below = hvs_findings_count(tr->f) - shown;
        if (!shown)
                printf("no findings%s\n", below ? "" : ": every check ran and reported nothing");
        if (below)
                printf("(%zu finding%s below %s not shown)\n", below, below == 1 ? "" : "s", hvs_severity_name(tr->min));
        if (hvs_findings_dropped(tr->f))
                printf("(%zu more findings dropped: the list holds %u)\n", hvs_findings_dropped(tr->f), HVS_MAX_FINDINGS);
        for (size_t k = 0; k < tr->n; k++)
                if (tr->runs[k].err)
                        printf("check %s failed: %s\n", tr->runs[k].c->id, tr->runs[k].msg);
        if (timings) {
                printf("\n%-20s %10s %8s %s\n", "CHECK", "MS", "FINDINGS", "STATUS");
                printf("%-20s %10.1f %8s %s\n", "(open)", tr->open_ms, "-", "ok");
                for (size_t k = 0; k < tr->n; k++) {
                        const struct check_run *r = &tr->runs[k];
                        printf("%-20s %10.1f %8zu %s\n", r->c->id, r->ms, r->findings,
                               r->skipped ? "skipped" : r->err ? "failed" : "ok");
                }
                printf("%-20s %10.1f\n", "total", tr->total_ms);
        }
}

/* The snapshot the findings belong to (see the file comment); then the findings. */
static int store_case(hvs_case *c, hvs_session *s, const struct triage *tr, const struct target_opts *t,
                      const char *label, int64_t taken, int64_t *ret_snap, size_t *ret_stored) {
        hvs_linux *k = hvs_session_linux(s);
        hvs_sysinfo si;
        bool have_si = hvs_linux_sysinfo(k, &si) == 0;
        hvs_snapshot_record rec = snapshot_record(s, t->pause, have_si ? &si : NULL, label ? label : "triage", taken);
        hvs_case_snap *snap = NULL;
        hvs_task_list *tl = NULL;
        int r = hvs_case_snapshot_begin(c, &rec, &snap);
        if (r < 0) {
                errorf("cannot start a snapshot in case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                return r;
        }
        if ((r = hvs_linux_tasks(k, &tl)) < 0) {
                errorf("cannot list processes for the snapshot: %s", hvs_linux_errmsg(k));
                goto fail;
        }
        json_object *ps = view_ps_json(s, tl, false), *res = result_json(tr, s);
        const char *pst = ps ? json_object_to_json_string_ext(ps, JSON_C_TO_STRING_PLAIN) : NULL;
        const char *rest = res ? json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN) : NULL;
        r = !pst || !rest ? -ENOMEM : hvs_case_snap_add_tasks(snap, tl);
        if (r == 0)
                r = hvs_case_snap_add_view_json(snap, "ps", pst);
        if (r == 0)
                r = hvs_case_snap_add_view_json(snap, "triage", rest);
        json_object_put(ps);
        json_object_put(res);
        if (r < 0) {
                errorf("cannot store the snapshot in case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                goto fail;
        }
        char sha[65];
        r = hvs_case_snapshot_commit(snap, ret_snap, sha);
        snap = NULL;
        if (r < 0) {
                errorf("cannot store the snapshot in case '%s': %s; nothing was stored", hvs_case_path(c),
                       hvs_case_errmsg(c));
                goto fail;
        }
        int64_t vm_id = 0;
        if ((rec.vm.name || rec.vm.qmp_path || rec.vm.image) && (r = hvs_case_add_vm(c, &rec.vm, &vm_id)) < 0) {
                errorf("cannot find the VM in case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
                goto fail;
        }
        size_t n = hvs_findings_count(tr->f), m = 0;
        hvs_finding_record *recs = n ? calloc(n, sizeof *recs) : NULL;
        if (n && !recs) {
                r = -ENOMEM;
                errorf("out of memory");
                goto fail;
        }
        int64_t now = wall_ns();
        for (size_t i = 0; i < n; i++) {
                const hvs_finding *f = hvs_findings_get(tr->f, tr->order[i]);
                if (f->severity < tr->min)
                        continue;
                recs[m++] = (hvs_finding_record){
                        .vm_id = vm_id, .snapshot_id = *ret_snap, .ts_ns = now, .check_id = f->check_id,
                        .severity = hvs_severity_name(f->severity), .title = f->title, .explanation = f->explanation,
                        .attack_technique = f->technique, .evidence_json = f->evidence_json,
                };
        }
        if (m && (r = hvs_case_add_findings(c, recs, m, NULL)) < 0)
                errorf("cannot store the findings in case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
        free(recs);
        *ret_stored = m;
fail:
        hvs_case_snapshot_abort(snap);
        hvs_task_list_free(tl);
        return r < 0 ? r : 0;
}

static void list_checks(bool json) {
        size_t n;
        const hvs_triage_check *c = hvs_triage_checks(&n);
        if (json) {
                json_object *arr = json_object_new_array();
                for (size_t i = 0; i < n; i++) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "id", json_object_new_string(c[i].id));
                        json_object_object_add(o, "what", json_object_new_string(c[i].what));
                        json_object_array_add(arr, o);
                }
                print_json(arr);
                return;
        }
        for (size_t i = 0; i < n; i++)
                printf("%-22s %s\n", c[i].id, c[i].what);
}

static void triage_usage(FILE *f) {
        fputs("usage: hvscope triage [--check ID ...] [--yara RULES] [--min-severity S] [--case FILE]\n"
              "                      [--timings] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE)\n"
              "       hvscope triage --list [--json]\n"
              "\n"
              "Run the detection checks on the guest and list what they found, worst\n"
              "first: severity, check, process, guest address, MITRE ATT&CK technique and\n"
              "a one-line title; --json adds each finding's explanation and evidence\n"
              "(the guest addresses and artifacts that prove it) and each check's time.\n"
              "docs/triage.md describes every check.\n"
              "\n"
              "  --list               the checks, with their ids\n"
              "  --check ID           run only this check (repeatable; default: all)\n"
              "  --yara RULES         YARA rules (source file) for the 'yara' check, over\n"
              "                       process and kernel memory (without it: skipped)\n"
              "  --min-severity S     show (and store) findings of at least S: info, low,\n"
              "                       medium, high, critical (default info)\n"
              "  --case FILE          store the findings in this case, with a snapshot of\n"
              "                       the process list taken in the same run\n"
              "  --label TEXT         the snapshot's label (default \"triage\")\n"
              "  --timings            also print each check's time\n"
              "  --time-budget MS     stop a check after MS milliseconds (default 10000)\n"
              "  --scan-max-bytes N   bytes one memory scan reads at most (default 1 GiB)\n"
              "\n"
              "Exit status: 0 when every check ran (findings or not), 1 when the target\n"
              "could not be read or a check could not run (its error is printed).\n"
              "\n" TARGET_HELP,
              f);
}

int cmd_triage(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "check", required_argument, NULL, 'c' },
                { "list", no_argument, NULL, 'l' },
                { "yara", required_argument, NULL, 'y' },
                { "min-severity", required_argument, NULL, 'm' },
                { "case", required_argument, NULL, 'C' },
                { "label", required_argument, NULL, 'L' },
                { "timings", no_argument, NULL, 't' },
                { "time-budget", required_argument, NULL, 'B' },
                { "scan-max-bytes", required_argument, NULL, 'S' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        const char *selected[MAX_SELECTED], *case_path = NULL, *label = NULL;
        size_t nsel = 0;
        bool list = false, timings = false;
        hvs_triage_opts o = { .sz = sizeof o };
        struct triage tr = { .min = HVS_SEV_INFO };
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                char *end;
                switch (c) {
                case 'c':
                        if (nsel == MAX_SELECTED) {
                                errorf("triage: at most %d --check options", MAX_SELECTED);
                                return 1;
                        }
                        selected[nsel++] = optarg;
                        break;
                case 'l':
                        list = true;
                        break;
                case 'y':
                        o.yara_rules = optarg;
                        break;
                case 'm':
                        if (sev_parse(optarg, &tr.min) < 0) {
                                errorf("triage: bad severity '%s' (info, low, medium, high, critical)", optarg);
                                return 1;
                        }
                        break;
                case 'C':
                        case_path = optarg;
                        break;
                case 'L':
                        label = optarg;
                        break;
                case 't':
                        timings = true;
                        break;
                case 'B': {
                        unsigned long v = strtoul(optarg, &end, 10);
                        if (*optarg == '\0' || *optarg == '-' || *end || v == 0 || v > UINT32_MAX) {
                                errorf("triage: bad time budget '%s' (milliseconds)", optarg);
                                return 1;
                        }
                        o.time_budget_ms = (uint32_t)v;
                        break;
                }
                case 'S': {
                        unsigned long long v = strtoull(optarg, &end, 10);
                        if (*optarg == '\0' || *optarg == '-' || *end || v == 0) {
                                errorf("triage: bad byte count '%s'", optarg);
                                return 1;
                        }
                        o.scan_max_bytes = v;
                        break;
                }
                case 'h':
                        triage_usage(stdout);
                        return 0;
                default:
                        triage_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("triage: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (list) {
                list_checks(t.json);
                return 0;
        }
        size_t nchecks;
        const hvs_triage_check *checks = hvs_triage_checks(&nchecks);
        for (size_t i = 0; i < nsel; i++) {
                bool found = false;
                for (size_t j = 0; j < nchecks && !found; j++)
                        found = strcmp(selected[i], checks[j].id) == 0;
                if (!found) {
                        errorf("triage: no check '%s' (hvscope triage --list)", selected[i]);
                        return 1;
                }
        }
        if (o.yara_rules && access(o.yara_rules, R_OK) != 0) {
                errorf("triage: cannot read YARA rules '%s': %s", o.yara_rules, strerror(errno));
                return 1;
        }
        hvs_case *cs = NULL;
        if (case_path) {
                hvs_diag d = { 0 };
                int r = hvs_case_open(case_path, HVS_CASE_CREATE, &d, &cs);
                if (r < 0) {
                        errorf("%s", d.msg[0] ? d.msg : hvs_strerror(r));
                        return 1;
                }
                (void)hvs_case_set_command(cs, argc, argv);
        }
        int rc = 0;
        hvs_session *s = NULL;
        double t0 = now_ms();
        int64_t taken = wall_ns();
        if (target_open(&t, &s) < 0) {
                hvs_case_close(cs);
                return 1;
        }
        tr.open_ms = now_ms() - t0;
        if (hvs_findings_new(&tr.f) < 0 || !(tr.runs = calloc(nchecks ? nchecks : 1, sizeof *tr.runs))) {
                errorf("out of memory");
                rc = 1;
                goto out;
        }
        for (size_t j = 0; j < nchecks; j++) {
                bool want = nsel == 0;
                for (size_t i = 0; i < nsel && !want; i++)
                        want = strcmp(selected[i], checks[j].id) == 0;
                if (!want)
                        continue;
                struct check_run *r = &tr.runs[tr.n++];
                r->c = &checks[j];
                if (strcmp(checks[j].id, "yara") == 0 && !o.yara_rules) {
                        r->skipped = true;
                        continue;
                }
                size_t before = hvs_findings_count(tr.f);
                hvs_diag d = { 0 };
                double c0 = now_ms();
                r->err = checks[j].fn(s, &o, tr.f, &d);
                r->ms = now_ms() - c0;
                r->ran = true;
                r->findings = hvs_findings_count(tr.f) - before;
                if (r->err) {
                        snprintf(r->msg, sizeof r->msg, "%s", d.msg[0] ? d.msg : hvs_strerror(r->err));
                        warnf("check %s could not run: %s", r->c->id, r->msg);
                        rc = 1;
                }
        }
        if (t.pause)
                hvs_session_resume(s);
        tr.total_ms = now_ms() - t0;
        size_t nf = hvs_findings_count(tr.f);
        if (!(tr.order = calloc(nf ? nf : 1, sizeof *tr.order))) {
                errorf("out of memory");
                rc = 1;
                goto out;
        }
        for (size_t i = 0; i < nf; i++)
                tr.order[i] = i;
        sort_ctx = &tr;
        qsort(tr.order, nf, sizeof *tr.order, cmp_findings);
        if (cs) {
                int64_t snap_id = 0;
                size_t stored = 0;
                if (store_case(cs, s, &tr, &t, label, taken, &snap_id, &stored) < 0) {
                        rc = 1;
                        goto out;
                }
                tr.case_path = hvs_case_path(cs);
                tr.snap_id = snap_id;
                tr.stored = stored;
                if (!t.json)
                        printf("snapshot %" PRId64 " and %zu finding%s stored in case %s\n\n", snap_id, stored,
                               stored == 1 ? "" : "s", hvs_case_path(cs));
        }
        if (t.json)
                print_json(result_json(&tr, s));
        else
                render_table(&tr, timings);
        if (fflush(stdout) != 0) {
                errorf("cannot write output");
                rc = 1;
        }
out:
        free(tr.order);
        free(tr.runs);
        hvs_findings_free(tr.f);
        hvs_session_close(s);
        hvs_case_close(cs);
        return rc;
}
