import COpenSSL

extension PrivateKey {
    /// Imports a JWK with private parts (Azure's ImportKey): RSA `n, e, d, p, q, dp, dq, qi` (all required);
    /// EC `crv, x, y, d`. The parts must form one consistent key (OpenSSL's full key check, including the
    /// pairwise check), so a JWK whose private parts belong to another key is rejected.
    ///
    /// `kty` may be "RSA-HSM" or "EC-HSM"; check ``PrivateJWK/kty`` with ``KeyType/parse(_:)`` to report that.
    /// - Throws: `KeyCryptoError.invalidKey` for missing, malformed or inconsistent parts; `.invalidArgument`
    ///   for an unknown `kty` or `crv`; `.unsupportedKey` for an unsupported RSA size.
    public convenience init(jwk: PrivateJWK) throws {
        let (keyType, _) = try KeyType.parse(jwk.kty)
        let pkey: OpaquePointer
        switch keyType {
        case .rsa:
            let n = try JWKField.publicInteger(jwk.n, "n"), e = try JWKField.publicInteger(jwk.e, "e")
            let parts: [(String, String, SecureBytes?)] = [
                ("d", "d", jwk.d), ("p", "rsa-factor1", jwk.p), ("q", "rsa-factor2", jwk.q),
                ("dp", "rsa-exponent1", jwk.dp), ("dq", "rsa-exponent2", jwk.dq), ("qi", "rsa-coefficient1", jwk.qi),
            ]
            for (field, _, value) in parts where value == nil || value!.count == 0 {
                throw KeyCryptoError(.invalidKey, "RSA JWK is missing '\(field)'; importing needs n, e, d, p, q, dp, dq and qi.")
            }
            pkey = try OpenSSLKeyIO.fromData(type: "RSA", selection: kvfs_selection_keypair()) { b in
                try n.withUnsafeBytes { try b.bignum("n", $0) }
                try e.withUnsafeBytes { try b.bignum("e", $0) }
                for (_, param, value) in parts { try value!.withUnsafeBytes { try b.bignum(param, $0) } }
            }
        case .ec:
            guard let crv = jwk.crv else { throw KeyCryptoError(.invalidKey, "EC JWK is missing 'crv'.") }
            let curve = try EllipticCurve.parse(crv)
            let point = try JWKField.ecPoint(x: jwk.x, y: jwk.y, curve: curve)
            guard let d = jwk.d, d.count > 0 else { throw KeyCryptoError(.invalidKey, "EC JWK is missing 'd'.") }
            guard d.count <= curve.coordinateSize else {
                throw KeyCryptoError(.invalidKey, "EC JWK 'd' must be at most \(curve.coordinateSize) bytes on \(curve.rawValue).")
            }
            pkey = try OpenSSLKeyIO.fromData(type: "EC", selection: kvfs_selection_keypair()) { b in
                try b.utf8("group", curve.openSSLGroup)
                try b.octets("pub", point)
                try d.withUnsafeBytes { try b.bignum("priv", $0) }
            }
        }
        try self.init(owning: pkey)
        try checkConsistency()
    }
}
