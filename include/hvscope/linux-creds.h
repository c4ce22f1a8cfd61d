/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-creds.h - the Linux guest view of process credentials, capabilities and namespaces.
 * Included by linux.h; not meant to be included on its own.
 */
#ifndef HVSCOPE_LINUX_CREDS_H
#define HVSCOPE_LINUX_CREDS_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
