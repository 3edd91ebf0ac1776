/// The identifier of a vault object in Azure's URL form: `https://<vault>.<dns-suffix>/<collection>/<name>/<version>`.
///
/// Every id kvfs shows (xattrs, a JWK's `kid`, JSON answers, the REST API) is made here and nowhere else. The
/// vault's name is in its canonical case (lower case, as DNS and Azure's vault URLs have it); the object's name
/// keeps the case it was first written in. The DNS suffix is a store setting (`kvfs init --dns-suffix`).
public struct VaultObjectID: Sendable, Hashable, CustomStringConvertible, Codable {
    /// `https://<vault>.<dns-suffix>`.
    public var vaultURL: String
    /// `secrets`, `keys`, `certificates`, or `deletedsecrets`, `deletedkeys`, `deletedcertificates`.
    public var collection: String
    public var name: String
    /// The version, or a fixed segment such as `pending`; nil for the object itself.
    public var version: String?

    /// The suffix when the store names none: `*.localhost` resolves to the loopback address on most systems.
    public static let defaultDNSSuffix = "kvfs.localhost"

    /// The URL of a vault: `https://<vault>.<dns-suffix>`.
    public static func vaultURL(_ vault: String, dnsSuffix: String) -> String {
        "https://\(Names.key(vault)).\(dnsSuffix)"
    }

    /// A live object, or one of its versions.
    public init(_ kind: ObjectKind, vault: String, name: String, version: String? = nil, dnsSuffix: String) {
        self.vaultURL = VaultObjectID.vaultURL(vault, dnsSuffix: dnsSuffix)
        self.collection = kind.collection
        self.name = name
        self.version = version
    }

    /// A soft-deleted object (Azure's `recoveryId`).
    public static func deleted(_ kind: ObjectKind, vault: String, name: String, dnsSuffix: String) -> VaultObjectID {
        var id = VaultObjectID(kind, vault: vault, name: name, dnsSuffix: dnsSuffix)
        id.collection = "deleted" + kind.collection
        return id
    }

    /// A certificate's pending operation (`…/certificates/<name>/pending`).
    public static func pendingOperation(vault: String, certificate name: String, dnsSuffix: String) -> VaultObjectID {
        VaultObjectID(.certificate, vault: vault, name: name, version: "pending", dnsSuffix: dnsSuffix)
    }

    /// A vault's certificate contacts (`…/certificates/contacts`).
    public static func certificateContacts(vault: String, dnsSuffix: String) -> VaultObjectID {
        VaultObjectID(.certificate, vault: vault, name: "contacts", dnsSuffix: dnsSuffix)
    }

    /// A vault's certificate issuer (`…/certificates/issuers/<name>`).
    public static func certificateIssuer(vault: String, name: String, dnsSuffix: String) -> VaultObjectID {
        VaultObjectID(.certificate, vault: vault, name: "issuers", version: name, dnsSuffix: dnsSuffix)
    }

    /// The same object without its version.
    public var unversioned: VaultObjectID {
        var id = self
        id.version = nil
        return id
    }

    public var description: String {
        "\(vaultURL)/\(collection)/\(name)" + (version.map { "/\($0)" } ?? "")
    }

    /// Whether `suffix` can follow a vault name in a host name: dot-separated labels of 1–63 letters, digits and
    /// hyphens (not at either end of a label), 253 characters at most.
    public static func isValidDNSSuffix(_ suffix: String) -> Bool {
        guard !suffix.isEmpty, suffix.utf8.count <= 253 - 25 else { return false }
        return suffix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            return (1...63).contains(bytes.count) && bytes.allSatisfy(Names.isNameByte)
                && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
        }
    }

    /// Parses an id in URL form; nil for anything else.
    public init?(url: String) {
        guard url.hasPrefix("https://") else { return nil }
        let parts = url.dropFirst("https://".count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (3...4).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }), parts[0].contains(".") else { return nil }
        vaultURL = "https://" + parts[0]
        collection = parts[1]
        name = parts[2]
        version = parts.count == 4 ? parts[3] : nil
    }

    /// Encoded as its URL text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = VaultObjectID(url: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a kvfs object id"))
        }
        self = id
    }
}
