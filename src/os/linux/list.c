/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
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

static uint64_t item_addr(const void *items, size_t i, size_t stride, size_t addr_off) {
        uint64_t a;
        memcpy(&a, (const unsigned char *)items + i * stride + addr_off, sizeof a);
        return a;
}

size_t hvs_list_unrepeated(const void *items, size_t n, size_t stride, size_t addr_off) {
        if (n < 2)
                return n;
        uint64_t last = item_addr(items, n - 1, stride, addr_off);
        size_t period = 0;
        for (size_t i = n - 1; i-- > 0;)
                if (item_addr(items, i, stride, addr_off) == last) {
                        period = n - 1 - i;
                        break;
                }
        if (period == 0)
                return n;
        for (size_t i = 0; i + period < n; i++)
                if (item_addr(items, i, stride, addr_off) == item_addr(items, i + period, stride, addr_off))
                        return i + period;
        return n;
}
