/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * triage.h - detection checks over a guest ("is this VM compromised, and
 * how?") and the findings they produce.
 *
 * A check reads the guest through an hvs_session (live VM or dump) and adds
 * findings to an hvs_findings list. Each finding has a severity, a title, a
 * short explanation, the MITRE ATT&CK technique where one fits and its
 * evidence: one JSON object naming the guest addresses and artifacts that
 * prove it. Checks never print and never change the guest.
 *
 * Everything a check reads is guest-controlled: walks are bounded and
 * cycle-checked, scans have a byte and time budget (hvs_triage_opts), and a
 * check that hits a limit says so in an "info" finding rather than failing.
 */
#ifndef HVSCOPE_TRIAGE_H
#define HVSCOPE_TRIAGE_H

#include <stddef.h>
#include <stdint.h>
#include <hvscope/common.h>
#include <hvscope/session.h>

#ifdef __cplusplus
extern "C" {
#endif

/** enum hvs_severity - ordered: a finding "above info" is >= HVS_SEV_LOW. */
enum hvs_severity {
        HVS_SEV_INFO = 0,
        HVS_SEV_LOW,
        HVS_SEV_MEDIUM,
        HVS_SEV_HIGH,
        HVS_SEV_CRITICAL,
};

/** hvs_severity_name() - "info" ... "critical" (static storage); NULL when out of range. */
HVS_API const char *hvs_severity_name(enum hvs_severity s);

/**
 * struct hvs_finding - one result of a check; owned by its hvs_findings list.
 * @check_id:     the check's id, e.g. "hidden-process", "syscall-hook"
 * @title:        one line for people, e.g. "process 812 (evil) hidden from the task list"
 * @explanation:  why it matters and how it was found; nullable
 * @technique:    MITRE ATT&CK id, e.g. "T1014"; nullable
 * @evidence_json: one JSON object (addresses as "0x..." strings, pids,
 *                names, the views that did and did not see it); nullable
 * @pid:          the guest process it concerns, -1 = none
 * @addr:         the main guest virtual address it concerns, 0 = none
 */
typedef struct hvs_finding {
        enum hvs_severity severity;
        char *check_id;
        char *title;
        char *explanation;
        char *technique;
        char *evidence_json;
        int32_t pid;
        uint64_t addr;
} hvs_finding;

typedef struct hvs_findings hvs_findings;

/** hvs_findings_new() - an empty list. Return: 0; -ENOMEM. */
HVS_API int hvs_findings_new(hvs_findings **ret);

/** hvs_findings_free() - NULL-safe. Return: NULL. */
HVS_API hvs_findings *hvs_findings_free(hvs_findings *f);

/**
 * hvs_findings_add() - append a copy of the strings given.
 * @check_id, @title: required; @explanation, @technique, @evidence_json nullable.
 * @evidence_json must be one JSON object (checked) of at most
 * HVS_MAX_FINDING_EVIDENCE bytes. The list holds at most HVS_MAX_FINDINGS;
 * past it, findings are counted (hvs_findings_dropped()) and not stored.
 * Return: 0 (also when dropped); -EINVAL bad argument or evidence;
 * -ENOMEM.
 */
HVS_API int hvs_findings_add(hvs_findings *f, enum hvs_severity sev, const char *check_id, int32_t pid,
                             uint64_t addr, const char *title, const char *explanation, const char *technique,
                             const char *evidence_json);

/** hvs_findings_count() / hvs_findings_get() - borrowed; get() NULL when out of range. */
HVS_API size_t hvs_findings_count(const hvs_findings *f);
HVS_API const hvs_finding *hvs_findings_get(const hvs_findings *f, size_t i);
/** hvs_findings_dropped() - findings not stored because the list was full. */
HVS_API size_t hvs_findings_dropped(const hvs_findings *f);
/** hvs_findings_max_severity() - the highest severity present; HVS_SEV_INFO when empty. */
HVS_API enum hvs_severity hvs_findings_max_severity(const hvs_findings *f);

/**
 * struct hvs_triage_opts - shared by every check.
 * @sz:               sizeof(struct hvs_triage_opts)
 * @scan_max_bytes:   budget of a memory scan (0 = HVS_TRIAGE_SCAN_MAX_BYTES)
 * @time_budget_ms:   a check stops at this (0 = HVS_TRIAGE_TIME_BUDGET_MS) and
 *                    adds an "info" finding that it was cut short
 * @yara_rules:       path of a YARA rules file (source), nullable = no YARA
 */
typedef struct hvs_triage_opts {
        size_t sz;
        uint64_t scan_max_bytes;
        uint32_t time_budget_ms;
        const char *yara_rules;
} hvs_triage_opts;

/**
 * hvs_triage_check_fn - the shape of every check.
 * Return: 0 when the check ran (with or without findings); -errno when it
 * could not run at all (detail in @diag). A check that ran partly returns 0
 * and says what it could not do in an "info" finding.
 */
typedef int (*hvs_triage_check_fn)(hvs_session *s, const hvs_triage_opts *o, hvs_findings *out, hvs_diag *diag);

/**
 * struct hvs_triage_check - one entry of the check table.
 * @id:     stable id ("hidden-process", ...); also the --check name
 * @what:   one line for --list
 */
typedef struct hvs_triage_check {
        const char *id;
        const char *what;
        hvs_triage_check_fn fn;
} hvs_triage_check;

/** hvs_triage_checks() - the table of every check, in run order; @n gets its length. */
HVS_API const hvs_triage_check *hvs_triage_checks(size_t *n);

#ifdef __cplusplus
}
#endif
#endif
