import ArgumentParser
import Foundation
import VaultEngine

struct RoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role",
        abstract: "Built-in roles and role assignments.",
        subcommands: [List.self, AssignmentCommand.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in roles with their data actions.")
        @OptionGroup var format: OutputOptions
        func run() throws {
            format.print(.array(BuiltInRole.all.map(Shapes.role)))
        }
    }

}

struct AssignmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assignment",
        abstract: "Assign roles to principals at a vault or object scope.",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a built-in role.",
            discussion: """
            The scope is a vault (/vaults/V) or one object (/vaults/V/secrets/N, /keys/N, /certificates/N). An \
            object-scope assignment lets its holder open that object, not list its folder or create new names.
            Examples:
              kvfs role assignment create --assignee web --role "Key Vault Secrets User" --scope /vaults/app1
              kvfs role assignment create --assignee ci --role "Key Vault Secrets Officer" --scope /vaults/app1/secrets/deploy-token
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "The principal's name.") var assignee: String
        @Option(name: .long, help: "The role's exact name (see `kvfs role list`) or id.") var role: String
        @Option(name: .long, help: "/vaults/V or /vaults/V/{secrets|keys|certificates}/N.") var scope: String

        func run() throws {
            guard let builtIn = BuiltInRole.named(role) else {
                throw InputError("Unknown role '\(role)'; `kvfs role list` shows the built-in roles.")
            }
            let assignment = try storeOptions.open().access.assign(
                principal: assignee, role: builtIn, scope: try Scope(parsing: scope), as: .currentProcess())
            format.print(Shapes.assignment(assignment))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List role assignments.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Only this principal's.") var assignee: String?
        @Option(name: .long, help: "Only at exactly this scope.") var scope: String?
        func run() throws {
            let list = try storeOptions.open().access.assignments(
                principal: assignee, scope: try scope.map(Scope.init(parsing:)), as: .currentProcess())
            format.print(.array(list.map(Shapes.assignment)))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a role assignment by id.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "The assignment's id (see `list`).") var id: String
        func run() throws {
            try storeOptions.open().access.removeAssignment(id: id, as: .currentProcess())
        }
    }
}
