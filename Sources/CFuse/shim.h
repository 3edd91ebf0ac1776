#ifndef KVFS_CFUSE_SHIM_H
#define KVFS_CFUSE_SHIM_H

// libfuse 3.12 API: fuse_session_loop_mt is a function and struct fuse_loop_config is opaque.
#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/pidfd.h>
#include <fcntl.h>
#include <signal.h>

// Wrappers for what Swift cannot import (macros, bitfields) or what changes between libfuse releases.
// Keep this file small: logic belongs in Swift.

/// fuse_session_new (a macro over a versioned symbol from libfuse 3.17 on).
static inline struct fuse_session *kvfs_session_new(struct fuse_args *args,
                                                    const struct fuse_lowlevel_ops *ops,
                                                    void *userdata) {
    return fuse_session_new(args, ops, sizeof(*ops), userdata);
}

/// FUSE_ARGS_INIT(argc, argv): arguments libfuse does not own (allocated == 0).
static inline struct fuse_args kvfs_args_init(int argc, char **argv) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    return args;
}

// struct fuse_file_info bitfields and fields.
static inline void kvfs_fi_set_direct_io(struct fuse_file_info *fi, int on) { fi->direct_io = on ? 1 : 0; }
static inline void kvfs_fi_set_keep_cache(struct fuse_file_info *fi, int on) { fi->keep_cache = on ? 1 : 0; }
static inline void kvfs_fi_set_nonseekable(struct fuse_file_info *fi, int on) { fi->nonseekable = on ? 1 : 0; }
static inline void kvfs_fi_set_fh(struct fuse_file_info *fi, uint64_t fh) { fi->fh = fh; }
static inline uint64_t kvfs_fi_fh(const struct fuse_file_info *fi) { return fi->fh; }
static inline int kvfs_fi_flags(const struct fuse_file_info *fi) { return fi->flags; }

/// Fill a fuse_entry_param for fuse_reply_entry / fuse_reply_create.
static inline void kvfs_fill_entry(struct fuse_entry_param *e, fuse_ino_t ino, const struct stat *attr,
                                   double attr_timeout, double entry_timeout) {
    memset(e, 0, sizeof(*e));
    e->ino = ino;
    e->generation = 0;
    e->attr = *attr;
    e->attr_timeout = attr_timeout;
    e->entry_timeout = entry_timeout;
}

/// Run the multithreaded loop with an owned fuse_loop_config. Returns fuse_session_loop_mt's result.
static inline int kvfs_session_loop_mt(struct fuse_session *se, unsigned int max_idle_threads,
                                       unsigned int max_threads, int clone_fd) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (config == NULL) return -1;
    fuse_loop_cfg_set_clone_fd(config, clone_fd ? 1 : 0);
    fuse_loop_cfg_set_idle_threads(config, max_idle_threads);
    fuse_loop_cfg_set_max_threads(config, max_threads);
    int result = fuse_session_loop_mt(se, config);
    fuse_loop_cfg_destroy(config);
    return result;
}

// FUSE_DIRECT_IO_ALLOW_MMAP (kernel 6.6, protocol 7.39; bit 36, so bit 4 of the INIT flags2 words) lets files
// opened with direct I/O be mapped MAP_SHARED; without it the kernel answers ENODEV. libfuse 3.14 has no
// capability for it (FUSE_CAP_DIRECT_IO_ALLOW_MMAP came with 3.16), so the session's own I/O functions ask for it:
// they note the kernel's INIT request and, when the kernel offers the flag, set it in libfuse's INIT reply.
// Nothing else passes through them but a plain read(2) and writev(2).
#include <stdatomic.h>
#include <sys/uio.h>
#include <unistd.h>

enum { KVFS_FUSE_INIT = 26, KVFS_INIT_EXT = 1u << 30, KVFS_DIRECT_IO_ALLOW_MMAP_FLAGS2 = 1u << 4 };
/// The unique id of the kernel's INIT request while it offers FUSE_DIRECT_IO_ALLOW_MMAP, else 0.
static _Atomic uint64_t kvfs_init_unique = 0;

