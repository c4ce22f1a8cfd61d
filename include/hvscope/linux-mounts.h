/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-mounts.h - the Linux guest view of the mount table.
 * Included by linux.h; not meant to be included on its own.
 */
#ifndef HVSCOPE_LINUX_MOUNTS_H
#define HVSCOPE_LINUX_MOUNTS_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
