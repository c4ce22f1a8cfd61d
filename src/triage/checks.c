/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * checks.c - the table of triage checks (hvs_triage_checks()), in run order.
 *
 * TO ADD A CHECK: one line in the prototypes below, one line in the table,
 * and the file in src/triage/meson.build's list. Define the check with
 *     TRIAGE_CHECK(triage_my_check) { ... }
 * (triage-internal.h). Ids are stable: they are the --check names, the
 * check_id of findings and the rows of the case. Keep each group's lines
 * together so concurrent edits do not touch the same lines.
 */
#include "triage-internal.h"

/* ---- prototypes ---- */
/* hidden processes and modules (hidden.c ...) */
/* kernel integrity (integrity.c ...) */
/* process anomalies (proc-anomalies.c) */
/* YARA (yara.c) */

static const hvs_triage_check checks[] = {
        /* ---- hidden processes and modules ---- */
        /* ---- kernel integrity ---- */
        /* ---- process anomalies ---- */
        /* ---- YARA ---- */
};

const hvs_triage_check *hvs_triage_checks(size_t *n) {
        if (n)
                *n = ARRAY_SIZE(checks);
        return checks;
}
