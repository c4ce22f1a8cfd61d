/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * custody.c - the chain-of-custody log: one row per action on the case,
 * appended in the action's own transaction, each row's hash covering the
 * previous row's hash (include/hvscope/case.h gives the encoding).
 */
#include <inttypes.h>
#include <json-c/json.h>
#include "case-internal.h"

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

int case_custody_row_hash(const hvs_case_custody *r, char out[65]) {
        case_hash h;
        int e = case_hash_init(&h);
        if (e < 0)
                return e;
        case_hash_bytes(&h, "hvscope-custody-v1\n", 19);
        case_hash_text(&h, r->prev_hash);
        case_hash_int(&h, r->seq);
        case_hash_int(&h, r->ts_ns);
        case_hash_text(&h, r->actor);
        case_hash_text(&h, r->host);
        case_hash_text(&h, r->tool_version);
        case_hash_text(&h, r->action);
        case_hash_text(&h, r->args_json);
        case_hash_text(&h, r->result_sha256);
        return case_hash_final(&h, out);
}

static int add_refs(hvs_case *c, json_object *args, const struct case_rows_ref *refs, size_t n) {
        if (n == 0)
                return 0;
        json_object *rows = json_object_new_array();
        if (!rows)
                return -ENOMEM;
        json_object_object_add(args, "rows", rows);
        for (size_t i = 0; i < n; i++) {
                char h[65];
                int64_t count = 0;
                int r = case_rows_hash(c->db, refs[i].table, refs[i].first, refs[i].last, h, &count, &c->diag);
                if (r < 0)
                        return r;
                if (count != refs[i].last - refs[i].first + 1)
                        return HVS_DIAG(&c->diag, -EIO, "custody: %" PRId64 " rows of '%s' %" PRId64 "..%" PRId64
                                        " where %" PRId64 " were written", count, refs[i].table, refs[i].first,
                                        refs[i].last, refs[i].last - refs[i].first + 1);
                json_object *o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                json_object_object_add(o, "table", json_object_new_string(refs[i].table));
                json_object_object_add(o, "first", json_object_new_int64(refs[i].first));
                json_object_object_add(o, "last", json_object_new_int64(refs[i].last));
                json_object_object_add(o, "sha256", json_object_new_string(h));
                json_object_array_add(rows, o);
        }
        return 0;
}