static inline ssize_t kvfs_io_read(int fd, void *buf, size_t len, void *userdata) {
    (void)userdata;
    ssize_t n = read(fd, buf, len);
    // fuse_in_header (40 bytes), then fuse_init_in: major, minor, max_readahead, flags, flags2.
    if (n >= 40 + 20) {
        const uint8_t *bytes = (const uint8_t *)buf;
        uint32_t opcode, flags, flags2;
        uint64_t unique;
        memcpy(&opcode, bytes + 4, 4);
        if (opcode == KVFS_FUSE_INIT) {
            memcpy(&unique, bytes + 8, 8);
            memcpy(&flags, bytes + 40 + 12, 4);
            memcpy(&flags2, bytes + 40 + 16, 4);
            if ((flags & KVFS_INIT_EXT) && (flags2 & KVFS_DIRECT_IO_ALLOW_MMAP_FLAGS2)) atomic_store(&kvfs_init_unique, unique);
        }
    }
    return n;
}

static inline ssize_t kvfs_io_writev(int fd, struct iovec *iov, int count, void *userdata) {
    (void)userdata;
    uint64_t wanted = atomic_load(&kvfs_init_unique);
    // fuse_out_header (len, error, unique), then fuse_init_out with flags at 12 and flags2 at 32.
    if (wanted != 0 && count >= 2 && iov[0].iov_len >= 16 && iov[1].iov_len >= 36) {
        uint64_t unique;
        int32_t error;
        memcpy(&error, (uint8_t *)iov[0].iov_base + 4, 4);
        memcpy(&unique, (uint8_t *)iov[0].iov_base + 8, 8);
        if (unique == wanted && error == 0) {
            uint8_t *out = (uint8_t *)iov[1].iov_base;
            uint32_t flags, flags2;
            memcpy(&flags, out + 12, 4);
            memcpy(&flags2, out + 32, 4);
            if (flags & KVFS_INIT_EXT) {
                flags2 |= KVFS_DIRECT_IO_ALLOW_MMAP_FLAGS2;
                memcpy(out + 32, &flags2, 4);
            }
            atomic_store(&kvfs_init_unique, 0);
        }
    }
    return writev(fd, iov, count);
}

/// Installs the I/O functions above on a mounted session. Returns fuse_session_custom_io's result.
static inline int kvfs_session_allow_direct_io_mmap(struct fuse_session *se) {
    static const struct fuse_custom_io io = { .writev = kvfs_io_writev, .read = kvfs_io_read };
    return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}

// FUSE_SET_ATTR_* bits for setattr's to_set, as constants Swift imports without doubt.
enum {
    KVFS_SET_ATTR_MODE = FUSE_SET_ATTR_MODE,
    KVFS_SET_ATTR_UID = FUSE_SET_ATTR_UID,
    KVFS_SET_ATTR_GID = FUSE_SET_ATTR_GID,
    KVFS_SET_ATTR_SIZE = FUSE_SET_ATTR_SIZE,
    KVFS_SET_ATTR_ATIME = FUSE_SET_ATTR_ATIME,
    KVFS_SET_ATTR_MTIME = FUSE_SET_ATTR_MTIME,
    KVFS_SET_ATTR_ATIME_NOW = FUSE_SET_ATTR_ATIME_NOW,
    KVFS_SET_ATTR_MTIME_NOW = FUSE_SET_ATTR_MTIME_NOW,
};

// pidfds, for identifying a request's caller without pid-reuse races (glibc 2.36 declares the calls; the
// PIDFD_THREAD flag of Linux 6.9 is O_EXCL and not in its headers).
static inline int kvfs_pidfd_open_thread(pid_t tid) { return pidfd_open(tid, O_EXCL); }
static inline int kvfs_pidfd_open_process(pid_t pid) { return pidfd_open(pid, 0); }
/// 0 while the process (or thread) the pidfd names is alive, -1 with ESRCH once it has exited.
static inline int kvfs_pidfd_alive(int pidfd) { return pidfd_send_signal(pidfd, 0, NULL, 0); }

#endif
