#if canImport(Glibc)
import Glibc
#endif

/// The typed operations a FUSE file system implements; ``FuseMount`` calls them from libfuse's worker
/// threads, so an implementation must be thread-safe and should not block for long.
///
/// Every operation gets the caller's ``OperationContext`` and returns a value or throws. A thrown
/// ``ErrnoConvertible`` (such as ``FileSystemError``) reaches the caller as its errno; any other error
/// becomes `EIO`. Inodes are `fuse_ino_t` values; 1 is the root. Names are single path components.
///
/// `lookup`, `getattr`, `readdir`, `open` and `read` are required; the rest have deliberate defaults
/// (see `FileSystemOperations+Defaults.swift`): refusals with `EPERM`, no-ops that succeed where
/// nothing needs doing. The bridge itself refuses link, symlink and mknod with `EPERM`.
public protocol FileSystemOperations: Sendable {
    /// Resolves `name` in directory `parent`. Each entry delivered to the kernel adds one to the lookup count
    /// of its ``Entry/inode`` (as does each file `create` delivers); `forget` takes them back. An entry the
    /// kernel never received is forgotten by the bridge.
    /// - Throws: `ENOENT` if the name does not exist, or any other refusal.
    func lookup(parent: UInt64, name: String, context: OperationContext) throws -> Entry

    /// The kernel drops `lookups` references to `inode` (`forget` and each item of `forget_multi`); no reply
    /// is possible. At zero the kernel holds the inode no more and will not name it again.
    func forget(inode: UInt64, lookups: UInt64)

    /// Attributes of `inode`; `handle` is set when the kernel asks about an open file (`fstat`).
    /// - Throws: a refusal; `ENOENT` if the inode vanished.
    func getattr(inode: UInt64, handle: UInt64?, context: OperationContext) throws -> AttributeReply

    /// Changes attributes (chmod, chown, truncate, utimens) and returns the new ones.
    /// - Throws: a refusal; `EPERM` for changes the file system never allows.
    func setattr(inode: UInt64, changes: AttributeChanges, handle: UInt64?,
                 context: OperationContext) throws -> AttributeReply

    /// Opens directory `inode`; the returned handle comes back in `readdir` and `releasedir`.
    /// - Throws: a refusal.
    func opendir(inode: UInt64, flags: Int32, context: OperationContext) throws -> UInt64

    /// The whole listing of directory `inode`. The bridge calls it once per open directory (and on rewind)
    /// and serves the kernel's offsets from that snapshot.
    /// - Throws: a refusal.
    func readdir(inode: UInt64, handle: UInt64, context: OperationContext) throws -> [DirectoryEntry]

    /// The kernel closed the directory handle.
    /// - Throws: nothing the caller will see; errors are logged.
    func releasedir(inode: UInt64, handle: UInt64, context: OperationContext) throws

    /// Opens file `inode` with `open(2)` flags (`O_RDONLY`, `O_WRONLY`, `O_TRUNC`, ...).
    /// - Throws: a refusal.
    func open(inode: UInt64, flags: Int32, context: OperationContext) throws -> OpenedFile

    /// Creates and opens file `name` in `parent` (`O_CREAT`). `mode` includes the type bits.
    /// - Throws: `EEXIST`, or a refusal.
    func create(parent: UInt64, name: String, mode: mode_t, flags: Int32,
                context: OperationContext) throws -> CreatedFile

    /// Up to `size` bytes at `offset`; fewer (or none) at the end of the file. The bridge zeroes the returned
    /// array once the kernel has it (it may hold a secret), so return an array no one else holds.
    /// - Throws: a refusal or a read failure.
    func read(inode: UInt64, handle: UInt64, offset: UInt64, size: Int,
              context: OperationContext) throws -> [UInt8]

    /// Writes `data` at `offset` and returns how many bytes were taken. `data` is valid only during the call.
    /// - Throws: a refusal; `EFBIG` past a size limit.
    func write(inode: UInt64, handle: UInt64, offset: UInt64, data: UnsafeRawBufferPointer,
               context: OperationContext) throws -> Int

    /// Called on each `close(2)` of a file descriptor of this open file; its error reaches `close()`.
    /// - Throws: the error `close()` should report.
    func flush(inode: UInt64, handle: UInt64, context: OperationContext) throws

    /// The last reference to the open file is gone. The caller's `close()` has already returned.
    /// - Throws: nothing the caller will see; errors are logged.
    func release(inode: UInt64, handle: UInt64, flags: Int32, context: OperationContext) throws

    /// `fsync(2)` / `fdatasync(2)` (`dataOnly`).
    /// - Throws: the error `fsync()` should report.
    func fsync(inode: UInt64, handle: UInt64, dataOnly: Bool, context: OperationContext) throws

    /// Removes file `name` from `parent`.
    /// - Throws: `ENOENT`, `EISDIR`, or a refusal.
    func unlink(parent: UInt64, name: String, context: OperationContext) throws

    /// Removes directory `name` from `parent`.
    /// - Throws: `ENOENT`, `ENOTDIR`, `ENOTEMPTY`, or a refusal.
    func rmdir(parent: UInt64, name: String, context: OperationContext) throws

    /// Creates directory `name` in `parent`.
    /// - Throws: `EEXIST`, or a refusal.
    func mkdir(parent: UInt64, name: String, mode: mode_t, context: OperationContext) throws -> Entry

    /// Renames `parent/name` to `newParent/newName`.
    /// - Throws: `ENOENT`, `EEXIST` (with `.noReplace`), `EINVAL` for unsupported flags, or a refusal.
    func rename(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: RenameFlags,
                context: OperationContext) throws

    /// Sets extended attribute `name` of `inode`.
    /// - Throws: `EEXIST`/`ENODATA` per `mode`, `ENOTSUP` for unknown namespaces, or a refusal.
    func setxattr(inode: UInt64, name: String, value: [UInt8], mode: ExtendedAttributeSetMode,
                  context: OperationContext) throws

    /// The value of extended attribute `name`. The bridge handles size probes and `ERANGE`.
    /// - Throws: `ENODATA` if there is no such attribute, or a refusal.
    func getxattr(inode: UInt64, name: String, context: OperationContext) throws -> [UInt8]

    /// The names of `inode`'s extended attributes. The bridge handles size probes and `ERANGE`.
    /// - Throws: a refusal.
    func listxattr(inode: UInt64, context: OperationContext) throws -> [String]

    /// Removes extended attribute `name`.
    /// - Throws: `ENODATA` if there is no such attribute, or a refusal.
    func removexattr(inode: UInt64, name: String, context: OperationContext) throws

    /// `statfs(2)` / `df`.
    /// - Throws: a failure.
    func statfs(inode: UInt64, context: OperationContext) throws -> FileSystemStatistics

    /// `access(2)` with `mask` (`R_OK`, `W_OK`, `X_OK`, or `F_OK` = 0). Without `default_permissions`
    /// this is the only check the kernel asks for on `access()`; real checks belong in open/lookup.
    /// - Throws: `EACCES` to refuse.
    func access(inode: UInt64, mask: Int32, context: OperationContext) throws

    /// The `poll(2)` events of open file `handle`. With `waiter` set the kernel will sleep until it is
    /// notified: keep it and call ``PollWaiter/notify()`` when the events change (drop it otherwise).
    /// - Throws: a refusal (`EBADF` for an unknown handle).
    func poll(inode: UInt64, handle: UInt64, waiter: PollWaiter?, context: OperationContext) throws -> PollEvents
}
