import Foundation
import OpsideTesting
import Testing

/// `deploy/tests-to-rerun.py`, which picks the tests of a failed pass that deploy/test runs once
/// more: exactly those that did not pass, whatever Swift Testing's output calls them.
@Suite struct TestRerunListTests {
    static let list = """
        AmazonTests.LargeReportMemoryTests/largeLedgerStreamsEveryRow()
        AmazonTests.LargeReportMemoryTests/largeLedgerStreamsWithFlatMemory()
        OpsideTests.DeployFilesTests/composeRunsEachService(service:)
        OpsideTests.SecurityTests/silentConnectionsAreClosed()
        OpsideTests.SecurityTests/internalRoutesRefuseEveryPathSpellingWithoutAServiceToken()
        OpsideTests.OutageTests/servicesFailFastWhilePostgresIsDownAndRecoverWhenItReturns()
        CostDocsStorageTests.ContentStoreConformanceTests/aMissingObjectIsATypedNotFound(backend:)
        """

    /// Runs the script on `log` with `arguments`: its exit status, the pattern it printed, and the
    /// ids it listed on standard error.
    static func rerun(log: String, _ arguments: [String] = []) async throws -> (status: Int32, pattern: String, listed: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-rerun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(list.utf8).write(to: folder.appendingPathComponent("tests.list"))
        try Data(log.utf8).write(to: folder.appendingPathComponent("pass.log"))
        let script = DeployFilesTests.root.appendingPathComponent("deploy/tests-to-rerun.py").path
        let run = try await TestProcess.run(URL(fileURLWithPath: "/usr/bin/python3"),
                                            [script, folder.appendingPathComponent("tests.list").path,
                                             folder.appendingPathComponent("pass.log").path] + arguments,
                                            timeout: .seconds(60))
        let listed = run.error.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return (run.status, run.output.trimmingCharacters(in: .whitespacesAndNewlines), listed)
    }

    @Test func onlyTheTestsThatDidNotPassAreRunAgain() async throws {
        // A failed test, one still running when the pass was stopped, one that never started; a
        // parameterized test and a suite with a display name that passed.
        let log = """
            ◇ Test run started.
            ✔ Test largeLedgerStreamsEveryRow() passed after 14.086 seconds.
            ✔ Test largeLedgerStreamsWithFlatMemory() passed after 14.425 seconds.
            ✔ Suite "Large reports stream in flat memory" passed after 14.426 seconds.
            ✔ Test "docker-compose.yml runs each service" with 10 test cases passed after 0.2 seconds.
            ✔ Suite DeployFilesTests passed after 0.3 seconds.
            ✔ Test aMissingObjectIsATypedNotFound(backend:) with 2 test cases passed after 139.912 seconds.
            ◇ Test silentConnectionsAreClosed() started.
            ✘ Test silentConnectionsAreClosed() failed after 366.524 seconds with 20 issues.
            ◇ Test internalRoutesRefuseEveryPathSpellingWithoutAServiceToken() started.
            ✘ Test run with 418 tests in 101 suites failed after 611.881 seconds with 20 issues.
            """
        let again = try await Self.rerun(log: log, ["--skip", "OutageTests"])
        #expect(again.status == 0)
        #expect(again.listed == ["OpsideTests.SecurityTests/silentConnectionsAreClosed()",
                                 "OpsideTests.SecurityTests/internalRoutesRefuseEveryPathSpellingWithoutAServiceToken()"])
        #expect(again.pattern == #"OpsideTests\.SecurityTests/silentConnectionsAreClosed\(\)|"#
                + #"OpsideTests\.SecurityTests/internalRoutesRefuseEveryPathSpellingWithoutAServiceToken\(\)"#)

        // The one-at-a-time pass, stopped before its one test started.
        let stopped = try await Self.rerun(log: "◇ Test run started.\n", ["--filter", "OutageTests"])
        #expect(stopped.listed == ["OpsideTests.OutageTests/servicesFailFastWhilePostgresIsDownAndRecoverWhenItReturns()"])
    }

    @Test func aPassThatPassedHasNothingToRunAgainAndAnUnknownPassIsSaidSo() async throws {
        let passed = """
            ✔ Test servicesFailFastWhilePostgresIsDownAndRecoverWhenItReturns() passed after 20 seconds.
            """
        let nothing = try await Self.rerun(log: passed, ["--filter", "OutageTests"])
        #expect(nothing.status == 1 && nothing.pattern.isEmpty && nothing.listed.isEmpty)
        let unknown = try await Self.rerun(log: passed, ["--filter", "NoSuchTests"])
        #expect(unknown.status == 2 && unknown.pattern.isEmpty)
    }
}
