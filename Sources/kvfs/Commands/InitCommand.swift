import ArgumentParser
import VaultEngine

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new store: the directory (0700), its database and a random 256-bit master key (0600).",
        discussion: """
        With --master-key-file (or $CREDENTIALS_DIRECTORY/kvfs-master-key) the store uses that key and writes none \
        of its own; keep the file safe, the store cannot be opened without it.

        Examples:
          kvfs init --store /var/lib/kvfs
          kvfs init --store ./store --master-key-file /etc/kvfs/master.key
        """)

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let location = storeOptions.location
        let engine = try VaultEngine.initialize(at: location, logger: CLILog.logger)
        Output.line("Created a kvfs store at \(location.directory) (realm \(engine.realm)).")
        if location.masterKeyFile == nil {
            Output.line("Its master key is \(location.defaultMasterKeyPath); back it up, the store cannot be opened without it.")
        }
    }
}
