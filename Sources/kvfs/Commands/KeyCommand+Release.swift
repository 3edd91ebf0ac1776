import ArgumentParser
import Foundation
import VaultEngine

/// `--policy`, `--exportable` and `--immutable` of `key create|import` (az keyvault key create … --policy).
struct KeyReleasePolicyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The release policy: a JSON file, or the JSON itself (see `kvfs key get-policy-template`).",
                                            valueName: "file-or-json"))
    var policy: String?
    @Flag(name: .long, help: "Mark the release policy immutable: it can never be changed again.") var immutable = false
    @Flag(name: .long, help: "Mark the key exportable (needs --policy). kvfs itself never releases a key.") var exportable = false

    func validate() throws {
        if immutable && policy == nil { throw ValidationError("--immutable needs --policy.") }
    }

    /// The policy these options give, if any.
    func releasePolicy() throws -> KeyReleasePolicy? {
        try policy.map { try readReleasePolicy($0, immutable: immutable) }
    }

    var release: KeyReleaseOptions {
        get throws { KeyReleaseOptions(exportable: exportable, releasePolicy: try releasePolicy()) }
    }
}

/// A release policy document from `--policy`: a file's contents, or the argument itself when it is JSON (az's
/// "file path or JSON string"). The document is kept as given; the engine checks it.
func readReleasePolicy(_ argument: String, immutable: Bool) throws -> KeyReleasePolicy {
    let trimmed = argument.trimmingCharacters(in: .whitespacesAndNewlines)
    let bytes: [UInt8]
    if trimmed.hasPrefix("{") {
        bytes = Array(trimmed.utf8)
    } else if let data = FileManager.default.contents(atPath: argument) {
        bytes = Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    } else {
        throw InputError("--policy '\(argument)' is neither a readable file nor a JSON document.")
    }
    return KeyReleasePolicy(data: bytes, immutable: immutable)
}

extension KeyCommand {
    /// `kvfs key get-policy-template` (az keyvault key get-policy-template).
    struct GetPolicyTemplate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-policy-template",
            abstract: "Print a release policy template to edit (Azure's grammar, version 1.0.0).",
            discussion: """
            Replace <issuer> with the https URL of an attestation authority and the claim with one its tokens carry, \
            then give the file to `kvfs key create --exportable --policy FILE`.
            Example: kvfs key get-policy-template > release-policy.json
            """)
        @OptionGroup var format: OutputOptions

        func run() throws {
            format.print(.object([
                "anyOf": .array([.object([
                    "allOf": .array([.object(["claim": .string("<claim name>"), "equals": .string("<value to match>")])]),
                    "authority": .string("<issuer>"),
                ])]),
                "version": .string("1.0.0"),
            ]))
        }
    }

    /// `kvfs key release` (az keyvault key release): refused after the checks Azure makes, because kvfs cannot
    /// verify an attestation token.
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release an exportable key to an attested environment — which kvfs refuses (exit 8).",
            discussion: """
            Azure releases an exportable key, wrapped for a trusted execution environment, to a caller whose \
            attestation token (--target) an attestation authority named in the key's release policy signed. kvfs has \
            no attestation service it can trust, so after checking the caller's right (keys/release: Key Vault \
            Administrator, Crypto Officer, Crypto Service Release User), the key, its exportable attribute and its \
            release policy, it refuses the release: exit 8 (not supported). The private key never leaves the vault.
            Example: kvfs key release --vault app1 --name cmk --target "$(cat attestation.jwt)"
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The key version (default: the current one).") var version: String?
        @Option(name: .long, help: "The attestation token of the environment to release to.") var target: String

        func run() throws {
            try storeOptions.open().keys.release(vault: address.vault, name: address.name, version: version, target: target,
                                                 as: .currentProcess())
        }
    }
}
