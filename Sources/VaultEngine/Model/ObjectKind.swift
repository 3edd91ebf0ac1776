/// The three object families of a vault. Names are unique per family.
public enum ObjectKind: String, Sendable, CaseIterable, Codable {
    case secret, key, certificate

    /// The collection's path segment, as in Azure's identifiers and role scopes (`secrets`, `keys`, `certificates`).
    public var collection: String {
        switch self {
        case .secret: "secrets"
        case .key: "keys"
        case .certificate: "certificates"
        }
    }

    /// "Secret", "Key", "Certificate" — as Azure's messages spell them.
    public var displayName: String {
        switch self {
        case .secret: "Secret"
        case .key: "Key"
        case .certificate: "Certificate"
        }
    }

    /// The kind whose collection segment is `collection`.
    public init?(collection: String) {
        guard let kind = ObjectKind.allCases.first(where: { $0.collection == collection.lowercased() }) else { return nil }
        self = kind
    }
}
