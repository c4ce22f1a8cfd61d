/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * out-file.c - output to stdout or to a file that is complete or absent:
 * written under a temporary name in the same directory, synced, then renamed
 * over the final name, so a failure (full disk, interruption) never leaves a
 * partial file that looks complete. An existing path that is not a regular
 * file (a device, a fifo, a symlink such as /dev/stdout) is written in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hvscope.h"

int out_file_open(struct out_file *o, const char *path) {
        memset(o, 0, sizeof *o);
        if (!path || !strcmp(path, "-")) {
                o->f = stdout;
                return 0;
        }
        /* A device, a fifo or a symlink (/dev/stdout) is written in place:
         * renaming over it would replace it, not write to it. */
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                if (!(o->f = fopen(path, "w"))) {
                        int e = errno;
                        errorf("cannot open '%s': %s", path, strerror(e));
                        return -e;
                }
                o->direct = true;
                return 0;
        }
        size_t n = strlen(path);
        o->path = path;
        o->tmp = malloc(n + sizeof ".tmp-XXXXXX");
        if (!o->tmp) {
                errorf("out of memory");
                return -ENOMEM;
        }
        memcpy(o->tmp, path, n);
        memcpy(o->tmp + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
        int fd = mkostemp(o->tmp, O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                errorf("cannot create '%s': %s", path, strerror(e));
                free(o->tmp);
                o->tmp = NULL;
                return -e;
        }
        /* mkostemp makes it 0600; give it the mode a new file would have. */
        mode_t um = umask(0);
        umask(um);
        if (fchmod(fd, 0666 & ~um) < 0 || !(o->f = fdopen(fd, "w"))) {
                int e = errno;
                errorf("cannot create '%s': %s", path, strerror(e));
                close(fd);
                unlink(o->tmp);
                free(o->tmp);
                o->tmp = NULL;
                return -e;
        }
        return 0;
}

int out_file_close(struct out_file *o, bool ok) {
        int r = 0;
        if (!o->tmp) {
                errno = 0;
                if (ok && (fflush(o->f) == EOF || ferror(o->f)))
                        r = errno ? -errno : -EIO;
                if (o->direct && fclose(o->f) == EOF && ok && r >= 0)
                        r = errno ? -errno : -EIO;
                o->f = NULL;
                if (r < 0)
                        errorf("cannot write the output: %s", strerror(-r));
                return ok ? r : -ECANCELED;
        }
        errno = 0;
        if (ok && (fflush(o->f) == EOF || ferror(o->f) || fsync(fileno(o->f)) < 0))
                r = errno ? -errno : -EIO;
        if (fclose(o->f) == EOF && ok && r >= 0)
                r = errno ? -errno : -EIO;
        o->f = NULL;
        if (ok && r >= 0 && rename(o->tmp, o->path) < 0)
                r = -errno;
        if (ok && r < 0)
                errorf("cannot write '%s': %s", o->path, strerror(-r));
        if (!ok || r < 0)
                unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return ok ? r : -ECANCELED;
}
