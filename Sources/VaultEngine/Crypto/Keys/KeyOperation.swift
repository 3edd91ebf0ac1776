/// An operation a key may be used for, with Azure's `key_ops` (JsonWebKeyOperation) spellings.
public enum KeyOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case encrypt, decrypt, sign, verify
    case wrapKey, unwrapKey
    /// Accepted in `key_ops` for compatibility with Azure's enum; no crypto operation is permitted by it.
    case `import`
    /// Accepted in `key_ops` for compatibility with Azure's enum; kvfs never exports private key material.
    case export

    /// The six cryptographic operations, in Azure's order.
    public static let cryptographic: [KeyOperation] = [.encrypt, .decrypt, .sign, .verify, .wrapKey, .unwrapKey]

    /// Whether a key of `keyType` can perform this operation: EC keys sign and verify; RSA keys do all six.
    /// `import` and `export` are never supported as operations.
    public func supported(by keyType: KeyType) -> Bool {
        switch (self, keyType) {
        case (.sign, _), (.verify, _): true
        case (.encrypt, .rsa), (.decrypt, .rsa), (.wrapKey, .rsa), (.unwrapKey, .rsa): true
        default: false
        }
    }

    /// The cryptographic operations a key of `keyType` supports (the default `key_ops` of a new key).
    public static func supported(by keyType: KeyType) -> [KeyOperation] {
        cryptographic.filter { $0.supported(by: keyType) }
    }

    /// Parses an Azure `key_ops` entry (exact spelling first, then case-insensitively).
    /// - Throws: `KeyCryptoError.invalidArgument` for an unknown operation.
    public static func parse(_ name: String) throws -> KeyOperation {
        if let op = KeyOperation(rawValue: name) { return op }
        if let op = allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) { return op }
        throw KeyCryptoError(.invalidArgument,
                             "Unknown key operation '\(name.prefix(32))'; use encrypt, decrypt, sign, verify, wrapKey or unwrapKey.")
    }
}
