import ArgumentParser
import Foundation
import VaultEngine
import VaultFS

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
              kvfs role assignment create --assignee auditor --role "Key Vault Audit Reader" --scope /
              kvfs role assignment create --mount /run/kvfs --assignee web --role "Key Vault Secrets User" --scope /vaults/app1
            The store scope / takes only "Key Vault Audit Reader" (kvfs's own role). A Key Vault Data Access \
            Administrator, who is not the store's owner, assigns through a mount with --mount: the roles Azure lets \
            it delegate, at its scope and below (another role: exit 7).
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var mountOption: MountOption
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "The principal's name.") var assignee: String
        @Option(name: .long, help: "The role's exact name (see `kvfs role list`) or id.") var role: String
        @Option(name: .long, help: "/vaults/V or /vaults/V/{secrets|keys|certificates}/N.") var scope: String

        func run() throws {
            guard let builtIn = BuiltInRole.named(role) else {
                throw InputError("Unknown role '\(role)'; `kvfs role list` shows the built-in roles.")
            }
            if let mount = mountOption.mount {
                let request = ManagementControlWire.AccessRequest(op: "create", assignee: assignee, role: builtIn.id, scope: try Scope(parsing: scope).description)
                return format.print(try MountedControl.request(request, to: ".access", in: mount, answer: ManagementControlWire.Assignment.self).shape)
            }
            let assignment = try storeOptions.open().access.assign(
                principal: assignee, role: builtIn, scope: try Scope(parsing: scope), as: .currentProcess())
            format.print(Shapes.assignment(assignment))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List role assignments.",
            discussion: """
            Examples:
              kvfs role assignment list --assignee web
              kvfs role assignment list --scope /vaults/app1/secrets/db --include-inherited   # also the vault's
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var mountOption: MountOption
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Only this principal's.") var assignee: String?
        @Option(name: .long, help: "Only this role's (name or id).") var role: String?
        @Option(name: .long, help: "Only at exactly this scope (with --include-inherited: also at the vault above it).") var scope: String?
        @Flag(name: .long, help: "With --scope: also the assignments at the scopes above it, which apply there too.") var includeInherited = false

        func validate() throws {
            guard !includeInherited || scope != nil else { throw ValidationError("--include-inherited needs --scope.") }
        }

        func run() throws {
            let roleFilter = try role.map(parseRole)
            let wanted = try scope.map(Scope.init(parsing:))
            if let mount = mountOption.mount {
                let request = ManagementControlWire.AccessRequest(op: "list", assignee: assignee, scope: includeInherited ? nil : wanted?.description)
                let list = try MountedControl.request(request, to: ".access", in: mount, answer: [ManagementControlWire.Assignment].self)
                return format.print(.array(list.filter { a in
                    let scope = try? Scope(parsing: a.scope)
                    return (roleFilter == nil || a.roleDefinitionId == roleFilter?.id)
                        && (wanted == nil || !includeInherited || scope.map { $0.applies(at: wanted!) } == true)
                }.map(\.shape)))
            }
            let list = try storeOptions.open().access.assignments(
                principal: assignee, scope: includeInherited ? nil : wanted, as: .currentProcess())
            format.print(.array(list.filter { a in
                (roleFilter == nil || a.role == roleFilter) && (wanted == nil || !includeInherited || a.scope.applies(at: wanted!))
            }.map(Shapes.assignment)))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove role assignments: by id, or every one matching --assignee, --role and --scope.",
            discussion: """
            Each removal is decided and audited on its own; prints nothing (as az). When none matches: exit 2.
            Examples:
              kvfs role assignment delete --ids 3f2a...
              kvfs role assignment delete --assignee web --role "Key Vault Secrets User" --scope /vaults/app1
              kvfs role assignment delete --assignee web            # all of web's assignments
              kvfs role assignment delete --mount /run/kvfs --ids 3f2a...   # as a Data Access Administrator
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var mountOption: MountOption
        @OptionGroup var format: OutputOptions
        @Option(name: [.customLong("ids"), .customLong("id")], parsing: .upToNextOption, help: "Assignment ids (see `list`).") var ids: [String] = []
        @Option(name: .long, help: "The principal's name.") var assignee: String?
        @Option(name: .long, help: "The role's exact name or id.") var role: String?
        @Option(name: .long, help: "Exactly this scope: /vaults/V or /vaults/V/{secrets|keys|certificates}/N.") var scope: String?

        func validate() throws {
            let filtered = assignee != nil || role != nil || scope != nil
            guard !ids.isEmpty || filtered else {
                throw ValidationError("Give --ids, or at least one of --assignee, --role and --scope.")
            }
            guard ids.isEmpty || !filtered else { throw ValidationError("Give either --ids or --assignee/--role/--scope, not both.") }
        }

        func run() throws {
            if let mount = mountOption.mount { return try deleteThrough(mount) }
            let engine = try storeOptions.open()
            if !ids.isEmpty {
                for id in ids { try engine.access.removeAssignment(id: id, as: .currentProcess()) }
                return
            }
            let roleFilter = try role.map(parseRole)
            let matching = try engine.access.assignments(principal: assignee, scope: try scope.map(Scope.init(parsing:)), as: .currentProcess())
                .filter { roleFilter == nil || $0.role == roleFilter }
            guard !matching.isEmpty else {
                throw VaultError(.assignmentNotFound, "No role assignment matches the given --assignee, --role and --scope.")
            }
            for assignment in matching { try engine.access.removeAssignment(id: assignment.id, as: .currentProcess()) }
        }

        /// The same, through a mount's `.access` file.
        private func deleteThrough(_ mount: String) throws {
            var targets = ids
            if targets.isEmpty {
                let roleFilter = try role.map(parseRole)
                let request = ManagementControlWire.AccessRequest(op: "list", assignee: assignee, scope: try scope.map { try Scope(parsing: $0).description })
                targets = try MountedControl.request(request, to: ".access", in: mount, answer: [ManagementControlWire.Assignment].self)
                    .filter { roleFilter == nil || $0.roleDefinitionId == roleFilter?.id }.map(\.id)
                guard !targets.isEmpty else {
                    throw VaultError(.assignmentNotFound, "No role assignment matches the given --assignee, --role and --scope.")
                }
            }
            for id in targets {
                _ = try MountedControl.send(ManagementControlWire.AccessRequest(op: "delete", id: id), to: ".access", in: mount)
            }
        }
    }
}

extension ManagementControlWire.Assignment {
    /// The same shape `az role assignment` prints (`Shapes.assignment`).
    var shape: JSONValue {
        .object([
            "id": .string(id), "name": .string(id), "principalName": .string(principalName),
            "roleDefinitionName": .string(roleDefinitionName), "roleDefinitionId": .string(roleDefinitionId),
            "scope": .string(scope), "createdOn": (try? DateRules.parse(createdOn, field: "createdOn")).map(JSONValue.date) ?? .string(createdOn),
            "type": .string("Microsoft.Authorization/roleAssignments"),
        ])
    }
}

/// A built-in role by its exact name or id.
func parseRole(_ text: String) throws -> BuiltInRole {
    guard let role = BuiltInRole.named(text) else {
        throw InputError("Unknown role '\(text)'; `kvfs role list` shows the built-in roles.")
    }
    return role
}
