import Synchronization
import Foundation

/// What a new key version is made of: RSA with a size and public exponent, or EC on a named curve.
public enum KeySpec: Sendable, Hashable, CustomStringConvertible {
    /// RSA of `bits` bits (2048, 3072 or 4096) with public exponent `exponent` (default 65537).
    case rsa(bits: Int = 2048, exponent: Int = RSAKeySize.defaultExponent)
    /// EC on `curve` (P-256, P-384, P-521 or P-256K).
    case ec(EllipticCurve)

    /// The Azure key type.
    public var keyType: KeyType {
        switch self {
        case .rsa: .rsa
        case .ec: .ec
        }
    }

    public var description: String {
        switch self {
        case .rsa(let bits, let exponent): "RSA-\(bits) (e=\(exponent))"
        case .ec(let curve): "EC \(curve.rawValue)"
        }
    }
}

/// Azure's KeyCreateParameters: the key's type and size or curve, the operations it permits, and the
/// attributes and tags of the new version.
public struct KeyCreateOptions: Sendable, Equatable {
    public var spec: KeySpec
    /// The operations the version permits; `nil` means every operation its type supports
    /// (EC: sign, verify; RSA: encrypt, decrypt, sign, verify, wrapKey, unwrapKey).
    public var keyOps: [KeyOperation]?
    /// enabled, nbf, exp and tags. Keys have no content type: a non-nil `contentType` is refused.
    public var attributes: NewVersionAttributes
    /// Azure's `exportable` attribute; an exportable key needs a `releasePolicy`.
    public var exportable: Bool
    /// Azure's release policy (`KeyReleaseRules`).
    public var releasePolicy: KeyReleasePolicy?

    public init(_ spec: KeySpec, keyOps: [KeyOperation]? = nil, attributes: NewVersionAttributes = NewVersionAttributes(),
                exportable: Bool = false, releasePolicy: KeyReleasePolicy? = nil) {
        self.spec = spec
        self.keyOps = keyOps
        self.attributes = attributes
        self.exportable = exportable
        self.releasePolicy = releasePolicy
    }
}

/// What an import adds to the material: Azure's `exportable` attribute and release policy.
public struct KeyReleaseOptions: Sendable, Equatable {
    /// Azure's `exportable` attribute; an exportable key needs a `releasePolicy`.
    public var exportable: Bool
    /// Azure's release policy (`KeyReleaseRules`).
    public var releasePolicy: KeyReleasePolicy?

    public init(exportable: Bool = false, releasePolicy: KeyReleasePolicy? = nil) {
        self.exportable = exportable
        self.releasePolicy = releasePolicy
    }
}

/// The private key material an import brings in (Azure's ImportKey). After the import nobody can read it back.
public enum KeyImportMaterial: Sendable, CustomStringConvertible {
    /// A JSON Web Key with its private parts (RSA n, e, d, p, q, dp, dq, qi; EC crv, x, y, d).
    case jwk(PrivateJWK)
    /// An unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    case pkcs8PEM(String)

    public var description: String {
        switch self {
        case .jwk: "KeyImportMaterial.jwk(redacted)"
        case .pkcs8PEM: "KeyImportMaterial.pkcs8PEM(redacted)"
        }
    }
}

/// Azure's UpdateKey PATCH: key_ops and attributes (enabled, nbf, exp, tags). `nil` fields stay as they are;
/// the key material never changes.
public struct KeyUpdate: Sendable, Equatable {
    /// Replaces the version's permitted operations when given.
    public var keyOps: [KeyOperation]?
    /// enabled, nbf, exp and tags. Keys have no content type: a non-nil `contentType` is refused.
    public var attributes: AttributeUpdate
    /// Replaces the version's release policy when given (refused when the current one is immutable).
    public var releasePolicy: KeyReleasePolicy?

    public init(keyOps: [KeyOperation]? = nil, attributes: AttributeUpdate = AttributeUpdate(), releasePolicy: KeyReleasePolicy? = nil) {
        self.keyOps = keyOps
        self.attributes = attributes
        self.releasePolicy = releasePolicy
    }

    /// Whether the update changes nothing.
    public var isEmpty: Bool { keyOps == nil && attributes.isEmpty && releasePolicy == nil }
}

