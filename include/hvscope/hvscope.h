/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope.h - umbrella include of the public API. */
#ifndef HVSCOPE_HVSCOPE_H
#define HVSCOPE_HVSCOPE_H
#include <hvscope/common.h>
#include <hvscope/limits.h>
#include <hvscope/mem.h>
#include <hvscope/vas.h>
#include <hvscope/types.h>
#include <hvscope/linux.h>
#include <hvscope/session.h>
#include <hvscope/acquire.h>
#include <hvscope/case.h>
#include <hvscope/timeline.h>
#include <hvscope/vuln.h>
#endif
