import ArgumentParser
import Foundation
import VaultEngine

/// `kvfs secret|key|certificate backup|restore` and `kvfs vault backup|restore` (docs/backup.md).
/// Each family's pair is a small struct that hands its kind to `BackupFiles`; the work is the engine's.
enum BackupCommands {
    static let backupDiscussion = """
    The blob holds every version (at most 500) and opens only in a store of this store's realm (see \
    `kvfs realm export`). The file is created 0600 and never overwritten.
    """

    struct SecretBackup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup", abstract: "Back up a secret with all its versions into a file.",
            discussion: backupDiscussion + "\nExample: kvfs secret backup --vault app1 --name db-password --file db-password.blob")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The file to create.") var file: String
        func run() throws { try BackupFiles.backup(.secret, address, to: file, storeOptions) }
    }

    struct SecretRestore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore", abstract: "Restore a secret from a backup file, under its original name.",
            discussion: "The name must be free (not live, not soft-deleted) in the vault.\nExample: kvfs secret restore --vault app2 --file db-password.blob")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        @Option(name: .long, help: "A backup file (raw blob, or Azure's {\"value\":…} JSON).") var file: String
        func run() throws { try BackupFiles.restore(.secret, into: address.vault, from: file, storeOptions, format) }
    }

    struct KeyBackup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup", abstract: "Back up a key with all its versions into a file (private parts stay sealed).",
            discussion: backupDiscussion + "\nExample: kvfs key backup --vault app1 --name signer --file signer.blob")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The file to create.") var file: String
        func run() throws { try BackupFiles.backup(.key, address, to: file, storeOptions) }
    }

    struct KeyRestore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore", abstract: "Restore a key from a backup file, under its original name.",
            discussion: "The name must be free (not live, not soft-deleted) in the vault.\nExample: kvfs key restore --vault app2 --file signer.blob")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        @Option(name: .long, help: "A backup file (raw blob, or Azure's {\"value\":…} JSON).") var file: String
        func run() throws { try BackupFiles.restore(.key, into: address.vault, from: file, storeOptions, format) }
    }

    struct CertificateBackup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup", abstract: "Back up a certificate with all its versions, its managed key and secret.",
            discussion: backupDiscussion + "\nExample: kvfs certificate backup --vault app1 --name web --file web.blob")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The file to create.") var file: String
        func run() throws { try BackupFiles.backup(.certificate, address, to: file, storeOptions) }
    }

    struct CertificateRestore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore", abstract: "Restore a certificate (with its managed key and secret) from a backup file.",
            discussion: "All three names must be free in the vault.\nExample: kvfs certificate restore --vault app2 --file web.blob")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        @Option(name: .long, help: "A backup file (raw blob, or Azure's {\"value\":…} JSON).") var file: String
        func run() throws { try BackupFiles.restore(.certificate, into: address.vault, from: file, storeOptions, format) }
    }
}

/// Reading and writing backup files.
enum BackupFiles {
    static func backup(_ kind: ObjectKind, _ address: ObjectAddress, to file: String, _ options: StoreOptions) throws {
        let blob = try options.open().backups.backup(kind, vault: address.vault, name: address.name, as: .currentProcess())
        try PrivateFile.create(at: file, contents: blob.bytes)
    }

    static func restore(_ kind: ObjectKind, into vault: String, from file: String, _ options: StoreOptions, _ format: OutputOptions) throws {
        let blob = try read(file)
        let engine = try options.open()
        if kind == .key {
            format.print(try Shapes.key(try engine.backups.restoreKey(vault: vault, blob: blob, as: .currentProcess())))
        } else {
            format.print(Shapes.item(try engine.backups.restore(kind, vault: vault, blob: blob, as: .currentProcess()), kind: kind, withVersion: true))
        }
    }

    /// A blob file: the raw bytes `backup` writes, or Azure's `{"value":"<base64url>"}` (as a control file answers).
    static func read(_ file: String) throws -> BackupBlob {
        guard let data = FileManager.default.contents(atPath: file) else { throw InputError("Cannot read the backup file '\(file)'.") }
        let bytes = [UInt8](data)
        if bytes.first == UInt8(ascii: "{") {
            guard let blob = try? JSONDecoder().decode(BackupBlob.self, from: data) else {
                throw VaultError(.invalidArgument, "Backup blob contains invalid or corrupt version: '\(file)' is JSON without a base64url \"value\".")
            }
            return blob
        }
        return BackupBlob(bytes: bytes)
    }
}

