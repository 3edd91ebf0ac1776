import Foundation
import VaultEngine

/// The mount's input paths that take bytes from a caller, each one function of bytes, as
/// `EngineFuzzEntryPoints` has the engine's: what the libFuzzer binary and the tests' corpus replay both run.
/// An entry point returns when the mount took the input or refused it with a deliberate errno; it throws a
/// `FuzzFinding` for an answer the kernel would get as `EIO`.
package enum FileSystemFuzzEntryPoints {
    /// Every file-system target by name.
    package static let targets: [String: @Sendable (FuzzWorld, [UInt8]) throws -> Void] = [
        "control-file": controlFile,
        "xattr": xattr,
    ]

    /// The control files a `control-file` input's first byte picks from (modulo their count).
    static let controlFiles: [@Sendable (String) -> any ControlHandler] = [
        { SecretsControl(vault: $0) },
        { KeysControl(vault: $0) },
        { CertificatesControl(vault: $0) },
        { KeyOperationsControl(key: ObjectAddress(kind: .key, vault: $0, name: FuzzWorld.rsaKey, version: nil)) },
        { KeyOperationsControl(key: ObjectAddress(kind: .key, vault: $0, name: FuzzWorld.ecKey, version: nil)) },
    ]

    /// Bytes written on a control file (first byte: which one; second: where the bytes are cut into two writes),
    /// answered as the mount answers them.
    static func controlFile(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        guard bytes.count >= 2 else { return }
        let handler = controlFiles[Int(bytes[0]) % controlFiles.count](FuzzWorld.vault)
        let body = Array(bytes.dropFirst(2))
        let cut = min(Int(bytes[1]), body.count)
        let tree = Self.tree(world)
        try expectErrno {
            var pending = PendingRequest()
            var request = try body[..<cut].withUnsafeBytes { try pending.add($0) }
            if request == nil { request = try body[cut...].withUnsafeBytes { try pending.add($0) } }
            guard let request else { return }
            _ = try handler.respond(to: request, as: world.caller, in: tree.tree)
        }
    }

    /// The objects an `xattr` input's first byte picks from (modulo 3), and the attributes its second byte picks.
    static let xattrObjects: [(ObjectKind, String)] = [(.secret, FuzzWorld.secret), (.key, FuzzWorld.ecKey),
                                                       (.certificate, FuzzWorld.certificate)]
    static let xattrNames = VaultTree.settable.sorted()

    /// A `setfattr` of a settable `user.kv.*` attribute (first byte: the object; second: the attribute; the rest:
    /// the value), parsed and applied as the mount does.
    static func xattr(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        guard bytes.count >= 2 else { return }
        let (kind, name) = xattrObjects[Int(bytes[0]) % xattrObjects.count]
        let attribute = xattrNames[Int(bytes[1]) % xattrNames.count]
        let tree = Self.tree(world)
        try expectErrno {
            guard let text = String(validating: bytes.dropFirst(2), as: UTF8.self) else { throw FileSystemError.invalidArgument }
            let (update, keyOps) = try VaultTree.attributeUpdate(attribute, value: text, kind: kind)
            try tree.apply(update, keyOps: keyOps, to: ObjectAddress(kind: kind, vault: FuzzWorld.vault, name: name, version: nil),
                           caller: world.caller)
        }
    }

    /// The mount's tree over the world's store (it holds no state these targets change).
    private static func tree(_ world: FuzzWorld) -> VaultTree {
        world.attached { VaultTree(engine: world.engine) }
    }

    /// Runs `body` as a FUSE request: a deliberate errno (`FileSystemError`, or a clear `VaultError`, which
    /// `ErrnoMapping` turns into one) is an answer.
    /// - Throws: `FuzzFinding` for an error that would reach the kernel as `EIO`.
    static func expectErrno(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as FileSystemError {
            if error == .ioError { throw FuzzFinding(description: "EIO") }
        } catch let error as VaultError {
            try FuzzWorld.requireClear(error)
        } catch let finding as FuzzFinding {
            throw finding
        } catch {
            throw FuzzFinding(description: "an untyped \(type(of: error)) (EIO)")
        }
    }
}
