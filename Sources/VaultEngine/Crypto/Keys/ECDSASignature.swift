import COpenSSL

/// Conversions between OpenSSL's DER ECDSA signatures and JOSE/Azure raw `r ‖ s`.
enum ECDSASignature {
    /// Raw `r ‖ s`, each left-padded to `size` bytes, from a DER `ECDSA-Sig-Value`.
    static func raw(fromDER der: [UInt8], coordinateSize size: Int) throws -> [UInt8] {
        let sig: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let parsed = d2i_ECDSA_SIG(nil, &cursor, buffer.count)
            if parsed != nil, cursor != buffer.baseAddress.map({ $0 + buffer.count }) {
                ECDSA_SIG_free(parsed)
                return nil
            }
            return parsed
        }
        guard let sig else { throw KeyCryptoError.openSSL("parse an ECDSA signature") }
        defer { ECDSA_SIG_free(sig) }
        var r: OpaquePointer? = nil, s: OpaquePointer? = nil
        ECDSA_SIG_get0(sig, &r, &s)
        var out = [UInt8](repeating: 0, count: 2 * size)
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            BN_bn2binpad(r, buffer.baseAddress, Int32(size)) == Int32(size)
                && BN_bn2binpad(s, buffer.baseAddress! + size, Int32(size)) == Int32(size)
        }
        guard ok else { throw KeyCryptoError.openSSL("fit an ECDSA signature into \(size)-byte halves") }
        return out
    }

    /// DER `ECDSA-Sig-Value` from raw `r ‖ s`; nil when the input is not exactly `2 · size` bytes.
    static func der(fromRaw raw: [UInt8], coordinateSize size: Int) throws -> [UInt8]? {
        guard raw.count == 2 * size else { return nil }
        guard let sig = ECDSA_SIG_new() else { throw KeyCryptoError.openSSL("allocate an ECDSA signature") }
        defer { ECDSA_SIG_free(sig) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(size), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + size, Int32(size), nil) }
        guard let r, let s, ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r); BN_free(s)
            throw KeyCryptoError.openSSL("build an ECDSA signature")
        }
        return try OpenSSLKeyIO.der({ i2d_ECDSA_SIG(sig, $0) }, "an ECDSA signature")
    }
}
