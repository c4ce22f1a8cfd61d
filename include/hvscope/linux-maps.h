/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-maps.h - the Linux guest view of process memory regions.
 * Included by linux.h; not meant to be included on its own.
 */
#ifndef HVSCOPE_LINUX_MAPS_H
#define HVSCOPE_LINUX_MAPS_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
