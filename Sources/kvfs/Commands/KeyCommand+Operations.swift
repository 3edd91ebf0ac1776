import ArgumentParser
import Foundation
import VaultEngine

/// Where a cryptographic operation runs and on what: `--vault V --name N [--version X]` on the store, or
/// `--path DIR` on a mounted key directory; `--algorithm A [--in F] [--out F]`. Input and output are raw bytes
/// (digests, signatures, ciphertexts), stdin/stdout by default.
struct KeyOperationOptions: ParsableArguments {
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var format: OutputOptions
    @Option(name: .long, help: "The vault's name (with --name).") var vault: String?
    @Option(name: .long, help: "The key's name (with --vault).") var name: String?
    @Option(name: .long, help: ArgumentHelp("A mounted key directory (e.g. /run/kvfs/app1/keys/signer) instead of --vault/--name: the request goes through its ops file, as the mount's caller.", valueName: "dir"))
    var path: String?
    @Option(name: .long, help: "A specific version (default: the current one; old versions still decrypt, unwrap and verify).")
    var version: String?
    @Option(name: .long, help: "Azure's algorithm name.") var algorithm: String
    @Option(name: .customLong("in"), help: ArgumentHelp("Read the input from this file (default: stdin).", valueName: "file"))
    var input: String?
    @Option(name: .customLong("out"), help: ArgumentHelp("Write the output to this file, mode 0600 (default: stdout).", valueName: "file"))
    var output: String?

    func validate() throws {
        guard (path == nil) != (vault == nil && name == nil) else {
            throw ValidationError("Give either --vault and --name (the store) or --path (a mounted key directory).")
        }
        guard path != nil || (vault != nil && name != nil) else { throw ValidationError("Give both --vault and --name.") }
        guard !(format.isExplicit && output != nil) else {
            throw ValidationError("Give either --out (raw bytes to a file) or -o FORMAT (the result as a document), not both.")
        }
        guard path == nil || version == nil else {
            throw ValidationError("With --path, name a version by its directory: --path MOUNT/V/keys/.versions/N/VERSION.")
        }
    }

    /// Runs one request through the engine, or through the mounted key's ops file.
    func perform(_ op: KeyOperation, value: SecureBytes, digest: [UInt8]? = nil) throws -> KeyOperationResult {
        let request = KeyOperationRequest(op: op, alg: algorithm, value: value, digest: digest)
        if let path { return try MountedKey(directory: path).perform(request) }
        return try storeOptions.open().keys.perform(request, vault: vault!, name: name!, version: version,
                                                           as: .currentProcess())
    }

    func readValue() throws -> SecureBytes {
        var bytes = try readInput(input)
        defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return SecureBytes(bytes)
    }

    func write(_ result: KeyOperationResult) throws {
        if format.isExplicit {
            // az's KeyOperationResult: {kid, value (base64url), algorithm}.
            format.print(try Shapes.keyOperation(result, algorithm: algorithm))
            return
        }
        guard case .bytes(let bytes) = result.value else { return }
        if let output, output != "-" {
            let ok = bytes.withUnsafeBytes {
                FileManager.default.createFile(atPath: output, contents: Data($0), attributes: [.posixPermissions: 0o600])
            }
            guard ok else { throw InputError("Cannot write '\(output)'.") }
        } else {
            bytes.withUnsafeBytes { FileHandle.standardOutput.write(Data($0)) }
        }
    }
}

extension KeyCommand {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a digest (raw bytes in, raw signature out). The vault never hashes: hash first.",
            discussion: """
            Algorithms: RS256 RS384 RS512 PS256 PS384 PS512 (RSA); ES256 (P-256), ES256K (P-256K), ES384 (P-384), \
            ES512 (P-521). ES* signatures are raw r‖s, as JOSE and Azure use them.
            Examples:
              openssl dgst -sha256 -binary msg.txt | kvfs key sign --vault app1 --name signing --algorithm ES256 > msg.sig
              kvfs key sign --vault app1 --name rsa --algorithm PS384 --in digest.bin --out sig.bin
            """)
        @OptionGroup var options: KeyOperationOptions
        func run() throws { try options.write(try options.perform(.sign, value: try options.readValue())) }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a signature over a digest; prints {kid, value: true|false} and exits 1 when it does not verify.",
            discussion: """
            Needs keys/verify or keys/read (a public-key operation).
            Example:
              openssl dgst -sha256 -binary msg.txt | kvfs key verify --vault app1 --name signing --algorithm ES256 --signature msg.sig
            """)
        @OptionGroup var options: KeyOperationOptions
        @Option(name: .long, help: ArgumentHelp("The signature file (raw bytes).", valueName: "file")) var signature: String

        func run() throws {
            guard options.output == nil else { throw ValidationError("verify prints its verdict; --out is not used.") }
            let digest = try readInput(options.input)
            let result = try options.perform(.verify, value: SecureBytes(try readInput(signature)), digest: digest)
            options.format.print(try Shapes.keyOperation(result, algorithm: options.algorithm))
            if result.isValid != true { throw ExitCode.failure }
        }
    }

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt one RSA block (at most 190 bytes with RSA-OAEP-256 and a 2048-bit key).",
            discussion: """
            Algorithms: RSA-OAEP-256 (recommended), RSA-OAEP, RSA1_5. Needs keys/encrypt or keys/read.
            Example: kvfs key encrypt --vault app1 --name kek --algorithm RSA-OAEP-256 --in token.bin --out token.enc
            """)
        @OptionGroup var options: KeyOperationOptions
        func run() throws { try options.write(try options.perform(.encrypt, value: try options.readValue())) }
    }

    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt one RSA block; the plaintext goes to --out or stdout.",
            discussion: "Example: kvfs key decrypt --vault app1 --name kek --algorithm RSA-OAEP-256 --in token.enc --out token.bin")
        @OptionGroup var options: KeyOperationOptions
        func run() throws { try options.write(try options.perform(.decrypt, value: try options.readValue())) }
    }

    struct Wrap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wrap a symmetric key (raw bytes) with an RSA key.",
            discussion: """
            Needs keys/wrap or keys/read.
            Example:
              openssl rand 32 > dek.bin && kvfs key wrap --vault app1 --name kek --algorithm RSA-OAEP-256 --in dek.bin --out dek.wrapped
            """)
        @OptionGroup var options: KeyOperationOptions
        func run() throws { try options.write(try options.perform(.wrapKey, value: try options.readValue())) }
    }

    struct Unwrap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unwrap a wrapped symmetric key; the key goes to --out or stdout.",
            discussion: "Example: kvfs key unwrap --vault app1 --name kek --algorithm RSA-OAEP-256 --in dek.wrapped --out dek.bin")
        @OptionGroup var options: KeyOperationOptions
        func run() throws { try options.write(try options.perform(.unwrapKey, value: try options.readValue())) }
    }
}
