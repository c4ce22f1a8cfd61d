/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list.h - the one way to walk a guest's circular struct list_head: bounded
 * by a step cap, with O(1)-memory cycle detection (Brent), so a corrupt or
 * malicious guest cannot make a walk hang.
 */
#ifndef HVS_OS_LINUX_LIST_H
#define HVS_OS_LINUX_LIST_H

#include <hvscope/vas.h>

/**
 * struct hvs_list_iter - state of one walk; fields are private.
 */
typedef struct hvs_list_iter {
        hvs_vas *as;
        hvs_gva head, cur;
        uint32_t max, steps;
        hvs_gva brent_mark;
        uint64_t brent_power, brent_lam;
        int err;
} hvs_list_iter;

/**
 * hvs_list_iter_init() - start a walk of the list whose head is at @head
 * (the list_head embedded in the head object; the head itself is not
 * returned). At most @max nodes are returned.
 */
void hvs_list_iter_init(hvs_list_iter *it, hvs_vas *as, hvs_gva head, uint32_t max);

/**
 * hvs_list_iter_next() - the next node (address of its list_head).
 * Return: 1 with *@ret set; 0 at the end (back at the head); -EFAULT if a
 * link is unreadable, NULL or not canonical; -ELOOP if the walk entered a
 * cycle that does not pass the head; -E2BIG after @max nodes. Once it has
 * returned an error or 0 it keeps returning it.
 */
int hvs_list_iter_next(hvs_list_iter *it, hvs_gva *ret);

/**
 * hvs_list_unrepeated() - how many of the @n results of a walk that stopped
 * on a cycle (or hit its cap inside one) to keep. Brent notices a cycle only
 * after going round it again, so some objects were listed twice, and the
 * repeats form a suffix: with cycle length L (the distance from the last
 * entry back to its previous occurrence), the first entry equal to the one L
 * later starts the cycle, and everything from L past it repeats.
 * @items: @n results, @stride bytes apart, each with its guest address as a
 *         u64 at byte @addr_off. Two linear scans, no guest reads.
 * Return: the number of leading results to keep (@n if nothing repeats).
 */
size_t hvs_list_unrepeated(const void *items, size_t n, size_t stride, size_t addr_off);

/** hvs_list_iter_steps() - nodes returned so far. */
static inline uint32_t hvs_list_iter_steps(const hvs_list_iter *it) { return it->steps; }

#endif
