import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A buffer of sensitive bytes (keys, secret values) that is wiped with `OPENSSL_cleanse` when freed.
///
/// Its `description` never shows the content, so it is safe to pass to a logger or interpolate by accident.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let pointer: UnsafeMutableRawBufferPointer
    /// The length of the pages mapped for a protected buffer (`init(protectedCount:fill:)`); 0 on the heap.
    private let mappedLength: Int

    /// Whether the bytes are locked in RAM (a protected buffer whose `mlock` RLIMIT_MEMLOCK allowed).
    public let isLocked: Bool

    /// Allocates `count` zero bytes in pages of their own, lets `fill` write them, and protects the pages:
    /// excluded from core dumps (`MADV_DONTDUMP`), not inherited by a forked child (`MADV_DONTFORK`), and
    /// locked in RAM (`mlock`) when RLIMIT_MEMLOCK permits (`isLocked` says). For long-lived keys: the
    /// master key is held so, and only so.
    public init(protectedCount count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = (max(count, 1) + page - 1) / page * page
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let mapped, mapped != MAP_FAILED {
            _ = madvise(mapped, length, MADV_DONTDUMP)
            _ = madvise(mapped, length, MADV_DONTFORK)
            isLocked = mlock(mapped, length) == 0
            pointer = UnsafeMutableRawBufferPointer(start: mapped, count: length)
            mappedLength = length
        } else {
            // No mapping to be had: an ordinary wiped buffer, unlocked.
            isLocked = false
            pointer = .allocate(byteCount: max(count, 1), alignment: 16)
            pointer.initializeMemory(as: UInt8.self, repeating: 0)
            mappedLength = 0
        }
        self.count = count
        // A throwing `fill` still ends in `deinit`, which wipes and unmaps.
        try fill(UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]))
    }

    /// Copies `bytes` into a new wiped-on-free buffer.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        pointer = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        mappedLength = 0
        isLocked = false
        count = bytes.count
        _ = UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]).initializeMemory(as: UInt8.self, from: bytes)
    }

    /// Allocates `count` zero bytes and lets `fill` write them; used to receive output from OpenSSL.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        pointer = .allocate(byteCount: max(count, 1), alignment: 16)
        mappedLength = 0
        isLocked = false
        self.count = count
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
        try fill(UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]))
    }

    /// The number of bytes held.
    public let count: Int

    /// Gives read access to the bytes for the duration of `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: pointer[0..<count]))
    }

    /// A plain copy of the bytes. Only for values that leave the vault on purpose (a secret read by an
    /// authorised caller); the copy is the caller's to protect.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public var description: String { "SecureBytes(\(count) bytes, redacted)" }

    deinit { release() }

    private func release() {
        OPENSSL_cleanse(pointer.baseAddress, pointer.count)
        if mappedLength > 0 {
            if isLocked { munlock(pointer.baseAddress, mappedLength) }
            munmap(pointer.baseAddress, mappedLength)
        } else {
            pointer.deallocate()
        }
    }
}

extension SecureBytes {
    /// Makes OpenSSL wipe every block it frees (all its allocations go through a wiping allocator). Call it
    /// first thing in a process, before anything uses OpenSSL; returns false when that was too late (OpenSSL
    /// had allocated already, and keeps its own allocator).
    @discardableResult
    public static func wipeOpenSSLAllocations() -> Bool {
        kvfs_install_wiping_allocator() == 1
    }
}

/// Overwrites a plain byte array that held sensitive data before it is released.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
}
