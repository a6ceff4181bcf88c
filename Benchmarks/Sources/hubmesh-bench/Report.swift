import Foundation

/// One line of the results table.
struct Row: Codable, Sendable {
    var workload: String
    var system: String
    /// Messages (or deliveries) per second: the median of `throughputRuns`.
    var throughput: Double?
    var throughputRuns: [Double] = []
    /// Latency at the workload's fixed rate (µs).
    var latency: LatencySummary?
    var latencyRate: Int?
    /// Messages that did not arrive (summed over every run of the row).
    var lost: Int?
    var extra: [String: Double] = [:]
    /// "ok", or "not run: <reason>", or "failed: <reason>".
    var status = "ok"
    var notes: [String] = []

    init(workload: String, system: String) {
        self.workload = workload
        self.system = system
    }
}

/// A target from the issue, checked against the rows of the same run.
struct Check: Codable, Sendable {
    var workload: String
    var target: String
    var measured: String
    /// nil when it could not be checked (a row was not run).
    var met: Bool?
}

struct Machine: Codable, Sendable {
    var cores: Int
    var memoryGiB: Double
    var cpu: String
    var kernel: String
    var loadAverageAtStart: String
    var libzmq: String
}

struct Report: Codable, Sendable {
    var quick: Bool
    var repeats: Int
    var startedAt: String
    var durationSeconds: Double
    var machine: Machine
    var rows: [Row]
    var checks: [Check]
}

func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

func formatRate(_ value: Double?) -> String {
    guard let value else { return "-" }
    if value >= 1_000_000 { return String(format: "%.2f M", value / 1_000_000) }
    if value >= 1_000 { return String(format: "%.0f k", value / 1_000) }
    return String(format: "%.0f", value)
}

/// A latency with its unit: "42 µs" or "12.3 ms".
func formatLatency(_ micros: Double) -> String {
    micros >= 10_000 ? String(format: "%.1f ms", micros / 1000) : String(format: "%.0f µs", micros)
}

func formatMicros(_ value: Double?) -> String {
    guard let value else { return "-" }
    if value >= 10_000 { return String(format: "%.1f ms", value / 1000) }
    return String(format: "%.0f", value)
}

/// The table printed on stdout (and pasted into docs/benchmarks.md): Markdown, so it reads in both.
func renderTable(_ report: Report) -> String {
    var lines: [String] = []
    lines.append("| workload | system | msgs/s (median) | runs | p50 µs | p99 µs | p99.9 µs | max µs | lost | status |")
    lines.append("|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    for row in report.rows {
        let runs = row.throughputRuns.map { formatRate($0) }.joined(separator: ", ")
        let latency = row.latency
        let status = row.status == "ok" ? (row.notes.isEmpty ? "ok" : row.notes.joined(separator: "; ")) : row.status
        lines.append(
            "| \(row.workload) | \(row.system) | \(formatRate(row.throughput)) | \(runs) | \(formatMicros(latency?.p50)) | \(formatMicros(latency?.p99)) | \(formatMicros(latency?.p999)) | \(formatMicros(latency?.max)) | \(row.lost.map(String.init) ?? "-") | \(status) |"
        )
    }
    lines.append("")
    lines.append("| workload | target | measured | met |")
    lines.append("|---|---|---|---|")
    for check in report.checks {
        let met = check.met.map { $0 ? "yes" : "**no**" } ?? "not checked"
        lines.append("| \(check.workload) | \(check.target) | \(check.measured) | \(met) |")
    }
    return lines.joined(separator: "\n")
}

func readMachine() -> Machine {
    let memKiB =
        (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("MemTotal:") }?
        .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
    let cpu =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    let version = ZeroMQVersion.string
    return Machine(
        cores: ProcessInfo.processInfo.activeProcessorCount, memoryGiB: (memKiB / 1024 / 1024 * 10).rounded() / 10,
        cpu: cpu, kernel: kernel, loadAverageAtStart: load, libzmq: version)
}
