import Foundation

/// The fuzz corpora kept in the repository (`fuzz/corpus/<target>/`, seeds and what libFuzzer found), read for
/// the tests' replay, and a seeded mutator for their bounded mutation pass, so that CI exercises the fuzz targets
/// without an instrumented build.
package enum FuzzCorpus {
    /// `fuzz/corpus` of the checkout that holds `file` (a test's `#filePath`).
    package static func directory(near file: String) -> URL {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("fuzz/corpus")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: file).appendingPathComponent("fuzz/corpus")
    }

    /// The inputs of `target`, by file name, sorted.
    /// - Throws: when the folder cannot be read.
    package static func inputs(of target: String, in directory: URL) throws -> [(name: String, bytes: [UInt8])] {
        let folder = directory.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }
}

/// A deterministic mutator in libFuzzer's spirit: bit flips, byte changes, insertions and deletions, splices of
/// two inputs, and the tokens JSON parsers and date, number and base64 rules trip on. The same seed gives the same
/// inputs on every run.
package struct FuzzMutator {
    private var state: UInt64

    /// A mutator whose inputs follow from `seed` and `name` (a target's name: each target its own sequence).
    package init(seed: UInt64, name: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = seed ^ hash
    }

    private static let tokens: [String] = [
        "null", "true", "false", "0", "-1", "1e400", "-1e400", "9223372036854775807", "18446744073709551616",
        "1.5", "NaN", "\"\"", "[]", "{}", "\"P0D\"", "\"P99999999999Y\"", "\"PT1H\"", "\"-P1D\"", "\"\\u0000\"",
        "\"\\ud800\"", "\"AAAA\"", "\"_-_-\"", "\"====\"", "\"-----BEGIN PRIVATE KEY-----\"", "\"RSA-HSM\"", "\"oct\"",
        "\"P-521\"", "\"secp256k1\"", "16384", "65536", "3", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01\"",
        "\"1e309\"", "\"inf\"", "\"nan\"", "\"-0\"", "1e18", "-9e18", "253402300800",
    ]

    private mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    private mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// A mutation of `input` (one to four changes), with `other` as the second half of a splice.
    package mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let at = below(bytes.count + 1)
            switch below(7) {
            case 0 where !bytes.isEmpty:
                bytes[min(at, bytes.count - 1)] ^= UInt8(1 << below(8))
            case 1 where !bytes.isEmpty:
                bytes[min(at, bytes.count - 1)] = UInt8(truncatingIfNeeded: next())
            case 2:
                bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
            case 3 where !bytes.isEmpty:
                bytes.removeSubrange(min(at, bytes.count - 1)..<min(bytes.count, at + 1 + below(8)))
            case 4:
                bytes.insert(contentsOf: Array(Self.tokens[below(Self.tokens.count)].utf8), at: at)
            case 5 where !bytes.isEmpty:
                // A JSON value (a number, a string or a bracketed part) replaced by a token.
                let start = min(at, bytes.count - 1)
                let end = min(bytes.count, start + 1 + below(24))
                bytes.replaceSubrange(start..<end, with: Array(Self.tokens[below(Self.tokens.count)].utf8))
            default:
                bytes = Array(bytes.prefix(at)) + other.suffix(from: min(below(other.count + 1), other.count))
            }
        }
        return bytes
    }
}
