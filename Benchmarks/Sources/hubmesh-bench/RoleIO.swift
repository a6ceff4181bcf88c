import Foundation

/// The line protocol between the orchestrator and a role process: the role writes `ready …`,
/// `sent {json}` and `result {json}` on stdout, and reads `go` and `quit` on stdin.
enum RoleIO {
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func say<T: Encodable>(_ word: String, _ value: T) {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        say(word + " " + String(decoding: data, as: UTF8.self))
    }

    /// Blocks a dedicated thread until `word` arrives on stdin (or stdin closes).
    static func waitBlocking(for word: String) {
        while let line = readLine() {
            if line.trimmingCharacters(in: .whitespaces) == word { return }
        }
    }

    /// Waits for `word` on stdin without blocking the cooperative pool.
    static func wait(for word: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                waitBlocking(for: word)
                continuation.resume()
            }
        }
    }

    /// Runs `body` on its own thread and returns its result.
    static func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