int case_custody_append(hvs_case *c, const char *action, json_object *extra, const struct case_rows_ref *refs,
                        size_t n_refs, const char *result_sha256, int64_t *ret_seq) {
        json_object *args = extra ? extra : json_object_new_object();
        if (!args)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        int r = 0;
        if (c->argv_json) {
                json_object *argv = json_tokener_parse(c->argv_json);
                if (!argv)
                        r = -ENOMEM;
                else
                        json_object_object_add(args, "argv", argv);
        }
        if (r == 0)
                r = add_refs(c, args, refs, n_refs);
        const char *text = r == 0 ? json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN |
                                                                               JSON_C_TO_STRING_NOSLASHESCAPE)
                                  : NULL;
        _cleanup_free_ char *args_json = text ? hvs_strdup(text) : NULL;
        json_object_put(args);
        if (r < 0)
                return c->diag.err == r ? r : HVS_DIAG(&c->diag, r, "custody: cannot build the log row");
        if (!args_json)
                return HVS_DIAG(&c->diag, -ENOMEM, "out of memory");
        if (strlen(args_json) > HVS_MAX_CASE_ARGS_JSON)
                return HVS_DIAG(&c->diag, -E2BIG, "custody: arguments of '%s' over %u bytes", action,
                                HVS_MAX_CASE_ARGS_JSON);

        _cleanup_stmt_ sqlite3_stmt *last = NULL, *ins = NULL, *meta = NULL;
        if ((r = case_prepare(c->db, "SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1", &last, &c->diag)) < 0)
                return r;
        int rc = sqlite3_step(last);
        hvs_case_custody row = {
                .seq = 1, .ts_ns = case_now_ns(), .actor = c->actor, .host = c->host,
                .tool_version = HVS_VERSION_STRING, .action = action, .args_json = args_json,
                .result_sha256 = result_sha256, .prev_hash = ZERO_HASH,
        };
        char prev[65];
        if (rc == SQLITE_ROW) {
                const char *ph = (const char *)sqlite3_column_text(last, 1);
                row.seq = sqlite3_column_int64(last, 0) + 1;
                if (!ph || strlen(ph) != 64)
                        return HVS_BADMSG(&c->diag, "custody: the last row (seq %lld) has no valid hash",
                                          (long long)(row.seq - 1));
                memcpy(prev, ph, 65);
                row.prev_hash = prev;
        } else if (rc != SQLITE_DONE) {
                return HVS_DIAG(&c->diag, case_errno(rc) ? case_errno(rc) : -EIO, "custody: %s",
                                sqlite3_errmsg(c->db));
        }
        char hash[65];
        if ((r = case_custody_row_hash(&row, hash)) < 0)
                return HVS_DIAG(&c->diag, r, "custody: cannot hash");
        row.hash = hash;
        if ((r = case_prepare(c->db,
                              "INSERT INTO custody(seq, ts_ns, actor, host, tool_version, action, args_json,"
                              " result_sha256, prev_hash, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                              &ins, &c->diag)) < 0)
                return r;
        sqlite3_bind_int64(ins, 1, row.seq);
        sqlite3_bind_int64(ins, 2, row.ts_ns);
        case_bind_text(ins, 3, row.actor);
        case_bind_text(ins, 4, row.host);
        case_bind_text(ins, 5, row.tool_version);
        case_bind_text(ins, 6, row.action);
        case_bind_text(ins, 7, row.args_json);
        case_bind_text(ins, 8, row.result_sha256);
        case_bind_text(ins, 9, row.prev_hash);
        case_bind_text(ins, 10, row.hash);
        if ((r = case_exec_stmt(c->db, ins, "custody: cannot append", &c->diag)) < 0)
                return r;
        /* A second copy of the head: truncating the log's tail must also edit meta. */
        char head[96];
        snprintf(head, sizeof head, "%" PRId64 ":%s", row.seq, hash);
        if ((r = case_prepare(c->db,
                              "INSERT INTO meta(key, value) VALUES('custody_head', ?1)"
                              " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              &meta, &c->diag)) < 0)
                return r;
        case_bind_text(meta, 1, head);
        if ((r = case_exec_stmt(c->db, meta, "custody: cannot record the head", &c->diag)) < 0)
                return r;
        if (ret_seq)
                *ret_seq = row.seq;
        return 0;
}

/* Actions the case writes itself, each with its own rows and meaning. */
static const char *const own_actions[] = { "create", "migrate", "vm", "acquire", "snapshot", "events", "findings",
                                             "verify" };

static bool action_ok(const char *a) {
        size_t n = a ? strlen(a) : 0;
        if (n == 0 || n > 32)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') || strchr("_.-", a[i])))
                        return false;
        for (size_t i = 0; i < ARRAY_SIZE(own_actions); i++)
                if (!strcmp(a, own_actions[i]))
                        return false;
        return true;
}

HVS_API int hvs_case_log_action(hvs_case *c, const char *action, const char *args_json, const char *result_sha256,
                                int64_t *ret_seq) {
        if (!c)
                return -EINVAL;
        if (!action_ok(action))
                return HVS_DIAG(&c->diag, -EINVAL, "custody: '%s' is not an action name that may be logged",
                                action ? action : "(null)");
        if (result_sha256 && !case_is_sha256(result_sha256))
                return HVS_DIAG(&c->diag, -EINVAL, "custody: the result hash is not 64 lowercase hex digits");
        if (c->open_snap)
                return HVS_DIAG(&c->diag, -EBUSY, "a snapshot is being written");
        json_object *args = NULL;
        if (args_json) {
                if (strlen(args_json) > HVS_MAX_CASE_ARGS_JSON)
                        return HVS_DIAG(&c->diag, -E2BIG, "custody: arguments of '%s' over %u bytes", action,
                                        HVS_MAX_CASE_ARGS_JSON);
                args = json_tokener_parse(args_json);
                if (!args || !json_object_is_type(args, json_type_object) ||
                    json_object_object_get_ex(args, "rows", NULL) || json_object_object_get_ex(args, "argv", NULL)) {
                        json_object_put(args);
                        return HVS_DIAG(&c->diag, -EINVAL, "custody: the arguments of '%s' are not a JSON object "
                                        "without \"rows\" and \"argv\"", action);
                }
        }
        int e = case_begin(c);
        if (e < 0) {
                json_object_put(args);
                return e;
        }
        e = case_custody_append(c, action, args, NULL, 0, result_sha256, ret_seq);   /* takes @args */
        if (e == 0)
                e = case_commit(c);
        if (e < 0)
                case_rollback(c);
        return e;
}
