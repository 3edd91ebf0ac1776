import Foundation

/// One of a vault's certificate contacts (Azure's Contact): who is told of certificate lifecycle events.
/// kvfs sends no mail; the list is kept for tools that read it.
public struct CertificateContact: Codable, Sendable, Equatable {
    public var email: String
    public var name: String?
    public var phone: String?

    public init(email: String, name: String? = nil, phone: String? = nil) {
        self.email = email
        self.name = name
        self.phone = phone
    }
}

/// A vault's certificate contacts (Azure's Contacts): one list per vault.
public struct CertificateContacts: Sendable, Equatable {
    /// `https://<vault>.<dns-suffix>/certificates/contacts`.
    public var id: String
    public var contacts: [CertificateContact]
}

/// A vault's certificate issuer (Azure's IssuerBundle). kvfs keeps issuers of provider `Self` (kvfs signs)
/// and `Unknown` (signed outside and merged); partner CAs are refused.
public struct CertificateIssuer: Sendable, Equatable {
    /// `https://<vault>.<dns-suffix>/certificates/issuers/<name>`.
    public var id: String
    public var name: String
    /// `Self` or `Unknown`.
    public var provider: String
    /// Azure's `org_details.id`.
    public var organizationID: String?
    public var enabled: Bool
    public var created: Date
    public var updated: Date
}

/// What creating or replacing an issuer sets (Azure's SetCertificateIssuer). `accountID` and `password`
/// are Azure's `credentials`, which the providers kvfs supports do not take: given, they are refused.
public struct CertificateIssuerRequest: Sendable {
    public var provider: String
    public var organizationID: String?
    public var enabled: Bool
    public var accountID: String?
    public var password: SecureBytes?

    public init(provider: String, organizationID: String? = nil, enabled: Bool = true, accountID: String? = nil, password: SecureBytes? = nil) {
        self.provider = provider
        self.organizationID = organizationID
        self.enabled = enabled
        self.accountID = accountID
        self.password = password
    }
}

/// What `certificate_settings.body` holds for an issuer.
struct StoredIssuer: Codable {
    var provider: String
    var organizationID: String?
    var enabled: Bool
}
