#if canImport(Glibc)
import Glibc
#endif
import VaultEngine

/// The one place VaultFS turns what a caller may do — the engine's `Capabilities` — into the owner's mode
/// bits: `r` = it may read (the value, or a directory's listing), `w` = it may write a new version or send
/// requests, `x` on a directory = it may go in. Group and other bits stay clear: every answer is for the
/// caller that asks. Nothing here decides: the engine did.
enum ModeBits {
    /// The mount's root, a vault and its `.deleted/`: anyone who may see them may list them.
    static let browsable: mode_t = 0o500
    /// A soft-deleted object: it can be listed, recovered or purged, never read.
    static let deletedObject: mode_t = 0
    /// A file the caller created and has not stored yet: its own, for reading and writing.
    static let newFile: mode_t = 0o600

    /// `secrets/`, `keys/`, `certificates/`: `r` to list, `w` to create new names.
    static func collection(_ can: Capabilities) -> mode_t {
        versions(can) | (can.contains(.write) ? 0o200 : 0)
    }

    /// `<collection>/.versions/`: `r` to list; versions are never written there.
    static func versions(_ can: Capabilities) -> mode_t {
        0o100 | (can.contains(.readMetadata) ? 0o400 : 0)
    }

    /// `.versions/<name>/` and a key's or certificate's directory: `r` to list.
    static func objectDirectory(_ can: Capabilities) -> mode_t {
        can.contains(.readMetadata) ? 0o500 : 0o100
    }

    /// `.deleted/<collection>/`: `r` to list, `w` to purge or recover.
    static func deletedCollection(_ can: Capabilities) -> mode_t {
        versions(can) | (can.contains(.purge) || can.contains(.recover) ? 0o200 : 0)
    }

    /// A secret's value: `r` to read it now, `w` to write a new version.
    static func secret(_ can: Capabilities) -> mode_t {
        (can.contains(.read) ? 0o400 : 0) | (can.contains(.write) ? 0o200 : 0)
    }

    /// Whether `stat` shows a secret's exact size.
    static func showsSecretSize(_ can: Capabilities) -> Bool { can.contains(.knowLength) }

    /// A key's `public.pem`/`key.jwk`, a certificate's files: read-only views.
    static func objectFile(_ can: Capabilities) -> mode_t {
        can.contains(.read) ? 0o400 : 0
    }

    /// A key's `ops` file.
    static func keyOperations(_ can: Capabilities) -> mode_t {
        can.contains(.operate) ? 0o600 : 0
    }

    /// `<collection>/.ops`.
    static func controlFile(_ can: Capabilities) -> mode_t {
        can.contains(.control) ? 0o600 : 0
    }
}
