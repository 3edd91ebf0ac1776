import ArgumentParser
import Foundation
import VaultEngine

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Keys (data plane): RSA and EC keys whose private part never leaves the vault.",
        discussion: """
        Examples:
          kvfs key create --vault app1 --name signing --kty EC --curve P-256
          kvfs key create --vault app1 --name kek --kty RSA --size 3072 --ops wrapKey unwrapKey
          kvfs key show --vault app1 --name signing --pem > signing.pub.pem
          openssl dgst -sha256 -binary msg.txt | kvfs key sign --vault app1 --name signing --algorithm ES256 > msg.sig
        """,
        subcommands: [Create.self, Import.self, Show.self, Download.self, List.self, ListVersions.self, Update.self, Rotate.self, RotationPolicy.self,
                      GetPolicyTemplate.self, Release.self, Delete.self,
                      ListDeleted.self, ShowDeleted.self, Recover.self, Purge.self, BackupCommands.KeyBackup.self, BackupCommands.KeyRestore.self,
                      Sign.self, Verify.self, Encrypt.self, Decrypt.self, Wrap.self, Unwrap.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new key version (creating the key if the name is new).",
            discussion: """
            RSA: --size 2048 (default), 3072 or 4096, --public-exponent (default 65537). EC: --curve P-256 (default), \
            P-384, P-521 or P-256K. --ops defaults to every operation the type supports.
            Examples:
              kvfs key create --vault app1 --name signing --kty EC --curve P-384 --ops sign verify
              kvfs key create --vault app1 --name kek --kty RSA --size 4096 --expires 2028-01-01T00:00:00Z --tags owner=ops
              kvfs key create --vault app1 --name cmk --kty RSA --exportable --policy release-policy.json --immutable
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "RSA or EC.") var kty: String
        @Option(name: .long, help: "RSA modulus bits: 2048, 3072 or 4096.") var size: Int?
        @Option(name: .long, help: "RSA public exponent (default 65537).") var publicExponent: Int?
        @Option(name: .long, help: "EC curve: P-256, P-384, P-521 or P-256K.") var curve: String?
        @OptionGroup var attributes: KeyAttributeOptions
        @OptionGroup var release: KeyReleasePolicyOptions

        func run() throws {
            let type = try parseKeyType(kty)
            let spec: KeySpec
            switch type {
            case .rsa:
                guard curve == nil else { throw InputError("--curve is for EC keys; RSA keys take --size and --public-exponent.") }
                spec = .rsa(bits: size ?? 2048, exponent: publicExponent ?? RSAKeySize.defaultExponent)
            case .ec:
                guard size == nil, publicExponent == nil else { throw InputError("--size and --public-exponent are for RSA keys; EC keys take --curve.") }
                spec = .ec(try curve.map(parseCurve) ?? .p256)
            }
            let options = KeyCreateOptions(spec, keyOps: try attributes.keyOps(), attributes: try attributes.newVersion(),
                                           exportable: release.exportable, releasePolicy: try release.releasePolicy())
            let bundle = try storeOptions.open().keys.create(vault: address.vault, name: address.name, options, as: .currentProcess())
            format.print(try Shapes.key(bundle))
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a private key (JWK with private parts, or unencrypted PKCS#8 PEM) as a new version.",
            discussion: """
            The file (or stdin) holds a JSON Web Key with d (and p, q, dp, dq, qi for RSA), or a \
            '-----BEGIN PRIVATE KEY-----' PEM (convert others with 'openssl pkcs8 -topk8 -nocrypt'). After the import \
            nobody, you included, can read the private part back. Delete your copy when you no longer need it.
            Examples:
              kvfs key import --vault app1 --name legacy --in legacy.pk8.pem --ops sign verify
              kvfs key import --vault app1 --name jwk-key < key.jwk
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .customLong("in"), help: ArgumentHelp("Read the key from this file (default: stdin).", valueName: "file")) var input: String?
        @OptionGroup var attributes: KeyAttributeOptions
        @OptionGroup var release: KeyReleasePolicyOptions

        func run() throws {
            let releaseOptions = try release.release
            var bytes = try readInput(input)
            defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
            let material: KeyImportMaterial
            let trimmed = bytes.drop { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
            if trimmed.first == UInt8(ascii: "{") {
                do {
                    material = .jwk(try JSONDecoder().decode(PrivateJWK.self, from: Data(bytes)))
                } catch {
                    throw InputError("The input is not a valid JSON Web Key with private parts (kty, n/e/d/p/q/dp/dq/qi or crv/x/y/d).")
                }
            } else if trimmed.starts(with: Array("-----BEGIN".utf8)) {
                material = .pkcs8PEM(String(decoding: bytes, as: UTF8.self))
            } else {
                throw InputError("The input is neither a JSON Web Key nor a PEM; give a JWK or a '-----BEGIN PRIVATE KEY-----' PEM.")
            }
            let bundle = try storeOptions.open().keys.import(vault: address.vault, name: address.name, material, keyOps: try attributes.keyOps(),
                                                           attributes: try attributes.newVersion(), release: releaseOptions, as: .currentProcess())
            format.print(try Shapes.key(bundle))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a key version: its public JWK and attributes (or its public PEM with --pem). Never private parts.",
            discussion: """
            Examples:
              kvfs key show --vault app1 --name signing
              kvfs key show --vault app1 --name signing --version 3f2a... --pem > pub.pem
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "An older version's id.") var version: String?
        @Flag(name: .long, help: "Print the SubjectPublicKeyInfo PEM instead of JSON.") var pem = false

        func run() throws {
            let bundle = try storeOptions.open().keys.get(vault: address.vault, name: address.name, version: version, as: .currentProcess())
            if pem {
                FileHandle.standardOutput.write(Data(bundle.publicKeyPEM.utf8))
            } else {
                format.print(try Shapes.key(bundle))
            }
        }
    }

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a key version's public key (SubjectPublicKeyInfo) to a new file: PEM (default) or DER.",
            discussion: """
            Public material only: the private part never leaves the vault. The file must not exist; it is made 0644 \
            like any public key file.
            Examples:
              kvfs key download --vault app1 --name signing --file signing.pub.pem
              kvfs key download --vault app1 --name signing --file signing.pub.der --encoding DER
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: [.customLong("file"), .customShort("f")], help: ArgumentHelp("The file to create.", valueName: "file")) var file: String
        @Option(name: [.customLong("encoding"), .customShort("e")], help: "PEM (default) or DER.") var encoding = "PEM"
        @Option(name: .long, help: "An older version's id.") var version: String?

        func run() throws {
            guard ["PEM", "DER"].contains(encoding.uppercased()) else { throw InputError("--encoding must be PEM or DER.") }
            guard !FileManager.default.fileExists(atPath: file) else {
                throw VaultError(.conflict, "'\(file)' already exists; give a new file name.")
            }
            let bundle = try storeOptions.open().keys.get(vault: address.vault, name: address.name, version: version, as: .currentProcess())
            let bytes: [UInt8]
            if encoding.uppercased() == "DER" {
                let body = bundle.publicKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
                guard let der = Data(base64Encoded: body) else { throw VaultError(.corrupted, "Key '\(address.name)' has an unreadable public key.") }
                bytes = [UInt8](der)
            } else {
                bytes = Array(bundle.publicKeyPEM.utf8)
            }
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw InputError("Cannot create '\(file)': \(String(cString: strerror(errno))).") }
            defer { close(fd) }
            _ = fchmod(fd, 0o644)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else { throw InputError("Cannot write '\(file)': \(String(cString: strerror(errno))).") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a vault's keys (identifiers and attributes).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        func run() throws {
            let list = try storeOptions.open().objects(.key).list(vault: address.vault, as: .currentProcess())
            format.print(.array(list.map { Shapes.keyItem($0) }))
        }
    }

    struct ListVersions: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-versions", abstract: "List a key's versions, oldest first.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let list = try storeOptions.open().objects(.key).versions(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(.array(list.map { Shapes.keyItem($0, withVersion: true) }))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-attributes",
            abstract: "Change a version's permitted operations, attributes, tags or release policy (never its material).",
            discussion: """
            az's name is set-attributes; update is the same command. An immutable release policy cannot be changed             (exit 7); --immutable makes the new one immutable.
            Examples:
              kvfs key set-attributes --vault app1 --name signing --ops verify
              kvfs key update --vault app1 --name signing --enabled false
              kvfs key update --vault app1 --name kek --expires none --tags ""
              kvfs key set-attributes --vault app1 --name cmk --policy release-policy.json --immutable
            """,
            aliases: ["update"])
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        @Option(name: .long, help: "The version to change (default: the current one).") var version: String?
        @Option(name: .long, parsing: .upToNextOption,
                help: "Replace the permitted operations: encrypt decrypt sign verify wrapKey unwrapKey; \"\" permits none.")
        var ops: [String] = []
        @Option(name: .long, help: "true or false.") var enabled: Bool?
        @Option(name: .long, parsing: .upToNextOption, help: "Replace all tags (name=value ...); \"\" clears them.") var tags: [String] = []
        @Option(name: .long, help: "Expiry (ISO 8601 with a zone, such as 2027-06-30T00:00:00Z), or none.") var expires: String?
        @Option(name: .long, help: "Not valid before (ISO 8601 with a zone), or none.") var notBefore: String?
        @Option(name: .long, help: ArgumentHelp("Replace the release policy: a JSON file, or the JSON itself.", valueName: "file-or-json"))
        var policy: String?
        @Flag(name: .long, help: "Mark the new release policy immutable: it can never be changed again.") var immutable = false

        func validate() throws {
            if immutable && policy == nil { throw ValidationError("--immutable needs --policy.") }
        }

        func run() throws {
            var update = KeyUpdate(attributes: AttributeUpdate(enabled: enabled))
            if let policy { update.releasePolicy = try readReleasePolicy(policy, immutable: immutable) }
            if !ops.isEmpty { update.keyOps = try parseKeyOps(ops) }
            if !tags.isEmpty { update.attributes.tags = try parseTags(tags) }
            if let expires { update.attributes.expires = .some(expires == "none" ? nil : try DateRules.parse(expires, field: "--expires")) }
            if let notBefore { update.attributes.notBefore = .some(notBefore == "none" ? nil : try DateRules.parse(notBefore, field: "--not-before")) }
            guard !update.isEmpty else { throw ValidationError("Nothing to update: give --ops, --enabled, --tags, --expires, --not-before or --policy.") }
            let bundle = try storeOptions.open().keys.update(vault: address.vault, name: address.name, version: version, update, as: .currentProcess())
            format.print(try Shapes.key(bundle))
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new version with the same type, size or curve, operations and tags.",
            discussion: "Example: kvfs key rotate --vault app1 --name kek   (older versions still decrypt, unwrap and verify)")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            format.print(try Shapes.key(try storeOptions.open().keys.rotate(vault: address.vault, name: address.name, as: .currentProcess())))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Soft-delete a key with all its versions.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let deleted = try storeOptions.open().objects(.key).delete(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.deleted(deleted))
        }
    }

    struct ListDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-deleted", abstract: "List soft-deleted keys.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: VaultAddress
        func run() throws {
            let list = try storeOptions.open().objects(.key).listDeleted(vault: address.vault, as: .currentProcess())
            format.print(.array(list.map(Shapes.deleted)))
        }
    }

    struct ShowDeleted: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show-deleted", abstract: "Show a soft-deleted key's properties.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let deleted = try storeOptions.open().objects(.key).deleted(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.deleted(deleted))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recover a soft-deleted key with all its versions.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            let props = try storeOptions.open().objects(.key).recover(vault: address.vault, name: address.name, as: .currentProcess())
            format.print(Shapes.keyItem(props, withVersion: true))
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Permanently remove a soft-deleted key (refused under purge protection).")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @OptionGroup var address: ObjectAddress
        func run() throws {
            try storeOptions.open().objects(.key).purge(vault: address.vault, name: address.name, as: .currentProcess())
        }
    }
}

