#if canImport(Glibc)
import Glibc
#endif

/// What `statfs`/`df` shows. A virtual file system may report zero blocks.
public struct FileSystemStatistics: Sendable, Hashable {
    public var blockSize: UInt
    public var totalBlocks: UInt64
    public var freeBlocks: UInt64
    public var totalFiles: UInt64
    public var freeFiles: UInt64
    /// The longest name a directory entry may have.
    public var maximumNameLength: UInt

    /// Statistics; defaults describe an empty virtual file system with 255-byte names.
    public init(blockSize: UInt = 4096, totalBlocks: UInt64 = 0, freeBlocks: UInt64 = 0,
                totalFiles: UInt64 = 0, freeFiles: UInt64 = 0, maximumNameLength: UInt = 255) {
        self.blockSize = blockSize
        self.totalBlocks = totalBlocks
        self.freeBlocks = freeBlocks
        self.totalFiles = totalFiles
        self.freeFiles = freeFiles
        self.maximumNameLength = maximumNameLength
    }

    var statvfsValue: statvfs {
        var value = statvfs()
        value.f_bsize = blockSize
        value.f_frsize = blockSize
        value.f_blocks = fsblkcnt_t(totalBlocks)
        value.f_bfree = fsblkcnt_t(freeBlocks)
        value.f_bavail = fsblkcnt_t(freeBlocks)
        value.f_files = fsfilcnt_t(totalFiles)
        value.f_ffree = fsfilcnt_t(freeFiles)
        value.f_favail = fsfilcnt_t(freeFiles)
        value.f_namemax = maximumNameLength
        return value
    }
}
