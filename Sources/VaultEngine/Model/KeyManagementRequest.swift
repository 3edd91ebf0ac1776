import Foundation

/// A request to a key collection's control file (`keys/.ops`), with Azure's KeyCreateParameters and
/// KeyImportParameters field names plus `op` and `name`:
///
/// ```json
/// {"op": "create", "name": "k1", "kty": "EC", "crv": "P-256"}
/// {"op": "create", "name": "k2", "kty": "RSA", "key_size": 3072, "key_ops": ["sign", "verify"],
///  "attributes": {"enabled": true, "exp": 1893456000}, "tags": {"team": "payments"}}
/// {"op": "import", "name": "k3", "key": {"kty": "EC", "crv": "P-256", "x": "...", "y": "...", "d": "..."}}
/// {"op": "import", "name": "k4", "pem": "-----BEGIN PRIVATE KEY-----\n..."}
/// {"op": "create", "name": "k5", "kty": "RSA", "attributes": {"exportable": true},
///  "release_policy": {"contentType": "application/json; charset=utf-8", "data": "<base64url policy>", "immutable": false}}
/// {"op": "rotate", "name": "k1"}
/// ```
/// Dates are Unix seconds, as Azure's IntDate.
public struct KeyManagementRequest: Decodable, Sendable {
    public enum Operation: String, Decodable, Sendable {
        case create, `import`, rotate
    }

    /// Azure's KeyAttributes subset a request may set.
    public struct Attributes: Decodable, Sendable {
        public var enabled: Bool?
        public var nbf: Double?
        public var exp: Double?
        /// Azure's `exportable` (needs `release_policy`).
        public var exportable: Bool?
    }

    public var op: Operation
    public var name: String
    public var kty: String?
    public var keySize: Int?
    public var publicExponent: Int?
    public var crv: String?
    public var keyOps: [String]?
    public var attributes: Attributes?
    public var tags: [String: String]?
    /// A private JWK to import.
    public var key: PrivateJWK?
    /// An unencrypted PKCS#8 PEM to import.
    public var pem: String?
    /// Azure's release policy.
    public var releasePolicy: KeyReleasePolicy?

    enum CodingKeys: String, CodingKey {
        case op, name, kty, keySize = "key_size", publicExponent = "public_exponent", crv, keyOps = "key_ops"
        case attributes, tags, key, pem, releasePolicy = "release_policy"
    }

    var release: KeyReleaseOptions { KeyReleaseOptions(exportable: attributes?.exportable ?? false, releasePolicy: releasePolicy) }

    var newVersionAttributes: NewVersionAttributes {
        NewVersionAttributes(enabled: attributes?.enabled ?? true, notBefore: attributes?.nbf.map(Date.init(timeIntervalSince1970:)),
                             expires: attributes?.exp.map(Date.init(timeIntervalSince1970:)), tags: tags ?? [:])
    }

    /// The create options this request describes.
    /// - Throws: `VaultError.invalidArgument` for a missing or unknown type, size, curve or operation.
    func createOptions() throws -> KeyCreateOptions {
        guard let kty else { throw VaultError.invalid("A create request needs 'kty' (RSA or EC).") }
        let spec: KeySpec
        switch try KeyRules.softwareKeyType(kty) {
        case .rsa:
            guard crv == nil else { throw VaultError.invalid("'crv' is for EC keys; RSA keys take 'key_size' and 'public_exponent'.") }
            spec = .rsa(bits: keySize ?? 2048, exponent: publicExponent ?? RSAKeySize.defaultExponent)
        case .ec:
            guard keySize == nil, publicExponent == nil else { throw VaultError.invalid("'key_size' and 'public_exponent' are for RSA keys; EC keys take 'crv'.") }
            spec = .ec(try crv.map { c in try KeyRules.crypto { try EllipticCurve.parse(c) } } ?? .p256)
        }
        return KeyCreateOptions(spec, keyOps: try parsedKeyOps(), attributes: newVersionAttributes,
                                exportable: release.exportable, releasePolicy: release.releasePolicy)
    }

    func parsedKeyOps() throws -> [KeyOperation]? {
        try keyOps.map { ops in try ops.map { op in try KeyRules.crypto { try KeyOperation.parse(op) } } }
    }
}

extension KeyService {
    /// Carries out a key collection's control request: create, import or rotate.
    /// - Throws: the `VaultError` of the operation it performs.
    public func perform(_ request: KeyManagementRequest, vault: String, as caller: Caller) throws -> KeyBundle {
        switch request.op {
        case .create:
            return try create(vault: vault, name: request.name, try request.createOptions(), as: caller)
        case .import:
            let material: KeyImportMaterial
            switch (request.key, request.pem) {
            case (let jwk?, nil): material = .jwk(jwk)
            case (nil, let pem?): material = .pkcs8PEM(pem)
            default: throw VaultError.invalid("An import request needs exactly one of 'key' (a private JWK) and 'pem' (PKCS#8).")
            }
            return try self.import(vault: vault, name: request.name, material, keyOps: try request.parsedKeyOps(),
                                 attributes: request.newVersionAttributes, release: request.release, as: caller)
        case .rotate:
            return try rotate(vault: vault, name: request.name, as: caller)
        }
    }
}

extension KeyBundle: Encodable {
    private enum CodingKeys: String, CodingKey { case key, attributes, tags, managed, releasePolicy = "release_policy" }

    /// Azure's KeyBundle: `{key: JWK, attributes: {enabled, nbf, exp, created, updated, recoveryLevel,
    /// recoverableDays, exportable}, tags, release_policy}` with IntDate (Unix seconds) times.
    /// - Throws: `EncodingError`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        let p = properties
        var attributes = AttributesJSON(p)
        attributes.exportable = exportable
        try c.encode(attributes, forKey: .attributes)
        try c.encodeIfPresent(releasePolicy, forKey: .releasePolicy)
        try c.encode(p.tags, forKey: .tags)
        if p.managed { try c.encode(true, forKey: .managed) }
    }
}
