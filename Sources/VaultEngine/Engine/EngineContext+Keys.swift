import Foundation

/// Key rows as every service sees them: the public view of a version, and its private key for the length of
/// an operation.
extension EngineContext {
    /// The public view of one key version.
    func keyBundle(_ object: ObjectRecord, _ record: VersionRecord, vault: VaultRecord) throws -> KeyBundle {
        let details = try KeyDetails.decode(record.details)
        let publicKey = try details.publicKey()
        let kid = id(.key, vault: vault.name, name: object.name, version: record.version).description
        let (jwk, pem) = try KeyRules.crypto { (try publicKey.publicJWK(kid: kid, keyOps: details.operations), try publicKey.publicPEM()) }
        return KeyBundle(properties: properties(object, record, vault: vault), key: jwk, parameters: publicKey.parameters,
                         publicKeyPEM: pem, exportable: details.exportable ?? false, releasePolicy: details.releasePolicy)
    }


    /// Opens the sealed private key of a version (parsed once and kept while in use, `KeyMaterialCache`).
    func privateKey(of object: ObjectRecord, _ record: VersionRecord, in vault: VaultRecord) throws -> PrivateKey {
        try keyMaterial.privateKey("\(vault.id)/\(record.version)") {
            let der = try openValue(of: object, record, in: vault)
            do {
                return try PrivateKey(privateDER: der)
            } catch {
                throw VaultError(.corrupted, "\(object.kind.displayName) '\(object.name)' version \(record.version) holds no readable private key; the store may be damaged.")
            }
        }
    }
}

extension KeyDetails {
    /// The type and size or curve recorded for the version.
    /// - Throws: `.corrupted` when the record does not name a supported key.
    func parameters() throws -> KeyParameters {
        switch kty {
        case KeyType.rsa.rawValue:
            if let keySize, KeyRules.supportsRSA(bits: keySize) { return .rsa(bits: keySize) }
        case KeyType.ec.rawValue:
            if let crv, let curve = EllipticCurve(rawValue: crv) { return .ec(curve) }
        default:
            break
        }
        throw VaultError(.corrupted, "A key version's stored parameters name no supported key type; the store may be damaged.")
    }
}
