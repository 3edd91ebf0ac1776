import ArgumentParser
import Foundation
import VaultEngine

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new store: the directory (0700), its database and a random 256-bit master key (0600).",
        discussion: """
        With --master-key-file (or $CREDENTIALS_DIRECTORY/kvfs-master-key) the store uses that key and writes none \
        of its own: a file that does not exist yet is created (0600, its missing directories 0700) with a new random \
        key; an existing one must be readable by its owner only (exit 5 otherwise). Keep the file safe, the store \
        cannot be opened without it.

        Examples:
          kvfs init --store /var/lib/kvfs
          kvfs init --store ./store --master-key-file /etc/kvfs/master.key
          kvfs init --store /var/lib/kvfs --realm-file realm.json   # join another store's realm (kvfs realm export)
          kvfs init --store /var/lib/kvfs --dns-suffix vault.example.com  # ids https://<vault>.vault.example.com/...
        """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var format: OutputOptions
    @Option(name: .long, help: ArgumentHelp("Join the realm in this file (from `kvfs realm export`), so backups move between the stores.", valueName: "file"))
    var realmFile: String?
    @Option(name: .long, help: ArgumentHelp("The host-name suffix of vault URLs in object ids: https://<vault>.<suffix>/secrets/<name>/<version>.", valueName: "suffix"))
    var dnsSuffix: String = VaultObjectID.defaultDNSSuffix

    func run() throws {
        let location = storeOptions.location
        let keyIsNew = location.masterKeyFile.map { !FileManager.default.fileExists(atPath: $0) } ?? false
        let realm = try realmFile.map(RealmMembership.load(from:))
        let engine = try VaultEngine.initialize(at: location, joining: realm, dnsSuffix: dnsSuffix, logger: CLILog.logger)
        var lines = ["Created a kvfs store at \(location.directory) (realm \(engine.realm))."]
        if let keyFile = location.masterKeyFile {
            if keyIsNew {
                lines.append("Created a new master key at \(keyFile) (0600); back it up, the store cannot be opened without it.")
            }
        } else {
            lines.append("Its master key is \(location.defaultMasterKeyPath); back it up, the store cannot be opened without it.")
        }
        format.report(lines.joined(separator: "\n"), .object([
            "store": .string(location.directory), "realm": .string(engine.realm), "dnsSuffix": .string(engine.dnsSuffix),
            "masterKeyFile": .string(location.masterKeyFile ?? location.defaultMasterKeyPath),
            "masterKeyCreated": .bool(location.masterKeyFile == nil || keyIsNew),
        ]))
    }
}