/// A progress bar on stderr when stderr is a terminal; otherwise nothing until the final line.
struct ProgressReporter {
    let verb: String
    let interactive = isatty(STDERR_FILENO) == 1

    func update(_ done: Int, _ total: Int) {
        guard interactive, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r\(verb) [\(bar)] \(done)/\(total)".utf8))
    }

    func finish(_ line: String) {
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1b}[K" : "") + line + "\n").utf8))
    }
}

extension VaultCommand {
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up every object of a vault into a directory (beyond Azure: one blob per object), all or nothing.",
            discussion: """
            Writes <dir>/secrets/<name>.blob, <dir>/keys/<name>.blob and <dir>/certificates/<name>.blob (managed keys \
            and secrets travel in their certificate's blob), each the same blob `kvfs secret backup` writes, and \
            <dir>/manifest.json: every blob with its size and SHA-256, the counts, the vault and the realm, sealed \
            with a key of the realm. Everything is written under a temporary name beside <dir> \
            (.<name>.partial-<hex>) and renamed to <dir> only when complete: an interrupted backup never appears \
            under its final name (remove a leftover .partial directory by hand). <dir> must be new or empty; it is \
            made 0700 and the files 0600. Needs secrets/backup, keys/backup and certificates/backup at vault scope \
            (Key Vault Administrator). A progress bar shows on a terminal.
            Example: kvfs vault backup --vault app1 --dir /var/backups/kvfs/app1-2025-06-01
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        @Option(name: .long, help: "The directory to write (new or empty).") var dir: String

        func run() throws {
            let progress = ProgressReporter(verb: "Backing up")
            let manifest = try storeOptions.open().backups.backupVault(named: address.vault, toDirectory: dir, as: .currentProcess(),
                                                                      progress: progress.update)
            progress.finish("Backed up \(manifest.objects.count) objects of vault '\(address.vault)' to \(dir).")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore every blob of a `kvfs vault backup` directory into a vault, all or nothing.",
            discussion: """
            Checks <dir>/manifest.json first: it must be there, unaltered, of this store's realm, and list exactly \
            the blob files present with their sizes and SHA-256 digests. A missing manifest (an interrupted backup), \
            a missing, extra or changed blob refuses the restore before anything changes (exit 5). Then every blob \
            restores in one transaction: if one name is taken or one blob is damaged, nothing is restored. Needs the \
            three restore actions at vault scope (Key Vault Administrator).
            Example: kvfs vault restore --vault app1-copy --dir /var/backups/kvfs/app1-2025-06-01
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        @Option(name: .long, help: "A directory written by `kvfs vault backup`.") var dir: String

        func run() throws {
            let progress = ProgressReporter(verb: "Restoring")
            let restored = try storeOptions.open().backups.restoreVault(named: address.vault, fromDirectory: dir, as: .currentProcess(),
                                                                       progress: progress.update)
            progress.finish("Restored \(restored.count) objects into vault '\(address.vault)'.")
        }
    }
}

/// `kvfs realm export`: lets a second store join this store's realm, so backups move between them.
struct RealmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realm", abstract: "The store's realm: backups restore only into stores of the same realm.",
        subcommands: [Export.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the realm id and key to a new 0600 file, for `kvfs init --realm-file` on another store.",
            discussion: """
            The file opens every backup blob of the realm: keep it like a master key, move it over a secure channel \
            and delete it once the other store exists. Only the store's owner may export it.
            Example: kvfs realm export --file /root/realm.json && scp /root/realm.json host2: && ssh host2 kvfs init --realm-file realm.json
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "The file to create.") var file: String

        func run() throws {
            let membership = try storeOptions.open().backups.exportRealm(as: .currentProcess())
            try membership.write(to: file)
            format.report("Wrote realm \(membership.realm) to \(file).", .object(["realm": .string(membership.realm), "file": .string(file)]))
        }
    }
}
