import COpenSSL

/// Random bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// Returns `count` random bytes.
    /// - Throws: `CryptoError` if the generator fails.
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try check(RAND_bytes(&out, Int32(count)), "RAND_bytes")
        return out
    }

    /// Returns `count` random bytes in a wiped-on-free buffer (for key material).
    /// - Throws: `CryptoError` if the generator fails.
    public static func secureBytes(_ count: Int) throws -> SecureBytes {
        try SecureBytes(count: count) { buffer in
            try check(RAND_bytes(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)), "RAND_bytes")
        }
    }

    /// A random identifier of `bytes` bytes as lowercase hex (32 characters for 16 bytes, like Azure's versions).
    /// - Throws: `CryptoError` if the generator fails.
    public static func hexIdentifier(bytes count: Int = 16) throws -> String {
        try bytes(count).hexString
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal text of the bytes.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
