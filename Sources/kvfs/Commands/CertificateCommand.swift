import ArgumentParser
import Foundation
import VaultEngine

struct CertificateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Certificates (data plane): X.509 certificates with a managed key and secret of the same name.",
        discussion: """
        A certificate's private part is readable only through its secret (`kvfs secret show --name N`), with a \
        role that may read secrets. Policies are Azure's CertificatePolicy JSON, in az's spelling (as `get-default-policy` prints it) or the REST API's.
        Examples:
          kvfs certificate get-default-policy > policy.json
          kvfs certificate create --vault app1 --name web --policy policy.json
          kvfs certificate download --vault app1 --name web --encoding PEM > web.pem
          kvfs certificate import --vault app1 --name legacy --file legacy.pfx --password "$PW"
        """,
        subcommands: [GetDefaultPolicy.self, Create.self, Import.self, Show.self, List.self, ListVersions.self, Update.self,
                      Merge.self, Pending.self, Contact.self, Issuer.self, Download.self, Delete.self, ListDeleted.self, ShowDeleted.self, Recover.self, Purge.self,
                      BackupCommands.CertificateBackup.self, BackupCommands.CertificateRestore.self])

    struct GetDefaultPolicy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-default-policy",
            abstract: "Print the default policy (self-signed, RSA-2048, PKCS#12, 12 months).",
            discussion: """
            --spelling az (default) prints az's field names (keyProperties, x509CertificateProperties, …); \
            --spelling rest prints the REST API's, as the Azure SDKs send them (key_props, x509_props, …). \
            Every command that reads a policy takes either spelling.
            Examples:
              kvfs certificate get-default-policy > policy.json
              kvfs certificate get-default-policy --spelling rest > policy.json
            """)
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Field names: az (az keyvault's camelCase) or rest (the REST API's snake_case).")
        var spelling: CertificatePolicy.Spelling = .az
        func run() throws { try format.print(encoding: CertificatePolicy.default.spelled(spelling)) }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a certificate version from a policy: self-signed, or pending with a CSR for issuer Unknown.",
            discussion: """
            Examples:
              kvfs certificate create --vault app1 --name web --policy policy.json
              kvfs certificate create --vault app1 --name web          # a new version with the current policy
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: ArgumentHelp("CertificatePolicy JSON file ('-' for stdin).", valueName: "file")) var policy: String?
        @Flag(name: .long, help: "Create the version disabled.") var disabled = false
        @Option(name: .long, parsing: .upToNextOption, help: "Tags as name=value (up to 15).") var tags: [String] = []

        func run() throws {
            let parsed = try policy.map(readPolicy)
            let operation = try storeOptions.open().certificates.create(vault: address.vault, name: address.name, policy: parsed,
                                                                      enabled: !disabled, tags: try parseTags(tags), as: .currentProcess())
            format.print(Shapes.operation(operation))
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a certificate with its private key: PFX (with --password) or PEM (PKCS#8 key + certificates).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: [.customLong("file"), .customShort("f")], help: ArgumentHelp("PFX or PEM file (default: stdin).", valueName: "file")) var file: String?
        @Option(name: .long, help: "The PFX password.") var password: String?
        @Option(name: .long, help: ArgumentHelp("A policy to keep (default: derived from the certificate).", valueName: "file")) var policy: String?
        @Flag(name: .long, help: "Import the version disabled.") var disabled = false
        @Option(name: .long, parsing: .upToNextOption, help: "Tags as name=value (up to 15).") var tags: [String] = []

        func run() throws {
            var bytes = try readInput(file)
            defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
            let material = CertificateImport(value: SecureBytes(bytes), password: password, policy: try policy.map(readPolicy),
                                             enabled: !disabled, tags: try parseTags(tags))
            let bundle = try storeOptions.open().certificates.import(vault: address.vault, name: address.name, material, as: .currentProcess())
            format.print(try Shapes.certificate(bundle))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a certificate version (the bundle), its policy or its pending creation.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "A version (default: the current one).") var version: String?
        @Flag(name: .long, help: "Show the policy only.") var policy = false
        @Flag(name: .long, help: "Show the pending creation (with its CSR).") var pending = false
        @Option(name: .long, help: "With --policy, the field names: az (default) or rest (the REST API's).")
        var spelling: CertificatePolicy.Spelling = .az

        func run() throws {
            let engine = try storeOptions.open()
            if policy {
                try format.print(encoding: try engine.certificates.policy(vault: address.vault, name: address.name, as: .currentProcess()).spelled(spelling))
            } else if pending {
                format.print(Shapes.operation(try engine.certificates.pendingOperation(vault: address.vault, name: address.name, as: .currentProcess())))
            } else {
                format.print(try Shapes.certificate(try engine.certificates.get(vault: address.vault, name: address.name, version: version, as: .currentProcess())))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a vault's certificates.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        func run() throws {
            let list = try storeOptions.open().objects(.certificate).list(vault: address.vault, as: .currentProcess())
            format.print(.array(list.map { Shapes.certificateItem($0) }))
        }
    }

    struct ListVersions: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-versions", abstract: "List a certificate's versions.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let list = try storeOptions.open().objects(.certificate).versions(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(.array(list.map { Shapes.certificateItem($0, withVersion: true) }))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a version's enabled flag or tags, or the certificate's policy.",
            discussion: """
            Examples:
              kvfs certificate update --vault app1 --name web --enabled false
              kvfs certificate update --vault app1 --name web --policy policy.json
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "A version (default: the current one).") var version: String?
        @Option(name: .long, help: "true or false.") var enabled: Bool?
        @Option(name: .long, parsing: .upToNextOption, help: "Tags as name=value; \"\" clears them.") var tags: [String] = []
        @Option(name: .long, help: ArgumentHelp("A new CertificatePolicy JSON file.", valueName: "file")) var policy: String?

        func run() throws {
            let tagValues = tags.isEmpty ? nil : try parseTags(tags)
            let update = CertificateUpdate(attributes: AttributeUpdate(enabled: enabled, tags: tagValues), policy: try policy.map(readPolicy))
            let bundle = try storeOptions.open().certificates.update(vault: address.vault, name: address.name, version: version, update,
                                                                   as: .currentProcess())
            format.print(try Shapes.certificate(bundle))
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Complete a pending creation with the CA-signed certificate and its chain (PEM).",
            discussion: """
            Example:
              kvfs certificate show --vault app1 --name web --pending    # the CSR, to sign at your CA
              cat signed.pem ca.pem | kvfs certificate merge --vault app1 --name web
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: [.customLong("file"), .customShort("f")], help: ArgumentHelp("PEM certificates (default: stdin).", valueName: "file")) var file: String?

        func run() throws {
            let text = String(decoding: try readInput(file), as: UTF8.self)
            let bundle = try storeOptions.open().certificates.merge(vault: address.vault, name: address.name, pemChain: text, as: .currentProcess())
            format.print(try Shapes.certificate(bundle))
        }
    }

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the certificate: PEM (leaf then chain), DER (leaf), or PFX (certificates only, no key).",
            discussion: "The private key is in the certificate's secret: kvfs secret show --vault V --name N.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "A version (default: the current one).") var version: String?
        @Option(name: .long, help: "PEM, DER or PFX.") var encoding = "PEM"
        @Option(name: [.customLong("file"), .customShort("f")], help: "Write here (default: stdout).") var file: String?

        func validate() throws {
            guard ["PEM", "DER", "PFX"].contains(encoding.uppercased()) else { throw InputError("--encoding must be PEM, DER or PFX.") }
        }

        func run() throws {
            let bundle = try storeOptions.open().certificates.get(vault: address.vault, name: address.name, version: version, as: .currentProcess())
            guard bundle.isCompleted else { throw InputError("Certificate '\(address.name)' is pending: merge its signed certificate first.") }
            let bytes: [UInt8]
            switch encoding.uppercased() {
            case "DER": bytes = bundle.cer
            case "PFX": bytes = try bundle.certificatesOnlyPFX()
            default: bytes = Array(bundle.pemChain.utf8)
            }
            if let file {
                // Public material only (the certificate chain), so readable by others like any certificate file.
                guard FileManager.default.createFile(atPath: file, contents: Data(bytes), attributes: [.posixPermissions: 0o644]) else {
                    throw InputError("Cannot write '\(file)'.")
                }
            } else {
                Output.raw(bytes)
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Soft-delete a certificate with its versions, key and secret.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let deleted = try storeOptions.open().objects(.certificate).delete(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.deleted(deleted))
        }
    }

    struct ListDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-deleted", abstract: "List soft-deleted certificates.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        func run() throws {
            let list = try storeOptions.open().objects(.certificate).listDeleted(vault: address.vault, as: .currentProcess())
            format.print(.array(list.map(Shapes.deleted)))
        }
    }

    struct ShowDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-deleted", abstract: "Show a soft-deleted certificate's properties.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            format.print(Shapes.deleted(try storeOptions.open().objects(.certificate).deleted(vault: address.vault, name: address.name, as: .currentProcess())))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recover a soft-deleted certificate with its key and secret.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let props = try storeOptions.open().objects(.certificate).recover(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.certificateItem(props, withVersion: true))
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Permanently remove a soft-deleted certificate, key and secret.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            try storeOptions.open().objects(.certificate).purge(vault: address.vault, name: address.name, as: .currentProcess())
        }
    }
}

/// A CertificatePolicy JSON file (`-` = stdin), in az's or the REST API's spelling.
func readPolicy(_ path: String) throws -> CertificatePolicy {
    let bytes = try readInput(path == "-" ? nil : path)
    do {
        return try CertificatePolicy(json: Data(bytes))
    } catch let error as VaultError {
        throw InputError("\(path == "-" ? "stdin" : path): \(error.message)")
    }
}

extension CertificatePolicy.Spelling: ExpressibleByArgument {}