/// One key version as Azure's KeyBundle describes it: the public JWK (never a private part), the version's
/// attributes and tags, and the public key as PEM.
public struct KeyBundle: Sendable, Equatable {
    /// Attributes, tags and identity of the version.
    public var properties: VersionProperties
    /// `kid` (`/vaults/V/keys/N/VERSION`), `kty`, `key_ops`, and `n`/`e` or `crv`/`x`/`y`.
    public var key: PublicJWK
    /// Type and size or curve.
    public var parameters: KeyParameters
    /// The SubjectPublicKeyInfo as PEM ("-----BEGIN PUBLIC KEY-----").
    public var publicKeyPEM: String
    /// Azure's `exportable` attribute of the version.
    public var exportable: Bool = false
    /// The version's release policy, if it has one.
    public var releasePolicy: KeyReleasePolicy?

    /// The version's key identifier, `/vaults/V/keys/N/VERSION`.
    public var kid: String { key.kid ?? "" }
    /// The operations the version permits.
    public var keyOps: [KeyOperation] { key.keyOps ?? [] }
}

/// Kind-specific public metadata of one key version, kept in the version row's `details` column as JSON.
/// The private key is never here: it is sealed in the row's `sealedValue`.
struct KeyDetails: Codable, Sendable, Equatable {
    /// "RSA" or "EC".
    var kty: String
    /// RSA modulus bits.
    var keySize: Int?
    /// RSA public exponent.
    var publicExponent: Int?
    /// EC curve ("P-256", ...).
    var crv: String?
    /// The operations the version permits (Azure spellings).
    var keyOps: [String]
    /// The SubjectPublicKeyInfo, DER, base64url: public operations never unseal the private key.
    var spki: String
    /// Whether the material was imported rather than generated here.
    var imported: Bool
    /// Azure's `exportable` attribute (absent: false).
    var exportable: Bool?
    /// Azure's release policy (absent: none). Public: authorities and claims, no key material.
    var releasePolicy: KeyReleasePolicy?

    enum CodingKeys: String, CodingKey {
        case kty, keySize = "key_size", publicExponent = "public_exponent", crv, keyOps = "key_ops", spki, imported
        case exportable, releasePolicy = "release_policy"
    }

    init(publicKey: PublicKey, keyOps: [KeyOperation], imported: Bool, release: KeyReleaseOptions = KeyReleaseOptions()) throws {
        exportable = release.exportable ? true : nil
        releasePolicy = release.releasePolicy
        kty = publicKey.keyType.rawValue
        switch publicKey.parameters {
        case .rsa(let bits):
            keySize = bits
            let e = try Base64URL.decode(try publicKey.publicJWK().e ?? "")
            publicExponent = e.count <= 8 ? e.reduce(0) { $0 << 8 | Int($1) } : nil
            crv = nil
        case .ec(let curve):
            keySize = nil
            publicExponent = nil
            crv = curve.rawValue
        }
        self.keyOps = keyOps.map(\.rawValue)
        spki = Base64URL.encode(try publicKey.spkiDER())
        self.imported = imported
    }

    /// The version's `exportable` attribute and release policy.
    var release: KeyReleaseOptions { KeyReleaseOptions(exportable: exportable ?? false, releasePolicy: releasePolicy) }

    /// The permitted operations, skipping any spelling this build does not know.
    var operations: [KeyOperation] { keyOps.compactMap(KeyOperation.init(rawValue:)) }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String?) throws -> KeyDetails {
        guard let text else { throw unreadable }
        if let known = decoded.withLock({ $0[text] }) { return known }
        guard let details = try? JSONDecoder().decode(KeyDetails.self, from: Data(text.utf8)) else { throw unreadable }
        decoded.withLock { memo in
            if memo.count > 10_000 { memo.removeAll() }
            memo[text] = details
        }
        return details
    }

    private static var unreadable: VaultError {
        VaultError(.corrupted, "A key version's stored parameters are missing or unreadable; the store may be damaged.")
    }

    /// Details already decoded, by their JSON text (public data; decoding dominated a key operation).
    private static let decoded = Mutex<[String: KeyDetails]>([:])

    /// The public key these details describe.
    func publicKey() throws -> PublicKey {
        do {
            return try PublicKey(spkiDER: try Base64URL.decode(spki))
        } catch {
            throw VaultError(.corrupted, "A key version's stored public key does not parse; the store may be damaged.", cause: error)
        }
    }
}
