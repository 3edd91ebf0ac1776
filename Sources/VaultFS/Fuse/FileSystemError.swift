#if canImport(Glibc)
import Glibc
#endif

/// An error a file system operation reports to the kernel: one errno value.
///
/// The bridge replies with `errno` for any thrown error that conforms to ``ErrnoConvertible``; any other
/// error becomes `EIO` and is logged, because the kernel can carry nothing but a number.
public struct FileSystemError: Error, Sendable, Hashable, ErrnoConvertible, CustomStringConvertible {
    /// The positive errno value sent to the kernel (`ENOENT`, `EACCES`, ...).
    public var errno: Int32

    /// Wraps a positive errno value.
    public init(_ errno: Int32) {
        self.errno = errno
    }

    /// `ENOENT`: no such file or directory.
    public static let noSuchEntry = FileSystemError(ENOENT)
    /// `EACCES`: the caller lacks the permission.
    public static let accessDenied = FileSystemError(EACCES)
    /// `EPERM`: the operation is not allowed on this file system at all.
    public static let notPermitted = FileSystemError(EPERM)
    /// `EEXIST`: the name is taken.
    public static let exists = FileSystemError(EEXIST)
    /// `EINVAL`: a malformed name or argument.
    public static let invalidArgument = FileSystemError(EINVAL)
    /// `EISDIR`: a file operation on a directory.
    public static let isDirectory = FileSystemError(EISDIR)
    /// `ENOTDIR`: a directory operation on a file.
    public static let notDirectory = FileSystemError(ENOTDIR)
    /// `ENOTEMPTY`: the directory still has entries.
    public static let notEmpty = FileSystemError(ENOTEMPTY)
    /// `ENODATA`: no such extended attribute.
    public static let noAttribute = FileSystemError(ENODATA)
    /// `ENOTSUP`: the operation is not supported for this object.
    public static let notSupported = FileSystemError(ENOTSUP)
    /// `EFBIG`: the file would grow beyond its limit.
    public static let fileTooLarge = FileSystemError(EFBIG)
    /// `EIO`: an internal failure.
    public static let ioError = FileSystemError(EIO)

    public var description: String {
        "\(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// An error that knows which errno the kernel should see. VaultFS's error mapping conforms vault errors to it.
public protocol ErrnoConvertible: Error {
    /// The positive errno value to reply with.
    var errno: Int32 { get }
}
