import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A change signal shared by every process using a store: the file `kvfs.signal` holds a random 64-bit
/// token that each write transaction replaces before it begins and again after it commits. A process that
/// still sees the token it saw before knows nothing was written since, and may answer reads from memory;
/// reading the token is one `pread`.
final class StoreSignal: Sendable {
    static let fileName = "kvfs.signal"
    private let fd: Int32
    /// The signal file's path (watched by `SignalFileListener`).
    let path: String

    /// Opens (or creates, mode 0600) the signal file in `directory`.
    init(directory: String) throws {
        path = directory + "/" + StoreSignal.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.storeFailure, "Cannot open the store's change signal '\(path)': \(String(cString: strerror(errno))).")
        }
    }

    deinit { close(fd) }

    /// The current token (0 before the first write).
    func current() -> UInt64 {
        var token: UInt64 = 0
        let count = withUnsafeMutableBytes(of: &token) { pread(fd, $0.baseAddress, 8, 0) }
        return count == 8 ? token : 0
    }

    /// Replaces the token with a fresh random one.
    func bump() {
        var token = UInt64.random(in: 1...UInt64.max)
        _ = withUnsafeBytes(of: &token) { pwrite(fd, $0.baseAddress, 8, 0) }
    }
}
