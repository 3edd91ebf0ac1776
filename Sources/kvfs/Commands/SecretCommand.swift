import ArgumentParser
import Foundation
import VaultEngine

struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Secrets (data plane): act as your own principals and roles.",
        subcommands: [Set.self, Show.self, Download.self, List.self, ListVersions.self, Update.self, Delete.self, ListDeleted.self,
                      ShowDeleted.self, Recover.self, Purge.self,
                      BackupCommands.SecretBackup.self, BackupCommands.SecretRestore.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a new version of a secret (creating it if the name is new).",
            discussion: """
            The value comes from --value, --file, or standard input (exact bytes, up to 25 KiB). Prefer --file or \
            stdin: a --value is visible to other users in the process list.
            Examples:
              printf %s "$PASSWORD" | kvfs secret set --vault app1 --name db-password
              kvfs secret set --vault app1 --name tls-key --file key.pem --content-type application/x-pem-file
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The value as text.") var value: String?
        @Option(name: .long, help: "Read the value from this file.") var file: String?
        @Option(name: .long, help: "A content type, up to 255 characters.") var contentType: String?
        @Option(name: .long, parsing: .upToNextOption, help: "Tags as name=value (up to 15).") var tags: [String] = []
        @Option(name: .long, help: "Expiry (ISO 8601 with a zone, such as 2027-06-30T00:00:00Z).") var expires: String?
        @Option(name: .long, help: "Not valid before (ISO 8601 with a zone).") var notBefore: String?
        @Flag(name: .long, help: "Store the version disabled.") var disabled = false
        @Option(name: .long, help: "With --file: utf-8 (default: the bytes as they are), ascii, base64 or hex (the file's bytes stored as that text, as az does).")
        var encoding: SecretEncoding?

        func validate() throws {
            guard value == nil || file == nil else { throw ValidationError("Give at most one of --value and --file.") }
            guard encoding == nil || file != nil else { throw ValidationError("--encoding goes with --file.") }
        }

        func run() throws {
            var bytes: [UInt8]
            if let value {
                bytes = Array(value.utf8)
            } else if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw InputError("Cannot read '\(file)'.") }
                bytes = [UInt8](data)
            } else {
                bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            }
            defer { bytes.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
            if let encoding {
                var encoded = try encoding.encode(bytes)
                swap(&bytes, &encoded)
                encoded.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
            }
            let attributes = NewVersionAttributes(
                enabled: !disabled, notBefore: try notBefore.map { try DateRules.parse($0, field: "--not-before") },
                expires: try expires.map { try DateRules.parse($0, field: "--expires") }, contentType: contentType, tags: try parseTags(tags))
            let props = try storeOptions.open().secrets.set(vault: address.vault, name: address.name, value: bytes,
                                                          attributes: attributes, as: .currentProcess())
            format.print(Shapes.secret(props))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a secret's value to stdout, exact bytes (or its properties with --metadata).",
            discussion: """
            Without -o the value's exact bytes and nothing else (kvfs has no --query); with -o json|yaml|... the \
            SecretBundle az prints, value included (UTF-8 text only).
            Examples:
              kvfs secret show --vault app1 --name db-password --version 3f2a...
              kvfs secret show --vault app1 --name db-password -o json
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "An older version's id.") var version: String?
        @Flag(name: .long, help: "Print the properties as JSON instead of the value (needs only read-metadata).") var metadata = false

        func run() throws {
            let engine = try storeOptions.open()
            if metadata {
                let props = try engine.objects(.secret).properties(vault: address.vault, name: address.name, version: version, as: .currentProcess())
                format.print(Shapes.secret(props))
                return
            }
            let secret = try engine.secrets.get(vault: address.vault, name: address.name, version: version, as: .currentProcess())
            if format.isExplicit {
                // az's SecretBundle with the value as text (as az prints it); bytes that are not UTF-8 are refused
                // rather than mangled: `kvfs secret download --encoding base64` writes them.
                let text = try secret.value.withUnsafeBytes { bytes -> String in
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        throw InputError("Secret '\(address.name)' is not UTF-8 text; show it without -o (raw bytes) or with `kvfs secret download --encoding base64`.")
                    }
                    return text
                }
                format.print(Shapes.secret(secret.properties, value: text))
            } else {
                secret.value.withUnsafeBytes { FileHandle.standardOutput.write(Data($0)) }
            }
        }
    }

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a secret's value to a new file (0600), decoded as az's --encoding says.",
            discussion: """
            --encoding utf-8 (default) and ascii write the value as it is (ascii refuses a value that is not \
            ASCII); base64 and hex decode the value (text in that encoding, as `kvfs secret set --file F --encoding \
            base64` or az stores a binary file) and write the bytes. The file must not exist.
            Examples:
              kvfs secret download --vault app1 --name tls-key --file tls-key.pem
              kvfs secret download --vault app1 --name keystore --file keystore.p12 --encoding base64
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: [.customLong("file"), .customShort("f")], help: ArgumentHelp("The file to create.", valueName: "file")) var file: String
        @Option(name: .long, help: "utf-8 (default), ascii, base64 or hex.") var encoding: SecretEncoding = .utf8
        @Option(name: .long, help: "An older version's id.") var version: String?

        func run() throws {
            guard !FileManager.default.fileExists(atPath: file) else {
                throw VaultError(.conflict, "'\(file)' already exists; give a new file name.")
            }
            let secret = try storeOptions.open().secrets.get(vault: address.vault, name: address.name, version: version, as: .currentProcess())
            var bytes = try secret.value.withUnsafeBytes { try encoding.decode([UInt8]($0), name: address.name) }
            defer { bytes.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
            try PrivateFile.create(at: file, contents: bytes)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a vault's secrets (properties only).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        func run() throws {
            let list = try storeOptions.open().objects(.secret).list(vault: address.vault, as: .currentProcess())
            format.print(.array(list.map { Shapes.secretItem($0) }))
        }
    }

    struct ListVersions: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-versions", abstract: "List a secret's versions, oldest first.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let list = try storeOptions.open().objects(.secret).versions(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(.array(list.map { Shapes.secretItem($0, withVersion: true) }))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a version's attributes or tags (never its value).",
            discussion: """
            Examples:
              kvfs secret update --vault app1 --name db-password --enabled false
              kvfs secret update --vault app1 --name db-password --expires 2027-06-30T00:00:00Z --tags owner=ops
              kvfs secret update --vault app1 --name db-password --expires none --tags ""
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The version to change (default: the current one).") var version: String?
        @Option(name: .long, help: "true or false.") var enabled: Bool?
        @Option(name: .long, help: "A content type; \"\" clears it.") var contentType: String?
        @Option(name: .long, parsing: .upToNextOption, help: "Replace all tags (name=value ...); \"\" clears them.") var tags: [String] = []
        @Option(name: .long, help: "Expiry (ISO 8601 with a zone, such as 2027-06-30T00:00:00Z), or none.") var expires: String?
        @Option(name: .long, help: "Not valid before (ISO 8601 with a zone), or none.") var notBefore: String?

        func run() throws {
            var update = AttributeUpdate(enabled: enabled)
            if let contentType { update.contentType = .some(contentType.isEmpty ? nil : contentType) }
            if !tags.isEmpty { update.tags = try parseTags(tags) }
            if let expires { update.expires = .some(expires == "none" ? nil : try DateRules.parse(expires, field: "--expires")) }
            if let notBefore { update.notBefore = .some(notBefore == "none" ? nil : try DateRules.parse(notBefore, field: "--not-before")) }
            guard !update.isEmpty else { throw ValidationError("Nothing to update: give --enabled, --content-type, --tags, --expires or --not-before.") }
            let props = try storeOptions.open().objects(.secret).update(vault: address.vault, name: address.name, version: version,
                                                             update, as: .currentProcess())
            format.print(Shapes.secret(props))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Soft-delete a secret with all its versions.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let deleted = try storeOptions.open().objects(.secret).delete(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.deleted(deleted))
        }
    }

    struct ListDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-deleted", abstract: "List soft-deleted secrets.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        func run() throws {
            let list = try storeOptions.open().objects(.secret).listDeleted(vault: address.vault, as: .currentProcess())
            format.print(.array(list.map(Shapes.deleted)))
        }
    }

    struct ShowDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-deleted", abstract: "Show a soft-deleted secret's properties.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let deleted = try storeOptions.open().objects(.secret).deleted(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.deleted(deleted))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recover a soft-deleted secret with all its versions.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let props = try storeOptions.open().objects(.secret).recover(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.secret(props))
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Permanently remove a soft-deleted secret (refused under purge protection).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            try storeOptions.open().objects(.secret).purge(vault: address.vault, name: address.name, as: .currentProcess())
        }
    }
}

