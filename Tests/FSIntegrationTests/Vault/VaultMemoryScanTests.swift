import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// The daemon holds plaintext only while it is used: once the key cache's lifetime has passed, its memory
    /// (every readable, writable private region, read as root through `/proc/PID/mem`) holds none of a secret
    /// it served, a secret written and deleted through the mount, a secret written by an atomic replace, a
    /// plaintext encrypted and decrypted through a key's `ops`, a private key imported through `keys/.ops`
    /// (its PEM lines, its DER, its private scalar in either byte order), and the master key only in its one
    /// protected copy (a locked `MADV_DONTDUMP` page).
    @Suite struct MemoryScan {
        static let vault = "mem"

        /// A value no other part of the test suite uses, long enough that a hit is no accident.
        static func unique(_ label: String) -> String {
            label + "-" + (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        }

        @Test func plaintextDoesNotOutliveItsUse() throws {
            let served = Self.unique("served")
            let written = Self.unique("written")
            let replaced = Self.unique("replaced")
            let encrypted = Self.unique("encrypted")
            var setup = TestCaller.setup([.init(name: Self.vault)], secrets: [(Self.vault, "served", served)])
            setup.mountArguments = ["--key-cache-lifetime", "1"]
            try VaultMountFixture.with(setup) { mount in
                let admin = TestCaller.administrator
                let v = Self.vault
                #expect(try mount.probe(admin, .read("\(v)/secrets/served")).text == served)
                #expect(try mount.probe(admin, .create("\(v)/secrets/gone", written)).ok)
                #expect(try mount.probe(admin, .read("\(v)/secrets/gone")).text == written)
                #expect(try mount.probe(admin, .unlink("\(v)/secrets/gone")).ok)
                // An atomic replace: a temporary file, renamed over the target.
                let replace = try mount.shell(admin, """
                    cd \(v)/secrets && /usr/bin/python3 -c "
                    import os, sys
                    fd = os.open('.target.tmp1', os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                    os.write(fd, sys.argv[1].encode()); os.fsync(fd); os.close(fd)
                    os.rename('.target.tmp1', 'target')" \(replaced)
                    """)
                #expect(replace.succeeded, "\(replace)")

                let key = try ImportedKey.generate(in: mount.directory)
                let bundle = try mount.createKey(admin, vault: v, ["op": "import", "name": "imported", "pem": key.pem])
                #expect(bundle["key"] != nil)
                let digest = [UInt8](repeating: 7, count: 32)
                let signed = try mount.keyOp(admin, "\(v)/keys/imported/ops", KeyJSON.request("sign", "ES256", value: digest))
                #expect(signed.answered && signed.errorCode == nil, "\(signed)")
                // A plaintext through a key's ops file: in an encrypt request and a decrypt response.
                _ = try mount.createKey(admin, vault: v, ["name": "wrapping", "kty": "RSA", "key_size": 2048])
                let sealed = try mount.keyOp(admin, "\(v)/keys/wrapping/ops", KeyJSON.request("encrypt", "RSA-OAEP-256", value: Array(encrypted.utf8)))
                let ciphertext = try #require(sealed.valueText.flatMap(KeyJSON.fromB64url), "\(sealed)")
                let opened = try mount.keyOp(admin, "\(v)/keys/wrapping/ops", KeyJSON.request("decrypt", "RSA-OAEP-256", value: ciphertext))
                #expect(opened.valueText.flatMap(KeyJSON.fromB64url) == Array(encrypted.utf8), "\(opened)")

                let masterHex = try String(contentsOfFile: mount.store + "/master.key", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let masterRaw = try #require(Self.hexBytes(masterHex))
                let plaintext: [(String, [UInt8])] = [
                    ("the served secret", Array(served.utf8)),
                    ("the deleted secret", Array(written.utf8)),
                    ("the atomically replaced secret", Array(replaced.utf8)),
                    ("the encrypted and decrypted plaintext", Array(encrypted.utf8)),
                    ("the decrypted plaintext in base64url", Array(KeyJSON.b64url(Array(encrypted.utf8)).utf8)),
                    ("the imported key's DER", key.der),
                    ("the imported key's private scalar", key.scalar),
                    ("the imported key's private scalar (little-endian)", key.scalar.reversed()),
                ] + key.pemLines.enumerated().map { ("line \($0.offset + 1) of the imported key's PEM", Array($0.element.utf8)) }
                let master: [(String, [UInt8])] = [("the master key", masterRaw), ("the master key in hex", Array(masterHex.utf8))]

                // Nothing signals that the key cache swept: scan until the memory is clean, at most a few
                // seconds past the one-second lifetime, and report what the last scan found.
                let deadline = Date().addingTimeInterval(6)
                var found: [DaemonMemoryScan.Hit] = []
                var scanned = 0
                repeat {
                    (found, scanned) = try DaemonMemoryScan.find(plaintext + master, in: mount.daemonPID)
                    let stray = found.filter { !($0.needle == "the master key" && $0.isProtected) }
                    if stray.isEmpty { break }
                    usleep(250_000)
                } while Date() < deadline
                let stray = found.filter { !($0.needle == "the master key" && $0.isProtected) }
                #expect(stray.isEmpty, "\(stray.count) copies of plaintext in the daemon's memory (\(scanned) bytes scanned):\n\(stray.map(\.description).joined(separator: "\n"))")
                // The scan reads the daemon's memory: the one protected copy of the master key is there.
                let protected = found.filter { $0.needle == "the master key" && $0.isProtected }
                #expect(protected.count == 1, "protected copies of the master key: \(protected)")
                #expect(scanned > 1_000_000)
            }
        }

        static func hexBytes(_ hex: String) -> [UInt8]? {
            let chars = Array(hex.utf8)
            guard chars.count % 2 == 0 else { return nil }
            return stride(from: 0, to: chars.count, by: 2).compactMap { UInt8(String(decoding: chars[$0..<$0 + 2], as: UTF8.self), radix: 16) }
        }
    }
}

/// A P-256 private key made by openssl for a test: its PKCS#8 PEM, DER and private scalar.
struct ImportedKey {
    var pem: String
    var der: [UInt8]
    var scalar: [UInt8]

    /// The base64 lines of the PEM body.
    var pemLines: [String] { pem.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") } }

    static func generate(in directory: String) throws -> ImportedKey {
        let pemPath = directory + "/imported.pem", derPath = directory + "/imported.der"
        let made = try VaultProcess.run(["/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pemPath])
        guard made.succeeded else { throw VaultTestError("openssl genpkey: \(made)") }
        let converted = try VaultProcess.run(["/usr/bin/openssl", "pkey", "-in", pemPath, "-outform", "DER", "-out", derPath])
        guard converted.succeeded else { throw VaultTestError("openssl pkey: \(converted)") }
        let pem = try String(contentsOfFile: pemPath, encoding: .utf8)
        let der = [UInt8](try Data(contentsOf: URL(fileURLWithPath: derPath)))
        // ECPrivateKey inside PKCS#8: version 1 (02 01 01), then the scalar as a 32-byte OCTET STRING (04 20).
        let marker: [UInt8] = [0x02, 0x01, 0x01, 0x04, 0x20]
        guard let at = (0...(der.count - marker.count)).first(where: { Array(der[$0..<$0 + marker.count]) == marker }),
              at + marker.count + 32 <= der.count else { throw VaultTestError("no private scalar in the DER") }
        let scalar = Array(der[(at + marker.count)..<(at + marker.count + 32)])
        try? FileManager.default.removeItem(atPath: pemPath)
        try? FileManager.default.removeItem(atPath: derPath)
        return ImportedKey(pem: pem, der: der, scalar: scalar)
    }
}
