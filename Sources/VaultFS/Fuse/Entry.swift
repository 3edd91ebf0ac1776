/// The answer to a name lookup (and to mkdir/create): the inode's attributes and how long the kernel
/// may cache the name and the attributes. kvfs answers with 0 for both, because its answers depend on the caller.
public struct Entry: Sendable, Hashable {
    public var attributes: FileAttributes
    /// Seconds the kernel may keep the name → inode mapping.
    public var entryTimeout: Double
    /// Seconds the kernel may keep the attributes.
    public var attributeTimeout: Double

    /// An entry, uncached unless timeouts are given.
    public init(_ attributes: FileAttributes, entryTimeout: Double = 0, attributeTimeout: Double = 0) {
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
