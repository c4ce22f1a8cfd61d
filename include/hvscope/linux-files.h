/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-files.h - the Linux guest view of open file descriptors of processes.
 * Included by linux.h; not meant to be included on its own.
 *
 * For each process (thread-group leader of the task list) its fd table
 * (task->files->fdt) is read, and each open descriptor is reported with the
 * path /proc/PID/fd/N would show (readlink), the file's type, open flags,
 * position and inode, and the guest addresses of its struct file and inode.
 * Paths are those of the global root (the root of the initial mount
 * namespace), which is what /proc shows for processes not in a chroot or
 * another mount namespace.
 *
 * Kernel threads have no fd table and are not listed. A table that could not
 * be read completely keeps the descriptors read and is marked truncated; a
 * path that could not be built completely keeps what was built and says why.
 */
#ifndef HVSCOPE_LINUX_FILES_H
#define HVSCOPE_LINUX_FILES_H

#include <hvscope/linux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a descriptor refers to, from the inode's i_mode (and the pseudo file
 * system for anonymous inodes). */
enum hvs_file_type {
        HVS_FILE_UNKNOWN = 0,   /* i_mode unreadable or of no known type */
        HVS_FILE_REG,           /* regular file */
        HVS_FILE_DIR,
        HVS_FILE_CHR,           /* character device */
        HVS_FILE_BLK,           /* block device */
        HVS_FILE_FIFO,          /* named pipe (a path in a file system) */
        HVS_FILE_PIPE,          /* anonymous pipe: "pipe:[INO]" */
        HVS_FILE_SOCK,          /* socket: "socket:[INO]" */
        HVS_FILE_LNK,           /* symbolic link (O_PATH) */
        HVS_FILE_ANON,          /* anonymous inode: "anon_inode:[NAME]" */
};

/**
 * struct hvs_fd - one open file descriptor.
 * @fd:       descriptor number
 * @addr:     guest address of the struct file
 * @inode:    guest address of its inode (file->f_inode; 0 if unreadable)
 * @ino:      inode number (i_ino)
 * @mode:     inode i_mode (type and permission bits)
 * @type:     from @mode (and the file system, for anonymous inodes)
 * @flags:    file->f_flags (O_* open flags, octal as /proc/PID/fdinfo shows)
 * @pos:      file->f_pos
 * @deleted:  the path is of an unlinked file (" (deleted)" is part of @path)
 * @path:     the readlink of /proc/PID/fd/@fd, NUL-terminated, owned; never
 *            NULL (may be "" when nothing could be read)
 * @path_err: 0, or why @path is incomplete: -EFAULT (a dentry or mount
 *            unreadable: @path is the part read), -ELOOP (cycle), -E2BIG
 *            (too long: @path is its tail)
 * @partial:  file fields (flags, pos, inode) could not be read
 */
typedef struct hvs_fd {
        uint32_t fd;
        hvs_gva addr;
        hvs_gva inode;
        uint64_t ino;
        uint32_t mode;
        enum hvs_file_type type;
        uint32_t flags;
        int64_t pos;
        bool deleted;
        char *path;
        int path_err;
        bool partial;
} hvs_fd;

/**
 * struct hvs_proc_files - the open files of one process.
 * @task:      guest address of its task_struct
 * @pid:       its PID (tgid)
 * @comm:      task->comm
 * @fds, @n:   the open descriptors, in fd order
 * @files:     guest address of its files_struct
 * @truncated: the fd table was not read completely; @trunc_err says why
 *             (-EFAULT: the table or part of its fd array unreadable; -E2BIG:
 *             more than max_fds slots, the first max_fds were read)
 */
typedef struct hvs_proc_files {
        hvs_gva task;
        int32_t pid;
        char comm[17];
        hvs_fd *fds;
        size_t n;
        bool truncated;
        int trunc_err;
} hvs_proc_files;

/**
 * struct hvs_files_list - the result of hvs_linux_files().
 * @procs, @n:  processes with an fd table, in task list order
 * @truncated:  the task list walk stopped early, or a process's table is
 *              truncated; @trunc_msg says what (the first problem)
 */
typedef struct hvs_files_list {
        hvs_proc_files *procs;
        size_t n;
        bool truncated;
        char trunc_msg[256];
} hvs_files_list;

/**
 * hvs_linux_files() - the open files of every process, or of one.
 * @k:   the kernel view
 * @pid: only the process with this PID; -1 = all processes
 * @ret: owned; free with hvs_files_list_free(). Not written on failure.
 *
 * Partial results (a broken task list, an unreadable fd table or path) are
 * returned with 0 and marked, never dropped.
 * Return: 0; -ENOENT if @pid is not a process with an fd table (detail in
 * hvs_linux_errmsg()) or the kernel lacks a field this view needs (named in
 * hvs_linux_errmsg()); -EFAULT if init_task is unreadable; -ENOMEM.
 * Thread-safety: one thread per @k.
 */
HVS_API int hvs_linux_files(hvs_linux *k, int32_t pid, hvs_files_list **ret);

/** hvs_files_list_free() - NULL-safe. Return: NULL. */
HVS_API hvs_files_list *hvs_files_list_free(hvs_files_list *l);

/**
 * hvs_file_type_name() - "file", "dir", "chr", "blk", "fifo", "pipe",
 * "socket", "link", "anon" or "unknown". Static storage; never NULL.
 */
HVS_API const char *hvs_file_type_name(enum hvs_file_type t);

/**
 * hvs_file_flags_str() - @flags (f_flags) as "O_RDWR|O_APPEND|..." into
 * @buf: the access mode first, then each known flag set; unknown bits as a
 * final octal number. Always NUL-terminated when @cap > 0.
 * Return: length written; -E2BIG if @cap was too small (@buf truncated).
 */
HVS_API int hvs_file_flags_str(uint32_t flags, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
