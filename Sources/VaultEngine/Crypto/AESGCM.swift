import COpenSSL

/// AES-256-GCM authenticated encryption through OpenSSL EVP.
///
/// A sealed box is `nonce (12) ‖ ciphertext ‖ tag (16)`. The associated data is authenticated but not stored:
/// the caller must present the same bytes to open the box, which binds a ciphertext to its place in the store.
public enum AESGCM {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16
    /// Bytes a sealed box adds to its plaintext.
    public static let overhead = nonceSize + tagSize

    /// The cipher, fetched from OpenSSL's default provider once: passing `EVP_aes_256_gcm()` makes OpenSSL 3
    /// fetch it again, under a lock, on every init.
    nonisolated(unsafe) private static let fetched: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)
    private static var cipher: OpaquePointer? { fetched ?? EVP_aes_256_gcm() }

    /// Seals `plaintext` under `key` with a fresh random nonce.
    /// - Throws: `CryptoError` if OpenSSL fails or the key is not 32 bytes.
    public static func seal(_ plaintext: UnsafeRawBufferPointer, key: SecureBytes, associatedData: [UInt8]) throws -> [UInt8] {
        guard key.count == keySize else { throw CryptoError("AES-256-GCM seal: key must be 32 bytes") }
        let nonce = try SecureRandom.bytes(nonceSize)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: nonceSize + plaintext.count + tagSize)
        out.replaceSubrange(0..<nonceSize, with: nonce)
        try key.withUnsafeBytes { k in
            try check(EVP_EncryptInit_ex(ctx, cipher, nil, nil, nil), "EVP_EncryptInit_ex")
            try check(kvfs_cipher_ctx_set_ivlen(ctx, Int32(nonceSize)), "set GCM IV length")
            try check(EVP_EncryptInit_ex(ctx, nil, nil, k.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce), "EVP_EncryptInit_ex(key)")
        }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            try check(EVP_EncryptUpdate(ctx, nil, &length, associatedData, Int32(associatedData.count)), "EVP_EncryptUpdate(aad)")
        }
        try out.withUnsafeMutableBufferPointer { buffer in
            let body = buffer.baseAddress! + nonceSize
            if plaintext.count > 0 {
                try check(EVP_EncryptUpdate(ctx, body, &length, plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(plaintext.count)), "EVP_EncryptUpdate")
            }
            var final: Int32 = 0
            try check(EVP_EncryptFinal_ex(ctx, body + Int(length), &final), "EVP_EncryptFinal_ex")
            try check(kvfs_cipher_ctx_get_tag(ctx, body + plaintext.count, Int32(tagSize)), "get GCM tag")
        }
        return out
    }

    /// Seals a byte array; see ``seal(_:key:associatedData:)-(UnsafeRawBufferPointer,_,_)``.
    /// - Throws: `CryptoError`.
    public static func seal(_ plaintext: [UInt8], key: SecureBytes, associatedData: [UInt8]) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try seal($0, key: key, associatedData: associatedData) }
    }

    /// Opens a sealed box. Returns `nil` when the box is malformed, was made under another key, or its
    /// associated data differs — the caller decides how to report that integrity failure.
    /// - Throws: `CryptoError` only when OpenSSL itself fails.
    public static func open(_ box: [UInt8], key: SecureBytes, associatedData: [UInt8]) throws -> SecureBytes? {
        guard key.count == keySize, box.count >= overhead else { return nil }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let bodyCount = box.count - overhead
        var ok = true
        let plain = try SecureBytes(count: bodyCount) { out in
            try box.withUnsafeBufferPointer { boxBuffer in
                let nonce = boxBuffer.baseAddress!
                let body = nonce + nonceSize
                var tag = Array(boxBuffer[(nonceSize + bodyCount)...])
                try key.withUnsafeBytes { k in
                    try check(EVP_DecryptInit_ex(ctx, cipher, nil, nil, nil), "EVP_DecryptInit_ex")
                    try check(kvfs_cipher_ctx_set_ivlen(ctx, Int32(nonceSize)), "set GCM IV length")
                    try check(EVP_DecryptInit_ex(ctx, nil, nil, k.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce), "EVP_DecryptInit_ex(key)")
                }
                var length: Int32 = 0
                if !associatedData.isEmpty {
                    try check(EVP_DecryptUpdate(ctx, nil, &length, associatedData, Int32(associatedData.count)), "EVP_DecryptUpdate(aad)")
                }
                let outPointer = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                if bodyCount > 0 {
                    try check(EVP_DecryptUpdate(ctx, outPointer, &length, body, Int32(bodyCount)), "EVP_DecryptUpdate")
                }
                try check(kvfs_cipher_ctx_set_tag(ctx, &tag, Int32(tagSize)), "set GCM tag")
                var final: Int32 = 0
                var scratch = [UInt8](repeating: 0, count: 16)
                ok = scratch.withUnsafeMutableBufferPointer { s in
                    EVP_DecryptFinal_ex(ctx, bodyCount > 0 ? outPointer! + Int(length) : s.baseAddress!, &final) == 1
                }
            }
        }
        ERR_clear_error()
        return ok ? plain : nil
    }
}
