import Foundation

/// A soft-deleted object as Azure's Deleted*Bundle describes it.
public struct DeletedObject: Sendable, Equatable {
    public var kind: ObjectKind
    /// The current version's properties at deletion time.
    public var properties: VersionProperties
    public var deletedDate: Date
    public var scheduledPurgeDate: Date
    /// `https://<vault>.<dns-suffix>/deleted{secrets|keys|certificates}/N`, Azure's recoveryId.
    public var recoveryID: String
}

/// A secret value with the properties of its version. The value is wiped from memory when released.
public struct Secret: Sendable {
    public var properties: VersionProperties
    public var value: SecureBytes
}
