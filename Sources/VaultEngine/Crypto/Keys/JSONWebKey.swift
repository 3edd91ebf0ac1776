/// The public half of a vault key as a JSON Web Key, as Azure's GetKey returns it.
///
/// Integers and coordinates are base64url without padding, unsigned big-endian; `n` and `e` are minimal,
/// EC `x` and `y` are left-padded to the curve size (32, 48 or 66 bytes). There are no private fields in this
/// type, so encoding it can never leak `d`, `p`, `q`, `dp`, `dq` or `qi`.
public struct PublicJWK: Codable, Sendable, Hashable {
    /// The key identifier (Azure: the key version's URL).
    public var kid: String?
    /// "RSA" or "EC" ("RSA-HSM"/"EC-HSM" accepted on input).
    public var kty: String
    /// The operations the key permits.
    public var keyOps: [KeyOperation]?
    /// RSA modulus.
    public var n: String?
    /// RSA public exponent.
    public var e: String?
    /// EC curve.
    public var crv: EllipticCurve?
    /// EC public point, x coordinate.
    public var x: String?
    /// EC public point, y coordinate.
    public var y: String?

    enum CodingKeys: String, CodingKey {
        case kid, kty, keyOps = "key_ops", n, e, crv, x, y
    }

    /// Makes a public JWK from its fields (base64url strings).
    public init(kid: String? = nil, kty: String, keyOps: [KeyOperation]? = nil,
                n: String? = nil, e: String? = nil, crv: EllipticCurve? = nil, x: String? = nil, y: String? = nil) {
        self.kid = kid; self.kty = kty; self.keyOps = keyOps
        self.n = n; self.e = e; self.crv = crv; self.x = x; self.y = y
    }
}

/// A JSON Web Key with private parts, as Azure's ImportKey accepts it (decode-only: kvfs never writes one).
///
/// Private components are decoded straight into ``SecureBytes``; the JSON text they came from is the caller's
/// to dispose of. Its `description` shows no key material.
public struct PrivateJWK: Decodable, Sendable, CustomStringConvertible {
    /// The key identifier, if the caller sent one (ignored on import).
    public var kid: String?
    /// "RSA", "RSA-HSM", "EC" or "EC-HSM".
    public var kty: String
    /// The operations the caller asks the key to permit.
    public var keyOps: [KeyOperation]?
    /// RSA public parts (base64url).
    public var n: String?, e: String?
    /// RSA private exponent, primes, CRT exponents and coefficient.
    public var d: SecureBytes?, p: SecureBytes?, q: SecureBytes?, dp: SecureBytes?, dq: SecureBytes?, qi: SecureBytes?
    /// EC curve name as sent ("P-256", "P-384", "P-521", "P-256K").
    public var crv: String?
    /// EC public point (base64url).
    public var x: String?, y: String?

    enum CodingKeys: String, CodingKey {
        case kid, kty, keyOps = "key_ops", n, e, d, p, q, dp, dq, qi, crv, x, y
    }

    /// Makes a private JWK from decoded components (public parts base64url, private parts as bytes).
    public init(kid: String? = nil, kty: String, keyOps: [KeyOperation]? = nil,
                n: String? = nil, e: String? = nil, d: SecureBytes? = nil, p: SecureBytes? = nil, q: SecureBytes? = nil,
                dp: SecureBytes? = nil, dq: SecureBytes? = nil, qi: SecureBytes? = nil,
                crv: String? = nil, x: String? = nil, y: String? = nil) {
        self.kid = kid; self.kty = kty; self.keyOps = keyOps
        self.n = n; self.e = e; self.d = d; self.p = p; self.q = q; self.dp = dp; self.dq = dq; self.qi = qi
        self.crv = crv; self.x = x; self.y = y
    }

    /// Decodes a JWK, turning each private component into a wiped-on-free buffer.
    /// - Throws: `DecodingError` for a missing field or a component that is not base64url (a malformed document,
    ///   as every request kvfs decodes reports it).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func secret(_ key: CodingKeys) throws -> SecureBytes? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            do { return try Base64URL.decodeSecure(text) } catch {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "JWK field '\(key.rawValue)' is not valid base64url.")
            }
        }
        kid = try c.decodeIfPresent(String.self, forKey: .kid)
        kty = try c.decode(String.self, forKey: .kty)
        keyOps = try c.decodeIfPresent([KeyOperation].self, forKey: .keyOps)
        n = try c.decodeIfPresent(String.self, forKey: .n)
        e = try c.decodeIfPresent(String.self, forKey: .e)
        d = try secret(.d); p = try secret(.p); q = try secret(.q)
        dp = try secret(.dp); dq = try secret(.dq); qi = try secret(.qi)
        crv = try c.decodeIfPresent(String.self, forKey: .crv)
        x = try c.decodeIfPresent(String.self, forKey: .x)
        y = try c.decodeIfPresent(String.self, forKey: .y)
    }

    public var description: String { "PrivateJWK(kty: \(kty), private parts redacted)" }
}
