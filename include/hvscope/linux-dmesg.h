/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-dmesg.h - the Linux guest view of the kernel log (printk ring buffer).
 * Included by linux.h; not meant to be included on its own.
 */
#ifndef HVSCOPE_LINUX_DMESG_H
#define HVSCOPE_LINUX_DMESG_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