func parseTags(_ items: [String]) throws -> [String: String] {
    if items == [""] { return [:] }
    var tags: [String: String] = [:]
    for item in items {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw InputError("Tag '\(item)' must be written name=value.")
        }
        tags[String(item[..<eq])] = String(item[item.index(after: eq)...])
    }
    return tags
}

/// az's `--encoding` of `secret set --file` and `secret download`: how a file's bytes relate to the stored value.
enum SecretEncoding: String, ExpressibleByArgument, CaseIterable {
    case utf8 = "utf-8", ascii, base64, hex

    /// The value to store for a file's bytes.
    /// - Throws: `InputError` for a file that is not what the encoding says.
    func encode(_ bytes: [UInt8]) throws -> [UInt8] {
        switch self {
        case .utf8:
            guard String(validating: bytes, as: UTF8.self) != nil else { throw InputError("The file is not UTF-8 text; use --encoding base64 or hex for binary files.") }
            return bytes
        case .ascii:
            guard bytes.allSatisfy({ $0 < 0x80 }) else { throw InputError("The file is not ASCII text; use --encoding base64 or hex for binary files.") }
            return bytes
        case .base64: return Array(Data(bytes).base64EncodedString().utf8)
        case .hex: return Array(bytes.map { String(format: "%02x", $0) }.joined().utf8)
        }
    }

    /// A file's bytes for the stored value.
    /// - Throws: `InputError` for a value that is not in the encoding (never showing the value).
    func decode(_ value: [UInt8], name: String) throws -> [UInt8] {
        switch self {
        case .utf8:
            return value
        case .ascii:
            guard value.allSatisfy({ $0 < 0x80 }) else { throw InputError("Secret '\(name)' is not ASCII text; use --encoding utf-8.") }
            return value
        case .base64:
            let text = String(decoding: value, as: UTF8.self).filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: text) ?? Data(base64URL: text) else {
                throw InputError("Secret '\(name)' is not base64 text; download it with --encoding utf-8.")
            }
            return [UInt8](data)
        case .hex:
            let digits = Array(String(decoding: value, as: UTF8.self).filter { !$0.isWhitespace }.utf8)
            guard digits.count % 2 == 0 else { throw InputError("Secret '\(name)' is not hexadecimal text; download it with --encoding utf-8.") }
            var out: [UInt8] = []
            out.reserveCapacity(digits.count / 2)
            var i = 0
            while i < digits.count {
                guard let byte = UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16) else {
                    throw InputError("Secret '\(name)' is not hexadecimal text; download it with --encoding utf-8.")
                }
                out.append(byte)
                i += 2
            }
            return out
        }
    }
}
