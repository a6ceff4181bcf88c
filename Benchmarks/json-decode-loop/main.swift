// The JSON hub protocol's decoding cost per message, without sockets: 100 framed invocations as a
// load client receives them (`{"type":1,"target":"Deliver","arguments":["<stamp>:xxx…"]}`, a
// 126-character argument) through `JSONHubProtocol.decodeMessages`, best of 5 rounds.
//
// An executable of the package (so the test command compiles it; it runs only by hand):
//   swift build -c release --product json-decode-loop
//   .build/release/json-decode-loop 5000                 # ns per message (noisy on a shared box)
//   objcopy --strip-debug .build/release/json-decode-loop /tmp/jdl
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out /tmp/jdl 200
// Instructions per message ≈ total / 100,000 (200 rounds × 5 × 100 messages; startup is < 1 %).
import HubProtocol

let argument = "1763855000000000000:12345:" + String(repeating: "x", count: 100)
let one = Array(#"{"type":1,"target":"Deliver","arguments":["\#(argument)"]}"#.utf8) + [0x1E]
var batch: [UInt8] = []
for _ in 0..<100 { batch += one }
let codec = JSONHubProtocol()
let clock = ContinuousClock()
let rounds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 5000
var best = Double.infinity
var count = 0
for _ in 0..<5 {
    let start = clock.now
    for _ in 0..<rounds {
        let messages = try! codec.decodeMessages(batch, maxMessageSize: 1 << 20)
        count &+= messages.count
    }
    let elapsed = clock.now - start
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    best = min(best, nanoseconds / Double(rounds * 100))
}
print("ns/message (best of 5): \(best)  [\(count) decoded]")
