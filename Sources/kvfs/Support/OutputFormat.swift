import ArgumentParser
import Foundation

/// az's output formats (docs/cli.md, "Output formats").
enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case json, jsonc, table, tsv, yaml, none
}

/// `-o/--output FORMAT`, on every command. Commands whose result is bytes (a secret's value, a signature, a
/// PEM) write the bytes unless a format is asked for explicitly.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .long],
            help: ArgumentHelp("Output format: json (default), jsonc, table, tsv, yaml or none.", valueName: "format"))
    var output: OutputFormat?

    /// The format to render a structured result in: az's default, json, unless another is asked for.
    var format: OutputFormat { output ?? .json }
    /// Whether `-o` was given (byte-valued commands then print their structured result instead).
    var isExplicit: Bool { output != nil }

    /// Writes `value` on stdout in the chosen format.
    func print(_ value: JSONValue) {
        FileHandle.standardOutput.write(Data(OutputRenderer.render(value, as: format).utf8))
    }

    /// Writes an `Encodable` engine value in the chosen format.
    /// - Throws: encoding errors.
    func print<T: Encodable>(encoding value: T) throws {
        print(try JSONValue(encoding: value))
    }

    /// A command that reports in a sentence (init, mount, audit verify): the sentence by default, the
    /// structured `value` when a format is asked for.
    func report(_ sentence: String, _ value: @autoclosure () -> JSONValue) {
        if isExplicit { print(value()) } else { Output.line(sentence) }
    }
}

/// Renders a result tree as az renders its results.
enum OutputRenderer {
    static func render(_ value: JSONValue, as format: OutputFormat) -> String {
        switch format {
        case .json: json(value, colored: false) + "\n"
        case .jsonc: json(value, colored: true) + "\n"
        case .yaml: yaml(value)
        case .table: table(value)
        case .tsv: tsv(value)
        case .none: ""
        }
    }

    // MARK: json, jsonc

