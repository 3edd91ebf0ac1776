import Foundation
import Testing
@testable import VaultEngine

/// The `openssl` command-line tool in a private temporary directory, for interop checks.
final class OpenSSLTool {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-keycrypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: directory.appendingPathComponent(name))
        return path(name)
    }

    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }

    struct Result { var status: Int32; var output: String; var error: String }

    /// Runs `openssl args…`; returns status and output without judging them.
    @discardableResult
    func run(_ args: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = args
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: String(decoding: outData, as: UTF8.self), error: String(decoding: errData, as: UTF8.self))
    }

    /// Runs openssl and requires success.
    @discardableResult
    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(args)
        #expect(result.status == 0, "openssl \(args.joined(separator: " ")) failed: \(result.error)", sourceLocation: sourceLocation)
        return result.output
    }

    // MARK: ECDSA DER <-> raw, done by openssl so the tests do not trust kvfs's own conversion

    /// DER ECDSA-Sig-Value → raw r ‖ s via `openssl asn1parse`.
    func rawSignature(fromDERFile name: String, size: Int) throws -> [UInt8] {
        let text = try ok(["asn1parse", "-inform", "DER", "-in", name])
        let integers = text.split(separator: "\n").filter { $0.contains("INTEGER") }.map { line in
            String(line[line.index(after: line.lastIndex(of: ":")!)...]).trimmingCharacters(in: .whitespaces)
        }
        #expect(integers.count == 2)
        var raw: [UInt8] = []
        for hex in integers {
            let bytes = Array(Self.bytes(hex: hex).drop { $0 == 0 })
            raw += [UInt8](repeating: 0, count: size - bytes.count) + bytes
        }
        return raw
    }

    /// Raw r ‖ s → DER ECDSA-Sig-Value via `openssl asn1parse -genconf`; returns the file name.
    func derSignatureFile(fromRaw raw: [UInt8], name: String) throws -> String {
        let half = raw.count / 2
        let config = """
        asn1=SEQUENCE:sig
        [sig]
        r=INTEGER:0x\(raw[..<half].hexString.uppercased())
        s=INTEGER:0x\(raw[half...].hexString.uppercased())

        """
        _ = try write("\(name).cnf", config)
        try ok(["asn1parse", "-genconf", "\(name).cnf", "-out", name, "-noout"])
        return name
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).filter { $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: " ") }
        var out: [UInt8] = []
        var i = 0
        if digits.count % 2 == 1 { out.append(UInt8(String(UnicodeScalar(digits[0])), radix: 16)!); i = 1 }
        while i < digits.count {
            out.append(UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16)!)
            i += 2
        }
        return out
    }

    /// Fields of `openssl pkey -text -noout` as bytes (label → value), e.g. "modulus", "prime1", "priv", "pub".
    func keyFields(_ keyFile: String) throws -> [String: [UInt8]] {
        let text = try ok(["pkey", "-in", keyFile, "-text", "-noout"])
        var fields: [String: [UInt8]] = [:]
        var current: String? = nil
        for line in text.split(separator: "\n") {
            if line.first == " ", let label = current {
                fields[label, default: []] += Self.bytes(hex: line.trimmingCharacters(in: .whitespaces))
            } else if line.hasSuffix(":") {
                current = String(line.dropLast())
            } else if line.hasPrefix("publicExponent: ") {
                current = nil
                let number = UInt64(line.split(separator: " ")[1])!
                fields["publicExponent"] = Array(withUnsafeBytes(of: number.bigEndian) { Array($0) }.drop { $0 == 0 })
            } else {
                current = nil
            }
        }
        return fields
    }
}

/// Shared keys so each test does not pay for RSA generation.
enum KeyCryptoFixtures {
    static let rsa2048 = try! PrivateKey.generate(rsa: 2048)
    static let ec: [EllipticCurve: PrivateKey] = Dictionary(uniqueKeysWithValues: EllipticCurve.allCases.map { ($0, try! PrivateKey.generate(curve: $0)) })

    static func key(for algorithm: SignatureAlgorithm) -> PrivateKey {
        algorithm.curve.map { ec[$0]! } ?? rsa2048
    }

    /// openssl `-pkeyopt` options that select exactly Azure's parameters for `algorithm`.
    static func pkeyopts(_ algorithm: SignatureAlgorithm) -> [String] {
        let md = "sha\(algorithm.digestLength * 8)"
        var options = ["-pkeyopt", "digest:\(md)"]
        switch algorithm {
        case .rs256, .rs384, .rs512: options += ["-pkeyopt", "rsa_padding_mode:pkcs1"]
        case .ps256, .ps384, .ps512:
            options += ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest", "-pkeyopt", "rsa_mgf1_md:\(md)"]
        default: break
        }
        return options
    }

    static func digest(for algorithm: SignatureAlgorithm) throws -> [UInt8] {
        try SecureRandom.bytes(algorithm.digestLength)
    }

    static func opensslGenpkeyArgs(curve: EllipticCurve) -> [String] {
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve.openSSLGroup)", "-pkeyopt", "ec_param_enc:named_curve"]
    }
}
