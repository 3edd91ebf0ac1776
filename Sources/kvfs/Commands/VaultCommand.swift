import ArgumentParser
import Foundation
import VaultEngine

struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Manage vaults (management plane; the store's owner only).",
        subcommands: [Create.self, Show.self, List.self, Update.self, Delete.self, Recover.self, Purge.self, Backup.self, Restore.self])

    struct VaultName: ParsableArguments {
        @Option(name: .long, help: "The vault's name: 3-24 letters, digits and hyphens, starting with a letter.")
        var name: String
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a vault.",
            discussion: "Example: kvfs vault create --name app1 --retention-days 30 --enable-purge-protection")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var vault: VaultName
        @Option(name: .long, help: "standard or premium.") var sku: VaultSku = .standard
        @Option(name: .long, help: "Soft-delete retention, 7-90 days; fixed once the vault exists.") var retentionDays: Int = 90
        @Flag(name: .long, help: "Turn purge protection on (it can never be turned off).") var enablePurgeProtection = false

        func run() throws {
            let props = try storeOptions.open().vaults.create(
                named: vault.name,
                options: VaultCreateOptions(sku: sku, retentionDays: retentionDays, purgeProtection: enablePurgeProtection),
                as: .currentProcess())
            try Output.json(VaultView(props))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a vault's properties.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            try Output.json(VaultView(try storeOptions.open().vaults.show(named: vault.name, as: .currentProcess())))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List vaults (or soft-deleted vaults with --deleted).")
        @OptionGroup var storeOptions: StoreOptions
        @Flag(name: .long, help: "List soft-deleted vaults instead.") var deleted = false
        func run() throws {
            try Output.json(try storeOptions.open().vaults.list(deleted: deleted, as: .currentProcess()).map(VaultView.init))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a vault's sku or turn purge protection on.",
            discussion: "Retention is fixed at creation; purge protection, once on, stays on.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var vault: VaultName
        @Option(name: .long, help: "standard or premium.") var sku: VaultSku?
        @Option(name: .long, help: "true turns purge protection on; false is refused once on.") var enablePurgeProtection: Bool?
        @Option(name: .long, help: "Refused unless equal to the current retention.") var retentionDays: Int?
        func run() throws {
            let props = try storeOptions.open().vaults.update(
                named: vault.name, VaultUpdate(sku: sku, purgeProtection: enablePurgeProtection, retentionDays: retentionDays),
                as: .currentProcess())
            try Output.json(VaultView(props))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Soft-delete a vault with everything in it; its role assignments are removed.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            try Output.json(VaultView(try storeOptions.open().vaults.delete(named: vault.name, as: .currentProcess())))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recover a soft-deleted vault (role assignments are not restored).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            try Output.json(VaultView(try storeOptions.open().vaults.recover(named: vault.name, as: .currentProcess())))
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Permanently remove a soft-deleted vault (refused under purge protection before its scheduled date).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var vault: VaultName
        func run() throws {
            try storeOptions.open().vaults.purge(named: vault.name, as: .currentProcess())
        }
    }
}

extension VaultSku: ExpressibleByArgument {}

/// A vault as `az keyvault show` names its properties.
struct VaultView: Encodable {
    var name: String
    var properties: Properties

    struct Properties: Encodable {
        var sku: String
        var enableSoftDelete = true
        var softDeleteRetentionInDays: Int
        var enablePurgeProtection: Bool?
        var enableRbacAuthorization = true
        var createdAt: Date
        var updatedAt: Date
        var deletionDate: Date?
        var scheduledPurgeDate: Date?
    }

    init(_ p: VaultProperties) {
        name = p.name
        properties = Properties(sku: p.sku.rawValue, softDeleteRetentionInDays: p.retentionDays,
                                enablePurgeProtection: p.purgeProtection ? true : nil, createdAt: p.created,
                                updatedAt: p.updated, deletionDate: p.deletedDate, scheduledPurgeDate: p.scheduledPurgeDate)
    }
}
