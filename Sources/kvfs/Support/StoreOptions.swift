import ArgumentParser
import VaultEngine

/// Where the store is and how to open it; shared by every command that touches a store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store directory (default: $KVFS_STORE, /var/lib/kvfs for root, else $XDG_DATA_HOME/kvfs).", valueName: "dir"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Read the master key from this file instead of the store's own (also: $CREDENTIALS_DIRECTORY/kvfs-master-key).", valueName: "file"))
    var masterKeyFile: String?

    var location: StoreLocation { StoreLocation.resolve(directory: store, masterKeyFile: masterKeyFile) }

    /// Opens the store, as the process's own identity.
    func open() throws -> VaultEngine {
        try VaultEngine(opening: location, logger: CLILog.logger)
    }
}

/// `--vault V --name N`, the address of one object.
struct ObjectAddress: ParsableArguments {
    @Option(name: .long, help: "The vault's name.")
    var vault: String

    @Option(name: .long, help: "The object's name.")
    var name: String
}

/// `--vault V`, the address of one vault's collection.
struct VaultAddress: ParsableArguments {
    @Option(name: .long, help: "The vault's name.")
    var vault: String
}
