import Foundation

/// The rules for a vault's certificate contacts and issuers.
enum CertificateSettingsRules {
    static let contactsKind = "contacts"
    static let issuerKind = "issuer"
    /// The providers kvfs supports, as Azure spells them.
    static let providers = [CertificatePolicy.selfIssuer, CertificatePolicy.unknownIssuer]

    /// Checks a contact: an e-mail address (something@something, no spaces, at most 254 characters), and a
    /// name and phone of at most 256 characters.
    /// - Throws: `.invalidArgument`.
    static func validate(_ contact: CertificateContact) throws {
        let email = contact.email
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, email.count <= 254,
              !email.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw VaultError.invalid("'\(email.prefix(64))' is not an e-mail address.")
        }
        for (field, value) in [("name", contact.name), ("phone", contact.phone)] {
            if let value, value.count > 256 || value.contains(where: \.isNewline) {
                throw VaultError.invalid("A contact's \(field) must be one line of at most 256 characters.")
            }
        }
    }

    /// Checks an issuer's name: 1–127 of `[0-9a-zA-Z-]`, as Azure's issuer names.
    /// - Throws: `.invalidArgument`.
    static func validateIssuerName(_ name: String) throws {
        guard (1...127).contains(name.utf8.count), name.utf8.allSatisfy(Names.isNameByte) else {
            throw VaultError.invalid("Issuer name '\(Names.printable(name))' is invalid: use 1-127 letters, digits and dashes.")
        }
    }

    /// The provider as Azure spells it.
    /// - Throws: `.invalidArgument` for a partner CA, or for credentials (which Self and Unknown do not take).
    static func validate(_ request: CertificateIssuerRequest) throws -> String {
        guard let provider = providers.first(where: { $0.lowercased() == request.provider.lowercased() }) else {
            throw VaultError.invalid("Issuer provider '\(Names.printable(request.provider))' is not supported: kvfs signs certificates itself (Self) or leaves them to be signed outside and merged (Unknown); partner CAs such as DigiCert or GlobalSign are not.")
        }
        guard request.accountID == nil, request.password == nil else {
            throw VaultError.invalid("Issuer provider '\(provider)' takes no credentials: leave out the account id and password.")
        }
        if let id = request.organizationID, id.isEmpty || id.count > 256 || id.contains(where: \.isNewline) {
            throw VaultError.invalid("An organization id must be one line of 1 to 256 characters.")
        }
        return provider
    }
}
