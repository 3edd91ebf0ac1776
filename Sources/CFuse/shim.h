#ifndef KVFS_CFUSE_SHIM_H
#define KVFS_CFUSE_SHIM_H

// libfuse 3.12 API: fuse_session_loop_mt is a function and struct fuse_loop_config is opaque.
#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

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

#endif
