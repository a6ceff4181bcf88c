extension Orchestrator {
    func laterChecks() -> [Check] { ingestChecks() + fanOutChecks() }
}
