import ArgumentParser
import Foundation
import VaultEngine

struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Manage vaults (management plane; the store's owner only).",
        subcommands: [Create.self, Show.self, List.self, Update.self, Delete.self, ListDeleted.self, ShowDeleted.self, Recover.self, Purge.self, Backup.self, Restore.self])

    struct VaultName: ParsableArguments {
        @Option(name: .long, help: "The vault's name: 3-24 letters, digits and hyphens, starting with a letter.")
        var name: String
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a vault.",
            discussion: "Example: kvfs vault create --name app1 --retention-days 30 --enable-purge-protection")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        @Option(name: .long, help: "standard or premium.") var sku: VaultSku = .standard
        @Option(name: .long, help: "Soft-delete retention, 7-90 days; fixed once the vault exists.") var retentionDays: Int = 90
        @Flag(name: .long, help: "Turn purge protection on (it can never be turned off).") var enablePurgeProtection = false

        func run() throws {
            let engine = try storeOptions.open()
            let props = try engine.vaults.create(
                named: vault.name,
                options: VaultCreateOptions(sku: sku, retentionDays: retentionDays, purgeProtection: enablePurgeProtection),
                as: .currentProcess())
            format.print(Shapes.vault(props, dnsSuffix: engine.dnsSuffix))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a vault's properties.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            let engine = try storeOptions.open()
            format.print(Shapes.vault(try engine.vaults.show(named: vault.name, as: .currentProcess()), dnsSuffix: engine.dnsSuffix))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List vaults (or soft-deleted vaults with --deleted).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Flag(name: .long, help: "List soft-deleted vaults instead.") var deleted = false
        func run() throws {
            let engine = try storeOptions.open()
            format.print(.array(try engine.vaults.list(deleted: deleted, as: .currentProcess()).map { Shapes.vault($0, dnsSuffix: engine.dnsSuffix) }))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a vault's sku or turn purge protection on.",
            discussion: "Retention is fixed at creation; purge protection, once on, stays on.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        @Option(name: .long, help: "standard or premium.") var sku: VaultSku?
        @Option(name: .long, help: "true turns purge protection on; false is refused once on.") var enablePurgeProtection: Bool?
        @Option(name: .long, help: "Refused unless equal to the current retention.") var retentionDays: Int?
        func run() throws {
            let engine = try storeOptions.open()
            let props = try engine.vaults.update(
                named: vault.name, VaultUpdate(sku: sku, purgeProtection: enablePurgeProtection, retentionDays: retentionDays),
                as: .currentProcess())
            format.print(Shapes.vault(props, dnsSuffix: engine.dnsSuffix))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Soft-delete a vault with everything in it; its role assignments are removed.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            let engine = try storeOptions.open()
            format.print(Shapes.vault(try engine.vaults.delete(named: vault.name, as: .currentProcess()), dnsSuffix: engine.dnsSuffix))
        }
    }

    struct ListDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-deleted", abstract: "List soft-deleted vaults (as `list --deleted`).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        func run() throws {
            let engine = try storeOptions.open()
            format.print(.array(try engine.vaults.list(deleted: true, as: .currentProcess()).map { Shapes.vault($0, dnsSuffix: engine.dnsSuffix) }))
        }
    }

    struct ShowDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-deleted", abstract: "Show a soft-deleted vault.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            let engine = try storeOptions.open()
            guard let deleted = try engine.vaults.list(deleted: true, as: .currentProcess()).first(where: { $0.name.lowercased() == vault.name.lowercased() }) else {
                throw VaultError(.deletedVaultNotFound, "No soft-deleted vault named '\(vault.name)'.")
            }
            format.print(Shapes.vault(deleted, dnsSuffix: engine.dnsSuffix))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recover a soft-deleted vault (role assignments are not restored).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            let engine = try storeOptions.open()
            format.print(Shapes.vault(try engine.vaults.recover(named: vault.name, as: .currentProcess()), dnsSuffix: engine.dnsSuffix))
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Permanently remove a soft-deleted vault (refused under purge protection before its scheduled date).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            try storeOptions.open().vaults.purge(named: vault.name, as: .currentProcess())
        }
    }
}

extension VaultSku: ExpressibleByArgument {}
