/// One name in a directory listing. The bridge turns a listing into `fuse_add_direntry` records and
/// handles the kernel's offsets; a listing is taken once per `opendir` (and again on `rewinddir`).
///
/// The kernel does not add `.` and `..`: include them if `ls -a` should show them.
public struct DirectoryEntry: Sendable, Hashable {
    public var name: String
    public var inode: UInt64
    public var type: FileType

    /// Names one entry.
    public init(name: String, inode: UInt64, type: FileType) {
        self.name = name
        self.inode = inode
        self.type = type
    }
}
