/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-files.h - the Linux guest view of open file descriptors of processes.
 * Included by linux.h; not meant to be included on its own.
 */
#ifndef HVSCOPE_LINUX_FILES_H
#define HVSCOPE_LINUX_FILES_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
