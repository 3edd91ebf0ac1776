import ArgumentParser
import Foundation
import VaultEngine

extension KeyCommand {
    /// `kvfs key rotation-policy show|update` (az keyvault key rotation-policy …).
    struct RotationPolicy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotation-policy",
            abstract: "A key's rotation policy: automatic rotation and expiry notices, enforced by the mount's housekeeping.",
            discussion: """
            The policy is Azure's KeyRotationPolicy JSON (durations in ISO 8601: P90D, P18M, P2Y):
              {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "Rotate"}},
                                   {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
               "attributes": {"expiryTime": "P1Y"}}
            Examples:
              kvfs key rotation-policy update --vault app1 --name signer --value policy.json
              kvfs key rotation-policy show --vault app1 --name signer
            """,
            subcommands: [Show.self, Update.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show the key's rotation policy (empty when none was set).")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: ObjectAddress
            func run() throws {
                format.print(Shapes.rotationPolicy(try storeOptions.open().keys.rotationPolicy(vault: address.vault, name: address.name,
                                                                                              as: .currentProcess())))
            }
        }

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set the key's rotation policy from a JSON file ('-' for stdin).")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: ObjectAddress
            @Option(name: .long, help: ArgumentHelp("KeyRotationPolicy JSON file ('-' for stdin).", valueName: "file")) var value: String
            func run() throws {
                let bytes = try readInput(value)
                let policy: KeyRotationPolicy
                do {
                    policy = try JSONDecoder().decode(KeyRotationPolicy.self, from: Data(bytes))
                } catch {
                    throw InputError("\(value == "-" ? "stdin" : value): not a KeyRotationPolicy JSON document (lifetimeActions, attributes.expiryTime).")
                }
                format.print(Shapes.rotationPolicy(try storeOptions.open().keys.updateRotationPolicy(vault: address.vault, name: address.name, policy,
                                                                                                    as: .currentProcess())))
            }
        }
    }
}
