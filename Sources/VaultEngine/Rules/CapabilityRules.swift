/// One thing a caller may do with an object or a collection, as the engine decides it from the caller's roles
/// and the object's state. Front-ends render capabilities (VaultFS: mode bits) and never derive them.
public enum Capability: Sendable, Hashable, CaseIterable {
    /// Open the content for reading now: a secret's value (enabled versions only), a key's public parts, a
    /// certificate.
    case read
    /// Know the content's length (a secret the caller's role lets it read, even while disabled).
    case knowLength
    /// Read metadata: properties, xattrs, a collection's listing, a versions folder.
    case readMetadata
    /// Write a new version of this object (the current version of a secret not managed by a certificate), or
    /// create a new name in this collection.
    case write
    /// Change attributes and tags.
    case update
    /// Soft-delete the object.
    case delete
    /// Recover a soft-deleted object (on a deleted collection: any of them).
    case recover
    /// Purge a soft-deleted object (on a deleted collection: any of them).
    case purge
    /// Use a key's `ops` file: any cryptographic operation, rotation or backup.
    case operate
    /// Use a collection's `.ops` control file: create, import, backup or restore.
    case control
}

/// What a caller may do with one object or collection.
public struct Capabilities: Sendable, Equatable {
    /// The capabilities granted.
    public var granted: Set<Capability>

    public init(_ granted: Set<Capability> = []) { self.granted = granted }

    public func contains(_ capability: Capability) -> Bool { granted.contains(capability) }
    /// Nothing is granted: the caller may not even see the object.
    public var isEmpty: Bool { granted.isEmpty }
}

/// The one place where rights and object state become capabilities.
enum CapabilityRules {
    /// The data actions any one of which lets a caller use a key's `ops` file.
    static let keyOperating: [DataAction] = [DataAction.Keys.read, DataAction.Keys.sign, DataAction.Keys.verify,
                                             DataAction.Keys.encrypt, DataAction.Keys.decrypt, DataAction.Keys.wrap,
                                             DataAction.Keys.unwrap, DataAction.Keys.backup]

    /// The data actions any one of which lets a caller use a collection's `.ops` control file.
    static func controlling(_ kind: ObjectKind) -> [DataAction] {
        switch kind {
        case .secret: [DataAction.Secrets.backup, DataAction.Secrets.restore]
        case .key: [DataAction.Keys.create, DataAction.Keys.import, DataAction.Keys.rotate, DataAction.Keys.backup, DataAction.Keys.restore]
        case .certificate: [DataAction.Certificates.create, DataAction.Certificates.import, DataAction.Certificates.backup,
                            DataAction.Certificates.restore]
        }
    }

    /// A live object's (or one version's) capabilities. `isVersion` is true for an older version named by id,
    /// which can be read but never written.
    static func object(_ kind: ObjectKind, rights: Set<DataAction>, properties: VersionProperties?, isVersion: Bool) -> Capabilities {
        var granted = Set<Capability>()
        let managed = properties?.managed ?? false
        if rights.contains(kind.readMetadataAction) { granted.insert(.readMetadata) }
        if rights.contains(kind.updateAction), !managed { granted.insert(.update) }
        if rights.contains(kind.deleteAction), !managed { granted.insert(.delete) }
        switch kind {
        case .secret:
            if rights.contains(DataAction.Secrets.getSecret) {
                granted.insert(.knowLength)
                if properties?.enabled ?? true { granted.insert(.read) }
            }
            if !isVersion, rights.contains(DataAction.Secrets.setSecret), !managed { granted.insert(.write) }
        case .key:
            if rights.contains(DataAction.Keys.read) { granted.insert(.read) }
            if keyOperating.contains(where: rights.contains) { granted.insert(.operate) }
        case .certificate:
            if rights.contains(DataAction.Certificates.read) { granted.insert(.read) }
        }
        return Capabilities(granted)
    }

    /// A soft-deleted object's capabilities (its content can never be read there).
    static func deletedObject(_ kind: ObjectKind, rights: Set<DataAction>) -> Capabilities {
        var granted = Set<Capability>()
        if rights.contains(kind.readMetadataAction) { granted.insert(.readMetadata) }
        if rights.contains(kind.recoverAction) { granted.insert(.recover) }
        if rights.contains(kind.purgeAction) { granted.insert(.purge) }
        return Capabilities(granted)
    }

    /// A collection's capabilities: listing, creating new names, the soft-deleted objects in it, the `.ops` file.
    static func collection(_ kind: ObjectKind, rights: Set<DataAction>) -> Capabilities {
        var granted = Set<Capability>()
        if rights.contains(kind.readMetadataAction) { granted.insert(.readMetadata) }
        if rights.contains(kind.createAction) { granted.insert(.write) }
        if rights.contains(kind.recoverAction) { granted.insert(.recover) }
        if rights.contains(kind.purgeAction) { granted.insert(.purge) }
        if controlling(kind).contains(where: rights.contains) { granted.insert(.control) }
        return Capabilities(granted)
    }
}
