import COpenSSL

/// Small helpers around EVP_PKEY encoding and BIGNUMs shared by `PrivateKey` and `PublicKey`.
enum OpenSSLKeyIO {
    /// DER of an i2d-style encoder into a plain array (public data only).
    static func der(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32, _ what: String) throws -> [UInt8] {
        let length = encode(nil)
        guard length > 0 else { throw KeyCryptoError.openSSL("encode \(what)") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return encode(&cursor)
        }
        guard written == length else { throw KeyCryptoError.openSSL("encode \(what)") }
        return out
    }

    /// Runs `body` with a read-only memory BIO over `bytes`.
    static func withMemoryBIO<R>(_ bytes: UnsafeRawBufferPointer, _ body: (OpaquePointer) throws -> R) throws -> R {
        guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { throw KeyCryptoError.openSSL("create a memory BIO") }
        defer { BIO_free(bio) }
        return try body(bio)
    }

    /// The text a PEM writer produced into a fresh memory BIO.
    static func pem(_ write: (OpaquePointer) -> Int32, _ what: String) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw KeyCryptoError.openSSL("create a memory BIO") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw KeyCryptoError.openSSL("write \(what) PEM") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = kvfs_bio_get_mem_data(bio, &data)
        guard length > 0, let data else { throw KeyCryptoError.openSSL("read \(what) PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// A BIGNUM parameter of a key as unsigned big-endian bytes, left-padded to `width` if given (public data only).
    static func bigEndian(_ pkey: OpaquePointer, _ name: String, width: Int? = nil) throws -> [UInt8] {
        var bn: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else { throw KeyCryptoError.openSSL("read key parameter '\(name)'") }
        defer { BN_free(bn) }
        let natural = Int((BN_num_bits(bn) + 7) / 8)
        let count = width ?? max(natural, 1)
        guard natural <= count else { throw KeyCryptoError.openSSL("fit key parameter '\(name)' into \(count) bytes") }
        var out = [UInt8](repeating: 0, count: count)
        guard BN_bn2binpad(bn, &out, Int32(count)) == Int32(count) else { throw KeyCryptoError.openSSL("encode key parameter '\(name)'") }
        return out
    }

    /// A BIGNUM from unsigned big-endian bytes, flagged secure so it is wiped when freed; free with `BN_clear_free`.
    static func bignum(_ bytes: UnsafeRawBufferPointer) throws -> OpaquePointer {
        guard let bn = BN_secure_new() else { throw KeyCryptoError.openSSL("allocate a BIGNUM") }
        guard BN_bin2bn(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(bytes.count), bn) != nil else {
            BN_clear_free(bn)
            throw KeyCryptoError.openSSL("decode a BIGNUM")
        }
        return bn
    }

    /// Builds an EVP_PKEY of `type` ("RSA" or "EC") from parameters pushed by `push`, with `selection`.
    /// - Throws: `KeyCryptoError.invalidKey` when OpenSSL rejects the parameters.
    static func fromData(type: String, selection: Int32, _ push: (ParameterBuilder) throws -> Void) throws -> OpaquePointer {
        let builder = try ParameterBuilder()
        try push(builder)
        guard let params = OSSL_PARAM_BLD_to_param(builder.raw) else { throw KeyCryptoError.openSSL("build key parameters") }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw KeyCryptoError.openSSL("create an \(type) context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_fromdata_init(ctx), "start key import")
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1, let pkey else {
            let cause = CryptoError("EVP_PKEY_fromdata")
            throw KeyCryptoError(.invalidKey, "The \(type) key parameters do not form a valid key.", cause: cause)
        }
        return pkey
    }

    /// Strips leading zero bytes (JWK integers are minimal; tolerate padded ones).
    static func significantBytes(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.drop { $0 == 0 }
    }
}

/// An OSSL_PARAM_BLD that owns every buffer it was given until it is freed (OpenSSL keeps pointers to
/// strings and BIGNUMs until `OSSL_PARAM_BLD_to_param`), wiping them on the way out.
final class ParameterBuilder {
    let raw: OpaquePointer
    private var bignums: [OpaquePointer] = []
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    init() throws {
        guard let raw = OSSL_PARAM_BLD_new() else { throw KeyCryptoError.openSSL("create a parameter builder") }
        self.raw = raw
    }

    /// Pushes an integer parameter from unsigned big-endian bytes.
    func bignum(_ name: String, _ bytes: UnsafeRawBufferPointer) throws {
        let bn = try OpenSSLKeyIO.bignum(bytes)
        bignums.append(bn)
        try checkKey(OSSL_PARAM_BLD_push_BN(raw, keep(name), bn), "set key parameter '\(name)'")
    }

    /// Pushes a UTF-8 string parameter.
    func utf8(_ name: String, _ value: String) throws {
        let buffer = keep(value)
        try checkKey(OSSL_PARAM_BLD_push_utf8_string(raw, keep(name), buffer, 0), "set key parameter '\(name)'")
    }

    /// Pushes an octet-string parameter.
    func octets(_ name: String, _ bytes: [UInt8]) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        buffers.append(buffer)
        buffer.copyBytes(from: bytes)
        try checkKey(OSSL_PARAM_BLD_push_octet_string(raw, keep(name), buffer.baseAddress, bytes.count), "set key parameter '\(name)'")
    }

    /// A NUL-terminated copy of `text` that lives as long as the builder.
    private func keep(_ text: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(text.utf8CString)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: utf8.count, alignment: 1)
        buffers.append(buffer)
        utf8.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
    }

    deinit {
        OSSL_PARAM_BLD_free(raw)
        for bn in bignums { BN_clear_free(bn) }
        for buffer in buffers {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
        }
    }
}
