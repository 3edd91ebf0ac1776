import Foundation

/// Limits Azure applies to every object's metadata.
public enum ObjectLimits {
    /// A secret value is at most 25 KiB.
    public static let maxSecretValueBytes = 25 * 1024
    public static let maxContentTypeLength = 255
    public static let maxTags = 15
    public static let maxTagNameLength = 256
    public static let maxTagValueLength = 256
}

/// The attributes and tags of one object version (Azure's SecretAttributes plus contentType and tags).
public struct VersionProperties: Sendable, Equatable, Codable {
    /// The version's identifier in Azure's URL form.
    public var id: VaultObjectID
    /// The object's name as first written (lookups ignore case).
    public var name: String
    /// 32 lowercase hex characters.
    public var version: String
    public var enabled: Bool
    public var notBefore: Date?
    public var expires: Date?
    public var created: Date
    public var updated: Date
    public var contentType: String?
    public var tags: [String: String]
    /// True for a key or secret whose lifetime a certificate manages; such objects are read-only.
    public var managed: Bool
    /// The number of bytes of the value (secrets only).
    public var valueLength: Int
    /// Azure's DeletionRecoveryLevel and retention of the vault holding it.
    public var recoveryLevel: String
    public var recoverableDays: Int
}

/// The current state of an object: its current version's properties plus when it was deleted, if it was.
public struct ObjectSummary: Sendable, Equatable {
    public var kind: ObjectKind
    public var current: VersionProperties
    public var deletedDate: Date?
    public var scheduledPurgeDate: Date?
}

/// A change to the attributes of one version; `nil` fields are left as they are (Azure's PATCH rules).
public struct AttributeUpdate: Sendable, Equatable {
    public var enabled: Bool?
    /// `.some(nil)` clears the date.
    public var notBefore: Date??
    public var expires: Date??
    public var contentType: String??
    /// Replaces all tags when given.
    public var tags: [String: String]?

    public init(enabled: Bool? = nil, notBefore: Date?? = nil, expires: Date?? = nil,
                contentType: String?? = nil, tags: [String: String]? = nil) {
        self.enabled = enabled
        self.notBefore = notBefore
        self.expires = expires
        self.contentType = contentType
        self.tags = tags
    }

    /// Whether the update changes nothing.
    public var isEmpty: Bool {
        enabled == nil && notBefore == nil && expires == nil && contentType == nil && tags == nil
    }
}

/// Attributes given when a new version is written.
public struct NewVersionAttributes: Sendable, Equatable {
    public var enabled: Bool
    public var notBefore: Date?
    public var expires: Date?
    public var contentType: String?
    public var tags: [String: String]

    public init(enabled: Bool = true, notBefore: Date? = nil, expires: Date? = nil,
                contentType: String? = nil, tags: [String: String] = [:]) {
        self.enabled = enabled
        self.notBefore = notBefore
        self.expires = expires
        self.contentType = contentType
        self.tags = tags
    }
}