/// `--ops`, `--enabled`, dates and tags of a new key version.
struct KeyAttributeOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption,
            help: "Permitted operations: encrypt decrypt sign verify wrapKey unwrapKey (default: all the type supports).")
    var ops: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: "Tags as name=value (up to 15).") var tags: [String] = []
    @Option(name: .long, help: "Expiry (ISO 8601 with a zone, such as 2027-06-30T00:00:00Z): sign, encrypt and wrap stop then.") var expires: String?
    @Option(name: .long, help: "Not valid before (ISO 8601 with a zone).") var notBefore: String?
    @Flag(name: .long, help: "Store the version disabled.") var disabled = false

    func keyOps() throws -> [KeyOperation]? { ops.isEmpty ? nil : try parseKeyOps(ops) }

    func newVersion() throws -> NewVersionAttributes {
        NewVersionAttributes(enabled: !disabled, notBefore: try notBefore.map { try DateRules.parse($0, field: "--not-before") },
                             expires: try expires.map { try DateRules.parse($0, field: "--expires") }, tags: try parseTags(tags))
    }
}

func parseKeyOps(_ items: [String]) throws -> [KeyOperation] {
    if items == [""] { return [] }
    return try items.map { item in
        do { return try KeyOperation.parse(item) } catch let error as KeyCryptoError { throw InputError(error.message) }
    }
}

func parseKeyType(_ text: String) throws -> KeyType {
    try KeyRules.softwareKeyType(text.uppercased() == "EC" || text.uppercased() == "RSA" ? text.uppercased() : text)
}

func parseCurve(_ text: String) throws -> EllipticCurve {
    do { return try EllipticCurve.parse(text.uppercased()) } catch let error as KeyCryptoError { throw InputError(error.message) }
}

/// Reads a whole file, or stdin when `path` is nil or "-".
func readInput(_ path: String?) throws -> [UInt8] {
    guard let path, path != "-" else { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else { throw InputError("Cannot read '\(path)'.") }
    return [UInt8](data)
}
