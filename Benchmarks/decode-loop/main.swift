// The gateway ingress thread's CPU work per request, without sockets: decode + validate the
// ingest benchmark's request (group message, 100-character argument), mesh-encode its envelope,
// encode the reply. For instruction counts under callgrind, which cannot load hubmesh-gateway
// itself here (valgrind 3.19 gives up on the Swift runtime's libdispatch and on DWARF 5).
//
// An executable of the package (so the test command compiles it; it runs only by hand):
//   swift build -c release --product decode-loop
//   objcopy --strip-debug .build/release/decode-loop /tmp/decode-loop
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out /tmp/decode-loop 20000 all
//   callgrind_annotate --inclusive=yes /tmp/cg.out | head -40
// Instructions per request = total / (5 × 20000). Modes: `all` (decode + mesh encode + reply),
// `decode` (decode + reply).
import HubGateway
import HubMesh

let argument = String(repeating: "x", count: 100)
let frames: [[UInt8]] = (0..<1000).map { i in
    Array(#"{"v":1,"id":"\#(i + 1)","kind":"group","hub":"bench","group":"g1","method":"m","arguments":["\#(argument)"]}"#.utf8)
}
var decoder = RequestDecoder()
var out: [UInt8] = []
let clock = ContinuousClock()
let n = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 500_000
let mode = CommandLine.arguments.dropFirst(2).first ?? "all"
var best = Double.infinity
var bytes = 0
for _ in 0..<5 {
    let start = clock.now
    for i in 0..<n {
        let decoded = decoder.decode(frames[i % 1000])
        guard case .single(let id, .success(let request)) = decoded else { fatalError("\(decoded)") }
        if mode == "all" {
            let header = MeshHeader(origin: "gw-1", epoch: 1, sequence: UInt64(i), messageID: UInt64(i))
            let frame = try! MeshCodec.encode(MeshMessage(header: header, body: .hub(request.envelope)))
            bytes &+= frame.count
        }
        out.removeAll(keepingCapacity: true)
        Reply(id: id, body: .single(.accepted)).encode(into: &out)
    }
    let elapsed = start.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    best = min(best, seconds / Double(n) * 1e9)
}
print("\(mode): \(Int(best)) ns/request (best of 5 rounds of \(n)); \(bytes % 2)")
