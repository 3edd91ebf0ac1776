import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// The `fuse_lowlevel_ops` table: one C thunk per request type, each forwarding to the mount's
/// ``FuseDispatcher`` (found through the session's userdata). No logic lives here.
///
/// Formed in nonisolated library code on purpose: a `@convention(c)` closure formed in `main.swift` or a
/// `@MainActor` scope could touch main-actor state without any diagnostic.
///
/// Left unset on purpose, because libfuse's or the kernel's fallback is the right answer and no caller
/// ever sees `ENOSYS`: `getlk`/`setlk`/`flock` (the kernel then keeps locks locally), `lseek` (generic
/// seeking), `readdirplus` (plain readdir), `write_buf` (plain write), `bmap`,
/// `retrieve_reply`, `init`/`destroy`.
func makeLowLevelOperations() -> fuse_lowlevel_ops {
    var ops = fuse_lowlevel_ops()
    ops.lookup = { FuseDispatcher.of($0).lookup($0, $1, $2) }
    ops.forget = { FuseDispatcher.of($0).forget($0, $1, $2) }
    ops.forget_multi = { FuseDispatcher.of($0).forgetMany($0, $1, $2) }
    ops.getattr = { FuseDispatcher.of($0).getattr($0, $1, $2) }
    ops.setattr = { FuseDispatcher.of($0).setattr($0, $1, $2, $3, $4) }
    ops.access = { FuseDispatcher.of($0).access($0, $1, $2) }
    ops.statfs = { FuseDispatcher.of($0).statfs($0, $1) }

    ops.opendir = { FuseDispatcher.of($0).opendir($0, $1, $2) }
    ops.readdir = { FuseDispatcher.of($0).readdir($0, $1, $2, $3, $4) }
    ops.releasedir = { FuseDispatcher.of($0).releasedir($0, $1, $2) }
    ops.fsyncdir = { request, _, _, _ in FuseDispatcher.of(request).fsyncdir(request) }
    ops.mkdir = { FuseDispatcher.of($0).mkdir($0, $1, $2, $3) }
    ops.rmdir = { FuseDispatcher.of($0).rmdir($0, $1, $2) }
    ops.unlink = { FuseDispatcher.of($0).unlink($0, $1, $2) }
    ops.rename = { FuseDispatcher.of($0).rename($0, $1, $2, $3, $4, $5) }

    ops.open = { FuseDispatcher.of($0).open($0, $1, $2) }
    ops.create = { FuseDispatcher.of($0).create($0, $1, $2, $3, $4) }
    ops.read = { FuseDispatcher.of($0).read($0, $1, $2, $3, $4) }
    ops.write = { FuseDispatcher.of($0).write($0, $1, $2, $3, $4, $5) }
    ops.flush = { FuseDispatcher.of($0).flush($0, $1, $2) }
    ops.release = { FuseDispatcher.of($0).release($0, $1, $2) }
    ops.fsync = { FuseDispatcher.of($0).fsync($0, $1, $2, $3) }
    ops.poll = { FuseDispatcher.of($0).poll($0, $1, $2, $3) }

    ops.setxattr = { FuseDispatcher.of($0).setxattr($0, $1, $2, $3, $4, $5) }
    ops.getxattr = { FuseDispatcher.of($0).getxattr($0, $1, $2, $3) }
    ops.listxattr = { FuseDispatcher.of($0).listxattr($0, $1, $2) }
    ops.removexattr = { FuseDispatcher.of($0).removexattr($0, $1, $2) }

    // Deliberate refusals, never ENOSYS.
    ops.link = { request, _, _, _ in FuseDispatcher.of(request).refuse(request, with: EPERM) }
    ops.symlink = { request, _, _, _ in FuseDispatcher.of(request).refuse(request, with: EPERM) }
    ops.mknod = { request, _, _, _, _ in FuseDispatcher.of(request).refuse(request, with: EPERM) }
    ops.readlink = { request, _ in FuseDispatcher.of(request).refuse(request, with: EINVAL) }
    ops.ioctl = { request, _, _, _, _, _, _, _, _ in FuseDispatcher.of(request).refuse(request, with: ENOTTY) }
    ops.fallocate = { request, _, _, _, _, _ in FuseDispatcher.of(request).refuse(request, with: EOPNOTSUPP) }
    ops.copy_file_range = { request, _, _, _, _, _, _, _, _ in
        FuseDispatcher.of(request).refuse(request, with: EOPNOTSUPP)
    }
    return ops
}
