/// The answer to open (and the file half of create): a handle the implementation chooses and the
/// kernel's per-open cache options.
public struct OpenedFile: Sendable, Hashable {
    /// Passed back unchanged to read, write, flush, release, fsync and getattr/setattr on this open file.
    public var handle: UInt64
    /// Bypass the page cache: every read and write reaches the file system, and reads are not cut at
    /// `st_size`. On by default, which is what files whose content depends on the caller need.
    public var directIO: Bool
    /// Keep page-cache data from a previous open. Off by default.
    public var keepCache: Bool
    /// The file does not support seeking (a stream).
    public var nonSeekable: Bool

    /// A per-open answer; defaults are kvfs's: direct I/O, no kept cache, seekable.
    public init(handle: UInt64, directIO: Bool = true, keepCache: Bool = false, nonSeekable: Bool = false) {
        self.handle = handle
        self.directIO = directIO
        self.keepCache = keepCache
        self.nonSeekable = nonSeekable
    }
}

/// The answer to create: the new name's entry and the open file.
public struct CreatedFile: Sendable, Hashable {
    public var entry: Entry
    public var file: OpenedFile

    /// Pairs an entry with its open file.
    public init(entry: Entry, file: OpenedFile) {
        self.entry = entry
        self.file = file
    }
}
