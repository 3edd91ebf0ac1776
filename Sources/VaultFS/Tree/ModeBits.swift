#if canImport(Glibc)
import Glibc
#endif
import VaultEngine

/// The one place VaultFS turns what a caller may do into the owner's mode bits: `r` = it may read (the
/// value, or a directory's listing), `w` = it may write a new version or send requests, `x` on a directory =
/// it may go in. Group and other bits stay clear: every answer is for the caller that asks.
///
/// Each function takes the caller's data actions on the object or collection, as the engine reports them.
enum ModeBits {
    /// The mount's root, a vault and its `.deleted/`: anyone who may see them may list them.
    static let browsable: mode_t = 0o500
    /// A soft-deleted object: it can be listed, recovered or purged, never read.
    static let deletedObject: mode_t = 0
    /// A file the caller created and has not stored yet: its own, for reading and writing.
    static let newFile: mode_t = 0o600

    /// `secrets/`, `keys/`, `certificates/`: listing needs read-metadata, creating needs the create action.
    static func collection(_ kind: ObjectKind, _ rights: Set<DataAction>) -> mode_t {
        versions(kind, rights) | (rights.contains(kind.createAction) ? 0o200 : 0)
    }

    /// `<collection>/.versions/`: listing needs read-metadata; versions are never written there.
    static func versions(_ kind: ObjectKind, _ rights: Set<DataAction>) -> mode_t {
        0o100 | (rights.contains(kind.readMetadataAction) ? 0o400 : 0)
    }

    /// `.versions/<name>/` and a key's or certificate's directory: listing needs read-metadata.
    static func objectDirectory(_ kind: ObjectKind, _ rights: Set<DataAction>) -> mode_t {
        rights.contains(kind.readMetadataAction) ? 0o500 : 0o100
    }

    /// `.deleted/<collection>/`: listing needs read-metadata, `w` the purge or recover action.
    static func deletedCollection(_ kind: ObjectKind, _ rights: Set<DataAction>) -> mode_t {
        var mode = versions(kind, rights)
        if rights.contains(kind.purgeAction) || rights.contains(kind.recoverAction) { mode |= 0o200 }
        return mode
    }

    /// A secret's value: `r` with getSecret while the secret is enabled; `w` (current version only) with
    /// setSecret unless the secret is managed by a certificate.
    static func secret(_ rights: Set<DataAction>, _ properties: VersionProperties, current: Bool) -> mode_t {
        var mode: mode_t = 0
        if rights.contains(DataAction.Secrets.getSecret) && properties.enabled { mode |= 0o400 }
        if current && rights.contains(DataAction.Secrets.setSecret) && !properties.managed { mode |= 0o200 }
        return mode
    }

    /// Whether `stat` shows a secret's exact size: to a caller who may read the value.
    static func showsSecretSize(_ rights: Set<DataAction>) -> Bool {
        rights.contains(DataAction.Secrets.getSecret)
    }

    /// A key's `public.pem`/`key.jwk`, a certificate's files: read-only views for a caller with read.
    static func objectFile(_ kind: ObjectKind, _ rights: Set<DataAction>) -> mode_t {
        rights.contains(kind.readMetadataAction) ? 0o400 : 0
    }

    /// The actions a key's `ops` file serves: the crypto operations and backup.
    static let keyOperationActions: [DataAction] = [
        DataAction.Keys.read, DataAction.Keys.sign, DataAction.Keys.verify, DataAction.Keys.encrypt,
        DataAction.Keys.decrypt, DataAction.Keys.wrap, DataAction.Keys.unwrap, DataAction.Keys.backup,
    ]

    /// A key's `ops` file: usable with any of the actions it serves.
    static func keyOperations(_ rights: Set<DataAction>) -> mode_t {
        rights.isDisjoint(with: keyOperationActions) ? 0 : 0o600
    }

    /// The actions that make a collection's `.ops` file usable.
    ///
    /// `certificates/.ops` shows `rw` for create or import only, although it also takes backup and restore;
    /// kept as it was until the engine answers capabilities itself.
    static func controlActions(_ kind: ObjectKind) -> [DataAction] {
        switch kind {
        case .secret: [DataAction.Secrets.backup, DataAction.Secrets.restore]
        case .key: [DataAction.Keys.create, DataAction.Keys.import, DataAction.Keys.rotate, DataAction.Keys.backup,
                    DataAction.Keys.restore]
        case .certificate: [DataAction.Certificates.create, DataAction.Certificates.import]
        }
    }

    /// `<collection>/.ops`: usable with any of its actions.
    static func controlFile(_ kind: ObjectKind, _ rights: Set<DataAction>) -> mode_t {
        controlActions(kind).contains { rights.contains($0) } ? 0o600 : 0
    }
}
