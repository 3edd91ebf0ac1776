import Foundation
import Testing
import VaultEngine
@testable import VaultFS

/// The mount's fuzz targets in CI (control files, `user.kv.*` values), as `FuzzCorpusTests` has the engine's:
/// every kept input of `fuzz/corpus/<target>/` through the fuzz binary's entry point, then a bounded, seeded
/// mutation pass. No mount: the entry points call the control-file handlers and the attribute parser directly.
@Suite("Fuzz corpora (mount)")
struct FileSystemFuzzCorpusTests {
    static let corpus = FuzzCorpus.directory(near: #filePath)
    static let mutations = 150

    @Test("every kept input gets an answer or a deliberate errno", arguments: FileSystemFuzzEntryPoints.targets.keys.sorted())
    func replay(_ target: String) throws {
        let inputs = try FuzzCorpus.inputs(of: target, in: Self.corpus)
        #expect(!inputs.isEmpty, "fuzz/corpus/\(target) holds no input")
        let world = try FuzzWorld.shared()
        let run = try #require(FileSystemFuzzEntryPoints.targets[target])
        for input in inputs {
            do { try run(world, input.bytes) } catch { Issue.record("\(target)/\(input.name): \(error)") }
        }
    }

    @Test("seeded mutations of the corpus get an answer or a deliberate errno", arguments: FileSystemFuzzEntryPoints.targets.keys.sorted())
    func mutations(_ target: String) throws {
        let inputs = try FuzzCorpus.inputs(of: target, in: Self.corpus).map(\.bytes)
        try #require(!inputs.isEmpty)
        let world = try FuzzWorld.shared()
        let run = try #require(FileSystemFuzzEntryPoints.targets[target])
        var mutator = FuzzMutator(seed: 0x6b76_6673, name: target)
        for round in 0..<Self.mutations {
            // The first two bytes pick the file or attribute: they are kept, so every mutation reaches a parser.
            let base = inputs[round % inputs.count]
            let input = Array(base.prefix(2)) + mutator.mutate(Array(base.dropFirst(2)), other: Array(inputs[(round * 7 + 3) % inputs.count].dropFirst(2)))
            do {
                try run(world, input)
            } catch {
                Issue.record("\(target), mutation \(round) (base64 \(Data(input).base64EncodedString())): \(error)")
            }
        }
    }

    @Test("an xattr input reaches the engine: a tag set through the entry point is on the secret")
    func xattrReachesTheEngine() throws {
        let world = try FuzzWorld()
        defer { world.remove() }
        let run = try #require(FileSystemFuzzEntryPoints.targets["xattr"])
        let tags = UInt8(FileSystemFuzzEntryPoints.xattrNames.firstIndex(of: "tags")!)
        try run(world, [0, tags] + Array(#"{"from":"fuzz"}"#.utf8))
        let secret = try world.engine.secrets.get(vault: FuzzWorld.vault, name: FuzzWorld.secret, as: world.caller)
        #expect(secret.properties.tags == ["from": "fuzz"])
    }
}
