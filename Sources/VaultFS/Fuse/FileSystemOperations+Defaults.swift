#if canImport(Glibc)
import Glibc
#endif

/// Deliberate answers for operations a file system may leave out: refusals where something would change,
/// success where nothing needs doing. Never `ENOSYS`.
extension FileSystemOperations {
    /// Nothing to count: inodes are stable.
    public func forget(inode: UInt64, lookups: UInt64) {}

    /// Refuses every attribute change.
    public func setattr(inode: UInt64, changes: AttributeChanges, handle: UInt64?,
                        context: OperationContext) throws -> AttributeReply {
        throw FileSystemError.notPermitted
    }

    /// Directories need no handle of their own.
    public func opendir(inode: UInt64, flags: Int32, context: OperationContext) throws -> UInt64 { 0 }

    /// Nothing to release.
    public func releasedir(inode: UInt64, handle: UInt64, context: OperationContext) throws {}

    /// Refuses to create files.
    public func create(parent: UInt64, name: String, mode: mode_t, flags: Int32,
                       context: OperationContext) throws -> CreatedFile {
        throw FileSystemError.notPermitted
    }

    /// Refuses writes.
    public func write(inode: UInt64, handle: UInt64, offset: UInt64, data: UnsafeRawBufferPointer,
                      context: OperationContext) throws -> Int {
        throw FileSystemError.notPermitted
    }

    /// Nothing buffered.
    public func flush(inode: UInt64, handle: UInt64, context: OperationContext) throws {}

    /// Nothing to release.
    public func release(inode: UInt64, handle: UInt64, flags: Int32, context: OperationContext) throws {}

    /// Nothing to sync.
    public func fsync(inode: UInt64, handle: UInt64, dataOnly: Bool, context: OperationContext) throws {}

    /// Refuses to remove files.
    public func unlink(parent: UInt64, name: String, context: OperationContext) throws {
        throw FileSystemError.notPermitted
    }

    /// Refuses to remove directories.
    public func rmdir(parent: UInt64, name: String, context: OperationContext) throws {
        throw FileSystemError.notPermitted
    }

    /// Refuses to create directories.
    public func mkdir(parent: UInt64, name: String, mode: mode_t, context: OperationContext) throws -> Entry {
        throw FileSystemError.notPermitted
    }

    /// Refuses renames.
    public func rename(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: RenameFlags,
                       context: OperationContext) throws {
        throw FileSystemError.notPermitted
    }

    /// Refuses to set extended attributes.
    public func setxattr(inode: UInt64, name: String, value: [UInt8], mode: ExtendedAttributeSetMode,
                         context: OperationContext) throws {
        throw FileSystemError.notPermitted
    }

    /// No extended attributes.
    public func getxattr(inode: UInt64, name: String, context: OperationContext) throws -> [UInt8] {
        throw FileSystemError.noAttribute
    }

    /// No extended attributes.
    public func listxattr(inode: UInt64, context: OperationContext) throws -> [String] { [] }

    /// Refuses to remove extended attributes.
    public func removexattr(inode: UInt64, name: String, context: OperationContext) throws {
        throw FileSystemError.notPermitted
    }

    /// An empty virtual file system.
    public func statfs(inode: UInt64, context: OperationContext) throws -> FileSystemStatistics {
        FileSystemStatistics()
    }

    /// Allows: the real decision is made when the file is looked up or opened.
    public func access(inode: UInt64, mask: Int32, context: OperationContext) throws {}

    /// Always ready, as the kernel answers for a file system without `poll`.
    public func poll(inode: UInt64, handle: UInt64, waiter: PollWaiter?, context: OperationContext) throws -> PollEvents { .ready }
}
