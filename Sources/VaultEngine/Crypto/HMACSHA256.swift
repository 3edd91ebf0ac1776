import COpenSSL

/// HMAC-SHA-256 through OpenSSL, used for the audit chain and for deriving subkeys from the master key.
public enum HMACSHA256 {
    /// The MAC of `message` under `key`.
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func mac(key: SecureBytes, message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &length)
            }
        }
        guard result != nil else { throw CryptoError("HMAC-SHA-256") }
        return Array(out.prefix(Int(length)))
    }

    /// A 32-byte subkey of `key` for one named purpose (HMAC(key, "kvfs/" + purpose)).
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func deriveKey(from key: SecureBytes, purpose: String) throws -> SecureBytes {
        let derived = try mac(key: key, message: Array("kvfs/\(purpose)".utf8))
        return SecureBytes(derived)
    }
}

/// SHA-256 digests through OpenSSL.
public enum SHA256Digest {
    /// The SHA-256 of `data`.
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func hash(_ data: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        try check(EVP_Digest(data, data.count, &out, &length, EVP_sha256(), nil), "SHA-256")
        return out
    }
}

/// Constant-time comparison of two byte arrays.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
}

/// A key kept ready for many HMAC-SHA-256 computations (the audit chain): OpenSSL's context is made and
/// keyed once and duplicated per message, so no algorithm is fetched again. The context holds the key
/// until this object is released.
final class HMACSHA256Key: @unchecked Sendable {
    // @unchecked: `template` is only read (duplicated) after init, which OpenSSL allows from any thread.
    private let template: OpaquePointer
    nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)

    /// - Throws: `CryptoError` if OpenSSL cannot make the context.
    init(_ key: SecureBytes) throws {
        guard let algorithm = HMACSHA256Key.algorithm,
              let ctx = key.withUnsafeBytes({ kvfs_hmac_sha256_new(algorithm, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }) else {
            throw CryptoError("HMAC-SHA-256 key")
        }
        template = ctx
    }

    deinit { EVP_MAC_CTX_free(template) }

    /// The MAC of `message`.
    /// - Throws: `CryptoError` if OpenSSL fails.
    func mac(_ message: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_dup(template) else { throw CryptoError("HMAC-SHA-256") }
        defer { EVP_MAC_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        try check(EVP_MAC_update(ctx, message, message.count), "HMAC-SHA-256 update")
        try check(EVP_MAC_final(ctx, &out, &length, out.count), "HMAC-SHA-256 final")
        return Array(out.prefix(length))
    }
}
