/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "list.h"

void hvs_list_iter_init(hvs_list_iter *it, hvs_vas *as, hvs_gva head, uint32_t max) {
        *it = (hvs_list_iter){
                .as = as, .head = head, .cur = head, .max = max,
                .brent_mark = head, .brent_power = 1, .brent_lam = 0,
        };
}

int hvs_list_iter_next(hvs_list_iter *it, hvs_gva *ret) {
        if (it->err == 1)       /* ended */
                return 0;
        if (it->err < 0)
                return it->err;

        uint64_t next;
        int r = hvs_vas_read_u64(it->as, it->cur, &next);     /* list_head.next is at offset 0 */
        if (r < 0)
                return it->err = r;
        if (next == it->head.v) {
                it->err = 1;
                return 0;
        }
        if (next == 0 || !hvs_gva_canonical(HVS_GVA(next), hvs_vas_paging(it->as)))
                return it->err = -EFAULT;
        if (it->steps >= it->max)
                return it->err = -E2BIG;
        /* Brent: the mark jumps to the current node at powers of two; meeting
         * it again means a cycle that excludes the head. */
        if (next == it->brent_mark.v)
                return it->err = -ELOOP;
        if (++it->brent_lam == it->brent_power) {
                it->brent_mark = HVS_GVA(next);
                it->brent_power <<= 1;
                it->brent_lam = 0;
        }
        it->cur = HVS_GVA(next);
        it->steps++;
        *ret = it->cur;
        return 1;
}
