/// Base64url (RFC 4648 §5) as Azure and JOSE use it: encoded without padding; decoding accepts input with or
/// without `=` padding and rejects any character outside `A–Z a–z 0–9 - _`, misplaced padding, an impossible
/// length, and non-zero trailing bits (so every byte string has exactly one accepted spelling).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes `bytes` as unpadded base64url.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next(), b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 { out.append(alphabet[Int((b1 & 0x0f) << 2 | (b2 ?? 0) >> 6)]) }
            if let b2 { out.append(alphabet[Int(b2 & 0x3f)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64url text.
    /// - Throws: `KeyCryptoError.invalidArgument` if the text is not valid base64url.
    public static func decode(_ text: String) throws -> [UInt8] {
        let symbols = try symbols(of: text)
        var out = [UInt8](repeating: 0, count: decodedCount(symbols.count))
        out.withUnsafeMutableBufferPointer { write(symbols, into: $0) }
        return out
    }

    /// Decodes base64url text straight into a wiped-on-free buffer (for private key components).
    /// - Throws: `KeyCryptoError.invalidArgument` if the text is not valid base64url.
    public static func decodeSecure(_ text: String) throws -> SecureBytes {
        var symbols = try symbols(of: text)
        defer { for i in symbols.indices { symbols[i] = 0 } }
        return SecureBytes(count: decodedCount(symbols.count)) { raw in
            write(symbols, into: raw.bindMemory(to: UInt8.self))
        }
    }

    private static func decodedCount(_ symbolCount: Int) -> Int { symbolCount * 3 / 4 }

    /// The 6-bit values of the text's symbols, padding stripped and validated.
    private static func symbols(of text: String) throws -> [UInt8] {
        var utf8 = Array(text.utf8)
        var padding = 0
        while utf8.last == UInt8(ascii: "=") { utf8.removeLast(); padding += 1 }
        let invalid = KeyCryptoError(.invalidArgument, "Invalid base64url text: use only A–Z, a–z, 0–9, '-' and '_', without line breaks.")
        guard utf8.count % 4 != 1 else { throw invalid }
        if padding > 0 && (padding > 2 || (utf8.count + padding) % 4 != 0) { throw invalid }
        var values = [UInt8](repeating: 0, count: utf8.count)
        for (i, c) in utf8.enumerated() {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values[i] = c - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values[i] = c - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values[i] = c - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): values[i] = 62
            case UInt8(ascii: "_"): values[i] = 63
            default: throw invalid
            }
        }
        // The last symbol of a partial group must not carry bits beyond the final byte.
        switch values.count % 4 {
        case 2 where values.last! & 0x0f != 0: throw invalid
        case 3 where values.last! & 0x03 != 0: throw invalid
        default: break
        }
        return values
    }

    private static func write(_ symbols: [UInt8], into out: UnsafeMutableBufferPointer<UInt8>) {
        var o = 0, accumulator: UInt32 = 0, bits = 0
        for value in symbols {
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out[o] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                o += 1
            }
        }
        accumulator = 0
    }
}
