// The FUSE floor: the smallest low-level libfuse file system that serves one file from memory with the
// cache settings kvfs uses (entry_timeout = attr_timeout = 0, direct_io on every open). Whatever it costs
// to open+read+close its file is what any per-caller FUSE file system pays before doing any work.
// The file sits at the same depth as a kvfs secret, bench/secrets/secret, so a path walk costs the same
// lookups (with entry_timeout 0 the kernel asks for every component on every open).
//
// Usage: floor MOUNTPOINT [-f] [-s] [-o opt,...]   (standard libfuse command line; see run.sh)

#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char file_data[] = "s3cr3t-value-0123456789abcdef\n";
enum { root_ino = 1, vault_ino = 2, secrets_ino = 3, file_ino = 4 };
/// The one child of each directory: root → "bench" → "secrets" → "secret".
static const char *const child_name[] = {"", "bench", "secrets", "secret"};

static void fill_attr(fuse_ino_t ino, struct stat *st) {
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    if (ino != file_ino) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = sizeof(file_data) - 1;
    }
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    if (parent < root_ino || parent > secrets_ino || strcmp(name, child_name[parent]) != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    e.ino = parent + 1;
    e.attr_timeout = 0;
    e.entry_timeout = 0;
    fill_attr(e.ino, &e.attr);
    fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)fi;
    if (ino < root_ino || ino > file_ino) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct stat st;
    fill_attr(ino, &st);
    fuse_reply_attr(req, &st, 0);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    if (ino != file_ino) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    if ((fi->flags & O_ACCMODE) != O_RDONLY) {
        fuse_reply_err(req, EACCES);
        return;
    }
    fi->direct_io = 1;
    fi->keep_cache = 0;
    fuse_reply_open(req, fi);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)ino;
    (void)fi;
    size_t length = sizeof(file_data) - 1;
    if ((size_t)off >= length) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    size_t count = length - (size_t)off < size ? length - (size_t)off : size;
    fuse_reply_buf(req, file_data + off, count);
}

static void floor_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    if (ino < root_ino || ino > secrets_ino) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    char buffer[512];
    size_t used = 0;
    const char *names[] = {".", "..", child_name[ino]};
    const fuse_ino_t inodes[] = {ino, ino > root_ino ? ino - 1 : root_ino, ino + 1};
    for (off_t i = off; i < 3; i++) {
        struct stat st;
        fill_attr(inodes[i], &st);
        size_t need = fuse_add_direntry(req, buffer + used, sizeof(buffer) - used, names[i], &st, i + 1);
        if (need > sizeof(buffer) - used || used + need > size) break;
        used += need;
    }
    fuse_reply_buf(req, buffer, used);
}

static const struct fuse_lowlevel_ops floor_ops = {
    .lookup = floor_lookup,
    .getattr = floor_getattr,
    .open = floor_open,
    .read = floor_read,
    .readdir = floor_readdir,
};

int main(int argc, char *argv[]) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_cmdline_opts opts;
    int result = 1;
    if (fuse_parse_cmdline(&args, &opts) != 0) return 1;
    if (opts.mountpoint == NULL) {
        fprintf(stderr, "usage: %s MOUNTPOINT [-f] [-s] [-o options]\n", argv[0]);
        goto out_args;
    }
    struct fuse_session *se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
    if (se == NULL) goto out_args;
    if (fuse_set_signal_handlers(se) != 0) goto out_session;
    if (fuse_session_mount(se, opts.mountpoint) != 0) goto out_signals;
    fuse_daemonize(opts.foreground);
    if (opts.singlethread) {
        result = fuse_session_loop(se);
    } else {
        struct fuse_loop_config *config = fuse_loop_cfg_create();
        fuse_loop_cfg_set_clone_fd(config, 0);
        fuse_loop_cfg_set_idle_threads(config, 10);
        result = fuse_session_loop_mt(se, config);
        fuse_loop_cfg_destroy(config);
    }
    fuse_session_unmount(se);
out_signals:
    fuse_remove_signal_handlers(se);
out_session:
    fuse_session_destroy(se);
out_args:
    free(opts.mountpoint);
    fuse_opt_free_args(&args);
    return result ? 1 : 0;
}
