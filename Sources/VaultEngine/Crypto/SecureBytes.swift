import COpenSSL

/// A buffer of sensitive bytes (keys, secret values) that is wiped with `OPENSSL_cleanse` when freed.
///
/// Its `description` never shows the content, so it is safe to pass to a logger or interpolate by accident.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let pointer: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into a new wiped-on-free buffer.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        pointer = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        count = bytes.count
        _ = UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]).initializeMemory(as: UInt8.self, from: bytes)
    }

    /// Allocates `count` zero bytes and lets `fill` write them; used to receive output from OpenSSL.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        pointer = .allocate(byteCount: max(count, 1), alignment: 16)
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

    deinit {
        OPENSSL_cleanse(pointer.baseAddress, pointer.count)
        pointer.deallocate()
    }
}

/// Overwrites a plain byte array that held sensitive data before it is released.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
}
