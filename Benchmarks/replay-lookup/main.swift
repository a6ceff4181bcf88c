// The replay buffer's lookup, alone: what an origin member spends (holding its publish lane's lock,
// so its publishers wait) to serve one replay request. Fills a buffer of CAPACITY frames (default
// 200,000, the mesh's default replay capacity) from one hot topic with every eighth frame on one of
// 16 other topics, then asks the hot topic for 100 frames at the oldest end, the middle and the
// newest end of what is held, and for a quiet topic's oldest frames.
//
// An executable of the package (so the test command compiles it; it runs only by hand):
//   swift build -c release --product replay-lookup && .build/release/replay-lookup [CAPACITY]
// It prints the median time per lookup of each kind over 101 lookups (and a checksum of the
// frames found, so that the work is not optimized away).
import HubMesh

let capacity = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000
let clock = ContinuousClock()
let start = clock.now
var buffer = ReplayBuffer<ContinuousClock.Instant>(capacity: capacity, maxAge: .seconds(3600))
let hot = Topic.group(hub: "bench", group: "g1")
let quiet = (0..<16).map { Topic.group(hub: "bench", group: "q\($0)") }
var next = [UInt64](repeating: 1, count: 17)
let frame = [UInt8](repeating: 7, count: 100)
for i in 0..<(capacity + capacity / 2) {
    let topic = i % 8 == 7 ? 1 + (i / 8) % 16 : 0
    buffer.append(topic: topic == 0 ? hot : quiet[topic - 1], sequence: next[topic], frame: frame, now: start)
    next[topic] += 1
}
let hotLast = next[0] - 1
let hotFirst = hotLast - UInt64(capacity * 7 / 8) + 1
let quietLast = next[1] - 1
let cases: [(String, Topic, ClosedRange<UInt64>)] = [
    ("hot topic, oldest 100 held", hot, (hotFirst + 10)...(hotFirst + 109)),
    ("hot topic, 100 in the middle", hot, (hotFirst + hotLast) / 2...(hotFirst + hotLast) / 2 + 99),
    ("hot topic, newest 100", hot, (hotLast - 99)...hotLast),
    ("quiet topic, oldest 10 held", quiet[0], (quietLast - UInt64(capacity / 128) + 2)...(quietLast - UInt64(capacity / 128) + 11)),
]
var checksum = 0
for (name, topic, range) in cases {
    var times: [Duration] = []
    for _ in 0..<101 {
        let before = clock.now
        let lookup = buffer.frames(topic: topic, range: range)
        times.append(before.duration(to: clock.now))
        checksum &+= lookup.frames.count
    }
    times.sort()
    print("\(name): \(times[50]) per lookup (median of 101)")
}
print("checksum \(checksum)")
