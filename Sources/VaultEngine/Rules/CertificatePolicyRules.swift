import Foundation

/// The rules a certificate policy must meet: issuer, key properties (through `KeyRules`), secret content
/// type, validity and lifetime actions.
enum CertificatePolicyRules {
    /// Checks a policy before anything touches the store.
    /// - Throws: `.invalidArgument` naming the first problem.
    static func validate(_ policy: CertificatePolicy) throws {
        let issuer = policy.issuerParameters
        guard issuer.isSelf || issuer.isUnknown else {
            throw VaultError.invalid("Issuer '\(issuer.name)' is not supported: use 'Self' (self-signed) or 'Unknown' (sign the CSR yourself and merge).")
        }
        let key = policy.keyProperties
        switch try KeyRules.softwareKeyType(key.keyType.uppercased()) {
        case .rsa:
            try KeyRules.validate(.rsa(bits: key.keySize ?? 2048))
            guard key.curve == nil else { throw VaultError.invalid("keyProperties.curve is for EC keys.") }
        case .ec:
            _ = try KeyRules.crypto { try EllipticCurve.parse(key.curve ?? EllipticCurve.p256.rawValue) }
        }
        let contentType = policy.secretProperties.contentType
        guard contentType == CertificatePolicy.pemContentType || contentType == CertificatePolicy.pkcs12ContentType else {
            throw VaultError.invalid("secretProperties.contentType must be \(CertificatePolicy.pemContentType) or \(CertificatePolicy.pkcs12ContentType), not '\(contentType)'.")
        }
        let x509 = policy.x509CertificateProperties
        guard (1...1200).contains(x509.validityInMonths) else {
            throw VaultError.invalid("x509CertificateProperties.validityInMonths must be between 1 and 1200, not \(x509.validityInMonths).")
        }
        try KeyRules.crypto { try CertificateBuilder.validate(CertificateRules.subjectSpec(policy)) }
        for action in policy.lifetimeActions {
            let t = action.trigger
            guard (t.lifetimePercentage == nil) != (t.daysBeforeExpiry == nil) else {
                throw VaultError.invalid("A lifetime action's trigger needs exactly one of lifetimePercentage and daysBeforeExpiry.")
            }
            if let p = t.lifetimePercentage, !(1...99).contains(p) {
                throw VaultError.invalid("lifetimePercentage must be between 1 and 99, not \(p).")
            }
            if let d = t.daysBeforeExpiry, d < 1 || d > x509.validityInMonths * 31 {
                throw VaultError.invalid("daysBeforeExpiry must be at least 1 and within the validity period, not \(d).")
            }
            guard ["autorenew", "emailcontacts"].contains(action.action.actionType.lowercased()) else {
                throw VaultError.invalid("Lifetime action '\(action.action.actionType)' is not AutoRenew or EmailContacts.")
            }
        }
    }
}
