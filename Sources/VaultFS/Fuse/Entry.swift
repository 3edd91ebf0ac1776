/// The answer to a name lookup (and to mkdir/create): the inode the kernel will use for the name, its
/// attributes, and how long the kernel may cache the name and the attributes. kvfs answers with 0 for both,
/// because its answers depend on the caller.
///
/// `inode` is the kernel's handle for later requests (`fuse_ino_t`, counted by lookups and released by
/// `forget`); `attributes.inode` is the number `stat` shows. They may differ: a file system can hand out
/// handles by lookup while showing each object one stable number, as libfuse's passthrough_hp does.
public struct Entry: Sendable, Hashable {
    /// The kernel's handle for this name in later requests; each delivered entry counts one lookup of it.
    public var inode: UInt64
    public var attributes: FileAttributes
    /// Seconds the kernel may keep the name → inode mapping.
    public var entryTimeout: Double
    /// Seconds the kernel may keep the attributes.
    public var attributeTimeout: Double

    /// An entry, uncached unless timeouts are given; `inode` defaults to the number `stat` shows.
    public init(_ attributes: FileAttributes, inode: UInt64? = nil, entryTimeout: Double = 0, attributeTimeout: Double = 0) {
        self.inode = inode ?? attributes.inode
        self.attributes = attributes
        self.entryTimeout = entryTimeout
        self.attributeTimeout = attributeTimeout
    }
}

/// The answer to getattr and setattr: attributes and how long the kernel may cache them.
public struct AttributeReply: Sendable, Hashable {
    public var attributes: FileAttributes
    /// Seconds the kernel may keep the attributes.
    public var timeout: Double

    /// Attributes, uncached unless a timeout is given.
    public init(_ attributes: FileAttributes, timeout: Double = 0) {
        self.attributes = attributes
        self.timeout = timeout
    }
}