    /// Two-space indentation, `"key": value`, keys sorted, non-ASCII kept (az's `json.dumps(indent=2,
    /// sort_keys=True, ensure_ascii=False)`). jsonc colours keys, strings and literals with ANSI escapes.
    static func json(_ value: JSONValue, colored: Bool, indent: String = "") -> String {
        func paint(_ text: String, _ code: String) -> String { colored ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text }
        let inner = indent + "  "
        switch value {
        case .null: return paint("null", "95")
        case .bool(let b): return paint(b ? "true" : "false", "95")
        case .int(let i): return paint(String(i), "93")
        case .double(let d): return paint(number(d), "93")
        case .string(let s): return paint(quoted(s), "32")
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + json($0, colored: colored, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            return "{\n" + fields.keys.sorted().map { key in
                inner + paint(quoted(key), "94") + ": " + json(fields[key]!, colored: colored, indent: inner)
            }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x7f: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
    }

    // MARK: yaml

    /// Block style as PyYAML's `safe_dump(default_flow_style=False)` writes it: keys sorted, list items at
    /// their key's indentation, strings quoted only where a plain scalar would read as something else.
    static func yaml(_ value: JSONValue) -> String {
        var out = ""
        yamlBlock(value, indent: 0, into: &out)
        return out
    }

    private static func yamlBlock(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .array(let items) where !items.isEmpty:
            for item in items {
                out += pad + "-"
                yamlAfterDash(item, indent: indent + 2, into: &out)
            }
        case .object(let fields) where !fields.isEmpty:
            for key in fields.keys.sorted() {
                out += pad + yamlScalar(.string(key)) + ":"
                let child = fields[key]!
                switch child {
                case .object(let f) where !f.isEmpty:
                    out += "\n"
                    yamlBlock(child, indent: indent + 2, into: &out)
                case .array(let a) where !a.isEmpty:
                    out += "\n"
                    yamlBlock(child, indent: indent, into: &out)
                default:
                    out += " " + yamlScalar(child) + "\n"
                }
            }
        default:
            out += pad + yamlScalar(value) + "\n"
        }
    }

    /// An item after `- `: a mapping starts on the dash's line.
    private static func yamlAfterDash(_ item: JSONValue, indent: Int, into out: inout String) {
        switch item {
        case .object(let f) where !f.isEmpty:
            var nested = ""
            yamlBlock(item, indent: indent, into: &nested)
            out += " " + nested.dropFirst(indent)
        case .array(let a) where !a.isEmpty:
            var nested = ""
            yamlBlock(item, indent: indent, into: &nested)
            out += " " + nested.dropFirst(indent)
        default:
            out += " " + yamlScalar(item) + "\n"
        }
    }

    static func yamlScalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .array: return "[]"
        case .object: return "{}"
        case .string(let s):
            if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return quoted(s) }
            return yamlNeedsQuotes(s) ? "'" + s.replacingOccurrences(of: "'", with: "''") + "'" : s
        }
    }

    private static func yamlNeedsQuotes(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last else { return true }
        if first == " " || last == " " { return true }
        if "?:,[]{}#&*!|>'\"%@`".contains(first) { return true }
        if first == "-" && (s.count == 1 || s.hasPrefix("- ") || s.hasPrefix("---")) { return true }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") { return true }
        let lower = s.lowercased()
        if ["true", "false", "yes", "no", "on", "off", "null", "~"].contains(lower) { return true }
        if looksNumeric(s) { return true }
        // Timestamps PyYAML would read as dates.
        if s.range(of: #"^\d{4}-\d{1,2}-\d{1,2}"#, options: .regularExpression) != nil { return true }
        return false
    }

    private static func looksNumeric(_ s: String) -> Bool {
        s.range(of: #"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil
            || s.range(of: #"^0x[0-9a-fA-F_]+$"#, options: .regularExpression) != nil
            || [".inf", "-.inf", "+.inf", ".nan"].contains(s.lowercased())
    }

    // MARK: table

    /// az's automatic table: one row per item (one for an object); the columns are the scalar fields, named
    /// with a capital first letter, in sorted key order; `id`, `type` and `etag`, nested values and nulls are
    /// left out, as az's `_TableOutput` does. Columns are padded and separated by two spaces (tabulate's
    /// "simple" format); numbers right-aligned. A result with no scalar field at all prints nothing.
    static func table(_ value: JSONValue) -> String {
        let items: [JSONValue]
        if case .array(let list) = value { items = list } else { items = [value] }
        var columns: [String] = []
        var rows: [[String: (text: String, numeric: Bool)]] = []
        for item in items {
            var row: [String: (text: String, numeric: Bool)] = [:]
            switch item {
            case .object(let fields):
                for key in fields.keys.sorted() where !["id", "type", "etag"].contains(key) {
                    guard let cell = tableCell(fields[key]!) else { continue }
                    let column = key.prefix(1).uppercased() + key.dropFirst()
                    if !columns.contains(column) { columns.append(column) }
                    row[column] = cell
                }
            case .array(let cells):
                for (index, cell) in cells.enumerated() {
                    guard let cell = tableCell(cell) else { continue }
                    let column = "Column\(index + 1)"
                    if !columns.contains(column) { columns.append(column) }
                    row[column] = cell
                }
            default:
                if let cell = tableCell(item) {
                    if !columns.contains("Result") { columns.append("Result") }
                    row["Result"] = cell
                }
            }
            rows.append(row)
        }
        guard !columns.isEmpty else { return "" }
        let numeric = columns.map { c in rows.allSatisfy { $0[c] == nil || $0[c]!.numeric } && rows.contains { $0[c] != nil } }
        let widths = columns.enumerated().map { i, c in max(c.count, rows.map { $0[c]?.text.count ?? 0 }.max() ?? 0) }
        func line(_ cells: [String], alignRight: [Bool]) -> String {
            zip(cells, zip(widths, alignRight)).map { cell, layout in
                let padding = String(repeating: " ", count: max(0, layout.0 - cell.count))
                return layout.1 ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
        }
        var out = line(columns, alignRight: numeric) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows {
            out += line(columns.map { row[$0]?.text ?? "" }, alignRight: numeric) + "\n"
        }
        return out
    }

    private static func tableCell(_ value: JSONValue) -> (text: String, numeric: Bool)? {
        switch value {
        case .null, .array, .object: nil
        case .bool(let b): (b ? "True" : "False", false)
        case .int(let i): (String(i), true)
        case .double(let d): (number(d), true)
        case .string(let s): (s.replacingOccurrences(of: "\n", with: " "), false)
        }
    }

    // MARK: tsv

    /// az's tsv: one line per item (one for an object), the values of its fields in sorted key order, tab-
    /// separated; a nested object is an empty field and a list its length, so every line of a listing has the
    /// same columns. Unlike az, a null is an empty field (az writes `None`) and booleans are `true`/`false`.
    static func tsv(_ value: JSONValue) -> String {
        let items: [JSONValue]
        if case .array(let list) = value { items = list } else { items = [value] }
        return items.map { item -> String in
            switch item {
            case .object(let fields): fields.keys.sorted().map { tsvField(fields[$0]!) }.joined(separator: "\t") + "\n"
            case .array(let cells): cells.map(tsvField).joined(separator: "\t") + "\n"
            default: tsvField(item) + "\n"
            }
        }.joined()
    }

    private static func tsvField(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): number(d)
        case .string(let s): s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        case .array(let a): String(a.count)
        case .object: ""
        }
    }
}
