import ArgumentParser
import Foundation
import VaultEngine

struct PrincipalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "principal",
        abstract: "Manage principals: names bound to a Unix uid or gid (the store's owner only).",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bind a name to a uid (a user) or a gid (a group).",
            discussion: """
            A process matches every principal bound to its uid, its gid or one of its supplementary groups.
            Examples:
              kvfs principal create --name web --uid 33
              kvfs principal create --name ops --gid 1500
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "1-64 letters, digits, '.', '_' and '-'.") var name: String
        @Option(name: .long, help: "Bind to this uid.") var uid: UInt32?
        @Option(name: .long, help: "Bind to this gid.") var gid: UInt32?

        func validate() throws {
            guard (uid == nil) != (gid == nil) else { throw ValidationError("Give exactly one of --uid and --gid.") }
        }

        func run() throws {
            let principal = try storeOptions.open().access.createPrincipal(
                named: name, kind: uid != nil ? .user : .group, unixID: uid ?? gid!, as: .currentProcess())
            format.print(Shapes.principal(principal))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List principals.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        func run() throws {
            format.print(.array(try storeOptions.open().access.principals(as: .currentProcess()).map(Shapes.principal)))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a principal and all its role assignments.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long) var name: String
        func run() throws {
            try storeOptions.open().access.deletePrincipal(named: name, as: .currentProcess())
        }
    }
}
