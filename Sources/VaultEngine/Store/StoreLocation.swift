import Foundation

/// Where a store lives and where its master key comes from.
public struct StoreLocation: Sendable, Equatable {
    /// The store directory (0700).
    public var directory: String
    /// An explicit master key file, when the key is not the store's own `master.key`.
    public var masterKeyFile: String?

    /// The database file inside the store.
    public var databasePath: String { directory + "/" + StoreLocation.databaseName }
    /// The store's own key file, used when no other key source is given.
    public var defaultMasterKeyPath: String { directory + "/" + StoreLocation.masterKeyName }

    public static let databaseName = "kvfs.db"
    public static let masterKeyName = "master.key"
    /// The name systemd's `LoadCredential=` gives the key inside `$CREDENTIALS_DIRECTORY`.
    public static let credentialName = "kvfs-master-key"

    public init(directory: String, masterKeyFile: String? = nil) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.masterKeyFile = masterKeyFile
    }

    /// Resolves the store the way every kvfs command does: an explicit directory, else `$KVFS_STORE`, else
    /// `/var/lib/kvfs` for root and `$XDG_DATA_HOME/kvfs` (or `~/.local/share/kvfs`) for anyone else.
    /// The key: an explicit file, else `$CREDENTIALS_DIRECTORY/kvfs-master-key` when present, else the store's own.
    public static func resolve(directory: String?, masterKeyFile: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreLocation {
        let dir: String
        if let directory, !directory.isEmpty {
            dir = directory
        } else if let fromEnv = environment["KVFS_STORE"], !fromEnv.isEmpty {
            dir = fromEnv
        } else if getuid() == 0 {
            dir = "/var/lib/kvfs"
        } else if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            dir = xdg + "/kvfs"
        } else {
            dir = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/kvfs"
        }
        var keyFile = masterKeyFile
        if keyFile == nil, let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            let candidate = credentials + "/" + credentialName
            if FileManager.default.fileExists(atPath: candidate) { keyFile = candidate }
        }
        return StoreLocation(directory: dir, masterKeyFile: keyFile)
    }
}
