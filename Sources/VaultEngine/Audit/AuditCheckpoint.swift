import Foundation

/// A signed statement "at `time`, the audit log of the store of `realm` had `seq` lines and its last line's MAC
/// was `mac`", made to leave the store (journald, a file or a command the operator names) so that an auditor
/// who kept it can later tell whether the store still holds that history (docs/security-model.md, "Audit
/// checkpoints").
///
/// One JSON line, keys sorted:
/// `{"format":"kvfs-audit-checkpoint/1","key":"sha256:…","mac":"…","realm":"…","seq":N,"signature":"…","time":"…"}`.
/// The signature is Ed25519 (base64url, no padding) over ``signedMessage``; `key` is the fingerprint of the
/// public key that made it. A checkpoint holds no secret: the MAC of a line reveals nothing of the line.
public struct AuditCheckpoint: Codable, Sendable, Equatable {
    public static let formatName = "kvfs-audit-checkpoint/1"

    public var format: String
    /// The store's realm id.
    public var realm: String
    /// Lines in the log when the checkpoint was made (0: an empty log).
    public var seq: Int64
    /// The MAC of line `seq` (64 zeros for an empty log).
    public var mac: String
    /// When it was made: UTC, ISO 8601 with milliseconds, as audit lines.
    public var time: String
    /// `sha256:<hex>` of the signing key's 32 raw public bytes.
    public var key: String
    /// Ed25519 over ``signedMessage``, base64url without padding.
    public var signature: String

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        Array("kvfs/v1/audit-checkpoint\n\(realm)\n\(seq)\n\(mac)\n\(time)".utf8)
    }

    /// The checkpoint as one JSON line (no newline).
    public var line: String {
        var out = JSONWriter()
        out.begin()
        out.field("format", format)
        out.field("key", key)
        out.field("mac", mac)
        out.field("realm", realm)
        out.field("seq", seq)
        out.field("signature", signature)
        out.field("time", time)
        out.end()
        return out.text
    }

    /// Whether `publicKey` made this checkpoint's signature.
    public func isSigned(by publicKey: Ed25519PublicKey) -> Bool {
        guard key == publicKey.fingerprint, let signature = try? Base64URL.decode(signature) else { return false }
        return publicKey.isValidSignature(signature, of: signedMessage)
    }

    /// Signs the head `seq`/`mac` of `realm`'s log at `time`.
    static func make(realm: String, seq: Int64, mac: String, time: Date, signer: Ed25519SigningKey) throws -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(format: formatName, realm: realm, seq: seq, mac: mac, time: AuditChain.timestamp(time),
                                         key: signer.publicKey.fingerprint, signature: "")
        checkpoint.signature = Base64URL.encode(try signer.sign(checkpoint.signedMessage))
        return checkpoint
    }

    /// The checkpoint signing key of a store: an Ed25519 key whose seed is
    /// `HMAC-SHA-256(master key, "kvfs/audit-checkpoint-key/<realm>")` (docs/store-format.md).
    static func signingKey(masterKey: SecureBytes, realm: String) throws -> Ed25519SigningKey {
        try Ed25519SigningKey(seed: try HMACSHA256.deriveKey(from: masterKey, purpose: "audit-checkpoint-key/\(realm)"))
    }

    /// Every checkpoint in `text`: one per line, each the JSON object from a line's first `{` to its last `}`, so
    /// a checkpoint file, and journald or syslog output with its prefixes (`journalctl -t kvfs`), both read.
    /// Lines without a checkpoint object are skipped.
    /// - Throws: `VaultError.invalidArgument` for a line that looks like a checkpoint but does not parse.
    public static func parse(_ text: String) throws -> [AuditCheckpoint] {
        var checkpoints: [AuditCheckpoint] = []
        let decoder = JSONDecoder()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.contains(formatName), let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}"), open < close else { continue }
            guard let checkpoint = try? decoder.decode(AuditCheckpoint.self, from: Data(line[open...close].utf8)),
                  checkpoint.format == formatName, checkpoint.seq >= 0, checkpoint.mac.count == 64 else {
                throw VaultError(.invalidArgument, "Line \(number + 1) of the checkpoints is not a kvfs audit checkpoint (\(formatName)).")
            }
            checkpoints.append(checkpoint)
        }
        return checkpoints
    }
}
