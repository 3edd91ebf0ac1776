import Foundation

extension CertificateService {
    /// Performs one `certificates/.ops` request (create, import or merge) as `caller`.
    /// - Throws: as `create`, `import` and `merge`; `.invalidArgument` for a
    ///   request missing its fields, with values that are not base64, or with a policy of neither spelling.
    public func perform(_ request: CertificateManagementRequest, vault: String,
                                             as caller: Caller) throws -> CertificateManagementResponse {
        if let refusal = request.policyRefusal { throw refusal }
        let enabled = request.attributes?.enabled
        switch request.op {
        case .create:
            return .operation(try create(vault: vault, name: request.name, policy: request.policy, enabled: enabled ?? true,
                                                    tags: request.tags ?? [:], as: caller))
        case .import:
            guard let value = request.value else { throw VaultError.invalid("An import needs 'value': PEM text or a base64 PFX.") }
            let bytes: SecureBytes
            if value.contains("-----BEGIN ") {
                bytes = SecureBytes(value.utf8)
            } else {
                guard let decoded = Data(base64Encoded: value, options: .ignoreUnknownCharacters) else {
                    throw VaultError.invalid("'value' is neither PEM nor base64 (a PFX).")
                }
                bytes = SecureBytes(decoded)
            }
            let bundle = try self.import(vault: vault, name: request.name,
                                               CertificateImport(value: bytes, password: request.pwd, policy: request.policy,
                                                                 enabled: enabled ?? true, tags: request.tags ?? [:]), as: caller)
            return .bundle(CertificateBundleJSON(bundle))
        case .merge:
            guard let x5c = request.x5c else { throw VaultError.invalid("A merge needs 'x5c': the base64 DER certificates.") }
            let ders = try x5c.map { text -> [UInt8] in
                guard let der = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                    throw VaultError.invalid("An x5c entry is not base64.")
                }
                return [UInt8](der)
            }
            return .bundle(CertificateBundleJSON(try merge(vault: vault, name: request.name, x5c: ders, enabled: enabled,
                                                                      tags: request.tags, as: caller)))
        }
    }
}
