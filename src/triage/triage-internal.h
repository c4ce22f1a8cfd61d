/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* triage-internal.h - what the checks of src/triage share: budgets, evidence JSON, the check prototypes. */
#ifndef HVS_TRIAGE_INTERNAL_H
#define HVS_TRIAGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include <hvscope/triage.h>
#include <hvscope/linux.h>
#include "util/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_task_list *, hvs_task_list_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_vma_list *, hvs_vma_list_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_socket_list *, hvs_socket_list_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hvs_files_list *, hvs_files_list_free)

/* Declares (or, followed by a body, defines) a check of the table in checks.c. */
#define TRIAGE_CHECK(fn) int fn(hvs_session *s, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag)

/* A check's time and scan-byte budget (hvs_triage_opts or the limits.h defaults). */
struct triage_budget {
        uint64_t deadline_ns;
        uint64_t bytes_left;
        bool out_of_time, out_of_bytes;
};
void triage_budget_init(struct triage_budget *b, const hvs_triage_opts *o);
/* Whether the time or byte budget is spent (checks the clock). */
bool triage_budget_over(struct triage_budget *b);
/* Take @bytes from the byte budget: false (and nothing taken) when over. */
bool triage_budget_take(struct triage_budget *b, uint64_t bytes);
/* When the budget was spent, add the "info" finding that says so. Return: 0; -errno. */
int triage_budget_report(const struct triage_budget *b, hvs_findings *out, const char *check_id);

/* "info".."critical" -> enum. Return: 0; -EINVAL. */
int triage_severity_parse(const char *name, enum hvs_severity *ret);

/* A guest address as the JSON string "0x...". */
json_object *triage_json_addr(uint64_t a);
/* hvs_findings_add() with @evidence (consumed, nullable) serialized; evidence
 * over HVS_MAX_FINDING_EVIDENCE becomes {"truncated":true}. */
int triage_add(hvs_findings *out, enum hvs_severity sev, const char *check_id, int32_t pid, uint64_t addr,
               const char *title, const char *explanation, const char *technique, json_object *evidence);

#endif
